import type { HistoryEvent } from '@aws-sdk/client-sfn';
import type { AslState } from './asl';

/** What an execution did with one state, as the graph colours it. */
export const STATE_STATUSES = [
  'not-reached',
  'in-progress',
  'waiting',
  'succeeded',
  'caught',
  'failed',
  'aborted',
] as const;
export type StateStatus = (typeof STATE_STATUSES)[number];

export interface StateRun {
  status: StateStatus;
  /** How often the state was entered (a loop like HealthCheck ↔ WaitBeforeNextHealthCheck enters it often). */
  entered: number;
  /** Attempts that failed and were retried by the state's Retry. */
  retries: number;
  enteredAt?: Date;
  input?: string;
  output?: string;
  error?: { error?: string; cause?: string };
  /** A Wait state that is waiting: when it wakes up (from its Seconds/Timestamp/…Path and its input). */
  wakeAt?: Date;
}

/**
 * Events that mean the current attempt of a state failed. A Retry then schedules it again; a Catch moves on to
 * another state; otherwise the execution fails. (AWS HistoryEvent types:
 * https://docs.aws.amazon.com/step-functions/latest/apireference/API_HistoryEvent.html)
 */
const ATTEMPT_FAILED = new Set([
  'LambdaFunctionFailed',
  'LambdaFunctionTimedOut',
  'LambdaFunctionStartFailed',
  'LambdaFunctionScheduleFailed',
  'TaskFailed',
  'TaskTimedOut',
  'TaskStartFailed',
  'TaskSubmitFailed',
  'ActivityFailed',
  'ActivityTimedOut',
  'ActivityScheduleFailed',
  'MapStateFailed',
  'ParallelStateFailed',
]);
const ATTEMPT_SCHEDULED = new Set(['LambdaFunctionScheduled', 'TaskScheduled', 'ActivityScheduled']);

/**
 * Folds an execution's history (AWS event names, oldest first) into one StateRun per state name. Pure: the
 * same events give the same picture, whichever endpoint they came from.
 *
 * - `…StateEntered` opens a state (`waiting` for a Wait, with its wake-up time; `failed` at once for a Fail
 *   state, which has no exit event); `…StateExited` closes it as `succeeded`.
 * - A failed attempt (`LambdaFunctionFailed`, `TaskTimedOut`, …) marks the open state; scheduled again it is a
 *   retry; exited or left for another state after the failure, the error was `caught`; still open when the
 *   execution fails, it `failed`. `ExecutionAborted` marks every open state `aborted`.
 */
export function stateRuns(
  events: readonly HistoryEvent[],
  states: Record<string, AslState> = {},
): Map<string, StateRun> {
  const runs = new Map<string, StateRun>();
  /** Entered and not yet left, in the order entered (more than one inside Parallel and Map). */
  const open: string[] = [];
  const pendingFailure = new Map<string, { error?: string; cause?: string }>();
  const run = (name: string) => {
    let r = runs.get(name);
    if (!r) runs.set(name, (r = { status: 'not-reached', entered: 0, retries: 0 }));
    return r;
  };
  const close = (name: string, status: StateStatus) => {
    const i = open.lastIndexOf(name);
    if (i >= 0) open.splice(i, 1);
    run(name).status = status;
    pendingFailure.delete(name);
  };
  const current = () => open[open.length - 1];

  for (const event of events) {
    const type = event.type ?? '';
    const entered = event.stateEnteredEventDetails;
    const exited = event.stateExitedEventDetails;
    if (type.endsWith('StateEntered') && entered?.name) {
      // Leaving a state whose attempt failed for another one is how a Catch shows in the history.
      for (const name of [...open]) if (pendingFailure.has(name)) close(name, 'caught');
      const r = run(entered.name);
      r.entered += 1;
      r.enteredAt = event.timestamp;
      r.input = entered.input;
      r.output = undefined;
      r.error = undefined;
      r.wakeAt = undefined;
      if (type === 'FailStateEntered') {
        const state = states[entered.name];
        r.error = { error: stringField(state, 'Error'), cause: stringField(state, 'Cause') };
        r.status = 'failed';
        continue;
      }
      open.push(entered.name);
      if (type === 'WaitStateEntered') {
        r.status = 'waiting';
        r.wakeAt = wakeUpTime(states[entered.name], entered.input, event.timestamp);
      } else r.status = 'in-progress';
    } else if (type.endsWith('StateExited') && exited?.name) {
      const caught = pendingFailure.has(exited.name);
      run(exited.name).output = exited.output;
      close(exited.name, caught ? 'caught' : 'succeeded');
    } else if (ATTEMPT_FAILED.has(type)) {
      const name =
        type.startsWith('Map') || type.startsWith('Parallel') ? lastOfType(open, states, type) : current();
      if (name) {
        const failure = errorOf(event);
        pendingFailure.set(name, failure);
        run(name).error = failure;
      }
    } else if (ATTEMPT_SCHEDULED.has(type)) {
      const name = current();
      if (name && pendingFailure.has(name)) {
        pendingFailure.delete(name);
        run(name).retries += 1;
      }
    } else if (type === 'ExecutionFailed' || type === 'ExecutionTimedOut') {
      const failure = errorOf(event);
      for (const name of [...open].reverse()) {
        run(name).error ??= failure;
        close(name, 'failed');
      }
    } else if (type === 'ExecutionAborted') {
      for (const name of [...open]) close(name, 'aborted');
    }
  }
  return runs;
}

