import { ChangeResourceRecordSetsCommand } from '@aws-sdk/client-route-53';
import { checkHealth } from '../../functions/health-check/checkHealth';
import { awsError } from '../support/fakeAws';
import {
  dynamoWorld,
  fleetWorld,
  inputFor,
  scheduleMeeting,
  scriptRoom,
  taskHandlers,
} from '../support/world';
import { runLifecycle } from './run';
import type { LocalDynamo } from '../../local/dynamo';
import type { MeetingStore } from '../../functions/shared/store';

/** Each path of statemachine/meeting.asl.json, run by the local ASL engine with the real task logic. */
describe('meeting lifecycle paths', () => {
  let dynamo: LocalDynamo;
  let store: MeetingStore;

  beforeAll(async () => {
    ({ dynamo, store } = await dynamoWorld());
  });
  afterAll(() => dynamo.close());

  test('happy path: launch, healthy, people join and leave by the end, teardown at the end → COMPLETED', async () => {
    const { aws, deps } = fleetWorld(store, { pendingProbes: 1, participants: 2 });
    scriptRoom(deps, [2, 0]); // attendance: 2; at endAt: nobody
    const meeting = await scheduleMeeting(store);
    const run = await runLifecycle(inputFor(meeting), taskHandlers(deps));

    expect(run.succeeded).toBe(true);
    expect(
      run.entered.filter((s) => ['Launch', 'AttendanceCheck', 'OccupancyCheck', 'Teardown'].includes(s)),
    ).toEqual(['Launch', 'AttendanceCheck', 'OccupancyCheck', 'Teardown']);
    expect(run.entered.filter((s) => s === 'HealthCheck')).toHaveLength(2); // pending once, then healthy
    const record = await store.get(meeting.id);
    expect(record).toMatchObject({
      status: 'COMPLETED',
      participants: 2,
      statusReason: 'meeting ended',
      overrunMinutes: 0,
    });
    expect(record?.terminatedInstanceIds).toHaveLength(1);
    expect(aws.liveInstances()).toEqual([]);
    expect(aws.dns.size).toBe(0);
    // The teardown happened no earlier than the meeting's end.
    expect(Date.now()).toBeGreaterThanOrEqual(Date.parse(meeting.endAt));
    expect(Date.parse(record!.endedAt!)).toBeGreaterThanOrEqual(Date.parse(meeting.endAt));
  });

  test('no-show: nobody joined by the attendance check → teardown at once, NO_SHOW', async () => {
    const { aws, deps } = fleetWorld(store, { participants: 0 });
    const meeting = await scheduleMeeting(store, { launch: 20, attendance: 80, end: 60_000 });
    const started = Date.now();
    const run = await runLifecycle(inputFor(meeting), taskHandlers(deps));

    expect(run.succeeded).toBe(true);
    expect(run.entered).toContain('NoShow');
    expect(run.entered).not.toContain('WaitUntilEnd');
    expect(Date.now() - started).toBeLessThan(30_000); // did not wait for the end
    expect(await store.get(meeting.id)).toMatchObject({ status: 'NO_SHOW', participants: 0 });
    expect(aws.liveInstances()).toEqual([]);
  });

  test('launch failure: no capacity for any type → retried, then teardown, FAILED with the cause', async () => {
    const { aws, deps } = fleetWorld(store, { noCapacityFor: ['c6i.large', 'c5.large', 'm6i.large'] });
    const meeting = await scheduleMeeting(store);
    const run = await runLifecycle(inputFor(meeting), taskHandlers(deps));

    expect(run.succeeded).toBe(false);
    expect(run.error?.name).toBe('MeetingFailed');
    expect(run.failures.filter((s) => s === 'Launch')).toHaveLength(3); // first try + 2 NoCapacity retries
    expect(run.entered).toEqual(expect.arrayContaining(['LaunchFailed', 'Teardown', 'MeetingFailed']));
    const record = await store.get(meeting.id);
    expect(record?.status).toBe('FAILED');
    expect(record?.statusReason).toMatch(/no capacity/);
    expect(aws.liveInstances()).toEqual([]);
  });

  test('never healthy: Jitsi never answers → bounded probes, teardown, FAILED saying how long and why', async () => {
    const { aws, deps } = fleetWorld(store, { jitsiHealthy: false });
    const meeting = await scheduleMeeting(store);
    // The probes' clock moves 15 s per probe (the waits between them are shortened in these runs).
    let clock = Date.now();
    const run = await runLifecycle(inputFor(meeting), {
      ...taskHandlers(deps),
      HealthCheck: async (input) => {
        const out = await checkHealth(input, deps, () => new Date(clock));
        clock += 15_000;
        return out;
      },
    });

    expect(run.succeeded).toBe(false);
    expect(run.entered.filter((s) => s === 'HealthCheck')).toHaveLength(3); // healthMaxAttempts
    expect(run.entered).toContain('NeverHealthy');
    const record = await store.get(meeting.id);
    expect(record).toMatchObject({
      status: 'FAILED',
      statusReason:
        'not healthy after 30 s (3 probes); last probe: health endpoint unreachable: self-signed certificate',
    });
    // Three probes of one address, one DNS write.
    const upserts = aws.route53Mock
      .commandCalls(ChangeResourceRecordSetsCommand)
      .filter((c) => c.args[0].input.ChangeBatch?.Changes?.[0]?.Action === 'UPSERT');
    expect(upserts).toHaveLength(1);
    expect(record?.terminatedInstanceIds).toHaveLength(1);
    expect(aws.liveInstances()).toEqual([]);
  });

  test('bootstrap failed: the server powered off with a reason → teardown at once, FAILED with that reason', async () => {
    const reason = 'certificate: not valid for this host';
    const { aws, deps } = fleetWorld(store, { bootstrapFailure: reason });
    const meeting = await scheduleMeeting(store);
    const run = await runLifecycle(inputFor(meeting), taskHandlers(deps));

    expect(run.succeeded).toBe(false);
    expect(run.entered.filter((s) => s === 'HealthCheck')).toHaveLength(1); // not the whole budget
    expect(run.entered).toEqual(expect.arrayContaining(['HealthCheckFailed', 'Teardown', 'MeetingFailed']));
    expect(await store.get(meeting.id)).toMatchObject({
      status: 'FAILED',
      statusReason: `server bootstrap failed: ${reason}`,
    });
    expect(aws.liveInstances()).toEqual([]);
  });

  test('attendance unknown: room count unavailable → meeting kept, reason recorded, COMPLETED at the end', async () => {
    const { aws, deps } = fleetWorld(store, { participants: 'unavailable' });
    const meeting = await scheduleMeeting(store);
    const run = await runLifecycle(inputFor(meeting), taskHandlers(deps));

    expect(run.succeeded).toBe(true);
    expect(run.entered).toContain('OccupancyCheck');
    const record = await store.get(meeting.id);
    expect(record?.status).toBe('COMPLETED');
    expect(record?.attendanceNote).toMatch(/attendance unknown: room count unavailable: InvalidInstanceId/);
    expect(aws.liveInstances()).toEqual([]);
  });

  test('attendance task crashing outright still keeps the lesson until its end', async () => {
    const { deps } = fleetWorld(store);
    const handlers = taskHandlers(deps);
    const meeting = await scheduleMeeting(store);
    const run = await runLifecycle(inputFor(meeting), {
      ...handlers,
      AttendanceCheck: async () => {
        throw awsError('Lambda.ServiceException', 'lambda is down');
      },
    });

    expect(run.succeeded).toBe(true);
    expect(run.failures.filter((s) => s === 'AttendanceCheck')).toHaveLength(4); // 1 + 3 retries
    expect(run.entered).toEqual(
      expect.arrayContaining(['AttendanceUnknown', 'OccupancyCheck', 'MeetingEnded']),
    );
    expect((await store.get(meeting.id))?.status).toBe('COMPLETED');
  });

  test('transient Lambda errors are retried and the meeting goes on', async () => {
    const { deps } = fleetWorld(store);
    const handlers = taskHandlers(deps);
    let launchCalls = 0;
    const meeting = await scheduleMeeting(store);
    const run = await runLifecycle(inputFor(meeting), {
      ...handlers,
      Launch: async (input) => {
        if (++launchCalls <= 2) throw awsError('Lambda.TooManyRequestsException', 'rate exceeded');
        return handlers.Launch(input);
      },
    });
    expect(run.succeeded).toBe(true);
    expect(launchCalls).toBe(3);
    expect((await store.get(meeting.id))?.status).toBe('COMPLETED');
  });

  test('teardown retried: EC2 throttles twice, the third teardown succeeds', async () => {
    const { aws, deps } = fleetWorld(store);
    const meeting = await scheduleMeeting(store);
    let throttles = 2;
    const realTerminate = deps.fleet.terminate.bind(deps.fleet);
    deps.fleet.terminate = async (server) => {
      if (throttles-- > 0) throw awsError('RequestLimitExceeded', 'slow down');
      return realTerminate(server);
    };
    const run = await runLifecycle(inputFor(meeting), taskHandlers(deps));

    expect(run.succeeded).toBe(true);
    expect(run.failures.filter((s) => s === 'Teardown')).toHaveLength(2);
    expect((await store.get(meeting.id))?.status).toBe('COMPLETED');
    expect(aws.liveInstances()).toEqual([]);
  });

  test('teardown that never succeeds stops after its bounded retries (no endless loop)', async () => {
    const { deps } = fleetWorld(store);
    const handlers = taskHandlers(deps);
    let teardownCalls = 0;
    const meeting = await scheduleMeeting(store);
    const run = await runLifecycle(inputFor(meeting), {
      ...handlers,
      Teardown: async () => {
        teardownCalls++;
        throw awsError('Lambda.ServiceException', 'still broken');
      },
    });
    expect(run.succeeded).toBe(false);
    expect(run.error?.name).toBe('TeardownFailed');
    expect(teardownCalls).toBe(7); // first try + 6 retries
  });

  test('a 10,000-character cause reaches teardown: FAILED with the start of it, marked as shortened', async () => {
    const { aws, deps } = fleetWorld(store);
    const handlers = taskHandlers(deps);
    const meeting = await scheduleMeeting(store);
    const cause = `EC2 said no: ${'x'.repeat(10_000 - 13)}`;
    const run = await runLifecycle(inputFor(meeting), {
      ...handlers,
      Launch: async (input) => {
        await handlers.Launch(input); // a server is running when the task fails
        throw awsError('UnexpectedLaunchError', cause);
      },
    });
    expect(run.entered).toEqual(expect.arrayContaining(['LaunchFailed', 'Teardown', 'MeetingFailed']));
    expect(run.failures).not.toContain('Teardown'); // accepted the first time, not retried into TeardownFailed
    const record = await store.get(meeting.id);
    expect(record?.status).toBe('FAILED');
    expect(record?.statusReason?.length).toBeLessThanOrEqual(1000);
    expect(record?.statusReason).toMatch(/^EC2 said no: x+ … \(shortened from 10000 characters\)$/);
    expect(run.error).toEqual({ name: 'MeetingFailed', message: record?.statusReason });
    expect(aws.liveInstances()).toEqual([]);
  });

  test('a Lambda error JSON cause (stack trace and all) is recorded as its message', async () => {
    const { deps } = fleetWorld(store);
    const handlers = taskHandlers(deps);
    const meeting = await scheduleMeeting(store);
    const lambdaCause = JSON.stringify({
      errorType: 'InstanceLost',
      errorMessage: 'instance i-0abc is terminated',
      trace: Array.from({ length: 200 }, (_, i) => `    at frame${i} (/var/task/index.js:${i}:1)`),
    });
    const run = await runLifecycle(inputFor(meeting), {
      ...handlers,
      HealthCheck: async () => {
        throw awsError('InstanceLost', lambdaCause);
      },
    });
    expect(run.entered).toEqual(expect.arrayContaining(['HealthCheckFailed', 'Teardown', 'MeetingFailed']));
    expect(await store.get(meeting.id)).toMatchObject({
      status: 'FAILED',
      statusReason: 'instance i-0abc is terminated',
    });
  });

  test('a caught error without a Cause still ends in teardown (FAILED, reason from the error name)', async () => {
    const { aws, deps } = fleetWorld(store);
    const handlers = taskHandlers(deps);
    const meeting = await scheduleMeeting(store);
    const run = await runLifecycle(inputFor(meeting), {
      ...handlers,
      Launch: async (input) => {
        await handlers.Launch(input);
        // The engine copies error.message into Cause: no message, no Cause (as Step Functions does for some errors).
        throw { name: 'Lambda.Unknown' };
      },
    });
    expect(run.entered).toEqual(expect.arrayContaining(['LaunchFailed', 'Teardown', 'MeetingFailed']));
    expect(await store.get(meeting.id)).toMatchObject({ status: 'FAILED', statusReason: 'Lambda.Unknown' });
    expect(aws.liveInstances()).toEqual([]);
  });

  test('a teardown failure without a Cause still ends the execution as TeardownFailed', async () => {
    const { deps } = fleetWorld(store);
    const meeting = await scheduleMeeting(store);
    const run = await runLifecycle(inputFor(meeting), {
      ...taskHandlers(deps),
      Teardown: async () => {
        throw { name: 'Lambda.Unknown' };
      },
    });
    expect(run.error).toEqual({ name: 'TeardownFailed', message: '{"Error":"Lambda.Unknown"}' });
  });

  test('a task failing with an unexpected error is caught and ends in teardown', async () => {
    const { aws, deps } = fleetWorld(store);
    const handlers = taskHandlers(deps);
    const meeting = await scheduleMeeting(store);
    const run = await runLifecycle(inputFor(meeting), {
      ...handlers,
      HealthCheck: async () => {
        throw awsError('UnauthorizedOperation', 'not allowed to describe instances');
      },
    });
    expect(run.succeeded).toBe(false);
    expect(run.entered).toEqual(expect.arrayContaining(['HealthCheckFailed', 'Teardown', 'MeetingFailed']));
    const record = await store.get(meeting.id);
    expect(record).toMatchObject({ status: 'FAILED', statusReason: 'not allowed to describe instances' });
    expect(aws.liveInstances()).toEqual([]);
  });

  // Issue 22: a stop that came too late (or never) must not page the executions-failed alarm.
  test('an execution of an older revision ends quietly: its launch finds the meeting moved, nothing is torn down', async () => {
    const { aws, deps } = fleetWorld(store);
    const meeting = await scheduleMeeting(store);
    await store.reschedule(meeting.id, 0, {
      revision: 1,
      executionName: `${meeting.executionName}-r1`,
      status: 'SCHEDULED',
    });
    const run = await runLifecycle(inputFor(meeting), taskHandlers(deps));

    expect(run.succeeded).toBe(true);
    expect(run.entered).toEqual(
      expect.arrayContaining(['Launch', 'LaunchFailed', 'Teardown', 'MeetingDone']),
    );
    expect(run.entered).not.toContain('MeetingFailed');
    expect(await store.get(meeting.id)).toMatchObject({ status: 'SCHEDULED', revision: 1 });
    expect(aws.liveInstances()).toEqual([]);
  });

  test('an execution whose meeting does not exist ends quietly, with one teardown attempt', async () => {
    const { deps } = fleetWorld(store);
    const meeting = await scheduleMeeting(store);
    const gone = { ...inputFor(meeting), meetingId: crypto.randomUUID() };
    const run = await runLifecycle(gone, taskHandlers(deps));

    expect(run.succeeded).toBe(true);
    expect(run.entered.filter((s) => s === 'Teardown')).toHaveLength(1);
    expect(run.entered).not.toContain('TeardownFailed');
  });

  test('an execution whose meeting was cancelled before its stop arrived ends quietly; the meeting stays CANCELLED', async () => {
    const { deps } = fleetWorld(store);
    const meeting = await scheduleMeeting(store);
    await store.transition(meeting.id, 'CANCELLED', { statusReason: 'cancelled by request' });
    const run = await runLifecycle(inputFor(meeting), taskHandlers(deps));

    expect(run.succeeded).toBe(true);
    expect(run.entered).not.toContain('MeetingFailed');
    expect(await store.get(meeting.id)).toMatchObject({
      status: 'CANCELLED',
      statusReason: 'cancelled by request',
    });
  });
});
