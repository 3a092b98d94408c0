import { executionArn, type AwsCallTable } from '../shared/awsCalls';
import { deleteLeftoverRecords, terminateMeeting } from '../shared/ec2FleetCalls';
import { INDEX_BY_STATUS } from '../shared/store';
import { queryIndexes, tableCalls } from '../shared/storeCalls';

/**
 * sweep.ts, reconcile.ts and handler.ts: the app's servers (by tag), open meetings (by status), their
 * executions (listed, described, stopped), and leftover meeting records.
 */
export const awsCalls: AwsCallTable = (site) => [
  ...tableCalls(site, ['GetItem', 'UpdateItem'], 'reads and closes meetings'),
  ...queryIndexes(site, [INDEX_BY_STATUS]),
  ...terminateMeeting(site),
  deleteLeftoverRecords(site),
  {
    command: 'DescribeExecutionCommand',
    action: 'states:DescribeExecution',
    resource: executionArn(site.stateMachineArn),
    why: "reads the status of a meeting's execution",
  },
  {
    command: 'ListExecutionsCommand',
    action: 'states:ListExecutions',
    resource: site.stateMachineArn,
    why: 'lists the running executions to reconcile them with the meetings (reconcile.ts)',
  },
  {
    command: 'StopExecutionCommand',
    action: 'states:StopExecution',
    resource: executionArn(site.stateMachineArn),
    why: 'stops an execution whose meeting is gone, moved on or cancelled',
  },
];
