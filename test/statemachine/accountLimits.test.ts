import { RunInstancesCommand, TerminateInstancesCommand } from '@aws-sdk/client-ec2';
import { ChangeResourceRecordSetsCommand } from '@aws-sdk/client-route-53';
import { Ec2Fleet } from '../../functions/shared/ec2Fleet';
import { telemetry } from '../../functions/shared/observability';
import type { MeetingStore } from '../../functions/shared/store';
import type { TaskDeps } from '../../functions/shared/taskDeps';
import { sweep } from '../../functions/sweeper/sweep';
import type { LocalDynamo } from '../../local/dynamo';
import { captureOutput, emfLines } from '../support/captureOutput';
import { awsError, fakeAws, FLEET_CONFIG, type FakeAwsOptions } from '../support/fakeAws';
import { dynamoWorld, inputFor, scheduleMeeting, scriptRoom, taskHandlers } from '../support/world';
import { runLifecycle } from './run';
import { drainSeconds, PUBLISHED_LIMITS } from '../../functions/shared/awsLimits';
import { loadDefinition, localSubstitutions } from '../../statemachine/definition';

type Retrier = {
  ErrorEquals: string[];
  IntervalSeconds?: number;
  MaxAttempts?: number;
  BackoffRate?: number;
  MaxDelaySeconds?: number;
  JitterStrategy?: string;
};
/** The pause before each retry, at most (before jitter): IntervalSeconds × BackoffRate^n, capped. */
const caps = (r: Retrier) =>
  Array.from({ length: r.MaxAttempts ?? 3 }, (_, n) =>
    Math.min((r.IntervalSeconds ?? 1) * (r.BackoffRate ?? 2) ** n, r.MaxDelaySeconds ?? Infinity),
  );
const sum = (xs: number[]) => xs.reduce((a, b) => a + b, 0);

describe('the retriers against the published limits (functions/shared/awsLimits.ts)', () => {
  const states = (loadDefinition(localSubstitutions()) as { States: Record<string, { Retry?: Retrier[] }> })
    .States;

  test('Teardown retries EC2 throttling long enough for 1,000 lessons ending at one minute', () => {
    const retry = states.Teardown.Retry!;
    const throttling = retry.find((r) => r.ErrorEquals.includes('RequestLimitExceeded'))!;
    expect(retry.indexOf(throttling)).toBeLessThan(
      retry.findIndex((r) => r.ErrorEquals.includes('States.ALL')),
    );
    expect(throttling.JitterStrategy).toBe('FULL');
    expect(throttling.MaxAttempts).toBeLessThanOrEqual(10);
    const herd = drainSeconds(PUBLISHED_LIMITS.terminateInstances, 1000);
    expect(herd).toBe(180);
    // Full jitter waits half the cap on average: the expected retry time is several times the herd's.
    expect(sum(caps(throttling)) / 2).toBeGreaterThanOrEqual(4 * herd);
  });

  test('Launch retries VcpuLimitExceeded slowly, for about the launch lead time, and no longer', () => {
    const vcpu = states.Launch.Retry!.find((r) => r.ErrorEquals.includes('VcpuLimitExceeded'))!;
    expect(vcpu.IntervalSeconds).toBeGreaterThanOrEqual(30);
    expect(sum(caps(vcpu))).toBeGreaterThanOrEqual(600);
    expect(sum(caps(vcpu))).toBeLessThanOrEqual(900);
  });
});

/**
 * Issue 20 on the real ASL engine: the health loop's DescribeInstances budget, the account's vCPU quota and
 * throttling that outlasts the retries (their own reasons and classes), and a teardown that survives an
 * end-of-hour herd (EC2 throttling retried long enough, Route 53 throttling left to the sweeper).
 */
