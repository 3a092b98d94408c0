import { StartExecutionCommand } from '@aws-sdk/client-sfn';
import { execFile } from 'node:child_process';
import { promisify } from 'node:util';
import { chromium, type Browser } from 'playwright-core';
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

/**
 * Every lifecycle path, end to end, through the system's own APIs: HTTP API, Step Functions API (SDK and AWS
 * CLI), DynamoDB API. Paths run concurrently on one stack: the longest (a one-minute meeting) sets the pace.
 */
describe('local stack: meeting lifecycle end to end', () => {
  let stack: LocalStack;
  let browser: Browser;
  // test.concurrent starts before beforeAll has finished (a known Jest limitation): each test awaits this.
  let ready: Promise<void> | undefined;
  const setUp = () =>
    (ready ??= (async () => {
      stack = await startStack();
      browser = await chromium.launch({
        executablePath: '/usr/bin/chromium',
        args: [
          '--headless',
          '--no-sandbox',
          '--disable-gpu',
          '--disable-background-networking',
          '--disable-component-update',
          '--disable-sync',
          '--no-first-run',
        ],
      });
    })());
  afterAll(async () => {
    await ready;
    await browser?.close();
    await stack.fleet.terminateAll();
    await stack.close();
  });

  test.concurrent(
    'someone joins: launch → READY → IN_PROGRESS → teardown at the end → COMPLETED',
    async () => {
      await setUp();
      const m = await book(stack, 4);
      expect(m.status).toBe('SCHEDULED');
      await until('READY', async () => (await meetingStatus(stack, m.id)) === 'READY');

      // A student opens the link in a real browser and joins the room.
      const page = await browser.newPage();
      await page.goto(m.roomUrl);
      await page.click('#join');
      await page.waitForFunction(() => document.getElementById('count')?.textContent === '1');

      await until('IN_PROGRESS', async () => (await meetingStatus(stack, m.id)) === 'IN_PROGRESS');
      const ended = await settled(stack, m.executionArn);
      await page.close();
      expect(ended.status).toBe('SUCCEEDED');
      const record = (await api(stack, 'GET', `/meetings/${m.id}`)).body;
      expect(record).toMatchObject({ status: 'COMPLETED', participants: 1, statusReason: 'meeting ended' });
      expect(Date.now()).toBeGreaterThanOrEqual(Date.parse(record.endAt as string));
      expect(stack.fleet.serverOf(m.id)).toBeUndefined();

      const types = (await history(stack, m.executionArn)).map((e) => e.type);
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
    },
    150_000,
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
    return startMockedExecution(stack, testCase);
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
      const input = JSON.stringify(lifecycleInput((await stack.store.get(first.body.id as string))!, FAST));
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
    const env = {
      ...process.env,
      AWS_ACCESS_KEY_ID: 'local',
      AWS_SECRET_ACCESS_KEY: 'local',
      AWS_DEFAULT_REGION: 'us-east-1',
      AWS_PAGER: '',
    };
    // Asynchronously: the endpoint lives in this very process, so a blocking spawn would deadlock it.
    const cli = async (...args: string[]) => {
      const res = await promisify(execFile)(
        'aws',
        ['stepfunctions', ...args, '--endpoint-url', stack.sfnUrl, '--output', 'json'],
        { env },
      );
      expect(res.stderr).toBe('');
      return JSON.parse(res.stdout) as Record<string, unknown>;
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
