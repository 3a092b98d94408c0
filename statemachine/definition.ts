import { readFileSync } from 'node:fs';
import { join } from 'node:path';

/** The one ASL file, used by CDK (definitionSubstitutions) and by the local engine (substituted here). */
export const DEFINITION_PATH = join(__dirname, 'meeting.asl.json');

/** The task states, each backed by one Lambda function; keys are the placeholders in the ASL file. */
export const TASK_PLACEHOLDERS = {
  Launch: 'LaunchFunctionArn',
  HealthCheck: 'HealthCheckFunctionArn',
  AttendanceCheck: 'AttendanceCheckFunctionArn',
  Teardown: 'TeardownFunctionArn',
} as const;
export type TaskStateName = keyof typeof TASK_PLACEHOLDERS;

/**
 * Task states that call another state's function in a mode of its own: OccupancyCheck is the attendance-check
 * function with `mode: "OCCUPANCY"` (functions/attendance-check/runRoomCheck.ts says why).
 */
export const SHARED_FUNCTION_STATES = { OccupancyCheck: 'AttendanceCheck' } as const satisfies Record<
  string,
  TaskStateName
>;

/** Reads the ASL file with `${Name}` placeholders replaced, exactly as Step Functions does on deploy. */
export function loadDefinition(substitutions: Record<string, string>): Record<string, unknown> {
  const text = readFileSync(DEFINITION_PATH, 'utf8').replace(/\$\{(\w+)\}/g, (_, name: string) => {
    const value = substitutions[name];
    if (value === undefined) throw new Error(`no substitution for \${${name}} in ${DEFINITION_PATH}`);
    return value;
  });
  return JSON.parse(text) as Record<string, unknown>;
}

/** Placeholder values for running the definition outside AWS (local engine, validators). */
export function localSubstitutions(region = 'us-east-1', account = '000000000000'): Record<string, string> {
  return Object.fromEntries(
    Object.entries(TASK_PLACEHOLDERS).map(([state, placeholder]) => [
      placeholder,
      `arn:aws:lambda:${region}:${account}:function:meeting-scheduler-${state}`,
    ]),
  );
}
