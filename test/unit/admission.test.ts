import { ScanCommand } from '@aws-sdk/client-dynamodb';
import { SFNClient, StartExecutionCommand, StopExecutionCommand } from '@aws-sdk/client-sfn';
import { mockClient } from 'aws-sdk-client-mock';
import { Admission } from '../../functions/api/admission';
import { handleApiRequest, type ApiConfig, type ApiDeps } from '../../functions/api/app';
import { readApiConfig } from '../../functions/api/config';
import {
  admissionLimits,
  type AdmissionLimits,
  DEFAULT_ADMISSION_SETTINGS,
  launchAtFor,
  nearestStart,
  planAdmission,
  vcpuBuckets,
} from '../../functions/shared/launchSlots';
import { DEFAULT_LAUNCH_LEAD_MINUTES } from '../../functions/shared/bootTime';
import { LaunchSlotsLedger } from '../../functions/shared/launchSlotsLedger';
import { readAppConfig } from '../../infra/config';
import type { LocalDynamo } from '../../local/dynamo';
import { CONTEXT } from '../support/stackTemplate';
import { dynamoWorld, TEST_TIMINGS } from '../support/world';

const NOW = new Date('2030-01-10T12:00:00.000Z');
const config: ApiConfig = {
  stateMachineArn: 'arn:aws:states:eu-west-1:123456789012:stateMachine:meeting-lifecycle',
  region: 'eu-west-1',
  jitsiDomain: 'meet.example.com',
  maxBodyBytes: 16 * 1024,
  timings: TEST_TIMINGS,
};
/** Small figures, so a full minute takes four bookings: 4 launches a minute, at most 13 minutes ahead. */
const LIMITS: AdmissionLimits = {
  launchesPerMinute: 4,
  vcpuBudget: 10_000,
  vcpusPerServer: 2,
  leadSeconds: 600,
  maxLaunchLeadSeconds: 13 * 60,
  maxOverrunSeconds: 900,
};

/** The API function's required environment; admission's variables take their published defaults. */
const env = {
  TABLE_NAME: 't',
  STATE_MACHINE_ARN: 'arn',
  AWS_REGION: 'eu-west-1',
  JITSI_DOMAIN: 'meet.example.com',
  TEARDOWN_FUNCTION_NAME: 'td',
};

describe('launch slots: the arithmetic', () => {
  test('96 launches a minute with the published figures (2/s refill, 80 % planned)', () => {
    expect(admissionLimits(DEFAULT_ADMISSION_SETTINGS, TEST_TIMINGS).launchesPerMinute).toBe(96);
    const raised = {
      ...DEFAULT_ADMISSION_SETTINGS,
      runInstancesRefillPerSecond: 10,
      runInstancesResourceRefillPerSecond: 10,
      route53ChangesPerSecond: 10,
    };
    expect(admissionLimits(raised, TEST_TIMINGS).launchesPerMinute).toBe(480);
    // The lower of the two buckets sets the pace.
    const oneRaised = { ...DEFAULT_ADMISSION_SETTINGS, runInstancesRefillPerSecond: 10 };
    expect(admissionLimits(oneRaised, TEST_TIMINGS).launchesPerMinute).toBe(96);
  });

  test("Route 53's account rate paces launches too: each launch makes one UPSERT", () => {
    // RunInstances raised to 20/s, Route 53 at the current page's 10/s: 10 × 60 × 0.8, not 20 × 60 × 0.8.
    const ec2Raised = {
      ...DEFAULT_ADMISSION_SETTINGS,
      runInstancesRefillPerSecond: 20,
      runInstancesResourceRefillPerSecond: 20,
      route53ChangesPerSecond: 10,
    };
    expect(admissionLimits(ec2Raised, TEST_TIMINGS).launchesPerMinute).toBe(480);
    expect(
      readApiConfig({
        ...env,
        RUN_INSTANCES_REFILL_PER_SECOND: '20',
        RUN_INSTANCES_RESOURCE_REFILL_PER_SECOND: '20',
      }).admission?.launchesPerMinute,
    ).toBe(240); // the published 5/s of Route 53 binds
    expect(() => readApiConfig({ ...env, ROUTE53_CHANGES_PER_SECOND: '0' })).toThrow(
      /ROUTE53_CHANGES_PER_SECOND/,
    );
  });

  test('index i of capacity c launches at minute + i·60/c s, never before now', () => {
    const minute = Date.parse('2030-01-11T13:50:00Z');
    expect([0, 1, 48, 95].map((i) => launchAtFor(minute, i, 96, 0) - minute)).toEqual([
      0, 625, 30_000, 59_375,
    ]);
    expect(launchAtFor(minute, 0, 96, minute + 5000)).toBe(minute + 5000);
  });

  test('an 8-hour lesson holds its vCPUs in at most 37 fifteen-minute buckets', () => {
    const launch = Date.parse('2030-01-11T07:30:00Z');
    const end = launch + 30 * 60_000 + 8 * 3600_000;
    const buckets = vcpuBuckets(launch, end, 900);
    expect(buckets[0]).toBe('2030-01-11T07:30Z');
    expect(buckets.at(-1)).toBe('2030-01-11T16:00Z');
    expect(buckets.length).toBeLessThanOrEqual(37);
  });
});

