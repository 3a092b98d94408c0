import './polyfills';
import { resolve } from 'node:path';
import { z } from 'zod';
import { DEFAULT_LAUNCH_LEAD_MINUTES } from '../functions/shared/bootTime';
import { positiveInt, readConfig } from '../functions/shared/config';
import { PUBLISHED_LIMITS } from '../functions/shared/awsLimits';
import { DEFAULT_ADMISSION_SETTINGS } from '../functions/shared/launchSlots';
import { ObservabilityEnv } from '../functions/shared/observability';
import { startConsole } from './console/server';
import { MAX_OVERRUN_SECONDS, OCCUPANCY_DEFAULTS } from '../functions/shared/occupancyLimits';
import { formatFindings } from './dataCheck/findings';
import { startLocalStack } from './stack';

/** `npm start`: every setting is an environment variable, validated here once (a bad one is named). */
const port = (fallback: number) => z.coerce.number().int().min(0).max(65535).default(fallback);
const LocalEnv = {
  HOST: z.string().default('127.0.0.1'),
  API_PORT: port(3000),
  SFN_PORT: port(8083),
  DYNAMODB_PORT: port(8000),
  LAMBDA_PORT: port(3001),
  CONSOLE_PORT: port(3002),
  /** Draw another Step Functions endpoint's executions in the console (default: the stack's own). */
  CONSOLE_SFN_ENDPOINT: z.url().optional(),
  DATA_DIR: z.string().default('.local-data'),
  /** Writes answer 503 while the data folder's filesystem has less than this free (README, "Running locally"). */
  DISK_RESERVE_MB: positiveInt.default(16),
  IN_MEMORY: z.enum(['0', '1', 'true', 'false']).default('0'),
  LAUNCH_LEAD_SECONDS: positiveInt.default(DEFAULT_LAUNCH_LEAD_MINUTES * 60),
  ATTENDANCE_CHECK_DELAY_SECONDS: positiveInt.default(900),
  HEALTH_CHECK_INTERVAL_SECONDS: positiveInt.default(5),
  HEALTH_CHECK_MAX_ATTEMPTS: positiveInt.default(24),
  // Locally in seconds and without the deployment's once-a-minute floor, so a whole lifecycle with early end and
  // overrun fits in a few minutes (a deployment: infra/config.ts, functions/api/config.ts).
  OCCUPANCY_CHECK_INTERVAL_SECONDS: positiveInt.default(OCCUPANCY_DEFAULTS.intervalSeconds),
  OVERRUN_STEP_SECONDS: positiveInt.default(OCCUPANCY_DEFAULTS.overrunStepSeconds),
  MAX_OVERRUN_SECONDS: z.coerce
    .number()
    .int()
    .min(0)
    .max(MAX_OVERRUN_SECONDS)
    .default(OCCUPANCY_DEFAULTS.maxOverrunSeconds),
  BOOT_DELAY_SECONDS: z.coerce.number().min(0).default(5),
  MIN_DURATION_MINUTES: positiveInt.max(480).default(15),
  MAX_INSTANCE_HOURS: positiveInt.default(12),
  SFN_MOCK_CONFIG: z.string().optional(),
  LOG_LEVEL: ObservabilityEnv.LOG_LEVEL,
  /** Every Wait lasts this fraction of its length (0.01: an hour in 36 s); 1 = as written. */
  SFN_WAIT_SCALE: z.coerce.number().gt(0).max(1).default(1),
  // Admission at booking (README, "Lessons on the hour"): the published EC2 rates and the planning quota by
  // default, as a deployment.
  RUN_INSTANCES_REFILL_PER_SECOND: z.coerce
    .number()
    .positive()
    .default(DEFAULT_ADMISSION_SETTINGS.runInstancesRefillPerSecond),
  RUN_INSTANCES_RESOURCE_REFILL_PER_SECOND: z.coerce
    .number()
    .positive()
    .default(DEFAULT_ADMISSION_SETTINGS.runInstancesResourceRefillPerSecond),
  ROUTE53_CHANGES_PER_SECOND: z.coerce
    .number()
    .positive()
    .default(DEFAULT_ADMISSION_SETTINGS.route53ChangesPerSecond),
  LAUNCH_RATE_SHARE: z.coerce.number().gt(0).max(1).default(DEFAULT_ADMISSION_SETTINGS.launchRateShare),
  VCPU_QUOTA: positiveInt.default(DEFAULT_ADMISSION_SETTINGS.vcpuQuota),
  VCPU_QUOTA_SHARE: z.coerce.number().gt(0).max(1).default(DEFAULT_ADMISSION_SETTINGS.vcpuQuotaShare),
  INSTANCE_VCPUS: positiveInt.default(DEFAULT_ADMISSION_SETTINGS.instanceVcpus),
  MAX_LAUNCH_LEAD_SECONDS: positiveInt.default(DEFAULT_ADMISSION_SETTINGS.maxLaunchLeadSeconds),
  /** Lambda Invoke API for Task states whose function is not one of the in-process ones. */
  LAMBDA_ENDPOINT: z.string().url().optional(),
};

