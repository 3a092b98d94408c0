/**
 * A seeded generator (mulberry32), so a run can be repeated: the simulation installs it as Math.random while it
 * runs, which makes the SDK's retry jitter and the ASL engine's JitterStrategy FULL draws repeatable too.
 */
export function seededRandom(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}
