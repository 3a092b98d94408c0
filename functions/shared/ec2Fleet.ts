import {
  DescribeInstancesCommand,
  EC2Client,
  GetConsoleOutputCommand,
  RunInstancesCommand,
  TerminateInstancesCommand,
  type Instance,
  type _InstanceType,
} from '@aws-sdk/client-ec2';
import {
  ChangeResourceRecordSetsCommand,
  ListResourceRecordSetsCommand,
  Route53Client,
} from '@aws-sdk/client-route-53';
import { GetCommandInvocationCommand, SendCommandCommand, SSMClient } from '@aws-sdk/client-ssm';
import { createHash } from 'node:crypto';
import { ROUTE53_MAX_CHANGES_PER_REQUEST } from './awsLimits';
import { noCapacity, TaskError, vcpuLimitExceeded } from './errors';
import type { httpsStatus } from './httpsProbe';
import type {
  DnsRecord,
  Fleet,
  HealthProbe,
  LaunchedServer,
  ParticipantCount,
  ProbeTarget,
  RunningServer,
  ServerRef,
} from './fleet';
import { parseRoomCount, roomCountCommand } from './roomOccupancy';

export interface Ec2FleetConfig {
  appTag: string;
  launchTemplateId: string;
  /** Tried in order; the next one is used when EC2 has no capacity for the previous. */
  instanceTypes: string[];
  /** Public subnets, one per AZ; when no type fits in one AZ the next is tried. */
  subnetIds: string[];
  hostedZoneId: string;
  /** How long attendance waits for the SSM command, in polls of pollIntervalMs. */
  ssmPolls: number;
  pollIntervalMs: number;
  httpTimeoutMs: number;
  /**
   * The meeting domain (`<id>.<jitsiDomain>` are the meeting records): the sweeper deletes leftover records
   * only under it. Without it listDnsRecords finds none.
   */
  jitsiDomain?: string;
  /** Route 53 calls per DNS change, the first included (default ROUTE53_ATTEMPTS). */
  route53Attempts?: number;
  /** Full-jitter base pause between them (default ROUTE53_BASE_DELAY_MS). */
  route53BaseDelayMs?: number;
  /** Most changes in one ChangeResourceRecordSets of the sweeper (default and maximum ROUTE53_MAX_CHANGES_PER_CALL). */
  dnsBatchSize?: number;
}

export interface Ec2FleetClients {
  ec2: EC2Client;
  route53: Route53Client;
  ssm: SSMClient;
  httpsStatus: typeof httpsStatus;
  sleep: (ms: number) => Promise<void>;
}

const LIVE_STATES = ['pending', 'running', 'stopping', 'stopped'];
/**
 * Route 53 answers these when the account's 5 requests/s are used up (Throttling) or a change to the same record
 * is still being applied (PriorRequestNotComplete). The SDK retries them a few times already; meetings that
 * launch at the same minute share that limit, so a DNS call gets a few more tries, with full jitter, bounded
 * (ROUTE53_ATTEMPTS × at most ROUTE53_BASE_DELAY_MS · 2^n, ~1.75 s in all) to stay well inside a task's timeout.
 */
const ROUTE53_RETRYABLE = new Set(['Throttling', 'PriorRequestNotComplete']);
export const ROUTE53_ATTEMPTS = 4;
export const ROUTE53_BASE_DELAY_MS = 250;
const SSM_THROTTLED = 'ThrottlingException';
export const SSM_ATTEMPTS = 5;
export const SSM_BASE_DELAY_MS = 1000;
/**
 * Route 53 limits: "A request cannot contain more than 1,000 ResourceRecord elements" (a DELETE of a one-value A
 * record is one; UPSERT counts twice), at most 32,000 characters of values, and 5 requests per second per
 * account ("Quotas", https://docs.aws.amazon.com/Route53/latest/DeveloperGuide/DNSLimitations.html; older API
 * references also said "no more than 100 Change elements"). The current throttling page
 * (https://docs.aws.amazon.com/Route53/latest/DeveloperGuide/throttling-api-requests.html) describes a request
 * bucket of 50 refilled at 10/s and a separate change-throughput bucket: a batch the service refuses as too large
 * is split in halves (deleteDnsRecords), and the batch size is configuration (DNS_BATCH_SIZE), so a lower real
 * limit costs calls, not records.
 */