describe('lifecycle under AWS limits (issue 20)', () => {
  let dynamo: LocalDynamo;
  let store: MeetingStore;
  beforeAll(async () => ({ dynamo, store } = await dynamoWorld()));
  afterAll(() => dynamo.close());

  function world(opts: FakeAwsOptions = {}) {
    const aws = fakeAws(opts);
    const deps: TaskDeps = {
      store,
      fleet: new Ec2Fleet({ ...FLEET_CONFIG, jitsiDomain: 'meet.example.test' }, aws.clients),
      telemetry: telemetry('lifecycle', { env: { LOG_LEVEL: 'WARN' } }),
    };
    return { aws, deps };
  }

  /** The MeetingsFailed classes published while `run` ran. */
  async function failedClasses<T>(run: () => Promise<T>) {
    const { result, lines } = await captureOutput(run);
    const classes = emfLines(lines)
      .filter((l) => l._aws.CloudWatchMetrics[0].Metrics[0].Name === 'MeetingsFailed')
      .map((l) => l.ReasonClass);
    return { result, classes, lines };
  }

  test('a 38-probe boot: launch to healthy with at most 3 DescribeInstances, every probe over HTTPS, one DNS write', async () => {
    const { aws, deps } = world({ httpsFailuresBeforeHealthy: 37, participants: 2 });
    scriptRoom(deps, [2, 0]);
    const meeting = await scheduleMeeting(store);
    const input = inputFor(meeting);
    const run = await runLifecycle(
      { ...input, health: { ...input.health, maxAttempts: 40 } },
      taskHandlers(deps),
      { healthWaitMs: 1 },
    );
    expect(run.succeeded).toBe(true);
    expect(run.entered.filter((s) => s === 'HealthCheck')).toHaveLength(38);
    const calls = aws.callsByApi();
    // Whole lifecycle, teardown included: the first probe (address unknown) and one after 20 failed probes.
    expect(calls.DescribeInstances).toBeLessThanOrEqual(3);
    expect(calls.DescribeInstances).toBe(2);
    expect(aws.fetched).toHaveLength(38);
    expect(calls.ChangeResourceRecordSets).toBe(2); // the UPSERT at health, the DELETE at teardown
    expect(calls.ListResourceRecordSets).toBeUndefined();
    expect(calls.TerminateInstances).toBe(1);
    expect(await store.get(meeting.id)).toMatchObject({ status: 'COMPLETED', publicIp: '203.0.113.10' });
  });

  test('health.firstProbeDelaySeconds in the input waits before the first probe; without it the first probe runs at once', async () => {
    const { deps } = world();
    const meeting = await scheduleMeeting(store);
    const input = inputFor(meeting);
    const delayed = await runLifecycle(
      { ...input, health: { ...input.health, firstProbeDelaySeconds: 90 } },
      taskHandlers(deps),
    );
    expect(delayed.succeeded).toBe(true);
    const at = delayed.entered.indexOf('WaitBeforeFirstHealthCheck');
    expect(at).toBeGreaterThan(delayed.entered.indexOf('Launch'));
    expect(delayed.entered[at + 1]).toBe('HealthCheck');

    const other = await scheduleMeeting(store);
    const plain = await runLifecycle(inputFor(other), taskHandlers(world().deps));
    expect(plain.entered).toContain('HasFirstProbeDelay');
    expect(plain.entered).not.toContain('WaitBeforeFirstHealthCheck');
  });

  test('VcpuLimitExceeded: retried slowly, then FAILED with the quota in the reason, class VcpuLimit', async () => {
    const { aws, deps } = world();
    aws.ec2Mock
      .on(RunInstancesCommand)
      .rejects(
        awsError(
          'VcpuLimitExceeded',
          'You have requested more vCPU capacity than your current vCPU limit of 64 allows',
        ),
      );
    const meeting = await scheduleMeeting(store);
    const { result: run, classes } = await failedClasses(() =>
      runLifecycle(inputFor(meeting), taskHandlers(deps)),
    );
    expect(run.error?.name).toBe('MeetingFailed');
    expect(run.failures.filter((s) => s === 'Launch')).toHaveLength(5); // first try + 4 slow retries
    // One RunInstances per attempt: no fallback across types and zones for the account's quota.
    expect(aws.ec2Mock.commandCalls(RunInstancesCommand)).toHaveLength(5);
    const record = await store.get(meeting.id);
    expect(record?.status).toBe('FAILED');
    expect(record?.statusReason).toMatch(/^On-Demand vCPU quota reached \(Service Quotas L-1216C47A/);
    expect(run.error?.message).toBe(record?.statusReason);
    expect(classes).toEqual(['VcpuLimit']);
  });

  test('EC2 throttling that outlasts the launch retries: FAILED saying so, class Throttled', async () => {
    const { aws, deps } = world();
    aws.ec2Mock.on(RunInstancesCommand).rejects(awsError('RequestLimitExceeded', 'Request limit exceeded.'));
    const meeting = await scheduleMeeting(store);
    const { result: run, classes } = await failedClasses(() =>
      runLifecycle(inputFor(meeting), taskHandlers(deps)),
    );
    expect(run.failures.filter((s) => s === 'Launch')).toHaveLength(6); // first try + 5 retries
    expect(await store.get(meeting.id)).toMatchObject({
      status: 'FAILED',
      statusReason:
        'AWS rate limit still exceeded after the retries (RequestLimitExceeded; launch failed): Request limit exceeded.',
    });
    expect(classes).toEqual(['Throttled']);
  });

  test('DescribeInstances throttled through every health-check retry: FAILED, class Throttled', async () => {
    const { aws, deps } = world();
    const meeting = await scheduleMeeting(store);
    const handlers = taskHandlers(deps);
    const { result: run, classes } = await failedClasses(() =>
      runLifecycle(inputFor(meeting), {
        ...handlers,
        HealthCheck: async () => {
          throw awsError('RequestLimitExceeded', 'Request limit exceeded.');
        },
      }),
    );
    expect(run.entered).toContain('HealthCheckFailed');
    expect(classes).toEqual(['Throttled']);
    expect(aws.liveInstances()).toEqual([]);
  });

  test('teardown outlasts an end-of-hour herd: TerminateInstances throttled 9 times, the 10th succeeds', async () => {
    const { aws, deps } = world();
    let throttled = 9;
    aws.ec2Mock.on(TerminateInstancesCommand).callsFake((input: { InstanceIds: string[] }) => {
      if (throttled-- > 0) throw awsError('RequestLimitExceeded', 'Request limit exceeded.');
      for (const id of input.InstanceIds) aws.instances.get(id)!.State = { Name: 'terminated' };
      return {};
    });
    const meeting = await scheduleMeeting(store);
    const run = await runLifecycle(inputFor(meeting), taskHandlers(deps));
    expect(run.succeeded).toBe(true);
    expect(run.failures.filter((s) => s === 'Teardown')).toHaveLength(9); // more than States.ALL's 6
    expect(aws.liveInstances()).toEqual([]);
    expect((await store.get(meeting.id))?.status).toBe('COMPLETED');
  });

  test('Route 53 throttled at teardown: the meeting ends at once, its record is left, the sweeper deletes it and never a live one', async () => {
    const { aws, deps } = world();
    const ended = await scheduleMeeting(store);
    const endedHost = ended.hostname;
    const handlers = taskHandlers(deps);
    // Route 53 is throttled from the teardown on (the UPSERT at health went through).
    const { result: run, lines } = await captureOutput(() =>
      runLifecycle(inputFor(ended), {
        ...handlers,
        Teardown: async (input) => {
          aws.faults.route53Throttled = true;
          return handlers.Teardown(input);
        },
      }),
    );
    expect(run.succeeded).toBe(true);
    expect(run.failures).not.toContain('Teardown'); // not failed, not retried for DNS
    expect(await store.get(ended.id)).toMatchObject({ status: 'COMPLETED' });
    expect(aws.liveInstances()).toEqual([]);
    expect(aws.dns.has(endedHost)).toBe(true);
    expect(
      emfLines(lines).some((l) => l._aws.CloudWatchMetrics[0].Metrics[0].Name === 'DnsRecordsLeft'),
    ).toBe(true);

    // Route 53 answers again. A live meeting with its record, and a record whose meeting is unknown.
    aws.faults.route53Throttled = false;
    aws.route53Mock.resetHistory();
    const live = await scheduleMeeting(store);
    await store.transition(live.id, 'LAUNCHING');
    aws.dns.set(live.hostname, '203.0.113.20');
    const unknown = '99999999-9999-4999-8999-999999999999.meet.example.test';
    aws.dns.set(unknown, '203.0.113.30');
    const { lines: sweptLines } = await captureOutput(() =>
      sweep(deps, { now: new Date(), maxLifetimeMs: 12 * 3600_000, graceMs: 15 * 60_000 }),
    );
    expect(aws.dns.has(endedHost)).toBe(false);
    expect(aws.dns.has(unknown)).toBe(false);
    expect(aws.dns.get(live.hostname)).toBe('203.0.113.20');
    expect(aws.route53Mock.commandCalls(ChangeResourceRecordSetsCommand)).toHaveLength(1); // one batch
    const swept = emfLines(sweptLines).find(
      (l) => l._aws.CloudWatchMetrics[0].Metrics[0].Name === 'DnsRecordsSwept',
    );
    expect(swept?.DnsRecordsSwept).toBe(2);
  });
});
