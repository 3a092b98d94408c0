import { awsTaskDeps } from '../shared/awsTaskDeps';
import { teardownMeeting } from './teardownMeeting';

const deps = awsTaskDeps();

export const handler = (event: unknown) => teardownMeeting(event, deps);
