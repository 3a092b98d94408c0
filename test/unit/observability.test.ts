import { failureClass, instanceMinutes, METRICS, METRICS_NAMESPACE } from '../../functions/shared/metrics';
import { countOutcome, silentTelemetry, telemetry } from '../../functions/shared/observability';
import { readableLine } from '../../functions/shared/readableLogger';
import { captureOutput, emfLines, logLines } from '../support/captureOutput';

const json = (env: Record<string, string> = {}) =>
  telemetry('launch', { env: { LOG_LEVEL: 'INFO', ...env } });

describe('telemetry (JSON on AWS)', () => {
  test('a meeting’s log line is one JSON object carrying meetingId, revision, executionName and the component', async () => {
    const { lines } = await captureOutput(() =>
      json()
        .forMeeting({ meetingId: 'm-1', revision: 2 })
        .logger.info('server launched', { instanceId: 'i-1' }),
    );
    expect(lines).toHaveLength(1);
    expect(JSON.parse(lines[0])).toMatchObject({
      level: 'INFO',
      message: 'server launched',
      service: 'meeting-scheduler',
      component: 'launch',
      meetingId: 'm-1',
      revision: 2,
      executionName: 'meeting-m-1-r2',
      instanceId: 'i-1',
    });
  });

  test('a metric is one EMF line: namespace, name, unit, the service dimension, the meeting as metadata', async () => {
    const { lines } = await captureOutput(() =>
      json().forMeeting({ meetingId: 'm-1', revision: 0 }).metric('ServersLaunched', 1),
    );
    const [emf] = emfLines(lines);
    expect(emf._aws.CloudWatchMetrics).toEqual([
      {
        Namespace: METRICS_NAMESPACE,
        Dimensions: [['service']],
        Metrics: [{ Name: 'ServersLaunched', Unit: 'Count' }],
      },
    ]);
    expect(emf).toMatchObject({
      service: 'meeting-scheduler',
      ServersLaunched: 1,
      meetingId: 'm-1',
      executionName: 'meeting-m-1',
    });
  });

  test('a metric with dimensions names them in its dimension set, with their values', async () => {
    const { lines } = await captureOutput(() => {
      const t = json();
      t.metric('MeetingOutcome', 1, { Outcome: 'NO_SHOW' });
      t.metric('MeetingsFailed', 1, { ReasonClass: 'NeverHealthy' });
    });
    const [outcome, failed] = emfLines(lines);
    expect(outcome._aws.CloudWatchMetrics[0].Dimensions).toEqual([['service', 'Outcome']]);
    expect(outcome).toMatchObject({ Outcome: 'NO_SHOW', MeetingOutcome: 1 });
    expect(failed._aws.CloudWatchMetrics[0].Dimensions).toEqual([['service', 'ReasonClass']]);
    expect(failed).toMatchObject({ ReasonClass: 'NeverHealthy', MeetingsFailed: 1 });
  });

  test('LOG_LEVEL is honoured (any case) and a bad one names the variable', async () => {
    const { lines } = await captureOutput(() => {
      const t = json({ LOG_LEVEL: 'warn' });
      t.logger.info('not shown');
      t.logger.warn('shown');
    });
    expect(logLines(lines).map((l) => l.message)).toEqual(['shown']);
    expect(() => json({ LOG_LEVEL: 'LOUD' })).toThrow(/LOG_LEVEL: must be one of/);
  });

  test('works destructured: const { logger, metric } = telemetry.forMeeting(…)', async () => {
    const { logger, metric } = json().forMeeting({ meetingId: 'm-2' });
    const { lines } = await captureOutput(() => {
      metric('ServersSwept', 1);
      logger.info('x');
    });
    expect(emfLines(lines)[0]).toMatchObject({ ServersSwept: 1, meetingId: 'm-2' });
    expect(logLines(lines)[0]).toMatchObject({ message: 'x', meetingId: 'm-2' });
  });

  test('countOutcome: MeetingOutcome by outcome, and MeetingsFailed by class for a FAILED one', async () => {
    const t = json().forMeeting({ meetingId: 'm-3', revision: 1 });
    const { lines } = await captureOutput(() => {
      countOutcome(t, 'COMPLETED');
      countOutcome(t, 'FAILED', { reason: 'launch failed', errorName: 'NoCapacity' });
    });
    expect(
      emfLines(lines).map((l) => {
        const { _aws, service, meetingId, revision, executionName, ...rest } = l;
        expect({ service, meetingId, revision, executionName }).toEqual({
          service: 'meeting-scheduler',
          meetingId: 'm-3',
          revision: '1',
          executionName: 'meeting-m-3-r1',
        });
        return { dimensions: _aws.CloudWatchMetrics[0].Dimensions, ...rest };
      }),
    ).toEqual([
      { dimensions: [['service', 'Outcome']], Outcome: 'COMPLETED', MeetingOutcome: 1 },
      { dimensions: [['service', 'Outcome']], Outcome: 'FAILED', MeetingOutcome: 1 },
      { dimensions: [['service', 'ReasonClass']], ReasonClass: 'NoCapacity', MeetingsFailed: 1 },
    ]);
  });

  test('two meetings logged at once keep their own keys (children, not shared appended keys)', async () => {
    const t = json();
    const a = t.forMeeting({ meetingId: 'a', revision: 0 });
    const b = t.forMeeting({ meetingId: 'b', revision: 1 });
    const { lines } = await captureOutput(() => {
      a.logger.info('one');
      b.logger.info('two');
      t.logger.info('three');
    });
    expect(logLines(lines).map((l) => [l.message, l.meetingId])).toEqual([
      ['one', 'a'],
      ['two', 'b'],
      ['three', undefined],
    ]);
  });
});

