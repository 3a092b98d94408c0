import {
  DescribeInstancesCommand,
  EC2Client,
  GetConsoleOutputCommand,
  RunInstancesCommand,
  TerminateInstancesCommand,
  type Instance,
} from '@aws-sdk/client-ec2';
import {
  ChangeResourceRecordSetsCommand,
  ListResourceRecordSetsCommand,
  Route53Client,
} from '@aws-sdk/client-route-53';
import { GetCommandInvocationCommand, SendCommandCommand, SSMClient } from '@aws-sdk/client-ssm';
import { mockClient } from 'aws-sdk-client-mock';
import {
  BOOTSTRAP_FAILURE_MARK,
  type Ec2FleetClients,
  type Ec2FleetConfig,
} from '../../functions/shared/ec2Fleet';

export const FLEET_CONFIG: Ec2FleetConfig = {
  appTag: 'meeting-scheduler',
  launchTemplateId: 'lt-0123456789abcdef0',
  instanceTypes: ['c6i.large', 'c5.large', 'm6i.large'],
  subnetIds: ['subnet-0aaa', 'subnet-0bbb'],
  hostedZoneId: 'Z123EXAMPLE',
  ssmPolls: 3,
  pollIntervalMs: 0,
  httpTimeoutMs: 1000,
};

export function awsError(name: string, message = name): Error {
  const err = new Error(message);
  err.name = name;
  return err;
}

export interface FakeAwsOptions {
  /** Instance types EC2 has no capacity for. */
  noCapacityFor?: string[];
  /** DescribeInstances answers "pending" this many times before "running". */
  pendingProbes?: number;
  /** Does https://host/health answer 200? */
  jitsiHealthy?: boolean;
  /**
   * People in the meeting's MUC room as mod_muc_size's `/room` reports them (0 = the room does not exist,
   * 404); 'unavailable' makes SSM refuse the command.
   */
  participants?: number | 'unavailable';
  /**
   * DescribeInstances by tag misses a new instance this many times (EC2's describe calls are eventually
   * consistent), so a retried launch reaches RunInstances again.
   */
  invisibleForDescribes?: number;
  /**
   * The bootstrap fails with this reason: the instance powers off instead of running, after printing the
   * reason on its serial console as infra/bootstrap/jitsi-bootstrap.sh does.
   */
  bootstrapFailure?: string;
  /**
   * A boot in time, not in looks: HTTPS to the server fails (connection refused) for this many probes before
   * Jitsi answers. DescribeInstances then shows the instance running (with its address) from the first look.
   */
  httpsFailuresBeforeHealthy?: number;
}

/**
 * A small stateful EC2 / Route 53 / SSM, built on aws-sdk-client-mock: instances started by RunInstances
 * (one per ClientToken, as EC2 does), found by tag filters, terminated by TerminateInstances.
 *
 * ClientTokens behave as EC2 documents ("Ensuring idempotency in Amazon EC2 API requests"): a repeated token
 * answers the instance it started, even once that instance is terminated (EC2 keeps tokens for at least 24 h
 * after termination), and a token repeated with other parameters answers IdempotentParameterMismatch.
 */
