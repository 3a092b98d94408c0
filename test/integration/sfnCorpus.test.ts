import {
  CreateStateMachineCommand,
  DescribeExecutionCommand,
  StartExecutionCommand,
} from '@aws-sdk/client-sfn';
import { fnArn, ROLE, startLocalSfn, type LocalSfn } from '../support/localSfn';

/**
 * A corpus of state machines, every state type, nested Map and Parallel with Retry and Catch, bad paths: run
 * through the real SDK, every execution ends with a sensible status and the process is still up.
 */
const ECHO = fnArn('echo');
const BOOM = fnArn('boom');
const FLAKY = fnArn('flaky');
const task = (resource: string, extra: object = {}) => ({ Type: 'Task', Resource: resource, ...extra });
const retryAll = [{ ErrorEquals: ['States.ALL'], IntervalSeconds: 1, MaxAttempts: 2 }];
const catchAll = (next: string) => [{ ErrorEquals: ['States.ALL'], ResultPath: '$.error', Next: next }];
const map = (processor: object, extra: object = {}) => ({
  Type: 'Map',
  ItemProcessor: { ProcessorConfig: { Mode: 'INLINE' }, ...processor },
  ...extra,
});

type Case = { definition: object; input?: unknown; status: string; error?: string };
const corpus: Record<string, Case> = {
  'pass with Result, Parameters, ResultPath, OutputPath': {
    definition: {
      StartAt: 'P',
      States: {
        P: { Type: 'Pass', Parameters: { 'x.$': '$.a' }, ResultPath: '$.p', OutputPath: '$.p', Next: 'R' },
        R: { Type: 'Pass', Result: { ok: true }, End: true },
      },
    },
    input: { a: 1 },
    status: 'SUCCEEDED',
  },
  'choice without a match fails States.NoChoiceMatched': {
    definition: {
      StartAt: 'C',
      States: {
        C: { Type: 'Choice', Choices: [{ Variable: '$.n', NumericEquals: 1, Next: 'S' }] },
        S: { Type: 'Succeed' },
      },
    },
    input: { n: 2 },
    status: 'FAILED',
    error: 'States.NoChoiceMatched',
  },
  'fail state': {
    definition: { StartAt: 'F', States: { F: { Type: 'Fail', Error: 'E', Cause: 'c' } } },
    status: 'FAILED',
    error: 'E',
  },
  'task retried then caught': {
    definition: {
      StartAt: 'T',
      States: {
        T: task(BOOM, { Retry: retryAll, Catch: catchAll('S'), End: true }),
        S: { Type: 'Succeed' },
      },
    },
    status: 'SUCCEEDED',
  },
  'map with Retry around it fails with the task error': {
    definition: {
      StartAt: 'M',
      States: {
        M: map(
          { StartAt: 'T', States: { T: task(BOOM, { End: true }) } },
          { ItemsPath: '$.items', Retry: retryAll, End: true },
        ),
      },
    },
    input: { items: [1, 2, 3] },
    status: 'FAILED',
    error: 'Boom',
  },
  'map with Catch around it and Retry inside succeeds': {
    definition: {
      StartAt: 'M',
      States: {
        M: map(
          { StartAt: 'T', States: { T: task(FLAKY, { Retry: retryAll, End: true }) } },
          { ItemsPath: '$.items', Catch: catchAll('S'), Next: 'S' },
        ),
        S: { Type: 'Succeed' },
      },
    },
    input: { items: [1, 2] },
    status: 'SUCCEEDED',
  },
  'parallel with Retry and Catch in branches and around': {
    definition: {
      StartAt: 'P',
      States: {
        P: {
          Type: 'Parallel',
          Retry: retryAll,
          Catch: catchAll('Done'),
          Branches: [
            {
              StartAt: 'B1',
              States: {
                B1: task(BOOM, { Catch: catchAll('B1ok'), Next: 'B1ok' }),
                B1ok: { Type: 'Pass', End: true },
              },
            },
            { StartAt: 'B2', States: { B2: task(ECHO, { Retry: retryAll, End: true }) } },
            {
              StartAt: 'B3',
              States: {
                B3: { Type: 'Wait', Seconds: 0, Next: 'B3f' },
                B3f: { Type: 'Fail', Error: 'Inner' },
              },
            },
          ],
          Next: 'Done',
        },
        Done: { Type: 'Succeed' },
      },
    },
    status: 'SUCCEEDED',
  },
  'map in parallel in map, with tasks and waits': {
    definition: {
      StartAt: 'Outer',
      States: {
        Outer: map(
          {
            StartAt: 'Par',
            States: {
              Par: {
                Type: 'Parallel',
                Branches: [
                  {
                    StartAt: 'Inner',
                    States: {
                      Inner: map(
                        {
                          StartAt: 'Echo',
                          States: {
                            Echo: task(ECHO, { Next: 'Nap' }),
                            Nap: { Type: 'Wait', Seconds: 0, End: true },
                          },
                        },
                        { ItemsPath: '$.xs', Retry: retryAll, End: true },
                      ),
                    },
                  },
                  { StartAt: 'Same', States: { Same: { Type: 'Pass', End: true } } },
                ],
                End: true,
              },
            },
          },
          { ItemsPath: '$.rows', End: true },
        ),
      },
    },
    input: { rows: [{ xs: [1, 2] }, { xs: [] }] },
    status: 'SUCCEEDED',
  },
  'InputPath to nothing fails States.Runtime': {
    definition: { StartAt: 'P', States: { P: { Type: 'Pass', InputPath: '$.missing', End: true } } },
    status: 'FAILED',
    error: 'States.Runtime',
  },
  'ItemsPath that is no array fails States.Runtime': {
    definition: {
      StartAt: 'M',
      States: {
        M: map({ StartAt: 'X', States: { X: { Type: 'Pass', End: true } } }, { ItemsPath: '$.a', End: true }),
      },
    },
    input: { a: 'not a list' },
    status: 'FAILED',
    error: 'States.Runtime',
  },
  'Parameters path to nothing inside a map fails States.Runtime, not caught': {
    definition: {
      StartAt: 'M',
      States: {
        M: map(
          { StartAt: 'X', States: { X: { Type: 'Pass', Parameters: { 'v.$': '$.nope' }, End: true } } },
          { Catch: catchAll('S'), Next: 'S' },
        ),
        S: { Type: 'Succeed' },
      },
    },
    input: [1],
    status: 'FAILED',
    error: 'States.Runtime',
  },
  'a Wait inside a map with a non-integer SecondsPath fails States.Runtime': {
    definition: {
      StartAt: 'M',
      States: {
        M: map(
          { StartAt: 'W', States: { W: { Type: 'Wait', SecondsPath: '$.s', End: true } } },
          { End: true },
        ),
      },
    },
    input: [{ s: 0.5 }],
    status: 'FAILED',
    error: 'States.Runtime',
  },
  'a Pass loop ends at the history limit': {
    definition: {
      StartAt: 'A',
      States: {
        A: { Type: 'Pass', Next: 'C' },
        C: { Type: 'Choice', Choices: [{ Variable: '$.stop', IsPresent: true, Next: 'Done' }], Default: 'A' },
        Done: { Type: 'Succeed' },
      },
    },
    status: 'FAILED',
    error: 'States.Runtime',
  },
  'an unmocked resource that cannot run locally fails clearly': {
    definition: {
      StartAt: 'Q',
      States: {
        Q: task('arn:aws:states:::sqs:sendMessage', {
          Parameters: { QueueUrl: 'q', MessageBody: 'm' },
          End: true,
        }),
      },
    },
    status: 'FAILED',
    error: 'States.TaskFailed',
  },
  'a function nobody registered fails as Lambda would': {
    definition: { StartAt: 'T', States: { T: task(fnArn('nobody'), { End: true }) } },
    status: 'FAILED',
    error: 'Lambda.ResourceNotFoundException',
  },
  'a task answering undefined': {
    definition: { StartAt: 'T', States: { T: task(fnArn('nothing'), { ResultPath: '$.r', End: true }) } },
    status: 'SUCCEEDED',
  },
  'TimeoutSeconds of the machine times the execution out': {
    definition: {
      TimeoutSeconds: 1,
      StartAt: 'W',
      States: { W: { Type: 'Wait', Seconds: 30, Next: 'S' }, S: { Type: 'Succeed' } },
    },
    status: 'TIMED_OUT',
    error: 'States.Timeout',
  },
  'intrinsic function on bad input': {
    definition: {
      StartAt: 'P',
      States: { P: { Type: 'Pass', Parameters: { 'j.$': 'States.StringToJson($.s)' }, End: true } },
    },
    input: { s: '{not json' },
    status: 'FAILED',
    error: 'States.Runtime',
  },
  'fail state with paths': {
    definition: { StartAt: 'F', States: { F: { Type: 'Fail', ErrorPath: '$.e', CausePath: '$.c' } } },
    input: { e: 'Mine', c: 'because' },
    status: 'FAILED',
    error: 'Mine',
  },
};

