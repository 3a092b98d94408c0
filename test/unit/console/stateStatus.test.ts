import type { HistoryEvent } from '@aws-sdk/client-sfn';
import type { AslState } from '../../../local/console/asl';
import { readPath, stateRuns, wakeUpTime } from '../../../local/console/stateStatus';

const T0 = Date.parse('2026-11-25T10:00:00Z');

/** A history as GetExecutionHistory answers it: AWS event names, ids in order, a second apart. */
function historyOf(...events: Array<[string, Record<string, unknown>?]>): HistoryEvent[] {
  return events.map(([type, details], i) => ({
    id: i + 1,
    previousEventId: i,
    timestamp: new Date(T0 + i * 1000),
    type: type as HistoryEvent['type'],
    ...details,
  }));
}
const entered = (type: string, name: string, input: unknown = {}): [string, Record<string, unknown>] => [
  `${type}StateEntered`,
  { stateEnteredEventDetails: { name, input: JSON.stringify(input) } },
];
const exited = (type: string, name: string, output: unknown = {}): [string, Record<string, unknown>] => [
  `${type}StateExited`,
  { stateExitedEventDetails: { name, output: JSON.stringify(output) } },
];
const lambdaFailed = (error: string, cause: string): [string, Record<string, unknown>] => [
  'LambdaFunctionFailed',
  { lambdaFunctionFailedEventDetails: { error, cause } },
];
const started: [string] = ['ExecutionStarted'];
const scheduled: [string] = ['LambdaFunctionScheduled'];

