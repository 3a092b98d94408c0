import { EC2Client, RunInstancesCommand, TerminateInstancesCommand } from '@aws-sdk/client-ec2';
import { PUBLISHED_LIMITS, type AwsLimits } from '../../functions/shared/awsLimits';
import { VirtualClock } from '../../sim/clock';
import { routeToFake } from '../../sim/fakeAws';
import { FakeEc2 } from '../../sim/fakeEc2';
import { LambdaGate } from '../../sim/lambdaGate';
import { CallMeter } from '../../sim/meter';
import { Bucket, takeAll } from '../../sim/tokenBucket';

const T0 = Date.parse('2027-03-01T14:00:00Z');

describe('token bucket', () => {
  it('starts full, allows its burst at once, then throttles', () => {
    const now = T0;
    const b = new Bucket('RunInstances', { bucket: 5, refillPerSecond: 2 }, () => now);
    for (let i = 0; i < 5; i++) expect(b.take()).toBe(true);
    expect(b.take()).toBe(false);
    expect(b.lowest).toBe(0);
  });

  it('refills at its rate, never past its size', () => {
    let now = T0;
    const b = new Bucket('RunInstances', { bucket: 5, refillPerSecond: 2 }, () => now);
    for (let i = 0; i < 5; i++) b.take();
    now += 500;
    expect(b.take()).toBe(true); // one token after half a second at 2/s
    expect(b.take()).toBe(false);
    now += 60_000;
    expect(b.available()).toBe(5);
  });

  it('a call that needs more tokens than there are takes none', () => {
    const now = T0;
    const b = new Bucket('TerminateInstances (instances)', { bucket: 10, refillPerSecond: 1 }, () => now);
    expect(b.take(11)).toBe(false);
    expect(b.available()).toBe(10);
  });

  it('buckets are separate: draining one leaves the other full', () => {
    const now = () => T0;
    const run = new Bucket('RunInstances', { bucket: 5, refillPerSecond: 2 }, now);
    const describe = new Bucket('DescribeInstances', { bucket: 100, refillPerSecond: 20 }, now);
    for (let i = 0; i < 5; i++) run.take();
    expect(run.take()).toBe(false);
    expect(describe.available()).toBe(100);
  });

  it('takes from a request and a resource bucket together, or from neither', () => {
    const now = () => T0;
    const requests = new Bucket('RunInstances', { bucket: 5, refillPerSecond: 2 }, now);
    const resources = new Bucket('RunInstances (instances)', { bucket: 3, refillPerSecond: 2 }, now);
    expect(
      takeAll([
        [requests, 1],
        [resources, 3],
      ]),
    ).toBeUndefined();
    expect(
      takeAll([
        [requests, 1],
        [resources, 1],
      ]),
    ).toBe(resources);
    expect(requests.available()).toBe(4); // the throttled call took no request token
  });
});

describe('virtual clock', () => {
  let clock: VirtualClock;
  afterEach(() => clock?.uninstall());

  it('jumps to each timer in order, Date following it', async () => {
    clock = new VirtualClock(T0);
    const fired: Array<[string, number]> = [];
    setTimeout(() => fired.push(['an hour', Date.now()]), 3600_000);
    setTimeout(() => fired.push(['a second', Date.now()]), 1000);
    setImmediate(() => fired.push(['now', Date.now()]));
    const started = performance.now();
    await clock.drive(() => fired.length === 3, { deadline: T0 + 7200_000 });
    expect(fired).toEqual([
      ['now', T0],
      ['a second', T0 + 1000],
      ['an hour', T0 + 3600_000],
    ]);
    expect(new Date().getTime()).toBe(T0 + 3600_000);
    expect(performance.now() - started).toBeLessThan(2000);
  });

  it('runs promise chains between timers, so awaited sleeps add up', async () => {
    clock = new VirtualClock(T0);
    let doneAt = 0;
    void (async () => {
      for (let i = 0; i < 10; i++) await clock.sleep(15_000);
      doneAt = Date.now();
    })();
    await clock.drive(() => doneAt > 0, { deadline: T0 + 3600_000 });
    expect(doneAt).toBe(T0 + 150_000);
  });

  it('a cancelled timer never fires; an interval repeats until cleared', async () => {
    clock = new VirtualClock(T0);
    const ticks: number[] = [];
    const cancelled = setTimeout(() => ticks.push(-1), 10);
    clearTimeout(cancelled);
    const every = setInterval(() => {
      ticks.push(Date.now() - T0);
      if (ticks.length === 3) clearInterval(every);
    }, 1000);
    await clock.drive(() => ticks.length === 3, { deadline: T0 + 60_000 });
    expect(ticks).toEqual([1000, 2000, 3000]);
    expect(clock.pending()).toBe(0);
  });

  it('does not move while work is held', async () => {
    clock = new VirtualClock(T0);
    const release = clock.hold();
    let late = false;
    setTimeout(() => (late = true), 1000);
    let turns = 0;
    await clock.drive(() => ++turns > 50, { deadline: T0 + 60_000 });
    expect(clock.now()).toBe(T0);
    expect(late).toBe(false);
    release();
    await clock.drive(() => late, { deadline: T0 + 60_000 });
    expect(clock.now()).toBe(T0 + 1000);
  });

  it('says so when nothing is scheduled and the run is not done', async () => {
    clock = new VirtualClock(T0);
    await expect(clock.drive(() => false, { deadline: T0 + 1000 })).rejects.toThrow(/nothing scheduled/);
  });
});

