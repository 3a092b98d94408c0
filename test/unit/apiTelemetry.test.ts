import { SFNClient, StartExecutionCommand, StopExecutionCommand } from '@aws-sdk/client-sfn';
import { mockClient } from 'aws-sdk-client-mock';
import { handleApiRequest, type ApiConfig, type ApiDeps } from '../../functions/api/app';
import { telemetry } from '../../functions/shared/observability';
import { teardownMeeting } from '../../functions/teardown/teardownMeeting';
import type { LocalDynamo } from '../../local/dynamo';
import { captureOutput, emfLines, logLines, type EmfLine } from '../support/captureOutput';
import { dynamoWorld, fleetWorld, TEST_TIMINGS } from '../support/world';

const SM_ARN = 'arn:aws:states:eu-west-1:123456789012:stateMachine:meeting-lifecycle';
const config: ApiConfig = {
  stateMachineArn: SM_ARN,
  region: 'eu-west-1',
  jitsiDomain: 'meet.example.com',
  maxBodyBytes: 16 * 1024,
  timings: TEST_TIMINGS,
};
const metricOf = (l: EmfLine) => l._aws.CloudWatchMetrics[0].Metrics[0].Name;

/** The API's own logs and metrics, as CloudWatch would read them (stdout captured; real table on dynalite). */
describe('API logs and metrics', () => {
  let dynamo: LocalDynamo;
  let deps: ApiDeps;
  const sfn = new SFNClient({ region: 'eu-west-1' });
  const sfnMock = mockClient(sfn);

  beforeAll(async () => {
    const world = await dynamoWorld();
    dynamo = world.dynamo;
    const fleet = fleetWorld(world.store);
    deps = {
      store: world.store,
      sfn,
      config,
      now: () => new Date(),
      teardown: (input) => teardownMeeting(input, fleet.deps),
      telemetry: telemetry('api', { env: { LOG_LEVEL: 'INFO' } }),
    };
  });
  afterAll(() => dynamo.close());
  beforeEach(() => {
    sfnMock.reset();
    sfnMock.on(StartExecutionCommand).callsFake((i) => ({
      executionArn: `arn:aws:states:eu-west-1:123456789012:execution:meeting-lifecycle:${i.name}`,
      startDate: new Date(),
    }));
    sfnMock.on(StopExecutionCommand).resolves({ stopDate: new Date() });
  });

  const call = (method: string, path: string, body?: unknown, headers: Record<string, string> = {}) =>
    captureOutput(async () => {
      const res = await handleApiRequest(
        {
          method,
          path,
          headers,
          query: {},
          body: body === undefined ? undefined : JSON.stringify(body),
          origin: 'https://api.example.com',
        },
        deps,
      );
      return { status: res.statusCode, body: JSON.parse(res.body) };
    });
  const booking = () => ({
    teacherName: 'Ada',
    studentName: 'Ben',
    startTime: new Date(Date.now() + 3 * 3600_000).toISOString(),
    durationMinutes: 45,
  });

  test('a booking is counted once with the meeting’s keys; its idempotent replay is not counted again', async () => {
    const body = booking();
    const first = await call('POST', '/meetings', body, { 'idempotency-key': 'telemetry-replay-1' });
    expect(first.result.status).toBe(201);
    const id = first.result.body.id as string;
    expect(emfLines(first.lines).map(metricOf)).toEqual(['MeetingsBooked']);
    expect(emfLines(first.lines)[0]).toMatchObject({
      _aws: { CloudWatchMetrics: [{ Namespace: 'MeetingScheduler' }] },
      MeetingsBooked: 1,
      meetingId: id,
    });
    expect(logLines(first.lines).find((l) => l.message === 'meeting booked')).toMatchObject({
      component: 'api',
      meetingId: id,
      revision: 0,
      executionName: String(first.result.body.executionArn).split(':').pop(),
    });

    const replay = await call('POST', '/meetings', body, { 'idempotency-key': 'telemetry-replay-1' });
    expect(replay.result.body.id).toBe(id);
    expect(emfLines(replay.lines)).toEqual([]);
  });

  test('a reschedule and a cancel are counted once each; repeating the cancel counts nothing', async () => {
    const { result } = await call('POST', '/meetings', booking());
    const id = result.body.id as string;
    const moved = await call('PATCH', `/meetings/${id}`, {
      startTime: new Date(Date.now() + 5 * 3600_000).toISOString(),
    });
    expect(moved.result.status).toBe(200);
    expect(emfLines(moved.lines).map(metricOf)).toEqual(['MeetingsRescheduled']);
    expect(logLines(moved.lines).find((l) => l.message === 'meeting rescheduled')).toMatchObject({
      meetingId: id,
      revision: 1,
    });

    const cancelled = await call('DELETE', `/meetings/${id}`);
    expect(cancelled.result.body.status).toBe('CANCELLED');
    expect(emfLines(cancelled.lines).map(metricOf)).toContain('MeetingsCancelled');
    const again = await call('DELETE', `/meetings/${id}`);
    expect(emfLines(again.lines).map(metricOf)).not.toContain('MeetingsCancelled');
  });

  test('a booking whose execution cannot start closes the meeting FAILED and counts it as NotStarted', async () => {
    sfnMock
      .on(StartExecutionCommand)
      .rejects(Object.assign(new Error('rate exceeded'), { name: 'ThrottlingException' }));
    const { result, lines } = await call('POST', '/meetings', booking());
    expect(result.status).toBe(500);
    const metrics = emfLines(lines);
    expect(metrics.map(metricOf)).toEqual(['MeetingsBooked', 'MeetingOutcome', 'MeetingsFailed']);
    expect(metrics[1]).toMatchObject({ Outcome: 'FAILED' });
    expect(metrics[2]).toMatchObject({ ReasonClass: 'NotStarted' });
    expect(logLines(lines).map((l) => l.message)).toEqual(
      expect.arrayContaining(['lifecycle not started', 'unhandled API error']),
    );
  });
});
