/**
 * First tasks first. When many executions wake at the same instant (lessons start on the hour: one launchAt for
 * thousands of meetings), the scheduler starts their segments in batches, and each segment would run on to its
 * end (Launch, the health checks, the history, the checkpoint) before the next batch gets its first task
 * called. Here every segment holds back whatever follows its first task until every execution that was due
 * when it got there has called its own first task: the launches of a herd go out first, the bookkeeping after.
 *
 * A segment "arrives" when it calls its first task, sleeps in a nested Wait, or ends. A segment that got to its
 * first task at time t waits only for segments due at or before t (started and on their way, or still in the
 * scheduler), never for later ones: a steady stream of new wake-ups cannot keep it waiting, and a herd waits
 * for itself only. MAX_HOLD_MS bounds the wait should anything be missed.
 */
export const MAX_HOLD_MS = 60_000;
/** While segments wait, how often the gate looks again (a cancelled wake-up arrives nowhere). */
const RECHECK_MS = 100;

export interface FirstTaskTicket {
  /** The segment called its first task, sleeps, or ended. True the first time only. */
  arrive(): boolean;
  /** Resolves once every segment due by now has arrived (at once when none is on its way). */
  opened(): Promise<void>;
}

export class FirstTaskGate {
  /** Segments on their way to their first task, counted by the time they were due (ascending keys). */
  private readonly onTheirWay = new Map<number, number>();
  private dueTimes: number[] = [];
  /** Waiting segments in the order they came (so by `since`). */
  private waiting: Array<{ since: number; resolve: () => void }> = [];
  private recheck: NodeJS.Timeout | undefined;
  private readonly open = Promise.resolve();

  /**
   * `nextDueAt`: when the earliest wake-up the scheduler has not started yet is due (Infinity: none); those
   * segments come next, so they count as on their way.
   */
  constructor(
    private readonly nextDueAt: () => number,
    private readonly now: () => number = Date.now,
  ) {}

  /** A segment starts; `dueAt` is when it was due (its wake-up time, or its execution's start). */
  enter(dueAt: number): FirstTaskTicket {
    this.add(dueAt);
    let arrived = false;
    return {
      arrive: () => {
        if (arrived) return false;
        arrived = true;
        this.remove(dueAt);
        this.release();
        return true;
      },
      opened: () => this.opened(),
    };
  }

  /** Segments that got there before this are still waiting for segments due by then. */
  private boundary(): number {
    return Math.min(this.dueTimes[0] ?? Infinity, this.nextDueAt());
  }

  private opened(): Promise<void> {
    const since = this.now();
    if (this.waiting.length === 0 && since < this.boundary()) return this.open;
    return new Promise((resolve) => {
      this.waiting.push({ since, resolve });
      this.recheck ??= setInterval(() => this.release(), RECHECK_MS).unref();
    });
  }

  private release(): void {
    if (this.waiting.length === 0) return;
    const boundary = this.boundary();
    const oldest = this.now() - MAX_HOLD_MS;
    let n = 0;
    while (n < this.waiting.length && (this.waiting[n].since < boundary || this.waiting[n].since < oldest))
      n++;
    if (n === 0) return;
    const released = this.waiting.slice(0, n);
    this.waiting = this.waiting.slice(n);
    if (this.waiting.length === 0) {
      clearInterval(this.recheck);
      this.recheck = undefined;
    }
    for (const w of released) w.resolve();
  }

  private add(dueAt: number): void {
    const count = this.onTheirWay.get(dueAt);
    if (count !== undefined) {
      this.onTheirWay.set(dueAt, count + 1);
      return;
    }
    this.onTheirWay.set(dueAt, 1);
    // Due times come mostly in order (the scheduler drains by time): usually a push at the end.
    let i = this.dueTimes.length;
    while (i > 0 && this.dueTimes[i - 1] > dueAt) i--;
    this.dueTimes.splice(i, 0, dueAt);
  }

  private remove(dueAt: number): void {
    const count = this.onTheirWay.get(dueAt)!;
    if (count > 1) {
      this.onTheirWay.set(dueAt, count - 1);
      return;
    }
    this.onTheirWay.delete(dueAt);
    this.dueTimes.splice(this.dueTimes.indexOf(dueAt), 1);
  }
}

type Handler = (input: unknown) => Promise<unknown>;

/**
 * The segment's task handlers (and nested Wait handlers), gated: the first call arrives and runs at once; any
 * later call waits for the gate first; every result waits for the gate before the segment goes on with it.
 */
export function firstTasksFirst(
  handlers: Record<string, Handler>,
  ticket: FirstTaskTicket,
): Record<string, Handler> {
  return Object.fromEntries(
    Object.entries(handlers).map(([name, handler]) => [
      name,
      async (input: unknown) => {
        if (!ticket.arrive()) await ticket.opened();
        const result = await handler(input);
        await ticket.opened();
        return result;
      },
    ]),
  );
}
