import { Duration, Stack } from 'aws-cdk-lib';
import type * as apigw from 'aws-cdk-lib/aws-apigatewayv2';
import * as cloudwatch from 'aws-cdk-lib/aws-cloudwatch';
import * as cloudwatchActions from 'aws-cdk-lib/aws-cloudwatch-actions';
import * as logs from 'aws-cdk-lib/aws-logs';
import type * as sns from 'aws-cdk-lib/aws-sns';
import type * as sfn from 'aws-cdk-lib/aws-stepfunctions';
import { Construct } from 'constructs';
import {
  ACCOUNT_LIMIT_CLASSES,
  FAILURE_CLASSES,
  METRIC_OUTCOMES,
  METRIC_SERVICE_DIMENSION,
  METRICS_NAMESPACE,
  TEARDOWNS_FAILED_METRIC,
  type MetricDimensions,
  type MetricName,
} from '../../functions/shared/metrics';

export interface OperationsProps {
  /** Every alarm notifies it, when it goes off and when it is back to OK. */
  alarmTopic: sns.ITopic;
  stateMachine: sfn.IStateMachine;
  /** The state machine's execution log (level ALL or ERROR: both hold ExecutionFailed events). */
  executionLogs: logs.ILogGroup;
  api: apigw.IHttpApi;
  /** healthCheckMaxAttempts × healthCheckIntervalSeconds: how long a server may take to answer /health. */
  healthBudgetSeconds: number;
  /** The functions' log groups: the dashboard lists their latest warnings and errors. */
  functionLogGroups: logs.ILogGroup[];
}

/** The alarm goes off when the slowest launch-to-healthy in its period is above this share of the budget. */
export const HEALTH_BUDGET_ALARM_SHARE = 0.8;

/** One of the contract's metrics (functions/shared/metrics.ts), with the dimensions Powertools publishes. */
export function contractMetric<N extends MetricName>(
  name: N,
  dimensions: MetricDimensions<N>,
  props: { statistic: string; period: Duration; label?: string },
): cloudwatch.Metric {
  return new cloudwatch.Metric({
    namespace: METRICS_NAMESPACE,
    metricName: name,
    dimensionsMap: { ...METRIC_SERVICE_DIMENSION, ...(dimensions as Record<string, string>) },
    ...props,
  });
}

/**
 * What an operator watches: alarms to the alarm topic for what needs a person, and one dashboard for how the
 * platform is doing. Custom metrics come from the functions' embedded-metric-format lines (the contract in
 * functions/shared/metrics.ts); the rest are AWS/States and AWS/ApiGateway metrics.
 */
export class Operations extends Construct {
  readonly alarms: {
    executionsFailed: cloudwatch.Alarm;
    teardownFailed: cloudwatch.Alarm;
    serversSwept: cloudwatch.Alarm;
    api5xx: cloudwatch.Alarm;
    slowLaunch: cloudwatch.Alarm;
    accountLimits: cloudwatch.Alarm;
  };
  readonly dashboard: cloudwatch.Dashboard;

