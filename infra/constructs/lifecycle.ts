import { readFileSync } from 'node:fs';
import { Aws, Duration, RemovalPolicy } from 'aws-cdk-lib';
import type * as dynamodb from 'aws-cdk-lib/aws-dynamodb';
import * as iam from 'aws-cdk-lib/aws-iam';
import * as logs from 'aws-cdk-lib/aws-logs';
import * as sfn from 'aws-cdk-lib/aws-stepfunctions';
import { Construct } from 'constructs';
import { DEFINITION_PATH, TASK_PLACEHOLDERS, type TaskStateName } from '../../statemachine/definition';
import { acknowledge } from './acknowledge';
import { BAKED_IMAGE_TAG_KEY } from './jitsiImage';
import { CANONICAL_OWNER_ID, type JitsiFleet } from './jitsiFleet';
import { TaskFunction } from './taskFunction';

export interface LifecycleProps {
  appName: string;
  table: dynamodb.ITable;
  fleet: JitsiFleet;
  hostedZoneId: string;
  /** Meeting servers are `<id>.<jitsiDomain>`: the only records the tasks may change. */
  jitsiDomain: string;
  instanceTypes: string[];
  /** The SSM parameter the launch template resolves its image from (`resolve:ssm:`). */
  imageParameterArn: string;
  /**
   * The customer-managed key the account encrypts EBS with by default, if any: RunInstances with encrypted
   * volumes needs to use it on the caller's behalf.
   */
  ebsKmsKeyArn?: string;
  logRetention: logs.RetentionDays;
  /**
   * Where the meeting servers' certificate comes from (default production). Staging: the health check's probe
   * trusts Let's Encrypt's staging roots too (functions/shared/probeTrust.ts), and only then.
   */
  acmeDirectory?: 'production' | 'staging';
}

/** How much longer a function may run than its Task waits for it. */
export const FUNCTION_TIMEOUT_MARGIN_SECONDS = 10;

/**
 * Each task function's Task `TimeoutSeconds` in the ASL file, the single source of truth: the function's own
 * timeout is derived from it, so it is always longer and a hung call ends as `States.Timeout`, which the Task
 * retries (a Lambda timeout would not be). Found by the function's substitution variable (`${LaunchFunctionArn}`),
 * wherever the state sits; with several states on one function, the longest wins. A task state without a
 * timeout fails synthesis, naming it.
 */
export function taskTimeouts(definitionPath: string = DEFINITION_PATH): Record<TaskStateName, number> {
  const found = new Map<string, number[]>();
  const visit = (node: unknown): void => {
    if (Array.isArray(node)) return node.forEach(visit);
    if (node === null || typeof node !== 'object') return;
    const state = node as { Type?: unknown; Resource?: unknown; TimeoutSeconds?: unknown };
    if (state.Type === 'Task' && typeof state.Resource === 'string') {
      const placeholder = /^\$\{(\w+)\}$/.exec(state.Resource)?.[1];
      if (placeholder) {
        if (!Number.isInteger(state.TimeoutSeconds) || (state.TimeoutSeconds as number) <= 0)
          throw new Error(
            `${definitionPath}: the Task on \${${placeholder}} needs a positive whole TimeoutSeconds (its function's timeout is derived from it)`,
          );
        found.set(placeholder, [...(found.get(placeholder) ?? []), state.TimeoutSeconds as number]);
      }
    }
    Object.values(node).forEach(visit);
  };
  visit(JSON.parse(readFileSync(definitionPath, 'utf8')));
  return Object.fromEntries(
    (Object.entries(TASK_PLACEHOLDERS) as [TaskStateName, string][]).map(([name, placeholder]) => {
      const seconds = found.get(placeholder);
      if (!seconds) throw new Error(`${definitionPath}: no Task state uses \${${placeholder}}`);
      return [name, Math.max(...seconds)];
    }),
  ) as Record<TaskStateName, number>;
}

/**
 * Route 53 has no per-record resources: the zone ARN plus these conditions limit a change to A records of
 * meeting hosts (`<id>.<jitsiDomain>`), so a task cannot touch the apex, MX, or another subdomain's records.
 */
export function meetingRecordsStatement(hostedZoneId: string, jitsiDomain: string): iam.PolicyStatement {
  return new iam.PolicyStatement({
    actions: ['route53:ChangeResourceRecordSets'],
    resources: [`arn:${Aws.PARTITION}:route53:::hostedzone/${hostedZoneId}`],
    conditions: {
      'ForAllValues:StringLike': {
        // Normalized: lower case, without the trailing dot (jitsiDomain is validated lower case).
        'route53:ChangeResourceRecordSetsNormalizedRecordNames': [`*.${jitsiDomain}`],
      },
      'ForAllValues:StringEquals': { 'route53:ChangeResourceRecordSetsRecordTypes': ['A'] },
    },
  });
}

