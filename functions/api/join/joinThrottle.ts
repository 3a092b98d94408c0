import { DEFAULT_JOIN_POLL_SECONDS } from './pollSchedule';

/** A lesson's open pages near its launch: the teacher's link and the student's. */
export const PAGES_PER_LESSON = 2;

/**
 * Headroom over the steady near-launch rate: jitter bunching (each interval is drawn from 0.5–1.5 × the mean),
 * the page loads themselves (one request each, on the same route), reloads, and retries after a refusal.
 */
export const JOIN_THROTTLE_MARGIN = 1.5;

/** The platform size the defaults are for: the 1,000 lessons starting on the hour. */
export const DEFAULT_EXPECTED_LESSONS_PER_MINUTE = 1000;

/**
 * API Gateway's account-level throttle per Region (10,000 requests/s, burst 5,000: "Amazon API Gateway quotas"),
 * shared by every API of the account. Route-level throttling overrides the stage's limits for one route but
 * "can't exceed account-level rate limits" ("Throttling requests to your HTTP API",
 * https://docs.aws.amazon.com/apigateway/latest/developerguide/http-api-throttling.html; throttles are targets
 * applied best-effort, not exact ceilings), so the config keys refuse more.
 */
export const MAX_JOIN_RATE_LIMIT = 10_000;
export const MAX_JOIN_BURST_LIMIT = 5_000;

/** Below this the join route would refuse a handful of pages opened at once (the limits before issue 20). */
const FLOOR = { rateLimit: 5, burstLimit: 10 };

/**
 * The join route's API Gateway throttle for a platform whose busiest start minute has `lessonsPerMinute`
 * lessons (the top of the hour).
 *
 *   rate  = ⌈ 2 pages per lesson × lessonsPerMinute × 1 / pollSeconds × 1.5 ⌉ requests per second
 *   burst = 2 × rate (two seconds of it; API Gateway's token bucket)
 *
 * Why that is the peak: a page polls only from its meeting's launch (none while the start is far away,
 * pollSchedule.ts), every `pollSeconds` on average until the server is READY (the boot, a few minutes), then six
 * times slower, and never once the meeting is over. So at the top of the hour at most the pages of that one
 * minute's lessons poll at the near-launch rate at the same time (launch slots only spread them further), and
 * the lessons of the minutes around it are few by comparison; add them to `lessonsPerMinute` if lessons also
 * start at :30. 1,000 lessons with the 10 s interval: 2 × 1,000 / 10 × 1.5 = 300 requests/s, burst 600
 * (the previous fixed 5 requests/s carried about 17 lessons).
 */
export function joinThrottleFor(
  lessonsPerMinute: number,
  pollSeconds: number = DEFAULT_JOIN_POLL_SECONDS,
): { rateLimit: number; burstLimit: number } {
  const rateLimit = Math.min(
    MAX_JOIN_RATE_LIMIT,
    Math.max(
      FLOOR.rateLimit,
      Math.ceil((PAGES_PER_LESSON * lessonsPerMinute * JOIN_THROTTLE_MARGIN) / pollSeconds),
    ),
  );
  return {
    rateLimit,
    burstLimit: Math.min(MAX_JOIN_BURST_LIMIT, Math.max(FLOOR.burstLimit, 2 * rateLimit)),
  };
}
