import { DescribeExecutionCommand } from '@aws-sdk/client-sfn';
import type { LocalStack } from '../../local/stack';
import {
  api,
  book,
  expectNoStrayServers,
  history,
  inSeconds,
  meetingStatus,
  settled,
  sharedStack,
  until,
} from './harness';

/**
 * Cancel, reschedule and join links on the local stack, through its APIs only: the real engine stops the
 * executions (StopExecution runs no Catch) while the API cleans up after them.
 */
describe('local stack: cancelling and moving meetings', () => {
  let stack: LocalStack;
  const sharedSetUp = sharedStack();
  const setUp = async () => void (stack = await sharedSetUp());
  const executionStatus = async (executionArn: string) =>
    (await stack.sfn.send(new DescribeExecutionCommand({ executionArn }))).status;
  const joinPath = (link: string) => new URL(link).pathname;

  test.concurrent(
    'DELETE while the server runs: execution aborted, server stopped, CANCELLED; again is harmless',
    async () => {
      await setUp();
      const m = await book(stack, 3);
      await until('READY', async () => (await meetingStatus(stack, m.id)) === 'READY');
      expect(stack.fleet.serverOf(m.id)).toBeDefined();

      const cancelled = await api(stack, 'DELETE', `/meetings/${m.id}`);
      expect(cancelled).toMatchObject({ status: 200, body: { status: 'CANCELLED' } });
      expect(await executionStatus(m.executionArn)).toBe('ABORTED');
      expect((await history(stack, m.executionArn)).at(-1)).toMatchObject({
        type: 'ExecutionAborted',
        executionAbortedEventDetails: { error: 'MeetingCancelled' },
      });
      expect(stack.fleet.serverOf(m.id)).toBeUndefined();

      const again = await api(stack, 'DELETE', `/meetings/${m.id}`);
      expect(again).toMatchObject({ status: 200, body: { status: 'CANCELLED' } });
      const link = await api(stack, 'GET', joinPath(m.teacherLink));
      expect(link.body).toMatchObject({ role: 'teacher', status: 'CANCELLED', joinUrl: null });
    },
  );

  test.concurrent('DELETE before the launch: nothing is ever started', async () => {
    await setUp();
    const m = await book(stack, 3600);
    expect((await api(stack, 'DELETE', `/meetings/${m.id}`)).body.status).toBe('CANCELLED');
    expect(await executionStatus(m.executionArn)).toBe('ABORTED');
    const tasks = (await history(stack, m.executionArn)).filter((e) => e.type === 'TaskStateEntered');
    expect(tasks).toEqual([]);
    expect(stack.fleet.serverOf(m.id)).toBeUndefined();
  });

  test.concurrent(
    'PATCH a running meeting to a far time: server torn down, old execution aborted, a new one waits',
    async () => {
      await setUp();
      const m = await book(stack, 3);
      await until('READY', async () => (await meetingStatus(stack, m.id)) === 'READY');
      const moved = await api(stack, 'PATCH', `/meetings/${m.id}`, { startTime: inSeconds(7200) });
      expect(moved).toMatchObject({
        status: 200,
        body: { status: 'SCHEDULED', revision: 1, executionArn: `${m.executionArn}-r1` },
      });
      expect(await executionStatus(m.executionArn)).toBe('ABORTED');
      expect(await executionStatus(`${m.executionArn}-r1`)).toBe('RUNNING');
      expect(stack.fleet.serverOf(m.id)).toBeUndefined();
    },
  );

  test.concurrent(
    'PATCH a far meeting to soon: the new execution runs the whole lifecycle, the old one never launches',
    async () => {
      await setUp();
      const m = await book(stack, 3600);
      const moved = await api(stack, 'PATCH', `/meetings/${m.id}`, { startTime: inSeconds(3) });
      expect(moved.status).toBe(200);
      const newArn = moved.body.executionArn as string;
      expect(newArn).toBe(`${m.executionArn}-r1`);
      const ended = await settled(stack, newArn);
      expect(ended.status).toBe('SUCCEEDED');
      expect(await meetingStatus(stack, m.id)).toBe('NO_SHOW');
      const launches = (events: Awaited<ReturnType<typeof history>>) =>
        events.filter((e) => e.type === 'TaskStateEntered' && e.stateEnteredEventDetails?.name === 'Launch');
      expect(launches(await history(stack, newArn))).toHaveLength(1);
      expect(launches(await history(stack, m.executionArn))).toHaveLength(0);
      expect(stack.fleet.serverOf(m.id)).toBeUndefined();
    },
  );

  test.concurrent(
    'join links: the Jitsi URL appears once the server is READY; tokens never cross roles',
    async () => {
      await setUp();
      const m = await book(stack, 3);
      const before = await api(stack, 'GET', joinPath(m.teacherLink));
      expect(before.body).toMatchObject({ role: 'teacher', displayName: 'Ada', joinUrl: null });
      await until('READY', async () => (await meetingStatus(stack, m.id)) === 'READY');
      const student = await api(stack, 'GET', joinPath(m.studentLink));
      expect(student.body).toMatchObject({ role: 'student', displayName: 'Ben', status: 'READY' });
      expect(student.body.joinUrl).toBe(`${m.roomUrl}#userInfo.displayName=${encodeURIComponent('"Ben"')}`);
      const forged = joinPath(m.studentLink).replace(/.$/, (c) => (c === 'A' ? 'B' : 'A'));
      expect(await api(stack, 'GET', forged)).toEqual({
        status: 404,
        body: { error: 'NotFound', message: 'no such link' },
      });
      await api(stack, 'DELETE', `/meetings/${m.id}`);
    },
  );

  test('invariant: no server is left for a meeting that is not live', async () => {
    await setUp();
    await expectNoStrayServers(stack);
  });
});
