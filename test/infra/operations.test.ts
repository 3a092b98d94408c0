import { Match, type Template } from 'aws-cdk-lib/assertions';
import { AWS_CUSTOM_RESOURCE_PROVIDER_ID } from '../../infra/constructs/jitsiImage';
import { synth } from '../support/stackTemplate';

type Resource = { Properties: Record<string, unknown> };
const resources = (t: Template, type: string) =>
  Object.entries(t.findResources(type)) as [string, Resource][];

/** The one alarm whose logical id starts with `prefix`. */
function alarm(t: Template, prefix: string): Resource['Properties'] {
  const found = resources(t, 'AWS::CloudWatch::Alarm').filter(([id]) => id.startsWith(prefix));
  expect(found.map(([id]) => id)).toHaveLength(1);
  return found[0][1].Properties;
}

const stackTopic = { Ref: Match.stringLikeRegexp('^AlarmsTopic') };
/** The same, for plain jest comparisons. */
const stackTopicRef = { Ref: expect.stringMatching(/^AlarmsTopic/) as unknown };

describe('operations: alarm topic, alarms, dashboard', () => {
  const template = synth().template!;

  test('the stack creates an alarm topic that refuses publishing without TLS, with no subscription by default', () => {
    template.resourceCountIs('AWS::SNS::Topic', 1);
    template.hasResourceProperties('AWS::SNS::TopicPolicy', {
      Topics: [stackTopic],
      PolicyDocument: {
        Statement: Match.arrayWith([
          Match.objectLike({
            Effect: 'Deny',
            Action: 'sns:Publish',
            Condition: { Bool: { 'aws:SecureTransport': 'false' } },
          }),
        ]),
      },
    });
    template.resourceCountIs('AWS::SNS::Subscription', 0);
    template.hasOutput('AlarmTopicArn', { Value: stackTopic });
  });

  test('alarmEmail subscribes that address to the alarm topic', () => {
    const t = synth({ alarmEmail: 'oncall@example.com' }).template!;
    t.hasResourceProperties('AWS::SNS::Subscription', {
      Protocol: 'email',
      Endpoint: 'oncall@example.com',
      TopicArn: stackTopic,
    });
    expect(() => synth({ alarmEmail: 'oncall' })).toThrow(/alarmEmail/);
  });

  test('every alarm of the stack (certificate ones included) notifies the topic when it fires and when it clears', () => {
    const alarms = resources(template, 'AWS::CloudWatch::Alarm');
    expect(alarms.length).toBe(8); // five of operations, two of the certificate, one of the image pipeline
    for (const [id, a] of alarms)
      expect({ id, alarm: a.Properties.AlarmActions, ok: a.Properties.OKActions }).toEqual({
        id,
        alarm: [stackTopicRef],
        ok: [stackTopicRef],
      });
  });

  test('with alarmTopicArn no topic is created and every alarm notifies that topic', () => {
    const arn = 'arn:aws:sns:eu-west-1:123456789012:ops-alerts';
    const t = synth({ alarmTopicArn: arn }).template!;
    t.resourceCountIs('AWS::SNS::Topic', 0);
    for (const [id, a] of resources(t, 'AWS::CloudWatch::Alarm'))
      expect({ id, alarm: a.Properties.AlarmActions, ok: a.Properties.OKActions }).toEqual({
        id,
        alarm: [arn],
        ok: [arn],
      });
  });

  test('executions failed or timed out: Sum of ExecutionsFailed + ExecutionsTimedOut of the state machine, ≥ 1 in 5 minutes', () => {
    const a = alarm(template, 'OperationsExecutionsFailedAlarm');
    expect(a).toMatchObject({
      Threshold: 1,
      ComparisonOperator: 'GreaterThanOrEqualToThreshold',
      EvaluationPeriods: 1,
      TreatMissingData: 'notBreaching',
    });
    const metrics = a.Metrics as {
      Id: string;
      Expression?: string;
      MetricStat?: {
        Metric: { Namespace: string; MetricName: string; Dimensions: unknown[] };
        Stat: string;
        Period: number;
      };
    }[];
    expect(metrics.find((m) => m.Expression)?.Expression).toBe('failed + timedOut');
    const stats = metrics.filter((m) => m.MetricStat).map((m) => m.MetricStat!);
    expect(stats.map((s) => [s.Metric.Namespace, s.Metric.MetricName, s.Stat, s.Period]).sort()).toEqual([
      ['AWS/States', 'ExecutionsFailed', 'Sum', 300],
      ['AWS/States', 'ExecutionsTimedOut', 'Sum', 300],
    ]);
    for (const s of stats)
      expect(s.Metric.Dimensions).toEqual([
        { Name: 'StateMachineArn', Value: { Ref: expect.stringMatching(/^LifecycleStateMachine/) } },
      ]);
  });

  test('teardown failed: a metric filter on the execution log counts ExecutionFailed events of error TeardownFailed; ≥ 1 alarms', () => {
    template.hasResourceProperties('AWS::Logs::MetricFilter', {
      LogGroupName: { Ref: Match.stringLikeRegexp('^LifecycleExecutionLogs') },
      FilterPattern: '{ ($.type = "ExecutionFailed") && ($.details.error = "TeardownFailed") }',
      MetricTransformations: [
        { MetricNamespace: 'MeetingScheduler', MetricName: 'TeardownsFailed', MetricValue: '1' },
      ],
    });
    expect(alarm(template, 'OperationsTeardownFailedAlarm')).toMatchObject({
      Namespace: 'MeetingScheduler',
      MetricName: 'TeardownsFailed',
      Statistic: 'Sum',
      Period: 300,
      Threshold: 1,
      ComparisonOperator: 'GreaterThanOrEqualToThreshold',
    });
  });

  test('servers swept: the sweeper’s ServersSwept (service dimension, as Powertools publishes it) above 0', () => {
    expect(alarm(template, 'OperationsServersSweptAlarm')).toMatchObject({
      Namespace: 'MeetingScheduler',
      MetricName: 'ServersSwept',
      Dimensions: [{ Name: 'service', Value: 'meeting-scheduler' }],
      Statistic: 'Sum',
      Period: 600,
      Threshold: 0,
      ComparisonOperator: 'GreaterThanThreshold',
    });
  });

  test('API 5xx: the HTTP API’s 5xx metric, ≥ 1 in 5 minutes', () => {
    expect(alarm(template, 'OperationsApi5xxAlarm')).toMatchObject({
      Namespace: 'AWS/ApiGateway',
      MetricName: '5xx',
      Dimensions: [{ Name: 'ApiId', Value: { Ref: expect.stringMatching(/^ApiHttpApi/) } }],
      Statistic: 'Sum',
      Period: 300,
      Threshold: 1,
      ComparisonOperator: 'GreaterThanOrEqualToThreshold',
    });
  });

  test('launch to healthy: the slowest LaunchToHealthySeconds above 80 % of healthCheckMaxAttempts × healthCheckIntervalSeconds', () => {
    const expected = (threshold: number) => ({
      Namespace: 'MeetingScheduler',
      MetricName: 'LaunchToHealthySeconds',
      Dimensions: [{ Name: 'service', Value: 'meeting-scheduler' }],
      Statistic: 'Maximum',
      Threshold: threshold,
      ComparisonOperator: 'GreaterThanThreshold',
    });
    // Defaults (functions/shared/bootTime.ts): 17 probes × 15 s = 255 s.
    expect(alarm(template, 'OperationsSlowLaunchAlarm')).toMatchObject(expected(204));
    const t = synth({ healthCheckMaxAttempts: 10, healthCheckIntervalSeconds: 30 }).template!;
    expect(alarm(t, 'OperationsSlowLaunchAlarm')).toMatchObject(expected(240));
  });

  test('the dashboard: outcomes, no-shows, failures by reason, launches and instance-minutes, launch-to-healthy p50/p90, sweeps, API errors and latency, executions', () => {
    const [[, dashboard]] = resources(template, 'AWS::CloudWatch::Dashboard');
    expect(dashboard.Properties.DashboardName).toBe('MeetingScheduler-operations');
    template.hasOutput('DashboardName', { Value: { Ref: Match.stringLikeRegexp('^OperationsDashboard') } });
    // The body is a Fn::Join of JSON text and references; the text is what CloudWatch renders.
    const body = JSON.stringify(dashboard.Properties.DashboardBody);
    for (const title of [
      'Meetings by outcome',
      'No-shows',
      'FAILED meetings by reason',
      'Servers launched and instance-minutes',
      'Launch to healthy',
      'Sweeps',
      'API errors',
      'API latency',
      'Step Functions executions',
      'Alarms',
      'Latest warnings and errors (every function)',
    ])
      expect(body).toContain(title);
    for (const metric of [
      '\\"MeetingOutcome\\",\\"Outcome\\",\\"COMPLETED\\",\\"service\\",\\"meeting-scheduler\\"',
      '\\"MeetingOutcome\\",\\"Outcome\\",\\"NO_SHOW\\",\\"service\\",\\"meeting-scheduler\\"',
      '\\"MeetingOutcome\\",\\"Outcome\\",\\"FAILED\\",\\"service\\",\\"meeting-scheduler\\"',
      '\\"MeetingsFailed\\",\\"ReasonClass\\",\\"NeverHealthy\\",\\"service\\",\\"meeting-scheduler\\"',
      '\\"ServersLaunched\\"',
      '\\"InstanceMinutes\\"',
      '\\"ServersSwept\\"',
      '\\"TeardownsFailed\\"',
      '\\"AWS/ApiGateway\\",\\"5xx\\"',
      '\\"AWS/ApiGateway\\",\\"4xx\\"',
      '\\"AWS/ApiGateway\\",\\"Latency\\"',
      '\\"AWS/States\\",\\"ExecutionsStarted\\"',
      '\\"AWS/States\\",\\"ExecutionsFailed\\"',
    ])
      expect(body).toContain(metric);
    expect(body).toMatch(/LaunchToHealthySeconds.*\\"stat\\":\\"p50\\"/);
    expect(body).toMatch(/LaunchToHealthySeconds.*\\"stat\\":\\"p90\\"/);
    // The log widget reads the seven functions' log groups.
    const logWidget = body.slice(body.indexOf('Latest warnings and errors'));
    expect(logWidget.match(/"Ref":"[A-Za-z0-9]+Logs[A-F0-9]{8}"/g)?.length).toBe(7);
  });
});

