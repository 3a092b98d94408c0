import { z } from 'zod';
import {
  DEFAULT_EXPECTED_LESSONS_PER_MINUTE,
  joinThrottleFor,
  MAX_JOIN_BURST_LIMIT,
  MAX_JOIN_RATE_LIMIT,
} from '../functions/api/join/joinThrottle';
import { DEFAULT_ADMISSION_SETTINGS } from '../functions/shared/launchSlots';
import {
  DEFAULT_HEALTH_CHECK_INTERVAL_SECONDS,
  DEFAULT_FIRST_PROBE_DELAY_SECONDS,
  DEFAULT_HEALTH_CHECK_MAX_ATTEMPTS,
  DEFAULT_LAUNCH_LEAD_MINUTES,
} from '../functions/shared/bootTime';
import { LOG_LEVELS } from '../functions/shared/logLevels';
import {
  MAX_OVERRUN_SECONDS,
  MIN_OCCUPANCY_INTERVAL_SECONDS,
  OCCUPANCY_DEFAULTS,
} from '../functions/shared/occupancyLimits';

const int = (min: number, max: number) => z.coerce.number().int().min(min).max(max);
const share = z.coerce.number().gt(0, 'must be a share above 0').max(1, 'must be a share of at most 1');
// A Debian package version as apt pins it (`jicofo=1.0-1090-1`): upstream version and Debian revision.
const debVersion = z
  .string()
  .regex(/^[0-9][A-Za-z0-9.+~-]*-[A-Za-z0-9.+~]+$/, 'must be a Debian package version like 2.0.9955-1');
const secretArn = z
  .string()
  .regex(
    /^arn:aws[a-z-]*:secretsmanager:[a-z0-9-]+:\d{12}:secret:[A-Za-z0-9/_+=.@-]+$/,
    'must be a Secrets Manager secret ARN, arn:<partition>:secretsmanager:<region>:<account>:secret:<name>',
  );
const csv = z
  .string()
  .transform((s) =>
    s
      .split(',')
      .map((t) => t.trim())
      .filter(Boolean),
  )
  .pipe(
    z.array(z.string().regex(/^[a-z0-9]+\.[a-z0-9]+$/, 'must be EC2 instance types like c6i.large')).min(1),
  );

/**
 * Deployment settings, read from CDK context (cdk.json or `-c key=value`) and validated once at synth time.
 * The README's configuration table lists the same keys.
 */