describe('telemetry (readable, the local stack)', () => {
  test('prints one plain line per entry with time, level, component, meeting and the other keys', () => {
    const out: string[] = [];
    const t = telemetry('health-check', { env: { LOG_FORMAT: 'readable' }, write: (l) => out.push(l) });
    t.forMeeting({ meetingId: 'm-9', revision: 1 }).logger.info('healthy', {
      attempts: 3,
      detail: 'HTTP 200',
    });
    expect(out).toHaveLength(1);
    expect(out[0]).toMatch(
      /^\d\d:\d\d:\d\d\.\d{3} INFO  health-check meeting m-9 r1: healthy attempts=3 detail="HTTP 200"$/,
    );
  });

  test('metrics become log lines instead of EMF', async () => {
    const out: string[] = [];
    const t = telemetry('sweeper', { env: { LOG_FORMAT: 'readable' }, write: (l) => out.push(l) });
    const { lines } = await captureOutput(() => t.metric('ServersSwept', 2));
    expect(lines).toEqual([]);
    expect(out[0]).toMatch(/sweeper .*: metric ServersSwept 2 Count$/);
  });

  test('an error shows its name and message, not its stack', () => {
    const line = readableLine({
      level: 'ERROR',
      message: 'failed',
      timestamp: '2026-01-01T10:00:00.000Z',
      component: 'x',
      error: { name: 'TaskError', message: 'no capacity', stack: 'at …' },
    });
    expect(line).toBe('10:00:00.000 ERROR x           : failed error="TaskError: no capacity"');
  });
});

test('silent telemetry prints nothing', async () => {
  const { lines } = await captureOutput(() => {
    silentTelemetry.forMeeting({ meetingId: 'm' }).logger.error('x');
    silentTelemetry.metric('ServersSwept', 1);
  });
  expect(lines).toEqual([]);
});

describe('the metrics contract', () => {
  test('FAILED reasons fall into their classes', () => {
    expect(failureClass('launch failed', 'NoCapacity')).toBe('NoCapacity');
    expect(failureClass('launch failed', 'LaunchFailed')).toBe('LaunchFailed');
    expect(failureClass('health check failed', 'BootstrapFailed')).toBe('BootstrapFailed');
    expect(failureClass('health check failed', 'InstanceLost')).toBe('HealthCheckFailed');
    expect(failureClass('not healthy after 600 s (40 probes); last probe: HTTP 502')).toBe('NeverHealthy');
    expect(failureClass('swept: meeting ended')).toBe('Swept');
    expect(failureClass('lifecycle not started: throttled')).toBe('NotStarted');
    expect(failureClass('something new')).toBe('Other');
  });

  test('instance-minutes: launch to termination to 0.1 minute, at least one (EC2’s 60-second minimum)', () => {
    expect(instanceMinutes('2026-03-01T09:50:00Z', '2026-03-01T11:05:30Z')).toBe(75.5);
    expect(instanceMinutes(new Date('2026-03-01T09:50:00Z'), new Date('2026-03-01T09:50:20Z'))).toBe(1);
    expect(() => instanceMinutes('not a time', '2026-03-01T09:50:20Z')).toThrow(/not a time span/);
  });

  test('every metric has a CloudWatch unit and a description', () => {
    for (const [name, spec] of Object.entries(METRICS)) {
      expect({ name, unit: ['Count', 'Seconds'].includes(spec.unit) }).toEqual({ name, unit: true });
      expect(spec.description.length).toBeGreaterThan(5);
    }
  });
});
