import { sweep } from '../../functions/sweeper/sweep';
import { launchMeeting } from '../../functions/launch/launchMeeting';
import type { MeetingStore } from '../../functions/shared/store';
import type { LocalDynamo } from '../../local/dynamo';
import { dynamoWorld, fleetWorld, scheduleMeeting } from '../support/world';

describe('sweeper', () => {
  let dynamo: LocalDynamo;
  let store: MeetingStore;
  beforeAll(async () => ({ dynamo, store } = await dynamoWorld()));
  afterAll(() => dynamo.close());

  const HOUR = 3600_000;
  const options = (now = new Date()) => ({ now, maxLifetimeMs: 12 * HOUR, graceMs: 15 * 60_000 });

  test('terminates servers of unknown, cancelled, ended and over-age meetings; keeps live ones; logs each', async () => {
    const { aws, deps } = fleetWorld(store);
    const live = await scheduleMeeting(store, { launch: 0, attendance: HOUR, end: 2 * HOUR });
    const cancelled = await scheduleMeeting(store, { launch: 0, attendance: HOUR, end: 2 * HOUR });
    const ended = await scheduleMeeting(store, { launch: 0, attendance: 1, end: 2 });
    const ids: Record<string, string> = {};
    for (const m of [live, cancelled, ended])
      ids[m.id] = (await launchMeeting({ meetingId: m.id, revision: 0 }, deps)).instanceId;
    // A server whose meeting record does not exist (say, deleted by hand).
    const orphan = (
      await deps.fleet.launch({
        meetingId: '99999999-9999-4999-8999-999999999999',
        hostname: 'x.meet.example.test',
        revision: 0,
      })
    ).instanceId;
    await store.transition(cancelled.id, 'CANCELLED');
    await new Promise((r) => setTimeout(r, 5));

    const log = jest.spyOn(console, 'log').mockImplementation(() => undefined);
    const swept = await sweep(deps, { ...options(new Date(Date.now() + 16 * 60_000)) });

    expect(Object.fromEntries(swept.map((s) => [s.instanceId, s.reason]))).toEqual({
      [ids[cancelled.id]]: 'meeting CANCELLED',
      [ids[ended.id]]: 'meeting ended',
      [orphan]: 'meeting unknown',
    });
    expect(log).toHaveBeenCalledTimes(3);
    expect(JSON.parse(log.mock.calls[0][0] as string)).toMatchObject({ msg: 'swept server' });
    log.mockRestore();
    expect(aws.liveInstances()).toEqual([ids[live.id]]);
    expect(await store.get(ended.id)).toMatchObject({
      status: 'FAILED',
      statusReason: 'swept: meeting ended',
    });
    expect((await store.get(cancelled.id))?.status).toBe('CANCELLED');
  });

  test('a server older than the maximum lifetime goes, whatever its meeting says', async () => {
    const { aws, deps } = fleetWorld(store);
    const m = await scheduleMeeting(store, { launch: 0, attendance: HOUR, end: 48 * HOUR });
    await launchMeeting({ meetingId: m.id, revision: 0 }, deps);
    jest.spyOn(console, 'log').mockImplementation(() => undefined);
    const swept = await sweep(deps, options(new Date(Date.now() + 13 * HOUR)));
    jest.restoreAllMocks();
    expect(swept.map((s) => s.reason)).toEqual(['outlived the maximum lifetime']);
    expect(aws.liveInstances()).toEqual([]);
  });

  test('a live meeting whose execution is over (teardown never ran) is reconciled: server gone, FAILED', async () => {
    const { aws, deps } = fleetWorld(store);
    const m = await scheduleMeeting(store, { launch: 0, attendance: HOUR, end: 2 * HOUR });
    await store.update(m.id, { executionArn: `arn:aws:states:us-east-1:1:execution:m:${m.executionName}` });
    await launchMeeting({ meetingId: m.id, revision: 0 }, deps);
    jest.spyOn(console, 'log').mockImplementation(() => undefined);
    const swept = await sweep(deps, { ...options(), executionStatus: async () => 'FAILED' });
    jest.restoreAllMocks();
    expect(swept.map((s) => s.reason)).toEqual(['execution FAILED without teardown']);
    expect(aws.liveInstances()).toEqual([]);
    expect(await store.get(m.id)).toMatchObject({
      status: 'FAILED',
      statusReason: 'swept: execution FAILED without teardown',
    });
    // Still running executions are left alone.
    const again = await sweep(deps, { ...options(), executionStatus: async () => 'RUNNING' });
    expect(again).toEqual([]);
  });

  test('mid-reschedule (the record still names the old, stopped execution) the server is kept', async () => {
    const { aws, deps } = fleetWorld(store);
    const m = await scheduleMeeting(store, { launch: 0, attendance: HOUR, end: 2 * HOUR });
    const { instanceId } = await launchMeeting({ meetingId: m.id, revision: 0 }, deps);
    // PATCH has written revision 1 and its execution name, and stopped revision 0's execution, but has not
    // yet recorded the new execution's ARN.
    await store.update(m.id, {
      executionArn: `arn:aws:states:us-east-1:1:execution:m:${m.executionName}`,
      executionName: `${m.executionName}-r1`,
    });
    const swept = await sweep(deps, { ...options(), executionStatus: async () => 'ABORTED' });
    expect(swept).toEqual([]);
    expect(aws.liveInstances()).toEqual([instanceId]);
    expect((await store.get(m.id))?.status).toBe('LAUNCHING');
  });
});
