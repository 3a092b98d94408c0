import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import {
  DescribeInstancesCommand,
  GetConsoleOutputCommand,
  RunInstancesCommand,
  TerminateInstancesCommand,
  type _InstanceType,
} from '@aws-sdk/client-ec2';
import { ChangeResourceRecordSetsCommand, ListResourceRecordSetsCommand } from '@aws-sdk/client-route-53';
import { GetCommandInvocationCommand, SendCommandCommand } from '@aws-sdk/client-ssm';
import {
  BOOTSTRAP_FAILURE_MARK,
  bootstrapFailureIn,
  Ec2Fleet,
  launchToken,
  ROUTE53_ATTEMPTS,
  ROUTE53_BASE_DELAY_MS,
  SSM_ATTEMPTS,
  type Ec2FleetConfig,
} from '../../functions/shared/ec2Fleet';
import type { HealthProbe } from '../../functions/shared/fleet';
import { describeEvery } from '../../functions/health-check/checkHealth';
import { roomCountCommand } from '../../functions/shared/roomOccupancy';
import { awsError, fakeAws, FLEET_CONFIG, type FakeAwsOptions } from '../support/fakeAws';

const server = {
  meetingId: '11111111-2222-3333-4444-555555555555',
  hostname: 'm1.meet.example.test',
  roomName: '0123456789abcdef0123456789abcdef',
  revision: 0,
};

function fleet(opts: FakeAwsOptions = {}, config: Partial<Ec2FleetConfig> = {}) {
  const aws = fakeAws(opts);
  return { aws, fleet: new Ec2Fleet({ ...FLEET_CONFIG, ...config }, aws.clients) };
}