export const ROUTE53_MAX_CHANGES_PER_CALL = ROUTE53_MAX_CHANGES_PER_REQUEST;
/** The most ChangeResourceRecordSets one sweep makes (batches and their splits); the rest waits for the next. */
export const DNS_SWEEP_MAX_CALLS = 60;
/** The A record's TTL: written by the health check's UPSERT, named again by the DELETE that removes it. */
export const DNS_TTL_SECONDS = 60;
/**
 * With the address known, the instance is described again after this many failed HTTPS probes in a row (5 min
 * at 15 s). The health check passes its own, half its probe budget (functions/health-check/checkHealth.ts),
 * so a meeting that becomes healthy was described at most twice by its probes.
 */
export const DEFAULT_DESCRIBE_EVERY_PROBES = 20;
/** EC2 answers these when a type has no capacity in a zone: the next type or zone may have some. */
const CAPACITY_ERRORS = new Set(['InsufficientInstanceCapacity', 'InsufficientCapacity', 'Unsupported']);
/**
 * The account's quota, not EC2's capacity: every type of this app counts against the one On-Demand Standard vCPU
 * quota (L-1216C47A), so trying other types or zones only spends RunInstances tokens. InstanceLimitExceeded is
 * the older per-instance-count limit of accounts not yet on vCPU limits.
 */
const QUOTA_ERRORS = new Set(['VcpuLimitExceeded', 'InstanceLimitExceeded']);

export class Ec2Fleet implements Fleet {
  constructor(
    private readonly config: Ec2FleetConfig,
    private readonly clients: Ec2FleetClients,
  ) {}

  async launch(
    server: ServerRef & { revision: number; roomName: string; maybeLaunchedBefore?: boolean },
  ): Promise<LaunchedServer> {
    // A retried launch looks for the server an earlier attempt started (perhaps with a fallback type, whose
    // ClientToken this attempt would not repeat); a first attempt has none to find and saves the call.
    if (server.maybeLaunchedBefore !== false) {
      const existing = (await this.instancesOf(server.meetingId, ['pending', 'running']))[0];
      if (existing?.InstanceId) {
        return { instanceId: existing.InstanceId, instanceType: existing.InstanceType ?? 'unknown' };
      }
    }
    // Every type in the first zone, then every type in the next: capacity runs out per AZ and type.
    const candidates = this.config.subnetIds.flatMap((subnetId, zone) =>
      this.config.instanceTypes.map((instanceType) => ({ subnetId, zone, instanceType })),
    );
    for (const { subnetId, zone, instanceType } of candidates) {
      try {
        const out = await this.clients.ec2.send(
          new RunInstancesCommand({
            LaunchTemplate: { LaunchTemplateId: this.config.launchTemplateId, Version: '$Default' },
            // Validated as EC2 instance type names at synth time (infra/config.ts); the SDK's union lags new types.
            InstanceType: instanceType as _InstanceType,
            SubnetId: subnetId,
            MinCount: 1,
            MaxCount: 1,
            ClientToken: launchToken(server.meetingId, server.revision, zone, instanceType),
            TagSpecifications: (['instance', 'volume'] as const).map((ResourceType) => ({
              ResourceType,
              Tags: serverTags(this.config.appTag, server),
            })),
          }),
        );
        const instanceId = out.Instances?.[0]?.InstanceId;
        if (!instanceId) throw new TaskError('LaunchFailed', 'RunInstances returned no instance');
        return { instanceId, instanceType };
      } catch (err) {
        if (CAPACITY_ERRORS.has((err as Error).name)) continue;
        if (QUOTA_ERRORS.has((err as Error).name))
          throw vcpuLimitExceeded(instanceType, `${(err as Error).name}: ${(err as Error).message}`);
        throw err;
      }
    }
    throw noCapacity(this.config.instanceTypes);
  }

