import { z } from 'zod';
import { ConfigError, nonEmpty, positiveInt, readConfig } from '../shared/config';
import {
  DEFAULT_HEALTH_CHECK_INTERVAL_SECONDS,
  DEFAULT_FIRST_PROBE_DELAY_SECONDS,
  DEFAULT_HEALTH_CHECK_MAX_ATTEMPTS,
  DEFAULT_LAUNCH_LEAD_MINUTES,
} from '../shared/bootTime';
import type { ApiConfig } from './deps';
import { DEFAULT_LAUNCH_RATE_SHARE, PUBLISHED_LIMITS } from '../shared/awsLimits';
import { admissionLimits, type AdmissionLimits, DEFAULT_ADMISSION_SETTINGS } from '../shared/launchSlots';
import {
  MAX_OVERRUN_SECONDS,
  MIN_OCCUPANCY_INTERVAL_SECONDS,
  OCCUPANCY_DEFAULTS,
} from '../shared/occupancyLimits';

export const ApiEnv = {
  TABLE_NAME: nonEmpty,
  STATE_MACHINE_ARN: nonEmpty,
  AWS_REGION: nonEmpty,
  JITSI_DOMAIN: nonEmpty,
  TEARDOWN_FUNCTION_NAME: nonEmpty,
  // The same defaults as the CDK context's, derived from the baked image's boot time (shared/bootTime.ts).
  LAUNCH_LEAD_SECONDS: positiveInt.default(DEFAULT_LAUNCH_LEAD_MINUTES * 60),
  ATTENDANCE_CHECK_DELAY_SECONDS: positiveInt.default(900),
  HEALTH_CHECK_INTERVAL_SECONDS: positiveInt.default(DEFAULT_HEALTH_CHECK_INTERVAL_SECONDS),
  HEALTH_CHECK_MAX_ATTEMPTS: positiveInt.default(DEFAULT_HEALTH_CHECK_MAX_ATTEMPTS),
  HEALTH_CHECK_FIRST_PROBE_DELAY_SECONDS: z.coerce
    .number()
    .int()
    .min(0)
    .max(600)
    .default(DEFAULT_FIRST_PROBE_DELAY_SECONDS),
  // Written by infra from validated minutes; checked again here, so no setting can make checks more frequent
  // than the history budget allows (occupancyLimits.ts).
  OCCUPANCY_CHECK_INTERVAL_SECONDS: positiveInt
    .min(MIN_OCCUPANCY_INTERVAL_SECONDS)
    .max(3600)
    .default(OCCUPANCY_DEFAULTS.intervalSeconds),
  OVERRUN_STEP_SECONDS: positiveInt
    .min(MIN_OCCUPANCY_INTERVAL_SECONDS)
    .max(3600)
    .default(OCCUPANCY_DEFAULTS.overrunStepSeconds),
  MAX_OVERRUN_SECONDS: z.coerce
    .number()
    .int()
    .min(0)
    .max(MAX_OVERRUN_SECONDS)
    .default(OCCUPANCY_DEFAULTS.maxOverrunSeconds),
  MIN_DURATION_MINUTES: positiveInt.max(480).default(15),
  MAX_DAYS_AHEAD: positiveInt.max(364).default(364),
  RECORD_RETENTION_DAYS: positiveInt.default(90),
  MAX_BODY_BYTES: positiveInt.default(16 * 1024),
  /** How often an open join page polls its link's JSON. */
  JOIN_POLL_SECONDS: positiveInt.max(3600).default(10),
  // Admission at booking (issue 20; infra/config.ts documents each key). Published defaults: RunInstances
  // refills 2 requests and 2 instances per second per account and Region
  // (https://docs.aws.amazon.com/ec2/latest/devguide/ec2-api-throttling.html); the vCPU quota (Service Quotas
  // L-1216C47A) is set per account.
  RUN_INSTANCES_REFILL_PER_SECOND: z.coerce
    .number()
    .positive()
    .max(1000)
    .default(PUBLISHED_LIMITS.runInstances.refillPerSecond),
  RUN_INSTANCES_RESOURCE_REFILL_PER_SECOND: z.coerce
    .number()
    .positive()
    .max(1000)
    .default(PUBLISHED_LIMITS.runInstancesResources.refillPerSecond),
  ROUTE53_CHANGES_PER_SECOND: z.coerce
    .number()
    .positive()
    .max(1000)
    .default(PUBLISHED_LIMITS.route53.refillPerSecond),
  LAUNCH_RATE_SHARE: z.coerce.number().gt(0).max(1).default(DEFAULT_LAUNCH_RATE_SHARE),
  VCPU_QUOTA: positiveInt.default(PUBLISHED_LIMITS.vcpuQuota),
  VCPU_QUOTA_SHARE: z.coerce.number().gt(0).max(1).default(DEFAULT_ADMISSION_SETTINGS.vcpuQuotaShare),
  INSTANCE_VCPUS: positiveInt.max(512).default(DEFAULT_ADMISSION_SETTINGS.instanceVcpus),
  MAX_LAUNCH_LEAD_SECONDS: positiveInt.max(3 * 3600).default(DEFAULT_ADMISSION_SETTINGS.maxLaunchLeadSeconds),
  /** Set with apiAuth=jwt: the scope every /meetings request's token must carry. */
  REQUIRED_SCOPE: nonEmpty.optional(),
};

