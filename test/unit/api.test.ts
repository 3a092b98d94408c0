import {
  DescribeExecutionCommand,
  GetExecutionHistoryCommand,
  SFNClient,
  StartExecutionCommand,
} from '@aws-sdk/client-sfn';
import { ScanCommand } from '@aws-sdk/client-dynamodb';
import { mockClient } from 'aws-sdk-client-mock';
import { consoleUrl, handleApiRequest, type ApiConfig, type ApiDeps } from '../../functions/api/app';
import { readApiConfig } from '../../functions/api/config';
import type { ApiRequest } from '../../functions/api/http';
import { DEFAULT_FIRST_PROBE_DELAY_SECONDS } from '../../functions/shared/bootTime';
import type { LocalDynamo } from '../../local/dynamo';
import { teardownMeeting } from '../../functions/teardown/teardownMeeting';
import { dynamoWorld, fleetWorld, TEST_TIMINGS } from '../support/world';

const NOW = new Date('2030-01-10T12:00:00.000Z');
const SM_ARN = 'arn:aws:states:eu-west-1:123456789012:stateMachine:meeting-lifecycle';
const config: ApiConfig = {
  stateMachineArn: SM_ARN,
  region: 'eu-west-1',
  jitsiDomain: 'meet.example.com',
  maxBodyBytes: 16 * 1024,
  timings: { ...TEST_TIMINGS, healthIntervalSeconds: 15, healthMaxAttempts: 40 },
};

