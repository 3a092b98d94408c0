/**
 * Timer lateness: how long after a meeting's launchAt its Launch task is really called (task called −
 * launchAt), for meetings spread evenly over a minute and for herds with one launch time (lessons start on
 * the hour). All meetings are started, and their first segment has run, before the first launchAt.
 */
import { FAR_AHEAD_MS, openSide, benchTasks, meetingInput, SIDES, SIDE_LABEL, type SideKind } from './sides';
import {
  fmtMs,
  heading,
  preciseNow,
  ratio,
  scaled,
  settledMemory,
  sleep,
  summarize,
  table,
  target,
  untilIdle,
  type Summary,
} from './stats';

export interface LatenessRun {
  kind: SideKind;
  summary: Summary;
  /** Meetings whose Launch was never called before the bench gave up. */
  missed: number;
  /** Time between the last execution being ready and the first launchAt (negative: the start overran). */
  headroomMs: number;
}

/** `n` meetings, launchAt spread evenly over `windowMs` (0: all at once), on one side. */
export async function measureLateness(kind: SideKind, n: number, windowMs: number): Promise<LatenessRun> {
  const launchAt = new Float64Array(n);
  const lateness: number[] = [];
  const tasks = benchTasks({
    launched: (id) => lateness.push(preciseNow() - launchAt[Number(id.slice(2))]),
  });
  const side = await openSide(kind, tasks);
  // Enough time to start every execution first (a file write each on the file store), on a loaded machine.
  const first = Math.ceil(Date.now() + 5_000 + n * 5);
  for (let i = 0; i < n; i++) {
    launchAt[i] = first + Math.floor((i * windowMs) / n);
    const attendanceCheckAt = launchAt[i] + FAR_AHEAD_MS;
    await side.start(`m-${i}`, meetingInput(`m-${i}`, { launchAt: launchAt[i], attendanceCheckAt }));
  }
  await untilIdle();
  const headroomMs = first - Date.now();
  const giveUpAt = first + windowMs + 120_000;
  while (lateness.length < n && Date.now() < giveUpAt) await sleep(50);
  await side.close();
  return { kind, summary: summarize(lateness), missed: n - lateness.length, headroomMs };
}

interface TimerCase {
  label: string;
  n: number;
  windowMs: number;
  limitMs?: number;
  limitLabel?: string;
  /** Herds: the engine's p99 must be below plain aws-local-stepfunctions' (issue 24). */
  belowPlain?: boolean;
}

/** Herds of 1,000 and 10,000 (scaled): every meeting's launchAt at one instant, as lessons on the hour. */
function herdCases(scale: number): TimerCase[] {
  const small = scaled(1_000, scale, 10);
  const large = scaled(10_000, scale, 100);
  return [
    { label: `herd of ${small}`, n: small, windowMs: 0, belowPlain: true },
    {
      label: `herd of ${large}`,
      n: large,
      windowMs: 0,
      limitMs: 1000,
      limitLabel: 'p99 < 1 s',
      belowPlain: true,
    },
  ];
}

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
    ...herdCases(scale),
  ]);
}

/** Only the herds (`npm run bench -- herd`): the first task of every due execution, against plain's. */
export async function benchHerd(scale: number): Promise<void> {
  await runTimerCases(herdCases(scale));
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
      const engine = r.kind !== 'plain';
      const notes = [
        engine && c.limitMs !== undefined ? target(r.summary.p99, c.limitMs, c.limitLabel!) : '',
        engine && c.belowPlain ? target(r.summary.p99, plain.summary.p99, 'p99 < plain') : '',
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
