import type { StateInfo } from './definition';
import type { HistoryEvent } from './history';
import type { ExecutionRecord } from './records';

/**
 * RedriveExecution, as the API reference describes it: an unsuccessful (FAILED, TIMED_OUT, ABORTED) Standard
 * execution, ended less than 14 days ago, with fewer than 1,000 redrives and 24,999 history events, goes on
 * from the state that did not complete, with that state's input, under the same ARN and definition
 * (https://docs.aws.amazon.com/step-functions/latest/apireference/API_RedriveExecution.html).
 */
const REDRIVE_WINDOW_MS = 14 * 24 * 3600 * 1000;
const MAX_REDRIVES = 1000;
const MAX_EVENTS = 24_999;

/** Why the execution cannot be redriven now, or undefined when it can (DescribeExecution's redriveStatusReason). */
export function redriveBlocker(e: ExecutionRecord, now: number): string | undefined {
  if (e.express) return 'Execution of an EXPRESS state machine cannot be redriven';
  if (e.status === 'RUNNING') return 'Execution is RUNNING and cannot be redriven';
  if (e.status === 'SUCCEEDED') return 'Execution is SUCCEEDED and cannot be redriven';
  if (e.stopDate !== undefined && now - e.stopDate > REDRIVE_WINDOW_MS)
    return 'Execution ended more than 14 days ago and cannot be redriven';
  if ((e.redriveCount ?? 0) >= MAX_REDRIVES) return `Execution was redriven ${MAX_REDRIVES} times`;
  if (e.eventCount >= MAX_EVENTS) return `Execution history has ${MAX_EVENTS} events or more`;
  return undefined;
}

/**
 * Where a redrive goes on: the last top-level state the history shows entered and not exited, with the input
 * it entered with (an inline Map or Parallel there reruns only its failed iterations/branches: redriveBranches.ts);
 * the machine's start with the execution's input when no state was entered.
 */
export function redrivePoint(
  history: HistoryEvent[],
  states: Map<string, StateInfo>,
  startAt: string,
  executionInput: string,
): { state: string; input: unknown } {
  let open: { state: string; input: string } | undefined;
  for (const event of history) {
    const entered = event.stateEnteredEventDetails as { name: string; input?: string } | undefined;
    const exited = event.stateExitedEventDetails as { name: string } | undefined;
    if (entered && states.get(entered.name)?.topLevel)
      open = { state: entered.name, input: entered.input ?? 'null' };
    if (exited && exited.name === open?.state) open = undefined;
  }
  return open
    ? { state: open.state, input: JSON.parse(open.input) as unknown }
    : { state: startAt, input: JSON.parse(executionInput) as unknown };
}