export function readApiConfig(
  env: Record<string, string | undefined> = process.env,
): ApiConfig & { tableName: string; teardownFunctionName: string; admission: AdmissionLimits } {
  const c = readConfig(ApiEnv, env);
  if (c.MAX_LAUNCH_LEAD_SECONDS < c.LAUNCH_LEAD_SECONDS) {
    throw new ConfigError(
      `invalid configuration: MAX_LAUNCH_LEAD_SECONDS: must be at least LAUNCH_LEAD_SECONDS (${c.LAUNCH_LEAD_SECONDS})`,
    );
  }
  return {
    admission: admissionLimits(
      {
        runInstancesRefillPerSecond: c.RUN_INSTANCES_REFILL_PER_SECOND,
        runInstancesResourceRefillPerSecond: c.RUN_INSTANCES_RESOURCE_REFILL_PER_SECOND,
        route53ChangesPerSecond: c.ROUTE53_CHANGES_PER_SECOND,
        launchRateShare: c.LAUNCH_RATE_SHARE,
        vcpuQuota: c.VCPU_QUOTA,
        vcpuQuotaShare: c.VCPU_QUOTA_SHARE,
        instanceVcpus: c.INSTANCE_VCPUS,
        maxLaunchLeadSeconds: c.MAX_LAUNCH_LEAD_SECONDS,
      },
      { leadSeconds: c.LAUNCH_LEAD_SECONDS, maxOverrunSeconds: c.MAX_OVERRUN_SECONDS },
    ),
    tableName: c.TABLE_NAME,
    teardownFunctionName: c.TEARDOWN_FUNCTION_NAME,
    stateMachineArn: c.STATE_MACHINE_ARN,
    region: c.AWS_REGION,
    jitsiDomain: c.JITSI_DOMAIN,
    maxBodyBytes: c.MAX_BODY_BYTES,
    joinPollSeconds: c.JOIN_POLL_SECONDS,
    requiredScope: c.REQUIRED_SCOPE,
    timings: {
      leadSeconds: c.LAUNCH_LEAD_SECONDS,
      attendanceCheckDelaySeconds: c.ATTENDANCE_CHECK_DELAY_SECONDS,
      healthIntervalSeconds: c.HEALTH_CHECK_INTERVAL_SECONDS,
      healthMaxAttempts: c.HEALTH_CHECK_MAX_ATTEMPTS,
      healthFirstProbeDelaySeconds: c.HEALTH_CHECK_FIRST_PROBE_DELAY_SECONDS,
      occupancyIntervalSeconds: c.OCCUPANCY_CHECK_INTERVAL_SECONDS,
      overrunStepSeconds: c.OVERRUN_STEP_SECONDS,
      maxOverrunSeconds: c.MAX_OVERRUN_SECONDS,
      minDurationMinutes: c.MIN_DURATION_MINUTES,
      maxDaysAhead: c.MAX_DAYS_AHEAD,
      recordRetentionDays: c.RECORD_RETENTION_DAYS,
    },
  };
}