describe('fake EC2', () => {
  let clock: VirtualClock;
  afterEach(() => clock?.uninstall());

  const world = (limits: Partial<AwsLimits>) => {
    clock = new VirtualClock(T0);
    const meter = new CallMeter();
    const ec2 = new FakeEc2(clock, meter, {
      limits: { ...PUBLISHED_LIMITS, ...limits },
      bootMs: () => 300_000,
      pendingMs: () => 20_000,
      latencyMs: 50,
    });
    const client = new EC2Client({
      region: 'us-east-1',
      credentials: { accessKeyId: 'a', secretAccessKey: 'b' },
    });
    routeToFake(client, ec2.operations(), meter);
    return { ec2, meter, client };
  };
  const settle = async <T>(p: Promise<T>): Promise<T> => {
    let done = false;
    const out = p.finally(() => (done = true));
    out.catch(() => undefined);
    await clock.drive(() => done, { deadline: T0 + 3600_000 });
    return out;
  };
  const launch = (client: EC2Client, token: string) =>
    client.send(
      new RunInstancesCommand({ InstanceType: 'c6i.large', MinCount: 1, MaxCount: 1, ClientToken: token }),
    );

  it('refuses a launch past the vCPU quota with VcpuLimitExceeded, not retried, until an instance is terminated', async () => {
    const { ec2, meter, client } = world({ vcpuQuota: 4 });
    const first = await settle(launch(client, 'a'));
    await settle(launch(client, 'b'));
    await expect(settle(launch(client, 'c'))).rejects.toMatchObject({ name: 'VcpuLimitExceeded' });
    expect(meter.refused.get('RunInstances')).toBe(1);
    expect(ec2.vcpusInUse).toBe(4);
    await settle(
      client.send(new TerminateInstancesCommand({ InstanceIds: [first.Instances![0].InstanceId!] })),
    );
    await settle(launch(client, 'c'));
    expect(ec2.peakVcpus).toBe(4);
  });

  it('answers the same instance for the same ClientToken', async () => {
    const { ec2, client } = world({});
    const a = await settle(launch(client, 'same'));
    const b = await settle(launch(client, 'same'));
    expect(b.Instances![0].InstanceId).toBe(a.Instances![0].InstanceId);
    expect(ec2.instances.size).toBe(1);
  });

  it('a throttled call is RequestLimitExceeded to the SDK, which tries it three times (standard mode)', async () => {
    const { meter, client } = world({ runInstances: { bucket: 1, refillPerSecond: 0.0001 } });
    await settle(launch(client, 'a'));
    await expect(settle(launch(client, 'b'))).rejects.toMatchObject({
      name: 'RequestLimitExceeded',
      $metadata: { attempts: 3 },
    });
    expect(meter.sent.get('RunInstances')).toBe(4);
    expect(meter.throttled.get('RunInstances')).toBe(3);
    // The SDK waited (backoff with jitter) between its attempts, in virtual time.
    expect(clock.now()).toBeGreaterThan(T0 + 150);
  });
});

describe('Lambda concurrency gate', () => {
  let clock: VirtualClock;
  afterEach(() => clock?.uninstall());

  it('refuses invocations past the limit as Lambda.TooManyRequestsException and reuses warm containers', async () => {
    clock = new VirtualClock(T0);
    const gate = new LambdaGate(clock, 2, { invokeMs: 10, coldStartMs: 300 });
    let built = 0;
    const fn = gate.function(
      () => ++built,
      async () => clock.sleep(1000),
    );
    const results = [fn({}), fn({}), fn({})].map((p) =>
      p.then(
        () => 'ok',
        (e: Error) => e.name,
      ),
    );
    let out: string[] = [];
    void Promise.all(results).then((r) => (out = r));
    await clock.drive(() => out.length === 3, { deadline: T0 + 60_000 });
    expect(out).toEqual(['ok', 'ok', 'Lambda.TooManyRequestsException']);
    expect(gate.peak).toBe(2);
    let again = false;
    void fn({}).then(() => (again = true));
    await clock.drive(() => again, { deadline: T0 + 60_000 });
    expect(built).toBe(2); // the fourth call found a warm container
    expect(gate.coldStarts).toBe(2);
    expect(gate.throttled).toBe(1);
  });
});
