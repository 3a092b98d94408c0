import { arn, executionArn, type AwsCall, type AwsCallTable } from '../shared/awsCalls';
import { queryIndexes, tableCalls } from '../shared/storeCalls';

/**
 * handler.ts, the routes and the admission ledger: the meetings table, the meeting's execution, and the
 * teardown function (cancel and reschedule run it; the API itself has no EC2 or Route 53 permissions).
 */
export const awsCalls: AwsCallTable = (site) => {
  const execution = executionArn(site.env.STATE_MACHINE_ARN);
  const onExecution = (command: string, action: string, why: string): AwsCall => ({
    command,
    action,
    resource: execution,
    why,
  });
  return [
    ...tableCalls(site, ['GetItem', 'PutItem', 'UpdateItem'], 'books, reads, cancels and moves meetings'),
    ...tableCalls(site, ['BatchGetItem', 'UpdateItem', 'DeleteItem'], 'the admission ledger'),
    ...queryIndexes(site),
    {
      command: 'StartExecutionCommand',
      action: 'states:StartExecution',
      resource: site.env.STATE_MACHINE_ARN,
      why: "starts a meeting's lifecycle",
    },
    onExecution('StopExecutionCommand', 'states:StopExecution', 'stops it on cancel or reschedule'),
    onExecution('DescribeExecutionCommand', 'states:DescribeExecution', "shows a meeting's execution"),
    onExecution('GetExecutionHistoryCommand', 'states:GetExecutionHistory', 'and its latest events'),
    {
      command: 'InvokeCommand',
      action: 'lambda:InvokeFunction',
      resource: arn(site, 'lambda', `function:${site.env.TEARDOWN_FUNCTION_NAME}`),
      why: 'runs the teardown now (cancel, reschedule)',
    },
  ];
};