  /**
   * One health probe. DescribeInstances only while the address is unknown, and again after HTTPS failed
   * `describeEveryProbes` probes in a row (or on the last probe of the budget): a server that powered off is
   * found then, with its bootstrap's reason. Otherwise HTTPS to the known address only (issue 20: with probes
   * every 15 s, 1,000 booting servers described on every probe need 67 DescribeInstances/s against a bucket of
   * 100 refilled at 20/s, "Request throttling for the Amazon EC2 API",
   * https://docs.aws.amazon.com/ec2/latest/devguide/ec2-api-throttling.html; this way a meeting that becomes
   * healthy is described at most twice by its probes).
   */
  async probe(server: ProbeTarget): Promise<HealthProbe> {
    let publicIp = server.publicIp;
    let since = (server.probesSinceDescribe ?? 0) + 1;
    if (!publicIp) {
      const seen = await this.describeLive(server.instanceId);
      since = 0;
      if (seen.state !== 'running' || !seen.publicIp)
        return {
          healthy: false,
          detail: `instance is ${seen.state}`,
          publicIp: seen.publicIp,
          probesSinceDescribe: 0,
        };
      publicIp = seen.publicIp;
    }
    // Once per address: the record only has to change when the instance's IP does.
    if (server.dnsIp !== publicIp) {
      try {
        await this.upsertDns(server.hostname, publicIp);
      } catch (err) {
        // Still throttled after the retries: "not yet" (the next probe tries again), not a failed meeting.
        if (!ROUTE53_RETRYABLE.has((err as Error).name)) throw err;
        return {
          healthy: false,
          detail: `DNS record not written yet: ${(err as Error).name}`,
          publicIp,
          dnsIp: server.dnsIp,
          probesSinceDescribe: since,
        };
      }
    }
    const dnsIp = publicIp;
    let detail: string;
    try {
      const status = await this.clients.httpsStatus({
        address: publicIp,
        hostname: server.hostname,
        path: '/health',
        timeoutMs: this.config.httpTimeoutMs,
      });
      if (status >= 200 && status < 300)
        return { healthy: true, detail: 'jitsi answered', publicIp, dnsIp, probesSinceDescribe: since };
      detail = `health endpoint answered ${status}`;
    } catch (err) {
      detail = `health endpoint unreachable: ${(err as Error).message}`;
    }
    const every = Math.max(1, server.describeEveryProbes ?? DEFAULT_DESCRIBE_EVERY_PROBES);
    if (since > 0 && (since >= every || server.lastProbe)) {
      // No answer for a long while: is the server still there? Throws BootstrapFailed / InstanceLost if not.
      const seen = await this.describeLive(server.instanceId);
      since = 0;
      if (seen.state !== 'running') detail = `${detail} (instance is ${seen.state})`;
      // A new address (never for these instances, but cheap to honour): the next probe writes the record.
      if (seen.publicIp) publicIp = seen.publicIp;
    }
    return { healthy: false, detail, publicIp, dnsIp, probesSinceDescribe: since };
  }

  /**
   * The instance's state and address; throws when it is gone or powering off: BootstrapFailed with the reason the
   * bootstrap printed on the console (GetConsoleOutput), else InstanceLost.
   */
  private async describeLive(instanceId: string): Promise<{ state: string; publicIp?: string }> {
    const out = await this.clients.ec2.send(new DescribeInstancesCommand({ InstanceIds: [instanceId] }));
    const instance = out.Reservations?.[0]?.Instances?.[0];
    const state = instance?.State?.Name ?? 'missing';
    if (!instance || ['shutting-down', 'terminated', 'stopping', 'stopped'].includes(state)) {
      // A bootstrap that failed said why on the console before powering off: that is the meeting's reason.
      const bootstrapFailure = instance ? await this.bootstrapFailure(instanceId) : undefined;
      if (bootstrapFailure) throw new TaskError('BootstrapFailed', bootstrapFailure);
      throw new TaskError('InstanceLost', `instance ${instanceId} is ${state}`);
    }
    return { state, publicIp: instance.PublicIpAddress };
  }

