import { StartExecutionCommand } from '@aws-sdk/client-sfn';
import { awsStepFunctions } from '../support/awsCli';
import { type Browser } from 'playwright-core';
import { lifecycleInput } from '../../functions/api/booking';
import type { LocalStack } from '../../local/stack';
import {
  api,
  book,
  expectNoStrayServers,
  FAST,
  history,
  inSeconds,
  meetingStatus,
  settled,
  startMocked as startMockedExecution,
  startStack,
  tempDir,
  until,
} from './harness';
import { launchChromium } from '../support/realParts';

/**
 * Every lifecycle path, end to end, through the system's own APIs: HTTP API, Step Functions API (SDK and AWS
 * CLI), DynamoDB API. Paths run concurrently on one stack: the longest (a one-minute meeting) sets the pace.
 */
/**
 * The attendance check 20 s after the start (FAST's 6 s was too tight): the first page of a just-started Chromium,
 * or a direct join after READY, on a busy machine came after it, and the meeting became a NO_SHOW under the test
 * (seen in CI).
 */
const TIMINGS = { ...FAST, attendanceCheckDelaySeconds: 20 };

describe('local stack: meeting lifecycle end to end', () => {
  let stack: LocalStack;
  let browser: Browser;
  // test.concurrent starts before beforeAll has finished (a known Jest limitation): each test awaits this.
  let ready: Promise<void> | undefined;
  const setUp = () =>
    (ready ??= (async () => {
      stack = await startStack({ timings: TIMINGS });
      browser = await launchChromium();
    })());
  afterAll(async () => {
    await ready;
    await browser?.close();
    await stack.fleet.terminateAll();
    await stack.close();
  });

  /** A real browser opens the meeting's room and presses Join, as a student would. */
  const joinInBrowser = async (roomUrl: string) => {
    const page = await browser.newPage();
    await page.goto(roomUrl);
    await page.click('#join');
    await page.waitForFunction(() => document.getElementById('count')?.textContent === '1');
    return page;
  };
  const joinView = async (link: string) => (await api(stack, 'GET', new URL(link).pathname)).body;
  const record = async (id: string) => (await api(stack, 'GET', `/meetings/${id}`)).body;

  test.concurrent(
    'someone stays past the end: extended step by step, a reschedule refused, ended at the maximum overrun',
    async () => {
      await setUp();
      const m = await book(stack, 4);
      expect(m.status).toBe('SCHEDULED');
      await until('READY', async () => (await meetingStatus(stack, m.id)) === 'READY');
      const page = await joinInBrowser(m.roomUrl);
      await until('IN_PROGRESS', async () => (await meetingStatus(stack, m.id)) === 'IN_PROGRESS');

      // Past endAt with the student still in the room: extended, and the API and the join page say until when.
      const extended = await until(
        'the extension',
        async () => ((await record(m.id)).extendedUntil as string | null) ?? false,
        150_000,
      );
      const during = await record(m.id);
      expect(Date.parse(extended)).toBeGreaterThan(Date.parse(during.endAt as string));
      expect(during).toMatchObject({ status: 'IN_PROGRESS', endedAt: null });
      expect(await joinView(m.studentLink)).toMatchObject({ status: 'IN_PROGRESS', extendedUntil: extended });
      // A reschedule during the extension behaves as during the lesson: refused, and the extension goes on.
      const patch = await api(stack, 'PATCH', `/meetings/${m.id}`, { durationMinutes: 30 });
      expect(patch.status).toBe(409);

      const ended = await settled(stack, m.executionArn, 200_000);
      await page.close();
      expect(ended.status).toBe('SUCCEEDED');
      const final = await record(m.id);
      expect(final).toMatchObject({
        status: 'COMPLETED',
        participants: 1,
        statusReason: 'meeting ended at the maximum overrun of 1 min (1 in the room)',
        overrunMinutes: 1,
      });
      // FAST: 60 s at most past endAt, in steps of 30 s.
      const endAt = Date.parse(final.endAt as string);
      expect(final.extendedUntil).toBe(new Date(endAt + 60_000).toISOString());
      expect(Date.parse(final.endedAt as string)).toBeGreaterThanOrEqual(endAt + 60_000);
      expect(await joinView(m.teacherLink)).toMatchObject({
        status: 'COMPLETED',
        endedAt: final.endedAt,
        overrunMinutes: 1,
        joinUrl: null,
      });
      expect(stack.fleet.serverOf(m.id)).toBeUndefined();

      const events = await history(stack, m.executionArn);
      const types = events.map((e) => e.type);
      expect(types[0]).toBe('ExecutionStarted');
      expect(types).toEqual(
        expect.arrayContaining([
          'WaitStateEntered',
          'WaitStateExited',
          'TaskStateEntered',
          'LambdaFunctionScheduled',
          'LambdaFunctionStarted',
          'LambdaFunctionSucceeded',
          'TaskStateExited',
          'ChoiceStateEntered',
          'PassStateEntered',
          'SucceedStateEntered',
        ]),
      );
      expect(types.at(-1)).toBe('ExecutionSucceeded');
      // The figure the README's cost section and test/statemachine/history.test.ts use: 9 history events per
      // room check, here counted in the local engine's own history.
      const checks = events.flatMap((e, i) =>
        e.type === 'TaskStateEntered' && e.stateEnteredEventDetails?.name === 'OccupancyCheck' ? [i] : [],
      );
      expect(checks.length).toBeGreaterThanOrEqual(3 + 2); // lesson checks, endAt, +30 s (then +60 s ends it)
      expect(new Set(checks.slice(1).map((at, i) => at - checks[i]))).toEqual(new Set([9]));
      expect(
        events.filter(
          (e) => e.type === 'WaitStateEntered' && e.stateEnteredEventDetails?.name === 'WaitOverrunStep',
        ),
      ).toHaveLength(2);
    },
    300_000,
  );

  test.concurrent(
    'everyone leaves early: two empty room checks in a row, torn down before endAt, COMPLETED "everyone left"',
    async () => {
      await setUp();
      const m = await book(stack, 4);
      await until('READY', async () => (await meetingStatus(stack, m.id)) === 'READY');
      const page = await joinInBrowser(m.roomUrl);
      await until('IN_PROGRESS', async () => (await meetingStatus(stack, m.id)) === 'IN_PROGRESS');
      await page.click('#leave');
      await page.waitForFunction(() => document.getElementById('count')?.textContent === '0');
      const left = Date.now();

      const ended = await settled(stack, m.executionArn);
      await page.close();
      expect(ended.status).toBe('SUCCEEDED');
      const final = await record(m.id);
      expect(final).toMatchObject({
        status: 'COMPLETED',
        participants: 1,
        statusReason: 'everyone left',
        overrunMinutes: 0,
      });
      // Two checks 3 s apart after the leave, long before the booked end.
      expect(Date.parse(final.endedAt as string)).toBeGreaterThan(left);
      expect(Date.parse(final.endedAt as string)).toBeLessThan(Date.parse(final.endAt as string));
      expect(Date.now()).toBeLessThan(Date.parse(final.endAt as string));
      expect(stack.fleet.serverOf(m.id)).toBeUndefined();
      const names = (await history(stack, m.executionArn)).map((e) => e.stateEnteredEventDetails?.name);
      expect(names).toContain('EveryoneLeft');
      expect(names).not.toContain('WaitUntilEnd');
    },
    200_000,
  );

  /** Someone in the room without a browser: the stand-in's own join endpoint, as the room page calls it. */
  const joinDirectly = async (meetingId: string) => {
    await until('READY', async () => (await meetingStatus(stack, meetingId)) === 'READY');
    const server = stack.fleet.serverOf(meetingId)!;
    const { roomName } = (await stack.store.get(meetingId))!;
    const res = await fetch(`http://127.0.0.1:${server.port}/${roomName}/join`, {
      method: 'POST',
      body: 'ben',
    });
    expect(res.status).toBe(204);
    return {
      leave: async () =>
        void (await fetch(`http://127.0.0.1:${server.port}/${roomName}/leave`, {
          method: 'POST',
          body: 'ben',
        })),
    };
  };

  test.concurrent(
    'a room check that fails mid-lesson (mocked OccupancyCheck error) keeps the lesson, empty room or not',
    async () => {
      await setUp();
      const { meeting, executionArn } = await startMocked('OccupancyCheckError');
      const person = await joinDirectly(meeting.id);
      await until('IN_PROGRESS', async () => (await meetingStatus(stack, meeting.id)) === 'IN_PROGRESS');
      await person.leave(); // working checks would now end the lesson early

      const ended = await settled(stack, executionArn, 200_000);
      expect(ended.status).toBe('SUCCEEDED');
      const final = (await stack.store.get(meeting.id))!;
      expect(final).toMatchObject({
        status: 'COMPLETED',
        statusReason: 'meeting ended at the maximum overrun (occupancy unknown)',
        participants: 1,
      });
      expect(Date.parse(final.endedAt!)).toBeGreaterThanOrEqual(Date.parse(final.endAt) + 60_000);
      const names = (await history(stack, executionArn)).map((e) => e.stateEnteredEventDetails?.name);
      expect(names).toEqual(
        expect.arrayContaining([
          'OccupancyUnknown',
          'WaitUntilEnd',
          'WaitUntilLatestEnd',
          'OverrunLimitReached',
        ]),
      );
      expect(names).not.toContain('EveryoneLeft');
      expect(stack.fleet.serverOf(meeting.id)).toBeUndefined();
    },
    300_000,
  );

  test.concurrent(
    'a cancel during the extension: CANCELLED, execution stopped, server gone, the real end recorded',
    async () => {
      await setUp();
      const m = await book(stack, 4);
      await joinDirectly(m.id);
      await until(
        'the extension',
        async () => ((await record(m.id)).extendedUntil as string | null) ?? false,
        150_000,
      );
      const cancel = await api(stack, 'DELETE', `/meetings/${m.id}`);
      expect(cancel.status).toBe(200);
      const ended = await settled(stack, m.executionArn);
      expect(ended.status).toBe('ABORTED');
      const final = await record(m.id);
      expect(final).toMatchObject({ status: 'CANCELLED', statusReason: 'cancelled by request' });
      expect(Date.parse(final.endedAt as string)).toBeGreaterThanOrEqual(Date.parse(final.endAt as string));
      expect(final.overrunMinutes).toEqual(expect.any(Number));
      expect(stack.fleet.serverOf(m.id)).toBeUndefined();
      expect(await joinView(m.studentLink)).toMatchObject({ status: 'CANCELLED', endedAt: final.endedAt });
    },
    200_000,
  );

  test.concurrent(
    'nobody joins: NO_SHOW at the attendance check, server torn down before the end',
    async () => {
      await setUp();
      const m = await book(stack, 3);
      const ended = await settled(stack, m.executionArn);
      expect(ended.status).toBe('SUCCEEDED');
      const record = (await api(stack, 'GET', `/meetings/${m.id}`)).body;
      expect(record).toMatchObject({ status: 'NO_SHOW', participants: 0 });
      expect(Date.now()).toBeLessThan(Date.parse(record.endAt as string));
      expect(stack.fleet.serverOf(m.id)).toBeUndefined();
    },
  );

  const startMocked = async (testCase: string) => {
    await setUp();
    return startMockedExecution(stack, testCase, TIMINGS);
  };

  test.concurrent(
    'launch failure (mocked Launch error): teardown, FAILED with the cause, nothing left running',
    async () => {
      await setUp();
      const { meeting, executionArn } = await startMocked('LaunchFails');
      const ended = await settled(stack, executionArn);
      expect(ended).toMatchObject({
        status: 'FAILED',
        error: 'MeetingFailed',
        cause: 'not allowed to run instances',
      });
      expect(await stack.store.get(meeting.id)).toMatchObject({
        status: 'FAILED',
        statusReason: 'not allowed to run instances',
      });
      const types = (await history(stack, executionArn)).map((e) => e.type);
      expect(types).toContain('LambdaFunctionFailed');
      expect(types.at(-1)).toBe('ExecutionFailed');
      expect(stack.fleet.serverOf(meeting.id)).toBeUndefined();
    },
  );

  test.concurrent(
    'never healthy (mocked probes): bounded checks, the launched server is torn down, FAILED',
    async () => {
      await setUp();
      const { meeting, executionArn } = await startMocked('NeverHealthy');
      await until('a server to be launched', async () => stack.fleet.serverOf(meeting.id));
      const ended = await settled(stack, executionArn);
      expect(ended).toMatchObject({
        status: 'FAILED',
        error: 'MeetingFailed',
        cause: 'not healthy after 9 s (10 probes); last probe: health endpoint answered 502',
      });
      const checks = (await history(stack, executionArn)).filter(
        (e) => e.type === 'TaskStateEntered' && e.stateEnteredEventDetails?.name === 'HealthCheck',
      );
      expect(checks).toHaveLength(3);
      expect((await stack.store.get(meeting.id))?.status).toBe('FAILED');
      expect(stack.fleet.serverOf(meeting.id)).toBeUndefined();
    },
  );

  test.concurrent(
    'duplicate booking: same Idempotency-Key → same meeting, one execution, one server',
    async () => {
      await setUp();
      const body = {
        teacherName: 'Ada',
        studentName: 'Ben',
        startTime: inSeconds(3600),
        durationMinutes: 30,
      };
      const first = await api(stack, 'POST', '/meetings', body, { 'idempotency-key': 'dup-1' });
      const again = await api(stack, 'POST', '/meetings', body, { 'idempotency-key': 'dup-1' });
      expect(first.status).toBe(201);
      expect(again.body).toEqual(first.body);
      // StartExecution with the same name and input answers the same execution; other input is refused.
      const input = JSON.stringify(
        lifecycleInput((await stack.store.get(first.body.id as string))!, TIMINGS),
      );
      const name = `meeting-${first.body.id}`;
      const same = await stack.sfn.send(
        new StartExecutionCommand({ stateMachineArn: stack.stateMachineArn, name, input }),
      );
      expect(same.executionArn).toBe(first.body.executionArn);
      await expect(
        stack.sfn.send(
          new StartExecutionCommand({ stateMachineArn: stack.stateMachineArn, name, input: '{}' }),
        ),
      ).rejects.toMatchObject({ name: 'ExecutionAlreadyExists' });
    },
  );

  test.concurrent('the AWS CLI lists and describes a meeting execution', async () => {
    await setUp();
    const m = await book(stack, 7200);
    const cli = async (...args: string[]) => {
      const res = await awsStepFunctions(stack.sfnUrl, args);
      expect(res.stderr).toBe('');
      return res.output;
    };
    const listed = await cli(
      'list-executions',
      '--state-machine-arn',
      stack.stateMachineArn,
      '--status-filter',
      'RUNNING',
    );
    expect((listed.executions as { executionArn: string }[]).map((e) => e.executionArn)).toContain(
      m.executionArn,
    );
    const described = await cli('describe-execution', '--execution-arn', m.executionArn);
    expect(described).toMatchObject({
      status: 'RUNNING',
      name: `meeting-${m.id}`,
      stateMachineArn: stack.stateMachineArn,
    });
    expect(JSON.parse(described.input as string)).toMatchObject({ meetingId: m.id });
  });

  test('invariant: no server is left for a meeting that is not live', async () => {
    await setUp();
    await expectNoStrayServers(stack);
  });
});

