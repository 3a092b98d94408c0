import {
  CreateStateMachineCommand,
  GetExecutionHistoryCommand,
  StartExecutionCommand,
} from '@aws-sdk/client-sfn';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { LocalStepFunctions } from '../../local/sfn/engine';
import { FileStateStore } from '../../local/sfn/stateStore';
import { ACCOUNT, fnArn, REGION, ROLE, startLocalSfn, until, type LocalSfn } from '../support/localSfn';

const ECHO = fnArn('echo');
const FLAKY = fnArn('flaky');

describe('Map and Parallel states', () => {
  let local: LocalSfn;
  let flakyCalls = 0;

  beforeAll(async () => {
    local = await startLocalSfn({
      retryDelayMs: 1,
      functions: {
        [ECHO]: async (input) => input,
        [FLAKY]: async (input) => {
          flakyCalls++;
          if (flakyCalls % 2 === 1) throw Object.assign(new Error('odd call'), { name: 'Flaky' });
          return input;
        },
      },
    });
  });
  afterAll(() => local.close());

  async function run(name: string, definition: object, input: unknown) {
    const { stateMachineArn } = await local.sfn.send(
      new CreateStateMachineCommand({ name, definition: JSON.stringify(definition), roleArn: ROLE }),
    );
    const { executionArn } = await local.sfn.send(
      new StartExecutionCommand({ stateMachineArn, input: JSON.stringify(input) }),
    );
    const done = await local.engine.whenSettled(executionArn!);
    const events = (await local.sfn.send(new GetExecutionHistoryCommand({ executionArn }))).events!;
    return { done, events, types: events.map((e) => e.type) };
  }

  test('a Map logs MapStateStarted with the item count, each iteration, and its outcome, as AWS does', async () => {
    const { done, events, types } = await run(
      'map-history',
      {
        StartAt: 'Each',
        States: {
          Each: {
            Type: 'Map',
            ItemsPath: '$.items',
            MaxConcurrency: 1,
            ItemProcessor: { StartAt: 'Echo', States: { Echo: { Type: 'Task', Resource: ECHO, End: true } } },
            End: true,
          },
        },
      },
      { items: ['a', 'b'] },
    );
    expect(done).toMatchObject({ status: 'SUCCEEDED', output: '["a","b"]' });
    const iteration = [
      'MapIterationStarted',
      'TaskStateEntered',
      'LambdaFunctionScheduled',
      'LambdaFunctionStarted',
      'LambdaFunctionSucceeded',
      'TaskStateExited',
      'MapIterationSucceeded',
    ];
    expect(types).toEqual([
      'ExecutionStarted',
      'MapStateEntered',
      'MapStateStarted',
      ...iteration,
      ...iteration,
      'MapStateSucceeded',
      'MapStateExited',
      'ExecutionSucceeded',
    ]);
    expect(events[2].mapStateStartedEventDetails).toEqual({ length: 2 });
    expect(events[3].mapIterationStartedEventDetails).toEqual({ name: 'Each', index: 0 });
    expect(events[10].mapIterationStartedEventDetails).toEqual({ name: 'Each', index: 1 });
    // The first event chain starts at 0: ExecutionStarted and the first state's entered event.
    expect(events.slice(0, 3).map((e) => e.previousEventId)).toEqual([0, 0, 2]);
  });

  test('a Parallel logs ParallelStateStarted and ParallelStateSucceeded around its branches', async () => {
    const { done, types } = await run(
      'parallel-history',
      {
        StartAt: 'Both',
        States: {
          Both: {
            Type: 'Parallel',
            Branches: [
              { StartAt: 'One', States: { One: { Type: 'Pass', Result: 1, End: true } } },
              { StartAt: 'Two', States: { Two: { Type: 'Pass', Result: 2, End: true } } },
            ],
            End: true,
          },
        },
      },
      {},
    );
    expect(done).toMatchObject({ status: 'SUCCEEDED', output: '[1,2]' });
    expect(types.slice(0, 3)).toEqual(['ExecutionStarted', 'ParallelStateEntered', 'ParallelStateStarted']);
    expect(types.slice(-3)).toEqual(['ParallelStateSucceeded', 'ParallelStateExited', 'ExecutionSucceeded']);
    expect(types.filter((t) => t === 'PassStateEntered')).toHaveLength(2);
  });

  test('Retry inside a Map iteration and Catch around the Map: a failed iteration is caught with its error', async () => {
    flakyCalls = 0;
    const { done, types } = await run(
      'map-retry-catch',
      {
        StartAt: 'Each',
        States: {
          Each: {
            Type: 'Map',
            ItemsPath: '$.items',
            MaxConcurrency: 1,
            ItemProcessor: {
              StartAt: 'Flaky',
              States: {
                Flaky: {
                  Type: 'Task',
                  Resource: FLAKY,
                  Retry: [{ ErrorEquals: ['Flaky'], MaxAttempts: 1 }],
                  Next: 'Check',
                },
                Check: {
                  Type: 'Choice',
                  Choices: [{ Variable: '$', StringEquals: 'bad', Next: 'Bad' }],
                  Default: 'Good',
                },
                Bad: { Type: 'Fail', Error: 'BadItem', Cause: 'the item was bad' },
                Good: { Type: 'Succeed' },
              },
            },
            Catch: [{ ErrorEquals: ['BadItem'], ResultPath: '$.caught', Next: 'Caught' }],
            End: true,
          },
          Caught: { Type: 'Pass', End: true },
        },
      },
      { items: ['ok', 'bad'] },
    );
    expect(done.status).toBe('SUCCEEDED');
    expect(JSON.parse(done.output!)).toEqual({
      items: ['ok', 'bad'],
      caught: { Error: 'BadItem', Cause: 'the item was bad' },
    });
    // Each item's first call failed and was retried once.
    expect(flakyCalls).toBe(4);
    expect(types).toContain('MapIterationFailed');
    expect(types).toContain('MapStateFailed');
    expect(types.indexOf('MapStateExited')).toBeGreaterThan(types.indexOf('MapStateFailed'));
    expect(types).not.toContain('MapStateSucceeded');
  });

  test('a Wait inside a Parallel branch is honoured before the branch goes on', async () => {
    const started = Date.now();
    const { done, types } = await run(
      'branch-wait',
      {
        StartAt: 'Both',
        States: {
          Both: {
            Type: 'Parallel',
            Branches: [
              {
                StartAt: 'Nap',
                States: {
                  Nap: { Type: 'Wait', SecondsPath: '$.seconds', Next: 'After' },
                  After: { Type: 'Pass', Result: 'woke', End: true },
                },
              },
              { StartAt: 'Quick', States: { Quick: { Type: 'Pass', End: true } } },
            ],
            End: true,
          },
        },
      },
      { seconds: 1 },
    );
    expect(Date.now() - started).toBeGreaterThanOrEqual(1000);
    expect(done).toMatchObject({ status: 'SUCCEEDED', output: '["woke",{"seconds":1}]' });
    expect(types).toEqual(expect.arrayContaining(['WaitStateEntered', 'WaitStateExited']));
    expect(types).not.toContain('TaskStateEntered');
  });
});

