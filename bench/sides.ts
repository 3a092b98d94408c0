/**
 * The two things every benchmark compares, running the same statemachine/meeting.asl.json:
 *   - plain: aws-local-stepfunctions used directly, `new StateMachine(definition).run(input, { overrides:
 *     { taskResourceLocalHandlers } })`, one run per meeting, its Wait states slept by the package itself;
 *   - engine: this project's local Step Functions (local/sfn), on the file store `npm start` uses or in memory.
 * Only the public surface of the engine is used (start, createStateMachine, startExecution, close), so the
 * benchmarks keep working while its insides change.
 */
import '../local/polyfills';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { StateMachine } from 'aws-local-stepfunctions';
import { LocalStepFunctions } from '../local/sfn/engine';
import { FileStateStore, MemoryStateStore } from '../local/sfn/stateStore';
import { OCCUPANCY_DEFAULTS } from '../functions/shared/occupancyLimits';
import { LOCAL_ACCOUNT, LOCAL_REGION, STATE_MACHINE_NAME, type LocalStackOptions } from '../local/stack';
import {
  loadDefinition,
  localSubstitutions,
  TASK_PLACEHOLDERS,
  type TaskStateName,
} from '../statemachine/definition';

export type SideKind = 'plain' | 'engine-file' | 'engine-memory';
export const SIDES: readonly SideKind[] = ['plain', 'engine-file', 'engine-memory'];
export const SIDE_LABEL: Record<SideKind, string> = {
  plain: 'plain aws-local-stepfunctions',
  'engine-file': 'local engine, file store',
  'engine-memory': 'local engine, memory store',
};

export type TaskFunction = (input: unknown) => Promise<unknown>;
export type TaskFunctions = Record<TaskStateName, TaskFunction>;

/** What the bench's tasks report: the meeting whose Launch (or HealthCheck) was just called. */
export interface TaskHooks {
  launched?: (meetingId: string) => void;
  checked?: (meetingId: string) => void;
}

const meetingIdOf = (input: unknown) => String((input as { meetingId?: unknown }).meetingId);

/**
 * Stand-in tasks: Launch answers an instance at once, HealthCheck answers healthy, so a meeting goes from its
 * launch segment straight to WaitUntilAttendanceCheck (set far ahead by the benchmarks) and stays pending.
 */
export function benchTasks(hooks: TaskHooks = {}): TaskFunctions {
  return {
    Launch: async (input) => {
      hooks.launched?.(meetingIdOf(input));
      return { instanceId: 'i-0123456789abcdef0', launched: true };
    },
    HealthCheck: async (input) => {
      hooks.checked?.(meetingIdOf(input));
      return {
        healthy: true,
        attempts: 1,
        detail: 'healthy',
        dnsIp: '192.0.2.10',
        firstProbeAt: new Date().toISOString(),
        elapsedSeconds: 1,
      };
    },
    AttendanceCheck: async () => ({ decision: 'PRESENT', participants: 2 }),
    Teardown: async () => ({ outcome: 'COMPLETED', reason: 'meeting ended' }),
  };
}

/**
 * How far ahead the benchmarks put a wait that must not end during the run: a week. Under 24.8 days because
 * plain aws-local-stepfunctions sleeps a Wait in one setTimeout, which Node.js fires after 1 ms when given
 * more than 2^31−1 ms (TimeoutOverflowWarning); the local engine sleeps in chunks of at most a day.
 */
export const FAR_AHEAD_MS = 7 * 86_400_000;

/** The lifecycle input the API gives each execution (functions/api/booking.ts lifecycleInput). */
export function meetingInput(meetingId: string, at: { launchAt: number; attendanceCheckAt: number }) {
  return {
    meetingId,
    revision: 0,
    launchAt: new Date(at.launchAt).toISOString(),
    attendanceCheckAt: new Date(at.attendanceCheckAt).toISOString(),
    endAt: new Date(at.attendanceCheckAt + 45 * 60_000).toISOString(),
    health: { intervalSeconds: 15, maxAttempts: 40 },
  };
}

