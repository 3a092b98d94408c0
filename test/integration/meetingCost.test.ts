import type { HistoryEvent } from '@aws-sdk/client-sfn';
import { instanceMinutes } from '../../functions/shared/metrics';
import { api, book, history, inSeconds, meetingStatus, settled, sharedStack, until } from './harness';

/**
 * The cost on the record (issue 14), through the local stack's own APIs: after a whole lifecycle the meeting
 * holds its server's launch, termination and instance-minutes, GET /meetings/{id} shows them, and the
 * execution's state transitions match the README's count.
 */
describe('local stack: what a meeting cost', () => {
  const stack = sharedStack();
  const record = async (id: string) => (await api(await stack(), 'GET', `/meetings/${id}`)).body;

  /** Someone in the room: the stand-in server's own join endpoint, as its room page calls it. */
  const joinDirectly = async (meetingId: string) => {
    const s = await stack();
    await until('READY', async () => (await meetingStatus(s, meetingId)) === 'READY');
    const server = s.fleet.serverOf(meetingId)!;
    const { roomName } = (await s.store.get(meetingId))!;
    const at = (action: string) =>
      fetch(`http://127.0.0.1:${server.port}/${roomName}/${action}`, { method: 'POST', body: 'ben' });
    expect((await at('join')).status).toBe(204);
    return { leave: async () => void (await at('leave')) };
  };

  /** States entered, by name: each is one billed state transition of a Standard workflow. */
  const entered = (events: HistoryEvent[]) =>
    events.flatMap((e) => (e.stateEnteredEventDetails?.name ? [e.stateEnteredEventDetails.name] : []));

  test.concurrent(
    'a lesson everyone leaves early: launchedAt, terminatedAt and instance-minutes on the record and in GET, 3k + 3m + 11 transitions',
    async () => {
      const s = await stack();
      const m = await book(s, 4);
      const person = await joinDirectly(m.id);
      await until('IN_PROGRESS', async () => (await meetingStatus(s, m.id)) === 'IN_PROGRESS');
      await person.leave();
      const ended = await settled(s, m.executionArn, 200_000);
      expect(ended.status).toBe('SUCCEEDED');

      const stored = (await s.store.get(m.id))!;
      expect(stored).toMatchObject({ status: 'COMPLETED', statusReason: 'everyone left' });
      const { launchedAt, terminatedAt } = stored;
      expect(launchedAt).toEqual(expect.any(String));
      expect(terminatedAt).toEqual(expect.any(String));
      expect(Date.parse(terminatedAt!)).toBeGreaterThan(Date.parse(launchedAt!));
      // The server was torn down when the meeting ended; one server, so its minutes are the meeting's.
      expect(terminatedAt).toBe(stored.endedAt);
      expect(stored.instanceMinutes).toBe(instanceMinutes(launchedAt!, terminatedAt!));
      expect(await record(m.id)).toMatchObject({
        launchedAt,
        terminatedAt,
        instanceMinutes: stored.instanceMinutes,
      });

      // The README's cost section: k health probes, m room checks → 3k + 3m + 11 states entered
      // (HasFirstProbeDelay is the one added by issue 20; the input here sets no first-probe delay).
      const names = entered(await history(s, m.executionArn));
      const k = names.filter((n) => n === 'HealthCheck').length;
      const rooms = names.filter((n) => n === 'OccupancyCheck').length;
      expect(k).toBeGreaterThanOrEqual(1);
      expect(rooms).toBeGreaterThanOrEqual(2); // two empty checks in a row end it
      expect(names).toHaveLength(3 * k + 3 * rooms + 11);
    },
    200_000,
  );

  test.concurrent(
    'a meeting moved after its server came up counts both servers: the stopped one and the one of its new time',
    async () => {
      const s = await stack();
      const m = await book(s, 4);
      await until('READY', async () => (await meetingStatus(s, m.id)) === 'READY');
      const firstLaunch = (await s.store.get(m.id))!.launchedAt!;
      const moved = await api(s, 'PATCH', `/meetings/${m.id}`, { startTime: inSeconds(6) });
      expect(moved).toMatchObject({ status: 200, body: { status: 'SCHEDULED', revision: 1 } });
      // The reschedule's teardown stopped the first server and counted it (under a minute bills as one).
      const afterMove = (await s.store.get(m.id))!;
      expect(afterMove).toMatchObject({ launchedAt: firstLaunch, instanceMinutes: 1 });
      expect(moved.body).toMatchObject({ terminatedAt: afterMove.terminatedAt, instanceMinutes: 1 });

      const newArn = moved.body.executionArn as string;
      const ended = await settled(s, newArn, 200_000);
      expect(ended.status).toBe('SUCCEEDED');
      const final = (await s.store.get(m.id))!;
      expect(final.status).toBe('NO_SHOW');
      // launchedAt and terminatedAt are the second server's; the minutes are both servers'.
      expect(Date.parse(final.launchedAt!)).toBeGreaterThan(Date.parse(afterMove.terminatedAt!));
      expect(final.instanceMinutes).toBeCloseTo(
        1 + instanceMinutes(final.launchedAt!, final.terminatedAt!),
        6,
      );
      expect(await record(m.id)).toMatchObject({
        launchedAt: final.launchedAt,
        terminatedAt: final.terminatedAt,
        instanceMinutes: final.instanceMinutes,
      });
      expect(s.fleet.serverOf(m.id)).toBeUndefined();
    },
    200_000,
  );
});
