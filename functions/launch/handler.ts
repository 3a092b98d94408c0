import { awsTaskDeps } from '../shared/awsTaskDeps';
import { launchMeeting } from './launchMeeting';

const deps = awsTaskDeps();

export const handler = (event: unknown) => launchMeeting(event, deps);
