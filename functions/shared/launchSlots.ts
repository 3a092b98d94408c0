/**
 * Launch slots and vCPU admission at booking (issue 20, parts 2 and 3): plain arithmetic, no SDK, so the API,
 * the top-of-hour simulation and the console's load chart compute the same slots.
 *
 * Lessons cluster on the hour. EC2 refills RunInstances at 2 requests and 2 instances per second per account
 * and Region ("Request throttling for the Amazon EC2 API",
 * https://docs.aws.amazon.com/ec2/latest/devguide/ec2-api-throttling.html), so 1,000 launches in the same
 * second mostly fail. Each meeting instead gets a **launch minute** at booking: at most `launchesPerMinute`
 * (awsLimits.ts, 96 with the published figures) per minute, a full minute sending the booking to the nearest
 * earlier minute with room; inside its minute a meeting launches at `minute + index × 60 s / capacity`, so the
 * launches are paced, not bunched. Step Functions stays the timer: `launchAt` is the execution input's.
 *
 * Running On-Demand instances are bounded by a vCPU quota (Service Quotas L-1216C47A, "Running On-Demand
 * Standard (A, C, D, H, I, M, R, T, Z) instances", https://docs.aws.amazon.com/ec2/latest/instancetypes/ec2-instance-quotas.html).
 * A meeting's server holds its vCPUs from its launch to `endAt` + the maximum overrun; the ledger counts them
 * per 15-minute bucket the server touches (coarse, on the safe side: a server touching a bucket counts for all
 * of it).
 */

import { DEFAULT_LAUNCH_RATE_SHARE, launchesPerMinute, PUBLISHED_LIMITS } from './awsLimits';

export const MINUTE_MS = 60_000;
/** Width of one vCPU bucket: an 8-hour lesson + 15 min overrun + 30 min lead touches 36, far below 100 items. */
export const VCPU_BUCKET_MINUTES = 15;
const BUCKET_MS = VCPU_BUCKET_MINUTES * MINUTE_MS;
/** How far the nearest servable start is searched, each way, in whole minutes, when a booking is refused. */
export const NEAREST_START_SEARCH_MINUTES = 120;

/** What admission plans with; every figure comes from configuration (infra/config.ts, functions/api/config.ts). */
export interface AdmissionLimits {
  /** Launches one minute takes at most: `launchesPerMinute(limits, share)` (awsLimits.ts). */
  launchesPerMinute: number;
  /** vCPUs this app's servers may hold at any time: the account's quota × the planned share. */
  vcpuBudget: number;
  /** vCPUs of one meeting's server (the largest of the configured instance types: a fallback may launch it). */
  vcpusPerServer: number;
  /** The normal lead: a meeting wants to launch in the minute of start − lead. */
  leadSeconds: number;
  /** A crowded minute moves a launch earlier, but never earlier than start − this. */
  maxLaunchLeadSeconds: number;
  /** A server may run this long past endAt (people still there). */
  maxOverrunSeconds: number;
}

/** The configured rates and quota (infra/config.ts keys, in the API's environment and the local stack). */
export interface AdmissionSettings {
  /** RunInstances request refill per second (published: 2). */
  runInstancesRefillPerSecond: number;
  /** RunInstances resource (instance) refill per second (published: 2). */
  runInstancesResourceRefillPerSecond: number;
  /** Share of that rate meeting launches are planned to use (default 0.8: headroom for retries, fallbacks). */
  launchRateShare: number;
  /** The account's Running On-Demand Standard vCPU quota (L-1216C47A). */
  vcpuQuota: number;
  /** Share of the quota meeting servers may hold (default 0.9: a server outliving its hold, other workloads). */
  vcpuQuotaShare: number;
  /** vCPUs of one meeting's server. */
  instanceVcpus: number;
  /** A crowded minute moves a launch earlier, at most to start − this. */
  maxLaunchLeadSeconds: number;
  /** Route 53 ChangeResourceRecordSets per second of the account (published: 5); each launch makes one. */
  route53ChangesPerSecond: number;
}