  /**
   * Asks Prosody's mod_muc_size on the instance itself (roomOccupancy.ts), so it is never exposed to the
   * internet. Not JVB's /colibri/stats: a lone participant never reaches the bridge (Jicofo min-participants).
   */
  async countParticipants(
    server: ServerRef & { instanceId: string; roomName: string },
  ): Promise<ParticipantCount> {
    try {
      const command = roomCountCommand({ hostname: server.hostname, roomName: server.roomName });
      const sent = await this.ssmThrottled(() =>
        this.clients.ssm.send(
          new SendCommandCommand({
            DocumentName: 'AWS-RunShellScript',
            InstanceIds: [server.instanceId],
            Parameters: { commands: [command] },
            TimeoutSeconds: 30,
            Comment: `attendance ${server.meetingId}`.slice(0, 100),
          }),
        ),
      );
      const commandId = sent.Command?.CommandId;
      if (!commandId) return { known: false, reason: 'SSM returned no command id' };
      for (let poll = 0; poll < this.config.ssmPolls; poll++) {
        await this.clients.sleep(this.config.pollIntervalMs);
        let inv;
        try {
          inv = await this.clients.ssm.send(
            new GetCommandInvocationCommand({ CommandId: commandId, InstanceId: server.instanceId }),
          );
        } catch (err) {
          // The invocation is not visible for a moment after SendCommand; a throttled poll is simply the next one.
          if ((err as Error).name === 'InvocationDoesNotExist' || (err as Error).name === SSM_THROTTLED)
            continue;
          throw err;
        }
        if (inv.Status === 'Pending' || inv.Status === 'InProgress' || inv.Status === 'Delayed') continue;
        if (inv.Status !== 'Success') return { known: false, reason: `room count command ${inv.Status}` };
        return parseRoomCount(inv.StandardOutputContent ?? '');
      }
      return { known: false, reason: 'room count command did not finish in time' };
    } catch (err) {
      return {
        known: false,
        reason: `room count unavailable: ${(err as Error).name}: ${(err as Error).message}`,
      };
    }
  }

  /**
   * Terminate first (it stops the billing), by the id the meeting's record knows: one TerminateInstances, no
   * DescribeInstances (at the end of an hour 1,000 lessons end together: TerminateInstances' request bucket is
   * 100, refilled at 5/s, its resource bucket 1,000 refilled at 20/s; DescribeInstances' 100 at 20/s:
   * https://docs.aws.amazon.com/ec2/latest/devguide/ec2-api-throttling.html). Without ids, every instance tagged with the meeting. Then the DNS record: one DELETE
   * naming the values the record knows (no List), retried a bounded number of times; still throttled, it is left
   * to the sweeper (`dnsLeft`), which deletes leftover records in batches, instead of failing the teardown.
   */
  async terminate(
    server: ServerRef & { instanceIds?: string[]; publicIp?: string },
  ): Promise<{ terminatedInstanceIds: string[]; dnsLeft?: boolean }> {
    const ids = server.instanceIds
      ? server.instanceIds
      : (await this.instancesOf(server.meetingId, LIVE_STATES.concat('shutting-down')))
          .map((i) => i.InstanceId)
          .filter((id): id is string => Boolean(id));
    await this.terminateInstances(ids);
    try {
      await this.deleteDns(server.hostname, server.publicIp);
    } catch (err) {
      if (!ROUTE53_RETRYABLE.has((err as Error).name)) throw err;
      return { terminatedInstanceIds: ids, dnsLeft: true };
    }
    return { terminatedInstanceIds: ids };
  }

  async listServers(): Promise<RunningServer[]> {
    const servers: RunningServer[] = [];
    let NextToken: string | undefined;
    do {
      const out = await this.clients.ec2.send(
        new DescribeInstancesCommand({
          Filters: [
            { Name: 'tag:app', Values: [this.config.appTag] },
            { Name: 'instance-state-name', Values: LIVE_STATES },
          ],
          NextToken,
        }),
      );
      for (const i of (out.Reservations ?? []).flatMap((r) => r.Instances ?? [])) {
        if (!i.InstanceId) continue;
        servers.push({
          instanceId: i.InstanceId,
          meetingId: i.Tags?.find((t) => t.Key === 'meetingId')?.Value,
          launchedAt: i.LaunchTime ?? new Date(0),
        });
      }
      NextToken = out.NextToken;
    } while (NextToken);
    return servers;
  }

