import { DescribeExecutionCommand, GetExecutionHistoryCommand } from '@aws-sdk/client-sfn';
import type { MeetingRecord } from '../../functions/shared/meeting';
import type { LocalStack } from '../../local/stack';
import { childStackLauncher } from './childStack';
import { expectNoStrayServers, settled, sharedStack, startMocked, tempDir, until } from './harness';

const OUTCOMES: Record<string, string> = { SUCCEEDED: 'COMPLETED|NO_SHOW', FAILED: 'FAILED' };

/**
 * Fault injection on the local stack: every task failing at its step with an error, a timeout and throttling
 * (Step Functions Local mocks), and the whole process killed mid-lifecycle. After each, the invariant: no
 * server runs for a meeting that is not LAUNCHING / READY / IN_PROGRESS, and the record agrees with its execution.
 */
describe('fault injection: each task failing at its step', () => {
  let stack: LocalStack;
  const sharedSetUp = sharedStack();
  const setUp = async () => void (stack = await sharedSetUp());

  const cases = ['Launch', 'HealthCheck', 'AttendanceCheck', 'Teardown'].flatMap((task) =>
    ['Error', 'Timeout', 'Throttled'].map((kind) => [task, kind] as const),
  );

  test.concurrent.each(cases)(
    '%s fails (%s)',
    async (task, kind) => {
      await setUp();
      const { meeting, executionArn } = await startMocked(stack, `${task}${kind}`);
      const ended = await settled(stack, executionArn);
      if (task === 'Teardown') {
        // Teardown itself never worked: the execution says so, and the sweeper is what cleans up.
        expect(ended).toMatchObject({ status: 'FAILED', error: 'TeardownFailed' });
        await stack.sweep(); // (a concurrent case's sweep may have got there first)
        expect((await stack.store.get(meeting.id))?.statusReason).toBe(
          'swept: execution FAILED without teardown',
        );
      } else if (task === 'AttendanceCheck') {
        // A failed check never ends a lesson: it runs to its end.
        expect(ended.status).toBe('SUCCEEDED');
      } else {
        expect(ended).toMatchObject({ status: 'FAILED', error: 'MeetingFailed' });
      }
      const record = (await stack.store.get(meeting.id)) as MeetingRecord;
      expect(record.status).toMatch(new RegExp(`^(${OUTCOMES[ended.status ?? ''] ?? 'none'})$`));
      expect(stack.fleet.serverOf(meeting.id)).toBeUndefined();
    },
    150_000,
  );

  // Checked once all cases are over: while they run, a failed teardown's server legitimately waits for a sweep.
  test('invariant across all cases: no server for a meeting that is not live', async () => {
    await setUp();
    await expectNoStrayServers(stack);
  });
});

describe('fault injection: the process killed mid-lifecycle', () => {
  const startStack = childStackLauncher();
  const start = (dataDir: string) =>
    startStack(dataDir, {
      LAUNCH_LEAD_SECONDS: '2',
      ATTENDANCE_CHECK_DELAY_SECONDS: '8',
      HEALTH_CHECK_INTERVAL_SECONDS: '1',
      BOOT_DELAY_SECONDS: '1',
      MIN_DURATION_MINUTES: '1',
    });

  test('killed while the meeting runs: after a restart it goes on, launches nothing twice, tears down', async () => {
    const dataDir = tempDir('killed');
    const first = await start(dataDir);
    const booked = await fetch(`${first.api}/meetings`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({
        teacherName: 'Ada',
        studentName: 'Ben',
        startTime: new Date(Date.now() + 3000).toISOString(),
        durationMinutes: 1,
      }),
    }).then((r) => r.json() as Promise<{ id: string; executionArn: string; roomUrl: string }>);
    const status = async (api: string) =>
      ((await (await fetch(`${api}/meetings/${booked.id}`)).json()) as { status: string }).status;
    await until('the server to be up', async () => (await status(first.api)) === 'READY', 60_000);
    await first.crash();

    const second = await start(dataDir);
    // A paced launch keeps its place within its launch minute (functions/api/booking.ts, lifecycleInput): the
    // attendance check can come up to 59 s after start + 8 s, so the wait is measured from the execution's own.
    const input = JSON.parse(
      (await second.sfn.send(new DescribeExecutionCommand({ executionArn: booked.executionArn }))).input ??
        '{}',
    ) as { attendanceCheckAt: string };
    const described = await until(
      'the execution to end',
      async () => {
        const d = await second.sfn.send(new DescribeExecutionCommand({ executionArn: booked.executionArn }));
        return d.status !== 'RUNNING' && d;
      },
      Date.parse(input.attendanceCheckAt) + 45_000 - Date.now(),
    );
    expect(described.status).toBe('SUCCEEDED');
    expect(await status(second.api)).toBe('NO_SHOW');
    const events =
      (await second.sfn.send(new GetExecutionHistoryCommand({ executionArn: booked.executionArn }))).events ??
      [];
    const launches = events.filter(
      (e) =>
        e.type === 'LambdaFunctionScheduled' &&
        e.lambdaFunctionScheduledEventDetails?.resource?.endsWith('-Launch'),
    );
    expect(launches).toHaveLength(1);
    // The server that outlived the crash was found again and stopped: its room no longer answers.
    const room = await fetch(booked.roomUrl.replace(/^http:\/\/127\.0\.0\.1:\d+/, second.api), {
      redirect: 'manual',
    });
    expect(room.status).toBe(503);
    second.child.kill('SIGTERM');
  }, 150_000);
});
