import {
  arn,
  changeRecords,
  EXAMPLE,
  requestTags,
  zoneArn,
  type AwsCall,
  type CallSite,
  type ImageFacts,
} from './awsCalls';
import { serverTags } from './ec2Fleet';

/**
 * The calls Ec2Fleet (ec2Fleet.ts) makes, one builder per thing it does; each function's table lists the ones
 * its code reaches. Resources and condition keys are those of AWS's service authorization reference for the
 * action ("Actions, resources, and condition keys for Amazon EC2 / Route 53 / Systems Manager").
 */

const hostname = (site: CallSite) => `${EXAMPLE.meetingId}.${site.jitsiDomain}`;
const instanceArn = (site: CallSite) => arn(site, 'ec2', `instance/${EXAMPLE.instanceId}`);
/** A running meeting server: tagged by RunInstances with the app's tag. */
const appServer = (site: CallSite) => ({ app: site.env.APP_TAG });

/** EC2's Describe* accept no resource-level permissions: '*' only. */
export const describeInstances = (why: string): AwsCall => ({
  command: 'DescribeInstancesCommand',
  action: 'ec2:DescribeInstances',
  resource: '*',
  why,
});

export interface LaunchRequest {
  instanceType: string;
  subnetId: string;
  image: ImageFacts;
  /** The tags the request sets (default: serverTags, what launch() sends). */
  tags?: Record<string, string>;
}

/**
 * One RunInstances as IAM sees it: authorized on every resource it creates or uses (instance, volume, network
 * interface, security group, subnet, image, launch template; no key pair: the template has none), plus the
 * checks the request implies: tagging on create (ec2:CreateTags with ec2:CreateAction), passing the instance
 * profile's role, and reading the `resolve:ssm:` image parameter
 * (https://docs.aws.amazon.com/AWSEC2/latest/UserGuide/ExamplePolicies_EC2.html#iam-example-runinstances).
 */
export function runInstances(site: CallSite, request: LaunchRequest): AwsCall[] {
  const tags =
    request.tags ??
    Object.fromEntries(
      serverTags(site.env.APP_TAG, {
        meetingId: EXAMPLE.meetingId,
        hostname: hostname(site),
        roomName: EXAMPLE.roomName,
      }).map((t) => [t.Key, t.Value]),
    );
  const launchTemplate = arn(site, 'ec2', `launch-template/${site.env.LAUNCH_TEMPLATE_ID}`);
  const fromTemplate = { 'ec2:LaunchTemplate': launchTemplate };
  const run = (resource: string, why: string, context: Record<string, string | string[]> = {}): AwsCall => ({
    command: 'RunInstancesCommand',
    action: 'ec2:RunInstances',
    resource,
    context: { 'ec2:Region': site.region, ...fromTemplate, ...context },
    why: `RunInstances: ${why}`,
  });
  const created = (resource: string, why: string): AwsCall => ({
    command: 'RunInstancesCommand',
    action: 'ec2:CreateTags',
    resource,
    context: { 'ec2:CreateAction': 'RunInstances', 'ec2:Region': site.region, ...requestTags(tags) },
    why: `RunInstances tags ${why} on create`,
  });
  const newInstance = arn(site, 'ec2', `instance/${EXAMPLE.instanceId}`);
  const newVolume = arn(site, 'ec2', `volume/${EXAMPLE.volumeId}`);
  return [
    run(newInstance, `the new ${request.instanceType} instance`, {
      ...requestTags(tags),
      'ec2:InstanceType': request.instanceType,
      'ec2:InstanceProfile': site.launchTemplate.instanceRoleArn,
      ...site.launchTemplate.instanceContext,
    }),
    run(newVolume, 'its root volume', { ...requestTags(tags), ...site.launchTemplate.volumeContext }),
    run(arn(site, 'ec2', `network-interface/${EXAMPLE.networkInterfaceId}`), 'its network interface', {
      'ec2:Subnet': arn(site, 'ec2', `subnet/${request.subnetId}`),
    }),
    ...site.launchTemplate.securityGroupIds.map((sg) =>
      run(arn(site, 'ec2', `security-group/${sg}`), "the template's security group", {
        'ec2:SecurityGroupID': sg,
      }),
    ),
    run(arn(site, 'ec2', `subnet/${request.subnetId}`), `subnet ${request.subnetId}`, {
      'ec2:SubnetID': request.subnetId,
    }),
    {
      ...run(
        arn(site, 'ec2', `image/${request.image.id}`, { account: '' }),
        `image of ${request.image.owner}`,
        {
          'ec2:ImageID': request.image.id,
          'ec2:Owner': request.image.owner,
          'ec2:RootDeviceType': 'ebs',
        },
      ),
      tags: request.image.tags,
    },
    run(launchTemplate, 'the launch template', { 'ec2:IsLaunchTemplateResource': 'true' }),
    created(newInstance, 'the instance'),
    created(newVolume, 'the volume'),
    {
      command: 'RunInstancesCommand',
      action: 'iam:PassRole',
      resource: site.launchTemplate.instanceRoleArn,
      context: { 'iam:PassedToService': 'ec2.amazonaws.com' },
      why: "RunInstances passes the instance profile's role",
    },
    {
      command: 'RunInstancesCommand',
      action: 'ssm:GetParameters',
      resource: arn(site, 'ssm', `parameter/${site.launchTemplate.imageParameterName.replace(/^\//, '')}`),
      why: "RunInstances resolves the template's image parameter",
    },
  ];
}