describe('Ec2Fleet.launch', () => {
  test('runs the launch template with app and meeting tags and a ClientToken from the meeting id and revision', async () => {
    const { aws, fleet: f } = fleet();
    const launched = await f.launch(server);
    expect(launched.instanceType).toBe('c6i.large');
    const input = aws.ec2Mock.commandCalls(RunInstancesCommand)[0].args[0].input;
    expect(input.LaunchTemplate).toEqual({
      LaunchTemplateId: FLEET_CONFIG.launchTemplateId,
      Version: '$Default',
    });
    expect(input.ClientToken).toBe(`${server.meetingId}-r0-0-c6i.large`);
    expect(input.SubnetId).toBe('subnet-0aaa');
    const tags = input.TagSpecifications?.find((t) => t.ResourceType === 'instance')?.Tags;
    expect(tags).toEqual(
      expect.arrayContaining([
        { Key: 'app', Value: 'meeting-scheduler' },
        { Key: 'meetingId', Value: server.meetingId },
        { Key: 'hostname', Value: server.hostname },
        { Key: 'roomName', Value: server.roomName },
      ]),
    );
    expect(input.TagSpecifications?.map((t) => t.ResourceType)).toEqual(['instance', 'volume']);
  });

  test('is idempotent: a second launch finds the running instance and starts nothing', async () => {
    const { aws, fleet: f } = fleet();
    const first = await f.launch(server);
    const again = await f.launch(server);
    expect(again.instanceId).toBe(first.instanceId);
    expect(aws.ec2Mock.commandCalls(RunInstancesCommand)).toHaveLength(1);
    expect(aws.liveInstances()).toHaveLength(1);
  });

  test('a reschedule after teardown launches a new server: the new revision sends a new ClientToken', async () => {
    const { aws, fleet: f } = fleet();
    const first = await f.launch(server);
    await f.terminate(server); // the reschedule's teardown
    const relaunched = await f.launch({ ...server, revision: 1 });
    expect(relaunched.instanceId).not.toBe(first.instanceId);
    expect(aws.liveInstances()).toEqual([relaunched.instanceId]);
    expect(aws.instances.get(relaunched.instanceId)?.State?.Name).not.toBe('terminated');
    const tokens = aws.ec2Mock.commandCalls(RunInstancesCommand).map((c) => c.args[0].input.ClientToken);
    expect(new Set(tokens).size).toBe(2);
  });

  test('a retried launch that RunInstances reaches again (describe not yet consistent) gets the same instance', async () => {
    const { aws, fleet: f } = fleet({ invisibleForDescribes: 1 });
    const first = await f.launch(server);
    const retried = await f.launch(server);
    expect(retried.instanceId).toBe(first.instanceId);
    const calls = aws.ec2Mock.commandCalls(RunInstancesCommand).map((c) => c.args[0].input.ClientToken);
    expect(calls).toHaveLength(2);
    expect(calls[1]).toBe(calls[0]);
    expect(aws.liveInstances()).toEqual([first.instanceId]);
  });

  test('the fake EC2 answers a repeated token with its (terminated) instance, other parameters with a mismatch', async () => {
    const { aws } = fleet();
    const run = (InstanceType: _InstanceType) =>
      aws.clients.ec2.send(
        new RunInstancesCommand({ MinCount: 1, MaxCount: 1, InstanceType, ClientToken: 'same-token' }),
      );
    const first = (await run('c6i.large')).Instances?.[0]?.InstanceId;
    await aws.clients.ec2.send(new TerminateInstancesCommand({ InstanceIds: [first!] }));
    expect((await run('c6i.large')).Instances?.[0]).toMatchObject({
      InstanceId: first,
      State: { Name: 'terminated' },
    });
    await expect(run('c5.large')).rejects.toMatchObject({ name: 'IdempotentParameterMismatch' });
  });

  test('ClientTokens stay within 64 ASCII characters and differ per revision, zone and type', () => {
    const long = launchToken('x'.repeat(60), 12, 1, 'm7i-flex.8xlarge');
    expect(long).toMatch(/^[\x21-\x7e]{1,64}$/);
    expect(long).not.toBe(launchToken('x'.repeat(60), 13, 1, 'm7i-flex.8xlarge'));
    const tokens = [
      launchToken(server.meetingId, 0, 0, 'c6i.large'),
      launchToken(server.meetingId, 1, 0, 'c6i.large'),
      launchToken(server.meetingId, 0, 1, 'c6i.large'),
      launchToken(server.meetingId, 0, 0, 'c5.large'),
    ];
    expect(new Set(tokens).size).toBe(4);
    for (const t of tokens) expect(t.length).toBeLessThanOrEqual(64);
  });

  test('falls back to the next instance type on InsufficientInstanceCapacity', async () => {
    const { aws, fleet: f } = fleet({ noCapacityFor: ['c6i.large'] });
    expect((await f.launch(server)).instanceType).toBe('c5.large');
    expect(aws.ec2Mock.commandCalls(RunInstancesCommand).map((c) => c.args[0].input.InstanceType)).toEqual([
      'c6i.large',
      'c5.large',
    ]);
  });

  test('tries every type in every zone, then fails with NoCapacity', async () => {
    const { aws, fleet: f } = fleet({ noCapacityFor: FLEET_CONFIG.instanceTypes });
    await expect(f.launch(server)).rejects.toMatchObject({ name: 'NoCapacity' });
    const calls = aws.ec2Mock
      .commandCalls(RunInstancesCommand)
      .map((c) => `${c.args[0].input.SubnetId}/${c.args[0].input.InstanceType}`);
    expect(calls).toHaveLength(6);
    expect(new Set(calls).size).toBe(6);
  });

  test('throttling is not swallowed: the state machine retries it', async () => {
    const { aws, fleet: f } = fleet();
    aws.ec2Mock.on(RunInstancesCommand).rejects(awsError('RequestLimitExceeded', 'slow down'));
    await expect(f.launch(server)).rejects.toMatchObject({ name: 'RequestLimitExceeded' });
  });
});

