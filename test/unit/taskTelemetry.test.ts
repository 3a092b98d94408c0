import { Logger } from '@aws-lambda-powertools/logger';
import { runRoomCheck } from '../../functions/attendance-check/runRoomCheck';
import { certificateLog } from '../../functions/certificate/log';
import { checkHealth } from '../../functions/health-check/checkHealth';
import { launchMeeting } from '../../functions/launch/launchMeeting';
import { executionNameFor } from '../../functions/shared/meeting';
import { telemetry } from '../../functions/shared/observability';
import type { MeetingStore } from '../../functions/shared/store';
import type { TaskDeps } from '../../functions/shared/taskDeps';
import { teardownMeeting } from '../../functions/teardown/teardownMeeting';
import type { LocalDynamo } from '../../local/dynamo';
import { captureOutput, emfLines, logLines, type EmfLine } from '../support/captureOutput';
import { dynamoWorld, fleetWorld, inputFor, scheduleMeeting, scriptRoom } from '../support/world';

const metricNames = (lines: EmfLine[]) => lines.map((l) => l._aws.CloudWatchMetrics[0].Metrics[0].Name);
/** name → [dimension keys, the metric's value, its dimension values] of each EMF line, in order. */
const metricsOf = (lines: string[]) =>
  emfLines(lines).map((l) => {
    const [{ Dimensions, Metrics }] = l._aws.CloudWatchMetrics;
    const keys = Dimensions[0];
    return {
      name: Metrics[0].Name,
      unit: Metrics[0].Unit,
      value: l[Metrics[0].Name],
      dimensions: Object.fromEntries(keys.map((k) => [k, l[k]])),
      meetingId: l.meetingId,
    };
  });
const MINUTE = 60_000;

