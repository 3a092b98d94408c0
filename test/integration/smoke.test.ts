import { spawn, type ChildProcess } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { FAST, api } from './harness';
import { startLocalStack, type LocalStack, type LocalStackOptions } from '../../local/stack';
import { parseSmokeArgs, type SmokeOptions } from '../../smoke/args';
import { MeetingsApi } from '../../smoke/meetingsApi';
import { runSmoke } from '../../smoke/runSmoke';

/**
 * `npm run smoke` against the local stack, so the script cannot rot: as a child process, as the npm script runs
 * it (a whole meeting joined from Chromium passes; a phase failing and a signal exit non-zero naming the phase
 * and the execution's console link), and in-process for the paths that need no process of their own (nobody
 * joining, a deadline). After each, no meeting is left open and no server running.
 */
const ROOT = join(__dirname, '../..');
const SCRIPT = join(ROOT, 'smoke/cli.ts');

/**
 * A 2-second lead, the attendance check 9 s after the start (time for Chromium to be in the room on a busy
 * machine), room checks every second: a meeting booked 5 s ahead ends about 17 s after its booking. Waits are
 * not scaled: the room checks' instants come from the booked attendance time, so a scaled attendance wait
 * only moves time into the wait before the first room check.
 */
const stackOptions = (overrides: Partial<LocalStackOptions>): LocalStackOptions => ({
  dataDir: null,
  timings: { ...FAST, attendanceCheckDelaySeconds: 9, occupancyIntervalSeconds: 1 },
  bootDelayMs: 300,
  maxLifetimeMs: 10 * 60_000,
  retryDelayMs: 50,
  logLevel: 'ERROR',
  ...overrides,
});

/** One stack per behaviour of the stand-in, started on first use and shared by the concurrent tests. */
function lazyStack(overrides: Partial<LocalStackOptions>): () => Promise<LocalStack> {
  let ready: Promise<LocalStack> | undefined;
  afterAll(async () => {
    const stack = await ready;
    await stack?.fleet.terminateAll();
    await stack?.close();
  });
  return () => (ready ??= startLocalStack(stackOptions(overrides)));
}

const healthy = lazyStack({});
// The stand-in never answers /health: three probes a second apart, then NeverHealthy.
const neverHealthy = lazyStack({
  bootDelayMs: 10 * 60_000,
  timings: { ...FAST, healthMaxAttempts: 3 },
});
// Booting for ten minutes with a budget of a hundred probes: the meeting stays short of healthy.
const slowBoot = lazyStack({
  bootDelayMs: 10 * 60_000,
  timings: { ...FAST, healthMaxAttempts: 100 },
});

const FASTEST = ['--duration', '1', '--poll', '100ms'];
/** Each test takes 5–25 s alone; on a machine shared by many test runs, several times that. */
const SLOW_MACHINE_MS = 180_000;

interface Run {
  child: ChildProcess;
  out: string;
  exit: Promise<number | null>;
}

const children: ChildProcess[] = [];
afterAll(() => children.forEach((c) => c.exitCode === null && c.kill('SIGKILL')));

