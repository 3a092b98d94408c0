/**
 * One lateness run: `n` meetings on one side, each Launch's lateness (task called − launchAt), and the CPU the
 * process spent on them. All meetings are started, and their first segment has run, before the first launchAt.
 */
import { FAR_AHEAD_MS, openSide, benchTasks, meetingInput, type SideKind } from './sides';
import { preciseNow, sleep, summarize, untilIdle, type Summary } from './stats';

export interface LatenessRun {
  kind: SideKind;
  summary: Summary;
  /** Meetings whose Launch was never called before the bench gave up. */
  missed: number;
  /** Time between the last execution being ready and the first launchAt (negative: the start overran). */
  headroomMs: number;
  /**
   * CPU time of this process (user + system) from just before the first launchAt to the last Launch called:
   * what the side spent on the herd, which other processes on the machine do not inflate as they do the
   * wall-clock lateness (NaN when the start overran, or a meeting was never launched).
   */
  cpuMs: number;
}

/** `n` meetings, launchAt spread evenly over `windowMs` (0: all at once), on one side. */
export async function measureLateness(kind: SideKind, n: number, windowMs: number): Promise<LatenessRun> {
  const launchAt = new Float64Array(n);
  const lateness: number[] = [];
  let cpuAtLast: NodeJS.CpuUsage | undefined;
  const tasks = benchTasks({
    launched: (id) => {
      lateness.push(preciseNow() - launchAt[Number(id.slice(2))]);
      if (lateness.length === n) cpuAtLast = process.cpuUsage();
    },
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
  // Idle until just before the first launchAt: the CPU counted from here on is the herd's.
  if (headroomMs > 20) await sleep(headroomMs - 20);
  const cpuBefore = headroomMs > 0 ? process.cpuUsage() : undefined;
  const giveUpAt = first + windowMs + 120_000;
  while (lateness.length < n && Date.now() < giveUpAt) await sleep(50);
  await side.close();
  const cpuMs =
    cpuBefore && cpuAtLast
      ? (cpuAtLast.user - cpuBefore.user + cpuAtLast.system - cpuBefore.system) / 1000
      : NaN;
  return { kind, summary: summarize(lateness), missed: n - lateness.length, headroomMs, cpuMs };
}