describe('nearest start: the search', () => {
  const now = Date.parse('2030-01-11T00:00:00Z');
  const startMs = Date.parse('2030-01-11T14:00:00Z');
  const full = (...keys: string[]) => new Map(keys.map((k) => [k, LIMITS.launchesPerMinute]));
  const fourMinutes = ['13:47', '13:48', '13:49', '13:50'].map((m) => `2030-01-11T${m}Z`);

  test('whole minutes either way; the later one when both are as near', () => {
    // 14:00 is full (13:47–13:50); 14:01 (13:51 free) and 13:59 (13:46 free) are as near: the later wins.
    const snapshot = { launches: full(...fourMinutes), vcpus: new Map() };
    expect(
      new Date(nearestStart(snapshot, { startMs, durationMinutes: 60 }, now, LIMITS)!).toISOString(),
    ).toBe('2030-01-11T14:01:00.000Z');
    // With 13:51 and 13:46 full too, neither serves; two minutes away, 14:02 (13:52) and 13:58 (13:45) do.
    const more = {
      launches: full(...fourMinutes, '2030-01-11T13:51Z', '2030-01-11T13:46Z'),
      vcpus: new Map(),
    };
    expect(new Date(nearestStart(more, { startMs, durationMinutes: 60 }, now, LIMITS)!).toISOString()).toBe(
      '2030-01-11T14:02:00.000Z',
    );
  });

  test('never a start in the past, and none beyond the search', () => {
    // Booked 30 s before its start: it can launch only now, in the current minute, which is full. Every later
    // start up to 14:09 would launch now too; 14:10 is the first whose launch minute (14:00) is ahead.
    const late = startMs - 30_000;
    const snapshot = { launches: full('2030-01-11T13:59Z'), vcpus: new Map() };
    const meeting = { startMs, durationMinutes: 60 };
    expect(planAdmission(snapshot, meeting, late, LIMITS)).toEqual({ ok: false, reason: 'launches' });
    expect(new Date(nearestStart(snapshot, meeting, late, LIMITS)!).toISOString()).toBe(
      '2030-01-11T14:10:00.000Z',
    );
    expect(nearestStart(snapshot, meeting, late, LIMITS, { searchMinutes: 9 })).toBeUndefined();
  });
});