/** Published defaults (awsLimits.ts); vcpuQuota is the contract's planning figure, set yours (see README). */
export const DEFAULT_ADMISSION_SETTINGS: AdmissionSettings = {
  runInstancesRefillPerSecond: PUBLISHED_LIMITS.runInstances.refillPerSecond,
  runInstancesResourceRefillPerSecond: PUBLISHED_LIMITS.runInstancesResources.refillPerSecond,
  launchRateShare: DEFAULT_LAUNCH_RATE_SHARE,
  vcpuQuota: PUBLISHED_LIMITS.vcpuQuota,
  vcpuQuotaShare: 0.9,
  instanceVcpus: 2,
  maxLaunchLeadSeconds: 30 * 60,
  route53ChangesPerSecond: PUBLISHED_LIMITS.route53.refillPerSecond,
};

/** What admission plans with, from the settings and the lifecycle's own lead and maximum overrun. */
export function admissionLimits(
  s: AdmissionSettings,
  timings: { leadSeconds: number; maxOverrunSeconds: number },
): AdmissionLimits {
  return {
    launchesPerMinute: launchesPerMinute(
      {
        runInstances: { ...PUBLISHED_LIMITS.runInstances, refillPerSecond: s.runInstancesRefillPerSecond },
        runInstancesResources: {
          ...PUBLISHED_LIMITS.runInstancesResources,
          refillPerSecond: s.runInstancesResourceRefillPerSecond,
        },
        route53: { ...PUBLISHED_LIMITS.route53, refillPerSecond: s.route53ChangesPerSecond },
      },
      s.launchRateShare,
    ),
    vcpuBudget: Math.floor(s.vcpuQuota * s.vcpuQuotaShare),
    vcpusPerServer: s.instanceVcpus,
    leadSeconds: timings.leadSeconds,
    maxLaunchLeadSeconds: Math.max(s.maxLaunchLeadSeconds, timings.leadSeconds),
    maxOverrunSeconds: timings.maxOverrunSeconds,
  };
}

export const floorMinute = (ms: number) => Math.floor(ms / MINUTE_MS) * MINUTE_MS;
const ceilMinute = (ms: number) => Math.ceil(ms / MINUTE_MS) * MINUTE_MS;
const floorBucket = (ms: number) => Math.floor(ms / BUCKET_MS) * BUCKET_MS;

/** Ledger key of a minute or bucket: its UTC start to the minute, `2030-01-11T13:50Z`. */
export function minuteKey(ms: number): string {
  return new Date(floorMinute(ms)).toISOString().slice(0, 16) + 'Z';
}
export function minuteOfKey(key: string): number {
  return Date.parse(key.replace(/Z$/, ':00.000Z'));
}

/** The launch minutes a meeting starting at `startMs` may take, latest (the wanted one) first. */
export function launchMinutes(startMs: number, nowMs: number, limits: AdmissionLimits): number[] {
  // Booked inside its lead time: it launches now, in the current minute or not at all.
  const wanted = floorMinute(Math.max(nowMs, startMs - limits.leadSeconds * 1000));
  const earliest = Math.max(floorMinute(nowMs), ceilMinute(startMs - limits.maxLaunchLeadSeconds * 1000));
  const minutes: number[] = [];
  for (let m = wanted; m >= earliest; m -= MINUTE_MS) minutes.push(m);
  return minutes;
}

/** Index i of capacity c launches at minute + i·60/c s: the cohort of one minute is spread evenly across it. */
export function launchAtFor(minuteMs: number, index: number, capacity: number, nowMs: number): number {
  const offset = Math.floor((Math.min(index, capacity - 1) * MINUTE_MS) / capacity);
  return Math.max(nowMs, minuteMs + offset);
}

