import type { Context } from 'aws-lambda';
import { awsTaskDeps } from '../shared/awsTaskDeps';
import { telemetry } from '../shared/observability';
import { teardownMeeting } from './teardownMeeting';

const deps = { ...awsTaskDeps(), telemetry: telemetry('teardown') };

export const handler = (event: unknown, context?: Context) => {
  // Request id and cold start on every line of this invocation.
  if (context) deps.telemetry.logger.addContext(context);
  return teardownMeeting(event, deps);
};
