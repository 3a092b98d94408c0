import { StateMachine } from 'aws-local-stepfunctions';
import { loadDefinition, localSubstitutions } from '../../statemachine/definition';

type Handler = (input: unknown) => Promise<unknown>;

export interface RunOutcome {
  succeeded: boolean;
  output?: Record<string, unknown>;
  error?: { name: string; message: string };
  /** Names of states entered, in order. */
  entered: string[];
  /** Count of invocations per task state (retries included). */
  failures: string[];
  /** The events this run's history would hold on Step Functions (see historyEventsOf). */
  historyEvents: number;
}

/**
 * How many events a Standard execution's history (GetExecutionHistory) holds for these engine events: the
 * execution's start and end, every state's `…StateEntered` and `…StateExited` (a Fail state has no exit), and
 * for every attempt of a Lambda task `LambdaFunctionScheduled`, `LambdaFunctionStarted` and
 * `LambdaFunctionSucceeded` / `…Failed` (https://docs.aws.amazon.com/step-functions/latest/apireference/API_HistoryEvent.html;
 * local/sfn/history.ts records the same events).
 */
export function historyEventsOf(events: Array<{ type: string; state?: { type?: string } }>): number {
  let count = 0;
  for (const e of events) {
    if (e.type === 'ExecutionStarted' || e.type === 'ExecutionSucceeded' || e.type === 'ExecutionFailed')
      count++;
    if (e.type === 'StateEntered') count += e.state?.type === 'Task' ? 1 + 3 : 1;
    if (e.type === 'StateRetried') count += 3;
    if (e.type === 'StateExited' && e.state?.type !== 'Fail') count++;
  }
  return count;
}

/** Runs the real ASL file in aws-local-stepfunctions with the given task handlers. */
export async function runLifecycle(
  input: unknown,
  handlers: Record<string, Handler>,
  opts: { retryMs?: number; healthWaitMs?: number; waitMs?: Record<string, number> } = {},
): Promise<RunOutcome> {
  const machine = new StateMachine(loadDefinition(localSubstitutions()) as never);
  const retry = opts.retryMs ?? 1;
  const execution = machine.run(input as never, {
    overrides: {
      taskResourceLocalHandlers: handlers as never,
      // Only the pauses between retries and health probes are shortened; TimestampPath waits run as written.
      retryIntervalOverrides: {
        Launch: retry,
        HealthCheck: retry,
        AttendanceCheck: retry,
        OccupancyCheck: retry,
        Teardown: retry,
      },
      // Other Wait states can be shortened by name (the checks then run on a clock of the test's own).
      // The occupancy checks' own waits are shortened too (taskHandlers' clock then jumps to each check's
      // instant); WaitUntilEnd runs as written unless a test shortens it.
      waitTimeOverrides: {
        WaitBeforeNextHealthCheck: opts.healthWaitMs ?? 5,
        WaitBeforeFirstHealthCheck: 1,
        WaitBeforeOccupancyCheck: 1,
        WaitOverrunStep: 1,
        WaitUntilLatestEnd: 1,
        ...opts.waitMs,
      },
    },
  });
  const entered: string[] = [];
  const failures: string[] = [];
  const events: Array<{ type: string; state?: { type?: string } }> = [];
  const collecting = (async () => {
    for await (const event of execution.eventLogs) {
      events.push(event as (typeof events)[number]);
      if (event.type === 'StateEntered') entered.push(event.state.name);
      if (event.type === 'StateFailed') failures.push(event.state.name);
    }
  })();
  try {
    const output = (await execution.result) as Record<string, unknown>;
    await collecting;
    return { succeeded: true, output, entered, failures, historyEvents: historyEventsOf(events) };
  } catch (err) {
    await collecting;
    // The engine wraps the state's error in an ExecutionError; the Fail state's error is its cause.
    const cause = ((err as Error).cause ?? err) as Error;
    return {
      succeeded: false,
      error: { name: cause.name, message: cause.message },
      entered,
      failures,
      historyEvents: historyEventsOf(events),
    };
  }
}