  async terminateInstances(instanceIds: string[]): Promise<void> {
    if (instanceIds.length === 0) return;
    try {
      await this.clients.ec2.send(new TerminateInstancesCommand({ InstanceIds: instanceIds }));
    } catch (err) {
      if ((err as Error).name !== 'InvalidInstanceID.NotFound') throw err;
    }
  }

  /**
   * The reason infra/bootstrap/jitsi-bootstrap.sh printed to the serial console before powering off, if any.
   * `Latest` asks for the newest output (Nitro instances), not the copy EC2 takes at boot and shutdown; an
   * error here never hides the instance's own state, so it only ever adds a reason.
   */
  private async bootstrapFailure(instanceId: string): Promise<string | undefined> {
    for (const Latest of [true, false]) {
      try {
        const out = await this.clients.ec2.send(
          new GetConsoleOutputCommand({ InstanceId: instanceId, Latest }),
        );
        return bootstrapFailureIn(Buffer.from(out.Output ?? '', 'base64').toString('utf8'));
      } catch {
        // Latest is refused on instances that are not built on Nitro: ask for the plain copy.
      }
    }
    return undefined;
  }

  private async instancesOf(meetingId: string, states: string[]): Promise<Instance[]> {
    const out = await this.clients.ec2.send(
      new DescribeInstancesCommand({
        Filters: [
          { Name: 'tag:app', Values: [this.config.appTag] },
          { Name: 'tag:meetingId', Values: [meetingId] },
          { Name: 'instance-state-name', Values: states },
        ],
      }),
    );
    return (out.Reservations ?? []).flatMap((r) => r.Instances ?? []);
  }

  /**
   * Runs an SSM call, retrying ThrottlingException with full jitter a bounded number of times (SSM_ATTEMPTS ×
   * at most SSM_BASE_DELAY_MS · 2^n: 15 s in all, so with the 20 one-second polls the check stays inside its
   * Task's 60 s). The room checks of a minute's lessons land in the same minute (spread over it by their launch
   * slots, functions/api/booking.ts), and Systems Manager publishes no per-API rate for SendCommand: after the
   * SDK's own 3 attempts a throttled count would read "unknown", which keeps an empty room (a no-show) running.
   */
  private async ssmThrottled<T>(call: () => Promise<T>): Promise<T> {
    for (let attempt = 1; ; attempt++) {
      try {
        return await call();
      } catch (err) {
        if ((err as Error).name !== SSM_THROTTLED || attempt >= SSM_ATTEMPTS) throw err;
        await this.clients.sleep(Math.random() * SSM_BASE_DELAY_MS * 2 ** (attempt - 1));
      }
    }
  }

  /** Runs a Route 53 call, retrying Throttling / PriorRequestNotComplete a bounded number of times. */
  private async route53<T>(call: () => Promise<T>): Promise<T> {
    for (let attempt = 1; ; attempt++) {
      try {
        return await call();
      } catch (err) {
        const attempts = this.config.route53Attempts ?? ROUTE53_ATTEMPTS;
        if (!ROUTE53_RETRYABLE.has((err as Error).name) || attempt >= attempts) throw err;
        const base = this.config.route53BaseDelayMs ?? ROUTE53_BASE_DELAY_MS;
        await this.clients.sleep(Math.random() * base * 2 ** (attempt - 1));
      }
    }
  }

  private async upsertDns(hostname: string, ip: string): Promise<void> {
    await this.route53(() =>
      this.clients.route53.send(
        new ChangeResourceRecordSetsCommand({
          HostedZoneId: this.config.hostedZoneId,
          ChangeBatch: {
            Changes: [
              {
                Action: 'UPSERT',
                ResourceRecordSet: aRecord({ hostname, ip, ttl: DNS_TTL_SECONDS }),
              },
            ],
          },
        }),
      ),
    );
  }

