/**
 * How long a meeting server takes from RunInstances to Jitsi answering /health: a log-normal distribution
 * fitted to two percentiles (p50, p99), since boot times are skewed (a slow mirror makes a long tail, nothing
 * makes a boot faster than its floor), floored at `minSeconds`.
 *
 * `apt` is what the README assumes today: "a cold boot of Ubuntu 22.04 that installs jitsi-meet from the network
 * takes about 4–8 minutes". `baked` is a placeholder until functions/shared/bootTime.ts (the measured figure of
 * the baked AMI, issue 20's image work) lands: then DEFAULT_BOOT and BOOT_PROFILES.baked import from it.
 */
export interface BootTime {
  name: string;
  p50Seconds: number;
  p99Seconds: number;
  minSeconds: number;
}

export const BOOT_PROFILES: Record<string, BootTime> = {
  // 4–8 minutes: p50 6 min, p99 8 min puts p1 at about 4.5 min.
  apt: { name: 'apt', p50Seconds: 360, p99Seconds: 480, minSeconds: 240 },
  // Placeholder (not measured): an AMI with Jitsi installed boots in about a minute and a half.
  baked: { name: 'baked (placeholder)', p50Seconds: 90, p99Seconds: 150, minSeconds: 45 },
};

/** The boot the simulation assumes unless told otherwise. Switch to the measured figure here. */
export const DEFAULT_BOOT: BootTime = BOOT_PROFILES.apt;

/** `apt`, `baked` or `p50,p99` in seconds. */
export function parseBoot(text: string): BootTime {
  const named = BOOT_PROFILES[text];
  if (named) return named;
  const m = /^(\d+(?:\.\d+)?),(\d+(?:\.\d+)?)$/.exec(text);
  if (!m)
    throw new Error(
      `--boot must be ${Object.keys(BOOT_PROFILES).join(', ')} or p50,p99 in seconds; got ${text}`,
    );
  const [p50, p99] = [Number(m[1]), Number(m[2])];
  if (!(p50 > 0 && p99 >= p50)) throw new Error(`--boot p50,p99: need 0 < p50 <= p99; got ${text}`);
  return { name: `p50 ${p50} s, p99 ${p99} s`, p50Seconds: p50, p99Seconds: p99, minSeconds: p50 / 2 };
}

/** z of the 99th percentile of the standard normal. */
const Z99 = 2.3263;

/** Draws one boot time in ms; `random` is the simulation's seeded generator. */
export function drawBootMs(boot: BootTime, random: () => number): number {
  const sigma = Math.log(boot.p99Seconds / boot.p50Seconds) / Z99;
  // Box–Muller: one standard normal from two uniforms.
  const u = 1 - random();
  const v = random();
  const z = Math.sqrt(-2 * Math.log(u)) * Math.cos(2 * Math.PI * v);
  return Math.max(boot.minSeconds, boot.p50Seconds * Math.exp(sigma * z)) * 1000;
}
