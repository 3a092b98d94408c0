import { SFNClient } from '@aws-sdk/client-sfn';
import type { Context } from 'aws-lambda';
import { awsTaskDeps } from '../shared/awsTaskDeps';
import { z } from 'zod';
import { nonEmpty, positiveInt, readConfig } from '../shared/config';
import { telemetry } from '../shared/observability';
import { MAX_OVERRUN_SECONDS, OCCUPANCY_DEFAULTS } from '../shared/occupancyLimits';
import { sfnExecutions } from './sfnExecutions';
import { sweep } from './sweep';

const deps = { ...awsTaskDeps(), telemetry: telemetry('sweeper') };
const config = readConfig({
  MAX_INSTANCE_HOURS: positiveInt,
  /** The lifecycle state machine: its executions are reconciled with the meetings (issue 22). */
  STATE_MACHINE_ARN: nonEmpty,
  GRACE_MINUTES: positiveInt.default(15),
  MAX_OVERRUN_SECONDS: z.coerce
    .number()
    .int()
    .min(0)
    .max(MAX_OVERRUN_SECONDS)
    .default(OCCUPANCY_DEFAULTS.maxOverrunSeconds),
});
const sfn = new SFNClient({});
// No restart here: the sweeper does not know the lifecycle's timings the API builds an execution's input from,
// so an open meeting whose execution is missing is closed with the reason instead (reconcile.ts).
const executions = sfnExecutions(sfn, config.STATE_MACHINE_ARN);

/** Runs every 10 minutes (EventBridge schedule). */
export const handler = (_event?: unknown, context?: Context) => {
  // Request id and cold start on every line of this invocation.
  if (context) deps.telemetry.logger.addContext(context);
  return sweep(deps, {
    now: new Date(),
    maxLifetimeMs: config.MAX_INSTANCE_HOURS * 3600_000,
    graceMs: config.GRACE_MINUTES * 60_000,
    maxOverrunMs: config.MAX_OVERRUN_SECONDS * 1000,
    executionStatus: executions.status,
    executions,
  });
};