describe('Ec2Fleet.probe', () => {
  test('pending instance: not healthy yet, no DNS record written', async () => {
    const { aws, fleet: f } = fleet({ pendingProbes: 5 });
    const { instanceId } = await f.launch(server);
    expect(await f.probe({ ...server, instanceId })).toEqual({
      healthy: false,
      detail: 'instance is pending',
      publicIp: undefined,
      probesSinceDescribe: 0,
    });
    expect(aws.dns.size).toBe(0);
  });

  test('running and Jitsi answering over HTTPS on its hostname: healthy, DNS points at it', async () => {
    const { aws, fleet: f } = fleet();
    const { instanceId } = await f.launch(server);
    const probe = await f.probe({ ...server, instanceId });
    expect(probe).toMatchObject({ healthy: true, publicIp: '203.0.113.10' });
    // Straight to the instance's address, the certificate checked for the hostname: no DNS lookup.
    expect(aws.fetched).toEqual([`https://${server.hostname}/health via 203.0.113.10`]);
    expect(aws.dns.get(server.hostname)).toBe('203.0.113.10');
  });

  test('never healthy: Jitsi unreachable answers "not yet" with the reason', async () => {
    const { fleet: f } = fleet({ jitsiHealthy: false });
    const { instanceId } = await f.launch(server);
    const probe = await f.probe({ ...server, instanceId });
    expect(probe.healthy).toBe(false);
    expect(probe.detail).toMatch(/unreachable: self-signed certificate/);
  });

  test('writes the DNS record once per address: a probe told the record points there writes nothing', async () => {
    const { aws, fleet: f } = fleet({ jitsiHealthy: false });
    const { instanceId } = await f.launch(server);
    const first = await f.probe({ ...server, instanceId });
    expect(first.dnsIp).toBe('203.0.113.10');
    const again = await f.probe({ ...server, instanceId, dnsIp: first.dnsIp });
    expect(again).toMatchObject({ healthy: false, dnsIp: '203.0.113.10' });
    expect(aws.route53Mock.commandCalls(ChangeResourceRecordSetsCommand)).toHaveLength(1);
    // The address changed (the record points elsewhere): written again.
    await f.probe({ ...server, instanceId, dnsIp: '198.51.100.7' });
    expect(aws.route53Mock.commandCalls(ChangeResourceRecordSetsCommand)).toHaveLength(2);
  });

  test('Route 53 Throttling and PriorRequestNotComplete are retried with growing, bounded pauses', async () => {
    const { aws, fleet: f } = fleet();
    const sleeps: number[] = [];
    aws.clients.sleep = async (ms) => void sleeps.push(ms);
    aws.route53Mock
      .on(ChangeResourceRecordSetsCommand)
      .rejectsOnce(awsError('Throttling', 'Rate exceeded'))
      .rejectsOnce(awsError('PriorRequestNotComplete', 'Route 53 is still processing a prior request'))
      .resolves({ ChangeInfo: { Id: 'c1', Status: 'PENDING', SubmittedAt: new Date() } });
    const { instanceId } = await f.launch(server);
    expect(await f.probe({ ...server, instanceId })).toMatchObject({ healthy: true, dnsIp: '203.0.113.10' });
    expect(aws.route53Mock.commandCalls(ChangeResourceRecordSetsCommand)).toHaveLength(3);
    expect(sleeps).toHaveLength(2);
    sleeps.forEach((ms, i) => expect(ms).toBeLessThanOrEqual(ROUTE53_BASE_DELAY_MS * 2 ** i));
  });

  test('Route 53 still throttling after the retries: "not yet" (the next probe writes it), never a failed meeting', async () => {
    const { aws, fleet: f } = fleet();
    aws.route53Mock.on(ChangeResourceRecordSetsCommand).rejects(awsError('Throttling', 'Rate exceeded'));
    const { instanceId } = await f.launch(server);
    const probe = await f.probe({ ...server, instanceId });
    expect(probe).toMatchObject({ healthy: false, detail: 'DNS record not written yet: Throttling' });
    expect(probe.dnsIp).toBeUndefined();
    expect(aws.route53Mock.commandCalls(ChangeResourceRecordSetsCommand)).toHaveLength(ROUTE53_ATTEMPTS);
    expect(aws.fetched).toEqual([]); // not reported healthy while the name does not lead to the server
  });

  test('other Route 53 errors are not retried', async () => {
    const { aws, fleet: f } = fleet();
    aws.route53Mock.on(ChangeResourceRecordSetsCommand).rejects(awsError('AccessDenied', 'not allowed'));
    const { instanceId } = await f.launch(server);
    await expect(f.probe({ ...server, instanceId })).rejects.toMatchObject({ name: 'AccessDenied' });
    expect(aws.route53Mock.commandCalls(ChangeResourceRecordSetsCommand)).toHaveLength(1);
  });

  test('an instance that is gone throws InstanceLost', async () => {
    const { fleet: f } = fleet();
    const { instanceId } = await f.launch(server);
    await f.terminate(server);
    await expect(f.probe({ ...server, instanceId })).rejects.toMatchObject({ name: 'InstanceLost' });
  });
});

