import FakeTimers from '@sinonjs/fake-timers';

/** What is faked: time and timers. process.nextTick and queueMicrotask stay real, so promises still settle. */
const FAKED = [
  'Date',
  'setTimeout',
  'clearTimeout',
  'setInterval',
  'clearInterval',
  'setImmediate',
  'clearImmediate',
] as const;

export interface DriveOptions {
  /** Stop (and throw) when the virtual clock passes this instant, so a model that never ends cannot hang. */
  deadline: number;
  /** Called about once per virtual minute (progress lines, sampling). */
  onMinute?: (now: number) => void;
}

/**
 * A virtual clock for one process with no real I/O: Date and the timer functions are @sinonjs/fake-timers',
 * and `drive()` moves time. Each step awaits one *real* setImmediate (Node.js runs every queued microtask
 * first, so every promise chain the last timer started runs as far as it can), then jumps the clock to the next
 * timer and fires it. Nothing waits in real time, so a day of meetings takes as long as its CPU work.
 *
 * Work that is in flight without a timer (the in-process DynamoDB answering through streams) is counted by
 * `hold()`: while anything is held the clock does not move, it only lets real callbacks run.
 */
export class VirtualClock {
  private readonly clock: FakeTimers.InstalledClock;
  private readonly realSetImmediate: typeof setImmediate;
  private held = 0;
  /** Timers fired and real turns waited, for the report. */
  steps = 0;

  constructor(start: number) {
    this.realSetImmediate = globalThis.setImmediate;
    this.clock = FakeTimers.withGlobal(globalThis).install({
      now: start,
      toFake: [...FAKED],
      shouldClearNativeTimers: true,
    });
  }

  now(): number {
    return this.clock.now;
  }

  /** Puts the real timers back. */
  uninstall(): void {
    this.clock.uninstall();
  }

  /** Sleeps `ms` of virtual time (a setTimeout, faked). */
  sleep(ms: number): Promise<void> {
    return new Promise((resolve) => setTimeout(resolve, ms));
  }

  /** Marks work in flight that no timer stands for; the returned function releases it (once). */
  hold(): () => void {
    this.held++;
    let released = false;
    return () => {
      if (released) return;
      released = true;
      this.held--;
    };
  }

  /** One real event-loop turn: microtasks, then real immediates queued before it. */
  private turn(): Promise<void> {
    return new Promise((resolve) => this.realSetImmediate(resolve));
  }

  /**
   * Runs until `done()` is true: real turns while work is held or due now, else the clock jumps to the next
   * timer. Throws when nothing is scheduled but `done()` is still false (a deadlock in the model), or when the
   * deadline passes.
   */
  async drive(done: () => boolean, options: DriveOptions): Promise<void> {
    let nextMinute = Math.floor(this.now() / 60_000 + 1) * 60_000;
    for (;;) {
      await this.turn();
      if (done()) return;
      if (this.held > 0) {
        // Something real is still answering; timers due at this same instant may be what it waits for.
        this.clock.tick(0);
        continue;
      }
      if (this.clock.countTimers() === 0) {
        await this.turn();
        if (this.held > 0 || done()) continue;
        throw new Error(
          `virtual clock: nothing scheduled at ${new Date(this.now()).toISOString()}, not done`,
        );
      }
      this.clock.next();
      this.steps++;
      if (this.now() > options.deadline)
        throw new Error(`virtual clock: passed the deadline ${new Date(options.deadline).toISOString()}`);
      if (this.now() >= nextMinute) {
        nextMinute = Math.floor(this.now() / 60_000 + 1) * 60_000;
        options.onMinute?.(this.now());
      }
    }
  }
}
