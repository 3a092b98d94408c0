/**
 * The AWS calls a function's code makes, as IAM authorizes them: one entry per action and resource, with the
 * condition keys AWS evaluates for that resource. Each function keeps its table next to its code
 * (`functions/<dir>/awsCalls.ts`); test/infra/permissions.test.ts simulates every entry against the function's
 * role in the synthesized template, and fails when code in functions/ sends an SDK command no table names.
 * Plain data and string building only: no SDK, nothing of infra/.
 */

/** Where a function runs, as its code sees it: the account, and the environment the deployment gave it. */
export interface CallSite {
  partition: string;
  region: string;
  account: string;
  /** The function's environment as deployed: the names and ids its code calls AWS with. */
  env: Readonly<Record<string, string>>;
  /** Meeting hosts are `<id>.<jitsiDomain>` (the API books them under its JITSI_DOMAIN). */
  jitsiDomain: string;
  /** The lifecycle state machine: meeting records name executions of it (the API starts them). */
  stateMachineArn: string;
  /** What RunInstances reaches through the launch template, which the code names only by id. */
  launchTemplate: {
    securityGroupIds: string[];
    /** The role of the template's instance profile: RunInstances passes it (iam:PassRole). */
    instanceRoleArn: string;
    /** `resolve:ssm:<name>`: EC2 reads it with the caller's permissions (ssm:GetParameters). */
    imageParameterName: string;
    /** Condition keys the template decides for the new instance (metadata options) and its root volume. */
    instanceContext: Record<string, string>;
    volumeContext: Record<string, string>;
  };
  /** The images the launch parameter may hold (a baked image of this account, the stock one). */
  images: ImageFacts[];
}

export interface ImageFacts {
  id: string;
  /** The image's owner account (ec2:Owner). */
  owner: string;
  tags: Record<string, string>;
}

export interface AwsCall {
  /** The SDK command class (`RunInstancesCommand`), or the CLI operation (`aws secretsmanager get-secret-value`). */
  command: string;
  /** The IAM action it is authorized as. */
  action: string;
  /** One resource AWS authorizes it on; `*` for actions without resource-level permissions. */
  resource: string;
  /**
   * The resource's own tags. The simulation presents each under every resource-tag key AWS documents for the
   * action and resource (aws:ResourceTag/…, ssm:resourceTag/…, ec2:ResourceTag/…).
   */
  tags?: Record<string, string>;
  /** Other condition keys of the request and their values (aws:RequestTag/…, ec2:InstanceType, …). */
  context?: Record<string, string | string[]>;
  /** What the code does with it (the test's name). */
  why: string;
  /**
   * Why the simulator cannot validate this resource against AWS's service authorization data (an ARN form the
   * data lacks); the policy is then evaluated without that validation. The test fails once the data has it.
   */
  dataGap?: string;
}

/** A function's table: every call its code can make, given where it runs. */
export type AwsCallTable = (site: CallSite) => AwsCall[];

/** An ARN in the site's partition; `region` and `account` default to the site's ('' for global resources). */
export function arn(
  site: CallSite,
  service: string,
  resource: string,
  where: { region?: string; account?: string } = {},
): string {
  return `arn:${site.partition}:${service}:${where.region ?? site.region}:${where.account ?? site.account}:${resource}`;
}

/** Ids the calls act on that only exist at run time (an instance, a change): any well-formed value will do. */
export const EXAMPLE = {
  meetingId: 'm-example',
  instanceId: 'i-0123456789abcdef0',
  volumeId: 'vol-0123456789abcdef0',
  networkInterfaceId: 'eni-0123456789abcdef0',
  executionName: 'm-example-r0',
  changeId: 'C0123456789EXAMPLE',
  roomName: 'lesson',
} as const;

/** A meeting's execution: what StartExecution answered for the state machine, kept in the meeting record. */
export const executionArn = (stateMachineArn: string, name: string = EXAMPLE.executionName) =>
  `${stateMachineArn.replace(':stateMachine:', ':execution:')}:${name}`;

/** aws:RequestTag/<key> for every tag, and aws:TagKeys: what AWS evaluates for tags set by the request. */
export function requestTags(tags: Record<string, string>): Record<string, string | string[]> {
  return {
    ...Object.fromEntries(Object.entries(tags).map(([k, v]) => [`aws:RequestTag/${k}`, v])),
    'aws:TagKeys': Object.keys(tags),
  };
}

/** The hosted zone of HOSTED_ZONE_ID: Route 53 ARNs have no region or account. */
export const zoneArn = (site: CallSite) =>
  arn(site, 'route53', `hostedzone/${site.env.HOSTED_ZONE_ID}`, { region: '', account: '' });

/**
 * ChangeResourceRecordSets in the site's zone (HOSTED_ZONE_ID), as Route 53 evaluates it: on the zone, with the normalized names
 * (lower case, no trailing dot), types and actions of every change in the batch
 * (https://docs.aws.amazon.com/Route53/latest/DeveloperGuide/specifying-rrset-conditions.html).
 */
export function changeRecords(
  site: CallSite,
  change: { action: 'UPSERT' | 'DELETE' | 'CREATE'; names: string[]; type?: string },
  why: string,
): AwsCall {
  return {
    command: 'ChangeResourceRecordSetsCommand',
    action: 'route53:ChangeResourceRecordSets',
    resource: zoneArn(site),
    context: {
      'route53:ChangeResourceRecordSetsNormalizedRecordNames': change.names.map((n) =>
        n.replace(/\.$/, '').toLowerCase(),
      ),
      'route53:ChangeResourceRecordSetsRecordTypes': [change.type ?? 'A'],
      'route53:ChangeResourceRecordSetsActions': [change.action],
    },
    why,
  };
}
