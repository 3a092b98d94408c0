import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { EC2Client } from '@aws-sdk/client-ec2';
import { Route53Client } from '@aws-sdk/client-route-53';
import { SSMClient } from '@aws-sdk/client-ssm';
import { z } from 'zod';
import { nonEmpty, positiveInt, readConfig } from './config';
import { Ec2Fleet, ROUTE53_ATTEMPTS, ROUTE53_BASE_DELAY_MS, ROUTE53_MAX_CHANGES_PER_CALL } from './ec2Fleet';
import { probeFor } from './probeTrust';
import { MeetingStore } from './store';
import type { TaskDeps } from './taskDeps';

export const TaskEnv = {
  TABLE_NAME: nonEmpty,
  APP_TAG: nonEmpty,
  LAUNCH_TEMPLATE_ID: nonEmpty,
  INSTANCE_TYPES: nonEmpty.transform((s) => s.split(',').map((t) => t.trim())).pipe(z.array(nonEmpty).min(1)),
  SUBNET_IDS: nonEmpty.transform((s) => s.split(',').map((t) => t.trim())).pipe(z.array(nonEmpty).min(1)),
  HOSTED_ZONE_ID: nonEmpty,
  SSM_POLLS: positiveInt.default(20),
  /** Meeting records are `<id>.<JITSI_DOMAIN>`: the sweeper deletes leftover ones only under it. */
  JITSI_DOMAIN: z.string().optional(),
  /** Route 53 calls per DNS change, the first included, and their full-jitter base pause (ec2Fleet.ts). */
  ROUTE53_ATTEMPTS: positiveInt.default(ROUTE53_ATTEMPTS),
  ROUTE53_BASE_DELAY_MS: positiveInt.default(ROUTE53_BASE_DELAY_MS),
  /** Changes per ChangeResourceRecordSets of the sweeper's batch delete (1–1,000: Route 53's maximum). */
  DNS_BATCH_SIZE: positiveInt.max(ROUTE53_MAX_CHANGES_PER_CALL).default(ROUTE53_MAX_CHANGES_PER_CALL),
  /** Where the meeting servers' certificate comes from: staging adds its roots to the health probe's. */
  ACME_DIRECTORY: z.enum(['production', 'staging']).default('production'),
};

/** Builds the AWS-backed dependencies once per Lambda container. */
export function awsTaskDeps(env: Record<string, string | undefined> = process.env): TaskDeps {
  const config = readConfig(TaskEnv, env);
  const store = new MeetingStore(new DynamoDBClient({}), config.TABLE_NAME);
  const fleet = new Ec2Fleet(
    {
      appTag: config.APP_TAG,
      launchTemplateId: config.LAUNCH_TEMPLATE_ID,
      instanceTypes: config.INSTANCE_TYPES,
      subnetIds: config.SUBNET_IDS,
      hostedZoneId: config.HOSTED_ZONE_ID,
      ssmPolls: config.SSM_POLLS,
      pollIntervalMs: 1000,
      httpTimeoutMs: 5000,
      jitsiDomain: config.JITSI_DOMAIN,
      route53Attempts: config.ROUTE53_ATTEMPTS,
      route53BaseDelayMs: config.ROUTE53_BASE_DELAY_MS,
      dnsBatchSize: config.DNS_BATCH_SIZE,
    },
    {
      ec2: new EC2Client({}),
      route53: new Route53Client({}),
      ssm: new SSMClient({}),
      httpsStatus: probeFor(config.ACME_DIRECTORY),
      sleep: (ms) => new Promise((resolve) => setTimeout(resolve, ms)),
    },
  );
  return { store, fleet };
}
