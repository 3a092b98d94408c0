import type { TaskDeps } from '../shared/taskDeps';
import { checkAttendance, type AttendanceOutput } from './checkAttendance';
import { checkOccupancy, type OccupancyOutput } from './checkOccupancy';

/**
 * The attendance-check function serves two Task states: AttendanceCheck (no `mode`) and OccupancyCheck
 * (`mode: "OCCUPANCY"`). Both count the same room with the same permissions (SSM Run Command on this app's
 * servers), so a second function would only duplicate its role and keep another container cold; the
 * OccupancyCheck state is still its own state, with its own retries and mocks.
 */
export function runRoomCheck(
  input: unknown,
  deps: TaskDeps,
  now?: () => Date,
): Promise<AttendanceOutput | OccupancyOutput> {
  const mode = (input as { mode?: unknown } | null)?.mode;
  return mode === 'OCCUPANCY' ? checkOccupancy(input, deps, now) : checkAttendance(input, deps);
}
