import type { HistoryEvent } from '@aws-sdk/client-sfn';
import { readProgress } from '../../../smoke/executionProgress';

/** A history written the way GetExecutionHistory answers it, one second per event from 12:00:00. */
function history(...steps: Array<[type: string, details?: Partial<HistoryEvent>]>): HistoryEvent[] {
  return steps.map(([type, details], i) => ({
    id: i + 1,
    previousEventId: i,
    type: type as HistoryEvent['type'],
    timestamp: new Date(Date.UTC(2030, 0, 1, 12, 0, i)),
    ...details,
  }));
}
const entered = (name: string): [string, Partial<HistoryEvent>] => [
  'PassStateEntered',
  { stateEnteredEventDetails: { name, input: '{}' } },
];
const exited = (name: string, output: unknown): [string, Partial<HistoryEvent>] => [
  'TaskStateExited',
  { stateExitedEventDetails: { name, output: JSON.stringify(output) } },
];
const at = (second: number) => new Date(Date.UTC(2030, 0, 1, 12, 0, second));

describe("reading a meeting execution's progress from its history", () => {
  test("a lesson held: launched, healthy, attendance and the end, each at its event's time", () => {
    const p = readProgress(
      history(
        ['ExecutionStarted'],
        entered('WaitUntilLaunch'),
        entered('Launch'),
        entered('StartHealthChecks'),
        entered('HealthCheck'),
        entered('WaitBeforeNextHealthCheck'),
        entered('HealthCheck'),
        entered('WaitUntilAttendanceCheck'),
        entered('AttendanceCheck'),
        exited('AttendanceCheck', {
          attendance: { decision: 'PRESENT', participants: 2, reason: '2 joined' },
        }),
        entered('Teardown'),
        ['ExecutionSucceeded', { executionSucceededEventDetails: { output: '{}' } }],
      ),
    );
    expect(p).toEqual({
      launched: at(3),
      healthy: at(7),
      attendance: { at: at(9), decision: 'PRESENT', participants: 2, reason: '2 joined' },
      ended: { at: at(11), status: 'SUCCEEDED' },
      currentState: 'Teardown',
    });
  });

  test('a server never healthy: the healthy phase fails with the reason the state machine closes it with', () => {
    const p = readProgress(
      history(
        entered('Launch'),
        entered('StartHealthChecks'),
        entered('NeverHealthy'),
        exited('NeverHealthy', {
          teardown: { outcome: 'FAILED', reason: 'not healthy after 255 s (17 probes)' },
        }),
      ),
    );
    expect(p.failure).toEqual({
      phase: 'healthy',
      reason: 'NeverHealthy: not healthy after 255 s (17 probes)',
    });
    expect(p.healthy).toBeUndefined();
    expect(p.ended).toBeUndefined();
  });

  test('a launch that failed fails the launched phase', () => {
    const p = readProgress(
      history(
        entered('Launch'),
        exited('LaunchFailed', { teardown: { reason: 'UnauthorizedOperation: no' } }),
      ),
    );
    expect(p.failure).toEqual({ phase: 'launched', reason: 'LaunchFailed: UnauthorizedOperation: no' });
  });

  test('a room count that failed outright fails attendance with the caught error', () => {
    const p = readProgress(
      history(
        entered('WaitUntilAttendanceCheck'),
        exited('AttendanceUnknown', {
          attendance: {
            decision: 'UNKNOWN',
            participants: null,
            error: { Error: 'AccessDenied', Cause: 'ssm:SendCommand' },
          },
        }),
      ),
    );
    expect(p.failure).toEqual({
      phase: 'attendance',
      reason: 'AttendanceUnknown: AccessDenied: ssm:SendCommand',
    });
  });

  test("an execution that failed, was stopped or timed out says so, with Step Functions' error and cause", () => {
    expect(
      readProgress(
        history([
          'ExecutionFailed',
          { executionFailedEventDetails: { error: 'TeardownFailed', cause: 'x' } },
        ]),
      ).ended,
    ).toEqual({ at: at(0), status: 'FAILED', error: 'TeardownFailed', cause: 'x' });
    expect(
      readProgress(
        history(['ExecutionAborted', { executionAbortedEventDetails: { error: 'MeetingCancelled' } }]),
      ).ended,
    ).toEqual({ at: at(0), status: 'ABORTED', error: 'MeetingCancelled', cause: undefined });
    expect(readProgress(history(['ExecutionTimedOut', {}])).ended).toEqual({
      at: at(0),
      status: 'TIMED_OUT',
      error: undefined,
      cause: undefined,
    });
  });
});