/** The 15-minute vCPU buckets a server launched at `launchMs` touches until endAt + the maximum overrun. */
export function vcpuBuckets(launchMs: number, endMs: number, maxOverrunSeconds: number): string[] {
  const last = floorBucket(endMs + maxOverrunSeconds * 1000 - 1);
  const keys: string[] = [];
  for (let b = floorBucket(launchMs); b <= last; b += BUCKET_MS) keys.push(minuteKey(b));
  return keys;
}

/** What the ledger holds at one moment: launches per minute, vCPUs per bucket (absent = 0). */
export interface LedgerSnapshot {
  launches: ReadonlyMap<string, number>;
  vcpus: ReadonlyMap<string, number>;
}

export type Plan =
  { ok: true; launchMinute: string; vcpuBuckets: string[] } | { ok: false; reason: 'launches' | 'vcpus' };

/**
 * Whether a meeting starting at `startMs` fits the snapshot: the latest launch minute with room, and every
 * vCPU bucket of its server with room. An earlier launch only adds buckets, so a vCPU refusal at the latest
 * minute with room holds for every earlier one.
 */
export function planAdmission(
  snapshot: LedgerSnapshot,
  meeting: { startMs: number; durationMinutes: number },
  nowMs: number,
  limits: AdmissionLimits,
): Plan {
  const minute = launchMinutes(meeting.startMs, nowMs, limits).find(
    (m) => (snapshot.launches.get(minuteKey(m)) ?? 0) < limits.launchesPerMinute,
  );
  if (minute === undefined) return { ok: false, reason: 'launches' };
  const buckets = vcpuBuckets(
    minute,
    meeting.startMs + meeting.durationMinutes * MINUTE_MS,
    limits.maxOverrunSeconds,
  );
  const full = buckets.some((b) => (snapshot.vcpus.get(b) ?? 0) + limits.vcpusPerServer > limits.vcpuBudget);
  return full
    ? { ok: false, reason: 'vcpus' }
    : { ok: true, launchMinute: minuteKey(minute), vcpuBuckets: buckets };
}

/** The ledger keys `nearestStart` reads for a search around `startMs`. */
export function searchKeys(
  meeting: { startMs: number; durationMinutes: number },
  nowMs: number,
  limits: AdmissionLimits,
  searchMinutes = NEAREST_START_SEARCH_MINUTES,
): { launches: string[]; vcpus: string[] } {
  const span = searchMinutes * MINUTE_MS;
  const from = Math.max(floorMinute(nowMs), meeting.startMs - span - limits.maxLaunchLeadSeconds * 1000);
  const launches: string[] = [];
  for (let m = floorMinute(from); m <= meeting.startMs + span; m += MINUTE_MS) launches.push(minuteKey(m));
  const vcpus = vcpuBuckets(
    from,
    meeting.startMs + span + meeting.durationMinutes * MINUTE_MS,
    limits.maxOverrunSeconds,
  );
  return { launches, vcpus };
}

/**
 * The start nearest to `startMs`, in whole minutes either way (later first when both are as near), that the
 * snapshot can serve; undefined when none within `searchMinutes`. Advisory: nothing is held for it.
 */
export function nearestStart(
  snapshot: LedgerSnapshot,
  meeting: { startMs: number; durationMinutes: number },
  nowMs: number,
  limits: AdmissionLimits,
  opts: { searchMinutes?: number; latestStartMs?: number } = {},
): number | undefined {
  const search = opts.searchMinutes ?? NEAREST_START_SEARCH_MINUTES;
  for (let k = 1; k <= search; k++) {
    for (const candidate of [meeting.startMs + k * MINUTE_MS, meeting.startMs - k * MINUTE_MS]) {
      if (candidate <= nowMs) continue;
      if (opts.latestStartMs !== undefined && candidate > opts.latestStartMs) continue;
      if (planAdmission(snapshot, { ...meeting, startMs: candidate }, nowMs, limits).ok) return candidate;
    }
  }
  return undefined;
}