describe('meetings API', () => {
  let dynamo: LocalDynamo;
  let deps: ApiDeps;
  let tableName: string;
  let fleet: ReturnType<typeof fleetWorld>;
  const sfn = new SFNClient({ region: 'eu-west-1' });
  const sfnMock = mockClient(sfn);

  beforeAll(async () => {
    const world = await dynamoWorld();
    dynamo = world.dynamo;
    tableName = world.tableName;
    fleet = fleetWorld(world.store);
    deps = {
      store: world.store,
      sfn,
      config,
      now: () => NOW,
      teardown: (input) => teardownMeeting(input, fleet.deps),
    };
  });
  afterAll(() => dynamo.close());
  beforeEach(() => {
    sfnMock.reset();
    sfnMock.on(StartExecutionCommand).callsFake((input) => ({
      executionArn: `arn:aws:states:eu-west-1:123456789012:execution:meeting-lifecycle:${input.name}`,
      startDate: NOW,
    }));
  });

  const post = (body: unknown, headers: Record<string, string> = {}) =>
    handleApiRequest(
      {
        method: 'POST',
        path: '/meetings',
        headers,
        query: {},
        body: typeof body === 'string' ? body : JSON.stringify(body),
      },
      deps,
    );
  const get = (path: string, query: ApiRequest['query'] = {}) =>
    handleApiRequest({ method: 'GET', path, headers: {}, query }, deps);
  const itemCount = async () =>
    (await dynamo.client.send(new ScanCommand({ TableName: tableName }))).Count ?? 0;
  const valid = {
    teacherName: 'Ada Lovelace',
    studentName: 'Ben',
    startTime: '2030-01-11T15:00:00+01:00',
    durationMinutes: 45,
  };

  test('books a meeting: 201 with UTC times, links, execution and console URL; one execution started', async () => {
    const res = await post({ ...valid, title: 'Algebra' });
    expect(res.statusCode).toBe(201);
    const body = JSON.parse(res.body);
    expect(body).toMatchObject({
      status: 'SCHEDULED',
      startTime: '2030-01-11T14:00:00.000Z',
      launchAt: '2030-01-11T13:50:00.000Z',
      attendanceCheckAt: '2030-01-11T14:15:00.000Z',
      endAt: '2030-01-11T14:45:00.000Z',
      title: 'Algebra',
    });
    expect(body.roomUrl).toMatch(new RegExp(`^https://${body.id}\\.meet\\.example\\.com/[0-9a-f]{32}$`));
    // Join links: each with its own unguessable token, never the room itself.
    expect(body.teacherLink).toMatch(new RegExp(`^/join/${body.id}\\.[A-Za-z0-9_-]{32}$`));
    expect(body.studentLink).toMatch(new RegExp(`^/join/${body.id}\\.[A-Za-z0-9_-]{32}$`));
    expect(body.teacherLink).not.toBe(body.studentLink);
    expect(body.executionArn).toBe(
      `arn:aws:states:eu-west-1:123456789012:execution:meeting-lifecycle:meeting-${body.id}`,
    );
    expect(body.consoleUrl).toBe(
      `https://eu-west-1.console.aws.amazon.com/states/home?region=eu-west-1#/v2/executions/details/${body.executionArn}`,
    );
    const calls = sfnMock.commandCalls(StartExecutionCommand);
    expect(calls).toHaveLength(1);
    expect(calls[0].args[0].input.name).toBe(`meeting-${body.id}`);
    expect(JSON.parse(calls[0].args[0].input.input!)).toEqual({
      meetingId: body.id,
      launchAt: body.launchAt,
      attendanceCheckAt: body.attendanceCheckAt,
      endAt: body.endAt,
      revision: 0,
      health: { intervalSeconds: 15, maxAttempts: 40 },
      // Room checks: the first one interval after the attendance check; none past endAt + the maximum overrun.
      occupancy: {
        firstCheckAt: new Date(Date.parse(body.attendanceCheckAt as string) + 300_000).toISOString(),
        latestEndAt: new Date(Date.parse(body.endAt as string) + 900_000).toISOString(),
        intervalSeconds: 300,
        overrunStepSeconds: 300,
        maxOverrunSeconds: 900,
      },
    });
    expect(await deps.store.get(body.id)).toMatchObject({
      status: 'SCHEDULED',
      executionArn: body.executionArn,
    });
  });

  test("passes the first probe's delay to the execution when one is configured (default 45 s)", async () => {
    const delayed = {
      ...deps,
      config: { ...config, timings: { ...config.timings, healthFirstProbeDelaySeconds: 45 } },
    };
    const res = await handleApiRequest(
      { method: 'POST', path: '/meetings', headers: {}, query: {}, body: JSON.stringify(valid) },
      delayed,
    );
    expect(res.statusCode).toBe(201);
    const input = JSON.parse(sfnMock.commandCalls(StartExecutionCommand)[0].args[0].input.input!);
    expect(input.health).toEqual({ intervalSeconds: 15, maxAttempts: 40, firstProbeDelaySeconds: 45 });
    const env = {
      TABLE_NAME: 't',
      STATE_MACHINE_ARN: SM_ARN,
      AWS_REGION: 'eu-west-1',
      JITSI_DOMAIN: 'meet.example.com',
      TEARDOWN_FUNCTION_NAME: 'td',
    };
    expect(readApiConfig(env).timings.healthFirstProbeDelaySeconds).toBe(DEFAULT_FIRST_PROBE_DELAY_SECONDS);
    expect(() => readApiConfig({ ...env, HEALTH_CHECK_FIRST_PROBE_DELAY_SECONDS: '-1' })).toThrow(
      /HEALTH_CHECK_FIRST_PROBE_DELAY_SECONDS/,
    );
  });

  test('reads a local date-time in its IANA zone and stores UTC', async () => {
    const res = await post({ ...valid, startTime: '2030-07-01T09:30', timeZone: 'America/New_York' });
    expect(res.statusCode).toBe(201);
    expect(JSON.parse(res.body)).toMatchObject({
      startTime: '2030-07-01T13:30:00.000Z',
      timeZone: 'America/New_York',
    });
  });

  test('room names are unguessable: 128 random bits, never repeated', async () => {
    const rooms = new Set<string>();
    for (let i = 0; i < 5; i++)
      rooms.add(
        JSON.parse((await post(valid)).body)
          .roomUrl.split('/')
          .pop(),
      );
    expect(rooms.size).toBe(5);
    for (const r of rooms) expect(r).toMatch(/^[0-9a-f]{32}$/);
  });

  describe('rejects bad bookings with 400 naming the field, writing nothing', () => {
    const cases: [string, unknown, string][] = [
      ['unknown zone', { ...valid, startTime: '2030-01-11T15:00', timeZone: 'Mars/Olympus' }, 'timeZone'],
      ['start in the past', { ...valid, startTime: '2030-01-10T11:59:00Z' }, 'startTime'],
      ['start more than 364 days ahead', { ...valid, startTime: '2031-01-10T12:00:00Z' }, 'startTime'],
      ['local time without zone', { ...valid, startTime: '2030-01-11T15:00' }, 'startTime'],
      ['impossible date', { ...valid, startTime: '2030-02-30T15:00:00Z' }, 'startTime'],
      ['not a date', { ...valid, startTime: 'tomorrow at 3' }, 'startTime'],
      ['duration too short', { ...valid, durationMinutes: 10 }, 'durationMinutes'],
      ['duration too long', { ...valid, durationMinutes: 481 }, 'durationMinutes'],
      ['duration not whole', { ...valid, durationMinutes: 30.5 }, 'durationMinutes'],
      ['duration as string', { ...valid, durationMinutes: '60' }, 'durationMinutes'],
      ['empty teacher name', { ...valid, teacherName: '   ' }, 'teacherName'],
      ['over-long student name', { ...valid, studentName: 'x'.repeat(101) }, 'studentName'],
      ['control characters', { ...valid, studentName: 'Ben\u0000' }, 'studentName'],
      ['missing teacherName', { studentName: 'Ben', startTime: valid.startTime }, 'teacherName'],
      ['unknown field', { ...valid, duration: 30 }, 'duration'],
      ['array body', [valid], 'body'],
    ];
    test.each(cases)('%s', async (_label, body, field) => {
      const before = await itemCount();
      const res = await post(body);
      expect(res.statusCode).toBe(400);
      const parsed = JSON.parse(res.body);
      expect(parsed.error).toBe('ValidationError');
      expect(parsed.fields.map((f: { field: string }) => f.field)).toContain(field);
      expect(parsed.message).toContain(field);
      expect(await itemCount()).toBe(before);
      expect(sfnMock.commandCalls(StartExecutionCommand)).toHaveLength(0);
    });

    test('malformed JSON', async () => {
      const before = await itemCount();
      const res = await post('{"teacherName": "Ada",');
      expect(res.statusCode).toBe(400);
      expect(JSON.parse(res.body).fields[0].field).toBe('body');
      expect(await itemCount()).toBe(before);
    });
  });

  test('oversized body → 413, nothing written', async () => {
    const before = await itemCount();
    const res = await post({ ...valid, title: 'x'.repeat(20_000) });
    expect(res.statusCode).toBe(413);
    expect(await itemCount()).toBe(before);
  });

  test('Idempotency-Key: a retry answers the same meeting and starts nothing new', async () => {
    const first = await post(valid, { 'idempotency-key': 'booking-42' });
    const again = await post(valid, { 'idempotency-key': 'booking-42' });
    expect(first.statusCode).toBe(201);
    expect(again.statusCode).toBe(201);
    expect(JSON.parse(again.body)).toEqual(JSON.parse(first.body));
    expect(sfnMock.commandCalls(StartExecutionCommand)).toHaveLength(1);
  });

  test('Idempotency-Key reused with another body → 422, first meeting untouched', async () => {
    const first = JSON.parse((await post(valid, { 'idempotency-key': 'booking-43' })).body);
    const res = await post({ ...valid, studentName: 'Someone else' }, { 'idempotency-key': 'booking-43' });
    expect(res.statusCode).toBe(422);
    expect((await deps.store.get(first.id))?.studentName).toBe('Ben');
  });

  test('a retry after StartExecution failed starts the execution, once', async () => {
    sfnMock
      .on(StartExecutionCommand)
      .rejectsOnce(Object.assign(new Error('throttled'), { name: 'ThrottlingException' }))
      .callsFake((input) => ({
        executionArn: `arn:aws:states:eu-west-1:123456789012:execution:meeting-lifecycle:${input.name}`,
        startDate: NOW,
      }));
    const failed = await post(valid, { 'idempotency-key': 'booking-44' });
    expect(failed.statusCode).toBe(500);
    const retried = await post(valid, { 'idempotency-key': 'booking-44' });
    expect(retried.statusCode).toBe(201);
    const body = JSON.parse(retried.body);
    expect(body.executionArn).toContain(`meeting-${body.id}`);
    const names = sfnMock.commandCalls(StartExecutionCommand).map((c) => c.args[0].input.name);
    expect(names).toEqual([`meeting-${body.id}`, `meeting-${body.id}`]); // same name: Step Functions dedupes
  });

  test('without an Idempotency-Key, a failed StartExecution closes the meeting instead of leaving it unscheduled', async () => {
    sfnMock
      .on(StartExecutionCommand)
      .rejects(Object.assign(new Error('rate exceeded'), { name: 'ThrottlingException' }));
    const before = await itemCount();
    const failed = await post(valid);
    expect(failed.statusCode).toBe(500);
    expect(await itemCount()).toBe(before + 1);
    const page = await deps.store.list({ status: 'FAILED', limit: 100 });
    const closed = page.items.filter((m) => m.statusReason?.startsWith('lifecycle not started'));
    expect(closed).toHaveLength(1);
    expect(closed[0].statusReason).toBe('lifecycle not started: ThrottlingException: rate exceeded');
    expect(closed[0].executionArn).toBeUndefined();
  });

  test('GET /meetings/{id}: the record, its status and the execution state', async () => {
    const booked = JSON.parse((await post(valid)).body);
    sfnMock.on(DescribeExecutionCommand).resolves({
      status: 'RUNNING',
      startDate: NOW,
      executionArn: booked.executionArn,
      stateMachineArn: SM_ARN,
    });
    sfnMock.on(GetExecutionHistoryCommand).resolves({
      events: [
        {
          id: 3,
          type: 'WaitStateEntered',
          timestamp: NOW,
          stateEnteredEventDetails: { name: 'WaitUntilLaunch' },
        },
        { id: 1, type: 'ExecutionStarted', timestamp: NOW },
      ],
    });
    const res = await get(`/meetings/${booked.id}`);
    expect(res.statusCode).toBe(200);
    expect(JSON.parse(res.body)).toMatchObject({
      id: booked.id,
      status: 'SCHEDULED',
      execution: { status: 'RUNNING', currentState: 'WaitUntilLaunch' },
    });
  });

  test('GET unknown meeting → 404; malformed id → 400 naming id', async () => {
    expect((await get('/meetings/00000000-0000-0000-0000-000000000000')).statusCode).toBe(404);
    const bad = await get('/meetings/..%2F..%2Fetc');
    expect(bad.statusCode).toBe(400);
    expect(JSON.parse(bad.body).fields[0].field).toBe('id');
  });

  test('GET /meetings: newest first, filterable by status, paginated', async () => {
    // A table of its own, so the listing holds only this test's meetings.
    const world = await dynamoWorld();
    const store = world.store;
    const local: ApiDeps = { ...deps, store };
    const ids: string[] = [];
    for (let i = 0; i < 3; i++) {
      const at = new Date(NOW.getTime() + i * 1000);
      const res = await handleApiRequest(
        { method: 'POST', path: '/meetings', headers: {}, query: {}, body: JSON.stringify(valid) },
        { ...local, now: () => at },
      );
      ids.push(JSON.parse(res.body).id);
    }
    await store.transition(ids[0], 'FAILED', { statusReason: 'test' });
    const list = (query: ApiRequest['query']) =>
      handleApiRequest({ method: 'GET', path: '/meetings', headers: {}, query }, local);

    const all = JSON.parse((await list({})).body);
    expect(all.items.map((m: { id: string }) => m.id)).toEqual([ids[2], ids[1], ids[0]]);
    const page1 = JSON.parse((await list({ limit: '2' })).body);
    expect(page1.items).toHaveLength(2);
    const page2 = JSON.parse((await list({ limit: '2', nextToken: page1.nextToken })).body);
    expect(page2.items.map((m: { id: string }) => m.id)).toEqual([ids[0]]);
    const failed = JSON.parse((await list({ status: 'FAILED' })).body);
    expect(failed.items.map((m: { id: string }) => m.id)).toEqual([ids[0]]);

    expect((await list({ status: 'BOGUS' })).statusCode).toBe(400);
    expect((await list({ limit: '0' })).statusCode).toBe(400);
    expect((await list({ nextToken: 'not-a-token' })).statusCode).toBe(400);
    await world.dynamo.close();
  });

  test('unknown routes and methods', async () => {
    expect((await get('/nothing')).statusCode).toBe(404);
    expect(
      (await handleApiRequest({ method: 'PUT', path: '/meetings', headers: {}, query: {} }, deps)).statusCode,
    ).toBe(405);
  });
});

describe("consoleUrl: the Step Functions console of the execution's own partition and region", () => {
  const path = (arn: string, region: string) => `/states/home?region=${region}#/v2/executions/details/${arn}`;
  test.each([
    ['aws', 'eu-west-1', 'https://eu-west-1.console.aws.amazon.com'],
    ['aws-cn', 'cn-north-1', 'https://cn-north-1.console.amazonaws.cn'],
    ['aws-us-gov', 'us-gov-west-1', 'https://us-gov-west-1.console.amazonaws-us-gov.com'],
  ])('%s (%s)', (partition, region, host) => {
    const arn = `arn:${partition}:states:${region}:123456789012:execution:meeting-lifecycle:meeting-x`;
    // The API's own region is deliberately another one: the ARN decides.
    expect(consoleUrl(arn, 'us-east-1')).toBe(`${host}${path(arn, region)}`);
  });
});