function lastOfType(open: string[], states: Record<string, AslState>, eventType: string): string | undefined {
  const type = eventType.startsWith('Map') ? 'Map' : 'Parallel';
  return [...open].reverse().find((n) => states[n]?.Type === type) ?? open[open.length - 1];
}

function stringField(state: AslState | undefined, key: string): string | undefined {
  const v = (state as Record<string, unknown> | undefined)?.[key];
  return typeof v === 'string' ? v : undefined;
}

function errorOf(event: HistoryEvent): { error?: string; cause?: string } {
  for (const [key, value] of Object.entries(event)) {
    if (key.endsWith('EventDetails') && value && typeof value === 'object') {
      const d = value as { error?: string; cause?: string };
      if (d.error !== undefined || d.cause !== undefined) return { error: d.error, cause: d.cause };
    }
  }
  return {};
}

/**
 * When a Wait state entered at `enteredAt` with this input wakes up. The WaitStateEntered event does not say,
 * so it is worked out as Step Functions does: Seconds / SecondsPath from the entry, Timestamp / TimestampPath
 * as given. Undefined when the input does not say (the graph then shows "waiting" without a time).
 */
export function wakeUpTime(
  state: AslState | undefined,
  input: string | undefined,
  enteredAt: Date | undefined,
) {
  if (!state) return undefined;
  const start = enteredAt?.getTime();
  let parsed: unknown;
  try {
    parsed = input === undefined ? undefined : JSON.parse(input);
  } catch {
    parsed = undefined;
  }
  const seconds = state.Seconds ?? (state.SecondsPath ? readPath(parsed, state.SecondsPath) : undefined);
  if (typeof seconds === 'number' && start !== undefined) return new Date(start + seconds * 1000);
  const timestamp =
    state.Timestamp ?? (state.TimestampPath ? readPath(parsed, state.TimestampPath) : undefined);
  if (typeof timestamp === 'string' && !Number.isNaN(Date.parse(timestamp))) return new Date(timestamp);
  return undefined;
}

/** Reads a plain reference path (`$`, `$.a.b`, `$['a'].b`), which is all a Wait's …Path may be. */
export function readPath(value: unknown, path: string): unknown {
  if (!path.startsWith('$')) return undefined;
  const keys = [...path.slice(1).matchAll(/\.([^.[\]]+)|\[['"]([^'"]+)['"]\]|\[(\d+)\]/g)].map(
    (m) => m[1] ?? m[2] ?? Number(m[3]),
  );
  let v: unknown = value;
  for (const key of keys) {
    if (v === null || typeof v !== 'object') return undefined;
    v = (v as Record<string | number, unknown>)[key];
  }
  return v;
}