  /**
   * Deletes the meeting's A record. With the address it points at, one ChangeResourceRecordSets names the record
   * exactly (a DELETE must repeat its values). Without it (a meeting whose health check never saw an address),
   * the record is looked up first. Gone already, or pointing elsewhere now, is InvalidChangeBatch: nothing of
   * ours to delete (a record pointing elsewhere is the sweeper's, which reads the values from the zone).
   */
  private async deleteDns(hostname: string, ip?: string): Promise<void> {
    let record: DnsRecord | undefined = ip ? { hostname, ip, ttl: DNS_TTL_SECONDS } : undefined;
    if (!record) {
      const out = await this.route53(() =>
        this.clients.route53.send(
          new ListResourceRecordSetsCommand({
            HostedZoneId: this.config.hostedZoneId,
            StartRecordName: hostname,
            StartRecordType: 'A',
            MaxItems: 1,
          }),
        ),
      );
      const found = out.ResourceRecordSets?.[0];
      // Route 53 answers with the next name when ours is gone; only delete an exact match.
      if (!found || found.Type !== 'A' || !sameName(found.Name, hostname)) return;
      const value = found.ResourceRecords?.[0]?.Value;
      if (!value) return;
      record = { hostname, ip: value, ttl: found.TTL ?? DNS_TTL_SECONDS };
    }
    const toDelete = record;
    try {
      await this.route53(() => this.changeBatch([toDelete]));
    } catch (err) {
      if ((err as Error).name !== 'InvalidChangeBatch') throw err;
    }
  }

  private changeBatch(records: DnsRecord[]) {
    return this.clients.route53.send(
      new ChangeResourceRecordSetsCommand({
        HostedZoneId: this.config.hostedZoneId,
        ChangeBatch: {
          Comment: 'meeting-scheduler: meeting records of ended meetings',
          Changes: records.map((r) => ({ Action: 'DELETE', ResourceRecordSet: aRecord(r) })),
        },
      }),
    );
  }

  /**
   * Every one-value A record `<label>.<jitsiDomain>` of the zone (the meeting records), page by page (Route 53
   * pages ListResourceRecordSets at up to 300 records).
   */
  async listDnsRecords(): Promise<DnsRecord[]> {
    const domain = this.config.jitsiDomain?.replace(/\.$/, '').toLowerCase();
    if (!domain) return [];
    const records: DnsRecord[] = [];
    let start: { name?: string; type?: string } = {};
    for (;;) {
      const out = await this.route53(() =>
        this.clients.route53.send(
          new ListResourceRecordSetsCommand({
            HostedZoneId: this.config.hostedZoneId,
            StartRecordName: start.name,
            StartRecordType: start.type as never,
            MaxItems: 300,
          }),
        ),
      );
      for (const r of out.ResourceRecordSets ?? []) {
        const name = (r.Name ?? '').replace(/\.$/, '').toLowerCase();
        const label = name.slice(0, -(domain.length + 1));
        const value = r.ResourceRecords?.[0]?.Value;
        if (r.Type !== 'A' || !name.endsWith(`.${domain}`) || !label || label.includes('.')) continue;
        if (!value || r.ResourceRecords?.length !== 1 || r.AliasTarget) continue;
        records.push({ hostname: name, ip: value, ttl: r.TTL ?? DNS_TTL_SECONDS });
      }
      if (!out.IsTruncated || !out.NextRecordName) break;
      start = { name: out.NextRecordName, type: out.NextRecordType };
    }
    return records;
  }

