import { EC2ServiceException } from '@aws-sdk/client-ec2';
import type { AwsLimits } from '../functions/shared/awsLimits';
import { vcpusOf } from '../functions/shared/awsLimits';
import type { HttpsProbeTarget } from '../functions/shared/httpsProbe';
import type { VirtualClock } from './clock';
import { FakeService } from './fakeAws';
import type { CallMeter } from './meter';
import { Bucket } from './tokenBucket';

interface Tag {
  Key?: string;
  Value?: string;
}

/** One instance as the fake knows it; its state follows from the clock. */
export interface SimInstance {
  id: string;
  type: string;
  vcpus: number;
  meetingId?: string;
  tags: Tag[];
  publicIp: string;
  launchedAt: number;
  /** pending → running (with a public IP). */
  runningAt: number;
  /** When Jitsi answers /health: launchedAt + a boot time drawn from the configured distribution. */
  healthyAt: number;
  terminatedAt?: number;
}

export interface FakeEc2Options {
  limits: AwsLimits;
  /** Draws one boot time (RunInstances → /health answers), in ms. */
  bootMs: () => number;
  /** Draws the pending time (RunInstances → running with an address), in ms. */
  pendingMs: () => number;
  latencyMs: number;
}

/**
 * EC2 as the meeting lifecycle uses it (RunInstances, DescribeInstances, TerminateInstances, GetConsoleOutput),
 * with each API's request bucket and the resource buckets of RunInstances and TerminateInstances, and the
 * account's On-Demand vCPU quota: RunInstances answers VcpuLimitExceeded when the running and pending
 * instances' vCPUs plus the new one's would pass it; an instance holds its vCPUs until it is terminated.
 * Capacity errors (InsufficientInstanceCapacity) are not modelled: every type has capacity in every zone.
 */
export class FakeEc2 {
  private readonly service: FakeService;
  readonly buckets: Record<
    | 'runInstances'
    | 'runInstancesResources'
    | 'describeInstances'
    | 'terminateInstances'
    | 'terminateInstancesResources'
    | 'ec2NonMutating',
    Bucket
  >;
  readonly instances = new Map<string, SimInstance>();
  private readonly byMeeting = new Map<string, SimInstance[]>();
  private readonly byIp = new Map<string, SimInstance>();
  private readonly byToken = new Map<string, SimInstance>();
  private serial = 0;
  vcpusInUse = 0;
  peakVcpus = 0;

  constructor(
    clock: VirtualClock,
    meter: CallMeter,
    private readonly options: FakeEc2Options,
  ) {
    this.service = new FakeService(clock, meter, EC2ServiceException, options.latencyMs);
    const now = () => clock.now();
    const l = options.limits;
    this.buckets = {
      runInstances: new Bucket('RunInstances', l.runInstances, now),
      runInstancesResources: new Bucket('RunInstances (instances)', l.runInstancesResources, now),
      describeInstances: new Bucket('DescribeInstances', l.describeInstances, now),
      terminateInstances: new Bucket('TerminateInstances', l.terminateInstances, now),
      terminateInstancesResources: new Bucket(
        'TerminateInstances (instances)',
        l.terminateInstancesResources,
        now,
      ),
      ec2NonMutating: new Bucket('GetConsoleOutput (non-mutating)', l.ec2NonMutating, now),
    };
  }

  private now() {
    return this.service.clock.now();
  }

  /** EC2's throttling answer: HTTP 503 with RequestLimitExceeded. */
  private throttle = () => this.service.error('RequestLimitExceeded', 'Request limit exceeded.', 503);

  stateOf(i: SimInstance, now = this.now()): string {
    if (i.terminatedAt !== undefined) return 'terminated';
    return now < i.runningAt ? 'pending' : 'running';
  }

  /** The operations the SDK's EC2Client is routed to. */
  operations() {
    return {
      RunInstances: (input: {
        InstanceType?: string;
        ClientToken?: string;
        MinCount?: number;
        TagSpecifications?: Array<{ ResourceType?: string; Tags?: Tag[] }>;
      }) => {
        const count = input.MinCount ?? 1;
        return this.service.call(
          'RunInstances',
          [
            [this.buckets.runInstances, 1],
            [this.buckets.runInstancesResources, count],
          ],
          this.throttle,
          () => ({ Instances: [this.describe(this.runInstance(input))] }),
        );
      },
      DescribeInstances: (input: {
        InstanceIds?: string[];
        Filters?: Array<{ Name?: string; Values?: string[] }>;
      }) =>
        this.service.call('DescribeInstances', [[this.buckets.describeInstances, 1]], this.throttle, () => ({
          Reservations: this.find(input).map((i) => ({ Instances: [this.describe(i)] })),
        })),
      TerminateInstances: (input: { InstanceIds?: string[] }) => {
        const ids = input.InstanceIds ?? [];
        return this.service.call(
          'TerminateInstances',
          [
            [this.buckets.terminateInstances, 1],
            [this.buckets.terminateInstancesResources, ids.length],
          ],
          this.throttle,
          () => ({ TerminatingInstances: ids.map((id) => this.terminate(id)) }),
        );
      },
      GetConsoleOutput: (input: { InstanceId?: string }) =>
        this.service.call('GetConsoleOutput', [[this.buckets.ec2NonMutating, 1]], this.throttle, () => ({
          InstanceId: input.InstanceId,
          Output: '',
        })),
    };
  }

