/**
 * When an open join page asks its link's JSON again: the one schedule the page's script runs in the browser and
 * the server uses for the no-JavaScript page's meta refresh. 1,000 lessons at 16:00 are 2,000 open pages at
 * 15:55, all on the anonymous join route and its one API Gateway throttle (issue 20), so:
 *
 * - **far from launch, no requests**: while the meeting is SCHEDULED and its `launchAt` is ahead, nothing can
 *   change but a cancel or a reschedule (the countdown needs no server), so the first poll is at `launchAt`,
 *   plus a random offset of up to 1.5 intervals (drawn so that the pages of one launch minute poll at a steady
 *   rate from the start). With launch slots (admission), each meeting's `launchAt` is its own
 *   paced slot, so a large cohort's first polls are spread over its launch minutes already.
 * - **near launch, every `pollMs` with ±50 % jitter**: each page draws each interval anew, so pages opened
 *   together (a class's link sent at the same moment) drift apart instead of polling in step. The mean stays
 *   `pollMs`, which is what the join route's throttle is sized from (joinThrottle.ts).
 * - **ready, six times slower**: the join button is there; what may still change (someone in the room, the
 *   end) is not urgent.
 * - **cancelled, ended, failed: never again.**
 * - **after a failure** (429, 5xx, network): exponential backoff from `pollMs`, doubling per consecutive
 *   failure up to two minutes, with "equal jitter" (half the ceiling fixed, half random: never faster than half,
 *   never in step); a `Retry-After` is honoured (up to ten minutes), plus up to one interval of jitter so pages
 *   told the same instant do not come back together.
 *
 * It is written once, as the plain ES2017 source the page's script embeds (the Lambda serves that string as it
 * is, no build step), and evaluated here from the same text for the server and the unit tests: what the tests
 * check is what the browser runs.
 */
export const POLL_SCHEDULE_JS = `
  var POLL_JITTER = 0.5;
  var READY_POLL_FACTOR = 6;
  var MAX_BACKOFF_MS = 120000;
  var MAX_RETRY_AFTER_MS = 600000;
  var FINAL_PHASES = { cancelled: true, ended: true, failed: true };
  /** Milliseconds until the next poll, or null: never again. random() is uniform in [0, 1). */
  function nextPollDelay(s, random) {
    if (FINAL_PHASES[s.phase]) return null;
    var poll = s.pollMs;
    if (s.failures > 0) {
      var ceiling = Math.min(MAX_BACKOFF_MS, poll * Math.pow(2, s.failures));
      var wait = ceiling / 2 + (ceiling / 2) * random();
      if (s.retryAfterMs > 0) wait = Math.max(wait, Math.min(s.retryAfterMs, MAX_RETRY_AFTER_MS) + poll * random());
      return Math.round(wait);
    }
    if (s.phase === 'scheduled' && s.now < s.launchAt) return Math.round(s.launchAt - s.now + firstPollOffset(poll, random()));
    var base = s.phase === 'ready' ? poll * READY_POLL_FACTOR : poll;
    return Math.round(base * (1 - POLL_JITTER + 2 * POLL_JITTER * random()));
  }
  /**
   * When after the launch a waiting page first asks: drawn from the stationary distribution of the jittered
   * intervals (uniform up to (1 - j) x poll, then falling linearly to 0 at (1 + j) x poll), so a cohort of pages
   * that all waited for one launchAt asks at its steady rate, pages / poll, from the first second instead of
   * bunching where the first and second polls overlap.
   */
  function firstPollOffset(poll, r) {
    var flat = 1 - POLL_JITTER;
    if (r < flat) return poll * r;
    return poll * (flat + 2 * POLL_JITTER * (1 - Math.sqrt((r - flat) / POLL_JITTER)));
  }
  /** A Retry-After header (seconds, or an HTTP date) in milliseconds from now; 0 without a usable one. */
  function retryAfterMs(header, now) {
    if (!header) return 0;
    var seconds = Number(header);
    if (isFinite(seconds)) return Math.max(0, seconds * 1000);
    var at = Date.parse(header);
    return isFinite(at) ? Math.max(0, at - now) : 0;
  }
`;

/** What the schedule looks at. Times in epoch milliseconds, on the server's clock (the page corrects its own). */
export interface PollInput {
  now: number;
  /** The view's `phase` (joinState.ts): scheduled, starting, ready, cancelled, ended, failed. */
  phase: string;
  /** The meeting's launch slot; NaN when unknown (then the page polls as if near launch). */
  launchAt: number;
  /** The near-launch interval (JOIN_POLL_SECONDS). */
  pollMs: number;
  /** Polls that failed in a row (429, 5xx, network); 0 after a success. */
  failures: number;
  /** The last failure's Retry-After, in milliseconds; 0 when it had none. */
  retryAfterMs: number;
}

const compiled = new Function(
  `${POLL_SCHEDULE_JS}; return { nextPollDelay, retryAfterMs, POLL_JITTER, READY_POLL_FACTOR, MAX_BACKOFF_MS, MAX_RETRY_AFTER_MS };`,
)() as {
  nextPollDelay(input: PollInput, random: () => number): number | null;
  retryAfterMs(header: string | null | undefined, now: number): number;
  POLL_JITTER: number;
  READY_POLL_FACTOR: number;
  MAX_BACKOFF_MS: number;
  MAX_RETRY_AFTER_MS: number;
};

/** Milliseconds until the next poll, or null: the page stops asking. `random` is uniform in [0, 1). */
export const nextPollDelay: (input: PollInput, random?: () => number) => number | null = (
  input,
  random = Math.random,
) => compiled.nextPollDelay(input, random);

/** A Retry-After value (delta-seconds or an HTTP date, RFC 9110 §10.2.3) in milliseconds from `now`. */
export const retryAfterMs = (header: string | null | undefined, now: number): number =>
  compiled.retryAfterMs(header, now);

/** The near-launch poll interval when JOIN_POLL_SECONDS is not set (functions/api/config.ts has the same). */
export const DEFAULT_JOIN_POLL_SECONDS = 10;

/** The schedule's constants, read from POLL_SCHEDULE_JS itself (for the throttle formula and the tests). */
export const { POLL_JITTER, READY_POLL_FACTOR, MAX_BACKOFF_MS, MAX_RETRY_AFTER_MS } = compiled;

/**
 * The no-JavaScript page's meta refresh, in seconds: the same schedule (a reload is a whole page, so never more
 * often than every 30 s), at most an hour ahead (a reschedule or cancel shows within the hour); undefined once
 * nothing changes any more.
 */
export function refreshSeconds(
  input: Omit<PollInput, 'failures' | 'retryAfterMs'>,
  random: () => number = Math.random,
): number | undefined {
  const delay = nextPollDelay({ ...input, failures: 0, retryAfterMs: 0 }, random);
  if (delay === null) return undefined;
  return Math.min(3600, Math.max(30, Math.round(delay / 1000)));
}