export function fakeAws(opts: FakeAwsOptions = {}) {
  const ec2 = new EC2Client({ region: 'us-east-1' });
  const route53 = new Route53Client({ region: 'us-east-1' });
  const ssm = new SSMClient({ region: 'us-east-1' });
  const ec2Mock = mockClient(ec2);
  const route53Mock = mockClient(route53);
  const ssmMock = mockClient(ssm);
  const instances = new Map<string, Instance & { token: string; probes: number; hiddenFor: number }>();
  /** The request each ClientToken was first used with, minus the token. */
  const tokenRequests = new Map<string, string>();
  const dns = new Map<string, string>();
  const fetched: string[] = [];

  ec2Mock.on(RunInstancesCommand).callsFake((input) => {
    if (opts.noCapacityFor?.includes(input.InstanceType)) {
      throw awsError('InsufficientInstanceCapacity', `no ${input.InstanceType} capacity`);
    }
    if (input.ClientToken) {
      const { ClientToken: token, ...request } = input;
      const first = tokenRequests.get(token);
      if (first !== undefined && first !== JSON.stringify(request)) {
        throw awsError(
          'IdempotentParameterMismatch',
          'Arguments on this idempotent request are inconsistent with arguments used in previous request(s).',
        );
      }
      tokenRequests.set(token, JSON.stringify(request));
      // Whatever state it is in now, terminated included.
      const existing = [...instances.values()].find((i) => i.token === token);
      if (existing) return { Instances: [existing] };
    }
    const id = `i-${(instances.size + 1).toString(16).padStart(17, '0')}`;
    const instance = {
      InstanceId: id,
      InstanceType: input.InstanceType,
      State: { Name: 'pending' as const },
      LaunchTime: new Date(),
      Tags: input.TagSpecifications?.find((t: { ResourceType: string }) => t.ResourceType === 'instance')
        ?.Tags,
      token: input.ClientToken,
      probes: 0,
      hiddenFor: opts.invisibleForDescribes ?? 0,
    };
    instances.set(id, instance);
    return { Instances: [instance] };
  });
  ec2Mock.on(DescribeInstancesCommand).callsFake((input) => {
    let found = [...instances.values()];
    if (input.InstanceIds) found = found.filter((i) => input.InstanceIds.includes(i.InstanceId));
    for (const f of input.Filters ?? []) {
      if (f.Name === 'instance-state-name') found = found.filter((i) => f.Values.includes(i.State?.Name));
      if (f.Name.startsWith('tag:')) {
        const key = f.Name.slice(4);
        found = found.filter((i) => i.Tags?.some((t) => t.Key === key && f.Values.includes(t.Value)));
      }
    }
    if (!input.InstanceIds) found = found.filter((i) => i.hiddenFor-- <= 0);
    if (input.InstanceIds) {
      for (const i of found) {
        if (opts.httpsFailuresBeforeHealthy !== undefined && i.State?.Name === 'pending') {
          i.State = { Name: 'running' };
          i.PublicIpAddress = '203.0.113.10';
        }
        // Each look at a booting instance brings it closer to running, as time would.
        if (i.State?.Name === 'pending' && i.probes++ >= (opts.pendingProbes ?? 0)) {
          i.State = { Name: opts.bootstrapFailure ? 'shutting-down' : 'running' };
          i.PublicIpAddress = '203.0.113.10';
        }
      }
    }
    return { Reservations: found.length ? [{ Instances: found }] : [] };
  });
  ec2Mock.on(GetConsoleOutputCommand).callsFake((input) => {
    if (!instances.has(input.InstanceId)) throw awsError('InvalidInstanceID.NotFound');
    const lines = ['[  OK  ] Finished cloud-init.service'];
    if (opts.bootstrapFailure) lines.push(`${BOOTSTRAP_FAILURE_MARK}${opts.bootstrapFailure}`);
    return { InstanceId: input.InstanceId, Output: Buffer.from(lines.join('\r\n')).toString('base64') };
  });
  ec2Mock.on(TerminateInstancesCommand).callsFake((input) => {
    for (const id of input.InstanceIds) {
      const i = instances.get(id);
      if (!i) throw awsError('InvalidInstanceID.NotFound');
      i.State = { Name: 'terminated' };
    }
    return {};
  });

  // As Route 53: a batch is a transaction (one bad change fails it whole, InvalidChangeBatch), a DELETE must name
  // the record's current values, and a request holds at most 1,000 ResourceRecord elements (UPSERT counts twice).
  /** Switches a test flips mid-run: Route 53 answering Throttling to every change while on. */
  const faults = { route53Throttled: false };
  route53Mock.on(ChangeResourceRecordSetsCommand).callsFake((input) => {
    if (faults.route53Throttled) throw awsError('Throttling', 'Rate exceeded');
    const changes = input.ChangeBatch.Changes as Array<{
      Action: string;
      ResourceRecordSet: { Name: string; TTL?: number; ResourceRecords: Array<{ Value: string }> };
    }>;
    const elements = changes.reduce(
      (n, c) => n + c.ResourceRecordSet.ResourceRecords.length * (c.Action === 'UPSERT' ? 2 : 1),
      0,
    );
    if (elements > 1000) throw awsError('InvalidInput', `${elements} ResourceRecord elements (maximum 1000)`);
    for (const c of changes) {
      const name = c.ResourceRecordSet.Name.replace(/\.$/, '');
      if (c.Action !== 'DELETE') continue;
      const value = c.ResourceRecordSet.ResourceRecords[0].Value;
      if (!dns.has(name))
        throw awsError(
          'InvalidChangeBatch',
          `Tried to delete resource record set [name='${name}.', type='A'] but it was not found`,
        );
      if (dns.get(name) !== value || (c.ResourceRecordSet.TTL ?? 60) !== 60)
        throw awsError(
          'InvalidChangeBatch',
          `Tried to delete resource record set [name='${name}.', type='A'] but the values provided do not match the current values`,
        );
    }
    for (const c of changes) {
      const name = c.ResourceRecordSet.Name.replace(/\.$/, '');
      if (c.Action === 'DELETE') dns.delete(name);
      else dns.set(name, c.ResourceRecordSet.ResourceRecords[0].Value);
    }
    return { ChangeInfo: { Id: 'c1', Status: 'PENDING', SubmittedAt: new Date() } };
  });
  // Names in order, from StartRecordName on, MaxItems a page (Route 53 allows up to 300), then IsTruncated and
  // the next name to start from.
  route53Mock.on(ListResourceRecordSetsCommand).callsFake((input) => {
    const start = (input.StartRecordName ?? '').replace(/\.$/, '');
    const names = [...dns.keys()].sort().filter((n) => n >= start);
    const max = Math.min(Number(input.MaxItems ?? 300), 300);
    const page = names.slice(0, max);
    const next = names[max];
    return {
      ResourceRecordSets: page.map((n) => ({
        Name: `${n}.`,
        Type: 'A',
        TTL: 60,
        ResourceRecords: [{ Value: dns.get(n) }],
      })),
      IsTruncated: next !== undefined,
      ...(next !== undefined ? { NextRecordName: `${next}.`, NextRecordType: 'A' } : {}),
    };
  });

  const commands = new Map<string, string>();
  ssmMock.on(SendCommandCommand).callsFake((input) => {
    if (opts.participants === 'unavailable')
      throw awsError('InvalidInstanceId', 'instance is not managed by SSM');
    const commandId = `cmd-${commands.size + 1}`;
    commands.set(commandId, (input.Parameters?.commands ?? []).join('\n'));
    return { Command: { CommandId: commandId } };
  });
  ssmMock
    .on(GetCommandInvocationCommand)
    .callsFake((input) =>
      runOnInstance(
        commands.get(input.CommandId) ?? '',
        opts.participants === 'unavailable' ? 0 : (opts.participants ?? 2),
      ),
    );

  const clients: Ec2FleetClients = {
    ec2,
    route53,
    ssm,
    httpsStatus: async (target) => {
      fetched.push(`https://${target.hostname}${target.path} via ${target.address}`);
      if (opts.httpsFailuresBeforeHealthy !== undefined && fetched.length <= opts.httpsFailuresBeforeHealthy)
        throw new Error('connect ECONNREFUSED 203.0.113.10:443');
      if (!opts.jitsiHealthy && opts.jitsiHealthy !== undefined) throw new Error('self-signed certificate');
      return 200;
    },
    sleep: async () => undefined,
  };

  /** AWS calls so far, by API name (DescribeInstances, ChangeResourceRecordSets, …). */
  const callsByApi = () => {
    const counts: Record<string, number> = {};
    for (const mock of [ec2Mock, route53Mock, ssmMock])
      for (const call of mock.calls()) {
        const api = (call.args[0] as object).constructor.name.replace(/Command$/, '');
        counts[api] = (counts[api] ?? 0) + 1;
      }
    return counts;
  };
  const liveInstances = () =>
    [...instances.values()].filter((i) => i.State?.Name !== 'terminated').map((i) => i.InstanceId);
  return {
    clients,
    ec2Mock,
    route53Mock,
    ssmMock,
    instances,
    dns,
    fetched,
    liveInstances,
    callsByApi,
    faults,
  };
}