describe('functions: logs and traces', () => {
  // Not CDK's own: the custom-resources Provider framework's and the one every AwsCustomResource shares.
  const ours = (t: Template) =>
    resources(t, 'AWS::Lambda::Function').filter(
      ([id, f]) =>
        f.Properties.Handler !== 'framework.onEvent' && !id.startsWith(AWS_CUSTOM_RESOURCE_PROVIDER_ID),
    );

  test('every function of ours has active X-Ray tracing and LOG_LEVEL from the logLevel context key (INFO by default)', () => {
    const level = (t: Template) =>
      ours(t).map(([id, f]) => ({
        id,
        tracing: f.Properties.TracingConfig,
        level: (f.Properties.Environment as { Variables: Record<string, unknown> }).Variables.LOG_LEVEL,
      }));
    const defaults = level(synth().template!);
    expect(defaults).toHaveLength(7);
    for (const f of defaults) expect(f).toEqual({ id: f.id, tracing: { Mode: 'Active' }, level: 'INFO' });
    for (const f of level(synth({ logLevel: 'debug' }).template!)) expect(f.level).toBe('DEBUG');
    expect(() => synth({ logLevel: 'chatty' })).toThrow(/logLevel: must be one of/);
  });

  test('the state machine keeps X-Ray tracing', () => {
    synth().template!.hasResourceProperties('AWS::StepFunctions::StateMachine', {
      TracingConfiguration: { Enabled: true },
    });
  });
});
