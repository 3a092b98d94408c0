/**
 * One memory measurement in a fresh process (forked by memory.ts with --expose-gc), so that RSS and heap start
 * from the same empty process for every side and nothing of an earlier measurement is still around.
 *   populate <side> <stage> <n> [dir]  n meetings, then heap and RSS per meeting at that stage:
 *       waiting      launchAt a week ahead: each meeting waits for its launch (WaitUntilLaunch);
 *       afterLaunch  launchAt now: Launch and HealthCheck run, each meeting then waits at
 *                    WaitUntilAttendanceCheck, a week ahead (started in batches, as a day's bookings would).
 *   restart <n> <dataDir>  startLocalStack on a data folder holding n pending meetings: time and memory.
 *   profile <side> <stage> <n>  as populate, plus heap snapshots before and after: which objects grew, per meeting.
 */
import { writeHeapSnapshot } from 'node:v8';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { ListExecutionsCommand } from '@aws-sdk/client-sfn';
import { startLocalStack } from '../local/stack';
import { heapGrowth, type HeapGrowth } from './heapSnapshot';
import { benchStackOptions, benchTasks, FAR_AHEAD_MS, meetingInput, openSide, type SideKind } from './sides';
import { settledMemory, sleep, untilIdle } from './stats';

export type Stage = 'waiting' | 'afterLaunch';
const BATCH = 5_000;

export interface PopulateResult {
  n: number;
  heapPerMeeting: number;
  rssPerMeeting: number;
  seconds: number;
  /** Meetings that did not reach their stage (a Launch or HealthCheck never called). */
  short: number;
  growth?: HeapGrowth[];
  /** Per meeting, the history the engine holds in its record: events and their size as JSON. */
  history?: { events: number; jsonBytes: number };
}

export interface RestartResult {
  n: number;
  seconds: number;
  running: number;
  heapPerMeeting: number;
  rssPerMeeting: number;
}

async function populate(kind: SideKind, stage: Stage, n: number, dir?: string, profile = false) {
  let checked = 0;
  const side = await openSide(kind, benchTasks({ checked: () => checked++ }), dir);
  await untilIdle();
  const before = await settledMemory();
  // Snapshots (hundreds of MB) go to a temporary folder, never the working directory, and are removed.
  const snapshotDir = profile ? mkdtempSync(join(tmpdir(), 'bench-heap-')) : undefined;
  const snapshotBefore = snapshotDir
    ? writeHeapSnapshot(join(snapshotDir, 'before.heapsnapshot'))
    : undefined;
  const started = performance.now();
  const far = Date.now() + FAR_AHEAD_MS;
  if (stage === 'waiting') {
    for (let i = 0; i < n; i++)
      await side.start(
        `m-${i}`,
        meetingInput(`m-${i}`, { launchAt: far, attendanceCheckAt: far + FAR_AHEAD_MS }),
      );
  } else {
    for (let from = 0; from < n; from += BATCH) {
      const to = Math.min(n, from + BATCH);
      for (let i = from; i < to; i++)
        await side.start(`m-${i}`, meetingInput(`m-${i}`, { launchAt: Date.now(), attendanceCheckAt: far }));
      const giveUpAt = Date.now() + 120_000;
      while (checked < to && Date.now() < giveUpAt) await sleep(20);
    }
  }
  await untilIdle();
  const seconds = (performance.now() - started) / 1000;
  const after = await settledMemory();
  const result: PopulateResult = {
    n,
    heapPerMeeting: (after.heap - before.heap) / n,
    rssPerMeeting: (after.rss - before.rss) / n,
    seconds,
    short: stage === 'afterLaunch' ? n - checked : 0,
  };
  const sample = Math.min(n, 100);
  const histories = Array.from({ length: sample }, (_, i) => side.history?.(`m-${i}`));
  if (histories.every(Boolean)) {
    result.history = {
      events: histories.reduce((sum, h) => sum + h!.length, 0) / sample,
      jsonBytes: histories.reduce((sum, h) => sum + JSON.stringify(h).length, 0) / sample,
    };
  }
  if (snapshotBefore) {
    const snapshotAfter = writeHeapSnapshot(join(snapshotDir!, 'after.heapsnapshot'));
    result.growth = heapGrowth(snapshotBefore, snapshotAfter, n);
    rmSync(snapshotDir!, { recursive: true, force: true });
  }
  return result;
}

async function restart(n: number, dataDir: string): Promise<RestartResult> {
  const before = await settledMemory();
  const started = performance.now();
  const stack = await startLocalStack({
    ...benchStackOptions(dataDir),
  });
  const seconds = (performance.now() - started) / 1000;
  await untilIdle();
  const after = await settledMemory();
  // Counted through the Step Functions API, as a user would: every pending meeting came back RUNNING.
  let running = 0;
  let nextToken: string | undefined;
  do {
    const page = await stack.sfn.send(
      new ListExecutionsCommand({
        stateMachineArn: stack.stateMachineArn,
        statusFilter: 'RUNNING',
        maxResults: 1000,
        nextToken,
      }),
    );
    running += page.executions?.length ?? 0;
    nextToken = page.nextToken;
  } while (nextToken);
  await stack.close();
  return {
    n,
    seconds,
    running,
    heapPerMeeting: (after.heap - before.heap) / n,
    rssPerMeeting: (after.rss - before.rss) / n,
  };
}

async function main(args: string[]): Promise<unknown> {
  const [mode, ...rest] = args;
  if (mode === 'populate' || mode === 'profile')
    return populate(rest[0] as SideKind, rest[1] as Stage, Number(rest[2]), rest[3], mode === 'profile');
  if (mode === 'restart') return restart(Number(rest[0]), rest[1]);
  throw new Error(`unknown mode ${mode}`);
}

if (require.main === module) {
  main(process.argv.slice(2)).then(
    (result) => process.send!(result, () => process.exit(0)),
    (err) => {
      console.error(err);
      process.exit(1);
    },
  );
}
