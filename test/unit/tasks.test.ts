import { checkAttendance } from '../../functions/attendance-check/checkAttendance';
import { checkHealth } from '../../functions/health-check/checkHealth';
import { launchMeeting } from '../../functions/launch/launchMeeting';
import { awsTaskDeps } from '../../functions/shared/awsTaskDeps';
import type { MeetingStore } from '../../functions/shared/store';
import { teardownMeeting } from '../../functions/teardown/teardownMeeting';
import type { LocalDynamo } from '../../local/dynamo';
import { dynamoWorld, fleetWorld, scheduleMeeting } from '../support/world';

describe('lifecycle tasks (real store on dynalite, EC2/SSM/Route 53 mocked)', () => {
  let dynamo: LocalDynamo;
  let store: MeetingStore;
  beforeAll(async () => ({ dynamo, store } = await dynamoWorld()));
  afterAll(() => dynamo.close());

  test('launch: moves SCHEDULED → LAUNCHING, records the instance; repeated launch starts no second one', async () => {
    const { aws, deps } = fleetWorld(store);
    const m = await scheduleMeeting(store);
    const first = await launchMeeting({ meetingId: m.id, revision: 0 }, deps);
    const again = await launchMeeting({ meetingId: m.id, revision: 0 }, deps);
    expect(again).toEqual(first);
    expect(aws.liveInstances()).toEqual([first.instanceId]);
    expect(await store.get(m.id)).toMatchObject({ status: 'LAUNCHING', instanceId: first.instanceId });
  });

  test('launch after a reschedule tore the server down starts a new, running server (not the terminated one)', async () => {
    const { aws, deps } = fleetWorld(store);
    const m = await scheduleMeeting(store);
    const old = await launchMeeting({ meetingId: m.id, revision: 0 }, deps);
    // What PATCH does when the new launch time is still ahead: new revision, back to SCHEDULED, teardown.
    await store.reschedule(m.id, 0, {
      revision: 1,
      executionName: `${m.executionName}-r1`,
      status: 'SCHEDULED',
    });
    await teardownMeeting(
      { meetingId: m.id, outcome: 'RESCHEDULED', reason: 'rescheduled', revision: 1 },
      deps,
    );
    expect(aws.liveInstances()).toEqual([]);

    const relaunched = await launchMeeting({ meetingId: m.id, revision: 1 }, deps);
    expect(relaunched.instanceId).not.toBe(old.instanceId);
    expect(aws.liveInstances()).toEqual([relaunched.instanceId]);
    const probe = { meetingId: m.id, instanceId: relaunched.instanceId, attempts: 0, revision: 1 };
    await expect(checkHealth(probe, deps)).resolves.toMatchObject({ healthy: true });
    expect(await store.get(m.id)).toMatchObject({ status: 'READY', instanceId: relaunched.instanceId });
  });

  test('launch of a closed meeting starts nothing (MeetingClosed)', async () => {
    const { aws, deps } = fleetWorld(store);
    const m = await scheduleMeeting(store);
    await store.transition(m.id, 'CANCELLED');
    await expect(launchMeeting({ meetingId: m.id, revision: 0 }, deps)).rejects.toMatchObject({
      name: 'MeetingClosed',
    });
    expect(aws.liveInstances()).toEqual([]);
  });

  test('bad task input is a typed error naming the field', async () => {
    const { deps } = fleetWorld(store);
    await expect(launchMeeting({}, deps)).rejects.toMatchObject({
      name: 'InvalidTaskInput',
      message: expect.stringMatching(/meetingId/),
    });
    await expect(checkHealth({ meetingId: 'x', instanceId: 'i-1' }, deps)).rejects.toMatchObject({
      name: 'InvalidTaskInput',
      message: expect.stringMatching(/attempts/),
    });
    await expect(
      teardownMeeting({ meetingId: 'x', outcome: 'MAYBE', reason: '' }, deps),
    ).rejects.toMatchObject({
      message: expect.stringMatching(/outcome/),
    });
    await expect(launchMeeting({ meetingId: 'nope', revision: 0 }, deps)).rejects.toMatchObject({
      name: 'MeetingNotFound',
    });
  });

  test('health-check: counts attempts, READY once healthy, never moves a meeting backwards', async () => {
    const { deps } = fleetWorld(store, { pendingProbes: 1 });
    const m = await scheduleMeeting(store);
    const { instanceId } = await launchMeeting({ meetingId: m.id, revision: 0 }, deps);
    expect(await checkHealth({ meetingId: m.id, instanceId, attempts: 0, revision: 0 }, deps)).toMatchObject({
      healthy: false,
      attempts: 1,
    });
    expect(await checkHealth({ meetingId: m.id, instanceId, attempts: 1, revision: 0 }, deps)).toMatchObject({
      healthy: true,
      attempts: 2,
    });
    expect((await store.get(m.id))?.status).toBe('READY');
    await store.transition(m.id, 'IN_PROGRESS');
    await checkHealth({ meetingId: m.id, instanceId, attempts: 2, revision: 0 }, deps); // a late, repeated probe
    expect((await store.get(m.id))?.status).toBe('IN_PROGRESS');
  });

  test('attendance: a known zero is ABSENT; people present → IN_PROGRESS with the count', async () => {
    for (const [participants, decision, status] of [
      [0, 'ABSENT', 'READY'],
      [1, 'PRESENT', 'IN_PROGRESS'], // a lone teacher: in the room, though not on the bridge yet
      [2, 'PRESENT', 'IN_PROGRESS'],
    ] as const) {
      const { deps } = fleetWorld(store, { participants });
      const m = await scheduleMeeting(store);
      const { instanceId } = await launchMeeting({ meetingId: m.id, revision: 0 }, deps);
      await checkHealth({ meetingId: m.id, instanceId, attempts: 0, revision: 0 }, deps);
      expect(await checkAttendance({ meetingId: m.id, instanceId, revision: 0 }, deps)).toMatchObject({
        decision,
        participants,
      });
      expect(await store.get(m.id)).toMatchObject({ status, participants });
    }
  });

  test('attendance run again after its no-show teardown stopped the server answers ABSENT again', async () => {
    const { aws, deps } = fleetWorld(store, { participants: 0 });
    const m = await scheduleMeeting(store);
    const { instanceId } = await launchMeeting({ meetingId: m.id, revision: 0 }, deps);
    await checkHealth({ meetingId: m.id, instanceId, attempts: 0, revision: 0 }, deps);
    const check = { meetingId: m.id, instanceId, revision: 0 };
    expect(await checkAttendance(check, deps)).toMatchObject({ decision: 'ABSENT' });
    const teardown = { meetingId: m.id, outcome: 'NO_SHOW', reason: 'nobody joined', revision: 0 };
    // Stopped mid-teardown (server terminated, outcome not recorded yet), and after it: the same decision.
    await deps.fleet.terminate({ meetingId: m.id, hostname: m.hostname });
    expect(aws.liveInstances()).toEqual([]);
    expect(await checkAttendance(check, deps)).toEqual({
      decision: 'ABSENT',
      participants: 0,
      reason: 'nobody joined',
    });
    await teardownMeeting(teardown, deps);
    expect(await checkAttendance(check, deps)).toMatchObject({ decision: 'ABSENT' });
    expect(await store.get(m.id)).toMatchObject({ status: 'NO_SHOW', participants: 0 });
  });

  test('attendance after a reschedule counts again: an earlier revision found empty decides nothing', async () => {
    const m = await scheduleMeeting(store);
    const empty = fleetWorld(store, { participants: 0 }).deps;
    const { instanceId } = await launchMeeting({ meetingId: m.id, revision: 0 }, empty);
    await checkHealth({ meetingId: m.id, instanceId, attempts: 0, revision: 0 }, empty);
    expect(await checkAttendance({ meetingId: m.id, instanceId, revision: 0 }, empty)).toMatchObject({
      decision: 'ABSENT',
    });
    // Rescheduled before the no-show teardown closed it (READY still allows it): the new time is a new lesson.
    await store.reschedule(m.id, 0, {
      revision: 1,
      executionName: `${m.executionName}-r1`,
      status: 'SCHEDULED',
    });
    const full = fleetWorld(store, { participants: 2 }).deps;
    const relaunched = await launchMeeting({ meetingId: m.id, revision: 1 }, full);
    await checkHealth({ meetingId: m.id, instanceId: relaunched.instanceId, attempts: 0, revision: 1 }, full);
    const check = { meetingId: m.id, instanceId: relaunched.instanceId, revision: 1 };
    expect(await checkAttendance(check, full)).toMatchObject({ decision: 'PRESENT', participants: 2 });
  });

  test('attendance unknown keeps the lesson and records why', async () => {
    const { deps } = fleetWorld(store, { participants: 'unavailable' });
    const m = await scheduleMeeting(store);
    const { instanceId } = await launchMeeting({ meetingId: m.id, revision: 0 }, deps);
    await checkHealth({ meetingId: m.id, instanceId, attempts: 0, revision: 0 }, deps);
    expect(await checkAttendance({ meetingId: m.id, instanceId, revision: 0 }, deps)).toMatchObject({
      decision: 'UNKNOWN',
    });
    const record = await store.get(m.id);
    expect(record?.status).toBe('IN_PROGRESS');
    expect(record?.attendanceNote).toMatch(/^attendance unknown: room count unavailable/);
  });

  test('teardown: terminates, records outcome and reason; again (instance already terminated) is harmless', async () => {
    const { aws, deps } = fleetWorld(store);
    const m = await scheduleMeeting(store);
    const { instanceId } = await launchMeeting({ meetingId: m.id, revision: 0 }, deps);
    const input = { meetingId: m.id, outcome: 'FAILED', reason: 'server never became healthy', revision: 0 };
    expect(await teardownMeeting(input, deps)).toEqual({
      status: 'FAILED',
      terminatedInstanceIds: [instanceId],
      reason: 'server never became healthy',
    });
    expect(await teardownMeeting(input, deps)).toEqual({
      status: 'FAILED',
      terminatedInstanceIds: [],
      reason: 'server never became healthy',
    });
    expect(aws.liveInstances()).toEqual([]);
    expect(await store.get(m.id)).toMatchObject({
      status: 'FAILED',
      statusReason: 'server never became healthy',
    });
  });

  test('teardown accepts a reason of any length and records its start, marked as shortened', async () => {
    const { aws, deps } = fleetWorld(store);
    const m = await scheduleMeeting(store);
    await launchMeeting({ meetingId: m.id, revision: 0 }, deps);
    const reason = `boom ${'y'.repeat(4995)}`;
    const out = await teardownMeeting({ meetingId: m.id, outcome: 'FAILED', reason, revision: 0 }, deps);
    expect(out.reason).toHaveLength(1000);
    expect(out.reason).toMatch(/^boom y+ … \(shortened from 5000 characters\)$/);
    expect(await store.get(m.id)).toMatchObject({ status: 'FAILED', statusReason: out.reason });
    expect(aws.liveInstances()).toEqual([]);
  });

  test('teardown takes the reason from a caught error: its Cause, the message of a Lambda error JSON, else its Error', async () => {
    const { deps } = fleetWorld(store);
    const cases: [unknown, string][] = [
      [
        { Error: 'NoCapacity', Cause: 'no capacity for any of: c6i.large' },
        'no capacity for any of: c6i.large',
      ],
      [
        {
          Error: 'InstanceLost',
          Cause: JSON.stringify({
            errorType: 'InstanceLost',
            errorMessage: 'i-1 is terminated',
            trace: ['at x'],
          }),
        },
        'i-1 is terminated',
      ],
      [{ Error: 'States.Timeout' }, 'States.Timeout'],
      [{ Error: 'States.Timeout', Cause: '' }, 'States.Timeout'],
      [{}, 'launch failed'],
    ];
    for (const [error, expected] of cases) {
      const m = await scheduleMeeting(store);
      const input = { meetingId: m.id, outcome: 'FAILED', reason: 'launch failed', error, revision: 0 };
      expect((await teardownMeeting(input, deps)).reason).toBe(expected);
      expect((await store.get(m.id))?.statusReason).toBe(expected);
    }
  });

  test('teardown keeps a final status that is already there (a cancelled meeting stays CANCELLED)', async () => {
    const { deps } = fleetWorld(store);
    const m = await scheduleMeeting(store);
    await launchMeeting({ meetingId: m.id, revision: 0 }, deps);
    await store.transition(m.id, 'CANCELLED');
    expect(
      await teardownMeeting(
        { meetingId: m.id, outcome: 'COMPLETED', reason: 'meeting ended', revision: 0 },
        deps,
      ),
    ).toMatchObject({
      status: 'CANCELLED',
    });
  });
});

describe('task configuration', () => {
  const env = {
    TABLE_NAME: 't',
    APP_TAG: 'meeting-scheduler',
    LAUNCH_TEMPLATE_ID: 'lt-1',
    INSTANCE_TYPES: 'c6i.large, c5.large',
    SUBNET_IDS: 'subnet-1',
    HOSTED_ZONE_ID: 'Z1',
    AWS_REGION: 'eu-west-1',
  };
  test('builds the AWS dependencies from a complete environment', () => {
    expect(awsTaskDeps(env).fleet).toBeDefined();
  });
  test.each(Object.keys(env).filter((k) => k !== 'AWS_REGION'))('fails fast naming a missing %s', (name) => {
    expect(() => awsTaskDeps({ ...env, [name]: undefined })).toThrow(
      new RegExp(`invalid configuration: ${name}`),
    );
  });
});