/**
 * Every launch the configuration allows: each instance type in each subnet, with each image it may hold; the
 * same resource with the same context is listed once (IAM authorizes each resource on its own).
 */
export function launches(site: CallSite): AwsCall[] {
  const types = site.env.INSTANCE_TYPES.split(',');
  const subnets = site.env.SUBNET_IDS.split(',');
  const all = site.images.flatMap((image) =>
    subnets.flatMap((subnetId) =>
      types.flatMap((instanceType) => runInstances(site, { instanceType, subnetId, image })),
    ),
  );
  const seen = new Set<string>();
  return all.filter((c) => {
    const key = JSON.stringify([c.action, c.resource, c.tags, c.context]);
    return !seen.has(key) && Boolean(seen.add(key));
  });
}

/** TerminateInstances of a meeting server, by id (teardown, the sweeper, a launch that lost a cancel race). */
export const terminateInstance = (
  site: CallSite,
  tags: Record<string, string> = appServer(site),
): AwsCall => ({
  command: 'TerminateInstancesCommand',
  action: 'ec2:TerminateInstances',
  resource: instanceArn(site),
  tags,
  context: { 'ec2:Region': site.region },
  why: 'terminates a meeting server',
});

/** GetConsoleOutput: the reason a failed bootstrap printed (health check). */
export const consoleOutput = (site: CallSite, tags: Record<string, string> = appServer(site)): AwsCall => ({
  command: 'GetConsoleOutputCommand',
  action: 'ec2:GetConsoleOutput',
  resource: instanceArn(site),
  tags,
  context: { 'ec2:Region': site.region },
  why: "reads a failed server's console",
});

/** SendCommand of the room count: authorized on the instance and on the document (attendance check). */
export function sendRoomCount(
  site: CallSite,
  tags: Record<string, string> = appServer(site),
  document = 'AWS-RunShellScript',
): AwsCall[] {
  return [
    {
      command: 'SendCommandCommand',
      action: 'ssm:SendCommand',
      resource: instanceArn(site),
      tags,
      why: 'runs the room count on the meeting server',
    },
    {
      command: 'SendCommandCommand',
      action: 'ssm:SendCommand',
      // An AWS-owned document: "The account ID shouldn't be specified in the ARN for AWS owned public
      // documents" (Systems Manager user guide, "Setting up identity based policies examples").
      resource: arn(site, 'ssm', `document/${document}`, { account: '' }),
      why: `with the ${document} document`,
      dataGap: "the data's document ARN requires an account; AWS-owned documents have none",
    },
    {
      command: 'GetCommandInvocationCommand',
      action: 'ssm:GetCommandInvocation',
      resource: '*',
      why: "reads the room count's output",
    },
  ];
}

/** The health check's UPSERT of the meeting's A record. */
export const upsertMeetingRecord = (site: CallSite) =>
  changeRecords(site, { action: 'UPSERT', names: [hostname(site)] }, "writes the meeting's A record");

/** Ec2Fleet.terminate: the instance, then its record (looked up first when the address is unknown). */
export function terminateMeeting(site: CallSite): AwsCall[] {
  return [
    describeInstances("finds a meeting's servers by tag"),
    terminateInstance(site),
    listRecords(site),
    changeRecords(site, { action: 'DELETE', names: [hostname(site)] }, "deletes the meeting's A record"),
  ];
}

export const listRecords = (site: CallSite): AwsCall => ({
  command: 'ListResourceRecordSetsCommand',
  action: 'route53:ListResourceRecordSets',
  resource: zoneArn(site),
  why: 'looks up meeting records',
});

/** The sweeper's batch DELETE of leftover meeting records (several names in one change batch). */
export const deleteLeftoverRecords = (site: CallSite) =>
  changeRecords(
    site,
    { action: 'DELETE', names: [hostname(site), `m-other.${site.jitsiDomain}`] },
    'deletes leftover meeting records in one batch',
  );
