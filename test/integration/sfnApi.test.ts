import {
  CreateStateMachineCommand,
  DescribeExecutionCommand,
  DescribeStateMachineCommand,
  GetExecutionHistoryCommand,
  ListExecutionsCommand,
  ListStateMachinesCommand,
  SFNClient,
  StartExecutionCommand,
  StopExecutionCommand,
} from '@aws-sdk/client-sfn';
import { mkdtempSync } from 'node:fs';
import type { Server } from 'node:http';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { LOCAL_CREDENTIALS } from '../../local/dynamo';
import { LocalStepFunctions } from '../../local/sfn/engine';
import { parseMockConfig } from '../../local/sfn/mockConfig';
import { listen, sfnApi } from '../../local/sfn/server';
import { FileStateStore, MemoryStateStore } from '../../local/sfn/stateStore';

const FN = 'arn:aws:lambda:us-east-1:000000000000:function:echo';
const definition = (waitSeconds: number) =>
  JSON.stringify({
    StartAt: 'Pause',
    States: {
      Pause: { Type: 'Wait', Seconds: waitSeconds, Next: 'Echo' },
      Echo: { Type: 'Task', Resource: FN, ResultPath: '$.echoed', Next: 'IsBad' },
      IsBad: {
        Type: 'Choice',
        Choices: [{ Variable: '$.bad', IsPresent: true, Next: 'Boom' }],
        Default: 'Done',
      },
      Boom: { Type: 'Fail', Error: 'Bad', Cause: 'asked to fail' },
      Done: { Type: 'Succeed' },
    },
  });

