/**
 * Timer lateness: how long after a meeting's launchAt its Launch task is really called (task called −
 * launchAt), for meetings spread evenly over a minute (here, one run per side) and for herds with one launch
 * time (lessons start on the hour: herd.ts, several runs per side).
 */
import { SIDES, SIDE_LABEL } from './sides';
import { benchHerd } from './herd';
import { measureLateness, type LatenessRun } from './lateness';
import { fmtMs, heading, ratio, scaled, settledMemory, table, target } from './stats';

interface TimerCase {
  label: string;
  n: number;
  windowMs: number;
  limitMs: number;
  limitLabel: string;
}

/** The spread case (one run per side), then the herds (herd.ts: repeated, medians and spread). */
export async function benchTimers(scale: number): Promise<void> {
  const spreadN = scaled(10_000, scale, 100);
  const spreadWindowMs = Math.round(60_000 * scale);
  await runTimerCases([
    {
      label: `spread: ${spreadN} over ${spreadWindowMs / 1000} s`,
      n: spreadN,
      windowMs: spreadWindowMs,
      limitMs: 20,
      limitLabel: 'p99 < 20 ms',
    },
  ]);
  await benchHerd(scale);
}

async function runTimerCases(cases: TimerCase[]): Promise<void> {
  heading('Timer lateness: Launch called − launchAt');
  const rows: string[][] = [];
  for (const c of cases) {
    const runs: LatenessRun[] = [];
    for (const kind of SIDES) {
      await settledMemory();
      const run = await measureLateness(kind, c.n, c.windowMs);
      runs.push(run);
      console.log(
        `  ${c.label}, ${SIDE_LABEL[kind]}: p99 ${fmtMs(run.summary.p99)}` +
          (run.headroomMs < 0 ? ` (started ${fmtMs(-run.headroomMs)} after the first launchAt)` : ''),
      );
    }
    const plain = runs.find((r) => r.kind === 'plain')!;
    for (const r of runs) {
      const notes = [
        r.kind !== 'plain' ? target(r.summary.p99, c.limitMs, c.limitLabel) : '',
        r.missed ? `${r.missed} never launched` : '',
        r.headroomMs < 0 ? `start overran by ${fmtMs(-r.headroomMs)}` : '',
      ].filter(Boolean);
      rows.push([
        c.label,
        SIDE_LABEL[r.kind],
        fmtMs(r.summary.p50),
        fmtMs(r.summary.p99),
        fmtMs(r.summary.max),
        r.kind === 'plain' ? '' : ratio(r.summary.p99, plain.summary.p99),
        notes.join('; '),
      ]);
    }
  }
  console.log();
  console.log(table(['case', 'side', 'p50', 'p99', 'max', 'p99 vs plain', 'notes'], rows));
}