const arns = localSubstitutions(LOCAL_REGION, LOCAL_ACCOUNT);
/** The definition exactly as startLocalStack creates it, so a stack restarted on the same folder reuses it. */
export const definitionText = () => JSON.stringify(loadDefinition(arns), null, 2);
export const ROLE_ARN = `arn:aws:iam::${LOCAL_ACCOUNT}:role/${STATE_MACHINE_NAME}`;

export function functionsByArn(tasks: TaskFunctions): Record<string, TaskFunction> {
  return Object.fromEntries(
    (Object.entries(TASK_PLACEHOLDERS) as [TaskStateName, string][]).map(([state, placeholder]) => [
      arns[placeholder],
      tasks[state],
    ]),
  );
}

export interface Side {
  kind: SideKind;
  /** The file store's folder (engine-file), kept until close({ keepFiles: false }). */
  dir?: string;
  start(name: string, input: object): Promise<void>;
  /** The execution's history events as the engine holds them (engine sides, while it keeps them in its records). */
  history?(name: string): unknown[] | undefined;
  close(opts?: { keepFiles?: boolean }): Promise<void>;
}

export async function openSide(kind: SideKind, tasks: TaskFunctions, dir?: string): Promise<Side> {
  return kind === 'plain' ? openPlain(tasks) : openEngine(kind, tasks, dir);
}

/** One StateMachine, one run per meeting; the package's own Wait states sleep until launchAt. */
export function openPlain(tasks: TaskFunctions): Side {
  const machine = new StateMachine(loadDefinition(arns) as never);
  const aborts: Array<() => void> = [];
  const ignore = () => undefined;
  return {
    kind: 'plain',
    async start(_name, input) {
      const run = machine.run(input as never, {
        overrides: { taskResourceLocalHandlers: tasks as never },
        noThrowOnAbort: true,
      });
      aborts.push(run.abort);
      // Its eventLogs are not read, as a plain user would not: the package queues them until the run ends.
      run.result.catch(ignore);
    },
    async close() {
      for (const abort of aborts) abort();
      aborts.length = 0;
    },
  };
}

async function openEngine(kind: SideKind, tasks: TaskFunctions, existingDir?: string): Promise<Side> {
  const dir = kind === 'engine-file' ? (existingDir ?? mkdtempSync(join(tmpdir(), 'bench-sfn-'))) : undefined;
  const engine = new LocalStepFunctions({
    region: LOCAL_REGION,
    account: LOCAL_ACCOUNT,
    store: dir ? new FileStateStore(dir) : new MemoryStateStore(),
    functions: functionsByArn(tasks),
  });
  await engine.start();
  const { stateMachineArn } = await engine.createStateMachine({
    name: STATE_MACHINE_NAME,
    definition: definitionText(),
    roleArn: ROLE_ARN,
    type: 'STANDARD',
  });
  return {
    kind,
    dir,
    async start(name, input) {
      await engine.startExecution({ stateMachineArn, name, input: JSON.stringify(input) });
    },
    history(name) {
      const arn = stateMachineArn.replace(':stateMachine:', ':execution:') + `:${name}`;
      return (engine.describeExecution(arn) as { events?: unknown[] }).events;
    },
    async close(opts) {
      await engine.close();
      if (dir && !opts?.keepFiles) rmSync(dir, { recursive: true, force: true });
    },
  };
}

/**
 * The local stack as the booking and restart benchmarks start it: production timings (a booking's launch is
 * far ahead, so nothing runs but the booking), no stand-in boot delay, and functions logging at WARN (one line
 * per request and task would measure the terminal, not the stack).
 */
export function benchStackOptions(dataDir: string | null): LocalStackOptions {
  return {
    dataDir,
    timings: {
      leadSeconds: 600,
      attendanceCheckDelaySeconds: 900,
      healthIntervalSeconds: 15,
      healthMaxAttempts: 40,
      minDurationMinutes: 15,
      maxDaysAhead: 364,
      recordRetentionDays: 90,
      occupancyIntervalSeconds: OCCUPANCY_DEFAULTS.intervalSeconds,
      overrunStepSeconds: OCCUPANCY_DEFAULTS.overrunStepSeconds,
      maxOverrunSeconds: OCCUPANCY_DEFAULTS.maxOverrunSeconds,
    },
    bootDelayMs: 0,
    maxLifetimeMs: 60_000,
    logLevel: 'WARN',
  };
}
