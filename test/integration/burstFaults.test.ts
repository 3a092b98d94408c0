import { DescribeExecutionCommand, type SFNClient } from '@aws-sdk/client-sfn';
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import type { LocalServer } from '../../local/fleet';
import { childStackLauncher, type ChildStack } from './childStack';
import { tempDir, until } from './harness';

/**
 * The local stack killed (kill -9) in the middle of a burst: 20 meetings launching at the same instant, and 20
 * meetings ending at the same instant (teardowns in flight); then started again on the same data. Counted from
 * what the stand-in servers say themselves (each appends a line to `launches.log` once it listens, whoever
 * started it), so a server the crashed stack never learnt about is counted too.
 */
const MEETINGS = 20;

/**
 * Short timings: launch 1 s before the start, attendance 1 s after; a generous health budget for 20 boots; and
 * servers that stop themselves within the hour should a failed run leave any behind.
 */
const TIMINGS = {
  MAX_INSTANCE_HOURS: '1',
  LAUNCH_LEAD_SECONDS: '1',
  ATTENDANCE_CHECK_DELAY_SECONDS: '1',
  HEALTH_CHECK_INTERVAL_SECONDS: '1',
  HEALTH_CHECK_MAX_ATTEMPTS: '240',
  BOOT_DELAY_SECONDS: '0',
  MIN_DURATION_MINUTES: '1',
  // Rates far above EC2's published ones, so admission's pacing does not spread the launches over half a minute:
  // the burst here is a crash-safety test, and a burst is what it needs (pacing is tested in test/sim).
  RUN_INSTANCES_REFILL_PER_SECOND: '100',
  RUN_INSTANCES_RESOURCE_REFILL_PER_SECOND: '100',
};

interface Launch {
  meetingId: string;
  pid: number;
  port: number;
}

const startStack = childStackLauncher();
const dataDirs: string[] = [];

/** Every stand-in server that ever listened for this data dir, as each wrote it. */
function launches(dataDir: string): Launch[] {
  const file = join(dataDir, 'launches.log');
  if (!existsSync(file)) return [];
  return readFileSync(file, 'utf8')
    .split('\n')
    .filter(Boolean)
    .map((line) => JSON.parse(line) as Launch);
}

/** Polls every 10 ms: the crash has to land while the burst is still going, even on a fast machine. */
async function asSoonAs(what: string, probe: () => boolean, timeoutMs = 120_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!probe()) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 10));
  }
}

const alive = (pid: number) => {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
};

/** Is this very stand-in still serving (its process alive and answering as itself)? */
async function serving(l: Launch): Promise<boolean> {
  if (!alive(l.pid)) return false;
  try {
    const res = await fetch(`http://127.0.0.1:${l.port}/identity`, { signal: AbortSignal.timeout(2000) });
    const who = (await res.json()) as { meetingId?: string; pid?: number };
    return who.meetingId === l.meetingId && who.pid === l.pid;
  } catch {
    return false;
  }
}

// Whatever a failed run left behind: no stand-in outlives the test file.
afterAll(async () => {
  for (const l of dataDirs.flatMap(launches)) if (await serving(l)) process.kill(l.pid, 'SIGKILL');
});

/** Books `MEETINGS` one-minute meetings all starting at `start`, at once. */
async function bookBurst(stack: ChildStack, start: Date) {
  return Promise.all(
    Array.from({ length: MEETINGS }, async (_, i) => {
      const res = await fetch(`${stack.api}/meetings`, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify({
          teacherName: `Teacher ${i}`,
          studentName: `Student ${i}`,
          startTime: start.toISOString(),
          durationMinutes: 1,
        }),
      });
      expect(res.status).toBe(201);
      return (await res.json()) as { id: string; executionArn: string };
    }),
  );
}

interface MeetingOutcome {
  status: string;
  attendanceNote: string | null;
}

async function meetingOutcome(stack: ChildStack, id: string): Promise<MeetingOutcome> {
  const { status, attendanceNote } = (await (
    await fetch(`${stack.api}/meetings/${id}`)
  ).json()) as MeetingOutcome;
  return { status, attendanceNote };
}

/**
 * Nobody joins, so each meeting is a no-show, with the one exception the lifecycle makes on purpose: a count
 * that could not be read (a stand-in too busy to answer within its 2 s, with 20 booting on 2 cores) keeps the
 * lesson ("unknown never ends a lesson"), which then ends COMPLETED at its end. Anything else is a failure.
 */
const expectedEnd = (o: MeetingOutcome) =>
  o.status === 'NO_SHOW' || (o.status === 'COMPLETED' && /^attendance unknown/.test(o.attendanceNote ?? ''))
    ? 'over as designed'
    : o;