/** The four lifecycle tasks and the state machine that drives them, loaded from statemachine/meeting.asl.json. */
export class Lifecycle extends Construct {
  readonly tasks: Record<TaskStateName, TaskFunction>;
  readonly stateMachine: sfn.StateMachine;
  /** What every task (and the sweeper) is configured with. */
  readonly taskEnvironment: Record<string, string>;
  /** The state machine's execution history events (level ALL): the teardown-failed alarm counts from it. */
  readonly executionLogs: logs.LogGroup;

  constructor(scope: Construct, id: string, props: LifecycleProps) {
    super(scope, id);
    // Pseudo-parameters, not the synth-time env: ARNs (and the cdk-nag findings naming them) stay the same.
    const { ACCOUNT_ID: account, REGION: region, PARTITION: partition } = Aws;
    const environment = {
      TABLE_NAME: props.table.tableName,
      APP_TAG: props.appName,
      LAUNCH_TEMPLATE_ID: props.fleet.launchTemplate.launchTemplateId!,
      INSTANCE_TYPES: props.instanceTypes.join(','),
      SUBNET_IDS: props.fleet.publicSubnetIds.join(','),
      HOSTED_ZONE_ID: props.hostedZoneId,
    };
    this.taskEnvironment = environment;
    const taskTimeoutSeconds = taskTimeouts();
    const task = (name: TaskStateName, entryDir: string, description: string) =>
      new TaskFunction(this, name, {
        entryDir,
        description,
        environment,
        timeout: Duration.seconds(taskTimeoutSeconds[name] + FUNCTION_TIMEOUT_MARGIN_SECONDS),
        logRetention: props.logRetention,
      });
    this.tasks = {
      Launch: task('Launch', 'launch', 'Starts the meeting server from the launch template'),
      HealthCheck: task('HealthCheck', 'health-check', 'Probes the meeting server until Jitsi answers'),
      AttendanceCheck: task(
        'AttendanceCheck',
        'attendance-check',
        'Counts the people in the meeting room: attendance, then the room checks until the end',
      ),
      Teardown: task('Teardown', 'teardown', 'Terminates the meeting server and records the outcome'),
    };
    if (props.acmeDirectory === 'staging')
      this.tasks.HealthCheck.fn.addEnvironment('ACME_DIRECTORY', 'staging');

    const tableRw = ['dynamodb:GetItem', 'dynamodb:UpdateItem'];
    for (const t of Object.values(this.tasks)) {
      t.role.addToPolicy(new iam.PolicyStatement({ actions: tableRw, resources: [props.table.tableArn] }));
      // Describe* has no resource-level permissions in EC2: '*' is the only resource it accepts.
      t.role.addToPolicy(new iam.PolicyStatement({ actions: ['ec2:DescribeInstances'], resources: ['*'] }));
      acknowledge(t.role, {
        'AwsSolutions-IAM5[Resource::*]':
          'ec2:DescribeInstances supports no resource-level permissions; the tasks filter by tag.',
      });
    }

    const ec2Arn = (resource: string) => `arn:${partition}:ec2:${region}:${account}:${resource}`;
    const appTagged = { 'aws:RequestTag/app': props.appName };
    const launch = this.tasks.Launch.role;
    launch.addToPolicy(
      new iam.PolicyStatement({
        actions: ['ec2:RunInstances'],
        resources: [ec2Arn('instance/*')],
        // New instances must carry this app's tag and be one of the configured types: the launch role can
        // start nothing else, and nothing bigger.
        conditions: { StringEquals: { ...appTagged, 'ec2:InstanceType': props.instanceTypes } },
      }),
    );
    launch.addToPolicy(
      new iam.PolicyStatement({
        actions: ['ec2:RunInstances'],
        resources: [ec2Arn('volume/*')],
        // A volume has no instance type: a separate statement, or the condition key would be missing and deny.
        conditions: { StringEquals: appTagged },
      }),
    );
    launch.addToPolicy(
      new iam.PolicyStatement({
        actions: ['ec2:RunInstances'],
        resources: [
          ec2Arn(`launch-template/${props.fleet.launchTemplate.launchTemplateId}`),
          ec2Arn(`security-group/${props.fleet.securityGroup.securityGroupId}`),
          ec2Arn('network-interface/*'),
          ...props.fleet.publicSubnetIds.map((s) => ec2Arn(`subnet/${s}`)),
        ],
      }),
    );
    // The image follows the launch parameter, so it is named by who owns it, never as image/* alone: this
    // account's images only with the pipeline's tag (a baked image), and Canonical's stock images for the apt
    // fallback before the first build. No other image, public or private, can be started.
    const anyImage = `arn:${partition}:ec2:${region}::image/*`;
    launch.addToPolicy(
      new iam.PolicyStatement({
        actions: ['ec2:RunInstances'],
        resources: [anyImage],
        conditions: {
          StringEquals: { 'ec2:Owner': account, [`aws:ResourceTag/${BAKED_IMAGE_TAG_KEY}`]: props.appName },
        },
      }),
    );
    launch.addToPolicy(
      new iam.PolicyStatement({
        actions: ['ec2:RunInstances'],
        resources: [anyImage],
        conditions: { StringEquals: { 'ec2:Owner': CANONICAL_OWNER_ID } },
      }),
    );
    // A launch template whose image is `resolve:ssm:` needs the caller to read the parameter.
    launch.addToPolicy(
      new iam.PolicyStatement({ actions: ['ssm:GetParameters'], resources: [props.imageParameterArn] }),
    );
    if (props.ebsKmsKeyArn) {
      // Accounts that encrypt EBS by default with a customer-managed key: EC2 creates the encrypted root volume
      // with that key on the caller's behalf, so the caller needs these on it (and the key policy must allow
      // IAM policies of the account, as the default key policy does).
      launch.addToPolicy(
        new iam.PolicyStatement({
          actions: ['kms:Decrypt', 'kms:GenerateDataKeyWithoutPlaintext'],
          resources: [props.ebsKmsKeyArn],
        }),
      );
      launch.addToPolicy(
        new iam.PolicyStatement({
          actions: ['kms:CreateGrant'],
          resources: [props.ebsKmsKeyArn],
          // Only grants EC2 creates for the volume, never one for an arbitrary principal.
          conditions: { Bool: { 'kms:GrantIsForAWSResource': 'true' } },
        }),
      );
    }
    launch.addToPolicy(
      new iam.PolicyStatement({
        actions: ['ec2:CreateTags'],
        resources: [ec2Arn('instance/*'), ec2Arn('volume/*')],
        conditions: { StringEquals: { 'ec2:CreateAction': 'RunInstances' } },
      }),
    );
    launch.addToPolicy(
      new iam.PolicyStatement({ actions: ['iam:PassRole'], resources: [props.fleet.instanceRole.roleArn] }),
    );
    acknowledge(launch, {
      [`AwsSolutions-IAM5[Resource::arn:<AWS::Partition>:ec2:<AWS::Region>:<AWS::AccountId>:instance/*]`]:
        'Instance ids are unknown before launch; RunInstances is limited by the aws:RequestTag/app and ec2:InstanceType conditions, TerminateInstances to instances tagged with this app (aws:ResourceTag/app).',
      [`AwsSolutions-IAM5[Resource::arn:<AWS::Partition>:ec2:<AWS::Region>:<AWS::AccountId>:volume/*]`]:
        'Volume ids are unknown before launch; RunInstances is limited by the aws:RequestTag/app condition.',
      [`AwsSolutions-IAM5[Resource::arn:<AWS::Partition>:ec2:<AWS::Region>:<AWS::AccountId>:network-interface/*]`]:
        'RunInstances creates the network interface; its id is unknown before launch.',
      [`AwsSolutions-IAM5[Resource::arn:<AWS::Partition>:ec2:<AWS::Region>::image/*]`]:
        'The image follows the launch parameter (rebuilt weekly); limited by ec2:Owner to this account with the baked-image tag, or to Canonical for the apt fallback.',
    });

    const zoneArn = `arn:${partition}:route53:::hostedzone/${props.hostedZoneId}`;
    const meetingRecords = meetingRecordsStatement(props.hostedZoneId, props.jitsiDomain);
    this.tasks.HealthCheck.role.addToPolicy(meetingRecords);

    const appOwned = { StringEquals: { 'aws:ResourceTag/app': props.appName } };
    // A launch that finds its meeting cancelled or rescheduled while the server started stops that server
    // itself (launchMeeting.ts: nobody else will), and its record if one was written: the same, tag-limited
    // permissions as the teardown (found by test/infra/permissions.test.ts: without them that call was denied).
    const stopsServers = (role: iam.IRole) => {
      role.addToPrincipalPolicy(
        new iam.PolicyStatement({
          actions: ['ec2:TerminateInstances'],
          resources: [ec2Arn('instance/*')],
          conditions: appOwned,
        }),
      );
      role.addToPrincipalPolicy(
        new iam.PolicyStatement({ actions: ['route53:ListResourceRecordSets'], resources: [zoneArn] }),
      );
      role.addToPrincipalPolicy(meetingRecordsStatement(props.hostedZoneId, props.jitsiDomain));
    };
    stopsServers(launch);
    // A failed bootstrap prints its reason to the console; the health check reads it from app servers only.
    this.tasks.HealthCheck.role.addToPolicy(
      new iam.PolicyStatement({
        actions: ['ec2:GetConsoleOutput'],
        resources: [ec2Arn('instance/*')],
        conditions: appOwned,
      }),
    );
    acknowledge(this.tasks.HealthCheck.role, {
      [`AwsSolutions-IAM5[Resource::arn:<AWS::Partition>:ec2:<AWS::Region>:<AWS::AccountId>:instance/*]`]:
        'Console output only of instances tagged with this app (aws:ResourceTag/app condition).',
    });
    const attendance = this.tasks.AttendanceCheck.role;
    // Run Command's own tag key: AWS's service authorization reference lists both aws:ResourceTag/${TagKey} and
    // ssm:resourceTag/${TagKey} for SendCommand on an EC2 instance, and Systems Manager's guide "Restricting Run
    // Command access based on instance tags" (docs.aws.amazon.com/systems-manager/latest/userguide/
    // sysman-rc-setting-up-cmdsec.html) conditions on ssm:resourceTag/<key>, with AccessDenied for an instance
    // without the tag. test/infra/permissions.test.ts simulates both (tagged: allowed; untagged: denied).
    attendance.addToPolicy(
      new iam.PolicyStatement({
        actions: ['ssm:SendCommand'],
        resources: [ec2Arn('instance/*')],
        conditions: { StringEquals: { 'ssm:resourceTag/app': props.appName } },
      }),
    );
    attendance.addToPolicy(
      new iam.PolicyStatement({
        actions: ['ssm:SendCommand'],
        resources: [`arn:${partition}:ssm:${region}::document/AWS-RunShellScript`],
      }),
    );
    // GetCommandInvocation has no resource-level permissions.
    attendance.addToPolicy(
      new iam.PolicyStatement({ actions: ['ssm:GetCommandInvocation'], resources: ['*'] }),
    );
    acknowledge(attendance, {
      [`AwsSolutions-IAM5[Resource::arn:<AWS::Partition>:ec2:<AWS::Region>:<AWS::AccountId>:instance/*]`]:
        'Run Command only on instances tagged with this app (ssm:resourceTag/app condition).',
    });

    const teardown = this.tasks.Teardown.role;
    stopsServers(teardown);
    acknowledge(teardown, {
      [`AwsSolutions-IAM5[Resource::arn:<AWS::Partition>:ec2:<AWS::Region>:<AWS::AccountId>:instance/*]`]:
        'Terminates only instances tagged with this app (aws:ResourceTag/app condition).',
    });

    const logGroup = new logs.LogGroup(this, 'ExecutionLogs', {
      retention: props.logRetention,
      removalPolicy: RemovalPolicy.DESTROY,
    });
    this.executionLogs = logGroup;
    this.stateMachine = new sfn.StateMachine(this, 'StateMachine', {
      stateMachineType: sfn.StateMachineType.STANDARD,
      definitionBody: sfn.DefinitionBody.fromFile(DEFINITION_PATH),
      definitionSubstitutions: Object.fromEntries(
        (Object.entries(TASK_PLACEHOLDERS) as [TaskStateName, string][]).map(([state, placeholder]) => [
          placeholder,
          this.tasks[state].fn.functionArn,
        ]),
      ),
      logs: { destination: logGroup, level: sfn.LogLevel.ALL, includeExecutionData: true },
      tracingEnabled: true,
    });
    // The ASL names the unqualified function ARNs, so no version or alias wildcard (grantInvoke adds ':*').
    this.stateMachine.addToRolePolicy(
      new iam.PolicyStatement({
        actions: ['lambda:InvokeFunction'],
        resources: Object.values(this.tasks).map((t) => t.fn.functionArn),
      }),
    );
    acknowledge(this.stateMachine, {
      'AwsSolutions-IAM5[Resource::*]':
        'X-Ray and CloudWatch Logs delivery actions used by Step Functions accept only Resource "*".',
    });
  }
}