  constructor(scope: Construct, id: string, props: OperationsProps) {
    super(scope, id);
    const fiveMinutes = Duration.minutes(5);
    const sum = (metric: cloudwatch.Metric, period = fiveMinutes) =>
      metric.with({ statistic: 'Sum', period });

    // Every FAILED meeting ends its execution in the MeetingFailed state, so this goes off for each meeting
    // that failed (launch, boot, health) as well as for an execution that broke or hit its time limit.
    // Aborted executions are cancellations and reschedules (StopExecution): normal, not counted.
    const executionsFailed = new cloudwatch.MathExpression({
      expression: 'failed + timedOut',
      usingMetrics: {
        failed: sum(props.stateMachine.metricFailed()),
        timedOut: sum(props.stateMachine.metricTimedOut()),
      },
      label: 'executions failed or timed out',
      period: fiveMinutes,
    });

    // Teardown retries on its own (6 attempts with backoff): a Lambda error a retry fixes is no incident, and a
    // Task timeout (States.Timeout) is no Lambda error at all. What needs a person is an execution that spent
    // every retry and ended in the TeardownFailed state: its server may still be running. Step Functions has
    // no per-error metric, so a metric filter counts those ExecutionFailed events in the execution log, whose
    // events carry `type` and `details.error`
    // (https://docs.aws.amazon.com/step-functions/latest/dg/cw-logs.html).
    const teardownsFailed = new logs.MetricFilter(this, 'TeardownFailedFilter', {
      logGroup: props.executionLogs,
      filterPattern: logs.FilterPattern.all(
        logs.FilterPattern.stringValue('$.type', '=', 'ExecutionFailed'),
        logs.FilterPattern.stringValue('$.details.error', '=', 'TeardownFailed'),
      ),
      metricNamespace: METRICS_NAMESPACE,
      metricName: TEARDOWNS_FAILED_METRIC,
      metricValue: '1',
    }).metric({ statistic: 'Sum', period: fiveMinutes });

    const serversSwept = contractMetric(
      'ServersSwept',
      {},
      { statistic: 'Sum', period: Duration.minutes(10) },
    );
    const slowest = contractMetric(
      'LaunchToHealthySeconds',
      {},
      { statistic: 'Maximum', period: fiveMinutes },
    );
    const budgetThreshold = Math.round(props.healthBudgetSeconds * HEALTH_BUDGET_ALARM_SHARE);
    // Meetings that failed because the account's limits said no (issue 20): the On-Demand vCPU quota
    // (VcpuLimitExceeded after the launch's slow retries) or an API's rate limit still exceeded after a task's
    // retries. Teardown classes each FAILED meeting once (MeetingsFailed, ReasonClass); a class with no data is 0.
    const accountLimitFailures = new cloudwatch.MathExpression({
      expression: ACCOUNT_LIMIT_CLASSES.map((c) => `FILL(${c.toLowerCase()}, 0)`).join(' + '),
      usingMetrics: Object.fromEntries(
        ACCOUNT_LIMIT_CLASSES.map((c) => [
          c.toLowerCase(),
          contractMetric('MeetingsFailed', { ReasonClass: c }, { statistic: 'Sum', period: fiveMinutes }),
        ]),
      ),
      label: 'meetings failed for account limits (vCPU quota, throttling)',
      period: fiveMinutes,
    });

    const alarm = (
      alarmId: string,
      description: string,
      metric: cloudwatch.IMetric,
      threshold: number,
      comparisonOperator = cloudwatch.ComparisonOperator.GREATER_THAN_OR_EQUAL_TO_THRESHOLD,
    ) =>
      new cloudwatch.Alarm(this, alarmId, {
        alarmDescription: `${description} See README "Operating it".`,
        metric,
        threshold,
        comparisonOperator,
        evaluationPeriods: 1,
        // No meeting, no sweep, no request in a period is the quiet normal, not an incident.
        treatMissingData: cloudwatch.TreatMissingData.NOT_BREACHING,
      });
    this.alarms = {
      executionsFailed: alarm(
        'ExecutionsFailedAlarm',
        'A meeting lifecycle failed or timed out (every FAILED meeting counts; its reason is on the record and in MeetingFailed).',
        executionsFailed,
        1,
      ),
      teardownFailed: alarm(
        'TeardownFailedAlarm',
        'A teardown failed after all its retries: the meeting server may still be running.',
        teardownsFailed,
        1,
      ),
      serversSwept: alarm(
        'ServersSweptAlarm',
        'The sweeper terminated a server or closed a meeting: some path missed its teardown.',
        serversSwept,
        0,
        cloudwatch.ComparisonOperator.GREATER_THAN_THRESHOLD,
      ),
      api5xx: alarm(
        'Api5xxAlarm',
        'The meetings API answered with server errors (5xx).',
        props.api.metricServerError({ statistic: 'Sum', period: fiveMinutes }),
        1,
      ),
      slowLaunch: alarm(
        'SlowLaunchAlarm',
        `A meeting server took over ${budgetThreshold} s (${HEALTH_BUDGET_ALARM_SHARE * 100} % of the ${props.healthBudgetSeconds} s health budget) from launch to healthy.`,
        slowest,
        budgetThreshold,
        cloudwatch.ComparisonOperator.GREATER_THAN_THRESHOLD,
      ),
      accountLimits: alarm(
        'AccountLimitsAlarm',
        'Meetings failed because the account hit an AWS limit: the On-Demand vCPU quota (L-1216C47A) or API throttling after every retry.',
        accountLimitFailures,
        1,
      ),
    };
    const notify = new cloudwatchActions.SnsAction(props.alarmTopic);
    for (const a of Object.values(this.alarms)) {
      a.addAlarmAction(notify);
      a.addOkAction(notify);
    }

    const hour = Duration.hours(1);
    const outcome = (o: (typeof METRIC_OUTCOMES)[number]) =>
      contractMetric('MeetingOutcome', { Outcome: o }, { statistic: 'Sum', period: hour, label: o });
    const graph = (
      title: string,
      left: cloudwatch.IMetric[],
      extra: Partial<cloudwatch.GraphWidgetProps> = {},
    ) => new cloudwatch.GraphWidget({ title, left, width: 8, height: 6, ...extra });
    this.dashboard = new cloudwatch.Dashboard(this, 'Dashboard', {
      dashboardName: `${Stack.of(this).stackName}-operations`,
      defaultInterval: Duration.days(7),
    });
    this.dashboard.addWidgets(
      new cloudwatch.AlarmStatusWidget({
        title: 'Alarms',
        alarms: Object.values(this.alarms),
        width: 24,
        height: 3,
      }),
    );
    this.dashboard.addWidgets(
      graph('Meetings by outcome (per hour)', METRIC_OUTCOMES.map(outcome), { stacked: true }),
      graph('No-shows (per hour)', [outcome('NO_SHOW')]),
      graph(
        'FAILED meetings by reason (per hour)',
        FAILURE_CLASSES.map((c) =>
          contractMetric('MeetingsFailed', { ReasonClass: c }, { statistic: 'Sum', period: hour, label: c }),
        ),
        { stacked: true },
      ),
    );
    this.dashboard.addWidgets(
      // What the servers cost, next to how many there were: teardown publishes each server's minutes.
      graph(
        'Servers launched and instance-minutes (per hour)',
        [contractMetric('ServersLaunched', {}, { statistic: 'Sum', period: hour, label: 'launched' })],
        {
          right: [
            contractMetric(
              'InstanceMinutes',
              {},
              { statistic: 'Sum', period: hour, label: 'instance-minutes' },
            ),
          ],
        },
      ),
      graph(
        'Launch to healthy (seconds)',
        ['p50', 'p90'].map((p) =>
          contractMetric('LaunchToHealthySeconds', {}, { statistic: p, period: hour, label: p }),
        ),
        {
          leftAnnotations: [
            { value: budgetThreshold, label: `${HEALTH_BUDGET_ALARM_SHARE * 100} % of the health budget` },
            { value: props.healthBudgetSeconds, label: 'health budget', color: '#d62728' },
          ],
        },
      ),
      graph('Sweeps (servers or meetings the sweeper closed)', [
        contractMetric('ServersSwept', {}, { statistic: 'Sum', period: hour, label: 'swept' }),
        new cloudwatch.Metric({
          namespace: METRICS_NAMESPACE,
          metricName: TEARDOWNS_FAILED_METRIC,
          statistic: 'Sum',
          period: hour,
          label: 'teardowns failed',
        }),
      ]),
    );
    this.dashboard.addWidgets(
      graph('API errors', [
        props.api.metricServerError({ statistic: 'Sum', period: fiveMinutes, label: '5xx' }),
        props.api.metricClientError({ statistic: 'Sum', period: fiveMinutes, label: '4xx' }),
      ]),
      graph(
        'API latency (ms)',
        ['p50', 'p90', 'p99'].map((p) =>
          props.api.metricLatency({ statistic: p, period: fiveMinutes, label: p }),
        ),
      ),
      graph('Step Functions executions', [
        sum(props.stateMachine.metricStarted({ label: 'started' }), hour),
        sum(props.stateMachine.metricSucceeded({ label: 'succeeded' }), hour),
        sum(props.stateMachine.metricFailed({ label: 'failed' }), hour),
        sum(props.stateMachine.metricTimedOut({ label: 'timed out' }), hour),
        sum(props.stateMachine.metricAborted({ label: 'aborted (cancelled, rescheduled)' }), hour),
      ]),
    );
    // The functions log Powertools JSON, so Logs Insights reads level, component and meetingId as fields.
    this.dashboard.addWidgets(
      new cloudwatch.LogQueryWidget({
        title: 'Latest warnings and errors (every function)',
        logGroupNames: props.functionLogGroups.map((g) => g.logGroupName),
        queryLines: [
          'fields @timestamp, component, level, meetingId, message',
          'filter level in ["WARN", "ERROR", "CRITICAL"]',
          'sort @timestamp desc',
          'limit 50',
        ],
        width: 24,
        height: 6,
      }),
    );
  }
}
