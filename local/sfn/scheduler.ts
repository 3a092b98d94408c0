/** setTimeout takes at most 2^31−1 ms; longer waits are slept in chunks and re-checked against the clock. */
export const MAX_TIMER_MS = 24 * 3600 * 1000;
/** Due entries run in batches this large, with the event loop free in between (the API stays responsive). */
const BATCH = 256;

interface Entry {
  key: string;
  at: number;
  /** Order of scheduling: wake-ups due at the same instant (a herd) run first come, first served. */
  seq: number;
  run: () => void;
}

/** Earlier first; at the same instant, the one scheduled first (a heap alone would pick any). */
const before = (a: Entry, b: Entry) => a.at < b.at || (a.at === b.at && a.seq < b.seq);

/**
 * Wake-ups by key, one Node.js timer for all of them: a binary heap ordered by time, and one timer set for the
 * earliest. 100,000 waiting executions cost 100,000 small heap entries, not 100,000 timers, and a herd due at
 * the same instant runs in batches as fast as the event loop allows.
 */
export class Scheduler {
  private heap: Entry[] = [];
  private readonly byKey = new Map<string, Entry>();
  private timer: NodeJS.Timeout | undefined;
  private timerAt = Infinity;
  private seq = 0;
  private draining = false;
  private closed = false;

  constructor(private readonly now: () => number = Date.now) {}

  get size(): number {
    return this.byKey.size;
  }

  /** When the earliest wake-up not run yet is due (Infinity: none); a herd is started batch by batch. */
  nextAt(): number {
    return this.peek()?.at ?? Infinity;
  }

  /** Runs `run` at `at` (ms since the epoch), replacing what was scheduled under `key`. */
  schedule(key: string, at: number, run: () => void): void {
    if (this.closed) return;
    this.cancel(key);
    const entry = { key, at, seq: this.seq++, run };
    this.byKey.set(key, entry);
    this.push(entry);
    this.arm();
  }

  cancel(key: string): void {
    const entry = this.byKey.get(key);
    if (!entry) return;
    this.byKey.delete(key);
    // Lazy removal: the entry stays in the heap and is skipped when it comes up (byKey no longer has it).
  }

  close(): void {
    this.closed = true;
    clearTimeout(this.timer);
    this.timer = undefined;
    this.heap = [];
    this.byKey.clear();
  }

  private arm(): void {
    if (this.draining || this.closed) return;
    const first = this.peek();
    if (!first) {
      clearTimeout(this.timer);
      this.timer = undefined;
      this.timerAt = Infinity;
      return;
    }
    if (this.timer && this.timerAt <= first.at) return;
    clearTimeout(this.timer);
    this.timerAt = first.at;
    const delay = Math.min(Math.max(0, first.at - this.now()), MAX_TIMER_MS);
    this.timer = setTimeout(() => {
      this.timer = undefined;
      this.timerAt = Infinity;
      this.drain();
    }, delay);
  }

  private drain(): void {
    if (this.closed) return;
    this.draining = true;
    let ran = 0;
    const now = this.now();
    for (let e = this.peek(); e && e.at <= now && ran < BATCH; e = this.peek()) {
      this.pop();
      this.byKey.delete(e.key);
      ran++;
      try {
        e.run();
      } catch (err) {
        console.error('local Step Functions: a scheduled wake-up failed', err);
      }
    }
    this.draining = false;
    const next = this.peek();
    if (next && next.at <= this.now()) setImmediate(() => this.drain());
    else this.arm();
  }

  /** The earliest live entry (cancelled and replaced ones are dropped on the way). */
  private peek(): Entry | undefined {
    while (this.heap.length > 0) {
      const top = this.heap[0];
      if (this.byKey.get(top.key) === top) return top;
      this.pop();
    }
    return undefined;
  }

  private push(entry: Entry): void {
    const h = this.heap;
    h.push(entry);
    let i = h.length - 1;
    while (i > 0) {
      const parent = (i - 1) >> 1;
      if (!before(h[i], h[parent])) break;
      [h[parent], h[i]] = [h[i], h[parent]];
      i = parent;
    }
  }

  private pop(): Entry | undefined {
    const h = this.heap;
    const top = h[0];
    const last = h.pop();
    if (h.length > 0 && last) {
      h[0] = last;
      let i = 0;
      for (;;) {
        const l = 2 * i + 1;
        const r = l + 1;
        let m = i;
        if (l < h.length && before(h[l], h[m])) m = l;
        if (r < h.length && before(h[r], h[m])) m = r;
        if (m === i) break;
        [h[m], h[i]] = [h[i], h[m]];
        i = m;
      }
    }
    return top;
  }
}