describe('task logs and metrics (real store on dynalite, EC2 mocked, stdout captured)', () => {
  let dynamo: LocalDynamo;
  let store: MeetingStore;
  beforeAll(async () => ({ dynamo, store } = await dynamoWorld()));
  afterAll(() => dynamo.close());

  const world = (component: string) => {
    const { aws, deps } = fleetWorld(store);
    return { aws, deps: { ...deps, telemetry: telemetry(component, { env: { LOG_LEVEL: 'DEBUG' } }) } };
  };

  test('launch logs with the meeting’s id, revision and execution name, records launchedAt, counts one ServersLaunched', async () => {
    const { deps } = world('launch');
    const m = await scheduleMeeting(store);
    const at = new Date('2026-03-01T09:50:00.000Z');
    const { result, lines } = await captureOutput(() =>
      launchMeeting({ meetingId: m.id, revision: 0 }, deps, () => at),
    );
    const [line] = logLines(lines).filter((l) => l.message === 'server launched');
    expect(line).toMatchObject({
      level: 'INFO',
      component: 'launch',
      meetingId: m.id,
      revision: 0,
      executionName: m.executionName,
      instanceId: result.instanceId,
    });
    const emf = emfLines(lines);
    expect(metricNames(emf)).toEqual(['ServersLaunched']);
    expect(emf[0]).toMatchObject({
      _aws: { CloudWatchMetrics: [{ Namespace: 'MeetingScheduler', Dimensions: [['service']] }] },
      service: 'meeting-scheduler',
      ServersLaunched: 1,
      meetingId: m.id,
    });
    expect(await store.get(m.id)).toMatchObject({ launchedAt: at.toISOString() });

    // The state machine retries the task: same server, same launch time, not counted again.
    const again = await captureOutput(() =>
      launchMeeting({ meetingId: m.id, revision: 0 }, deps, () => new Date(at.getTime() + 60_000)),
    );
    expect(emfLines(again.lines)).toEqual([]);
    expect(logLines(again.lines).map((l) => [l.message, l.meetingId])).toEqual([
      ['server already launched', m.id],
    ]);
    expect(await store.get(m.id)).toMatchObject({ launchedAt: at.toISOString() });
  });

  test('health-check publishes LaunchToHealthySeconds (from launchedAt) once, when the meeting becomes READY', async () => {
    const { deps } = world('health-check');
    const m = await scheduleMeeting(store);
    const launchedAt = new Date('2026-03-01T09:50:00.000Z');
    const { instanceId } = await captureOutput(() =>
      launchMeeting({ meetingId: m.id, revision: 0 }, deps, () => launchedAt),
    ).then((r) => r.result);
    const healthyAt = () => new Date(launchedAt.getTime() + 312_400);
    const probe = { meetingId: m.id, instanceId, attempts: 4, revision: 0 };

    const { lines } = await captureOutput(() => checkHealth(probe, deps, healthyAt));
    const emf = emfLines(lines);
    expect(metricNames(emf)).toEqual(['LaunchToHealthySeconds']);
    expect(emf[0]._aws.CloudWatchMetrics[0].Metrics).toEqual([
      { Name: 'LaunchToHealthySeconds', Unit: 'Seconds' },
    ]);
    expect(emf[0]).toMatchObject({ LaunchToHealthySeconds: 312.4, meetingId: m.id });
    expect(logLines(lines).find((l) => l.message === 'server healthy')).toMatchObject({
      meetingId: m.id,
      revision: 0,
      attempts: 5,
      launchToHealthySeconds: 312.4,
    });

    // A retried probe of a meeting already READY: no second data point.
    const again = await captureOutput(() => checkHealth(probe, deps, healthyAt));
    expect(emfLines(again.lines)).toEqual([]);
  });

  test('health-check of a meeting launched before launchedAt was recorded: READY and logged, no data point', async () => {
    const { deps } = world('health-check');
    const m = await scheduleMeeting(store);
    const server = await deps.fleet.launch({
      meetingId: m.id,
      hostname: m.hostname,
      roomName: m.roomName,
      revision: 0,
    });
    await store.transition(m.id, 'LAUNCHING', server);
    const { lines } = await captureOutput(() =>
      checkHealth({ meetingId: m.id, instanceId: server.instanceId, attempts: 0, revision: 0 }, deps),
    );
    expect(emfLines(lines)).toEqual([]);
    expect(logLines(lines).find((l) => l.message === 'server healthy')).toMatchObject({ meetingId: m.id });
    expect(await store.get(m.id)).toMatchObject({ status: 'READY' });
  });

  /** A meeting launched at `launchedAt` and READY, through the real launch and health-check logic. */
  const readyMeeting = async (deps: TaskDeps, launchedAt: Date) => {
    const m = await scheduleMeeting(store);
    const { instanceId } = await captureOutput(() =>
      launchMeeting({ meetingId: m.id, revision: 0 }, deps, () => launchedAt),
    ).then((r) => r.result);
    await captureOutput(() => checkHealth({ meetingId: m.id, instanceId, attempts: 0, revision: 0 }, deps));
    return { m, instanceId };
  };

  test('attendance check (both modes) logs its decision with the meeting’s keys and publishes no metric', async () => {
    const { deps } = world('attendance-check');
    const { m, instanceId } = await readyMeeting(deps, new Date());
    scriptRoom(deps, [2, 0]);
    const attendance = await captureOutput(() =>
      runRoomCheck({ meetingId: m.id, instanceId, revision: 0 }, deps),
    );
    expect(attendance.result).toMatchObject({ decision: 'PRESENT', participants: 2 });
    expect(emfLines(attendance.lines)).toEqual([]);
    expect(logLines(attendance.lines)).toEqual([
      expect.objectContaining({
        level: 'INFO',
        message: 'meeting in progress',
        component: 'attendance-check',
        meetingId: m.id,
        revision: 0,
        executionName: executionNameFor(m.id, 0),
        participants: 2,
      }),
    ]);

    // The OccupancyCheck state: the room empty at endAt ends the lesson.
    const { occupancy, endAt } = inputFor(m);
    const check = { mode: 'OCCUPANCY', meetingId: m.id, instanceId, revision: 0, endAt, emptyChecks: 0 };
    const ended = await captureOutput(() =>
      runRoomCheck({ ...check, dueAt: endAt, plan: occupancy }, deps, () => new Date(endAt)),
    );
    expect(ended.result).toMatchObject({ decision: 'END' });
    expect(emfLines(ended.lines)).toEqual([]);
    expect(logLines(ended.lines)).toEqual([
      expect.objectContaining({
        message: 'meeting over',
        component: 'attendance-check',
        meetingId: m.id,
        executionName: m.executionName,
        decision: 'END',
        participants: 0,
      }),
    ]);
  });

  test('teardown of a finished lesson records and publishes its instance-minutes and one COMPLETED outcome', async () => {
    const { deps } = world('teardown');
    const launchedAt = new Date('2026-03-01T09:50:00.000Z');
    const { m } = await readyMeeting(deps, launchedAt);
    await store.transition(m.id, 'IN_PROGRESS', { participants: 2 });
    const at = new Date(launchedAt.getTime() + 71.5 * MINUTE);
    const input = { meetingId: m.id, outcome: 'COMPLETED', reason: 'meeting ended', revision: 0 };

    const { lines } = await captureOutput(() => teardownMeeting(input, deps, () => at));
    expect(metricsOf(lines)).toEqual([
      {
        name: 'InstanceMinutes',
        unit: 'Count',
        value: 71.5,
        dimensions: { service: 'meeting-scheduler' },
        meetingId: m.id,
      },
      {
        name: 'MeetingOutcome',
        unit: 'Count',
        value: 1,
        dimensions: { service: 'meeting-scheduler', Outcome: 'COMPLETED' },
        meetingId: m.id,
      },
    ]);
    expect(logLines(lines).find((l) => l.message === 'meeting closed')).toMatchObject({
      component: 'teardown',
      meetingId: m.id,
      revision: 0,
      executionName: m.executionName,
      outcome: 'COMPLETED',
      instanceMinutes: 71.5,
    });
    expect(await store.get(m.id)).toMatchObject({
      status: 'COMPLETED',
      launchedAt: launchedAt.toISOString(),
      terminatedAt: at.toISOString(),
      instanceMinutes: 71.5,
    });

    // A retried teardown (or the sweeper's, or a late cancel's) counts neither the server nor the outcome again.
    const again = await captureOutput(() =>
      teardownMeeting(input, deps, () => new Date(at.getTime() + 5 * MINUTE)),
    );
    expect(emfLines(again.lines)).toEqual([]);
    expect(logLines(again.lines).map((l) => [l.message, l.meetingId])).toEqual([
      ['meeting already closed; servers stopped', m.id],
    ]);
    expect(await store.get(m.id)).toMatchObject({ terminatedAt: at.toISOString(), instanceMinutes: 71.5 });
  });

  test('a FAILED teardown is classed by the state machine’s own reason and error name, not the recorded text', async () => {
    const { deps } = world('teardown');
    const launchedAt = new Date();
    const { m } = await readyMeeting(deps, launchedAt);
    // The recorded reason comes from the error's Cause; the class from the Pass state's "health check failed".
    const { lines } = await captureOutput(() =>
      teardownMeeting(
        {
          meetingId: m.id,
          outcome: 'FAILED',
          reason: 'health check failed',
          error: { Error: 'States.TaskFailed', Cause: 'x'.repeat(5000) },
          revision: 0,
        },
        deps,
        () => new Date(launchedAt.getTime() + 20_000),
      ),
    );
    expect(metricsOf(lines).map(({ name, value, dimensions }) => [name, value, dimensions])).toEqual([
      ['InstanceMinutes', 1, { service: 'meeting-scheduler' }],
      ['MeetingOutcome', 1, { service: 'meeting-scheduler', Outcome: 'FAILED' }],
      ['MeetingsFailed', 1, { service: 'meeting-scheduler', ReasonClass: 'HealthCheckFailed' }],
    ]);
    const failed = logLines(lines).find((l) => l.message === 'meeting failed');
    expect(failed).toMatchObject({ level: 'WARN', meetingId: m.id, outcome: 'FAILED' });
    expect(String(failed?.reason)).toMatch(/shortened from 5000 characters/);

    // A launch that found no capacity: no server, so no instance-minutes; the class from the error's name.
    const never = await scheduleMeeting(store);
    const noCapacity = await captureOutput(() =>
      teardownMeeting(
        {
          meetingId: never.id,
          outcome: 'FAILED',
          reason: 'launch failed',
          error: { Error: 'NoCapacity', Cause: 'no capacity in any instance type' },
          revision: 0,
        },
        deps,
      ),
    );
    expect(metricsOf(noCapacity.lines).map(({ name, dimensions }) => [name, dimensions])).toEqual([
      ['MeetingOutcome', { service: 'meeting-scheduler', Outcome: 'FAILED' }],
      ['MeetingsFailed', { service: 'meeting-scheduler', ReasonClass: 'NoCapacity' }],
    ]);
    const record = await store.get(never.id);
    expect(record).toMatchObject({ status: 'FAILED', statusReason: 'no capacity in any instance type' });
    expect(record?.instanceMinutes).toBeUndefined();
    expect(record?.terminatedAt).toBeUndefined();
  });

  test('a cancelled meeting counts its server’s minutes but no lifecycle outcome', async () => {
    const { deps } = world('teardown');
    const launchedAt = new Date();
    const { m } = await readyMeeting(deps, launchedAt);
    await store.transition(m.id, 'CANCELLED', { statusReason: 'cancelled by request' });
    const { lines } = await captureOutput(() =>
      teardownMeeting(
        { meetingId: m.id, outcome: 'CANCELLED', reason: 'cancelled by request', revision: 0 },
        deps,
        () => new Date(launchedAt.getTime() + 3 * MINUTE),
      ),
    );
    expect(metricsOf(lines).map(({ name, value }) => [name, value])).toEqual([['InstanceMinutes', 3]]);
    expect(await store.get(m.id)).toMatchObject({ status: 'CANCELLED', instanceMinutes: 3 });
  });

  test('a rescheduled meeting’s instance-minutes add up the server the reschedule stopped and the next one', async () => {
    const { deps } = world('teardown');
    const first = new Date('2026-03-01T09:50:00.000Z');
    const { m } = await readyMeeting(deps, first);
    // PATCH moves it (revision 1, SCHEDULED again) and runs teardown RESCHEDULED for the new revision.
    await store.reschedule(m.id, 0, {
      revision: 1,
      status: 'SCHEDULED',
      executionName: executionNameFor(m.id, 1),
    });
    const stoppedAt = new Date(first.getTime() + 12 * MINUTE);
    const stopped = await captureOutput(() =>
      teardownMeeting(
        { meetingId: m.id, outcome: 'RESCHEDULED', reason: 'rescheduled', revision: 1 },
        deps,
        () => stoppedAt,
      ),
    );
    expect(metricsOf(stopped.lines).map(({ name, value }) => [name, value])).toEqual([
      ['InstanceMinutes', 12],
    ]);
    expect(
      logLines(stopped.lines).find((l) => l.message === 'server stopped for a reschedule'),
    ).toMatchObject({
      meetingId: m.id,
      revision: 1,
      executionName: executionNameFor(m.id, 1),
    });
    expect(await store.get(m.id)).toMatchObject({ status: 'SCHEDULED', instanceMinutes: 12 });

    // The new revision's own server, an hour later, then its lesson nobody came to.
    const second = new Date(first.getTime() + 60 * MINUTE);
    const { instanceId } = await captureOutput(() =>
      launchMeeting({ meetingId: m.id, revision: 1 }, deps, () => second),
    ).then((r) => r.result);
    await captureOutput(() => checkHealth({ meetingId: m.id, instanceId, attempts: 0, revision: 1 }, deps));
    const end = new Date(second.getTime() + 25 * MINUTE);
    const noShow = await captureOutput(() =>
      teardownMeeting(
        { meetingId: m.id, outcome: 'NO_SHOW', reason: 'nobody joined', revision: 1 },
        deps,
        () => end,
      ),
    );
    expect(metricsOf(noShow.lines).map(({ name, value, dimensions }) => [name, value, dimensions])).toEqual([
      ['InstanceMinutes', 25, { service: 'meeting-scheduler' }],
      ['MeetingOutcome', 1, { service: 'meeting-scheduler', Outcome: 'NO_SHOW' }],
    ]);
    expect(await store.get(m.id)).toMatchObject({
      status: 'NO_SHOW',
      launchedAt: second.toISOString(),
      terminatedAt: end.toISOString(),
      instanceMinutes: 37,
    });

    // The stopped execution's late teardown (revision 0) touches nothing and says so.
    const late = await captureOutput(() =>
      teardownMeeting({ meetingId: m.id, outcome: 'FAILED', reason: 'late', revision: 0 }, deps),
    );
    expect(emfLines(late.lines)).toEqual([]);
    expect(logLines(late.lines)).toEqual([
      expect.objectContaining({
        message: 'teardown of an old revision skipped',
        meetingId: m.id,
        revision: 0,
      }),
    ]);
  });
});

describe('certificate function logs', () => {
  test('entries become Powertools lines at their level; the days-left EMF entry stays a bare JSON line', async () => {
    const raw: string[] = [];
    const log = certificateLog(new Logger({ serviceName: 'meeting-scheduler', logLevel: 'INFO' }), (l) =>
      raw.push(l),
    );
    const { lines } = await captureOutput(() => {
      log({ msg: 'certificate kept', domain: 'meet.example.com', daysLeft: 60 });
      log({ level: 'ERROR', msg: 'certificate renewal failed', stage: 'renew', reason: 'rate limited' });
      log({ _aws: { CloudWatchMetrics: [] }, DaysUntilExpiry: 60 });
    });
    expect(logLines(lines)).toEqual([
      expect.objectContaining({ level: 'INFO', message: 'certificate kept', daysLeft: 60 }),
      expect.objectContaining({ level: 'ERROR', message: 'certificate renewal failed', stage: 'renew' }),
    ]);
    expect(raw.map((l) => JSON.parse(l) as unknown)).toEqual([
      { _aws: { CloudWatchMetrics: [] }, DaysUntilExpiry: 60 },
    ]);
  });
});