/** The script as `npm run smoke` runs it (tsx), on the stack's API and Step Functions endpoint. */
function smoke(stack: LocalStack, args: string[]): Run {
  const base = ['--api', stack.apiUrl, '--sfn-endpoint', stack.sfnUrl, ...FASTEST];
  const child = spawn(process.execPath, ['--import', 'tsx', SCRIPT, ...base, ...args], {
    cwd: ROOT,
    env: { ...process.env, AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED: 'true' },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  children.push(child);
  const run: Run = { child, out: '', exit: new Promise((resolve) => child.once('exit', resolve)) };
  child.stdout!.on('data', (c: Buffer) => (run.out += c.toString()));
  child.stderr!.on('data', (c: Buffer) => (run.out += c.toString()));
  return run;
}

/** The same smoke test in this process: the CLI's wiring without its start-up (the local API: no auth). */
function smokeInProcess(stack: LocalStack, args: string[]) {
  const opts = parseSmokeArgs(['--api', stack.apiUrl, ...FASTEST, ...args]) as SmokeOptions;
  return runSmoke(opts, {
    api: new MeetingsApi(stack.apiUrl, { kind: 'none' }),
    sfn: stack.sfn,
    signal: new AbortController().signal,
  });
}

const meetingIdIn = (out: string) => /^✓ book\s.*meeting ([0-9a-f-]{36})/m.exec(out)?.[1];

async function expectClosedWithoutServer(stack: LocalStack, id: string | undefined, status: string) {
  expect(id).toBeDefined();
  const record = (await api(stack, 'GET', `/meetings/${id}`)).body;
  expect({ status: record.status, terminatedAt: typeof record.terminatedAt }).toEqual({
    status,
    terminatedAt: 'string',
  });
  expect(stack.fleet.list().filter((s) => s.meetingId === id)).toEqual([]);
}

const CONSOLE_LINK =
  /^execution: https:\/\/us-east-1\.console\.aws\.amazon\.com\/states\/home\?region=us-east-1#\/v2\/executions\/details\/arn:aws:states:us-east-1:000000000000:execution:meeting-lifecycle:meeting-[0-9a-f-]{36}$/m;

function expectFailedIn(out: string, phase: string, reason: RegExp) {
  const line = out.split('\n').find((l) => l.startsWith('smoke test FAILED'));
  expect(line).toMatch(new RegExp(`^smoke test FAILED in phase "${phase}": `));
  expect(line).toMatch(reason);
  expect(out).toMatch(CONSOLE_LINK);
}

test('npm run smoke runs this script with tsx, like the other npm scripts', () => {
  const scripts = JSON.parse(readFileSync(join(ROOT, 'package.json'), 'utf8')).scripts as Record<
    string,
    string
  >;
  expect(scripts.smoke).toMatch(/(^|\s)tsx smoke\/cli\.ts$/);
});

test.concurrent(
  'a meeting joined from Chromium passes every phase, in order, and ends COMPLETED, its server gone',
  async () => {
    const stack = await healthy();
    const run = smoke(stack, ['--start-in', '5s', '--grace', '30s', '--join']);
    expect({ exit: await run.exit, out: run.out }).toEqual({
      exit: 0,
      out: expect.stringMatching(/^smoke test PASSED/m),
    });
    const passed = [...run.out.matchAll(/^✓ (join page|\S+)\s/gm)].map((m) => m[1]);
    expect(passed).toEqual(['book', 'launched', 'healthy', 'join page', 'joined', 'attendance', 'teardown']);
    expect(run.out).toMatch(/^✓ joined .*Chromium is in the stand-in room/m);
    expect(run.out).toMatch(/^✓ attendance .* PRESENT, 1 in the room/m);
    expect(run.out).toMatch(/^✓ teardown .* COMPLETED \(everyone left\)/m);
    expect(run.out).toMatch(CONSOLE_LINK);
    await expectClosedWithoutServer(stack, meetingIdIn(run.out), 'COMPLETED');
  },
  SLOW_MACHINE_MS,
);

test.concurrent(
  'nobody joining: the attendance check says ABSENT and the meeting ends NO_SHOW',
  async () => {
    const stack = await healthy();
    const report = await smokeInProcess(stack, ['--start-in', '5s', '--grace', '30s']);
    expect(report.failure).toBeUndefined();
    expect(report.passed.map((p) => p.phase)).toEqual([
      'book',
      'launched',
      'healthy',
      'join page',
      'attendance',
      'teardown',
    ]);
    expect(report.passed.find((p) => p.phase === 'attendance')?.detail).toMatch(/^ABSENT, 0 in the room/);
    expect(report.passed.find((p) => p.phase === 'teardown')?.detail).toMatch(/^NO_SHOW/);
    expect(report.cleanup).toEqual([]);
    await expectClosedWithoutServer(stack, report.meetingId, 'NO_SHOW');
  },
  SLOW_MACHINE_MS,
);

test.concurrent(
  'a server that never gets healthy fails phase "healthy" with the state machine\'s reason, exit 1',
  async () => {
    const stack = await neverHealthy();
    const run = smoke(stack, ['--start-in', '3s', '--grace', '30s']);
    expect(await run.exit).toBe(1);
    expectFailedIn(run.out, 'healthy', /NeverHealthy: not healthy after .* \(3 probes\); last probe: /);
    expect(run.out).toMatch(/^cleanup: meeting \S+ was already FAILED: its own teardown ran$/m);
    await expectClosedWithoutServer(stack, meetingIdIn(run.out), 'FAILED');
  },
  SLOW_MACHINE_MS,
);

test.concurrent(
  'a phase past its deadline fails by name; the meeting is cancelled and its server stopped',
  async () => {
    const stack = await slowBoot();
    // Launch is due 1 s after booking (a loaded machine starts the stand-in process seconds late, hence 15 s of
    // grace); healthy, due at the start, never comes.
    const report = await smokeInProcess(stack, ['--start-in', '3s', '--grace', '15s']);
    expect(report.failure).toEqual({
      phase: 'healthy',
      reason: expect.stringMatching(/^not reached \(execution in \w+\) by \S+ \(its instant \+ --grace\)$/),
    });
    expect(report.consoleUrl).toMatch(/^https:\/\/us-east-1\.console\.aws\.amazon\.com\/states\/home/);
    expect(report.cleanup).toEqual([
      expect.stringMatching(/^cancelled meeting \S+: now CANCELLED$/),
      expect.stringMatching(/^server i-\S+ terminated \d{4}-/),
    ]);
    await expectClosedWithoutServer(stack, report.meetingId, 'CANCELLED');
  },
  SLOW_MACHINE_MS,
);

test.concurrent(
  'SIGTERM while it waits: the phase is named, exit 143, the meeting cancelled and its server stopped',
  async () => {
    const stack = await slowBoot();
    const run = smoke(stack, ['--start-in', '3s', '--grace', '60s']);
    while (!/^✓ launched/m.test(run.out) && run.child.exitCode === null)
      await new Promise((r) => setTimeout(r, 50));
    run.child.kill('SIGTERM');
    expect(await run.exit).toBe(143);
    expectFailedIn(run.out, 'healthy', /interrupted \(SIGTERM\)$/);
    expect(run.out).toMatch(/^cleanup: cancelled meeting \S+: now CANCELLED$/m);
    await expectClosedWithoutServer(stack, meetingIdIn(run.out), 'CANCELLED');
  },
  SLOW_MACHINE_MS,
);
