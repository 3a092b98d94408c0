import {
  CreateActivityCommand,
  CreateStateMachineCommand,
  DeleteActivityCommand,
  DescribeActivityCommand,
  DescribeExecutionCommand,
  GetActivityTaskCommand,
  GetExecutionHistoryCommand,
  ListActivitiesCommand,
  SendTaskFailureCommand,
  SendTaskHeartbeatCommand,
  SendTaskSuccessCommand,
  StartExecutionCommand,
  StopExecutionCommand,
} from '@aws-sdk/client-sfn';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { LocalStepFunctions } from '../../local/sfn/engine';
import { FileStateStore } from '../../local/sfn/stateStore';
import { ACCOUNT, fnArn, REGION, ROLE, startLocalSfn, until, type LocalSfn } from '../support/localSfn';

/**
 * Callbacks (`.waitForTaskToken`) and activities, through @aws-sdk/client-sfn. What AWS does is in the API
 * reference (SendTaskSuccess, SendTaskFailure, SendTaskHeartbeat: "if the task times out, the execution history
 * contains an ActivityTimedOut entry for activities, or a TaskTimedOut entry for tasks using the … callback
 * pattern") and the developer guide, "Wait for a Callback with the Task Token"
 * (https://docs.aws.amazon.com/step-functions/latest/dg/connect-to-resource.html#connect-wait-token).
 */
const NOTIFY = fnArn('notify');
const callbackMachine = (extra: object = {}) =>
  JSON.stringify({
    StartAt: 'Ask',
    States: {
      Ask: {
        Type: 'Task',
        Resource: 'arn:aws:states:::lambda:invoke.waitForTaskToken',
        Parameters: { FunctionName: NOTIFY, Payload: { 'token.$': '$$.Task.Token', 'who.$': '$.who' } },
        ...extra,
        End: true,
      },
    },
  });