describe('Ec2Fleet.countParticipants', () => {
  const room = { ...server, roomName: '0123456789abcdef0123456789abcdef' };

  test("asks Prosody's room occupancy on the instance through SSM Run Command", async () => {
    const { aws, fleet: f } = fleet({ participants: 3 });
    const { instanceId } = await f.launch(server);
    expect(await f.countParticipants({ ...room, instanceId })).toEqual({ known: true, participants: 3 });
    const sent = aws.ssmMock.commandCalls(SendCommandCommand)[0].args[0].input;
    expect(sent).toMatchObject({
      DocumentName: 'AWS-RunShellScript',
      InstanceIds: [instanceId],
      Parameters: { commands: [roomCountCommand(room)] },
    });
  });

  test('a room that does not exist (404) is a known zero', async () => {
    const { fleet: f } = fleet({ participants: 0 });
    const { instanceId } = await f.launch(server);
    expect(await f.countParticipants({ ...room, instanceId })).toEqual({ known: true, participants: 0 });
  });

  test('attendance unknown when SSM refuses: says why, never throws', async () => {
    const { fleet: f } = fleet({ participants: 'unavailable' });
    const { instanceId } = await f.launch(server);
    const count = await f.countParticipants({ ...room, instanceId });
    expect(count).toEqual({
      known: false,
      reason: 'room count unavailable: InvalidInstanceId: instance is not managed by SSM',
    });
  });

  test('a room name that could inject into the command is refused before anything is sent', async () => {
    const { aws, fleet: f } = fleet();
    const { instanceId } = await f.launch(server);
    const count = await f.countParticipants({ ...room, roomName: "x'; reboot; '", instanceId });
    expect(count).toMatchObject({ known: false, reason: expect.stringMatching(/^room count unavailable/) });
    expect(aws.ssmMock.commandCalls(SendCommandCommand)).toHaveLength(0);
  });

  test('waits for a pending invocation, tolerating InvocationDoesNotExist at first', async () => {
    const { aws, fleet: f } = fleet();
    aws.ssmMock
      .on(GetCommandInvocationCommand)
      .rejectsOnce(awsError('InvocationDoesNotExist'))
      .resolvesOnce({ Status: 'InProgress' })
      .resolves({
        Status: 'Success',
        StandardOutputContent: 'ROOM_COUNT_MODULE:200\n[{"jid":"r@conference.h/a"}]\nHTTP_STATUS:200\n',
      });
    const { instanceId } = await f.launch(server);
    expect(await f.countParticipants({ ...room, instanceId })).toEqual({ known: true, participants: 1 });
  });

  test('a throttled SendCommand is retried with jitter (bounded), and a throttled poll is just the next poll: a crowded minute still gets its count', async () => {
    const { aws, fleet: f } = fleet({ participants: 2 });
    const { instanceId } = await f.launch(server);
    const send = aws.clients.ssm.send.bind(aws.clients.ssm);
    let sendThrottles = 2;
    let pollThrottles = 2;
    aws.clients.ssm.send = (async (command: unknown) => {
      if (command instanceof SendCommandCommand && sendThrottles-- > 0) throw awsError('ThrottlingException');
      if (command instanceof GetCommandInvocationCommand && pollThrottles-- > 0)
        throw awsError('ThrottlingException');
      return send(command as SendCommandCommand);
    }) as typeof aws.clients.ssm.send;
    expect(await f.countParticipants({ ...room, instanceId })).toEqual({ known: true, participants: 2 });
  });

  test('SendCommand throttled on every attempt: unknown after SSM_ATTEMPTS calls, never a thrown error', async () => {
    const { aws, fleet: f } = fleet({ participants: 2 });
    const { instanceId } = await f.launch(server);
    aws.ssmMock.on(SendCommandCommand).rejects(awsError('ThrottlingException', 'Rate exceeded'));
    const count = await f.countParticipants({ ...room, instanceId });
    expect(count).toEqual({
      known: false,
      reason: 'room count unavailable: ThrottlingException: Rate exceeded',
    });
    expect(aws.ssmMock.commandCalls(SendCommandCommand)).toHaveLength(SSM_ATTEMPTS);
  });

  test('a command that never finishes, or fails, is unknown', async () => {
    const { aws, fleet: f } = fleet();
    const { instanceId } = await f.launch(server);
    aws.ssmMock.on(GetCommandInvocationCommand).resolves({ Status: 'InProgress' });
    expect(await f.countParticipants({ ...room, instanceId })).toEqual({
      known: false,
      reason: 'room count command did not finish in time',
    });
    aws.ssmMock.on(GetCommandInvocationCommand).resolves({ Status: 'Failed' });
    expect(await f.countParticipants({ ...room, instanceId })).toEqual({
      known: false,
      reason: 'room count command Failed',
    });
  });
});

