import { sweep } from '../../functions/sweeper/sweep';
import type { LifecycleExecutions } from '../../functions/sweeper/reconcile';
import { executionArnFor } from '../../functions/shared/executions';
import { executionNameFor } from '../../functions/shared/meeting';
import { launchMeeting } from '../../functions/launch/launchMeeting';
import { instanceMinutes } from '../../functions/shared/metrics';
import { telemetry } from '../../functions/shared/observability';
import type { MeetingStore } from '../../functions/shared/store';
import { captureOutput, emfLines, logLines } from '../support/captureOutput';
import type { LocalDynamo } from '../../local/dynamo';
import { dynamoWorld, fleetWorld, scheduleMeeting } from '../support/world';
import { ChangeResourceRecordSetsCommand } from '@aws-sdk/client-route-53';
import { Ec2Fleet } from '../../functions/shared/ec2Fleet';
import { fakeAws, FLEET_CONFIG } from '../support/fakeAws';

describe('sweeper', () => {
  let dynamo: LocalDynamo;
  let store: MeetingStore;
  beforeAll(async () => ({ dynamo, store } = await dynamoWorld()));
  afterAll(() => dynamo.close());

  const HOUR = 3600_000;
  const options = (now = new Date()) => ({ now, maxLifetimeMs: 12 * HOUR, graceMs: 15 * 60_000 });

  test('terminates servers of unknown, cancelled, ended and over-age meetings; keeps live ones; logs and counts each', async () => {
    const { aws, deps: fleetDeps } = fleetWorld(store);
    const deps = { ...fleetDeps, telemetry: telemetry('sweeper', { env: { LOG_LEVEL: 'INFO' } }) };
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
        roomName: 'ffffffffffffffffffffffffffffffff',
        revision: 0,
      })
    ).instanceId;
    await store.transition(cancelled.id, 'CANCELLED');
    await new Promise((r) => setTimeout(r, 5));

    const sweptAt = new Date(Date.now() + 16 * 60_000);
    const { result: swept, lines } = await captureOutput(() => sweep(deps, { ...options(sweptAt) }));
    // About 16 (launched just before): exactly what the sweeper computes from the record's launchedAt.
    const minutesOf = async (id: string) => instanceMinutes((await store.get(id))!.launchedAt!, sweptAt);
    const [endedMinutes, cancelledMinutes] = [await minutesOf(ended.id), await minutesOf(cancelled.id)];
    expect(endedMinutes).toBeCloseTo(16, 0);

    expect(Object.fromEntries(swept.map((s) => [s.instanceId, s.reason]))).toEqual({
      [ids[cancelled.id]]: 'meeting CANCELLED',
      [ids[ended.id]]: 'meeting ended',
      [orphan]: 'meeting unknown',
    });
    // One WARN line per server, with its meeting's keys where the server names a meeting.
    const sweptLines = logLines(lines).filter((l) => l.message === 'swept server');
    expect(sweptLines.map((l) => [l.level, l.instanceId, l.meetingId])).toEqual(
      expect.arrayContaining([
        ['WARN', ids[cancelled.id], cancelled.id],
        ['WARN', ids[ended.id], ended.id],
        ['WARN', orphan, '99999999-9999-4999-8999-999999999999'],
      ]),
    );
    expect(sweptLines).toHaveLength(3);
    expect(sweptLines.find((l) => l.meetingId === ended.id)).toMatchObject({
      component: 'sweeper',
      revision: 0,
      executionName: ended.executionName,
    });
    // ServersSwept once per run with the count; the meeting it closed counted as FAILED (Swept).
    const metrics = emfLines(lines).map((l) => {
      const { _aws, ...rest } = l;
      return { name: _aws.CloudWatchMetrics[0].Metrics[0].Name, ...rest };
    });
    expect(metrics).toEqual(
      expect.arrayContaining([
        expect.objectContaining({ name: 'ServersSwept', ServersSwept: 3 }),
        expect.objectContaining({ name: 'MeetingOutcome', Outcome: 'FAILED', meetingId: ended.id }),
        expect.objectContaining({ name: 'MeetingsFailed', ReasonClass: 'Swept', meetingId: ended.id }),
        // No teardown counted these servers: the sweeper that stopped them does.
        expect.objectContaining({
          name: 'InstanceMinutes',
          InstanceMinutes: endedMinutes,
          meetingId: ended.id,
        }),
        expect.objectContaining({
          name: 'InstanceMinutes',
          InstanceMinutes: cancelledMinutes,
          meetingId: cancelled.id,
        }),
      ]),
    );
    expect(metrics).toHaveLength(5);
    expect(aws.liveInstances()).toEqual([ids[live.id]]);
    expect(await store.get(ended.id)).toMatchObject({
      status: 'FAILED',
      statusReason: 'swept: meeting ended',
      instanceMinutes: endedMinutes,
      terminatedAt: sweptAt.toISOString(),
    });
    expect(await store.get(cancelled.id)).toMatchObject({
      status: 'CANCELLED',
      instanceMinutes: cancelledMinutes,
    });
    expect((await store.get(live.id))?.instanceMinutes).toBeUndefined();
  });

  test('a lesson extended past its end keeps its server until the extension (plus grace) is over', async () => {
    const { aws, deps } = fleetWorld(store);
    const m = await scheduleMeeting(store, { launch: 0, attendance: 1, end: 2 });
    const { instanceId } = await launchMeeting({ meetingId: m.id, revision: 0 }, deps);
    await store.update(m.id, { extendedUntil: new Date(Date.parse(m.endAt) + 30 * 60_000).toISOString() });
    const log = jest.spyOn(console, 'log').mockImplementation(() => undefined);
    expect(await sweep(deps, options(new Date(Date.now() + 40 * 60_000)))).toEqual([]);
    const swept = await sweep(deps, options(new Date(Date.now() + 46 * 60_000)));
    log.mockRestore();
    expect(swept).toEqual([{ instanceId, meetingId: m.id, reason: 'meeting ended' }]);
    expect(aws.liveInstances()).toEqual([]);
  });

  test('a lesson past its end is kept for the maximum overrun: a failing room check keeps it that long unrecorded', async () => {
    const { aws, deps } = fleetWorld(store);
    const m = await scheduleMeeting(store, { launch: 0, attendance: 1, end: 2 });
    await launchMeeting({ meetingId: m.id, revision: 0 }, deps);
    const log = jest.spyOn(console, 'log').mockImplementation(() => undefined);
    const at = (minutes: number) => ({
      ...options(new Date(Date.now() + minutes * 60_000)),
      maxOverrunMs: 60 * 60_000,
    });
    expect(await sweep(deps, at(70))).toEqual([]);
    expect((await sweep(deps, at(76))).map((s) => s.reason)).toEqual(['meeting ended']);
    log.mockRestore();
    expect(aws.liveInstances()).toEqual([]);
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

describe('sweeper: meetings whose lifecycle ended', () => {
  let dynamo: LocalDynamo;
  let store: MeetingStore;
  beforeEach(async () => ({ dynamo, store } = await dynamoWorld())); // a fresh table: every open meeting is this test's
  afterEach(() => dynamo.close());

  const HOUR = 3600_000;
  const arnOf = (executionName: string) => `arn:aws:states:us-east-1:1:execution:m:${executionName}`;

  test('a meeting stuck LAUNCHING with an ended execution is closed FAILED, its server and DNS record removed', async () => {
    const { aws, deps } = fleetWorld(store);
    const m = await scheduleMeeting(store, { launch: 0, attendance: HOUR, end: 2 * HOUR });
    await store.update(m.id, { executionArn: arnOf(m.executionName) });
    await launchMeeting({ meetingId: m.id, revision: 0 }, deps);
    // The teardown failed before it got to EC2, and the instance went away on its own (its shutdown timer):
    // no server is left for the server walk to find, only the DNS record and the open meeting.
    aws.dns.set(m.hostname, '203.0.113.10');
    for (const i of aws.instances.values()) i.State = { Name: 'terminated' };

    const log = jest.spyOn(console, 'log').mockImplementation(() => undefined);
    const swept = await sweep(deps, {
      now: new Date(),
      maxLifetimeMs: 12 * HOUR,
      graceMs: 15 * 60_000,
      executionStatus: async () => 'FAILED',
    });
    log.mockRestore();

    expect(swept).toEqual([
      { meetingId: m.id, reason: 'lifecycle ended (FAILED) while LAUNCHING', terminatedInstanceIds: [] },
    ]);
    expect(await store.get(m.id)).toMatchObject({
      status: 'FAILED',
      statusReason: 'swept: lifecycle ended (FAILED) while LAUNCHING',
    });
    expect(aws.dns.has(m.hostname)).toBe(false);
  });

  test('asks only about open meetings whose launch time has passed, and leaves running lifecycles alone', async () => {
    const { deps } = fleetWorld(store);
    const future = await scheduleMeeting(store, { launch: 24 * HOUR, attendance: 25 * HOUR, end: 26 * HOUR });
    const due = await scheduleMeeting(store, { launch: -60_000, attendance: HOUR, end: 2 * HOUR });
    const ready = await scheduleMeeting(store, { launch: -60_000, attendance: HOUR, end: 2 * HOUR });
    const running = await scheduleMeeting(store, { launch: -60_000, attendance: HOUR, end: 2 * HOUR });
    for (const m of [future, due, ready, running])
      await store.update(m.id, { executionArn: arnOf(m.executionName) });
    await store.transition(ready.id, 'LAUNCHING');
    await store.transition(ready.id, 'READY');
    await store.transition(running.id, 'LAUNCHING');
    const statuses: Record<string, string> = {
      [arnOf(future.executionName)]: 'ABORTED',
      [arnOf(due.executionName)]: 'TIMED_OUT',
      [arnOf(ready.executionName)]: 'SUCCEEDED',
      [arnOf(running.executionName)]: 'RUNNING',
    };
    const asked: string[] = [];

    jest.spyOn(console, 'log').mockImplementation(() => undefined);
    const swept = await sweep(deps, {
      now: new Date(),
      maxLifetimeMs: 12 * HOUR,
      graceMs: 15 * 60_000,
      executionStatus: async (arn) => {
        asked.push(arn);
        return statuses[arn];
      },
    });
    jest.restoreAllMocks();

    expect(asked).not.toContain(arnOf(future.executionName));
    expect(new Set(asked).size).toBe(asked.length); // one DescribeExecution per execution
    expect(Object.fromEntries(swept.map((s) => [s.meetingId, s.reason]))).toEqual({
      [due.id]: 'lifecycle ended (TIMED_OUT) while SCHEDULED',
      [ready.id]: 'lifecycle ended (SUCCEEDED) while READY',
    });
    expect((await store.get(future.id))?.status).toBe('SCHEDULED');
    expect((await store.get(running.id))?.status).toBe('LAUNCHING');
  });

  test('a meeting rescheduled between the read and the close keeps its new revision', async () => {
    const { deps } = fleetWorld(store);
    const m = await scheduleMeeting(store, { launch: -60_000, attendance: HOUR, end: 2 * HOUR });
    await store.update(m.id, { executionArn: arnOf(m.executionName) });
    await store.transition(m.id, 'LAUNCHING');
    const swept = await sweep(deps, {
      now: new Date(),
      maxLifetimeMs: 12 * HOUR,
      graceMs: 15 * 60_000,
      // PATCH moves the meeting to revision 1 and stops the old execution while the sweeper asks about it.
      executionStatus: async () => {
        await store.reschedule(m.id, 0, {
          revision: 1,
          executionName: `${m.executionName}-r1`,
          status: 'SCHEDULED',
        });
        return 'ABORTED';
      },
    });
    expect(swept).toEqual([]);
    expect(await store.get(m.id)).toMatchObject({ status: 'SCHEDULED', revision: 1 });
  });

  test('leftover meeting DNS records: closed, not-launched and unknown meetings’ go in batches of ≤ 1,000; a live meeting’s and foreign names stay', async () => {
    const aws = fakeAws();
    const deps = {
      store,
      fleet: new Ec2Fleet({ ...FLEET_CONFIG, jitsiDomain: 'meet.example.test' }, aws.clients),
    };
    const closed = await scheduleMeeting(store);
    await store.transition(closed.id, 'CANCELLED');
    const scheduled = await scheduleMeeting(store); // rescheduled: its old server is gone, no new one yet
    const live = await scheduleMeeting(store);
    await store.transition(live.id, 'LAUNCHING');
    await store.transition(live.id, 'READY');
    aws.dns.set(closed.hostname, '203.0.113.1');
    aws.dns.set(scheduled.hostname, '203.0.113.2');
    aws.dns.set(live.hostname, '203.0.113.3');
    // 1,200 records of meetings this table does not know (expired records), and names that are not meetings'.
    for (let n = 0; n < 1200; n++)
      aws.dns.set(
        `${n.toString(16).padStart(8, '0')}-1111-4111-8111-111111111111.meet.example.test`,
        '198.51.100.1',
      );
    aws.dns.set('turn.meet.example.test', '198.51.100.2');
    aws.dns.set('meet.example.test', '198.51.100.3');
    jest.spyOn(console, 'log').mockImplementation(() => undefined);
    const now = new Date();
    expect(await sweep(deps, { now, maxLifetimeMs: 12 * 3600_000, graceMs: 15 * 60_000 })).toEqual([]);
    jest.restoreAllMocks();
    expect([...aws.dns.keys()].sort()).toEqual(
      [live.hostname, 'meet.example.test', 'turn.meet.example.test'].sort(),
    );
    const batches = aws.route53Mock
      .commandCalls(ChangeResourceRecordSetsCommand)
      .map((c) => c.args[0].input.ChangeBatch?.Changes?.length);
    expect(batches).toEqual([1000, 202]);
  });

  // Issue 22, as the AWS sweeper runs it: no restart (it does not know the lifecycle's timings).
  test('reconcile on AWS: stops executions of missing, superseded and cancelled meetings; closes a meeting whose execution is missing', async () => {
    const { deps } = fleetWorld(store);
    const sm = 'arn:aws:states:us-east-1:123456789012:stateMachine:meeting-lifecycle';
    const arnOf = (name: string) => executionArnFor(sm, name);
    const moved = await scheduleMeeting(store);
    await store.reschedule(moved.id, 0, {
      revision: 1,
      executionName: executionNameFor(moved.id, 1),
      status: 'SCHEDULED',
    });
    const cancelled = await scheduleMeeting(store);
    await store.transition(cancelled.id, 'CANCELLED');
    const lost = await scheduleMeeting(store); // its execution is nowhere
    const gone = '99999999-9999-4999-8999-999999999999';
    const running = [
      executionNameFor(moved.id, 0),
      executionNameFor(moved.id, 1),
      executionNameFor(cancelled.id),
      executionNameFor(gone),
      'someone-elses-execution',
    ].map((name) => ({ name, executionArn: arnOf(name) }));
    const stopped: string[] = [];
    const executions: LifecycleExecutions = {
      stateMachineArn: sm,
      listRunning: async () => running,
      status: async (arn) => (arn === arnOf(lost.executionName) ? 'MISSING' : 'RUNNING'),
      stop: async (arn) => void stopped.push(arn),
    };
    jest.spyOn(console, 'log').mockImplementation(() => undefined);
    const later = new Date(Date.now() + 16 * 60_000); // past the grace of the meetings' last write
    const swept = await sweep(deps, {
      now: later,
      maxLifetimeMs: 12 * 3600_000,
      graceMs: 15 * 60_000,
      executions,
    });
    jest.restoreAllMocks();

    expect(stopped.sort()).toEqual(
      [executionNameFor(moved.id, 0), executionNameFor(cancelled.id), executionNameFor(gone)]
        .map(arnOf)
        .sort(),
    );
    const reason = `lifecycle execution ${lost.executionName} missing while SCHEDULED`;
    expect(swept).toEqual(
      expect.arrayContaining([
        {
          meetingId: moved.id,
          reason: 'execution stopped: superseded by revision 1',
          executionArn: arnOf(executionNameFor(moved.id, 0)),
        },
        {
          meetingId: cancelled.id,
          reason: 'execution stopped: meeting cancelled',
          executionArn: arnOf(cancelled.executionName),
        },
        {
          meetingId: gone,
          reason: 'execution stopped: meeting does not exist',
          executionArn: arnOf(executionNameFor(gone)),
        },
        { meetingId: lost.id, reason, terminatedInstanceIds: [] },
      ]),
    );
    expect(await store.get(lost.id)).toMatchObject({ status: 'FAILED', statusReason: `swept: ${reason}` });
    expect(await store.get(moved.id)).toMatchObject({ status: 'SCHEDULED', revision: 1 });
  });
});
