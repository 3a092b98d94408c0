/**
 * The AWS account limits the top-of-hour design depends on (issue 20), in one place: read by the booking's
 * admission (functions/api), the top-of-hour simulation's fake AWS (sim/), the local console's load chart and
 * the CDK config (infra/config.ts), so all of them agree on one set of figures. Every figure is a default an
 * account can raise: each is a configuration value (see `AwsLimits` and infra/config.ts).
 *
 * EC2 throttles per account and Region with token buckets: a request bucket per API and, for RunInstances and
 * TerminateInstances, a separate resource bucket drained by the number of instances
 * ("Request throttling for the Amazon EC2 API", https://docs.aws.amazon.com/ec2/latest/devguide/ec2-api-throttling.html).
 */
export interface TokenBucket {
  /** Tokens the bucket holds when full (the burst). */
  bucket: number;
  /** Tokens added per second, up to `bucket`. */
  refillPerSecond: number;
}

export interface AwsLimits {
  /**
   * EC2 RunInstances request bucket (published: 5, refill 2/s, the "Request token bucket sizes and refill rates"
   * table of https://docs.aws.amazon.com/ec2/latest/devguide/ec2-api-throttling.html; the table's rows were not
   * in the excerpts the documentation search returned, so this figure is as issue 20 quotes it).
   */
  runInstances: TokenBucket;
  /**
   * EC2 RunInstances resource bucket, one token per instance (published: 1,000, refill 2/s): "the resource token
   * bucket size for RunInstances is 1000 tokens, and the refill rate is two tokens per second"
   * (https://docs.aws.amazon.com/AWSEC2/latest/APIReference/throttling.html, as quoted on AWS re:Post).
   */
  runInstancesResources: TokenBucket;
  /**
   * EC2 DescribeInstances request bucket (published: 100, refill 20/s): "the bucket size for non-mutating
   * (Describe*) API actions is 100 tokens, and the refill rate is 20 tokens per second"
   * (https://docs.aws.amazon.com/AWSEC2/latest/APIReference/throttling.html).
   */
  describeInstances: TokenBucket;
  /** EC2 TerminateInstances request bucket (published: 100, refill 5/s; same table as runInstances, as issue 20 quotes it). */
  terminateInstances: TokenBucket;
  /**
   * EC2 TerminateInstances resource bucket, one token per instance (published: 1,000, refill 20/s; the "Resource
   * token bucket sizes and refill rates" table of the same page, as issue 20 quotes it).
   */
  terminateInstancesResources: TokenBucket;
  /** Other non-mutating EC2 calls (GetConsoleOutput), the "non-mutating actions" bucket (100, refill 20/s). */
  ec2NonMutating: TokenBucket;
  /**
   * Route 53 ChangeResourceRecordSets / ListResourceRecordSets, one bucket for the account: "the hard limit of five
   * requests per second, per account" (https://repost.aws/knowledge-center/route-53-avoid-throttling-errors). The
   * current throttling page describes more: "All Amazon Route 53 API operations combined (account level) | 50 |
   * 10", i.e. a bucket of 50 refilled at 10/s, plus a change-throughput bucket
   * (https://docs.aws.amazon.com/Route53/latest/DeveloperGuide/throttling-api-requests.html). Design for the lower.
   */
  route53: TokenBucket;
  /**
   * SSM SendCommand / GetCommandInvocation, each API its own bucket of this size. NOT verified: the documentation
   * search found no published rate for either (Systems Manager's "endpoints and quotas" page lists none in the
   * excerpts it returned); 40/s is an assumption to replace with the account's observed figure.
   */
  ssm: TokenBucket;
  /**
   * Running On-Demand Standard instances vCPU quota (Service Quotas L-1216C47A); set per account, no published
   * default (the documentation search found none; new accounts often have tens of vCPUs). RunInstances answers
   * VcpuLimitExceeded past it.
   */
  vcpuQuota: number;
  /**
   * Lambda concurrent executions per Region: "Concurrent executions | 1,000 | Tens of thousands" (default, can be
   * increased up to), and "New AWS accounts have reduced concurrency and memory quotas"
   * (https://docs.aws.amazon.com/lambda/latest/dg/gettingstarted-limits.html).
   */
  lambdaConcurrency: number;
}

