import type { Context } from 'aws-lambda';
import { awsTaskDeps } from '../shared/awsTaskDeps';
import { telemetry } from '../shared/observability';
import { runRoomCheck } from './runRoomCheck';

const deps = { ...awsTaskDeps(), telemetry: telemetry('attendance-check') };

export const handler = (event: unknown, context?: Context) => {
  // Request id and cold start on every line of this invocation (both modes: attendance and occupancy).
  if (context) deps.telemetry.logger.addContext(context);
  return runRoomCheck(event, deps);
};