/** Waits for every execution to end; their statuses, in order. */
async function allEnded(sfn: SFNClient, executionArns: string[]): Promise<string[]> {
  const ended = new Map<string, string>();
  await until(
    'every execution to end',
    async () => {
      for (const executionArn of executionArns.filter((arn) => !ended.has(arn))) {
        const { status } = await sfn.send(new DescribeExecutionCommand({ executionArn }));
        if (status !== 'RUNNING') ended.set(executionArn, status!);
      }
      return ended.size === executionArns.length;
    },
    240_000,
  );
  return executionArns.map((arn) => ended.get(arn)!);
}

/** How many stand-in servers listened for each meeting. */
function launchesPerMeeting(dataDir: string, ids: string[]): Record<string, number> {
  const counts = Object.fromEntries(ids.map((id) => [id, 0]));
  for (const l of launches(dataDir)) counts[l.meetingId] = (counts[l.meetingId] ?? 0) + 1;
  return counts;
}

/** The end state both bursts must reach: every meeting over, each launched once, no server left. */
async function expectAllOverOnceNothingLeft(stack: ChildStack, dataDir: string, booked: { id: string }[]) {
  const ids = booked.map((b) => b.id);
  const outcomes = await Promise.all(ids.map((id) => meetingOutcome(stack, id)));
  expect(outcomes.map(expectedEnd)).toEqual(ids.map(() => 'over as designed'));
  // The exception stays the exception: most meetings were counted, and counted as empty.
  expect(outcomes.filter((o) => o.status === 'NO_SHOW').length).toBeGreaterThan(MEETINGS / 2);
  expect(launchesPerMeeting(dataDir, ids)).toEqual(Object.fromEntries(ids.map((id) => [id, 1])));
  const stillServing = (
    await Promise.all(launches(dataDir).map(async (l) => (await serving(l)) && l))
  ).filter(Boolean);
  expect(stillServing).toEqual([]);
  const fleet = JSON.parse(readFileSync(join(dataDir, 'fleet.json'), 'utf8')) as LocalServer[];
  expect(fleet).toEqual([]);
}

describe('fault injection: the process killed during a burst', () => {
  test(`killed while ${MEETINGS} meetings launch at once: after a restart each launches once and runs to its end`, async () => {
    const dataDir = tempDir('burst-launch');
    dataDirs.push(dataDir);
    const first = await startStack(dataDir, TIMINGS);
    const start = new Date(Date.now() + 15_000);
    const booked = await bookBurst(first, start);

    // The moment the first server of the burst is up, the others are still starting.
    await asSoonAs('the first server of the burst to listen', () => launches(dataDir).length > 0);
    await first.crash();
    const upAtCrash = launches(dataDir).length;
    expect(upAtCrash).toBeGreaterThan(0);
    expect(upAtCrash).toBeLessThan(MEETINGS);

    const second = await startStack(dataDir, TIMINGS);
    const outcomes = await allEnded(
      second.sfn,
      booked.map((b) => b.executionArn),
    );
    expect(outcomes).toEqual(booked.map(() => 'SUCCEEDED'));
    await expectAllOverOnceNothingLeft(second, dataDir, booked);
    await second.crash();
  }, 300_000);

  test(`killed while ${MEETINGS} meetings end at once: after a restart every teardown completes, none twice`, async () => {
    const dataDir = tempDir('burst-end');
    dataDirs.push(dataDir);
    // Launched 10 s after booking; the attendance check 50 s later, when all twenty are READY even on a busy
    // machine (50 stand-ins took about 30 s to boot on two loaded cores).
    const timings = { ...TIMINGS, LAUNCH_LEAD_SECONDS: '30', ATTENDANCE_CHECK_DELAY_SECONDS: '20' };
    const first = await startStack(dataDir, timings);
    const start = new Date(Date.now() + 40_000);
    const booked = await bookBurst(first, start);
    await until(
      'every server to be up',
      async () => {
        const outcomes = await Promise.all(booked.map((b) => meetingOutcome(first, b.id)));
        return outcomes.every((o) => o.status === 'READY');
      },
      180_000,
    );

    // Nobody joins: all twenty are torn down as no-shows at the same instant. Crash once the first server is gone.
    const servers = launches(dataDir);
    expect(servers).toHaveLength(MEETINGS);
    await asSoonAs('the first teardown to stop its server', () => servers.some((l) => !alive(l.pid)));
    await first.crash();
    const stoppedAtCrash = servers.filter((l) => !alive(l.pid)).length;
    expect(stoppedAtCrash).toBeGreaterThan(0);
    expect(stoppedAtCrash).toBeLessThan(MEETINGS);

    const second = await startStack(dataDir, timings);
    const outcomes = await allEnded(
      second.sfn,
      booked.map((b) => b.executionArn),
    );
    expect(outcomes).toEqual(booked.map(() => 'SUCCEEDED'));
    await expectAllOverOnceNothingLeft(second, dataDir, booked);
    await second.crash();
  }, 300_000);
});