const refused: Record<string, unknown> = {
  'not JSON': '{',
  'StartAt naming no state': { StartAt: 'X', States: {} },
  'a state without Type': { StartAt: 'X', States: { X: { End: true } } },
  'an unknown Type': { StartAt: 'X', States: { X: { Type: 'Teleport', End: true } } },
  'Next to a missing state': { StartAt: 'X', States: { X: { Type: 'Pass', Next: 'Y' } } },
  'a Map without an ItemProcessor': { StartAt: 'M', States: { M: { Type: 'Map', End: true } } },
  'a branch without States': {
    StartAt: 'P',
    States: { P: { Type: 'Parallel', Branches: [{ StartAt: 'Q' }], End: true } },
  },
  'the same state name in two branches': {
    StartAt: 'P',
    States: {
      P: {
        Type: 'Parallel',
        Branches: [
          { StartAt: 'X', States: { X: { Type: 'Pass', End: true } } },
          { StartAt: 'X', States: { X: { Type: 'Pass', End: true } } },
        ],
        End: true,
      },
    },
  },
  'a Task resource that is no ARN': {
    StartAt: 'T',
    States: { T: { Type: 'Task', Resource: 'echo', End: true } },
  },
  'a Task without Resource': { StartAt: 'T', States: { T: { Type: 'Task', End: true } } },
  'an array': [],
  null: null,
};

