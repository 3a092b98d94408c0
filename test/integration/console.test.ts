import {
  CreateStateMachineCommand,
  DescribeExecutionCommand,
  StartExecutionCommand,
  type SFNClient,
} from '@aws-sdk/client-sfn';
import { mkdirSync } from 'node:fs';
import { request } from 'node:http';
import { join } from 'node:path';
import { type Browser, type Page } from 'playwright-core';
import { startConsole, type RunningConsole } from '../../local/console/server';
import type { LocalStack } from '../../local/stack';
import { SHAPES } from '../support/aslShapes';
import { api, book, FAST, inSeconds, meetingStatus, settled, startMocked, startStack } from './harness';
import { launchChromium } from '../support/realParts';

/**
 * The admin console in a real Chromium against the local stack, reading only the meetings API and the Step
 * Functions API. Screenshots land in test-output/console/ for people to look at.
 */
const SHOTS = join(__dirname, '../../test-output/console');
const ROLE = 'arn:aws:iam::000000000000:role/console-test';

describe('admin console (local stack, real browser)', () => {
  let stack: LocalStack;
  let adminConsole: RunningConsole;
  let browser: Browser;
  let ready: Promise<void> | undefined;
  // test.concurrent starts before beforeAll has finished (a known Jest limitation): each test awaits this.
  const setUp = () =>
    (ready ??= (async () => {
      mkdirSync(SHOTS, { recursive: true });
      // The attendance check 25 s after the start keeps the meeting READY long enough to be seen on a busy machine.
      stack = await startStack({ timings: { ...FAST, attendanceCheckDelaySeconds: 25 } });
      adminConsole = await startConsole({ apiUrl: stack.apiUrl, sfnEndpoint: stack.sfnUrl, port: 0 });
      browser = await launchChromium();
    })());
  afterAll(async () => {
    await ready;
    await browser?.close();
    await adminConsole?.close();
    await stack?.fleet.terminateAll();
    await stack?.close();
  });

  const open = async (path: string, javaScriptEnabled = true) => {
    const page = await browser.newPage({ viewport: { width: 1280, height: 900 }, javaScriptEnabled });
    const problems: string[] = [];
    // A CSP violation or a script error shows here: the pages must work under their own strict policy.
    page.on('console', (m) => m.type() === 'error' && problems.push(m.text()));
    page.on('pageerror', (e) => problems.push(String(e)));
    await page.goto(`${adminConsole.url}${path}`);
    return { page, problems };
  };
  const attr = (value: string) => `"${value.replace(/["\\]/g, '\\$&')}"`;
  const statusOf = (page: Page, state: string) =>
    page
      .locator(`svg.graph [data-state=${attr(state)}]`)
      .first()
      .getAttribute('data-state-status');
  const statuses = async (page: Page, states: string[]) =>
    Object.fromEntries(await Promise.all(states.map(async (s) => [s, await statusOf(page, s)])));

  test.concurrent(
    "a meeting's graph shows what its execution did, live: waiting to launch, then ready, then ended",
    async () => {
      await setUp();
      const m = await book(stack, 15);
      const meeting = (await api(stack, 'GET', `/meetings/${m.id}`)).body;
      const { page, problems } = await open(`/meetings/${m.id}`);

      // Point 1: before launch the execution waits in WaitUntilLaunch until launchAt; nothing else ran.
      expect(await statuses(page, ['WaitUntilLaunch', 'Launch', 'HealthCheck', 'Teardown'])).toEqual({
        WaitUntilLaunch: 'waiting',
        Launch: 'not-reached',
        HealthCheck: 'not-reached',
        Teardown: 'not-reached',
      });
      const wait = page.locator('svg.graph [data-state="WaitUntilLaunch"]');
      expect(new Date((await wait.getAttribute('data-wake-at'))!).toISOString()).toBe(
        new Date(meeting.launchAt as string).toISOString(),
      );
      // The status is in words too, not only in colour.
      await expect(wait.textContent()).resolves.toContain('waiting until');
      await expect(page.locator('svg.graph [data-state="Launch"]').textContent()).resolves.toContain(
        'not reached',
      );
      await page.screenshot({ path: join(SHOTS, 'meeting-1-waiting-to-launch.png'), fullPage: true });

      // Point 2: the same page, never reloaded, follows the execution to READY (polling). The record and the
      // history are read one after the other, so wait for both to have got there.
      await page.waitForFunction(
        () =>
          document
            .querySelector('svg.graph [data-state="WaitUntilAttendanceCheck"]')
            ?.getAttribute('data-state-status') === 'waiting' &&
          document.querySelector('[data-meeting-status]')?.getAttribute('data-meeting-status') === 'READY',
        undefined,
        { timeout: 90_000, polling: 200 },
      );
      expect(
        await statuses(page, [
          'WaitUntilLaunch',
          'Launch',
          'StartHealthChecks',
          'HealthCheck',
          'IsHealthy',
          'WaitUntilAttendanceCheck',
          'AttendanceCheck',
          'NeverHealthy',
          'LaunchFailed',
        ]),
      ).toEqual({
        WaitUntilLaunch: 'succeeded',
        Launch: 'succeeded',
        StartHealthChecks: 'succeeded',
        HealthCheck: 'succeeded',
        IsHealthy: 'succeeded',
        WaitUntilAttendanceCheck: 'waiting',
        AttendanceCheck: 'not-reached',
        NeverHealthy: 'not-reached',
        LaunchFailed: 'not-reached',
      });
      await expect(page.locator('[data-meeting-status]').getAttribute('data-meeting-status')).resolves.toBe(
        'READY',
      );
      await page.screenshot({ path: join(SHOTS, 'meeting-2-ready.png'), fullPage: true });

      // Nobody joins: the attendance check ends it as NO_SHOW, and the page stops polling.
      await page.waitForFunction(
        () => document.getElementById('live')?.getAttribute('data-running') === 'false',
        undefined,
        { timeout: 90_000, polling: 500 },
      );
      expect(
        await statuses(page, ['AnybodyThere', 'NoShow', 'WaitUntilEnd', 'Teardown', 'MeetingDone']),
      ).toEqual({
        AnybodyThere: 'succeeded',
        NoShow: 'succeeded',
        WaitUntilEnd: 'not-reached',
        Teardown: 'succeeded',
        MeetingDone: 'succeeded',
      });
      // The event table uses AWS's event names, with each state's input and output on demand.
      await expect(page.locator('tr[data-event-type="ExecutionSucceeded"]').count()).resolves.toBe(1);
      await expect(
        page.locator('tr[data-event-type="LambdaFunctionScheduled"]').count(),
      ).resolves.toBeGreaterThan(0);
      const io = page.locator('#io-Launch');
      await io.locator('summary').click();
      await expect(io.locator('pre').first().textContent()).resolves.toContain(m.id);
      await page.screenshot({ path: join(SHOTS, 'meeting-3-no-show.png'), fullPage: true });
      expect(problems).toEqual([]);
      await page.close();
    },
    240_000,
  );

  test.concurrent(
    "a launch that fails is drawn from the engine's own history: Launch caught, the failure path taken, the Fail state failed",
    async () => {
      await setUp();
      // Step Functions Local's mock configuration: Launch throws UnauthorizedOperation, which Catch handles.
      const { meeting, executionArn } = await startMocked(stack, 'LaunchFails');
      expect((await settled(stack, executionArn)).status).toBe('FAILED');
      const { page, problems } = await open(`/meetings/${meeting.id}`);
      expect(
        await statuses(page, [
          'WaitUntilLaunch',
          'Launch',
          'LaunchFailed',
          'StartHealthChecks',
          'Teardown',
          'MeetingFailed',
        ]),
      ).toEqual({
        WaitUntilLaunch: 'succeeded',
        Launch: 'caught',
        LaunchFailed: 'succeeded',
        StartHealthChecks: 'not-reached',
        Teardown: 'succeeded',
        MeetingFailed: 'failed',
      });
      await expect(page.locator('svg.graph [data-state="Launch"]').textContent()).resolves.toContain(
        'failed, caught',
      );
      await expect(page.locator('tr#state-Launch').textContent()).resolves.toContain('UnauthorizedOperation');
      await expect(page.locator('[data-meeting-status]').getAttribute('data-meeting-status')).resolves.toBe(
        'FAILED',
      );
      await page.screenshot({ path: join(SHOTS, 'meeting-launch-failed.png'), fullPage: true });
      expect(problems).toEqual([]);
      await page.close();
    },
    120_000,
  );

  test.concurrent(
    'the meetings table lists newest first and filters by status (label, no JavaScript needed)',
    async () => {
      await setUp();
      const older = await book(stack, 600);
      const newer = await book(stack, 600, { title: `Physics & "friends"` });
      expect((await api(stack, 'DELETE', `/meetings/${older.id}`)).status).toBe(200);

      const { page, problems } = await open('/', false);
      await expect(page.locator('h1').textContent()).resolves.toBe('Meetings');
      const ids = await page
        .locator('tr[data-meeting-id]')
        .evaluateAll((rows) => rows.map((r) => r.getAttribute('data-meeting-id')));
      expect(ids.indexOf(newer.id)).toBeGreaterThanOrEqual(0);
      expect(ids.indexOf(newer.id)).toBeLessThan(ids.indexOf(older.id));
      // The title is shown as text, quotes and ampersand included.
      await expect(page.locator(`tr[data-meeting-id="${newer.id}"] a`).first().textContent()).resolves.toBe(
        'Physics & "friends"',
      );

      await page.getByLabel('Status').selectOption('CANCELLED');
      await Promise.all([
        page.waitForURL(/status=CANCELLED/),
        page.getByRole('button', { name: 'Filter' }).click(),
      ]);
      const rows = await page
        .locator('tr[data-meeting-id]')
        .evaluateAll((trs) =>
          trs.map((r) => [r.getAttribute('data-meeting-id'), r.getAttribute('data-status')]),
        );
      expect(rows).toContainEqual([older.id, 'CANCELLED']);
      expect(rows.every(([, s]) => s === 'CANCELLED')).toBe(true);
      expect(rows.map(([id]) => id)).not.toContain(newer.id);
      await expect(page.locator(`tr[data-meeting-id="${older.id}"]`).textContent()).resolves.toContain(
        'cancelled by request',
      );
      await page.screenshot({ path: join(SHOTS, 'meetings-cancelled.png'), fullPage: true });
      expect(problems).toEqual([]);
      await page.close();
    },
    120_000,
  );

  test.concurrent(
    'cancel from the console asks first, then ends the meeting (record CANCELLED, execution ABORTED), without JavaScript',
    async () => {
      await setUp();
      const m = await book(stack, 600);
      // Plain forms: the whole action works with JavaScript off.
      const { page, problems } = await open(`/meetings/${m.id}`, false);
      await page.getByRole('button', { name: 'Cancel this meeting…' }).click();
      await expect(page.locator('h1').textContent()).resolves.toBe('Cancel meeting');
      // Nothing has changed yet: the first button only asks.
      expect(await meetingStatus(stack, m.id)).toBe('SCHEDULED');
      await Promise.all([
        page.waitForURL(/done=cancelled/),
        page.getByRole('button', { name: 'Yes, cancel the meeting' }).click(),
      ]);
      expect(await meetingStatus(stack, m.id)).toBe('CANCELLED');
      const execution = await stack.sfn.send(new DescribeExecutionCommand({ executionArn: m.executionArn }));
      expect(execution.status).toBe('ABORTED');
      await expect(page.locator('.notice').textContent()).resolves.toBe('The meeting was cancelled.');
      expect(await statusOf(page, 'WaitUntilLaunch')).toBe('aborted');
      expect(problems).toEqual([]);
      await page.close();
    },
    120_000,
  );

  test.concurrent(
    'reschedule from the console starts a new revision; the old execution is listed under previous revisions',
    async () => {
      await setUp();
      const m = await book(stack, 600);
      const { page, problems } = await open(`/meetings/${m.id}`);
      const newStart = inSeconds(1200);
      await page.getByLabel(/New start time/).fill(newStart);
      await page.getByRole('button', { name: 'Reschedule…' }).click();
      await expect(page.locator('h1').textContent()).resolves.toBe('Reschedule meeting');
      await Promise.all([
        page.waitForURL(/done=rescheduled/),
        page.getByRole('button', { name: 'Yes, reschedule' }).click(),
      ]);
      const record = (await api(stack, 'GET', `/meetings/${m.id}`)).body;
      expect(record.revision).toBe(1);
      expect(Date.parse(record.startTime as string)).toBe(Date.parse(newStart));
      await expect(
        page.locator(`tr[data-execution-name="meeting-${m.id}"]`).textContent(),
      ).resolves.toContain('ABORTED');
      await expect(page.locator('.execution h2').first().textContent()).resolves.toContain(
        `meeting-${m.id}-r1`,
      );

      expect(problems).toEqual([]);

      // A bad time comes back from the API with the field named, on the confirmation page (answered 400).
      await page.getByLabel(/New start time/).fill('yesterday');
      await page.getByRole('button', { name: 'Reschedule…' }).click();
      await page.getByRole('button', { name: 'Yes, reschedule' }).click();
      await expect(page.locator('.error').textContent()).resolves.toContain('startTime');
      expect((await api(stack, 'GET', `/meetings/${m.id}`)).body.revision).toBe(1);
      await page.close();
    },
    120_000,
  );

  test.concurrent(
    'a state machine with Choice, Parallel and Map created through CreateStateMachine is drawn with its nested states',
    async () => {
      await setUp();
      const { stateMachineArn } = await stack.sfn.send(
        new CreateStateMachineCommand({
          name: 'console-shapes',
          definition: JSON.stringify(SHAPES),
          roleArn: ROLE,
        }),
      );
      const { page, problems } = await open('/state-machines');
      await page.getByRole('link', { name: 'console-shapes' }).click();
      await expect(page.locator('h1').textContent()).resolves.toBe('State machine console-shapes');
      const box = async (state: string) =>
        (await page
          .locator(`svg.graph [data-state="${state}"] rect.box, svg.graph [data-state="${state}"] rect.frame`)
          .first()
          .boundingBox())!;
      const inside = (outer: { x: number; y: number; width: number; height: number }, inner: typeof outer) =>
        inner.x >= outer.x &&
        inner.y >= outer.y &&
        inner.x + inner.width <= outer.x + outer.width &&
        inner.y + inner.height <= outer.y + outer.height;
      for (const [outer, inner] of [
        ['Both', 'Left'],
        ['Both', 'Right'],
        ['Both', 'RightAgain'],
        ['EachItem', 'Item'],
      ]) {
        expect({ outer, inner, inside: inside(await box(outer), await box(inner)) }).toEqual({
          outer,
          inner,
          inside: true,
        });
      }
      await expect(page.locator('svg.graph [data-edge-kind="choice"]').count()).resolves.toBe(2);
      await expect(page.locator('svg.graph [data-edge-kind="default"]').count()).resolves.toBe(1);
      await expect(page.locator('svg.graph [data-edge-kind="catch"]').count()).resolves.toBe(1);
      await expect(page.locator('svg.graph .branch').count()).resolves.toBe(2);
      expect(stateMachineArn).toContain('console-shapes');
      await page.screenshot({ path: join(SHOTS, 'state-machine-shapes.png'), fullPage: true });
      expect(problems).toEqual([]);
      await page.close();
    },
    120_000,
  );

  test.concurrent(
    "a Choice machine's executions are coloured from their histories: the branch taken succeeded or failed, the other not reached",
    async () => {
      await setUp();
      const yes = '<b>Yes</b> & "done"';
      const definition = {
        StartAt: 'Prepare',
        States: {
          Prepare: { Type: 'Pass', Next: 'Decide' },
          Decide: {
            Type: 'Choice',
            Choices: [{ Variable: '$.go', BooleanEquals: true, Next: yes }],
            Default: 'No',
          },
          [yes]: { Type: 'Succeed' },
          No: { Type: 'Fail', Error: 'NotToday', Cause: 'go was false' },
        },
      };
      const { stateMachineArn } = await stack.sfn.send(
        new CreateStateMachineCommand({
          name: 'console-choice',
          definition: JSON.stringify(definition),
          roleArn: ROLE,
        }),
      );
      const run = async (sfn: SFNClient, go: boolean) => {
        const { executionArn } = await sfn.send(
          new StartExecutionCommand({ stateMachineArn, input: JSON.stringify({ go }) }),
        );
        await settled(stack, executionArn!);
        return executionArn!;
      };
      const took = await run(stack.sfn, true);
      const { page, problems } = await open(`/executions/view?arn=${encodeURIComponent(took)}`);
      expect(await statuses(page, ['Prepare', 'Decide', yes, 'No'])).toEqual({
        Prepare: 'succeeded',
        Decide: 'succeeded',
        [yes]: 'succeeded',
        No: 'not-reached',
      });
      // A state name with markup in it is text, not markup.
      await expect(page.locator('svg.graph b').count()).resolves.toBe(0);
      await expect(page.locator(`svg.graph [data-state=${attr(yes)}] .name`).textContent()).resolves.toBe(
        yes,
      );

      const refused = await run(stack.sfn, false);
      await page.goto(`${adminConsole.url}/executions/view?arn=${encodeURIComponent(refused)}`);
      expect(await statuses(page, ['Decide', yes, 'No'])).toEqual({
        Decide: 'succeeded',
        [yes]: 'not-reached',
        No: 'failed',
      });
      await expect(page.locator('tr#state-No').textContent()).resolves.toContain('NotToday');
      await page.screenshot({ path: join(SHOTS, 'choice-failed.png'), fullPage: true });

      // The machine's page lists both executions, and filters them by status.
      await page.goto(
        `${adminConsole.url}/state-machines/view?arn=${encodeURIComponent(stateMachineArn!)}&status=FAILED`,
      );
      await expect(page.locator('table.executions tbody tr').count()).resolves.toBe(1);
      expect(problems).toEqual([]);
      await page.close();
    },
    120_000,
  );

  test.concurrent(
    'pointed at another Step Functions endpoint, the console draws that endpoint’s machines and executions',
    async () => {
      await setUp();
      // A second, independent stack stands in for "another endpoint" (Step Functions Local, LocalStack…).
      const other = await startStack();
      const elsewhere = await startConsole({ apiUrl: stack.apiUrl, sfnEndpoint: other.sfnUrl, port: 0 });
      try {
        const { stateMachineArn } = await other.sfn.send(
          new CreateStateMachineCommand({
            name: 'only-over-there',
            definition: JSON.stringify({ StartAt: 'Hello', States: { Hello: { Type: 'Pass', End: true } } }),
            roleArn: ROLE,
          }),
        );
        const { executionArn } = await other.sfn.send(
          new StartExecutionCommand({ stateMachineArn, input: '{}' }),
        );
        await settled(other, executionArn!);
        const page = await browser.newPage();
        await page.goto(`${elsewhere.url}/state-machines`);
        await expect(page.getByRole('link', { name: 'only-over-there' }).count()).resolves.toBe(1);
        await page.goto(`${elsewhere.url}/executions/view?arn=${encodeURIComponent(executionArn!)}`);
        expect(await statusOf(page, 'Hello')).toBe('succeeded');
        // A meeting of this stack has no execution over there: its page says so instead of failing.
        const m = await book(stack, 600);
        await page.goto(`${elsewhere.url}/meetings/${m.id}`);
        await expect(page.locator('[role=status]').textContent()).resolves.toContain('has no execution');
        await page.close();
      } finally {
        await elsewhere.close();
        await other.close();
      }
    },
    120_000,
  );

  test.concurrent(
    'the load ahead: launches per minute of the booked meetings against the capacity, the crowded minute in red',
    async () => {
      await setUp();
      // A console for an account whose RunInstances refill carries 2 launches a minute (0.05/s × 60 × 0.8).
      const slow = { bucket: 5, refillPerSecond: 0.05 };
      const small = await startConsole({
        apiUrl: stack.apiUrl,
        sfnEndpoint: stack.sfnUrl,
        port: 0,
        limits: { runInstances: slow, runInstancesResources: slow },
      });
      try {
        // Three lessons at one start time two hours ahead (launching 2 s before it: the same minute), one more
        // an hour later. Other tests' meetings launch within minutes, never in these two minutes.
        const minute = Math.floor(Date.now() / 60_000) * 60_000;
        const crowded = new Date(minute + 2 * 3600_000 + 30_000).toISOString();
        const quiet = new Date(minute + 3 * 3600_000 + 30_000).toISOString();
        const label = (iso: string) => `${iso.slice(11, 16)} UTC`;
        for (const startTime of [crowded, crowded, crowded, quiet])
          expect(
            (
              await api(stack, 'POST', '/meetings', {
                teacherName: 'Ada',
                studentName: 'Ben',
                startTime,
                durationMinutes: 1,
              })
            ).status,
          ).toBe(201);

        const page = await browser.newPage({ viewport: { width: 1280, height: 900 } });
        const problems: string[] = [];
        page.on('console', (m) => m.type() === 'error' && problems.push(m.text()));
        await page.goto(`${small.url}/`);
        await Promise.all([
          page.waitForURL(/\/load$/),
          page.getByRole('link', { name: 'Load ahead' }).click(),
        ]);
        await expect(page.locator('h1').textContent()).resolves.toBe('Load ahead: launches per minute');
        const chart = page.getByRole('img', { name: /Launches per minute, next 6 hours/ });
        await expect(chart.getAttribute('data-capacity')).resolves.toBe('2');
        const bar = (iso: string) => page.locator(`svg.load-chart rect[data-minute="${label(iso)}"]`);
        await expect(bar(crowded).getAttribute('data-launches')).resolves.toBe('3');
        await expect(bar(crowded).getAttribute('class')).resolves.toBe('bar over');
        await expect(bar(quiet).getAttribute('class')).resolves.toBe('bar');
        // Red is not the only signal: the summary and the table say it in words. (Meetings of the tests running
        // beside this one launch within minutes, so the first crowded minute may be one of theirs.)
        await expect(page.locator('#load-summary').textContent()).resolves.toMatch(
          /\d+ minutes? (is|are) over capacity, the first at \d\d:\d\d UTC/,
        );
        await expect(
          page.locator(`table.load tr[data-minute="${label(crowded)}"]`).textContent(),
        ).resolves.toMatch(/3\s*2\s*1 over/);
        const fill = await bar(crowded).evaluate((el) => getComputedStyle(el).fill);
        expect(fill).toBe('rgb(185, 28, 28)');
        await page.screenshot({ path: join(SHOTS, 'load-ahead.png'), fullPage: true });
        // The default console uses AWS's published limits: 96 a minute, nothing over with these four.
        await page.goto(`${adminConsole.url}/load?hours=12`);
        await expect(page.locator('svg.load-chart').getAttribute('data-capacity')).resolves.toBe('96');
        await expect(
          page.locator(`svg.load-chart rect[data-minute="${label(crowded)}"]`).getAttribute('class'),
        ).resolves.toBe('bar');
        expect((await fetch(`${adminConsole.url}/load?hours=7`)).status).toBe(400);
        expect(problems).toEqual([]);
        await page.close();
      } finally {
        await small.close();
      }
    },
    120_000,
  );

  test.concurrent(
    'pages send a strict CSP and no-referrer, refuse foreign hosts and cross-site posts, and label every field',
    async () => {
      await setUp();
      const res = await fetch(`${adminConsole.url}/`);
      expect(res.headers.get('content-security-policy')).toMatch(
        /default-src 'none'; script-src 'self'; style-src 'self'/,
      );
      expect(res.headers.get('x-content-type-options')).toBe('nosniff');
      expect(res.headers.get('referrer-policy')).toBe('no-referrer');
      const notAnId = await fetch(`${adminConsole.url}/meetings/nope`);
      expect(notAnId.status).toBe(400);
      await expect(notAnId.text()).resolves.toContain('id is not a meeting id');
      expect((await fetch(`${adminConsole.url}/meetings/${crypto.randomUUID()}`)).status).toBe(404);
      expect((await fetch(`${adminConsole.url}/?status=BOGUS`)).status).toBe(400);

      const m = await book(stack, 600);
      const post = (headers: Record<string, string>, body: string) =>
        new Promise<number>((resolve, reject) => {
          const req = request(
            `${adminConsole.url}/meetings/${m.id}/cancel`,
            { method: 'POST', headers: { 'content-type': 'application/x-www-form-urlencoded', ...headers } },
            (r) => (r.resume(), resolve(r.statusCode!)),
          );
          req.on('error', reject);
          req.end(body);
        });
      expect(await post({ origin: 'https://evil.example' }, 'confirm=yes&csrf=x')).toBe(403);
      expect(await post({ 'sec-fetch-site': 'cross-site' }, 'confirm=yes&csrf=x')).toBe(403);
      expect(await post({}, 'confirm=yes&csrf=wrong')).toBe(403);
      expect(await post({ host: 'evil.example' }, 'confirm=yes')).toBe(421);
      expect(await meetingStatus(stack, m.id)).toBe('SCHEDULED');

      // Accessibility basics on each kind of page: one h1, no skipped heading level, every field labelled.
      for (const path of ['/', `/meetings/${m.id}`, '/state-machines', `/meetings/${m.id}/cancel`, '/load']) {
        const { page } = await open(path);
        const report = await page.evaluate(() => {
          const levels = Array.from(document.querySelectorAll('h1, h2, h3, h4')).map((h) =>
            Number(h.tagName[1]),
          );
          const skipped = levels.some((l, i) => i > 0 && l > levels[i - 1] + 1);
          const unlabelled = Array.from(
            document.querySelectorAll('input:not([type=hidden]), select, textarea'),
          )
            .filter((el) => (el as HTMLInputElement).labels?.length === 0)
            .map((el) => el.outerHTML);
          return {
            h1: levels.filter((l) => l === 1).length,
            skipped,
            unlabelled,
            lang: document.documentElement.lang,
          };
        });
        expect({ path, ...report }).toEqual({ path, h1: 1, skipped: false, unlabelled: [], lang: 'en' });
        await page.close();
      }
    },
    120_000,
  );
});