describe('callbacks: .waitForTaskToken with SendTaskSuccess, SendTaskFailure, SendTaskHeartbeat', () => {
  let local: LocalSfn;
  const tokens: string[] = [];
  let n = 0;
  beforeAll(async () => {
    local = await startLocalSfn({
      functions: {
        [NOTIFY]: async (payload) => {
          tokens.push((payload as { token: string }).token);
          return { notified: (payload as { who: string }).who };
        },
      },
    });
  });
  afterAll(() => local.close());
  const send: LocalSfn['sfn']['send'] = (command: never) => local.sfn.send(command);

  async function start(definition: string) {
    const { stateMachineArn } = await send(
      new CreateStateMachineCommand({ name: `callback-${n++}`, definition, roleArn: ROLE }),
    );
    const before = tokens.length;
    const { executionArn } = await send(
      new StartExecutionCommand({ stateMachineArn, input: JSON.stringify({ who: 'ana' }) }),
    );
    const token = await until(() => tokens[before]);
    return { executionArn: executionArn!, token };
  }
  const historyTypes = async (executionArn: string) =>
    (await send(new GetExecutionHistoryCommand({ executionArn }))).events!.map((e) => e.type);

  test('the task waits for its token: SendTaskSuccess is its result; the history shows TaskSubmitted', async () => {
    const { executionArn, token } = await start(callbackMachine());
    // Waiting: the events so far are already in the history.
    await until(async () => (await historyTypes(executionArn)).includes('TaskSubmitted'));
    expect((await send(new DescribeExecutionCommand({ executionArn }))).status).toBe('RUNNING');
    await send(new SendTaskSuccessCommand({ taskToken: token, output: JSON.stringify({ approved: true }) }));
    await local.engine.whenSettled(executionArn);
    expect(await send(new DescribeExecutionCommand({ executionArn }))).toMatchObject({
      status: 'SUCCEEDED',
      output: '{"approved":true}',
    });
    const events = (await send(new GetExecutionHistoryCommand({ executionArn }))).events!;
    expect(events.map((e) => e.type)).toEqual([
      'ExecutionStarted',
      'TaskStateEntered',
      'TaskScheduled',
      'TaskStarted',
      'TaskSubmitted',
      'TaskSucceeded',
      'TaskStateExited',
      'ExecutionSucceeded',
    ]);
    const submitted = events.find((e) => e.type === 'TaskSubmitted')!.taskSubmittedEventDetails!;
    expect(submitted).toMatchObject({ resourceType: 'lambda', resource: 'invoke.waitForTaskToken' });
    expect(JSON.parse(submitted.output!)).toMatchObject({ Payload: { notified: 'ana' }, StatusCode: 200 });
    // The task is closed: its token answers TaskTimedOut, as AWS answers for a task no longer open.
    await expect(send(new SendTaskSuccessCommand({ taskToken: token, output: '{}' }))).rejects.toMatchObject({
      name: 'TaskTimedOut',
    });
  });

  test('SendTaskFailure fails the task with its error and cause, which Catch matches', async () => {
    const { executionArn, token } = await start(
      JSON.stringify({
        StartAt: 'Ask',
        States: {
          Ask: {
            Type: 'Task',
            Resource: 'arn:aws:states:::lambda:invoke.waitForTaskToken',
            Parameters: { FunctionName: NOTIFY, Payload: { 'token.$': '$$.Task.Token', who: 'bo' } },
            Catch: [{ ErrorEquals: ['Rejected'], ResultPath: '$.failure', Next: 'Handled' }],
            End: true,
          },
          Handled: { Type: 'Pass', End: true },
        },
      }),
    );
    await send(new SendTaskFailureCommand({ taskToken: token, error: 'Rejected', cause: 'no budget' }));
    await local.engine.whenSettled(executionArn);
    const done = await send(new DescribeExecutionCommand({ executionArn }));
    expect(done.status).toBe('SUCCEEDED');
    expect(JSON.parse(done.output!)).toEqual({
      who: 'ana',
      failure: { Error: 'Rejected', Cause: 'no budget' },
    });
    const failed = (await send(new GetExecutionHistoryCommand({ executionArn }))).events!.find(
      (e) => e.type === 'TaskFailed',
    );
    expect(failed?.taskFailedEventDetails).toMatchObject({ error: 'Rejected', cause: 'no budget' });
  });

  test('HeartbeatSeconds: heartbeats keep the task open; without them it fails with States.HeartbeatTimeout', async () => {
    const kept = await start(callbackMachine({ HeartbeatSeconds: 1 }));
    for (let i = 0; i < 3; i++) {
      await new Promise((r) => setTimeout(r, 400));
      await send(new SendTaskHeartbeatCommand({ taskToken: kept.token }));
    }
    // 1.2 s after the start, past one HeartbeatSeconds: still running thanks to the heartbeats.
    expect((await send(new DescribeExecutionCommand({ executionArn: kept.executionArn }))).status).toBe(
      'RUNNING',
    );
    await send(new SendTaskSuccessCommand({ taskToken: kept.token, output: '"done"' }));
    expect((await local.engine.whenSettled(kept.executionArn)).status).toBe('SUCCEEDED');

    const silent = await start(callbackMachine({ HeartbeatSeconds: 1 }));
    const done = await local.engine.whenSettled(silent.executionArn);
    expect(done).toMatchObject({ status: 'FAILED', error: 'States.HeartbeatTimeout' });
    const types = await historyTypes(silent.executionArn);
    expect(types.slice(-2)).toEqual(['TaskTimedOut', 'ExecutionFailed']);
    await expect(send(new SendTaskHeartbeatCommand({ taskToken: silent.token }))).rejects.toMatchObject({
      name: 'TaskTimedOut',
    });
  });

  test('TimeoutSeconds times the callback out (TaskTimedOut, States.Timeout); StopExecution closes its token', async () => {
    const slow = await start(callbackMachine({ TimeoutSeconds: 1 }));
    expect(await local.engine.whenSettled(slow.executionArn)).toMatchObject({
      status: 'FAILED',
      error: 'States.Timeout',
    });
    const timedOut = await historyTypes(slow.executionArn);
    expect(timedOut.slice(-2)).toEqual(['TaskTimedOut', 'ExecutionFailed']);
    expect(timedOut.filter((t) => t === 'TaskTimedOut')).toHaveLength(1);

    const stopped = await start(callbackMachine());
    await until(async () => (await historyTypes(stopped.executionArn)).includes('TaskSubmitted'));
    await send(new StopExecutionCommand({ executionArn: stopped.executionArn, error: 'Enough' }));
    await new Promise((r) => setTimeout(r, 50));
    const events = (await send(new GetExecutionHistoryCommand({ executionArn: stopped.executionArn })))
      .events!;
    // Nothing is logged after ExecutionAborted, and every event id is there once.
    expect(events.at(-1)!.type).toBe('ExecutionAborted');
    expect(events.map((e) => e.id)).toEqual(events.map((_, i) => i + 1));
    expect(local.engine.describeExecution(stopped.executionArn).eventCount).toBe(events.length);
    await expect(
      send(new SendTaskSuccessCommand({ taskToken: stopped.token, output: '{}' })),
    ).rejects.toMatchObject({
      name: 'TaskTimedOut',
    });
  });

  test('bad tokens and outputs answer the errors of the service model', async () => {
    const { executionArn, token } = await start(callbackMachine());
    await expect(
      send(new SendTaskSuccessCommand({ taskToken: 'not a token', output: '{}' })),
    ).rejects.toMatchObject({ name: 'InvalidToken' });
    const unknown = Buffer.from(JSON.stringify([executionArn, 'Nowhere', 0, 0])).toString('base64url');
    await expect(
      send(new SendTaskSuccessCommand({ taskToken: unknown, output: '{}' })),
    ).rejects.toMatchObject({
      name: 'TaskDoesNotExist',
    });
    await expect(
      send(new SendTaskSuccessCommand({ taskToken: token, output: '{not json' })),
    ).rejects.toMatchObject({
      name: 'InvalidOutput',
    });
    await send(new SendTaskSuccessCommand({ taskToken: token, output: '1' }));
    expect((await local.engine.whenSettled(executionArn)).output).toBe('1');
  });
});

