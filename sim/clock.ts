import FakeTimers from '@sinonjs/fake-timers';

export interface DriveOptions {
  /** Stop (and throw) when the virtual clock passes this instant, so a model that never ends cannot hang. */
  deadline: number;
  /** Called about once per virtual minute (progress lines, sampling). */
  onMinute?: (now: number) => void;
}

interface Timer {
  id: number;
  at: number;
  /** Creation order: timers due at the same instant run in the order they were set, as Node.js runs them. */
  seq: number;
  fn: (...args: unknown[]) => void;
  args: unknown[];
  interval?: number;
  cancelled: boolean;
}

/** What setTimeout answers: Node.js's Timeout methods the code under test may call, all harmless here. */
class Handle {
  constructor(readonly timer: Timer) {}
  ref() {
    return this;
  }
  unref() {
    return this;
  }
  hasRef() {
    return true;
  }
  refresh() {
    return this;
  }
  [Symbol.toPrimitive]() {
    return this.timer.id;
  }
}

const TIMER_GLOBALS = [
  'setTimeout',
  'clearTimeout',
  'setInterval',
  'clearInterval',
  'setImmediate',
  'clearImmediate',
] as const;

/**
 * A virtual clock for one process with no real I/O. Date is @sinonjs/fake-timers' (it only moves when this clock
 * moves it); the timer functions are this class's own, kept in a binary heap (fake-timers scans every timer to
 * find the next, which thousands of waiting calls make the bottleneck). process.nextTick and queueMicrotask stay
 * real, so promises settle as usual.
 *
 * `drive()` moves time: each step awaits one *real* setImmediate (Node.js runs every queued microtask first, so
 * every promise chain the last timer started runs as far as it can), then jumps to the next timer and fires it.
 * Nothing waits in real time, so a day of meetings takes as long as its CPU work. Work in flight without a timer
 * (the in-process DynamoDB answering through streams) is counted by `hold()`: while anything is held the clock
 * does not move; timers due at the current instant still run.
 */
/** How long, in real time, nothing may be scheduled before the model counts as deadlocked. */
const QUIET_REAL_MS = 30_000;

export class VirtualClock {
  private readonly date: FakeTimers.InstalledClock;
  private readonly realSetImmediate: typeof setImmediate;
  private readonly realSetTimeout: typeof setTimeout;
  private readonly saved: Record<string, unknown> = {};
  private heap: Timer[] = [];
  private readonly byId = new Map<number, Timer>();
  private serial = 0;
  private held = 0;
  private current: number;
  /** Timers fired, for the report. */
  steps = 0;

  constructor(start: number) {
    this.current = start;
    this.realSetImmediate = globalThis.setImmediate;
    this.realSetTimeout = globalThis.setTimeout;
    this.date = FakeTimers.withGlobal(globalThis).install({ now: start, toFake: ['Date'] });
    const g = globalThis as unknown as Record<string, unknown>;
    for (const name of TIMER_GLOBALS) this.saved[name] = g[name];
    g.setTimeout = (fn: Timer['fn'], ms?: number, ...args: unknown[]) => this.add(fn, ms, args);
    g.setInterval = (fn: Timer['fn'], ms?: number, ...args: unknown[]) => this.add(fn, ms, args, true);
    g.setImmediate = (fn: Timer['fn'], ...args: unknown[]) => this.add(fn, 0, args);
    g.clearTimeout = g.clearInterval = g.clearImmediate = (handle: unknown) => this.cancel(handle);
  }

  now(): number {
    return this.current;
  }

  /** Puts the real timers and Date back. */
  uninstall(): void {
    const g = globalThis as unknown as Record<string, unknown>;
    for (const name of TIMER_GLOBALS) g[name] = this.saved[name];
    this.date.uninstall();
    this.heap = [];
    this.byId.clear();
  }

  /** Sleeps `ms` of virtual time. */
  sleep(ms: number): Promise<void> {
    return new Promise<void>((resolve) => this.add(() => resolve(), ms, []));
  }