/** The Step Functions API of the local stack, spoken to with the real SDK client. */
describe('local Step Functions API', () => {
  let server: Server;
  let sfn: SFNClient;
  let engine: LocalStepFunctions;
  let url: string;
  const roleArn = 'arn:aws:iam::000000000000:role/r';

  beforeAll(async () => {
    engine = new LocalStepFunctions({
      region: 'us-east-1',
      account: '000000000000',
      store: new MemoryStateStore(),
      functions: { [FN]: async (input) => ({ got: input }) },
    });
    await engine.start();
    ({ server, url } = await listen(sfnApi(engine), 0));
    sfn = new SFNClient({ endpoint: url, region: 'us-east-1', credentials: LOCAL_CREDENTIALS });
  });
  afterAll(async () => {
    await engine.close();
    sfn.destroy();
    server.closeAllConnections();
    await new Promise((r) => server.close(r));
  });

  test('state machines: create, describe, list; same definition again is the same machine', async () => {
    const created = await sfn.send(
      new CreateStateMachineCommand({ name: 'quick', definition: definition(0), roleArn }),
    );
    expect(created.stateMachineArn).toBe('arn:aws:states:us-east-1:000000000000:stateMachine:quick');
    const again = await sfn.send(
      new CreateStateMachineCommand({ name: 'quick', definition: definition(0), roleArn }),
    );
    expect(again.stateMachineArn).toBe(created.stateMachineArn);
    await expect(
      sfn.send(new CreateStateMachineCommand({ name: 'quick', definition: definition(5), roleArn })),
    ).rejects.toMatchObject({
      name: 'StateMachineAlreadyExists',
    });
    const described = await sfn.send(
      new DescribeStateMachineCommand({ stateMachineArn: created.stateMachineArn }),
    );
    expect(described).toMatchObject({
      name: 'quick',
      status: 'ACTIVE',
      type: 'STANDARD',
      definition: definition(0),
    });
    expect(described.creationDate).toBeInstanceOf(Date);
    const listed = await sfn.send(new ListStateMachinesCommand({}));
    expect(listed.stateMachines?.map((m) => m.name)).toContain('quick');
  });

  test('an invalid definition or a Task resource that is not an ARN is refused', async () => {
    await expect(
      sfn.send(
        new CreateStateMachineCommand({ name: 'bad', definition: '{"StartAt":"X","States":{}}', roleArn }),
      ),
    ).rejects.toMatchObject({
      name: 'InvalidDefinition',
    });
    const notAnArn = definition(0).replace(FN, 'echo');
    await expect(
      sfn.send(new CreateStateMachineCommand({ name: 'bad2', definition: notAnArn, roleArn })),
    ).rejects.toMatchObject({
      name: 'InvalidDefinition',
    });
  });

  test('executions: succeed with output, fail with error and cause, history with AWS event names', async () => {
    const { stateMachineArn } = await sfn.send(
      new CreateStateMachineCommand({ name: 'quick', definition: definition(0), roleArn }),
    );
    const ok = await sfn.send(new StartExecutionCommand({ stateMachineArn, name: 'ok-1', input: '{"n":1}' }));
    const bad = await sfn.send(
      new StartExecutionCommand({ stateMachineArn, name: 'bad-1', input: '{"bad":true}' }),
    );
    await Promise.all([engine.whenSettled(ok.executionArn!), engine.whenSettled(bad.executionArn!)]);
    const okDone = await sfn.send(new DescribeExecutionCommand({ executionArn: ok.executionArn }));
    expect(okDone).toMatchObject({ status: 'SUCCEEDED', name: 'ok-1', input: '{"n":1}' });
    expect(JSON.parse(okDone.output!)).toEqual({ n: 1, echoed: { got: { n: 1 } } });
    expect(await sfn.send(new DescribeExecutionCommand({ executionArn: bad.executionArn }))).toMatchObject({
      status: 'FAILED',
      error: 'Bad',
      cause: 'asked to fail',
    });

    const events = (await sfn.send(new GetExecutionHistoryCommand({ executionArn: ok.executionArn })))
      .events!;
    expect(events.map((e) => e.type)).toEqual([
      'ExecutionStarted',
      'WaitStateEntered',
      'WaitStateExited',
      'TaskStateEntered',
      'LambdaFunctionScheduled',
      'LambdaFunctionStarted',
      'LambdaFunctionSucceeded',
      'TaskStateExited',
      'ChoiceStateEntered',
      'ChoiceStateExited',
      'SucceedStateEntered',
      'SucceedStateExited',
      'ExecutionSucceeded',
    ]);
    expect(events.map((e) => e.id)).toEqual(events.map((_, i) => i + 1));
    expect(events[0].timestamp).toBeInstanceOf(Date);
    const reversed = await sfn.send(
      new GetExecutionHistoryCommand({ executionArn: ok.executionArn, reverseOrder: true, maxResults: 2 }),
    );
    expect(reversed.events?.map((e) => e.type)).toEqual(['ExecutionSucceeded', 'SucceedStateExited']);
    expect(reversed.nextToken).toBeDefined();
    const badTypes = (
      await sfn.send(new GetExecutionHistoryCommand({ executionArn: bad.executionArn }))
    ).events!.map((e) => e.type);
    expect(badTypes.slice(-2)).toEqual(['FailStateEntered', 'ExecutionFailed']);
  });

  test('a Wait that ends the machine still waits before the execution succeeds', async () => {
    const def = JSON.stringify({ StartAt: 'W', States: { W: { Type: 'Wait', Seconds: 1, End: true } } });
    const { stateMachineArn } = await sfn.send(
      new CreateStateMachineCommand({ name: 'wait-end', definition: def, roleArn }),
    );
    const started = Date.now();
    const { executionArn } = await sfn.send(new StartExecutionCommand({ stateMachineArn, input: '{"x":1}' }));
    const done = await engine.whenSettled(executionArn!);
    expect(Date.now() - started).toBeGreaterThanOrEqual(1000);
    expect(done).toMatchObject({ status: 'SUCCEEDED', output: '{"x":1}' });
    expect(engine.history(done.executionArn).map((e) => e.type)).toEqual([
      'ExecutionStarted',
      'WaitStateEntered',
      'WaitStateExited',
      'ExecutionSucceeded',
    ]);
  });

  test('StartExecution: same name and input → same execution; other input → ExecutionAlreadyExists', async () => {
    const { stateMachineArn } = await sfn.send(
      new CreateStateMachineCommand({ name: 'slow', definition: definition(3600), roleArn }),
    );
    const first = await sfn.send(
      new StartExecutionCommand({ stateMachineArn, name: 'once', input: '{"a":1}' }),
    );
    const again = await sfn.send(
      new StartExecutionCommand({ stateMachineArn, name: 'once', input: '{"a":1}' }),
    );
    expect(again.executionArn).toBe(first.executionArn);
    await expect(
      sfn.send(new StartExecutionCommand({ stateMachineArn, name: 'once', input: '{"a":2}' })),
    ).rejects.toMatchObject({ name: 'ExecutionAlreadyExists' });
  });

  test('ListExecutions filters by status; StopExecution aborts a waiting execution', async () => {
    const { stateMachineArn } = await sfn.send(
      new CreateStateMachineCommand({ name: 'slow', definition: definition(3600), roleArn }),
    );
    const { executionArn } = await sfn.send(new StartExecutionCommand({ stateMachineArn, name: 'to-stop' }));
    const running = await sfn.send(new ListExecutionsCommand({ stateMachineArn, statusFilter: 'RUNNING' }));
    expect(running.executions?.map((e) => e.name)).toContain('to-stop');
    const stopped = await sfn.send(
      new StopExecutionCommand({ executionArn, error: 'Cancelled', cause: 'meeting cancelled' }),
    );
    expect(stopped.stopDate).toBeInstanceOf(Date);
    expect(await sfn.send(new DescribeExecutionCommand({ executionArn }))).toMatchObject({
      status: 'ABORTED',
    });
    const aborted = await sfn.send(new ListExecutionsCommand({ stateMachineArn, statusFilter: 'ABORTED' }));
    expect(aborted.executions?.map((e) => e.name)).toEqual(['to-stop']);
    const last = (await sfn.send(new GetExecutionHistoryCommand({ executionArn, reverseOrder: true })))
      .events![0];
    expect(last).toMatchObject({
      type: 'ExecutionAborted',
      executionAbortedEventDetails: { error: 'Cancelled', cause: 'meeting cancelled' },
    });
  });

  test('unknown resources, actions and bad requests get AWS-shaped errors', async () => {
    await expect(
      sfn.send(
        new DescribeExecutionCommand({
          executionArn: 'arn:aws:states:us-east-1:000000000000:execution:quick:nope',
        }),
      ),
    ).rejects.toMatchObject({ name: 'ExecutionDoesNotExist', $metadata: { httpStatusCode: 400 } });
    await expect(
      sfn.send(
        new DescribeStateMachineCommand({
          stateMachineArn: 'arn:aws:states:us-east-1:000000000000:stateMachine:nope',
        }),
      ),
    ).rejects.toMatchObject({
      name: 'StateMachineDoesNotExist',
    });
    const raw = (target: string, body: string) =>
      fetch(url, {
        method: 'POST',
        headers: { 'x-amz-target': target, 'content-type': 'application/x-amz-json-1.0' },
        body,
      }).then(async (r) => ({
        status: r.status,
        body: (await r.json()) as { __type: string; message: string },
      }));
    expect(await raw('AWSStepFunctions.DeleteEverything', '{}')).toMatchObject({
      status: 400,
      body: { __type: 'UnknownOperationException' },
    });
    expect(await raw('AWSStepFunctions.StartExecution', '{not json')).toMatchObject({
      status: 400,
      body: { __type: 'SerializationException' },
    });
    expect(await raw('AWSStepFunctions.StartExecution', '{}')).toMatchObject({
      status: 400,
      body: { __type: 'ValidationException', message: 'stateMachineArn is required and must be a string' },
    });
  });
});

