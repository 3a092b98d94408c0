import { PUBLISHED_LIMITS, type AwsLimits } from '../functions/shared/awsLimits';

/**
 * The limits an account would ask AWS to raise so that 10,000 lessons at one minute can be served (issue 20's
 * target), each a Service Quotas request or a support case: RunInstances paced at 20 launches a second takes
 * 10,000 launches in about 8 minutes; 2 vCPUs each plus headroom; Lambda concurrency for 10,000 executions'
 * health checks; Route 53 at the account bucket the current throttling page describes (50, refill 10/s).
 * These are the figures the README names; none of them is granted by default.
 */
export const RAISED_LIMITS: AwsLimits = {
  ...PUBLISHED_LIMITS,
  runInstances: { bucket: 100, refillPerSecond: 20 },
  runInstancesResources: { bucket: 10_000, refillPerSecond: 20 },
  describeInstances: { bucket: 1_000, refillPerSecond: 200 },
  terminateInstances: { bucket: 500, refillPerSecond: 50 },
  terminateInstancesResources: { bucket: 10_000, refillPerSecond: 100 },
  ec2NonMutating: { bucket: 1_000, refillPerSecond: 200 },
  route53: { bucket: 50, refillPerSecond: 10 },
  ssm: { bucket: 200, refillPerSecond: 200 },
  vcpuQuota: 24_000,
  lambdaConcurrency: 5_000,
};

export const LIMIT_SETS: Record<string, AwsLimits> = { published: PUBLISHED_LIMITS, raised: RAISED_LIMITS };