  /** Timers waiting to fire. */
  pending(): number {
    return this.byId.size;
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

  private add(fn: Timer['fn'], ms: number | undefined, args: unknown[], repeat = false): Handle {
    if (typeof fn !== 'function') throw new TypeError('the callback must be a function');
    // Node.js: a delay that is not a number of at least 1 ms is 1 ms (0 stays 0 for immediates here).
    const delay = Math.max(0, Number.isFinite(Number(ms)) ? Math.floor(Number(ms)) : 0);
    const timer: Timer = {
      id: ++this.serial,
      at: this.current + delay,
      seq: this.serial,
      fn,
      args,
      interval: repeat ? Math.max(1, delay) : undefined,
      cancelled: false,
    };
    this.byId.set(timer.id, timer);
    this.push(timer);
    return new Handle(timer);
  }

  private cancel(handle: unknown): void {
    const timer =
      handle instanceof Handle
        ? handle.timer
        : typeof handle === 'number'
          ? this.byId.get(handle)
          : undefined;
    if (!timer) return;
    timer.cancelled = true;
    this.byId.delete(timer.id);
  }

  /** Fires the earliest timer, moving the clock to it; false when none is left. */
  private fireNext(limit = Infinity): boolean {
    const timer = this.peek();
    if (!timer || timer.at > limit) return false;
    this.pop();
    if (timer.at > this.current) {
      this.current = timer.at;
      this.date.setSystemTime(timer.at);
    }
    if (timer.interval !== undefined) {
      timer.at += timer.interval;
      timer.seq = ++this.serial;
      this.push(timer);
    } else this.byId.delete(timer.id);
    this.steps++;
    timer.fn(...timer.args);
    return true;
  }

  /** One real event-loop turn: microtasks, then real immediates queued before it. */
  private turn(): Promise<void> {
    return new Promise((resolve) => this.realSetImmediate(resolve));
  }

  /**
   * Runs until `done()` is true. Throws when nothing is scheduled but `done()` is still false (a deadlock in the
   * model), or when the deadline passes.
   */
  async drive(done: () => boolean, options: DriveOptions): Promise<void> {
    let nextMinute = Math.floor(this.current / 60_000 + 1) * 60_000;
    for (;;) {
      await this.turn();
      if (done()) return;
      if (this.held > 0) {
        // Something real is still answering; timers due at this same instant may be what it waits for.
        this.fireNext(this.current);
        continue;
      }
      if (!this.fireNext()) {
        // Nothing scheduled: either a deadlock, or real work still under way that no timer stands for (a module
        // the AWS SDK imports lazily, read from disk: slow on a busy machine). Wait for it in real time, bounded.
        const giveUpAt = performance.now() + QUIET_REAL_MS;
        do {
          await this.turn();
          if (this.held > 0 || done() || this.peek()) break;
          await new Promise((resolve) => this.realSetTimeout(resolve, 5));
        } while (performance.now() < giveUpAt);
        if (this.held > 0 || done() || this.peek()) continue;
        throw new Error(
          `virtual clock: nothing scheduled at ${new Date(this.current).toISOString()}, not done`,
        );
      }
      if (this.current > options.deadline)
        throw new Error(`virtual clock: passed the deadline ${new Date(options.deadline).toISOString()}`);
      if (this.current >= nextMinute) {
        nextMinute = Math.floor(this.current / 60_000 + 1) * 60_000;
        options.onMinute?.(this.current);
      }
    }
  }

  private static before(a: Timer, b: Timer): boolean {
    return a.at < b.at || (a.at === b.at && a.seq < b.seq);
  }

  /** The earliest live timer; cancelled ones are dropped on the way. */
  private peek(): Timer | undefined {
    while (this.heap.length > 0 && this.heap[0].cancelled) this.pop();
    return this.heap[0];
  }

  private push(t: Timer): void {
    const h = this.heap;
    h.push(t);
    let i = h.length - 1;
    while (i > 0) {
      const parent = (i - 1) >> 1;
      if (!VirtualClock.before(h[i], h[parent])) break;
      [h[parent], h[i]] = [h[i], h[parent]];
      i = parent;
    }
  }

  private pop(): void {
    const h = this.heap;
    const last = h.pop();
    if (h.length === 0 || !last) return;
    h[0] = last;
    let i = 0;
    for (;;) {
      const l = 2 * i + 1;
      const r = l + 1;
      let m = i;
      if (l < h.length && VirtualClock.before(h[l], h[m])) m = l;
      if (r < h.length && VirtualClock.before(h[r], h[m])) m = r;
      if (m === i) break;
      [h[m], h[i]] = [h[i], h[m]];
      i = m;
    }
  }
}
