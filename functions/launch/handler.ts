import type { Context } from 'aws-lambda';
import { awsTaskDeps } from '../shared/awsTaskDeps';
import { telemetry } from '../shared/observability';
import { launchMeeting } from './launchMeeting';

const deps = { ...awsTaskDeps(), telemetry: telemetry('launch') };

export const handler = (event: unknown, context?: Context) => {
  // Request id and cold start on every line of this invocation.
  if (context) deps.telemetry.logger.addContext(context);
  return launchMeeting(event, deps);
};
