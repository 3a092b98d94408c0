import { awsStepFunctions } from '../support/awsCli';
import { publishVersion } from '../../local/sfn/versions';
import { ROLE, startLocalSfn, type LocalSfn } from '../support/localSfn';

/** Activities and task tokens, versions and aliases, redrive and map runs, through the AWS CLI (v1). */
describe('the newer operations through the AWS CLI', () => {
  let local: LocalSfn;
  let failing = true;
  const FLAKY = 'arn:aws:lambda:us-east-1:000000000000:function:flaky';
  beforeAll(async () => {
    local = await startLocalSfn({
      activityPollMs: 5000,
      functions: {
        [FLAKY]: async () => {
          if (failing) throw Object.assign(new Error('not yet'), { name: 'NotYet' });
          return 'now';
        },
      },
    });
  });
  afterAll(() => local.close());
  const aws = async (...args: string[]) => (await awsStepFunctions(local.url, args)).output;

  test('an activity task answered with send-task-success; an alias of a published version; a redrive', async () => {
    // Set up and checked through the engine; the five operations under test go through the CLI (it is slow to start).
    const { activityArn } = local.engine.activities.create('cli-work');
    const { stateMachineArn } = local.engine.createStateMachine({
      name: 'cli-ops',
      roleArn: ROLE,
      definition: JSON.stringify({
        StartAt: 'Work',
        States: {
          Work: { Type: 'Task', Resource: activityArn, ResultPath: '$.work', Next: 'Flaky' },
          Flaky: { Type: 'Task', Resource: FLAKY, ResultPath: '$.flaky', End: true },
        },
      }),
    });
    const m = local.engine.describeStateMachine(stateMachineArn);
    publishVersion(m, {}, Date.now());
    local.engine.saveStateMachine(m);
    const { stateMachineAliasArn } = (await aws(
      'create-state-machine-alias',
      '--name',
      'live',
      '--routing-configuration',
      JSON.stringify([{ stateMachineVersionArn: `${stateMachineArn}:1`, weight: 100 }]),
    )) as { stateMachineAliasArn: string };
    const { executionArn } = (await aws(
      'start-execution',
      '--state-machine-arn',
      stateMachineAliasArn,
      '--input',
      '{"job":1}',
    )) as { executionArn: string };
    const task = (await aws('get-activity-task', '--activity-arn', activityArn, '--worker-name', 'cli')) as {
      taskToken: string;
      input: string;
    };
    expect(JSON.parse(task.input)).toEqual({ job: 1 });
    await aws('send-task-success', '--task-token', task.taskToken, '--task-output', '"done"');
    expect(await local.engine.whenSettled(executionArn)).toMatchObject({
      status: 'FAILED',
      error: 'NotYet',
      stateMachineAliasArn,
      stateMachineVersionArn: `${stateMachineArn}:1`,
    });
    failing = false;
    await aws('redrive-execution', '--execution-arn', executionArn);
    const done = await local.engine.whenSettled(executionArn);
    expect(done).toMatchObject({ status: 'SUCCEEDED', redriveCount: 1 });
    // The activity ran once: the redrive went on from the failed state.
    expect(JSON.parse(done.output!)).toEqual({ job: 1, work: 'done', flaky: 'now' });
  }, 120_000);
});
