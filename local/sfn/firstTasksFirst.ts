/**
 * First tasks first. When many executions wake at the same instant (lessons start on the hour: one launchAt for
 * thousands of meetings), the scheduler starts their segments in batches, and each segment would run on to its
 * end (Launch, the health checks, the history, the checkpoint) before the next batch gets its first task
 * called. Plain aws-local-stepfunctions is no better in principle, but its runs are lighter. Here every segment
 * holds back whatever follows its first task until every due execution has called its own first task: the
 * launches of a herd go out first, the bookkeeping after.
 *
 * A segment "arrives" when it calls its first task, sleeps in a nested Wait, or ends; the gate is open when
 * no started segment is still on its way and the scheduler has nothing due. A gate kept shut by a steady
 * stream of wake-ups opens anyway after MAX_HOLD_MS, so nothing waits on it for long.
 */
export const MAX_HOLD_MS = 5_000;

export interface FirstTaskTicket {
  /** The segment called its first task, sleeps, or ended. True the first time only. */
  arrive(): boolean;
  /** Resolves once every due segment has arrived (at once when none is on its way). */
  opened(): Promise<void>;
}

export class FirstTaskGate {
  private onTheirWay = 0;
  private waiting: Array<() => void> = [];
  private holdTimer: NodeJS.Timeout | undefined;
  private readonly open = Promise.resolve();

  /** `moreDue`: whether wake-ups are due that the scheduler has not started yet (their segments come next). */
  constructor(private readonly moreDue: () => boolean) {}

  /** A segment starts. */
  enter(): FirstTaskTicket {
    this.onTheirWay++;
    let arrived = false;
    return {
      arrive: () => {
        if (arrived) return false;
        arrived = true;
        this.onTheirWay--;
        this.releaseIfOpen();
        return true;
      },
      opened: () => this.opened(),
    };
  }

  private isOpen(): boolean {
    return this.onTheirWay === 0 && !this.moreDue();
  }

  private opened(): Promise<void> {
    if (this.waiting.length === 0 && this.isOpen()) return this.open;
    return new Promise((resolve) => {
      this.waiting.push(resolve);
      this.holdTimer ??= setTimeout(() => this.release(), MAX_HOLD_MS);
    });
  }

  private releaseIfOpen(): void {
    if (this.waiting.length > 0 && this.isOpen()) this.release();
  }

  private release(): void {
    clearTimeout(this.holdTimer);
    this.holdTimer = undefined;
    const waiting = this.waiting;
    this.waiting = [];
    for (const resolve of waiting) resolve();
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
