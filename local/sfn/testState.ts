import { parseDefinition } from './definition';
import { SfnError } from './errors';
import { HistoryRecorder } from './history';
import type { ExecutionRecord, StateMachineRecord } from './records';
import { CompiledMachine, runSegment } from './segmentRunner';
import type { TaskResources } from './taskResources';

export interface TestStateDeps {
  region: string;
  account: string;
  tasks: TaskResources;
  waitScale: number;
  retryDelayMs?: number;
  now: () => number;
  /** CreateStateMachine's validation, for the one-state machine built around the state. */
  validate: (definition: string) => void;
}

/**
 * TestState: one state, run once on its own, with no Retry (AWS's TestState does not retry either). Its
 * transitions end the run, so the answer names the next state; a Catch that matches answers CAUGHT_ERROR.
 * Map and Parallel are not supported here.
 */
export async function testState(
  args: { definition: string; input?: string; roleArn?: string },
  deps: TestStateDeps,
) {
  let state: Record<string, unknown>;
  try {
    state = JSON.parse(args.definition) as Record<string, unknown>;
  } catch {
    throw new SfnError('InvalidDefinition', 'Invalid State Definition: definition is not valid JSON');
  }
  if (typeof state !== 'object' || state === null || Array.isArray(state) || typeof state.Type !== 'string')
    throw new SfnError(
      'InvalidDefinition',
      'Invalid State Definition: a state object with a Type is required',
    );
  if (state.Type === 'Map' || state.Type === 'Parallel')
    throw new SfnError('ValidationException', `TestState does not run ${state.Type} states locally`);
  let input: unknown;
  try {
    input = JSON.parse(args.input ?? '{}');
  } catch {
    throw new SfnError(
      'InvalidExecutionInput',
      'Invalid State Machine Execution Input: input is not valid JSON',
    );
  }
  // Every transition leads to a marker state that ends the run and tells where it was going.
  const NEXT = '__localTestStateNext';
  const States: Record<string, unknown> = {};
  const marker = (target: unknown, caught = false) => {
    const name = `__next_${Object.keys(States).length}`;
    States[name] = { Type: 'Pass', Parameters: { [NEXT]: target, caught, 'output.$': '$' }, End: true };
    return name;
  };
  const tested: Record<string, unknown> = { ...state };
  delete tested.Retry;
  if (typeof tested.Next === 'string') tested.Next = marker(tested.Next);
  if (typeof tested.Default === 'string') tested.Default = marker(tested.Default);
  if (Array.isArray(tested.Choices))
    tested.Choices = tested.Choices.map((c: Record<string, unknown>) => ({ ...c, Next: marker(c.Next) }));
  if (Array.isArray(tested.Catch))
    tested.Catch = tested.Catch.map((c: Record<string, unknown>) => ({ ...c, Next: marker(c.Next, true) }));
  States.TestState = tested;
  const definition = JSON.stringify({ StartAt: 'TestState', States });
  deps.validate(definition);
  const id = crypto.randomUUID();
  const machine: StateMachineRecord = {
    stateMachineArn: `arn:aws:states:${deps.region}:${deps.account}:stateMachine:TestState-${id}`,
    name: `TestState-${id}`,
    definition,
    roleArn: args.roleArn ?? '',
    type: 'EXPRESS',
    creationDate: deps.now(),
  };
  const execution: ExecutionRecord = {
    executionArn: `arn:aws:states:${deps.region}:${deps.account}:execution:TestState-${id}:${id}`,
    stateMachineArn: machine.stateMachineArn,
    name: id,
    input: JSON.stringify(input),
    status: 'RUNNING',
    startDate: deps.now(),
    invocations: {},
    eventCount: 0,
    express: true,
  };
  const compiled = new CompiledMachine(parseDefinition(definition), definition);
  const outcome = await runSegment(
    {
      execution,
      machine,
      compiled,
      history: new HistoryRecorder(execution, () => undefined, deps.now),
      tasks: deps.tasks,
      waitScale: deps.waitScale,
      retryDelayMs: deps.retryDelayMs,
      now: deps.now,
      signal: new AbortController().signal,
    },
    { state: 'TestState', input, notBefore: 0 },
  );
  if (outcome.kind === 'failed')
    return { status: 'FAILED', error: outcome.error || undefined, cause: outcome.cause || undefined };
  if (outcome.kind === 'paused')
    return {
      status: 'SUCCEEDED',
      output: JSON.stringify(outcome.checkpoint.input),
      nextState: outcome.checkpoint.state ?? undefined,
    };
  if (outcome.kind !== 'succeeded') return { status: 'FAILED', error: 'States.Runtime', cause: outcome.kind };
  const out = outcome.output as Record<string, unknown> | null;
  if (out && typeof out === 'object' && NEXT in out) {
    return {
      status: out.caught ? 'CAUGHT_ERROR' : 'SUCCEEDED',
      output: JSON.stringify(out.output),
      nextState: out[NEXT] as string,
    };
  }
  return { status: 'SUCCEEDED', output: JSON.stringify(outcome.output ?? null) };
}
