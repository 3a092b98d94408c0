import type { TokenBucket } from '../functions/shared/awsLimits';

/**
 * One of AWS's token buckets, on the simulation's clock: it starts full, refills continuously at
 * `refillPerSecond` up to `bucket`, and a call that finds fewer tokens than it needs takes none and is throttled
 * (EC2: "If you exceed an API throttling limit, you get the RequestLimitExceeded error code";
 * https://docs.aws.amazon.com/ec2/latest/devguide/ec2-api-throttling.html). Refilling continuously rather than
 * once a second is the gentler reading of "each second, a set number of tokens is added": a herd arriving at
 * the same instant sees the same bucket either way.
 */
export class Bucket {
  private tokens: number;
  private at: number;
  /** The fewest tokens the bucket ever held after a take: never below 0, or the model is wrong. */
  lowest: number;

  constructor(
    readonly name: string,
    readonly spec: TokenBucket,
    private readonly now: () => number,
  ) {
    if (!(spec.bucket > 0) || !(spec.refillPerSecond > 0))
      throw new Error(`bucket ${name}: size and refill must be positive, got ${JSON.stringify(spec)}`);
    this.tokens = spec.bucket;
    this.at = now();
    this.lowest = spec.bucket;
  }

  /** Tokens there now. */
  available(): number {
    const now = this.now();
    if (now > this.at) {
      this.tokens = Math.min(
        this.spec.bucket,
        this.tokens + ((now - this.at) / 1000) * this.spec.refillPerSecond,
      );
      this.at = now;
    }
    return this.tokens;
  }

  /** Takes `n` tokens when the bucket holds them; false (throttled, nothing taken) when it does not. */
  take(n = 1): boolean {
    if (this.available() < n) return false;
    this.tokens -= n;
    this.lowest = Math.min(this.lowest, this.tokens);
    return true;
  }
}

/**
 * Takes from several buckets at once, or from none: EC2 throttles RunInstances on its request bucket and its
 * resource bucket, and a throttled call launches nothing, so it should not drain the other bucket either.
 */
export function takeAll(takes: Array<[Bucket, number]>): Bucket | undefined {
  const empty = takes.find(([b, n]) => b.available() < n);
  if (empty) return empty[0];
  for (const [b, n] of takes) b.take(n);
  return undefined;
}
