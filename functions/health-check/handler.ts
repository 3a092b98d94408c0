import { awsTaskDeps } from '../shared/awsTaskDeps';
import { telemetry } from '../shared/observability';
import { checkHealth } from './checkHealth';

const deps = { ...awsTaskDeps(), telemetry: telemetry('health-check') };

export const handler = (event: unknown) => checkHealth(event, deps);
