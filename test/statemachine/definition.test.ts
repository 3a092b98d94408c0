import { readFileSync } from 'node:fs';
import { StateMachine } from 'aws-local-stepfunctions';
import {
  DEFINITION_PATH,
  loadDefinition,
  localSubstitutions,
  SHARED_FUNCTION_STATES,
  TASK_PLACEHOLDERS,
} from '../../statemachine/definition';

// eslint-disable-next-line @typescript-eslint/no-require-imports
const aslValidator = require('asl-validator') as (definition: unknown) => {
  isValid: boolean;
  errorsText: (sep?: string) => string;
};

type State = {
  Type: string;
  Resource?: string;
  Catch?: { Next: string }[];
  Retry?: {
    ErrorEquals: string[];
    MaxAttempts?: number;
    BackoffRate?: number;
    JitterStrategy?: string;
  }[];
  Next?: string;
};

describe('statemachine/meeting.asl.json', () => {
  const definition = loadDefinition(localSubstitutions()) as {
    States: Record<string, State>;
    QueryLanguage?: string;
  };

  test('is valid Amazon States Language', () => {
    const result = aslValidator(definition);
    expect(result.errorsText('\n')).toBe('');
    expect(result.isValid).toBe(true);
  });

  test('uses JSONPath only (the local engine has no JSONata)', () => {
    expect(definition.QueryLanguage ?? 'JSONPath').toBe('JSONPath');
    expect(readFileSync(DEFINITION_PATH, 'utf8')).not.toMatch(/\{%/);
  });

  test('has one placeholder per task state and nothing else to substitute', () => {
    const placeholders = [...readFileSync(DEFINITION_PATH, 'utf8').matchAll(/\$\{(\w+)\}/g)]
      .map((m) => m[1])
      .sort();
    expect([...new Set(placeholders)]).toEqual(Object.values(TASK_PLACEHOLDERS).sort());
    expect(() => loadDefinition({})).toThrow(/no substitution for \$\{LaunchFunctionArn\}/);
  });

  test('every task has a catch-all Catch, and every failure route reaches Teardown', () => {
    const tasks = Object.entries(definition.States).filter(([, s]) => s.Type === 'Task');
    expect(tasks.map(([name]) => name).sort()).toEqual(
      [...Object.keys(TASK_PLACEHOLDERS), ...Object.keys(SHARED_FUNCTION_STATES)].sort(),
    );
    for (const [state, fn] of Object.entries(SHARED_FUNCTION_STATES))
      expect(definition.States[state].Resource).toBe(definition.States[fn].Resource);
    const reachesTeardown = (name: string, seen = new Set<string>()): boolean => {
      if (name === 'Teardown') return true;
      if (seen.has(name)) return false;
      seen.add(name);
      const state = definition.States[name] as State & { Choices?: { Next: string }[]; Default?: string };
      const next = [state.Next, state.Default, ...(state.Choices ?? []).map((c) => c.Next)].filter(
        Boolean,
      ) as string[];
      return next.some((n) => reachesTeardown(n, seen));
    };
    for (const [name, state] of tasks) {
      const catchAll = state.Catch?.find((c) =>
        (c as { ErrorEquals?: string[] }).ErrorEquals?.includes('States.ALL'),
      );
      expect({ name, caught: Boolean(catchAll) }).toEqual({ name, caught: true });
      if (name !== 'Teardown')
        expect({ name, teardown: reachesTeardown(catchAll!.Next) }).toEqual({ name, teardown: true });
    }
  });

  test('every task retries transient Lambda errors and throttling with backoff and jitter, a bounded number of times', () => {
    const transient = [
      'Lambda.ServiceException',
      'Lambda.AWSLambdaException',
      'Lambda.SdkClientException',
      'Lambda.ClientExecutionTimeoutException',
      'Lambda.TooManyRequestsException',
      'ThrottlingException',
      'RequestLimitExceeded',
    ];
    for (const [name, state] of Object.entries(definition.States).filter(([, s]) => s.Type === 'Task')) {
      for (const error of transient) {
        const retrier = state.Retry?.find(
          (r) => r.ErrorEquals.includes(error) || r.ErrorEquals.includes('States.ALL'),
        );
        expect({ name, error, retrier }).toEqual({
          name,
          error,
          retrier: expect.objectContaining({
            BackoffRate: expect.any(Number),
            JitterStrategy: 'FULL',
            MaxAttempts: expect.any(Number),
          }),
        });
        expect(retrier!.BackoffRate).toBeGreaterThan(1);
        expect(retrier!.MaxAttempts).toBeLessThanOrEqual(10);
      }
    }
  });

  test('every task has a timeout and retries a timed-out attempt (the state’s and the function’s own)', () => {
    for (const [name, state] of Object.entries(definition.States).filter(([, s]) => s.Type === 'Task')) {
      const timeout = (state as { TimeoutSeconds?: number }).TimeoutSeconds;
      // The function's timeout is this + 10 s, and Lambda allows at most 900 s.
      expect({ name, timeout }).toEqual({ name, timeout: expect.any(Number) });
      expect(timeout).toBeLessThanOrEqual(890);
      for (const error of ['States.Timeout', 'Sandbox.Timedout']) {
        const retrier = state.Retry?.find(
          (r) => r.ErrorEquals.includes(error) || r.ErrorEquals.includes('States.ALL'),
        );
        expect({ name, error, retried: Boolean(retrier) }).toEqual({ name, error, retried: true });
        expect(retrier!.MaxAttempts).toBeGreaterThan(0);
        expect(retrier!.BackoffRate).toBeGreaterThan(1);
      }
    }
  });

  test('teardown retries are bounded and its failure ends the execution', () => {
    const teardown = definition.States.Teardown;
    expect(teardown.Retry?.every((r) => (r.MaxAttempts ?? 3) <= 10)).toBe(true);
    const described = definition.States[teardown.Catch![0].Next];
    expect(described.Type).toBe('Pass');
    expect(definition.States[described.Next!].Type).toBe('Fail');
  });

  test('no state reads a caught error’s Cause by path (a Catch output may have none)', () => {
    expect(readFileSync(DEFINITION_PATH, 'utf8')).not.toMatch(/\$\.error\.Cause/);
  });

  test('the local engine, like Step Functions, fails a Pass state whose Parameters path is missing', async () => {
    const machine = new StateMachine({
      StartAt: 'P',
      States: { P: { Type: 'Pass', Parameters: { 'reason.$': '$.error.Cause' }, End: true } },
    } as never);
    await expect(machine.run({ error: { Error: 'X' } } as never).result).rejects.toMatchObject({
      cause: expect.objectContaining({ name: 'States.Runtime' }),
    });
    await expect(machine.run({ error: { Error: 'X', Cause: 'c' } } as never).result).resolves.toEqual({
      reason: 'c',
    });
  });
});