async function main() {
  const env = readConfig(LocalEnv);
  const inMemory = env.IN_MEMORY === '1' || env.IN_MEMORY === 'true';
  const stack = await startLocalStack({
    dataDir: inMemory ? null : resolve(env.DATA_DIR),
    diskReserveBytes: env.DISK_RESERVE_MB * 1024 * 1024,
    host: env.HOST,
    ports: { api: env.API_PORT, sfn: env.SFN_PORT, dynamodb: env.DYNAMODB_PORT, lambda: env.LAMBDA_PORT },
    timings: {
      leadSeconds: env.LAUNCH_LEAD_SECONDS,
      attendanceCheckDelaySeconds: env.ATTENDANCE_CHECK_DELAY_SECONDS,
      healthIntervalSeconds: env.HEALTH_CHECK_INTERVAL_SECONDS,
      healthMaxAttempts: env.HEALTH_CHECK_MAX_ATTEMPTS,
      occupancyIntervalSeconds: env.OCCUPANCY_CHECK_INTERVAL_SECONDS,
      overrunStepSeconds: env.OVERRUN_STEP_SECONDS,
      maxOverrunSeconds: env.MAX_OVERRUN_SECONDS,
      minDurationMinutes: env.MIN_DURATION_MINUTES,
      maxDaysAhead: 364,
      recordRetentionDays: 90,
    },
    bootDelayMs: env.BOOT_DELAY_SECONDS * 1000,
    maxLifetimeMs: env.MAX_INSTANCE_HOURS * 3600_000,
    mockConfigPath: env.SFN_MOCK_CONFIG,
    logLevel: env.LOG_LEVEL,
    waitScale: env.SFN_WAIT_SCALE,
    lambdaEndpoint: env.LAMBDA_ENDPOINT,
    admission: {
      runInstancesRefillPerSecond: env.RUN_INSTANCES_REFILL_PER_SECOND,
      runInstancesResourceRefillPerSecond: env.RUN_INSTANCES_RESOURCE_REFILL_PER_SECOND,
      route53ChangesPerSecond: env.ROUTE53_CHANGES_PER_SECOND,
      launchRateShare: env.LAUNCH_RATE_SHARE,
      vcpuQuota: env.VCPU_QUOTA,
      vcpuQuotaShare: env.VCPU_QUOTA_SHARE,
      instanceVcpus: env.INSTANCE_VCPUS,
      maxLaunchLeadSeconds: env.MAX_LAUNCH_LEAD_SECONDS,
    },
  });
  // The admin console, always on loopback (it has no login), reading only the two public APIs.
  const adminConsole = await startConsole({
    apiUrl: stack.apiUrl,
    sfnEndpoint: env.CONSOLE_SFN_ENDPOINT ?? stack.sfnUrl,
    port: env.CONSOLE_PORT,
    // The "load ahead" chart's capacity line: the same rates admission plans with.
    limits: {
      runInstances: {
        ...PUBLISHED_LIMITS.runInstances,
        refillPerSecond: env.RUN_INSTANCES_REFILL_PER_SECOND,
      },
      runInstancesResources: {
        ...PUBLISHED_LIMITS.runInstancesResources,
        refillPerSecond: env.RUN_INSTANCES_RESOURCE_REFILL_PER_SECOND,
      },
      route53: { ...PUBLISHED_LIMITS.route53, refillPerSecond: env.ROUTE53_CHANGES_PER_SECOND },
    },
    launchRateShare: env.LAUNCH_RATE_SHARE,
  });
  // Servers left from an earlier run whose meetings ended meanwhile are stopped at once, not in 10 minutes.
  const swept = await stack.sweep();
  const start = new Date(Date.now() + (env.LAUNCH_LEAD_SECONDS + 120) * 1000)
    .toISOString()
    .replace(/\.\d+Z$/, 'Z');
  const running = stack.engine ? stack.engine.listExecutions(stack.stateMachineArn, 'RUNNING').length : 0;
  console.log(`meeting-scheduler local stack is up (${inMemory ? 'in memory' : `data in ${resolve(env.DATA_DIR)}`})

  Admin console     ${adminConsole.url}/   (meetings, execution graphs, state machines)
  Meetings API      ${stack.apiUrl}/meetings
  Step Functions    ${stack.sfnUrl}   (state machine ${stack.stateMachineArn})
  DynamoDB          ${stack.dynamodbUrl}   (table meetings)
  Lambda (invoke)   ${stack.lambdaUrl}
  Executions resumed: ${running}; stale meeting servers stopped: ${swept.length}${
    stack.dataFindings.length > 0
      ? `\n  Damaged data found at start, and what was done:\n${formatFindings(stack.dataFindings)}`
      : ''
  }${env.SFN_WAIT_SCALE === 1 ? '' : `\n  Waits scaled by  ${env.SFN_WAIT_SCALE} (SFN_WAIT_SCALE)`}
  TLS               none locally: the stand-in servers speak plain HTTP on loopback, so no certificate is
                    issued. On AWS the certificate function keeps one wildcard certificate (ACME DNS-01);
                    that code runs against pebble, Let's Encrypt's test server, in test/integration.

Book a meeting that starts in ${duration(env.LAUNCH_LEAD_SECONDS + 120)} (its server launches ${duration(env.LAUNCH_LEAD_SECONDS)} before):

  curl -s -X POST ${stack.apiUrl}/meetings -H 'content-type: application/json' \\
    -d '{"teacherName":"Ada","studentName":"Ben","startTime":"${start}","durationMinutes":15}'

and open its teacherLink or studentLink in a browser: the join page follows the meeting until it ends.

Watch it with the AWS CLI (any credentials will do locally):

  AWS_ACCESS_KEY_ID=local AWS_SECRET_ACCESS_KEY=local aws stepfunctions list-executions \\
    --endpoint-url ${stack.sfnUrl} --region us-east-1 --state-machine-arn ${stack.stateMachineArn}

Faster: LAUNCH_LEAD_SECONDS=30 ATTENDANCE_CHECK_DELAY_SECONDS=60 npm start. Ctrl-C stops the stack; meeting
servers keep running like EC2 instances and the next npm start picks their meetings up again.`);

  const stop = async () => {
    await adminConsole.close();
    await stack.close();
    process.exit(0);
  };
  process.once('SIGINT', () => void stop());
  process.once('SIGTERM', () => void stop());
}

function duration(seconds: number): string {
  return seconds % 60 === 0 ? `${seconds / 60} minutes` : `${seconds} seconds`;
}

main().catch((err) => {
  console.error(err instanceof Error ? err.message : err);
  if ((err as NodeJS.ErrnoException).code === 'EADDRINUSE') {
    console.error(
      'Another program has that port: choose others with API_PORT, SFN_PORT, DYNAMODB_PORT, LAMBDA_PORT, CONSOLE_PORT (0 = any free port).',
    );
  }
  process.exit(1);
});