  private runInstance(input: {
    InstanceType?: string;
    ClientToken?: string;
    TagSpecifications?: Array<{ ResourceType?: string; Tags?: Tag[] }>;
  }): SimInstance {
    // ClientToken: the same token answers the same instance (ec2Fleet.ts's launchToken), tokens spent or not.
    const repeat = input.ClientToken ? this.byToken.get(input.ClientToken) : undefined;
    if (repeat) return repeat;
    const type = input.InstanceType ?? 'c6i.large';
    const vcpus = vcpusOf(type);
    if (this.vcpusInUse + vcpus > this.options.limits.vcpuQuota) {
      throw this.service.error(
        'VcpuLimitExceeded',
        `You have requested more vCPU capacity than your current vCPU limit of ${this.options.limits.vcpuQuota} allows for the instance bucket that the specified instance type belongs to. Please visit http://aws.amazon.com/contact-us/ec2-request to request an adjustment to this limit.`,
        400,
      );
    }
    const n = ++this.serial;
    const now = this.now();
    const tags = input.TagSpecifications?.find((t) => t.ResourceType === 'instance')?.Tags ?? [];
    const instance: SimInstance = {
      id: `i-${n.toString(16).padStart(17, '0')}`,
      type,
      vcpus,
      meetingId: tags.find((t) => t.Key === 'meetingId')?.Value,
      tags,
      publicIp: `198.${18 + (n >> 16)}.${(n >> 8) & 255}.${n & 255}`,
      launchedAt: now,
      runningAt: now + this.options.pendingMs(),
      healthyAt: now + this.options.bootMs(),
    };
    instance.healthyAt = Math.max(instance.healthyAt, instance.runningAt);
    this.instances.set(instance.id, instance);
    this.byIp.set(instance.publicIp, instance);
    if (input.ClientToken) this.byToken.set(input.ClientToken, instance);
    if (instance.meetingId) {
      const list = this.byMeeting.get(instance.meetingId) ?? [];
      list.push(instance);
      this.byMeeting.set(instance.meetingId, list);
    }
    this.vcpusInUse += vcpus;
    this.peakVcpus = Math.max(this.peakVcpus, this.vcpusInUse);
    return instance;
  }

  private terminate(id: string) {
    const i = this.instances.get(id);
    if (!i)
      throw this.service.error('InvalidInstanceID.NotFound', `The instance ID '${id}' does not exist`, 400);
    const previous = this.stateOf(i);
    if (i.terminatedAt === undefined) {
      i.terminatedAt = this.now();
      this.vcpusInUse -= i.vcpus;
    }
    return { InstanceId: id, PreviousState: { Name: previous }, CurrentState: { Name: 'shutting-down' } };
  }

  private find(input: { InstanceIds?: string[]; Filters?: Array<{ Name?: string; Values?: string[] }> }) {
    if (input.InstanceIds) {
      return input.InstanceIds.map((id) => {
        const i = this.instances.get(id);
        if (!i)
          throw this.service.error(
            'InvalidInstanceID.NotFound',
            `The instance ID '${id}' does not exist`,
            400,
          );
        return i;
      });
    }
    const filters = input.Filters ?? [];
    const meetingId = filters.find((f) => f.Name === 'tag:meetingId')?.Values?.[0];
    const pool =
      meetingId !== undefined ? (this.byMeeting.get(meetingId) ?? []) : [...this.instances.values()];
    const now = this.now();
    return pool.filter((i) =>
      filters.every((f) => {
        const values = f.Values ?? [];
        if (f.Name === 'instance-state-name') return values.includes(this.stateOf(i, now));
        if (f.Name?.startsWith('tag:')) {
          const key = f.Name.slice(4);
          return i.tags.some((t) => t.Key === key && values.includes(t.Value ?? ''));
        }
        return true;
      }),
    );
  }

  private describe(i: SimInstance) {
    const state = this.stateOf(i);
    return {
      InstanceId: i.id,
      InstanceType: i.type,
      State: { Name: state },
      LaunchTime: new Date(i.launchedAt),
      Tags: i.tags,
      ...(state === 'running' ? { PublicIpAddress: i.publicIp } : {}),
    };
  }

  /**
   * The health probe's HTTPS GET (httpsProbe.ts's httpsStatus), answered from the instance behind the address:
   * refused until its boot is over, 200 after.
   */
  httpsStatus = async (target: HttpsProbeTarget): Promise<number> => {
    await this.service.clock.sleep(this.options.latencyMs);
    const i = this.byIp.get(target.address);
    if (!i || this.stateOf(i) !== 'running' || this.now() < i.healthyAt)
      throw new Error(`connect ECONNREFUSED ${target.address}:443`);
    return 200;
  };

  instanceOf(id: string): SimInstance | undefined {
    return this.instances.get(id);
  }

  /** Instance-minutes of every instance, counted until it was terminated or until `end`. */
  instanceMinutes(end: number): { total: number; stillRunning: number } {
    let ms = 0;
    let stillRunning = 0;
    for (const i of this.instances.values()) {
      if (i.terminatedAt === undefined) stillRunning++;
      ms += (i.terminatedAt ?? end) - i.launchedAt;
    }
    return { total: ms / 60_000, stillRunning };
  }
}
