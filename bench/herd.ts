/**
 * Herds (`npm run bench -- herd`, and the herd rows of `timers`): every meeting's launchAt at one instant, as
 * lessons on the hour; Launch called − launchAt on each side, against plain aws-local-stepfunctions (issue 24:
 * the engine's p99 below plain's, on both stores, for 1,000 and 10,000).
 *
 * One run per side proved too noisy to compare at 1,000 (×0.14–1.65 of plain across runs): the herd lasts
 * under a second, so a burst of another process on these shared CPUs, or code not compiled yet by the JIT,
 * moves the figure by as much as the difference measured. So each side first runs a small warm-up herd
 * (discarded), then every herd BENCH_REPS times (default 5) with the sides in a rotating order, and the table
 * shows the median run, the range of p99 over the runs, in how many runs the engine's p99 was below plain's
 * p99 of the same round, and the CPU time each side spent (which other processes do not inflate).
 */
import { loadavg } from 'node:os';
import { measureLateness, type LatenessRun } from './lateness';
import { SIDES, SIDE_LABEL, type SideKind } from './sides';
import { benchReps, fmtMs, heading, median, ratio, scaled, settledMemory, table, target } from './stats';

interface HerdCase {
  label: string;
  n: number;
  limitMs?: number;
  limitLabel?: string;
}

/** Herds of 1,000 and 10,000 (scaled). */
export function herdCases(scale: number): HerdCase[] {
  const small = scaled(1_000, scale, 10);
  const large = scaled(10_000, scale, 100);
  return [
    { label: `herd of ${small}`, n: small },
    { label: `herd of ${large}`, n: large, limitMs: 1000, limitLabel: 'p99 < 1 s' },
  ];
}

/** Warm-up herd per side: compiles each side's code paths, so no measured run pays for the JIT. */
const WARM_UP = 200;

export async function benchHerd(scale: number): Promise<void> {
  const reps = benchReps();
  heading(`Herds: Launch called − launchAt, ${reps} runs per side in rotating order, after a warm-up herd`);
  for (const kind of SIDES) await measureLateness(kind, Math.min(WARM_UP, herdCases(scale)[0].n), 0);
  const rows: string[][] = [];
  for (const c of herdCases(scale)) {
    const runs = new Map<SideKind, LatenessRun[]>(SIDES.map((k) => [k, []]));
    for (let rep = 0; rep < reps; rep++) {
      for (const kind of rotate(SIDES, rep)) {
        await settledMemory();
        const load = loadavg()[0].toFixed(2);
        const run = await measureLateness(kind, c.n, 0);
        runs.get(kind)!.push(run);
        console.log(
          `  ${c.label}, run ${rep + 1}/${reps}, ${SIDE_LABEL[kind]}: p50 ${fmtMs(run.summary.p50)}, ` +
            `p99 ${fmtMs(run.summary.p99)}, CPU ${fmtMs(run.cpuMs)} (load average ${load})` +
            (run.headroomMs < 0 ? `; started ${fmtMs(-run.headroomMs)} after the launchAt` : ''),
        );
      }
    }
    rows.push(...herdRows(c, runs));
  }
  console.log();
  console.log(
    table(
      ['case', 'side', 'p50', 'p99', 'p99 range', 'CPU', 'p99 vs plain', 'runs below plain', 'notes'],
      rows,
    ),
  );
  console.log(
    '\np50, p99, CPU: medians over the runs; p99 vs plain: median p99 / plain’s median p99; runs below plain: ' +
      'runs whose p99 was below plain’s p99 in the same round.',
  );
}

function herdRows(c: HerdCase, runs: Map<SideKind, LatenessRun[]>): string[][] {
  const plain = runs.get('plain')!;
  const plainP99 = median(plain.map((r) => r.summary.p99));
  return SIDES.map((kind) => {
    const mine = runs.get(kind)!;
    const p99s = mine.map((r) => r.summary.p99);
    const p99 = median(p99s);
    const engine = kind !== 'plain';
    const below = mine.filter((r, i) => r.summary.p99 < plain[i].summary.p99).length;
    const missed = mine.reduce((sum, r) => sum + r.missed, 0);
    const overran = mine.filter((r) => r.headroomMs < 0).length;
    const notes = [
      engine && c.limitMs !== undefined ? target(p99, c.limitMs, c.limitLabel!) : '',
      engine ? target(p99, plainP99, 'p99 < plain') : '',
      missed ? `${missed} never launched` : '',
      overran ? `${overran} run(s) started after the launchAt` : '',
    ].filter(Boolean);
    return [
      c.label,
      SIDE_LABEL[kind],
      fmtMs(median(mine.map((r) => r.summary.p50))),
      fmtMs(p99),
      `${fmtMs(Math.min(...p99s))} – ${fmtMs(Math.max(...p99s))}`,
      fmtMs(median(mine.map((r) => r.cpuMs))),
      engine ? ratio(p99, plainP99) : '',
      engine ? `${below}/${mine.length}` : '',
      notes.join('; '),
    ];
  });
}

/** The sides in round `rep`'s order: each side goes first, second and last in turn. */
function rotate<T>(items: readonly T[], rep: number): T[] {
  const k = rep % items.length;
  return [...items.slice(k), ...items.slice(0, k)];
}
