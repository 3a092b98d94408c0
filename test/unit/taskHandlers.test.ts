import type { Context } from 'aws-lambda';
import { mockClient } from 'aws-sdk-client-mock';
import type { LocalDynamo } from '../../local/dynamo';
import { captureOutput, emfLines, logLines } from '../support/captureOutput';
import { dynamoWorld, scheduleMeeting } from '../support/world';

/**
 * The Lambda entry points of launch and the sweeper, as Lambda calls them (event, context), with the
 * environment CDK gives them, a real table (dynalite) and EC2 mocked: what reaches CloudWatch Logs.
 */
describe('task handlers: logs and metrics as Lambda writes them', () => {
  let dynamo: LocalDynamo;
  let tableName: string;
  let store: Awaited<ReturnType<typeof dynamoWorld>>['store'];
  const saved = { ...process.env };
  beforeAll(async () => ({ dynamo, tableName, store } = await dynamoWorld()));
  afterAll(async () => {
    process.env = saved;
    await dynamo.close();
  });

  const context = (functionName: string) =>
    ({
      functionName,
      awsRequestId: 'req-123',
      invokedFunctionArn: `arn:aws:lambda:us-east-1:000000000000:function:${functionName}`,
      memoryLimitInMB: '256',
      functionVersion: '$LATEST',
    }) as unknown as Context;

  /**
   * The handler module loaded afresh (it reads its environment at load) with EC2 mocked in the same module
   * registry, so the handler's own EC2Client is the mocked one.
   */
  async function loadHandler<T>(path: string, runInstances: boolean): Promise<T> {
    const sdk = await import('@aws-sdk/client-ec2');
    const ec2 = mockClient(sdk.EC2Client);
    ec2.on(sdk.DescribeInstancesCommand).resolves({ Reservations: [] });
    if (runInstances) ec2.on(sdk.RunInstancesCommand).resolves({ Instances: [{ InstanceId: 'i-0abc' }] });
    // The sweeper reconciles executions: every open meeting's execution is running.
    const sfnSdk = await import('@aws-sdk/client-sfn');
    const sfn = mockClient(sfnSdk.SFNClient);
    sfn.on(sfnSdk.ListExecutionsCommand).resolves({ executions: [] });
    sfn.on(sfnSdk.DescribeExecutionCommand).resolves({ status: 'RUNNING' });
    return (await import(path)) as T;
  }

  const lambdaEnv = () => {
    process.env = {
      ...saved,
      TABLE_NAME: tableName,
      APP_TAG: 'meeting-scheduler',
      LAUNCH_TEMPLATE_ID: 'lt-1',
      INSTANCE_TYPES: 'c6i.large',
      SUBNET_IDS: 'subnet-1',
      HOSTED_ZONE_ID: 'Z1',
      MAX_INSTANCE_HOURS: '12',
      STATE_MACHINE_ARN: 'arn:aws:states:us-east-1:000000000000:stateMachine:meeting-lifecycle',
      LOG_LEVEL: 'INFO',
      AWS_REGION: 'us-east-1',
      AWS_ENDPOINT_URL_DYNAMODB: dynamo.endpoint,
      AWS_ACCESS_KEY_ID: 'local',
      AWS_SECRET_ACCESS_KEY: 'local',
    };
  };

  test('launch: a JSON line with the meeting and the Lambda request id, and a ServersLaunched EMF line', async () => {
    lambdaEnv();
    const m = await scheduleMeeting(store);
    await jest.isolateModulesAsync(async () => {
      const { handler } = await loadHandler<typeof import('../../functions/launch/handler')>(
        '../../functions/launch/handler',
        true,
      );
      const { lines, result } = await captureOutput(() =>
        handler({ meetingId: m.id, revision: 0 }, context('launch')),
      );
      expect(result).toEqual({ instanceId: 'i-0abc', instanceType: 'c6i.large' });
      expect(logLines(lines).find((l) => l.message === 'server launched')).toMatchObject({
        level: 'INFO',
        service: 'meeting-scheduler',
        component: 'launch',
        meetingId: m.id,
        revision: 0,
        executionName: m.executionName,
        function_request_id: 'req-123',
        function_name: 'launch',
      });
      expect(emfLines(lines).map((l) => [l._aws.CloudWatchMetrics[0].Namespace, l.ServersLaunched])).toEqual([
        ['MeetingScheduler', 1],
      ]);
    });
  });

  test('sweeper: a run that finds nothing still publishes ServersSwept 0', async () => {
    lambdaEnv();
    await jest.isolateModulesAsync(async () => {
      const { handler } = await loadHandler<typeof import('../../functions/sweeper/handler')>(
        '../../functions/sweeper/handler',
        false,
      );
      const { lines } = await captureOutput(() => handler({}, context('sweeper')));
      const [emf] = emfLines(lines);
      expect(emf).toMatchObject({
        _aws: {
          CloudWatchMetrics: [
            {
              Namespace: 'MeetingScheduler',
              Dimensions: [['service']],
              Metrics: [{ Name: 'ServersSwept', Unit: 'Count' }],
            },
          ],
        },
        ServersSwept: 0,
      });
      expect(logLines(lines)).toContainEqual(
        expect.objectContaining({ message: 'sweep done', swept: 0, function_request_id: 'req-123' }),
      );
    });
  });
});