/** AWS's published defaults (see the comments on `AwsLimits`); vcpuQuota has no published default. */
export const PUBLISHED_LIMITS: AwsLimits = {
  runInstances: { bucket: 5, refillPerSecond: 2 },
  runInstancesResources: { bucket: 1000, refillPerSecond: 2 },
  describeInstances: { bucket: 100, refillPerSecond: 20 },
  terminateInstances: { bucket: 100, refillPerSecond: 5 },
  terminateInstancesResources: { bucket: 1000, refillPerSecond: 20 },
  ec2NonMutating: { bucket: 100, refillPerSecond: 20 },
  route53: { bucket: 5, refillPerSecond: 5 },
  ssm: { bucket: 40, refillPerSecond: 40 },
  vcpuQuota: 5000,
  lambdaConcurrency: 1000,
};

/** vCPUs of the instance types this app launches (EC2 instance type specifications). */
export const VCPUS_PER_INSTANCE_TYPE: Record<string, number> = {
  'c6i.large': 2,
  'c5.large': 2,
  'm6i.large': 2,
  'c6i.xlarge': 4,
  'c5.xlarge': 4,
  'm6i.xlarge': 4,
};

/** vCPUs of one instance type; a size this table does not know is read from its name (large = 2, xlarge = 4…). */
export function vcpusOf(instanceType: string): number {
  const known = VCPUS_PER_INSTANCE_TYPE[instanceType];
  if (known) return known;
  const size = instanceType.split('.')[1] ?? '';
  if (size === 'medium' || size === 'small' || size === 'micro' || size === 'nano') return 2;
  if (size === 'large') return 2;
  const m = /^(\d*)xlarge$/.exec(size);
  if (m) return 4 * (m[1] ? Number(m[1]) : 1);
  return 2;
}

/**
 * Share of RunInstances' refill rate that meeting launches are planned to use; the rest is headroom for a
 * launch's retries and fallbacks and for anything else in the account that calls RunInstances.
 */
export const DEFAULT_LAUNCH_RATE_SHARE = 0.8;

/**
 * Launches one minute can take, planned: the lower of the request and resource refill rates (one instance per
 * call), times the planned share. With the published 2/s and 0.8 that is 96 a minute.
 */
export function launchesPerMinute(
  limits: Pick<AwsLimits, 'runInstances' | 'runInstancesResources'> & Partial<Pick<AwsLimits, 'route53'>>,
  share = DEFAULT_LAUNCH_RATE_SHARE,
): number {
  // Every launch also makes one Route 53 UPSERT a boot later (the health check points the meeting's name at its
  // address), so Route 53's account rate paces launches too: the simulation found that with RunInstances raised
  // to 20/s and Route 53 at 10/s, 1,902 of 10,000 meetings failed "DNS record not written yet: Throttling".
  const perSecond = Math.min(
    limits.runInstances.refillPerSecond,
    limits.runInstancesResources.refillPerSecond,
    limits.route53?.refillPerSecond ?? Infinity,
  );
  return Math.max(1, Math.floor(perSecond * 60 * share));
}

/**
 * Route 53 ChangeResourceRecordSets: "A request cannot contain more than 1,000 ResourceRecord elements" (a DELETE
 * of a one-value A record is one element; UPSERT counts twice), and at most 32,000 characters of values
 * ("Quotas", https://docs.aws.amazon.com/Route53/latest/DeveloperGuide/DNSLimitations.html). The sweeper deletes
 * leftover meeting records in batches of at most this many changes.
 */
export const ROUTE53_MAX_CHANGES_PER_REQUEST = 1000;

/**
 * Seconds until the last of `calls` requests made at once is served by a token bucket that starts full: the
 * burst goes at once, the rest at the refill rate. 1,000 TerminateInstances at the published 100 / 5 per second:
 * 180 s; 1,000 Route 53 DELETEs at 5 / 5 per second: 199 s.
 */
export function drainSeconds(limit: TokenBucket, calls: number): number {
  return Math.max(0, (calls - limit.bucket) / limit.refillPerSecond);
}