/**
 * The instance's side of the attendance command: Prosody's mod_muc_size behind curl, as roomCountCommand
 * asks it: /sessions answers (the module is there), then /room: a room nobody is in does not exist (404, no
 * body, as mod_muc_size answers), otherwise a JSON array of occupants without the focus. Anything but the expected curl to Prosody fails, as a wrong command would.
 */
function runOnInstance(command: string, participants: number) {
  const asked =
    /^curl -sS --max-time 5 -H 'Host: ([a-z0-9.-]+)' -o \/dev\/null -w 'ROOM_COUNT_MODULE:%\{http_code\}\\n' 'http:\/\/127\.0\.0\.1:5280\/sessions' && curl -sS --max-time 5 -H 'Host: ([a-z0-9.-]+)' -w '\\nHTTP_STATUS:%\{http_code\}\\n' 'http:\/\/127\.0\.0\.1:5280\/room\?room=([0-9a-f]{32})&domain=([a-z0-9.-]+)'$/.exec(
      command,
    );
  if (!asked || asked[1] !== asked[2] || asked[1] !== asked[4]) {
    return {
      Status: 'Failed',
      StandardOutputContent: '',
      StandardErrorContent: `unexpected command: ${command}`,
    };
  }
  const [, host, , room] = asked;
  const body =
    participants === 0
      ? ''
      : JSON.stringify(
          Array.from({ length: participants }, (_, i) => ({
            jid: `${room}@conference.${host}/p${i}`,
            email: '',
            display_name: `Person ${i}`,
          })),
        );
  return {
    Status: 'Success',
    StandardOutputContent: `ROOM_COUNT_MODULE:200\n${body}\nHTTP_STATUS:${participants === 0 ? 404 : 200}\n`,
  };
}
