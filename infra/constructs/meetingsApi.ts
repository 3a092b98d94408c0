import { Aws, type CfnElement, Duration, RemovalPolicy, Stack } from 'aws-cdk-lib';
import * as apigw from 'aws-cdk-lib/aws-apigatewayv2';
import { HttpIamAuthorizer, HttpJwtAuthorizer } from 'aws-cdk-lib/aws-apigatewayv2-authorizers';
import { HttpLambdaIntegration } from 'aws-cdk-lib/aws-apigatewayv2-integrations';
import type * as dynamodb from 'aws-cdk-lib/aws-dynamodb';
import * as iam from 'aws-cdk-lib/aws-iam';
import * as lambda from 'aws-cdk-lib/aws-lambda';
import * as logs from 'aws-cdk-lib/aws-logs';
import type * as sfn from 'aws-cdk-lib/aws-stepfunctions';
import { Construct } from 'constructs';
import type { AdmissionSettings } from '../../functions/shared/launchSlots';
import { acknowledge } from './acknowledge';
import { TaskFunction } from './taskFunction';

export interface MeetingsApiProps {
  table: dynamodb.ITable;
  stateMachine: sfn.StateMachine;
  /** Cancel and reschedule run it to stop a meeting's server; the API itself has no EC2 permissions. */
  teardownFunction: lambda.IFunction;
  jitsiDomain: string;
  timings: {
    leadSeconds: number;
    attendanceCheckDelaySeconds: number;
    healthIntervalSeconds: number;
    healthMaxAttempts: number;
    healthFirstProbeDelaySeconds: number;
    occupancyIntervalSeconds: number;
    overrunStepSeconds: number;
    maxOverrunSeconds: number;
  };
  /**
   * Launch slots and vCPU admission at booking (functions/shared/launchSlots.ts): the configured rates and
   * quota, and the vCPUs of one server (the largest configured instance type: a capacity fallback may launch it).
   */
  admission: AdmissionSettings;
  /** With `jwt`, every /meetings route requires `scope` (API Gateway checks it; the handler checks it again). */
  auth: { kind: 'iam' } | { kind: 'jwt'; issuer: string; audience: string; scope: string };
  allowedOrigin: string;
  throttle: { rateLimit: number; burstLimit: number };
  /**
   * `GET /join/{token}` is anonymous: its own limits, so link traffic cannot starve the platform. Sized for the
   * open join pages of the busiest start minute (infra/config.ts derives it from expectedLessonsPerMinute with
   * functions/api/join/joinThrottle.ts: 2 pages × lessons ÷ 10 s × 1.5; 300 requests/s for 1,000 lessons).
   */
  joinThrottle: { rateLimit: number; burstLimit: number };
  logRetention: logs.RetentionDays;
}

/** The platform backend's HTTP API: never anonymous, throttled, CORS only for the platform's front end. */
export class MeetingsApi extends Construct {
  readonly api: apigw.HttpApi;
  readonly handler: TaskFunction;