describe('history → per-state status', () => {
  test('states entered and exited succeeded; states never entered are absent (not reached)', () => {
    const runs = stateRuns(
      historyOf(
        started,
        entered('Pass', 'Prepare'),
        exited('Pass', 'Prepare', { ok: 1 }),
        entered('Task', 'Work', { a: 1 }),
        scheduled,
        ['LambdaFunctionStarted'],
        ['LambdaFunctionSucceeded'],
        exited('Task', 'Work', { b: 2 }),
        entered('Succeed', 'Done'),
        exited('Succeed', 'Done'),
        ['ExecutionSucceeded'],
      ),
    );
    expect(Object.fromEntries([...runs].map(([n, r]) => [n, r.status]))).toEqual({
      Prepare: 'succeeded',
      Work: 'succeeded',
      Done: 'succeeded',
    });
    expect(runs.get('Work')).toMatchObject({ entered: 1, input: '{"a":1}', output: '{"b":2}', retries: 0 });
    expect(runs.get('Unreached')).toBeUndefined();
  });

  test('a Task whose function is running is in progress', () => {
    const runs = stateRuns(
      historyOf(started, entered('Task', 'Launch'), scheduled, ['LambdaFunctionStarted']),
    );
    expect(runs.get('Launch')?.status).toBe('in-progress');
  });

  test('a Wait that was entered and not exited is waiting, with its wake-up time from TimestampPath', () => {
    const states: Record<string, AslState> = {
      WaitUntilLaunch: { Type: 'Wait', TimestampPath: '$.launchAt' },
    };
    const runs = stateRuns(
      historyOf(started, entered('Wait', 'WaitUntilLaunch', { launchAt: '2026-11-25T10:09:00Z' })),
      states,
    );
    expect(runs.get('WaitUntilLaunch')).toMatchObject({
      status: 'waiting',
      wakeAt: new Date('2026-11-25T10:09:00Z'),
    });
  });

  test('a Wait of SecondsPath wakes that many seconds after it was entered', () => {
    const runs = stateRuns(
      historyOf(started, entered('Wait', 'Pause', { health: { intervalSeconds: 15 } })),
      {
        Pause: { Type: 'Wait', SecondsPath: '$.health.intervalSeconds' },
      },
    );
    // Entered at event 2, one second after T0.
    expect(runs.get('Pause')?.wakeAt).toEqual(new Date(T0 + 1000 + 15_000));
  });

  test('a failed attempt scheduled again is a retry, and the state still succeeds', () => {
    const runs = stateRuns(
      historyOf(
        started,
        entered('Task', 'Launch'),
        scheduled,
        lambdaFailed('ThrottlingException', 'slow down'),
        scheduled,
        ['LambdaFunctionSucceeded'],
        exited('Task', 'Launch'),
      ),
    );
    expect(runs.get('Launch')).toMatchObject({ status: 'succeeded', retries: 1 });
  });

  test('a failure followed by another state being entered was caught (the Catch moved on)', () => {
    const runs = stateRuns(
      historyOf(
        started,
        entered('Task', 'Launch'),
        scheduled,
        lambdaFailed('NoCapacity', 'no c6i.large'),
        entered('Pass', 'LaunchFailed'),
        exited('Pass', 'LaunchFailed'),
      ),
    );
    expect(runs.get('Launch')).toMatchObject({
      status: 'caught',
      error: { error: 'NoCapacity', cause: 'no c6i.large' },
    });
    expect(runs.get('LaunchFailed')?.status).toBe('succeeded');
  });

  test('a failure followed by the state’s own exit event is caught too', () => {
    const runs = stateRuns(
      historyOf(
        started,
        entered('Task', 'Launch'),
        scheduled,
        ['TaskFailed', { taskFailedEventDetails: { error: 'E' } }],
        exited('Task', 'Launch'),
      ),
    );
    expect(runs.get('Launch')?.status).toBe('caught');
  });

  test('a failure that ends the execution marks the state failed', () => {
    const runs = stateRuns(
      historyOf(started, entered('Task', 'Teardown'), scheduled, lambdaFailed('Boom', 'it broke'), [
        'ExecutionFailed',
        { executionFailedEventDetails: { error: 'Boom', cause: 'it broke' } },
      ]),
    );
    expect(runs.get('Teardown')).toMatchObject({
      status: 'failed',
      error: { error: 'Boom', cause: 'it broke' },
    });
  });

  test('a Fail state is failed at once, with its Error from the definition', () => {
    const runs = stateRuns(historyOf(started, entered('Fail', 'MeetingFailed'), ['ExecutionFailed']), {
      MeetingFailed: { Type: 'Fail', Error: 'MeetingFailed' } as AslState,
    });
    expect(runs.get('MeetingFailed')).toMatchObject({ status: 'failed', error: { error: 'MeetingFailed' } });
  });

  test('StopExecution (ExecutionAborted) marks the open state aborted and leaves finished ones as they were', () => {
    const runs = stateRuns(
      historyOf(
        started,
        entered('Wait', 'WaitUntilLaunch'),
        exited('Wait', 'WaitUntilLaunch'),
        entered('Wait', 'WaitUntilAttendanceCheck'),
        ['ExecutionAborted', { executionAbortedEventDetails: { error: 'MeetingCancelled' } }],
      ),
    );
    expect(runs.get('WaitUntilLaunch')?.status).toBe('succeeded');
    expect(runs.get('WaitUntilAttendanceCheck')?.status).toBe('aborted');
  });

  test('a loop counts every entry and shows the latest pass', () => {
    const events = historyOf(
      started,
      entered('Task', 'HealthCheck'),
      exited('Task', 'HealthCheck'),
      entered('Wait', 'WaitBeforeNextHealthCheck'),
      exited('Wait', 'WaitBeforeNextHealthCheck'),
      entered('Task', 'HealthCheck', { attempt: 2 }),
    );
    expect(stateRuns(events).get('HealthCheck')).toMatchObject({
      status: 'in-progress',
      entered: 2,
      input: '{"attempt":2}',
    });
    expect(stateRuns(events).get('WaitBeforeNextHealthCheck')?.status).toBe('succeeded');
  });

  test('states inside a Parallel are tracked by name; the Parallel stays in progress until it exits', () => {
    const runs = stateRuns(
      historyOf(
        started,
        entered('Parallel', 'Both'),
        ['ParallelStateStarted'],
        entered('Pass', 'Left'),
        exited('Pass', 'Left'),
        entered('Pass', 'Right'),
      ),
    );
    expect(runs.get('Both')?.status).toBe('in-progress');
    expect(runs.get('Left')?.status).toBe('succeeded');
    expect(runs.get('Right')?.status).toBe('in-progress');
  });
});

describe('wait wake-up times and reference paths', () => {
  test('Timestamp and Seconds need no input', () => {
    expect(wakeUpTime({ Type: 'Wait', Timestamp: '2026-12-01T00:00:00Z' }, undefined, new Date(T0))).toEqual(
      new Date('2026-12-01T00:00:00Z'),
    );
    expect(wakeUpTime({ Type: 'Wait', Seconds: 60 }, '{}', new Date(T0))).toEqual(new Date(T0 + 60_000));
  });

  test('a path to nothing, or input that is not JSON, gives no time rather than a wrong one', () => {
    expect(wakeUpTime({ Type: 'Wait', TimestampPath: '$.missing' }, '{}', new Date(T0))).toBeUndefined();
    expect(wakeUpTime({ Type: 'Wait', SecondsPath: '$.s' }, 'not json', new Date(T0))).toBeUndefined();
  });

  test('reference paths read dotted, bracketed and indexed steps', () => {
    const v = { a: { 'b c': [{ d: 5 }] } };
    expect(readPath(v, "$.a['b c'][0].d")).toBe(5);
    expect(readPath(v, '$')).toBe(v);
    expect(readPath(v, '$.a.x.y')).toBeUndefined();
  });
});