export const AppConfig = z
  .object({
    appName: z.string().regex(/^[a-z][a-z0-9-]{2,30}$/, 'must be 3–31 lower-case letters, digits or dashes'),
    jitsiDomain: z.string().regex(/^([a-z0-9-]+\.)+[a-z]{2,}$/, 'must be a DNS domain like meet.example.com'),
    hostedZoneId: z.string().regex(/^Z[A-Z0-9]{5,31}$/, 'must be a Route 53 hosted zone id'),
    acmeEmail: z.email('must be an e-mail address for Let\u2019s Encrypt'),
    acmeDirectory: z.enum(
      ['production', 'staging'],
      'must be production or staging (Let\u2019s Encrypt directory)',
    ),
    instanceTypes: csv,
    launchLeadMinutes: int(1, 60),
    attendanceCheckDelayMinutes: int(1, 60),
    healthCheckIntervalSeconds: int(5, 300),
    healthCheckMaxAttempts: int(1, 200),
    // The first probe waits this long after the launch (functions/shared/bootTime.ts says why).
    healthCheckFirstProbeDelaySeconds: int(0, 600),
    // At most one room check a minute: the history of the longest meeting stays far below Step Functions'
    // 25,000 events (functions/shared/occupancyLimits.ts).
    occupancyCheckIntervalMinutes: int(MIN_OCCUPANCY_INTERVAL_SECONDS / 60, 60),
    overrunStepMinutes: int(MIN_OCCUPANCY_INTERVAL_SECONDS / 60, 60),
    maxOverrunMinutes: int(0, MAX_OVERRUN_SECONDS / 60),
    maxInstanceHours: int(1, 48),
    // Admission at booking (issue 20, functions/shared/launchSlots.ts). EC2 refills RunInstances at 2 requests
    // and 2 instances per second per account and Region, published in "Request throttling for the Amazon EC2
    // API" (https://docs.aws.amazon.com/ec2/latest/devguide/ec2-api-throttling.html); an account can have them
    // raised, so they are settings. The vCPU quota is the account's "Running On-Demand Standard instances"
    // (Service Quotas L-1216C47A): read yours in the Service Quotas console.
    runInstancesRefillPerSecond: z.coerce.number().positive().max(1000),
    runInstancesResourceRefillPerSecond: z.coerce.number().positive().max(1000),
    // Route 53's account rate: each launch makes one UPSERT, so it paces launches too (awsLimits.ts).
    route53ChangesPerSecond: z.coerce.number().positive().max(1000),
    launchRateShare: share,
    vcpuQuota: int(1, 10_000_000),
    vcpuQuotaShare: share,
    maxLaunchLeadMinutes: int(1, 180),
    // The Jitsi the image pipeline bakes (infra/image/bake-jitsi.sh), pinned so a lesson never gets whatever
    // was newest that minute. jitsi-meet-web, -web-config, -prosody and -turnserver share one version.
    jitsiMeetVersion: debVersion,
    jitsiMeetWebVersion: debVersion,
    jicofoVersion: debVersion,
    jitsiVideobridgeVersion: debVersion,
    // When the pipeline rebuilds the image with the day's security updates (EventBridge cron, UTC).
    imageRebuildSchedule: z
      .string()
      .regex(/^cron\([^()]+\)$/, 'must be an EventBridge cron expression, e.g. cron(0 3 ? * SUN *)'),
    // How many of the newest baked images (and their snapshots) the lifecycle policy keeps.
    imagesKept: int(1, 20),
    apiAuth: z.enum(['iam', 'jwt']),
    jwtIssuer: z.url().optional(),
    jwtAudience: z.string().min(1).optional(),
    // One OAuth scope-token (RFC 6749 §3.3: printable ASCII without space, quote or backslash).
    jwtScope: z
      .string()
      .regex(/^[\x21\x23-\x5B\x5D-\x7E]+$/, 'must be one OAuth scope, e.g. meetings/manage (no spaces)')
      .optional(),
    allowedOrigin: z.url('must be the URL of the platform front end, e.g. https://app.example.com'),
    apiRateLimit: int(1, 10_000),
    apiBurstLimit: int(1, 5_000),
    // Lessons starting in the platform's busiest minute (the top of the hour): the join route's throttle is
    // derived from it (functions/api/join/joinThrottle.ts) unless joinRateLimit / joinBurstLimit are given.
    expectedLessonsPerMinute: int(1, 100_000),
    joinRateLimit: int(1, MAX_JOIN_RATE_LIMIT).optional(),
    joinBurstLimit: int(1, MAX_JOIN_BURST_LIMIT).optional(),
    logRetentionDays: int(1, 3653),
    ebsKmsKeyArn: z
      .string()
      .regex(
        /^arn:aws[a-z-]*:kms:[a-z0-9-]+:\d{12}:key\/[A-Za-z0-9-]+$/,
        'must be a KMS key ARN, arn:<partition>:kms:<region>:<account>:key/<key id> (not an alias)',
      )
      .optional(),
    // The secrets a deleted deployment of this domain kept (its CertificateSecretArn / AccountSecretArn outputs):
    // the new one takes over their certificate and ACME account instead of issuing again (issue 23 #3).
    retainedCertificateSecretArn: secretArn.optional(),
    retainedAccountSecretArn: secretArn.optional(),
    alarmTopicArn: z
      .string()
      .regex(/^arn:aws[a-z-]*:sns:[a-z0-9-]+:\d{12}:[A-Za-z0-9_-]{1,256}$/, 'must be an SNS topic ARN')
      .optional(),
    alarmEmail: z.email('must be an e-mail address to subscribe to the alarm topic').optional(),
    // The functions' LOG_LEVEL (functions/shared/observability.ts reads the same names).
    logLevel: z
      .string()
      .transform((s) => s.toUpperCase())
      .pipe(z.enum(LOG_LEVELS, `must be one of ${LOG_LEVELS.join(', ')}`)),
  })
  .refine((c) => c.maxLaunchLeadMinutes >= c.launchLeadMinutes, {
    message: 'must be at least launchLeadMinutes: a crowded minute only moves a launch earlier',
    path: ['maxLaunchLeadMinutes'],
  })
  .refine((c) => c.apiAuth !== 'jwt' || (c.jwtIssuer && c.jwtAudience), {
    message: 'apiAuth=jwt needs jwtIssuer and jwtAudience',
    path: ['apiAuth'],
  })
  // Without a required scope any token the issuer signs for the audience (any signed-in user of the platform,
  // or an ID token) would read every meeting and its join links.
  .refine((c) => c.apiAuth !== 'jwt' || c.jwtScope, {
    message: 'required with apiAuth=jwt: the OAuth scope every /meetings route requires',
    path: ['jwtScope'],
  });
/** The settings after defaults: the join throttle always has its figures (derived when not given). */
export type AppConfig = Omit<z.infer<typeof AppConfig>, 'joinRateLimit' | 'joinBurstLimit'> & {
  joinRateLimit: number;
  joinBurstLimit: number;
};