describe('Ec2Fleet.terminate', () => {
  test('terminates every instance tagged with the meeting and deletes its DNS record', async () => {
    const { aws, fleet: f } = fleet();
    const { instanceId } = await f.launch(server);
    await f.probe({ ...server, instanceId }); // writes the record
    expect(await f.terminate(server)).toEqual({ terminatedInstanceIds: [instanceId] });
    expect(aws.liveInstances()).toEqual([]);
    expect(aws.dns.size).toBe(0);
  });

  test('an already terminated instance is fine; nothing to delete is fine', async () => {
    const { aws, fleet: f } = fleet();
    await f.launch(server);
    await f.terminate(server);
    expect(await f.terminate(server)).toEqual({ terminatedInstanceIds: [] });
    expect(aws.ec2Mock.commandCalls(TerminateInstancesCommand)).toHaveLength(1);
    expect(aws.route53Mock.commandCalls(ChangeResourceRecordSetsCommand)).toHaveLength(0);
  });

  test('InvalidInstanceID.NotFound during terminate (gone meanwhile) is fine', async () => {
    const { aws, fleet: f } = fleet();
    await f.launch(server);
    aws.ec2Mock.on(TerminateInstancesCommand).rejects(awsError('InvalidInstanceID.NotFound'));
    await expect(f.terminate(server)).resolves.toMatchObject({ terminatedInstanceIds: [expect.any(String)] });
  });

  test('deleting the DNS record retries PriorRequestNotComplete', async () => {
    const { aws, fleet: f } = fleet();
    aws.dns.set(server.hostname, '203.0.113.10');
    aws.route53Mock
      .on(ChangeResourceRecordSetsCommand)
      .rejectsOnce(awsError('PriorRequestNotComplete'))
      .callsFake(() => {
        aws.dns.delete(server.hostname);
        return { ChangeInfo: { Id: 'c2', Status: 'PENDING', SubmittedAt: new Date() } };
      });
    await f.terminate(server);
    expect(aws.dns.size).toBe(0);
    expect(aws.route53Mock.commandCalls(ChangeResourceRecordSetsCommand)).toHaveLength(2);
  });

  test('does not delete a neighbour record that Route 53 lists after ours', async () => {
    const { aws, fleet: f } = fleet();
    aws.dns.set('z-other.meet.example.test', '198.51.100.1');
    await f.terminate(server);
    expect(aws.dns.get('z-other.meet.example.test')).toBe('198.51.100.1');
  });
});

describe('Ec2Fleet.probe: a server whose bootstrap failed', () => {
  const reason =
    'certificate: expires too soon (Dec  1 00:00:00 2026 GMT); renew it with the certificate function';

  test('ends the probing with the reason the bootstrap printed on the console (BootstrapFailed)', async () => {
    const { aws, fleet: f } = fleet({ pendingProbes: 0 });
    const { instanceId } = await f.launch(server);
    aws.instances.get(instanceId)!.State = { Name: 'shutting-down' };
    aws.ec2Mock.on(GetConsoleOutputCommand).resolves({
      InstanceId: instanceId,
      Output: Buffer.from(`[  OK  ] Started cloud-init\r\n${BOOTSTRAP_FAILURE_MARK}${reason}\r\n`).toString(
        'base64',
      ),
    });
    await expect(f.probe({ ...server, instanceId })).rejects.toMatchObject({
      name: 'BootstrapFailed',
      message: `server bootstrap failed: ${reason}`,
    });
    expect(aws.ec2Mock.commandCalls(GetConsoleOutputCommand)[0].args[0].input).toEqual({
      InstanceId: instanceId,
      Latest: true,
    });
  });

  test('without such a line, or when the console cannot be read, it is the plain InstanceLost', async () => {
    const { aws, fleet: f } = fleet();
    const { instanceId } = await f.launch(server);
    aws.instances.get(instanceId)!.State = { Name: 'terminated' };
    aws.ec2Mock.on(GetConsoleOutputCommand).resolves({ Output: Buffer.from('login:').toString('base64') });
    await expect(f.probe({ ...server, instanceId })).rejects.toMatchObject({ name: 'InstanceLost' });
    aws.ec2Mock.on(GetConsoleOutputCommand).rejects(awsError('UnauthorizedOperation'));
    await expect(f.probe({ ...server, instanceId })).rejects.toMatchObject({ name: 'InstanceLost' });
  });

  test('the mark is the one jitsi-bootstrap.sh prints; the last failure line wins, escapes removed', () => {
    const script = readFileSync(
      join(__dirname, '..', '..', 'infra', 'bootstrap', 'jitsi-bootstrap.sh'),
      'utf8',
    );
    expect(script).toContain(`local line="${BOOTSTRAP_FAILURE_MARK}${'$'}{boot_path}: $*"`);
    const output = `${BOOTSTRAP_FAILURE_MARK}first\n\u001b[0m${BOOTSTRAP_FAILURE_MARK}nginx -t refused the rendered site\u001b[0m\n`;
    expect(bootstrapFailureIn(output)).toBe('server bootstrap failed: nginx -t refused the rendered site');
    expect(bootstrapFailureIn('all good\n')).toBeUndefined();
  });
});

