import { BOOT_SECONDS } from '../functions/shared/bootTime';

/**
 * How long a meeting server takes from RunInstances to Jitsi answering /health: a log-normal distribution
 * fitted to two percentiles (p50, p99), since boot times are skewed (a slow mirror makes a long tail, nothing
 * makes a boot faster than its floor), floored at `minSeconds`.
 *
 * Both come from functions/shared/bootTime.ts, the one module the lifecycle's defaults are derived from: `apt` is
 * the fallback path's estimate (4–8 minutes, package downloads dominating, never measured), `baked` the baked
 * image's budget (85 s p50, 169 s p99: its configure step measured here, EC2's boot and Jitsi's JVMs assumed).
 * When a real account measures the boot, the figure goes in bootTime.ts and the simulation follows.
 */
export interface BootTime {
  name: string;
  p50Seconds: number;
  p99Seconds: number;
  minSeconds: number;
}

export const BOOT_PROFILES: Record<string, BootTime> = {
  // 4–8 minutes: p50 6 min, p99 8 min puts p1 at about 4.5 min.
  apt: { name: 'apt', p50Seconds: BOOT_SECONDS.apt.p50, p99Seconds: BOOT_SECONDS.apt.p99, minSeconds: 240 },
  // Nothing boots faster than EC2 takes to run the user data (30 s p50 in bootTime.ts's table).
  baked: {
    name: 'baked',
    p50Seconds: BOOT_SECONDS.baked.p50,
    p99Seconds: BOOT_SECONDS.baked.p99,
    minSeconds: 30,
  },
};

/** The boot the simulation assumes unless told otherwise. Switch to the measured figure here. */
export const DEFAULT_BOOT: BootTime = BOOT_PROFILES.baked;

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
