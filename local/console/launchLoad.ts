import type { MeetingView } from './meetingsApi';

/** Launches per minute ahead, against the launches a minute the account can take (the "load ahead" chart). */
export interface LaunchLoad {
  /** The first minute counted: now, rounded down to the minute. */
  from: Date;
  /** Launches in each minute from `from` on (index 0 is the current minute). */
  counts: number[];
  /** Planned launches a minute the account's RunInstances limits allow (awsLimits.ts `launchesPerMinute`). */
  capacity: number;
  total: number;
  /** The busiest minute (the first of equals), or undefined when nothing launches in the window. */
  peak?: { minute: number; count: number };
  /** Minutes (indexes into `counts`) with more launches than `capacity`, in order. */
  over: number[];
  /** SCHEDULED meetings whose launch time has passed already (late or stuck executions): not in `counts`. */
  overdue: number;
}

export const MINUTE_MS = 60_000;

/**
 * Counts the SCHEDULED meetings' launches (`launchAt`, each meeting's launch slot) per minute for the next
 * `hours`; meetings in any other status have launched already or never will. A minute is "over" when it has
 * more launches than the capacity: those launches wait on EC2's throttle, and the last of them may not be
 * ready by their start.
 */
export function launchLoad(
  meetings: readonly Pick<MeetingView, 'status' | 'launchAt'>[],
  { now, hours, capacity }: { now: Date; hours: number; capacity: number },
): LaunchLoad {
  const from = Math.floor(now.getTime() / MINUTE_MS) * MINUTE_MS;
  const counts = new Array<number>(Math.round(hours * 60)).fill(0);
  let overdue = 0;
  for (const m of meetings) {
    if (m.status !== 'SCHEDULED') continue;
    const at = Date.parse(m.launchAt);
    if (!Number.isFinite(at)) continue;
    const minute = Math.floor((at - from) / MINUTE_MS);
    if (minute < 0) overdue += 1;
    else if (minute < counts.length) counts[minute] += 1;
  }
  let peak: LaunchLoad['peak'];
  const over: number[] = [];
  counts.forEach((count, minute) => {
    if (count > 0 && (!peak || count > peak.count)) peak = { minute, count };
    if (count > capacity) over.push(minute);
  });
  return {
    from: new Date(from),
    counts,
    capacity,
    total: counts.reduce((a, b) => a + b, 0),
    peak,
    over,
    overdue,
  };
}

/** "15:50 UTC": the console shows UTC throughout. */
export function minuteLabel(load: Pick<LaunchLoad, 'from'>, minute: number): string {
  return `${new Date(load.from.getTime() + minute * MINUTE_MS).toISOString().slice(11, 16)} UTC`;
}
