/**
 * The metrics contract: every custom metric the handlers publish, with its unit and dimensions, read alike by
 * the handlers (functions/shared/observability.ts) and by the alarms and the dashboard (infra/constructs/
 * operations.ts). SDK-free on purpose: a renamed metric or dimension is a type error on both sides instead of
 * an alarm that watches nothing.
 *
 * Published in CloudWatch embedded metric format (one JSON log line, no PutMetricData call):
 * https://docs.aws.amazon.com/AmazonCloudWatch/latest/monitoring/CloudWatch_Embedded_Metric_Format_Specification.html
 */
import { isThrottling } from './errors';

export const METRICS_NAMESPACE = 'MeetingScheduler';

/**
 * Powertools Metrics adds a `service` dimension to every metric it publishes; CloudWatch treats each distinct
 * set of dimensions as a metric of its own, so an alarm must name the same value (see METRIC_SERVICE_DIMENSION).
 */
export const SERVICE_NAME = 'meeting-scheduler';
export const METRIC_SERVICE_DIMENSION = { service: SERVICE_NAME } as const;

/** The outcomes a lifecycle can end with (CANCELLED is the API's, counted as MeetingsCancelled). */
export const METRIC_OUTCOMES = ['COMPLETED', 'NO_SHOW', 'FAILED'] as const;
export type MetricOutcome = (typeof METRIC_OUTCOMES)[number];

/**
 * Why a meeting FAILED, in few enough classes to be a dimension (a free-text reason would make one metric per
 * meeting). See failureClass.
 */
export const FAILURE_CLASSES = [
  'NoCapacity',
  'VcpuLimit',
  'Throttled',
  'LaunchFailed',
  'BootstrapFailed',
  'HealthCheckFailed',
  'NeverHealthy',
  'Swept',
  'NotStarted',
  'Other',
] as const;
export type FailureClass = (typeof FAILURE_CLASSES)[number];

/**
 * The classes that mean "the account's limits said no" (vCPU quota, API throttling after every retry): not a
 * broken server or a bug, but a quota or rate to raise (or bookings to spread). The AccountLimitsAlarm watches them.
 */
export const ACCOUNT_LIMIT_CLASSES = ['VcpuLimit', 'Throttled'] as const satisfies readonly FailureClass[];

/** The units used here, as CloudWatch spells them. */
export type MetricUnitName = 'Count' | 'Seconds';

interface MetricSpec {
  unit: MetricUnitName;
  /** Dimensions besides `service`, each with the values it may take. */
  dimensions: Readonly<Record<string, readonly string[]>>;
  description: string;
}

export const METRICS = {
  MeetingsBooked: { unit: 'Count', dimensions: {}, description: 'meetings booked (POST /meetings)' },
  MeetingsCancelled: { unit: 'Count', dimensions: {}, description: 'meetings cancelled (DELETE)' },
  MeetingsRescheduled: { unit: 'Count', dimensions: {}, description: 'meetings moved (PATCH)' },
  ServersLaunched: { unit: 'Count', dimensions: {}, description: 'meeting servers started (RunInstances)' },
  LaunchToHealthySeconds: {
    unit: 'Seconds',
    dimensions: {},
    description: 'from RunInstances to the first healthy probe',
  },
  MeetingOutcome: {
    unit: 'Count',
    dimensions: { Outcome: METRIC_OUTCOMES },
    description: 'lifecycles ended, by outcome',
  },
  MeetingsFailed: {
    unit: 'Count',
    dimensions: { ReasonClass: FAILURE_CLASSES },
    description: 'FAILED meetings, by class of reason',
  },
  ServersSwept: {
    unit: 'Count',
    dimensions: {},
    description: 'servers or meetings the sweeper had to close (a path missed its teardown)',
  },
  InstanceMinutes: {
    unit: 'Count',
    dimensions: {},
    description: 'minutes a meeting server ran, published at teardown',
  },
  DnsRecordsLeft: {
    unit: 'Count',
    dimensions: {},
    description:
      'meeting DNS records teardown left to the sweeper (Route 53 still throttling after its retries)',
  },
  DnsRecordsSwept: {
    unit: 'Count',
    dimensions: {},
    description: 'leftover meeting DNS records the sweeper deleted (in batches), in runs that found some',
  },
} as const satisfies Record<string, MetricSpec>;

export type MetricName = keyof typeof METRICS;

/** The dimension values one metric needs: `{}` for most, `{ Outcome: 'NO_SHOW' }` for MeetingOutcome. */
export type MetricDimensions<N extends MetricName> = {
  -readonly [
    D in keyof (typeof METRICS)[N]['dimensions']
  ]: (typeof METRICS)[N]['dimensions'][D] extends readonly (infer V)[] ? V : never;
};

/**
 * The class of a FAILED meeting, from what teardown is told: the state machine's reason (its Pass states say
 * "launch failed", "health check failed", "not healthy after …") and, when a task failed, the caught error's
 * name (the TaskError names in functions/shared/errors.ts and ec2Fleet.ts). Reasons written outside the state
 * machine start with "swept:" (sweeper) or "lifecycle not started" (API).
 */
export function failureClass(reason: string, errorName?: string | null): FailureClass {
  if (errorName === 'NoCapacity') return 'NoCapacity';
  if (errorName === 'VcpuLimitExceeded' || errorName === 'InstanceLimitExceeded') return 'VcpuLimit';
  if (isThrottling(errorName)) return 'Throttled';
  if (errorName === 'BootstrapFailed') return 'BootstrapFailed';
  if (reason === 'launch failed') return 'LaunchFailed';
  if (reason === 'health check failed') return 'HealthCheckFailed';
  if (reason.startsWith('not healthy after')) return 'NeverHealthy';
  if (reason.startsWith('swept')) return 'Swept';
  if (reason.startsWith('lifecycle not started')) return 'NotStarted';
  return 'Other';
}

/**
 * Instance-minutes of one server, from launch to termination: what the meeting cost in EC2 time. Linux
 * On-Demand instances are billed per second with a 60-second minimum
 * (https://aws.amazon.com/ec2/pricing/on-demand/), so under a minute counts as one; otherwise to 0.1 minute.
 */
export function instanceMinutes(launchedAt: string | Date, terminatedAt: string | Date): number {
  const ms = new Date(terminatedAt).getTime() - new Date(launchedAt).getTime();
  if (!Number.isFinite(ms))
    throw new RangeError(`not a time span: ${String(launchedAt)} → ${String(terminatedAt)}`);
  return Math.max(1, Math.round(ms / 6000) / 10);
}

/**
 * Executions that ended in the state machine's TeardownFailed state (every retry of Teardown spent, so a server
 * may still run). Not published by a handler: a metric filter on the state machine's execution log counts them
 * (infra/constructs/operations.ts), in this namespace, without dimensions.
 */
export const TEARDOWNS_FAILED_METRIC = 'TeardownsFailed';
