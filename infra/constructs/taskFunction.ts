import { type CfnElement, Duration, RemovalPolicy, Stack } from 'aws-cdk-lib';
import * as iam from 'aws-cdk-lib/aws-iam';
import * as lambda from 'aws-cdk-lib/aws-lambda';
import { NodejsFunction, OutputFormat } from 'aws-cdk-lib/aws-lambda-nodejs';
import * as logs from 'aws-cdk-lib/aws-logs';
import { join } from 'node:path';
import { Construct } from 'constructs';
import { acknowledge } from './acknowledge';

export const FUNCTIONS_DIR = join(__dirname, '..', '..', 'functions');

export interface TaskFunctionProps {
  /** Folder under functions/ holding handler.ts. */
  entryDir: string;
  description: string;
  environment: Record<string, string>;
  timeout: Duration;
  logRetention: logs.RetentionDays;
  memorySize?: number;
}

/**
 * One Lambda function with a role of its own that can do nothing but write its own logs until the caller
 * grants it exactly what it needs. Bundled from TypeScript by esbuild; Node.js 22.
 */
export class TaskFunction extends Construct {
  readonly fn: NodejsFunction;
  readonly role: iam.Role;
  /** Its folder under functions/ (where its handler and its table of AWS calls, awsCalls.ts, live). */
  readonly entryDir: string;

  constructor(scope: Construct, id: string, props: TaskFunctionProps) {
    super(scope, id);
    this.entryDir = props.entryDir;
    const logGroup = new logs.LogGroup(this, 'Logs', {
      retention: props.logRetention,
      removalPolicy: RemovalPolicy.DESTROY,
    });
    this.role = new iam.Role(this, 'Role', {
      assumedBy: new iam.ServicePrincipal('lambda.amazonaws.com'),
      description: `${id}: ${props.description}`,
    });
    // Not AWSLambdaBasicExecutionRole: that one may write to every log group in the account.
    this.role.addToPolicy(
      new iam.PolicyStatement({
        actions: ['logs:CreateLogStream', 'logs:PutLogEvents'],
        resources: [logGroup.logGroupArn, `${logGroup.logGroupArn}:log-stream:*`],
      }),
    );
    const logGroupId = Stack.of(this).getLogicalId(logGroup.node.defaultChild as CfnElement);
    acknowledge(this.role, {
      [`AwsSolutions-IAM5[Resource::<${logGroupId}.Arn>:log-stream:*]`]:
        "Lambda names its log streams at run time; the grant is limited to this function's own log group.",
    });
    this.fn = new NodejsFunction(this, 'Function', {
      entry: join(FUNCTIONS_DIR, props.entryDir, 'handler.ts'),
      handler: 'handler',
      runtime: lambda.Runtime.NODEJS_22_X,
      architecture: lambda.Architecture.ARM_64,
      memorySize: props.memorySize ?? 256,
      timeout: props.timeout,
      description: props.description,
      role: this.role,
      logGroup,
      environment: { ...props.environment, NODE_OPTIONS: '--enable-source-maps' },
      // The runtime's own X-Ray tracing: each invocation joins the trace of the state machine (or API Gateway)
      // that called it, with no tracer code in the handlers. CDK grants xray:PutTraceSegments and
      // PutTelemetryRecords, which accept only Resource "*".
      tracing: lambda.Tracing.ACTIVE,
      bundling: { format: OutputFormat.CJS, sourceMap: true, minify: true, target: 'node22' },
    });
    acknowledge(this.fn, {
      'AwsSolutions-L1': 'Node.js 22 is the runtime this project targets and tests against (Node.js 22 LTS).',
    });
    acknowledge(this.role, {
      'AwsSolutions-IAM5[Resource::*]':
        'X-Ray trace upload (xray:PutTraceSegments, xray:PutTelemetryRecords) accepts only Resource "*"; other "*" grants on this role are explained where they are added.',
    });
  }
}
