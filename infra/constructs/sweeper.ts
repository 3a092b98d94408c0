import { Aws, type CfnElement, Duration, Stack } from 'aws-cdk-lib';
import type * as dynamodb from 'aws-cdk-lib/aws-dynamodb';
import * as events from 'aws-cdk-lib/aws-events';
import * as targets from 'aws-cdk-lib/aws-events-targets';
import * as iam from 'aws-cdk-lib/aws-iam';
import type * as logs from 'aws-cdk-lib/aws-logs';
import type * as sfn from 'aws-cdk-lib/aws-stepfunctions';
import { Construct } from 'constructs';
import { INDEX_BY_STATUS } from '../../functions/shared/store';
import { acknowledge } from './acknowledge';
import { meetingRecordsStatement } from './lifecycle';
import { TaskFunction } from './taskFunction';

export interface SweeperProps {
  appName: string;
  table: dynamodb.ITable;
  stateMachine: sfn.StateMachine;
  hostedZoneId: string;
  /** Meeting servers are `<id>.<jitsiDomain>`: the only records the sweeper may delete. */
  jitsiDomain: string;
  /** The same environment the lifecycle tasks get (table, tag, template, zone). */
  taskEnvironment: Record<string, string>;
  maxInstanceHours: number;
  /** The lifecycle's maximum overrun: a lesson kept past endAt that long keeps its server. */
  maxOverrunMinutes: number;
  logRetention: logs.RetentionDays;
}

/**
 * Every 10 minutes: terminates any server of this app whose meeting is over, unknown, or too old, and deletes
 * leftover meeting DNS records (teardown leaves them when Route 53 stays throttled) in batches.
 */
export class Sweeper extends Construct {
  readonly fn: TaskFunction;

  constructor(scope: Construct, id: string, props: SweeperProps) {
    super(scope, id);
    const { ACCOUNT_ID: account, REGION: region, PARTITION: partition } = Aws;
    this.fn = new TaskFunction(this, 'Sweeper', {
      entryDir: 'sweeper',
      description: 'Terminates meeting servers that outlived their meeting',
      timeout: Duration.minutes(2),
      logRetention: props.logRetention,
      environment: {
        ...props.taskEnvironment,
        MAX_INSTANCE_HOURS: String(props.maxInstanceHours),
        // Leftover meeting records (`<id>.<jitsiDomain>`) are deleted only under it (issue 20).
        JITSI_DOMAIN: props.jitsiDomain,
        MAX_OVERRUN_SECONDS: String(props.maxOverrunMinutes * 60),
        // Its executions are reconciled with the meetings (issue 22).
        STATE_MACHINE_ARN: props.stateMachine.stateMachineArn,
      },
    });
    const role = this.fn.role;
    role.addToPolicy(
      new iam.PolicyStatement({
        actions: ['dynamodb:GetItem', 'dynamodb:UpdateItem'],
        resources: [props.table.tableArn],
      }),
    );
    // Open meetings by status, to close those whose lifecycle ended without teardown.
    role.addToPolicy(
      new iam.PolicyStatement({
        actions: ['dynamodb:Query'],
        resources: [`${props.table.tableArn}/index/${INDEX_BY_STATUS}`],
      }),
    );
    // Describe* has no resource-level permissions in EC2.
    role.addToPolicy(new iam.PolicyStatement({ actions: ['ec2:DescribeInstances'], resources: ['*'] }));
    role.addToPolicy(
      new iam.PolicyStatement({
        actions: ['ec2:TerminateInstances'],
        resources: [`arn:${partition}:ec2:${region}:${account}:instance/*`],
        conditions: { StringEquals: { 'aws:ResourceTag/app': props.appName } },
      }),
    );
    role.addToPolicy(
      new iam.PolicyStatement({
        actions: ['route53:ListResourceRecordSets'],
        resources: [`arn:${partition}:route53:::hostedzone/${props.hostedZoneId}`],
      }),
    );
    role.addToPolicy(meetingRecordsStatement(props.hostedZoneId, props.jitsiDomain));
    // ListExecutions is authorized on the state machine, Describe/StopExecution on its executions (Service
    // Authorization Reference, "Actions, resources, and condition keys for AWS Step Functions",
    // https://docs.aws.amazon.com/service-authorization/latest/reference/list_awsstepfunctions.html).
    role.addToPolicy(
      new iam.PolicyStatement({
        actions: ['states:ListExecutions'],
        resources: [props.stateMachine.stateMachineArn],
      }),
    );
    role.addToPolicy(
      new iam.PolicyStatement({
        actions: ['states:DescribeExecution', 'states:StopExecution'],
        resources: [
          `arn:${partition}:states:${region}:${account}:execution:${props.stateMachine.stateMachineName}:*`,
        ],
      }),
    );
    const smId = Stack.of(this).getLogicalId(props.stateMachine.node.defaultChild as CfnElement);
    acknowledge(role, {
      'AwsSolutions-IAM5[Resource::*]':
        'ec2:DescribeInstances supports no resource-level permissions; the sweeper filters by tag.',
      'AwsSolutions-IAM5[Resource::arn:<AWS::Partition>:ec2:<AWS::Region>:<AWS::AccountId>:instance/*]':
        'Terminates only instances tagged with this app (aws:ResourceTag/app condition).',
      [`AwsSolutions-IAM5[Resource::arn:<AWS::Partition>:states:<AWS::Region>:<AWS::AccountId>:execution:<${smId}.Name>:*]`]:
        'Reads the status of, and stops, executions of this state machine only.',
    });
    new events.Rule(this, 'Every10Minutes', {
      description: 'Runs the meeting-server sweeper',
      schedule: events.Schedule.rate(Duration.minutes(10)),
      targets: [new targets.LambdaFunction(this.fn.fn, { retryAttempts: 2 })],
    });
  }
}