describe('long waits', () => {
  afterEach(() => jest.useRealTimers());

  test('a 300-day wait is slept in chunks: nothing runs early, it runs on time', async () => {
    jest.useFakeTimers({ doNotFake: ['nextTick', 'setImmediate', 'queueMicrotask'] });
    const calls: number[] = [];
    const engine = new LocalStepFunctions({
      region: 'us-east-1',
      account: '000000000000',
      store: new MemoryStateStore(),
      functions: { [FN]: async () => calls.push(Date.now()) },
    });
    await engine.start();
    const day = 86_400_000;
    const launchAt = Date.now() + 300 * day;
    const def = JSON.stringify({
      StartAt: 'WaitUntilLaunch',
      States: {
        WaitUntilLaunch: { Type: 'Wait', TimestampPath: '$.launchAt', Next: 'Launch' },
        Launch: { Type: 'Task', Resource: FN, End: true },
      },
    });
    const { stateMachineArn } = engine.createStateMachine({ name: 'far', definition: def, roleArn: 'r' });
    const e = engine.startExecution({
      stateMachineArn,
      name: 'far-1',
      input: JSON.stringify({ launchAt: new Date(launchAt).toISOString() }),
    });
    // Past 2^31−1 ms (24.8 days), where a single setTimeout would have fired at once.
    await jest.advanceTimersByTimeAsync(30 * day);
    expect(calls).toEqual([]);
    await jest.advanceTimersByTimeAsync(269 * day);
    expect(calls).toEqual([]);
    expect(engine.describeExecution(e.executionArn).status).toBe('RUNNING');
    await jest.advanceTimersByTimeAsync(day + 1000);
    jest.useRealTimers();
    await engine.whenSettled(e.executionArn);
    expect(calls).toHaveLength(1);
    expect(calls[0]).toBeGreaterThanOrEqual(launchAt);
    expect(engine.describeExecution(e.executionArn).status).toBe('SUCCEEDED');
    await engine.close();
  });
  test('a 30-day wait survives a restart on the file store: still not early, and on time', async () => {
    jest.useFakeTimers({ doNotFake: ['nextTick', 'setImmediate', 'queueMicrotask'] });
    const calls: number[] = [];
    const dir = mkdtempSync(join(tmpdir(), 'sfn-durable-'));
    const engineOn = async () => {
      const engine = new LocalStepFunctions({
        region: 'us-east-1',
        account: '000000000000',
        store: new FileStateStore(dir),
        functions: { [FN]: async () => calls.push(Date.now()) },
      });
      await engine.start();
      return engine;
    };
    const day = 86_400_000;
    const launchAt = Date.now() + 30 * day;
    const first = await engineOn();
    const { stateMachineArn } = first.createStateMachine({
      name: 'month',
      roleArn: 'r',
      definition: JSON.stringify({
        StartAt: 'WaitUntilLaunch',
        States: {
          WaitUntilLaunch: { Type: 'Wait', TimestampPath: '$.launchAt', Next: 'Launch' },
          Launch: { Type: 'Task', Resource: FN, End: true },
        },
      }),
    });
    const { executionArn } = first.startExecution({
      stateMachineArn,
      name: 'month-1',
      input: JSON.stringify({ launchAt: new Date(launchAt).toISOString() }),
    });
    await jest.advanceTimersByTimeAsync(10 * day);
    await first.close(); // the process stops, 20 days before the launch

    const second = await engineOn();
    expect(second.describeExecution(executionArn).status).toBe('RUNNING');
    await jest.advanceTimersByTimeAsync(19 * day);
    expect(calls).toEqual([]);
    await jest.advanceTimersByTimeAsync(day + 1000);
    jest.useRealTimers();
    await second.whenSettled(executionArn);
    expect(calls).toHaveLength(1);
    expect(calls[0]).toBeGreaterThanOrEqual(launchAt);
    expect(second.describeExecution(executionArn).status).toBe('SUCCEEDED');
    await second.close();
  });
});

describe('mock configuration', () => {
  test('names what is wrong', () => {
    expect(() =>
      parseMockConfig({ StateMachines: {}, MockedResponses: { R: { first: { Return: 1 } } } }),
    ).toThrow(/MockedResponses\.R\.first/);
    expect(() =>
      parseMockConfig({
        StateMachines: { m: { TestCases: { T: { Launch: 'Missing' } } } },
        MockedResponses: {},
      }),
    ).toThrow(/m#T state Launch names unknown response Missing/);
  });
});