describe('admission at booking (dynalite)', () => {
  let dynamo: LocalDynamo;
  let deps: ApiDeps;
  let ledger: LaunchSlotsLedger;
  let tableName: string;
  let limits: AdmissionLimits;
  const sfn = new SFNClient({ region: 'eu-west-1' });
  const sfnMock = mockClient(sfn);

  beforeAll(async () => {
    const world = await dynamoWorld();
    dynamo = world.dynamo;
    tableName = world.tableName;
    ledger = new LaunchSlotsLedger(dynamo.client, tableName);
    deps = {
      store: world.store,
      sfn,
      config,
      now: () => NOW,
      teardown: async () => undefined,
    };
  });
  afterAll(() => dynamo.close());
  beforeEach(() => {
    limits = { ...LIMITS };
    deps.admission = new Admission(ledger, limits);
    sfnMock.reset();
    sfnMock.on(StartExecutionCommand).callsFake((input) => ({
      executionArn: `arn:aws:states:eu-west-1:123456789012:execution:meeting-lifecycle:${input.name}`,
      startDate: NOW,
    }));
    sfnMock.on(StopExecutionCommand).resolves({});
  });

  const call = (method: string, path: string, body?: unknown, headers: Record<string, string> = {}) =>
    handleApiRequest(
      { method, path, headers, query: {}, body: body === undefined ? undefined : JSON.stringify(body) },
      deps,
    );
  const book = async (
    startTime: string,
    extra: Record<string, unknown> = {},
    headers: Record<string, string> = {},
  ) => {
    const res = await call(
      'POST',
      '/meetings',
      { teacherName: 'Ada', studentName: 'Ben', startTime, durationMinutes: 60, ...extra },
      headers,
    );
    return { status: res.statusCode, body: JSON.parse(res.body) };
  };
  const launches = async (...minutes: string[]) => {
    const s = await ledger.read({ launches: minutes, vcpus: [] });
    return minutes.map((m) => s.launches.get(m));
  };
  const vcpus = async (...buckets: string[]) => {
    const s = await ledger.read({ launches: [], vcpus: buckets });
    return buckets.map((b) => s.vcpus.get(b));
  };
  const itemCount = async () =>
    (await dynamo.client.send(new ScanCommand({ TableName: tableName }))).Count ?? 0;

  test('a minute takes its capacity, spread evenly across it; a full minute sends the next booking one minute earlier', async () => {
    const booked = [];
    for (let i = 0; i < 9; i++) booked.push(await book('2030-01-11T14:00:00Z'));
    expect(booked.map((b) => b.status)).toEqual(Array(9).fill(201));
    expect(booked.map((b) => b.body.launchAt)).toEqual([
      '2030-01-11T13:50:00.000Z',
      '2030-01-11T13:50:15.000Z',
      '2030-01-11T13:50:30.000Z',
      '2030-01-11T13:50:45.000Z',
      '2030-01-11T13:49:00.000Z',
      '2030-01-11T13:49:15.000Z',
      '2030-01-11T13:49:30.000Z',
      '2030-01-11T13:49:45.000Z',
      '2030-01-11T13:48:00.000Z',
    ]);
    // The execution waits for exactly that instant.
    const inputs = sfnMock
      .commandCalls(StartExecutionCommand)
      .map((c) => JSON.parse(c.args[0].input.input!).launchAt);
    expect(inputs).toEqual(booked.map((b) => b.body.launchAt));
    expect(await launches('2030-01-11T13:50Z', '2030-01-11T13:49Z', '2030-01-11T13:48Z')).toEqual([4, 4, 1]);
  });

  test("room checks and the end keep the launch slot's place in its minute: a minute's lessons spread their SSM and TerminateInstances calls over it", async () => {
    const booked = [];
    for (let i = 0; i < 4; i++) booked.push(await book('2030-01-12T09:00:00Z'));
    const inputs = sfnMock.commandCalls(StartExecutionCommand).map(
      (c) =>
        JSON.parse(c.args[0].input.input!) as Record<string, string> & {
          occupancy: Record<string, string>;
        },
    );
    // Slots at :00, :15, :30, :45 of 08:50 (4 a minute here): each execution's checks and end move by as much.
    expect(inputs.map((i) => [i.attendanceCheckAt, i.endAt, i.occupancy.firstCheckAt])).toEqual(
      [0, 15, 30, 45].map((s) => [
        `2030-01-12T09:15:${String(s).padStart(2, '0')}.000Z`,
        `2030-01-12T10:00:${String(s).padStart(2, '0')}.000Z`,
        `2030-01-12T09:20:${String(s).padStart(2, '0')}.000Z`,
      ]),
    );
    // The record keeps the booked times: the API and the join page show them.
    for (const b of booked)
      expect(b.body).toMatchObject({
        attendanceCheckAt: '2030-01-12T09:15:00.000Z',
        endAt: '2030-01-12T10:00:00.000Z',
      });
  });

  test('when every minute within the maximum lead is full: 409 CapacityExceeded with the nearest start, nothing written', async () => {
    // 14:50 back to 14:47 (start − 13 min): 16 launches serve a 15:00 start.
    for (let i = 0; i < 16; i++) expect((await book('2030-01-11T15:00:00Z')).status).toBe(201);
    const before = await itemCount();
    const refused = await book('2030-01-11T15:00:00Z');
    expect(refused).toEqual({
      status: 409,
      body: {
        error: 'CapacityExceeded',
        field: 'startTime',
        reason: 'LaunchRate',
        // 15:01 launches in 14:51, which is free; 14:59 could only use 14:46–14:49, all full.
        nearestStart: '2030-01-11T15:01:00.000Z',
        message: expect.stringMatching(
          /4 launches a minute.*nearest start that can be served is 2030-01-11T15:01:00.000Z/,
        ),
      },
    });
    expect(await itemCount()).toBe(before);
    // The nearest start is indeed served.
    expect((await book(refused.body.nearestStart)).body.launchAt).toBe('2030-01-11T14:51:00.000Z');
  });

  test('concurrent bookings never overfill a minute (conditional atomic counters)', async () => {
    const all = await Promise.all(Array.from({ length: 22 }, () => book('2030-01-11T17:00:00Z')));
    const ok = all.filter((b) => b.status === 201);
    expect(ok).toHaveLength(16);
    expect(all.filter((b) => b.status === 409)).toHaveLength(6);
    expect(
      await launches(
        '2030-01-11T16:50Z',
        '2030-01-11T16:49Z',
        '2030-01-11T16:48Z',
        '2030-01-11T16:47Z',
        '2030-01-11T16:46Z',
      ),
    ).toEqual([4, 4, 4, 4, 0]);
    // Every admitted meeting has a launch instant of its own: paced, not bunched.
    expect(new Set(ok.map((b) => b.body.launchAt)).size).toBe(16);
  });

  test('the vCPU quota refuses a booking whose server would exceed it, with the nearest start that fits', async () => {
    limits.vcpuBudget = 6; // three 2-vCPU servers at once
    const first = await book('2030-01-12T16:00:00Z');
    for (let i = 0; i < 2; i++) expect((await book('2030-01-12T16:00:00Z')).status).toBe(201);
    const before = await itemCount();
    const refused = await book('2030-01-12T16:30:00Z');
    expect(refused.status).toBe(409);
    expect(refused.body).toMatchObject({
      error: 'CapacityExceeded',
      reason: 'VcpuQuota',
      field: 'startTime',
    });
    // The three servers hold 15:45–17:15 (launch at 15:50, end 17:00 + 15 min overrun): a new server may
    // launch from 17:15, i.e. start at 17:25; 55 minutes later is nearer than any earlier start.
    expect(refused.body.nearestStart).toBe('2030-01-12T17:25:00.000Z');
    expect(refused.body.message).toMatch(/vCPU quota planned for meetings \(6 vCPUs\)/);
    expect(await itemCount()).toBe(before);
    expect(await vcpus('2030-01-12T15:45Z', '2030-01-12T17:00Z', '2030-01-12T17:15Z')).toEqual([6, 6, 0]);
    // A lesson of the full hour may still run longer: it needs only the buckets it does not hold yet.
    const longer = await call('PATCH', `/meetings/${first.body.id}`, { durationMinutes: 75 });
    expect(longer.statusCode).toBe(200);
    expect(await vcpus('2030-01-12T15:45Z', '2030-01-12T17:00Z', '2030-01-12T17:15Z')).toEqual([6, 6, 2]);
    expect((await book(refused.body.nearestStart)).status).toBe(201);
  });

  test('cancel frees the slot and the vCPUs once, however often and concurrently it is repeated', async () => {
    for (let i = 0; i < 3; i++) await book('2030-01-13T10:00:00Z');
    const last = await book('2030-01-13T10:00:00Z');
    expect(await launches('2030-01-13T09:50Z')).toEqual([4]);
    expect(await vcpus('2030-01-13T09:45Z', '2030-01-13T11:00Z')).toEqual([8, 8]);
    const cancels = await Promise.all([1, 2, 3].map(() => call('DELETE', `/meetings/${last.body.id}`)));
    expect(cancels.map((c) => c.statusCode)).toEqual([200, 200, 200]);
    await call('DELETE', `/meetings/${last.body.id}`);
    expect(await launches('2030-01-13T09:50Z')).toEqual([3]);
    expect(await vcpus('2030-01-13T09:45Z', '2030-01-13T11:00Z')).toEqual([6, 6]);
    expect((await deps.store.get(last.body.id))?.held).toBeUndefined();
    // The freed capacity serves the next booking in the same minute.
    expect((await book('2030-01-13T10:00:00Z')).body.launchAt).toMatch(/^2030-01-13T09:50:/);
  });

  test('reschedule moves the hold: the new slot and vCPUs taken, the old ones freed once, even when raced', async () => {
    const m = await book('2030-01-14T10:00:00Z');
    const moves = await Promise.all(
      ['2030-01-14T12:00:00Z', '2030-01-14T13:00:00Z'].map((startTime) =>
        call('PATCH', `/meetings/${m.body.id}`, { startTime }),
      ),
    );
    expect(moves.map((r) => r.statusCode).sort()).toEqual([200, 409]);
    const won = JSON.parse(moves.find((r) => r.statusCode === 200)!.body);
    const other = won.startTime.startsWith('2030-01-14T12') ? '2030-01-14T12:50Z' : '2030-01-14T11:50Z';
    const wonMinute = won.startTime.startsWith('2030-01-14T12') ? '2030-01-14T11:50Z' : '2030-01-14T12:50Z';
    expect(await launches('2030-01-14T09:50Z', wonMinute, other)).toEqual([0, 1, 0]);
    expect(await vcpus('2030-01-14T09:45Z', '2030-01-14T11:45Z', '2030-01-14T14:00Z')).toEqual([
      0,
      won.startTime.startsWith('2030-01-14T12') ? 2 : 0,
      won.startTime.startsWith('2030-01-14T12') ? 0 : 2,
    ]);
    expect(won.launchAt).toBe(`${wonMinute.slice(0, 16)}:00.000Z`);
  });

  test('a reschedule whose launch minute still fits keeps its slot; one to a full time is refused and changes nothing', async () => {
    const m = await book('2030-01-15T10:00:00Z');
    // Longer: same start, same launch minute and instant; only the vCPUs grow.
    const longer = await call('PATCH', `/meetings/${m.body.id}`, { durationMinutes: 120 });
    expect(JSON.parse(longer.body).launchAt).toBe(m.body.launchAt);
    expect(await launches('2030-01-15T09:50Z')).toEqual([1]);
    expect(await vcpus('2030-01-15T11:00Z', '2030-01-15T12:00Z', '2030-01-15T12:15Z')).toEqual([2, 2, 0]);
    for (let i = 0; i < 16; i++) await book('2030-01-15T14:00:00Z');
    const before = await itemCount();
    const refused = await call('PATCH', `/meetings/${m.body.id}`, { startTime: '2030-01-15T14:00:00Z' });
    expect(refused.statusCode).toBe(409);
    expect(JSON.parse(refused.body)).toMatchObject({
      error: 'CapacityExceeded',
      nearestStart: '2030-01-15T14:01:00.000Z',
    });
    expect(await itemCount()).toBe(before);
    expect(await deps.store.get(m.body.id)).toMatchObject({ revision: 1, launchAt: m.body.launchAt });
    expect(await launches('2030-01-15T09:50Z')).toEqual([1]);
  });

  test('an idempotent replay, sequential or concurrent, takes no second slot', async () => {
    const headers = { 'idempotency-key': 'booking-admission-1' };
    const first = await book('2030-01-16T10:00:00Z', {}, headers);
    const again = await Promise.all([1, 2, 3].map(() => book('2030-01-16T10:00:00Z', {}, headers)));
    expect(again.map((r) => r.body.id)).toEqual([first.body.id, first.body.id, first.body.id]);
    const racing = await Promise.all(
      [1, 2, 3, 4].map(() => book('2030-01-16T11:00:00Z', {}, { 'idempotency-key': 'booking-admission-2' })),
    );
    expect(new Set(racing.map((r) => r.body.id)).size).toBe(1);
    expect(await launches('2030-01-16T09:50Z', '2030-01-16T10:50Z')).toEqual([1, 1]);
    expect(await vcpus('2030-01-16T10:45Z')).toEqual([4]);
  });

  test('a failed meeting write gives back what the booking took: nothing held without a meeting', async () => {
    const before = await itemCount();
    const create = deps.store.create.bind(deps.store);
    deps.store.create = () => Promise.reject(new Error('DynamoDB is down'));
    try {
      expect((await book('2030-01-18T10:00:00Z')).status).toBe(500);
    } finally {
      deps.store.create = create;
    }
    expect(await itemCount()).toBe(before);
    expect(await launches('2030-01-18T09:50Z')).toEqual([0]);
  });

  test('a booking whose execution cannot start (no Idempotency-Key) is closed FAILED and frees its hold', async () => {
    sfnMock
      .on(StartExecutionCommand)
      .rejects(Object.assign(new Error('throttled'), { name: 'ThrottlingException' }));
    expect((await book('2030-01-19T10:00:00Z')).status).toBe(500);
    expect(await launches('2030-01-19T09:50Z')).toEqual([0]);
    expect(await vcpus('2030-01-19T09:45Z')).toEqual([0]);
  });

  test('the ledger never shows up in the meetings list (its items have no kind, status or createdAt)', async () => {
    await book('2030-01-17T10:00:00Z');
    const listed = JSON.parse((await call('GET', '/meetings', undefined)).body);
    expect(listed.items.length).toBeGreaterThan(0);
    expect(listed.items.every((m: { id: string }) => /^[0-9a-f-]{36}$/.test(m.id))).toBe(true);
  });
});