describe('activities: CreateActivity, GetActivityTask, DescribeActivity, ListActivities, DeleteActivity', () => {
  let local: LocalSfn;
  beforeAll(async () => {
    local = await startLocalSfn({ activityPollMs: 300 });
  });
  afterAll(() => local.close());
  const send: LocalSfn['sfn']['send'] = (command: never) => local.sfn.send(command);

  test('a worker long-polls the activity, gets the task and answers it; the history shows Activity* events', async () => {
    const { activityArn, creationDate } = await send(new CreateActivityCommand({ name: 'approve' }));
    expect(activityArn).toBe(`arn:aws:states:${REGION}:${ACCOUNT}:activity:approve`);
    expect(creationDate).toBeInstanceOf(Date);
    // CreateActivity is idempotent on the name.
    expect((await send(new CreateActivityCommand({ name: 'approve' }))).activityArn).toBe(activityArn);
    expect(await send(new DescribeActivityCommand({ activityArn }))).toMatchObject({
      activityArn,
      name: 'approve',
    });
    expect((await send(new ListActivitiesCommand({}))).activities!.map((a) => a.name)).toEqual(['approve']);
    // Nothing scheduled: the long poll ends empty.
    expect((await send(new GetActivityTaskCommand({ activityArn }))).taskToken).toBeUndefined();

    const { stateMachineArn } = await send(
      new CreateStateMachineCommand({
        name: 'with-activity',
        roleArn: ROLE,
        definition: JSON.stringify({
          StartAt: 'Approve',
          States: { Approve: { Type: 'Task', Resource: activityArn, HeartbeatSeconds: 30, End: true } },
        }),
      }),
    );
    // The worker polls first; the task reaches it when the execution schedules it.
    const polling = until(async () => {
      const task = await send(new GetActivityTaskCommand({ activityArn, workerName: 'w1' }));
      return task.taskToken ? task : undefined;
    });
    const { executionArn } = await send(
      new StartExecutionCommand({ stateMachineArn, input: JSON.stringify({ amount: 3 }) }),
    );
    const task = (await polling)!;
    expect(JSON.parse(task.input!)).toEqual({ amount: 3 });
    await send(new SendTaskSuccessCommand({ taskToken: task.taskToken, output: JSON.stringify({ ok: 3 }) }));
    expect(await local.engine.whenSettled(executionArn!)).toMatchObject({
      status: 'SUCCEEDED',
      output: '{"ok":3}',
    });
    const events = (await send(new GetExecutionHistoryCommand({ executionArn }))).events!;
    expect(events.map((e) => e.type)).toEqual([
      'ExecutionStarted',
      'TaskStateEntered',
      'ActivityScheduled',
      'ActivityStarted',
      'ActivitySucceeded',
      'TaskStateExited',
      'ExecutionSucceeded',
    ]);
    expect(events[2].activityScheduledEventDetails).toMatchObject({
      resource: activityArn,
      heartbeatInSeconds: 30,
    });
    expect(events[3].activityStartedEventDetails).toEqual({ workerName: 'w1' });

    await send(new DeleteActivityCommand({ activityArn }));
    await expect(send(new DescribeActivityCommand({ activityArn }))).rejects.toMatchObject({
      name: 'ActivityDoesNotExist',
    });
    await expect(
      send(new GetActivityTaskCommand({ activityArn: `arn:aws:states:${REGION}:${ACCOUNT}:nope:x` })),
    ).rejects.toMatchObject({ name: 'InvalidArn' });
  });
});

