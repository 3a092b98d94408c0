/**
 * Shared maths and printing for the benchmarks: percentiles, side-by-side rows with a ratio, and targets shown
 * as met / not met (printed, never asserted: these machines are shared and noisy).
 */
import { performance } from 'node:perf_hooks';

/** BENCH_SCALE=0.1 runs every benchmark with a tenth of its meetings (and of its time window): a smoke run. */
export function benchScale(env: NodeJS.ProcessEnv = process.env): number {
  const raw = env.BENCH_SCALE ?? '1';
  const scale = Number(raw);
  if (!Number.isFinite(scale) || scale <= 0 || scale > 1)
    throw new Error(`BENCH_SCALE must be a number in (0, 1], got ${JSON.stringify(raw)}`);
  return scale;
}

/** `n` scaled, never below `min` (so a quick run still measures something). */
export const scaled = (n: number, scale: number, min = 1) => Math.max(min, Math.round(n * scale));

/**
 * Nearest-rank percentile (the smallest sample with at least p % of the samples at or below it), on a sorted
 * array. No interpolation: every figure printed is a latency that was really observed.
 */
export function percentile(sorted: readonly number[], p: number): number {
  if (sorted.length === 0) return NaN;
  if (p <= 0) return sorted[0];
  const rank = Math.ceil((p / 100) * sorted.length);
  return sorted[Math.min(sorted.length, rank) - 1];
}

/** The median of a few figures (the lower middle of an even count): one of them, never an average. */
export function median(values: readonly number[]): number {
  return percentile(
    [...values].sort((a, b) => a - b),
    50,
  );
}

/** BENCH_REPS: how many times each herd is measured per side (default 5), an integer in 1…50. */
export function benchReps(env: NodeJS.ProcessEnv = process.env, fallback = 5): number {
  const raw = env.BENCH_REPS ?? String(fallback);
  const reps = Number(raw);
  if (!Number.isInteger(reps) || reps < 1 || reps > 50)
    throw new Error(`BENCH_REPS must be an integer in 1…50, got ${JSON.stringify(raw)}`);
  return reps;
}

export interface Summary {
  n: number;
  p50: number;
  p99: number;
  max: number;
}

export function summarize(samples: readonly number[]): Summary {
  const sorted = Float64Array.from(samples).sort();
  const list = Array.from(sorted);
  return {
    n: list.length,
    p50: percentile(list, 50),
    p99: percentile(list, 99),
    max: list[list.length - 1] ?? NaN,
  };
}

/** How many times the local engine's figure is the plain package's; "—" when either is missing or zero. */
export function ratio(engine: number, plain: number): string {
  if (!Number.isFinite(engine) || !Number.isFinite(plain) || plain === 0) return '—';
  return `×${(engine / plain).toFixed(2)}`;
}

export const fmtMs = (ms: number) =>
  !Number.isFinite(ms) ? '—' : Math.abs(ms) >= 1000 ? `${(ms / 1000).toFixed(2)} s` : `${ms.toFixed(1)} ms`;

export const fmtBytes = (bytes: number) =>
  !Number.isFinite(bytes)
    ? '—'
    : Math.abs(bytes) >= 1024 * 1024
      ? `${(bytes / 1024 / 1024).toFixed(1)} MiB`
      : Math.abs(bytes) >= 1024
        ? `${(bytes / 1024).toFixed(2)} KiB`
        : `${Math.round(bytes)} B`;

/** A target next to a figure: met / not met, with the limit, never thrown. */
export function target(value: number, limit: number, label: string): string {
  if (!Number.isFinite(value)) return `target ${label}: not measured`;
  return `target ${label}: ${value < limit ? 'met' : 'NOT MET'}`;
}

/** A plain text table, columns padded to their widest cell. */
export function table(header: string[], rows: string[][]): string {
  const widths = header.map((h, i) => Math.max(h.length, ...rows.map((r) => (r[i] ?? '').length)));
  const line = (cells: string[]) =>
    cells
      .map((c, i) => c.padEnd(widths[i]))
      .join('  ')
      .trimEnd();
  return [line(header), line(widths.map((w) => '-'.repeat(w))), ...rows.map(line)].join('\n');
}

export const heading = (title: string) => console.log(`\n## ${title}\n`);

export const sleep = (ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms));

/**
 * Resolves once the event loop has been nearly idle (< 5 % busy) for two 100 ms windows in a row: the work
 * just queued (segments, file writes) is done, whatever engine ran it. Gives up after `timeoutMs`.
 */
export async function untilIdle(timeoutMs = 600_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  let quiet = 0;
  let last = performance.eventLoopUtilization();
  while (quiet < 2 && Date.now() < deadline) {
    await sleep(100);
    const now = performance.eventLoopUtilization();
    quiet = performance.eventLoopUtilization(now, last).utilization < 0.05 ? quiet + 1 : 0;
    last = now;
  }
}

/** Heap and RSS after a full collection (run node with --expose-gc, as `npm run bench` does). */
export async function settledMemory(): Promise<{ heap: number; rss: number }> {
  if (!globalThis.gc) throw new Error('memory figures need node --expose-gc (npm run bench sets it)');
  for (let i = 0; i < 3; i++) {
    globalThis.gc();
    await sleep(20);
  }
  const { heapUsed, rss } = process.memoryUsage();
  return { heap: heapUsed, rss };
}

/** Wall-clock now in ms with sub-millisecond resolution (Date.now() is whole milliseconds). */
export const preciseNow = () => performance.timeOrigin + performance.now();
