/**
 * `npm run bench [-- <name>...]`: figures for the local stack next to plain aws-local-stepfunctions running the
 * same statemachine/meeting.asl.json, each with its target (met / not met): printed, never asserted.
 *   timers        timer lateness: spread over a minute, herds of 1,000 and 10,000 (timers.ts)
 *   herd          only the herds of timers, BENCH_REPS runs per side (default 5): medians, spread (herd.ts)
 *   booking       POST /meetings at 200 req/s, 20 connections, through the local API (booking.ts)
 *   memory        heap and RSS per pending meeting at 100,000, and restart time (memory.ts)
 *   heap-profile  which objects that heap is made of (memory.ts, heapSnapshot.ts)
 *   boot          the configure-only boot of a baked image with the real nginx and Prosody, p50/p99 (boot.ts)
 * BENCH_SCALE=0.1 runs a tenth of every size (and of the spread's minute); BENCH_SCALE=0.01 is a smoke run of
 * about four minutes here (sizes never drop below a few hundred meetings).
 */
import '../local/polyfills';
import { availableParallelism, cpus, loadavg, totalmem } from 'node:os';
import { benchBoot } from './boot';
import { benchBooking } from './booking';
import { benchHeapProfile, benchMemory } from './memory';
import { benchScale } from './stats';
import { benchHerd } from './herd';
import { benchTimers } from './timers';

const BENCHMARKS: Record<string, (scale: number) => Promise<void>> = {
  timers: benchTimers,
  herd: benchHerd,
  booking: benchBooking,
  memory: benchMemory,
  'heap-profile': benchHeapProfile,
  boot: benchBoot,
};

async function main(names: string[]) {
  const unknown = names.filter((n) => !BENCHMARKS[n]);
  if (unknown.length)
    throw new Error(`unknown benchmark ${unknown.join(', ')}; known: ${Object.keys(BENCHMARKS).join(', ')}`);
  const scale = benchScale();
  const load = () =>
    loadavg()
      .map((l) => l.toFixed(2))
      .join(' ');
  console.log(
    `# meeting-scheduler bench, ${new Date().toISOString()}\n` +
      `node ${process.version}, ${availableParallelism()} CPUs (${cpus()[0]?.model}), ` +
      `${(totalmem() / 2 ** 30).toFixed(0)} GiB, load average ${load()}, BENCH_SCALE=${scale}`,
  );
  const started = performance.now();
  // `herd` is a part of `timers`: the whole run does it once.
  const all = Object.keys(BENCHMARKS).filter((n) => n !== 'herd');
  for (const name of names.length ? names : all) await BENCHMARKS[name](scale);
  console.log(
    `\ndone in ${((performance.now() - started) / 1000).toFixed(0)} s; load average now ${load()} ` +
      '(other processes share these CPUs: compare ratios, not absolute figures)',
  );
}

main(process.argv.slice(2)).then(
  () => process.exit(0),
  (err) => {
    console.error(err);
    process.exit(1);
  },
);