describe('admission configuration', () => {
  test('the API reads the published defaults, and names a bad variable', () => {
    expect(readApiConfig(env).admission).toEqual({
      launchesPerMinute: 96,
      vcpuBudget: 4500,
      vcpusPerServer: 2,
      leadSeconds: DEFAULT_LAUNCH_LEAD_MINUTES * 60,
      maxLaunchLeadSeconds: 1800,
      maxOverrunSeconds: 900,
    });
    expect(() => readApiConfig({ ...env, VCPU_QUOTA: 'lots' })).toThrow(/VCPU_QUOTA/);
    expect(() => readApiConfig({ ...env, LAUNCH_RATE_SHARE: '1.5' })).toThrow(/LAUNCH_RATE_SHARE/);
    expect(() =>
      readApiConfig({ ...env, MAX_LAUNCH_LEAD_SECONDS: String(DEFAULT_LAUNCH_LEAD_MINUTES * 60 - 60) }),
    ).toThrow(/MAX_LAUNCH_LEAD_SECONDS/);
  });

  test('CDK context: published defaults; a bad key is named', () => {
    expect(readAppConfig((k) => CONTEXT[k as keyof typeof CONTEXT])).toMatchObject({
      runInstancesRefillPerSecond: 2,
      runInstancesResourceRefillPerSecond: 2,
      launchRateShare: 0.8,
      vcpuQuota: 5000,
      vcpuQuotaShare: 0.9,
      maxLaunchLeadMinutes: 30,
    });
    for (const [key, value] of [
      ['runInstancesRefillPerSecond', '0'],
      ['launchRateShare', '2'],
      ['vcpuQuota', 'many'],
      ['vcpuQuotaShare', '0'],
      ['maxLaunchLeadMinutes', String(DEFAULT_LAUNCH_LEAD_MINUTES - 1)],
    ])
      expect(() => readAppConfig((k) => ({ ...CONTEXT, [key]: value })[k as 'jitsiDomain'])).toThrow(
        new RegExp(`invalid CDK context: ${key}:`),
      );
  });
});