describe('a corpus of state machines', () => {
  let local: LocalSfn;
  const unhandled: unknown[] = [];
  const onUnhandled = (reason: unknown) => unhandled.push(reason);
  const flakyCalls = new Map<unknown, number>();

  beforeAll(async () => {
    process.on('unhandledRejection', onUnhandled);
    local = await startLocalSfn({
      retryDelayMs: 1,
      functions: {
        [ECHO]: async (input) => ({ echoed: input }),
        [BOOM]: async () => {
          throw Object.assign(new Error('it broke'), { name: 'Boom' });
        },
        [FLAKY]: async (input) => {
          const n = (flakyCalls.get(JSON.stringify(input)) ?? 0) + 1;
          flakyCalls.set(JSON.stringify(input), n);
          if (n === 1) throw Object.assign(new Error('first call fails'), { name: 'Flaky' });
          return input;
        },
        [fnArn('nothing')]: async () => undefined,
      },
    });
  });
  afterAll(async () => {
    await local.close();
    process.off('unhandledRejection', onUnhandled);
  });

  test.each(Object.entries(corpus))(
    '%s',
    async (title, c) => {
      const name = title.replace(/[^A-Za-z0-9]+/g, '-').slice(0, 60);
      const { stateMachineArn } = await local.sfn.send(
        new CreateStateMachineCommand({ name, definition: JSON.stringify(c.definition), roleArn: ROLE }),
      );
      const { executionArn } = await local.sfn.send(
        new StartExecutionCommand({ stateMachineArn, input: JSON.stringify(c.input ?? {}) }),
      );
      await local.engine.whenSettled(executionArn!);
      const done = await local.sfn.send(new DescribeExecutionCommand({ executionArn }));
      expect({ status: done.status, error: done.error }).toEqual({ status: c.status, error: c.error });
      // Every event of the history is numbered in order, whatever ran in parallel.
      const events = local.engine.history(executionArn!);
      expect(events.map((e) => e.id)).toEqual(events.map((_, i) => i + 1));
      expect(events.at(-1)?.type).toMatch(/^Execution(Succeeded|Failed|TimedOut)$/);
    },
    60_000,
  );

  test.each(Object.entries(refused))('refused at creation, AWS-shaped: %s', async (title, definition) => {
    await expect(
      local.sfn.send(
        new CreateStateMachineCommand({
          name: `refused-${title.replace(/[^A-Za-z0-9]+/g, '-')}`.slice(0, 80),
          definition: typeof definition === 'string' ? definition : JSON.stringify(definition),
          roleArn: ROLE,
        }),
      ),
    ).rejects.toMatchObject({ name: 'InvalidDefinition', $metadata: { httpStatusCode: 400 } });
  });

  test('nothing went unhandled and the API still answers', async () => {
    expect(unhandled).toEqual([]);
    await expect(
      local.sfn.send(
        new DescribeExecutionCommand({ executionArn: `arn:aws:states:us-east-1:000000000000:execution:x:y` }),
      ),
    ).rejects.toMatchObject({ name: 'ExecutionDoesNotExist' });
  });
});