describe('callbacks and activity tasks survive a restart on the file store', () => {
  test('a token sent before the restart is answered after it; the task is not sent again', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'sfn-callbacks-'));
    const sent: string[] = [];
    const engineOn = async () => {
      const engine = new LocalStepFunctions({
        region: REGION,
        account: ACCOUNT,
        store: new FileStateStore(dir),
        functions: { [NOTIFY]: async (p) => sent.push((p as { token: string }).token) },
        activityPollMs: 200,
      });
      await engine.start();
      return engine;
    };
    const first = await engineOn();
    const activity = first.activities.create('review');
    const machine = first.createStateMachine({
      name: 'durable-callbacks',
      roleArn: ROLE,
      definition: JSON.stringify({
        StartAt: 'Ask',
        States: {
          Ask: {
            Type: 'Task',
            Resource: 'arn:aws:states:::lambda:invoke.waitForTaskToken',
            Parameters: { FunctionName: NOTIFY, Payload: { 'token.$': '$$.Task.Token' } },
            ResultPath: '$.answer',
            Next: 'Review',
          },
          Review: { Type: 'Task', Resource: activity.activityArn, ResultPath: '$.review', End: true },
        },
      }),
    });
    const e = first.startExecution({ stateMachineArn: machine.stateMachineArn, input: '{}' });
    const token = await until(() => sent[0]);
    await first.close();

    const second = await engineOn();
    expect(second.activities.describe(activity.activityArn).name).toBe('review');
    second.tokens.sendSuccess(token, '"yes"');
    const task = await until(async () => {
      const t = await second.tokens.getActivityTask(activity.activityArn, 'w', 200);
      return t.taskToken ? t : undefined;
    }).then((t) => ({ taskToken: t!.taskToken!, input: t!.input! }));
    expect(JSON.parse(task.input)).toEqual({ answer: 'yes' });
    await second.close();

    // The worker holds the activity task across another restart, and answers it after.
    const third = await engineOn();
    third.tokens.sendSuccess(task.taskToken, '"fine"');
    const done = await third.whenSettled(e.executionArn);
    expect(done).toMatchObject({ status: 'SUCCEEDED' });
    expect(JSON.parse(done.output!)).toEqual({ answer: 'yes', review: 'fine' });
    expect(sent).toEqual([token]);
    await third.close();
  });

  test('a distributed Map waiting on callbacks across a restart keeps its one map run', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'sfn-maprun-'));
    const sent: string[] = [];
    const engineOn = async () => {
      const engine = new LocalStepFunctions({
        region: REGION,
        account: ACCOUNT,
        store: new FileStateStore(dir),
        functions: { [NOTIFY]: async (p) => sent.push((p as { token: string }).token) },
      });
      await engine.start();
      return engine;
    };
    const first = await engineOn();
    const machine = first.createStateMachine({
      name: 'map-of-callbacks',
      roleArn: ROLE,
      definition: JSON.stringify({
        StartAt: 'Each',
        States: {
          Each: {
            Type: 'Map',
            ItemProcessor: {
              ProcessorConfig: { Mode: 'DISTRIBUTED', ExecutionType: 'STANDARD' },
              StartAt: 'Ask',
              States: {
                Ask: {
                  Type: 'Task',
                  Resource: 'arn:aws:states:::lambda:invoke.waitForTaskToken',
                  Parameters: { FunctionName: NOTIFY, Payload: { 'token.$': '$$.Task.Token' } },
                  End: true,
                },
              },
            },
            End: true,
          },
        },
      }),
    });
    const e = first.startExecution({ stateMachineArn: machine.stateMachineArn, input: '[1, 2]' });
    await until(() => sent.length === 2);
    const [run] = first.mapRuns.list(e.executionArn);
    expect(run.status).toBe('RUNNING');
    await first.close();

    const second = await engineOn();
    for (const token of sent) second.tokens.sendSuccess(token, JSON.stringify(token.length));
    const done = await second.whenSettled(e.executionArn);
    expect(done.status).toBe('SUCCEEDED');
    expect(second.mapRuns.list(e.executionArn)).toMatchObject([
      { mapRunArn: run.mapRunArn, status: 'SUCCEEDED', total: 2, succeeded: 2 },
    ]);
    // The items' tasks were sent once each, before the restart.
    expect(sent).toHaveLength(2);
    await second.close();
  });
});
