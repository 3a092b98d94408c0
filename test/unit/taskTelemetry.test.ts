import { Logger } from '@aws-lambda-powertools/logger';
import { certificateLog } from '../../functions/certificate/log';
import { checkHealth } from '../../functions/health-check/checkHealth';
import { launchMeeting } from '../../functions/launch/launchMeeting';
import { telemetry } from '../../functions/shared/observability';
import type { MeetingStore } from '../../functions/shared/store';
import type { LocalDynamo } from '../../local/dynamo';
import { captureOutput, emfLines, logLines, type EmfLine } from '../support/captureOutput';
import { dynamoWorld, fleetWorld, scheduleMeeting } from '../support/world';

const metricNames = (lines: EmfLine[]) => lines.map((l) => l._aws.CloudWatchMetrics[0].Metrics[0].Name);

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
