import { awsTaskDeps } from '../shared/awsTaskDeps';
import { runRoomCheck } from './runRoomCheck';

const deps = awsTaskDeps();

export const handler = (event: unknown) => runRoomCheck(event, deps);