describe('Waits inside branches across a restart (file store)', () => {
  test('are not durable: the Map runs again from its start after a restart, and the execution still succeeds', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'sfn-branch-wait-'));
    const calls: unknown[] = [];
    const engineOn = async () => {
      const engine = new LocalStepFunctions({
        region: REGION,
        account: ACCOUNT,
        store: new FileStateStore(dir),
        functions: { [ECHO]: async (input) => (calls.push(input), input) },
      });
      await engine.start();
      return engine;
    };
    const first = await engineOn();
    const { stateMachineArn } = first.createStateMachine({
      name: 'branch-wait-restart',
      roleArn: ROLE,
      definition: JSON.stringify({
        StartAt: 'Each',
        States: {
          Each: {
            Type: 'Map',
            ItemProcessor: {
              StartAt: 'Echo',
              States: {
                Echo: { Type: 'Task', Resource: ECHO, Next: 'Nap' },
                Nap: { Type: 'Wait', Seconds: 2, End: true },
              },
            },
            End: true,
          },
        },
      }),
    });
    const { executionArn } = first.startExecution({ stateMachineArn, name: 'r1', input: '[1]' });
    await until(() => calls.length === 1);
    await first.close(); // stops while the iteration sleeps

    const second = await engineOn();
    const done = await second.whenSettled(executionArn);
    expect(done.status).toBe('SUCCEEDED');
    expect(calls).toEqual([1, 1]);
    const types = second.history(executionArn).map((e) => e.type);
    expect(types.filter((t) => t === 'MapStateEntered')).toHaveLength(1);
    expect(types.at(-1)).toBe('ExecutionSucceeded');
    await second.close();
  }, 30_000);
});