describe('local stack: restart recovery', () => {
  test('executions survive a restart: the meeting launches on time, once, and finishes', async () => {
    const dataDir = tempDir('restart');
    let stack = await startStack({ dataDir });
    const m = await book(stack, 5);
    await stack.close(); // stopped before the launch time
    await new Promise((r) => setTimeout(r, 1500));
    stack = await startStack({ dataDir });
    try {
      const ended = await settled(stack, m.executionArn);
      expect(ended.status).toBe('SUCCEEDED');
      expect(await meetingStatus(stack, m.id)).toBe('NO_SHOW');
      const events = await history(stack, m.executionArn);
      const launches = events.filter(
        (e) =>
          e.type === 'LambdaFunctionScheduled' &&
          e.lambdaFunctionScheduledEventDetails?.resource?.endsWith('Launch'),
      );
      expect(launches).toHaveLength(1);
      const launchedAt = events.find(
        (e) => e.type === 'TaskStateEntered' && e.stateEnteredEventDetails?.name === 'Launch',
      )!.timestamp!;
      const record = (await api(stack, 'GET', `/meetings/${m.id}`)).body;
      expect(launchedAt.getTime()).toBeGreaterThanOrEqual(Date.parse(record.launchAt as string) - 1000); // second precision on the wire
      await expectNoStrayServers(stack);
    } finally {
      await stack.fleet.terminateAll();
      await stack.close();
    }
  });
});