  /**
   * Deletes the records in batches of dnsBatchSize (at most 1,000: see ROUTE53_MAX_CHANGES_PER_CALL), one
   * ChangeResourceRecordSets each. A batch is a transaction: one record deleted or changed since it was listed
   * fails the whole batch with InvalidChangeBatch (InvalidInput: larger than this account's Route 53 accepts),
   * so a refused batch is split in halves until the stale record stands alone and is skipped. Still throttled
   * after the bounded retries, the run stops: the next sweep tries again, rather than this one adding calls to
   * a throttled account. At most DNS_SWEEP_MAX_CALLS calls per run (the sweeper's Lambda has 2 minutes).
   */
  async deleteDnsRecords(
    records: DnsRecord[],
  ): Promise<{ deleted: number; calls: number; throttled?: boolean }> {
    const size = Math.min(
      ROUTE53_MAX_CHANGES_PER_CALL,
      Math.max(1, this.config.dnsBatchSize ?? ROUTE53_MAX_CHANGES_PER_CALL),
    );
    let deleted = 0;
    let calls = 0;
    let throttled = false;
    const attempt = async (batch: DnsRecord[]): Promise<void> => {
      if (throttled || calls >= DNS_SWEEP_MAX_CALLS) return;
      try {
        calls++;
        await this.route53(() => this.changeBatch(batch));
        deleted += batch.length;
      } catch (err) {
        const name = (err as Error).name;
        if (ROUTE53_RETRYABLE.has(name)) {
          throttled = true;
          return;
        }
        if (name !== 'InvalidChangeBatch' && name !== 'InvalidInput') throw err;
        // One record alone: gone or changed since it was listed; nothing of ours to delete.
        if (batch.length === 1) return;
        const half = Math.ceil(batch.length / 2);
        await attempt(batch.slice(0, half));
        await attempt(batch.slice(half));
      }
    };
    for (let i = 0; i < records.length; i += size) await attempt(records.slice(i, i + size));
    return throttled ? { deleted, calls, throttled } : { deleted, calls };
  }
}

/** The tags RunInstances puts on a meeting's instance and its volume (the launch role requires `app`). */
export function serverTags(appTag: string, server: ServerRef & { roomName: string }) {
  return [
    { Key: 'app', Value: appTag },
    { Key: 'meetingId', Value: server.meetingId },
    // Read by the bootstrap through instance metadata: the server's name, and the one room it serves.
    { Key: 'hostname', Value: server.hostname },
    { Key: 'roomName', Value: server.roomName },
    { Key: 'Name', Value: `jitsi-${server.meetingId}` },
  ];
}

function aRecord(r: DnsRecord) {
  return { Name: r.hostname, Type: 'A' as const, TTL: r.ttl, ResourceRecords: [{ Value: r.ip }] };
}

function sameName(a: string | undefined, b: string): boolean {
  return (a ?? '').replace(/\.$/, '').toLowerCase() === b.replace(/\.$/, '').toLowerCase();
}

/**
 * The RunInstances ClientToken of one launch attempt: the same for retries of that attempt (a Lambda retried
 * after RunInstances succeeded gets the instance it already started), different for every launch that must
 * create a new server. EC2 remembers a token for at least 24 hours after its instance is terminated and answers
 * a repeat with that terminated instance ("Ensuring idempotency in Amazon EC2 API requests",
 * https://docs.aws.amazon.com/ec2/latest/devguide/ec2-api-idempotency.html), so the meeting's revision is part
 * of it: after a reschedule tore the server down, the new execution's launch must not get the old instance back.
 * EC2 allows at most 64 ASCII characters; a longer one is hashed (still one token per attempt, never cut into
 * a prefix two attempts could share).
 */
export function launchToken(meetingId: string, revision: number, zone: number, instanceType: string): string {
  const readable = `${meetingId}-r${revision}-${zone}-${instanceType}`;
  if (readable.length <= 64 && /^[\x21-\x7e]+$/.test(readable)) return readable;
  return createHash('sha256').update(readable).digest('hex');
}

/** What jitsi-bootstrap.sh's fail() prints first on the console line it writes. */
export const BOOTSTRAP_FAILURE_MARK = 'meeting-scheduler bootstrap failed: ';

/** The last bootstrap failure line of a console output, without the mark; undefined when there is none. */
export function bootstrapFailureIn(consoleOutput: string): string | undefined {
  const lines = consoleOutput.split(/\r?\n/).filter((l) => l.includes(BOOTSTRAP_FAILURE_MARK));
  const last = lines.pop();
  if (last === undefined) return undefined;
  const reason = last
    .slice(last.indexOf(BOOTSTRAP_FAILURE_MARK) + BOOTSTRAP_FAILURE_MARK.length)
    .replace(/\x1b\[[0-9;]*[A-Za-z]/g, '');
  return `server bootstrap failed: ${reason.trim().slice(0, 500)}`;
}