/** Issue 20: what one meeting costs in AWS calls, and what happens when the account's limits say no. */
describe('Ec2Fleet under AWS limits (issue 20)', () => {
  /** The health loop as the state machine runs it: what a probe learnt travels to the next one. */
  async function probeUntilHealthy(f: Ec2Fleet, instanceId: string, maxAttempts: number) {
    let state: HealthProbe = { healthy: false, detail: 'not checked yet' };
    let attempts = 0;
    while (!state.healthy && attempts < maxAttempts) {
      state = await f.probe({
        ...server,
        instanceId,
        dnsIp: state.dnsIp,
        publicIp: state.publicIp,
        probesSinceDescribe: state.probesSinceDescribe,
        describeEveryProbes: describeEvery({ maxAttempts }),
        lastProbe: attempts + 1 >= maxAttempts,
      });
      attempts++;
    }
    return { state, attempts };
  }

  test('launch to healthy over a realistic boot (38 probes, 9.5 min at 15 s): at most 3 DescribeInstances, one DNS write', async () => {
    const { aws, fleet: f } = fleet({ httpsFailuresBeforeHealthy: 37 });
    const { instanceId } = await f.launch({ ...server, maybeLaunchedBefore: false });
    const { state, attempts } = await probeUntilHealthy(f, instanceId, 40);
    expect({ healthy: state.healthy, attempts }).toEqual({ healthy: true, attempts: 38 });
    const calls = aws.callsByApi();
    expect(calls.DescribeInstances).toBeLessThanOrEqual(3);
    expect(calls.DescribeInstances).toBe(2); // the first probe (address unknown), and once after 20 failures
    expect(calls.RunInstances).toBe(1);
    expect(calls.ChangeResourceRecordSets).toBe(1);
    expect(aws.fetched).toHaveLength(38); // every probe asked HTTPS
  });

  test('a retried launch looks for its server first: still at most 3 DescribeInstances to healthy', async () => {
    const { aws, fleet: f } = fleet({ httpsFailuresBeforeHealthy: 30 });
    const { instanceId } = await f.launch(server); // maybeLaunchedBefore defaults to true
    await probeUntilHealthy(f, instanceId, 40);
    expect(aws.callsByApi().DescribeInstances).toBe(3);
  });

  test('a first launch attempt makes no DescribeInstances at all', async () => {
    const { aws, fleet: f } = fleet();
    await f.launch({ ...server, maybeLaunchedBefore: false });
    expect(aws.ec2Mock.commandCalls(DescribeInstancesCommand)).toHaveLength(0);
  });

  test('with the address known a probe is HTTPS only', async () => {
    const { aws, fleet: f } = fleet({ jitsiHealthy: false });
    const { instanceId } = await f.launch(server);
    aws.ec2Mock.resetHistory();
    const probe = await f.probe({
      ...server,
      instanceId,
      publicIp: '203.0.113.10',
      dnsIp: '203.0.113.10',
      probesSinceDescribe: 3,
      describeEveryProbes: 20,
    });
    expect(probe).toMatchObject({ healthy: false, publicIp: '203.0.113.10', probesSinceDescribe: 4 });
    expect(aws.ec2Mock.calls()).toHaveLength(0);
    expect(aws.fetched).toHaveLength(1);
  });

  test('a server that powered off is still found: after describeEveryProbes failed probes, with its bootstrap reason', async () => {
    const { aws, fleet: f } = fleet({ jitsiHealthy: false, bootstrapFailure: 'nginx -t refused the site' });
    const { instanceId } = await f.launch(server);
    aws.instances.get(instanceId)!.State = { Name: 'stopped' };
    const known = {
      ...server,
      instanceId,
      publicIp: '203.0.113.10',
      dnsIp: '203.0.113.10',
      describeEveryProbes: 4,
    };
    // Not yet: two failed probes in a row are not "a long time".
    await expect(f.probe({ ...known, probesSinceDescribe: 1 })).resolves.toMatchObject({ healthy: false });
    await expect(f.probe({ ...known, probesSinceDescribe: 3 })).rejects.toMatchObject({
      name: 'BootstrapFailed',
      message: 'server bootstrap failed: nginx -t refused the site',
    });
    // …and on the last probe of the budget, whatever the count.
    await expect(f.probe({ ...known, probesSinceDescribe: 0, lastProbe: true })).rejects.toMatchObject({
      name: 'BootstrapFailed',
    });
  });

  test('VcpuLimitExceeded is its own TaskError naming the quota, with no fallback across types and zones', async () => {
    const { aws, fleet: f } = fleet();
    aws.ec2Mock
      .on(RunInstancesCommand)
      .rejects(
        awsError(
          'VcpuLimitExceeded',
          'You have requested more vCPU capacity than your current vCPU limit of 32 allows',
        ),
      );
    const failed = f.launch(server);
    await expect(failed).rejects.toMatchObject({ name: 'VcpuLimitExceeded' });
    await expect(failed).rejects.toThrow(/L-1216C47A.*c6i\.large.*current vCPU limit of 32/);
    expect(aws.ec2Mock.commandCalls(RunInstancesCommand)).toHaveLength(1);
  });

  test('InstanceLimitExceeded (the older instance-count limit) is reported the same way', async () => {
    const { aws, fleet: f } = fleet();
    aws.ec2Mock.on(RunInstancesCommand).rejects(awsError('InstanceLimitExceeded', 'instance limit'));
    await expect(f.launch(server)).rejects.toMatchObject({ name: 'VcpuLimitExceeded' });
  });

  test('teardown of a known server: one TerminateInstances and one Route 53 DELETE naming the record, no describe, no list', async () => {
    const { aws, fleet: f } = fleet();
    const { instanceId } = await f.launch(server);
    await f.probe({ ...server, instanceId }); // writes the record
    aws.ec2Mock.resetHistory();
    aws.route53Mock.resetHistory();
    const done = await f.terminate({ ...server, instanceIds: [instanceId], publicIp: '203.0.113.10' });
    expect(done).toEqual({ terminatedInstanceIds: [instanceId] });
    expect(aws.callsByApi()).toEqual({ TerminateInstances: 1, ChangeResourceRecordSets: 1 });
    expect(
      aws.route53Mock.commandCalls(ChangeResourceRecordSetsCommand)[0].args[0].input.ChangeBatch?.Changes,
    ).toEqual([
      {
        Action: 'DELETE',
        ResourceRecordSet: {
          Name: server.hostname,
          Type: 'A',
          TTL: 60,
          ResourceRecords: [{ Value: '203.0.113.10' }],
        },
      },
    ]);
    expect(aws.dns.size).toBe(0);
    expect(aws.liveInstances()).toEqual([]);
  });

  test('teardown survives Route 53 throttling: the server is terminated, the record left for the sweeper', async () => {
    const { aws, fleet: f } = fleet();
    const { instanceId } = await f.launch(server);
    await f.probe({ ...server, instanceId });
    aws.route53Mock.resetHistory();
    aws.route53Mock.on(ChangeResourceRecordSetsCommand).rejects(awsError('Throttling', 'Rate exceeded'));
    await expect(
      f.terminate({ ...server, instanceIds: [instanceId], publicIp: '203.0.113.10' }),
    ).resolves.toEqual({
      terminatedInstanceIds: [instanceId],
      dnsLeft: true,
    });
    expect(aws.liveInstances()).toEqual([]);
    expect(aws.route53Mock.commandCalls(ChangeResourceRecordSetsCommand)).toHaveLength(ROUTE53_ATTEMPTS);
  });

  test('a record already gone, or pointing elsewhere now, is nothing of ours to delete', async () => {
    const { aws, fleet: f } = fleet();
    await expect(
      f.terminate({ ...server, instanceIds: ['i-gone'], publicIp: '203.0.113.10' }),
    ).resolves.toEqual({
      terminatedInstanceIds: ['i-gone'],
    });
    aws.dns.set(server.hostname, '198.51.100.9');
    await f.terminate({ ...server, instanceIds: ['i-gone'], publicIp: '203.0.113.10' });
    expect(aws.dns.get(server.hostname)).toBe('198.51.100.9');
  });

  test('Route 53 retries are configuration: attempts and pause', async () => {
    const { aws, fleet: f } = fleet({}, { route53Attempts: 2, route53BaseDelayMs: 10 });
    const sleeps: number[] = [];
    aws.clients.sleep = async (ms) => void sleeps.push(ms);
    aws.route53Mock.on(ChangeResourceRecordSetsCommand).rejects(awsError('Throttling'));
    await f.terminate({ ...server, instanceIds: ['i-1'], publicIp: '203.0.113.10' });
    expect(aws.route53Mock.commandCalls(ChangeResourceRecordSetsCommand)).toHaveLength(2);
    expect(sleeps).toHaveLength(1);
    expect(sleeps[0]).toBeLessThanOrEqual(10);
  });

  describe('leftover records (the sweeper)', () => {
    const id = (n: number) => `${n.toString(16).padStart(8, '0')}-0000-4000-8000-000000000000`;
    const host = (n: number) => `${id(n)}.meet.example.test`;

    test('lists the one-label A records under the meeting domain, page by page', async () => {
      const { aws, fleet: f } = fleet({}, { jitsiDomain: 'meet.example.test' });
      for (let n = 0; n < 650; n++) aws.dns.set(host(n), '203.0.113.10');
      aws.dns.set('meet.example.test', '198.51.100.1');
      aws.dns.set('a.b.meet.example.test', '198.51.100.2');
      aws.dns.set('other.example.test', '198.51.100.3');
      const records = await f.listDnsRecords();
      expect(records).toHaveLength(650);
      expect(records[0]).toEqual({ hostname: host(0), ip: '203.0.113.10', ttl: 60 });
      expect(aws.route53Mock.commandCalls(ListResourceRecordSetsCommand)).toHaveLength(3); // 300 a page
      expect(await fleet().fleet.listDnsRecords()).toEqual([]); // no domain configured: none
    });

    test('deletes in batches of at most 1,000 changes per call', async () => {
      const { aws, fleet: f } = fleet({}, { jitsiDomain: 'meet.example.test' });
      for (let n = 0; n < 2500; n++) aws.dns.set(host(n), '203.0.113.10');
      const result = await f.deleteDnsRecords(await f.listDnsRecords());
      expect(result).toEqual({ deleted: 2500, calls: 3 });
      const sizes = aws.route53Mock
        .commandCalls(ChangeResourceRecordSetsCommand)
        .map((c) => c.args[0].input.ChangeBatch?.Changes?.length);
      expect(sizes).toEqual([1000, 1000, 500]);
      expect(aws.dns.size).toBe(0);
    });

    test('the batch size is configuration (an account whose Route 53 refuses large batches)', async () => {
      const { aws, fleet: f } = fleet({}, { jitsiDomain: 'meet.example.test', dnsBatchSize: 100 });
      for (let n = 0; n < 250; n++) aws.dns.set(host(n), '203.0.113.10');
      expect(await f.deleteDnsRecords(await f.listDnsRecords())).toEqual({ deleted: 250, calls: 3 });
    });

    test('Route 53 still throttling stops the run after the bounded retries (the next sweep tries again)', async () => {
      const { aws, fleet: f } = fleet({}, { jitsiDomain: 'meet.example.test' });
      for (let n = 0; n < 1500; n++) aws.dns.set(host(n), '203.0.113.10');
      const listed = await f.listDnsRecords();
      aws.faults.route53Throttled = true;
      expect(await f.deleteDnsRecords(listed)).toEqual({ deleted: 0, calls: 1, throttled: true });
      expect(aws.route53Mock.commandCalls(ChangeResourceRecordSetsCommand)).toHaveLength(ROUTE53_ATTEMPTS);
      expect(aws.dns.size).toBe(1500);
    });

    test('a record changed since it was listed fails its batch; the batch is split and the rest deleted', async () => {
      const { aws, fleet: f } = fleet({}, { jitsiDomain: 'meet.example.test' });
      for (let n = 0; n < 8; n++) aws.dns.set(host(n), '203.0.113.10');
      const listed = await f.listDnsRecords();
      aws.dns.set(host(5), '198.51.100.50'); // a new server of that meeting wrote it meanwhile
      const result = await f.deleteDnsRecords(listed);
      expect(result.deleted).toBe(7);
      expect(result.calls).toBeLessThanOrEqual(2 * 8 - 1);
      expect([...aws.dns.entries()]).toEqual([[host(5), '198.51.100.50']]);
    });
  });
});
