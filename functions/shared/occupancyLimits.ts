/**
 * Defaults and bounds of the room checks after the attendance check (issue 15), shared by the deployment's
 * config (infra/config.ts), the API function's environment (functions/api/config.ts) and the local stack.
 *
 * The floor bounds the execution history: a Standard execution fails at 25,000 history events
 * (https://docs.aws.amazon.com/step-functions/latest/dg/service-quotas.html), and each check adds 9 of them
 * (Wait entered/exited, Task entered, Lambda scheduled/started/succeeded, Task exited, Choice entered/exited).
 * At one check a minute, the longest meeting (480 min) plus the largest overrun (60 min) is 540 checks, about
 * 5,000 events: test/statemachine/history.test.ts runs it.
 */
export const OCCUPANCY_DEFAULTS = {
  intervalSeconds: 5 * 60,
  overrunStepSeconds: 5 * 60,
  maxOverrunSeconds: 15 * 60,
} as const;

/** The most frequent checks a deployment may configure: once a minute. */
export const MIN_OCCUPANCY_INTERVAL_SECONDS = 60;
/** The largest overrun a deployment may configure; 0 turns overruns off (teardown at endAt when people stay). */
export const MAX_OVERRUN_SECONDS = 60 * 60;
