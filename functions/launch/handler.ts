import { awsTaskDeps } from '../shared/awsTaskDeps';
import { telemetry } from '../shared/observability';
import { launchMeeting } from './launchMeeting';

const deps = { ...awsTaskDeps(), telemetry: telemetry('launch') };

export const handler = (event: unknown) => launchMeeting(event, deps);
