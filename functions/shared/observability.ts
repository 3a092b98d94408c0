import { Logger } from '@aws-lambda-powertools/logger';
import { Metrics } from '@aws-lambda-powertools/metrics';
import { z } from 'zod';
import { readConfig } from './config';
import { LOG_LEVELS } from './logLevels';
import { executionNameFor } from './meeting';
import {
  failureClass,
  METRICS,
  METRICS_NAMESPACE,
  SERVICE_NAME,
  type MetricDimensions,
  type MetricName,
  type MetricOutcome,
} from './metrics';
import { ReadableLogger } from './readableLogger';

/** How every function logs; validated once, at start-up, like the rest of its configuration. */
export const ObservabilityEnv = {
  LOG_LEVEL: z
    .string()
    .transform((s) => s.trim().toUpperCase())
    .pipe(z.enum(LOG_LEVELS, `must be one of ${LOG_LEVELS.join(', ')}`))
    .default('INFO'),
  /** json on AWS (CloudWatch Logs, Logs Insights); readable for the local stack's terminal. */
  LOG_FORMAT: z.enum(['json', 'readable']).default('json'),
};

/** What a log line and a metric can say about the meeting they are for. */
export interface MeetingContext {
  meetingId: string;
  /** The revision the execution was started for (every task input carries it). */
  revision?: number;
  /** Defaults to the name the API gives the execution of this revision (executionNameFor). */
  executionName?: string;
}

/**
 * Logs and metrics of one function (or one meeting inside it). Handlers build one per container with
 * `telemetry('launch')` and hand it to their logic in its deps; the logic narrows it with forMeeting as soon as
 * it knows the meeting, so every line and metric carries meetingId, revision and executionName.
 */
export interface Telemetry {
  readonly logger: Logger;
  /** Publishes one metric at once (its own embedded-metric-format line); the meeting's keys ride along. */
  metric<N extends MetricName>(name: N, value: number, ...dimensions: DimensionArgs<N>): void;
  forMeeting(context: MeetingContext): Telemetry;
}

/** No argument for metrics without dimensions; the dimension values for those with some. */
type DimensionArgs<N extends MetricName> = keyof MetricDimensions<N> extends never
  ? []
  : [dimensions: MetricDimensions<N>];

export interface TelemetryOptions {
  env?: Record<string, string | undefined>;
  /** Where readable lines go (tests); stdout by default. JSON always goes to stdout, as Lambda expects. */
  write?: (line: string) => void;
}

/**
 * A function's telemetry: a Powertools Logger (JSON, level from LOG_LEVEL) and Powertools Metrics in
 * embedded metric format on stdout, which CloudWatch Logs turns into metrics with no PutMetricData call
 * (https://docs.aws.amazon.com/AmazonCloudWatch/latest/monitoring/CloudWatch_Embedded_Metric_Format.html).
 * With LOG_FORMAT=readable, lines are plain text and metrics are logged as lines instead of EMF.
 */
export function telemetry(component: string, options: TelemetryOptions = {}): Telemetry {
  const config = readConfig(ObservabilityEnv, options.env ?? process.env);
  const loggerOptions = {
    serviceName: SERVICE_NAME,
    logLevel: config.LOG_LEVEL,
    persistentKeys: { component },
  };
  if (config.LOG_FORMAT === 'readable') {
    const logger = new ReadableLogger(loggerOptions, options.write);
    return new LoggedMetricsTelemetry(logger, {});
  }
  const metrics = new Metrics({ namespace: METRICS_NAMESPACE, serviceName: SERVICE_NAME });
  return new EmfTelemetry(new Logger(loggerOptions), metrics, {});
}

/** For callers that wire no telemetry (logic tests about other things): logs and publishes nothing. */
export const silentTelemetry: Telemetry = {
  logger: new Logger({ serviceName: SERVICE_NAME, logLevel: 'SILENT' }),
  metric: () => undefined,
  forMeeting: () => silentTelemetry,
};

function meetingKeys({
  meetingId,
  revision,
  executionName,
}: MeetingContext): Record<string, string | number> {
  return {
    meetingId,
    ...(revision !== undefined ? { revision } : {}),
    executionName: executionName ?? executionNameFor(meetingId, revision ?? 0),
  };
}

/**
 * The end of a lifecycle: MeetingOutcome by outcome and, for FAILED, MeetingsFailed by class of reason. Call it
 * only when this call closed the meeting (the store's transition `changed`), so a retried teardown or a sweep
 * after it does not count one meeting twice.
 */
export function countOutcome(
  t: Telemetry,
  outcome: MetricOutcome,
  failure?: { reason: string; errorName?: string | null },
): void {
  t.metric('MeetingOutcome', 1, { Outcome: outcome });
  if (outcome === 'FAILED')
    t.metric('MeetingsFailed', 1, {
      ReasonClass: failure ? failureClass(failure.reason, failure.errorName) : 'Other',
    });
}

abstract class BaseTelemetry implements Telemetry {
  constructor(
    readonly logger: Logger,
    /** Metadata added to each metric line (not dimensions: one metric per meeting would be unreadable). */
    protected readonly keys: Record<string, string | number>,
  ) {
    // Usable destructured (`const { logger, metric } = telemetry`), like the logger's own methods.
    this.metric = this.metric.bind(this);
    this.forMeeting = this.forMeeting.bind(this);
  }

  abstract metric<N extends MetricName>(name: N, value: number, ...dimensions: DimensionArgs<N>): void;

  protected abstract narrowed(logger: Logger, keys: Record<string, string | number>): Telemetry;

  forMeeting(context: MeetingContext): Telemetry {
    const keys = meetingKeys(context);
    // A child, not appendKeys: the local stack runs many meetings' tasks at once on one logger.
    return this.narrowed(this.logger.createChild({ persistentKeys: keys }), keys);
  }
}

class EmfTelemetry extends BaseTelemetry {
  constructor(
    logger: Logger,
    private readonly metrics: Metrics,
    keys: Record<string, string | number>,
  ) {
    super(logger, keys);
  }

  metric<N extends MetricName>(name: N, value: number, ...dimensions: DimensionArgs<N>): void {
    // singleMetric: its own line, flushed by addMetric, so no metric waits for a flush a failing handler skips.
    const single = this.metrics.singleMetric();
    for (const [key, dimension] of Object.entries(dimensions[0] ?? {}))
      single.addDimension(key, String(dimension));
    for (const [key, metadata] of Object.entries(this.keys)) single.addMetadata(key, String(metadata));
    single.addMetric(name, METRICS[name].unit, value);
  }

  protected narrowed(logger: Logger, keys: Record<string, string | number>): Telemetry {
    return new EmfTelemetry(logger, this.metrics, { ...this.keys, ...keys });
  }
}

/** Locally nothing reads EMF: the metric is a log line a person can follow. */
class LoggedMetricsTelemetry extends BaseTelemetry {
  metric<N extends MetricName>(name: N, value: number, ...dimensions: DimensionArgs<N>): void {
    this.logger.info(`metric ${name} ${value} ${METRICS[name].unit}`, { ...(dimensions[0] ?? {}) });
  }

  protected narrowed(logger: Logger, keys: Record<string, string | number>): Telemetry {
    return new LoggedMetricsTelemetry(logger, { ...this.keys, ...keys });
  }
}
