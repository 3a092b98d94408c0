import { awsTaskDeps } from '../shared/awsTaskDeps';
import { checkHealth } from './checkHealth';

const deps = awsTaskDeps();

export const handler = (event: unknown) => checkHealth(event, deps);
