/**
 * How long a meeting server takes from RunInstances to answering /health, and the lifecycle defaults derived
 * from it (README "The baked image"). One SDK-free module: infra/config.ts, functions/api/config.ts, local/ and
 * the top-of-hour simulation read the same figures.
 *
 * Baked image, seconds, as the sum of its parts (p99s added: a conservative p99 of the sum):
 *
 * | part                                               | p50 | p99 | source                                        |
 * | -------------------------------------------------- | --- | --- | --------------------------------------------- |
 * | RunInstances → user data running (Ubuntu, enc. EBS) |  30 |  60 | assumed: daemonology.net ec2-boot-bench 2021 (Linux AMIs ≈ 23–28 s to sshd); brevdev ec2-coldboot-research (25.8 s); martysweet.co.uk 2023 (encrypted EBS launches slower) |
 * | certificate secret read (aws cli + GetSecretValue) |   3 |   6 | assumed (AWS CLI v1 start-up; one API call)   |
 * | certificate install + jitsi-configure.sh (ours)    |   2 |   3 | MEASURED, `npm run bench -- boot`: 1.28 s p50, 2.02 s p99 (30 runs, 2 busy cores, load 10), rounded up |
 * | jitsi's packages configured (postinst, `dpkg --configure`) |  30 |  60 | assumed: not in Debian, cannot run here |
 * | Jicofo + videobridge JVMs up, /about/health 200    |  20 |  40 | assumed: not in Debian, cannot run here       |
 * | total                                              |  85 | 169 |                                               |
 *
 * The apt fallback keeps the README's earlier estimate (4–8 min, package downloads dominating): never measured.
 */
export const BOOT_SECONDS = {
  baked: { p50: 85, p99: 169 },
  apt: { p50: 360, p99: 480 },
} as const;

/** The measured part alone (certificate install + jitsi-configure.sh with the real nginx and Prosody), ms. */
export const MEASURED_CONFIGURE_MS = { p50: 1280, p99: 2020 } as const;

/** The health budget covers the baked p99 with this much to spare: most of it is assumed, not measured. */
export const HEALTH_BUDGET_MARGIN = 1.5;

/** Seconds between health probes: each is 3 state transitions (README "Cost of a meeting"). */
export const DEFAULT_HEALTH_CHECK_INTERVAL_SECONDS = 15;

/** Probes before a server counts as never healthy: the budget is p99 × margin, in whole probes. */
export const DEFAULT_HEALTH_CHECK_MAX_ATTEMPTS = Math.ceil(
  (BOOT_SECONDS.baked.p99 * HEALTH_BUDGET_MARGIN) / DEFAULT_HEALTH_CHECK_INTERVAL_SECONDS,
);

/** healthCheckMaxAttempts × healthCheckIntervalSeconds by default. */
export const DEFAULT_HEALTH_BUDGET_SECONDS =
  DEFAULT_HEALTH_CHECK_MAX_ATTEMPTS * DEFAULT_HEALTH_CHECK_INTERVAL_SECONDS;

/**
 * Launch this long before the start: the whole health budget, in whole minutes. A server that will be healthy
 * is healthy by the start; one that never will be has failed by then, so nobody waits for a room that will
 * not open.
 */
export const DEFAULT_LAUNCH_LEAD_MINUTES = Math.ceil(DEFAULT_HEALTH_BUDGET_SECONDS / 60);