  constructor(scope: Construct, id: string, props: MeetingsApiProps) {
    super(scope, id);
    const { ACCOUNT_ID: account, REGION: region, PARTITION: partition } = Aws;
    this.handler = new TaskFunction(this, 'Handler', {
      entryDir: 'api',
      description: 'Meetings API: book, read, list, cancel and move meetings; join links',
      timeout: Duration.seconds(15),
      logRetention: props.logRetention,
      environment: {
        TABLE_NAME: props.table.tableName,
        STATE_MACHINE_ARN: props.stateMachine.stateMachineArn,
        JITSI_DOMAIN: props.jitsiDomain,
        TEARDOWN_FUNCTION_NAME: props.teardownFunction.functionName,
        LAUNCH_LEAD_SECONDS: String(props.timings.leadSeconds),
        ATTENDANCE_CHECK_DELAY_SECONDS: String(props.timings.attendanceCheckDelaySeconds),
        HEALTH_CHECK_INTERVAL_SECONDS: String(props.timings.healthIntervalSeconds),
        HEALTH_CHECK_MAX_ATTEMPTS: String(props.timings.healthMaxAttempts),
        HEALTH_CHECK_FIRST_PROBE_DELAY_SECONDS: String(props.timings.healthFirstProbeDelaySeconds),
        OCCUPANCY_CHECK_INTERVAL_SECONDS: String(props.timings.occupancyIntervalSeconds),
        OVERRUN_STEP_SECONDS: String(props.timings.overrunStepSeconds),
        MAX_OVERRUN_SECONDS: String(props.timings.maxOverrunSeconds),
        RUN_INSTANCES_REFILL_PER_SECOND: String(props.admission.runInstancesRefillPerSecond),
        RUN_INSTANCES_RESOURCE_REFILL_PER_SECOND: String(props.admission.runInstancesResourceRefillPerSecond),
        ROUTE53_CHANGES_PER_SECOND: String(props.admission.route53ChangesPerSecond),
        LAUNCH_RATE_SHARE: String(props.admission.launchRateShare),
        VCPU_QUOTA: String(props.admission.vcpuQuota),
        VCPU_QUOTA_SHARE: String(props.admission.vcpuQuotaShare),
        INSTANCE_VCPUS: String(props.admission.instanceVcpus),
        MAX_LAUNCH_LEAD_SECONDS: String(props.admission.maxLaunchLeadSeconds),
        ...(props.auth.kind === 'jwt' ? { REQUIRED_SCOPE: props.auth.scope } : {}),
      },
    });
    const role = this.handler.role;
    role.addToPolicy(
      new iam.PolicyStatement({
        // The admission ledger lives in the same table: BatchGetItem reads its minutes and buckets around a
        // refused start, DeleteItem removes a counter given back to zero.
        actions: [
          'dynamodb:GetItem',
          'dynamodb:BatchGetItem',
          'dynamodb:PutItem',
          'dynamodb:UpdateItem',
          'dynamodb:DeleteItem',
          'dynamodb:Query',
        ],
        resources: [props.table.tableArn, `${props.table.tableArn}/index/*`],
      }),
    );
    role.addToPolicy(
      new iam.PolicyStatement({
        actions: ['states:StartExecution'],
        resources: [props.stateMachine.stateMachineArn],
      }),
    );
    role.addToPolicy(
      new iam.PolicyStatement({
        actions: ['lambda:InvokeFunction'],
        resources: [props.teardownFunction.functionArn],
      }),
    );
    const executions = `arn:${partition}:states:${region}:${account}:execution:${props.stateMachine.stateMachineName}:*`;
    role.addToPolicy(
      new iam.PolicyStatement({
        actions: ['states:DescribeExecution', 'states:GetExecutionHistory', 'states:StopExecution'],
        resources: [executions],
      }),
    );
    const logicalId = (c: Construct) => Stack.of(this).getLogicalId(c.node.defaultChild as CfnElement);
    acknowledge(role, {
      [`AwsSolutions-IAM5[Resource::<${logicalId(props.table)}.Arn>/index/*]`]:
        "Queries this table's own indexes (newest first, by status) and nothing else.",
      [`AwsSolutions-IAM5[Resource::arn:<AWS::Partition>:states:<AWS::Region>:<AWS::AccountId>:execution:<${logicalId(props.stateMachine)}.Name>:*]`]:
        'Executions are named per meeting at run time; the grant covers only executions of this state machine.',
    });

    const authorizer =
      props.auth.kind === 'jwt'
        ? new HttpJwtAuthorizer('JwtAuthorizer', props.auth.issuer, { jwtAudience: [props.auth.audience] })
        : new HttpIamAuthorizer();
    this.api = new apigw.HttpApi(this, 'HttpApi', {
      description: 'meeting-scheduler: meetings API',
      defaultAuthorizer: authorizer,
      createDefaultStage: false,
      corsPreflight: {
        allowOrigins: [props.allowedOrigin],
        allowMethods: [
          apigw.CorsHttpMethod.GET,
          apigw.CorsHttpMethod.POST,
          apigw.CorsHttpMethod.PATCH,
          apigw.CorsHttpMethod.DELETE,
        ],
        allowHeaders: [
          'authorization',
          'content-type',
          'idempotency-key',
          'x-amz-date',
          'x-amz-security-token',
          'x-amz-content-sha256',
        ],
        maxAge: Duration.hours(1),
      },
    });
    const accessLogs = new logs.LogGroup(this, 'AccessLogs', {
      retention: props.logRetention,
      removalPolicy: RemovalPolicy.DESTROY,
    });
    const stage = new apigw.HttpStage(this, 'DefaultStage', {
      httpApi: this.api,
      stageName: '$default',
      autoDeploy: true,
      throttle: props.throttle,
      accessLogSettings: { destination: new apigw.LogGroupLogDestination(accessLogs) },
    });
    const integration = new HttpLambdaIntegration('Meetings', this.handler.fn);
    // A JWT proves only who signed in: the management routes also require the platform's own scope, so a
    // student's or teacher's token (or an ID token) from the same issuer cannot list meetings and their links.
    const authorizationScopes = props.auth.kind === 'jwt' ? [props.auth.scope] : undefined;
    this.api.addRoutes({
      path: '/meetings',
      methods: [apigw.HttpMethod.GET, apigw.HttpMethod.POST],
      integration,
      authorizationScopes,
    });
    this.api.addRoutes({
      path: '/meetings/{id}',
      methods: [apigw.HttpMethod.GET, apigw.HttpMethod.DELETE, apigw.HttpMethod.PATCH],
      integration,
      authorizationScopes,
    });
    // Teachers and students open their links without credentials: the unguessable token is the credential,
    // and this route only reads (it never starts a server).
    const [joinRoute] = this.api.addRoutes({
      path: '/join/{token}',
      methods: [apigw.HttpMethod.GET],
      integration,
      authorizer: new apigw.HttpNoneAuthorizer(),
    });
    // The join page's script and stylesheet: a page with a strict CSP loads them from its own origin, never
    // inline. Content-hashed names, public and immutable; the route reads nothing but the function's code.
    const [assetRoute] = this.api.addRoutes({
      path: '/join/assets/{file}',
      methods: [apigw.HttpMethod.GET],
      integration,
      authorizer: new apigw.HttpNoneAuthorizer(),
    });
    // Anyone on the internet can call the join routes, so they get a throttle of their own: a flood of link
    // opens (or token guesses) is refused there and leaves the platform's own calls their budget. Its figure is
    // what the pages of the busiest start minute need when they all poll near launch (joinThrottle.ts; the
    // pages send nothing while the launch is far away), so it may well be above the stage's.
    // HttpStage has no route settings, hence the CloudFormation property.
    const joinThrottle = {
      ThrottlingRateLimit: props.joinThrottle.rateLimit,
      ThrottlingBurstLimit: props.joinThrottle.burstLimit,
    };
    (stage.node.defaultChild as apigw.CfnStage).routeSettings = {
      'GET /join/{token}': joinThrottle,
      'GET /join/assets/{file}': joinThrottle,
    };
    // Route settings may only name a route that already exists.
    stage.node.addDependency(joinRoute, assetRoute);
    acknowledge(joinRoute, {
      'AwsSolutions-APIG4':
        'Join links are opened by teachers and students without AWS credentials; the 192-bit token in the path is the credential, and the route only reads a meeting.',
    });
    acknowledge(assetRoute, {
      'AwsSolutions-APIG4':
        "The join page's public script and stylesheet, loaded by the anonymous join page; they hold no data.",
    });
  }

  get url(): string {
    return `https://${this.api.apiId}.execute-api.${Aws.REGION}.${Aws.URL_SUFFIX}/`;
  }
}