/** Values used when a key is not in the context. Domain and zone have none: a deployment must name its own. */
export const DEFAULTS: Record<string, string> = {
  appName: 'meeting-scheduler',
  instanceTypes: 'c6i.large,c5.large,m6i.large',
  // Derived from the baked image's boot time (functions/shared/bootTime.ts: 5 min, 17 × 15 s).
  launchLeadMinutes: String(DEFAULT_LAUNCH_LEAD_MINUTES),
  attendanceCheckDelayMinutes: '15',
  healthCheckIntervalSeconds: String(DEFAULT_HEALTH_CHECK_INTERVAL_SECONDS),
  healthCheckMaxAttempts: String(DEFAULT_HEALTH_CHECK_MAX_ATTEMPTS),
  healthCheckFirstProbeDelaySeconds: String(DEFAULT_FIRST_PROBE_DELAY_SECONDS),
  occupancyCheckIntervalMinutes: String(OCCUPANCY_DEFAULTS.intervalSeconds / 60),
  overrunStepMinutes: String(OCCUPANCY_DEFAULTS.overrunStepSeconds / 60),
  maxOverrunMinutes: String(OCCUPANCY_DEFAULTS.maxOverrunSeconds / 60),
  maxInstanceHours: '12',
  runInstancesRefillPerSecond: String(DEFAULT_ADMISSION_SETTINGS.runInstancesRefillPerSecond),
  runInstancesResourceRefillPerSecond: String(DEFAULT_ADMISSION_SETTINGS.runInstancesResourceRefillPerSecond),
  route53ChangesPerSecond: String(DEFAULT_ADMISSION_SETTINGS.route53ChangesPerSecond),
  launchRateShare: String(DEFAULT_ADMISSION_SETTINGS.launchRateShare),
  vcpuQuota: String(DEFAULT_ADMISSION_SETTINGS.vcpuQuota),
  vcpuQuotaShare: String(DEFAULT_ADMISSION_SETTINGS.vcpuQuotaShare),
  maxLaunchLeadMinutes: String(DEFAULT_ADMISSION_SETTINGS.maxLaunchLeadSeconds / 60),
  // Jitsi stable 5963 (2021-06-10): the newest complete set of pinned versions confirmed here (no access to
  // download.jitsi.org from this machine). Set the current stable's before the first build (README "The
  // baked image").
  jitsiMeetVersion: '2.0.5963-1',
  jitsiMeetWebVersion: '1.0.5056-1',
  jicofoVersion: '1.0-756-1',
  jitsiVideobridgeVersion: '2.1-508-gb24f756c-1',
  // Sundays 03:00 UTC: outside lesson hours of most time zones; a build takes about half an hour.
  imageRebuildSchedule: 'cron(0 3 ? * SUN *)',
  imagesKept: '3',
  apiAuth: 'iam',
  apiRateLimit: '10',
  apiBurstLimit: '20',
  // joinRateLimit / joinBurstLimit: derived from this (readAppConfig), 300 and 600 for the default 1,000.
  expectedLessonsPerMinute: String(DEFAULT_EXPECTED_LESSONS_PER_MINUTE),
  logRetentionDays: '30',
  acmeDirectory: 'production',
  logLevel: 'INFO',
};

/** Every context key the app reads. */
export const CONTEXT_KEYS = Object.keys(AppConfig.shape);

export class ConfigurationError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'ConfigurationError';
  }
}

/** Reads every key through `get` (CDK's tryGetContext), applying defaults; names each bad key. */
export function readAppConfig(get: (key: string) => unknown): AppConfig {
  const raw: Record<string, unknown> = {};
  for (const key of CONTEXT_KEYS) {
    const value = get(key) ?? DEFAULTS[key];
    if (value !== undefined) raw[key] = typeof value === 'number' ? String(value) : value;
  }
  const parsed = AppConfig.safeParse(raw);
  if (!parsed.success) {
    const problems = parsed.error.issues
      .map((i) => `${i.path.join('.') || 'context'}: ${i.message}`)
      .join('; ');
    throw new ConfigurationError(`invalid CDK context: ${problems}`);
  }
  // An explicit joinRateLimit / joinBurstLimit wins; the burst follows an explicit rate (two seconds of it).
  const derived = joinThrottleFor(parsed.data.expectedLessonsPerMinute);
  const joinRateLimit = parsed.data.joinRateLimit ?? derived.rateLimit;
  const joinBurstLimit =
    parsed.data.joinBurstLimit ??
    (parsed.data.joinRateLimit === undefined
      ? derived.burstLimit
      : Math.min(MAX_JOIN_BURST_LIMIT, 2 * parsed.data.joinRateLimit));
  return { ...parsed.data, joinRateLimit, joinBurstLimit };
}
