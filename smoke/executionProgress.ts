import {
  GetExecutionHistoryCommand,
  type ExecutionStatus,
  type HistoryEvent,
  type SFNClient,
} from '@aws-sdk/client-sfn';

/** The lifecycle phases the execution's own history shows (statemachine/meeting.asl.json). */
export type ExecutionPhase = 'launched' | 'healthy' | 'attendance' | 'teardown';

export interface Attendance {
  at: Date;
  decision: 'PRESENT' | 'ABSENT' | 'UNKNOWN';
  participants: number | null;
  reason: string;
}

export interface Progress {
  /** Launch succeeded: the state after it was entered. */
  launched?: Date;
  /** The health loop said healthy: the attendance wait was entered. */
  healthy?: Date;
  attendance?: Attendance;
  /** The execution ended (any status), with Step Functions' own error and cause when it failed. */
  ended?: { at: Date; status: ExecutionStatus; error?: string; cause?: string };
  /** A failure path of the ASL was taken: which phase it ends, and the reason the state machine gives. */
  failure?: { phase: ExecutionPhase; reason: string };
  /** The newest state entered, for progress lines. */
  currentState?: string;
}

/**
 * The ASL's failure Pass states, each the end of one phase; their output carries `teardown.reason`, the reason
 * the meeting will be closed with. AttendanceUnknown is not a failure of the meeting (the lesson is kept) but
 * it is one of the smoke test: the room could not be counted.
 */
const FAILURE_STATES: Record<string, ExecutionPhase> = {
  LaunchFailed: 'launched',
  NeverHealthy: 'healthy',
  HealthCheckFailed: 'healthy',
  AttendanceUnknown: 'attendance',
};

/**
 * What a meeting's execution has done so far, read from GetExecutionHistory's events alone (no access to the
 * meeting table), so the same reading works against AWS and the local Step Functions API.
 */
export function readProgress(events: readonly HistoryEvent[]): Progress {
  const progress: Progress = {};
  for (const e of events) {
    const at = e.timestamp ?? new Date(0);
    const entered = e.stateEnteredEventDetails?.name;
    if (entered) {
      progress.currentState = entered;
      if (entered === 'StartHealthChecks') progress.launched ??= at;
      if (entered === 'WaitUntilAttendanceCheck') progress.healthy ??= at;
    }
    const exited = e.stateExitedEventDetails;
    if (exited?.name === 'AttendanceCheck' && !progress.attendance) {
      const out = parse(exited.output) as { attendance?: Partial<Attendance> };
      const a = out?.attendance;
      if (a?.decision === 'PRESENT' || a?.decision === 'ABSENT' || a?.decision === 'UNKNOWN') {
        progress.attendance = {
          at,
          decision: a.decision,
          participants: typeof a.participants === 'number' ? a.participants : null,
          reason: String(a.reason ?? ''),
        };
      }
    }
    if (exited?.name && exited.name in FAILURE_STATES && !progress.failure) {
      const out = parse(exited.output) as {
        teardown?: { reason?: unknown };
        // AttendanceUnknown keeps the caught error (its Catch's ResultPath) under attendance.error.
        attendance?: { error?: { Error?: unknown; Cause?: unknown } };
      };
      const caught = out?.attendance?.error;
      const reason =
        out?.teardown?.reason ?? (caught ? `${String(caught.Error)}: ${String(caught.Cause)}` : undefined);
      progress.failure = {
        phase: FAILURE_STATES[exited.name]!,
        reason: `${exited.name}${typeof reason === 'string' && reason ? `: ${reason}` : ''}`,
      };
    }
    if (e.type === 'ExecutionFailed') {
      const d = e.executionFailedEventDetails;
      if (d) progress.ended = { at, status: 'FAILED', error: d.error, cause: d.cause };
    }
    if (e.type === 'ExecutionSucceeded') progress.ended = { at, status: 'SUCCEEDED' };
    if (e.type === 'ExecutionAborted') {
      const d = e.executionAbortedEventDetails;
      progress.ended = { at, status: 'ABORTED', error: d?.error, cause: d?.cause };
    }
    if (e.type === 'ExecutionTimedOut') {
      const d = e.executionTimedOutEventDetails;
      progress.ended = { at, status: 'TIMED_OUT', error: d?.error, cause: d?.cause };
    }
  }
  return progress;
}

function parse(json: string | undefined): unknown {
  if (!json) return undefined;
  try {
    return JSON.parse(json);
  } catch {
    return undefined;
  }
}

/**
 * Every event of the execution, oldest first (a short meeting has a few hundred at most): GetExecutionHistory
 * pages with nextToken, at most 1,000 events a page (Step Functions API reference, GetExecutionHistory).
 */
export async function fetchHistory(sfn: SFNClient, executionArn: string): Promise<HistoryEvent[]> {
  const events: HistoryEvent[] = [];
  let nextToken: string | undefined;
  do {
    const page = await sfn.send(
      new GetExecutionHistoryCommand({ executionArn, nextToken, maxResults: 1000 }),
    );
    events.push(...(page.events ?? []));
    nextToken = page.nextToken;
  } while (nextToken);
  return events;
}
