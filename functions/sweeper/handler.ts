import { DescribeExecutionCommand, SFNClient } from '@aws-sdk/client-sfn';
import type { Context } from 'aws-lambda';
import { awsTaskDeps } from '../shared/awsTaskDeps';
import { z } from 'zod';
import { positiveInt, readConfig } from '../shared/config';
import { telemetry } from '../shared/observability';
import { MAX_OVERRUN_SECONDS, OCCUPANCY_DEFAULTS } from '../shared/occupancyLimits';
import { sweep } from './sweep';

const deps = { ...awsTaskDeps(), telemetry: telemetry('sweeper') };
const config = readConfig({
  MAX_INSTANCE_HOURS: positiveInt,
  GRACE_MINUTES: positiveInt.default(15),
  MAX_OVERRUN_SECONDS: z.coerce
    .number()
    .int()
    .min(0)
    .max(MAX_OVERRUN_SECONDS)
    .default(OCCUPANCY_DEFAULTS.maxOverrunSeconds),
});
const sfn = new SFNClient({});

/** Runs every 10 minutes (EventBridge schedule). */
export const handler = (_event?: unknown, context?: Context) => {
  // Request id and cold start on every line of this invocation.
  if (context) deps.telemetry.logger.addContext(context);
  return sweep(deps, {
    now: new Date(),
    maxLifetimeMs: config.MAX_INSTANCE_HOURS * 3600_000,
    graceMs: config.GRACE_MINUTES * 60_000,
    maxOverrunMs: config.MAX_OVERRUN_SECONDS * 1000,
    executionStatus: async (executionArn) => {
      try {
        return (await sfn.send(new DescribeExecutionCommand({ executionArn }))).status;
      } catch (err) {
        if ((err as Error).name === 'ExecutionDoesNotExist') return 'MISSING';
        throw err;
      }
    },
  });
};
