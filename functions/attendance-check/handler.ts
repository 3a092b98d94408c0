import { awsTaskDeps } from '../shared/awsTaskDeps';
import { checkAttendance } from './checkAttendance';

const deps = awsTaskDeps();

export const handler = (event: unknown) => checkAttendance(event, deps);
