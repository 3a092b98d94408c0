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
import { noCapacity, TaskError } from './errors';
import type { httpsStatus } from './httpsProbe';
import type { Fleet, HealthProbe, LaunchedServer, ParticipantCount, RunningServer, ServerRef } from './fleet';
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
const CAPACITY_ERRORS = new Set(['InsufficientInstanceCapacity', 'InsufficientCapacity', 'Unsupported']);

export class Ec2Fleet implements Fleet {
  constructor(
    private readonly config: Ec2FleetConfig,
    private readonly clients: Ec2FleetClients,
  ) {}

  async launch(server: ServerRef & { revision: number; roomName: string }): Promise<LaunchedServer> {
    const existing = (await this.instancesOf(server.meetingId, ['pending', 'running']))[0];
    if (existing?.InstanceId) {
      return { instanceId: existing.InstanceId, instanceType: existing.InstanceType ?? 'unknown' };
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
              Tags: this.tags(server),
            })),
          }),
        );
        const instanceId = out.Instances?.[0]?.InstanceId;
        if (!instanceId) throw new TaskError('LaunchFailed', 'RunInstances returned no instance');
        return { instanceId, instanceType };
      } catch (err) {
        if (CAPACITY_ERRORS.has((err as Error).name)) continue;
        throw err;
      }
    }
    throw noCapacity(this.config.instanceTypes);
  }

  async probe(server: ServerRef & { instanceId: string; dnsIp?: string }): Promise<HealthProbe> {
    const out = await this.clients.ec2.send(
      new DescribeInstancesCommand({ InstanceIds: [server.instanceId] }),
    );
    const instance = out.Reservations?.[0]?.Instances?.[0];
    const state = instance?.State?.Name ?? 'missing';
    if (!instance || ['shutting-down', 'terminated', 'stopping', 'stopped'].includes(state)) {
      // A bootstrap that failed said why on the console before powering off: that is the meeting's reason.
      const bootstrapFailure = instance ? await this.bootstrapFailure(server.instanceId) : undefined;
      if (bootstrapFailure) throw new TaskError('BootstrapFailed', bootstrapFailure);
      throw new TaskError('InstanceLost', `instance ${server.instanceId} is ${state}`);
    }
    if (state !== 'running' || !instance.PublicIpAddress) {
      return { healthy: false, detail: `instance is ${state}` };
    }
    const publicIp = instance.PublicIpAddress;
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
        };
      }
    }
    const dnsIp = publicIp;
    try {
      const status = await this.clients.httpsStatus({
        address: publicIp,
        hostname: server.hostname,
        path: '/health',
        timeoutMs: this.config.httpTimeoutMs,
      });
      return status >= 200 && status < 300
        ? { healthy: true, detail: 'jitsi answered', publicIp, dnsIp }
        : { healthy: false, detail: `health endpoint answered ${status}`, publicIp, dnsIp };
    } catch (err) {
      return {
        healthy: false,
        detail: `health endpoint unreachable: ${(err as Error).message}`,
        publicIp,
        dnsIp,
      };
    }
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
      const sent = await this.clients.ssm.send(
        new SendCommandCommand({
          DocumentName: 'AWS-RunShellScript',
          InstanceIds: [server.instanceId],
          Parameters: { commands: [command] },
          TimeoutSeconds: 30,
          Comment: `attendance ${server.meetingId}`.slice(0, 100),
        }),
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
          // The invocation is not visible for a moment after SendCommand.
          if ((err as Error).name === 'InvocationDoesNotExist') continue;
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

  async terminate(server: ServerRef): Promise<{ terminatedInstanceIds: string[] }> {
    const ids = (await this.instancesOf(server.meetingId, LIVE_STATES.concat('shutting-down')))
      .map((i) => i.InstanceId)
      .filter((id): id is string => Boolean(id));
    if (ids.length > 0) {
      try {
        await this.clients.ec2.send(new TerminateInstancesCommand({ InstanceIds: ids }));
      } catch (err) {
        if ((err as Error).name !== 'InvalidInstanceID.NotFound') throw err;
      }
    }
    await this.deleteDns(server.hostname);
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

  private tags(server: ServerRef & { roomName: string }) {
    return [
      { Key: 'app', Value: this.config.appTag },
      { Key: 'meetingId', Value: server.meetingId },
      // Read by the bootstrap through instance metadata: the server's name, and the one room it serves.
      { Key: 'hostname', Value: server.hostname },
      { Key: 'roomName', Value: server.roomName },
      { Key: 'Name', Value: `jitsi-${server.meetingId}` },
    ];
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

  /** Runs a Route 53 call, retrying Throttling / PriorRequestNotComplete a bounded number of times. */
  private async route53<T>(call: () => Promise<T>): Promise<T> {
    for (let attempt = 1; ; attempt++) {
      try {
        return await call();
      } catch (err) {
        if (!ROUTE53_RETRYABLE.has((err as Error).name) || attempt >= ROUTE53_ATTEMPTS) throw err;
        await this.clients.sleep(Math.random() * ROUTE53_BASE_DELAY_MS * 2 ** (attempt - 1));
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
                ResourceRecordSet: { Name: hostname, Type: 'A', TTL: 60, ResourceRecords: [{ Value: ip }] },
              },
            ],
          },
        }),
      ),
    );
  }

  private async deleteDns(hostname: string): Promise<void> {
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
    const record = out.ResourceRecordSets?.[0];
    // Route 53 answers with the next name when ours is gone; only delete an exact match.
    if (!record || record.Type !== 'A' || record.Name?.replace(/\.$/, '') !== hostname.replace(/\.$/, ''))
      return;
    try {
      await this.route53(() =>
        this.clients.route53.send(
          new ChangeResourceRecordSetsCommand({
            HostedZoneId: this.config.hostedZoneId,
            ChangeBatch: { Changes: [{ Action: 'DELETE', ResourceRecordSet: record }] },
          }),
        ),
      );
    } catch (err) {
      // Deleted by someone else between the list and the delete: the goal is reached.
      if ((err as Error).name !== 'InvalidChangeBatch') throw err;
    }
  }
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
