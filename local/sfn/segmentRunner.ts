import '../polyfills';
import type { StateMachine } from 'aws-local-stepfunctions';
import { asl } from './aslInternals';
import {
  pauseOf,
  segmentDefinition,
  statesOf,
  waitUntil,
  WAIT_RESOURCE,
  type Definition,
  type StateInfo,
} from './definition';
import { HistoryRecorder } from './history';
import { firstTasksFirst, type FirstTaskTicket } from './firstTasksFirst';
import { EventTranslator, type EngineEvent } from './historyTranslator';
import { mockedResult, type MockConfig } from './mockConfig';
import type { Checkpoint, ExecutionRecord, StateMachineRecord } from './records';
import { SfnError } from './errors';
// Installs Variables and JSONata on the engine's private copy before any engine is built here.
import './language';
import { ASSIGNED, SCOPE, WAIT_ENV } from './languageContext';
import './mapEventOrder';
import { enterWait } from './languageWait';
import { TaskFailure, type TaskResources } from './taskResources';
import { AssignedLog, Scope } from './variables';
import type { MapRuns } from './mapRuns';
import { StateClock, withContextState } from './contextState';
import {
  isCallbackResource,
  TASK_TOKEN_PLACEHOLDER,
  taskToken,
  withoutCallbackTimeouts,
  withToken,
  type TaskTokens,
} from './callbacks';

/** A machine's definition, parsed once, with one ASL engine per segment start (built on first use). */
export class CompiledMachine {
  readonly states: Map<string, StateInfo>;
  private readonly segments = new Map<string, StateMachine>();

  constructor(
    readonly definition: Definition,
    /** The definition text this was compiled from (UpdateStateMachine replaces it). */
    readonly source: string,
  ) {
    this.states = statesOf(definition);
  }

  segment(startAt: string): StateMachine {
    let engine = this.segments.get(startAt);
    if (!engine) {
      // Validated as a whole at CreateStateMachine; a segment leaves states unreachable, so no validation here.
      const definition = withoutCallbackTimeouts(
        withContextState(segmentDefinition(this.definition, startAt)),
      );
      // The engine's private copy with Variables and JSONata (aslInternals.ts, language.ts).
      engine = new asl.StateMachine(definition as never, {
        validationOptions: { noValidate: true },
      });
      this.segments.set(startAt, engine);
    }
    return engine;
  }
}

export type SegmentOutcome =
  | { kind: 'paused'; checkpoint: Checkpoint }
  | { kind: 'succeeded'; output: unknown }
  | { kind: 'failed'; error: string; cause: string }
  | { kind: 'timedOut' }
  | { kind: 'aborted' };

/** AWS fails an execution whose history reaches 25,000 events (a Step Functions quota); so does this engine. */
export const MAX_HISTORY_EVENTS = 25_000;

export interface SegmentDeps {
  execution: ExecutionRecord;
  machine: StateMachineRecord;
  compiled: CompiledMachine;
  history: HistoryRecorder;
  tasks: TaskResources;
  mockConfig?: MockConfig;
  /** SFN_WAIT_SCALE: every wait lasts this fraction of its length. */
  waitScale: number;
  /** Fixed pause before every retry, in ms, instead of the ASL's backoff (tests only). */
  retryDelayMs?: number;
  now: () => number;
  signal: AbortSignal;
  /** The machine's TimeoutSeconds, as a time: past it the execution times out (States.Timeout). */
  deadline?: number;
  /** Where `.waitForTaskToken` and activity tasks wait for their answer (callbacks.ts). */
  callbacks?: TaskTokens;
  /** Distributed Map runs (mapRuns.ts). */
  mapRuns?: MapRuns;
  /** Holds what follows the segment's first task until a herd's first tasks are all called (firstTasksFirst.ts). */
  firstTask?: FirstTaskTicket;
}

/**
 * Runs one segment of an execution: from its checkpoint to the next top-level Wait (paused), or to the end.
 * Never throws: whatever goes wrong inside the ASL engine ends the segment as a failure with an AWS error name
 * (States.Runtime for faults of the engine itself), so no definition or input can take the process down.
 */
export async function runSegment(deps: SegmentDeps, start: Checkpoint): Promise<SegmentOutcome> {
  const { execution: e, machine, compiled, history, signal } = deps;
  try {
    if (start.waitState) history.stateExited(start.waitState, 'Wait', start.input, start.waitAssigned);
    if (start.state === null) return { kind: 'succeeded', output: start.input };
    // The execution's variables, as the last segment left them (language.ts reads them from the context).
    const scope = Scope.root(start.variables);
    const assigned = new AssignedLog();
    const context = {
      ...contextObject(e, machine),
      [SCOPE]: scope,
      [WAIT_ENV]: { now: deps.now, waitScale: deps.waitScale },
      [ASSIGNED]: assigned,
    };
    const first = compiled.states.get(start.state);
    // A segment that starts at a top-level Wait pauses at once: no need to run the ASL engine for it.
    if (first?.topLevel && first.state.Type === 'Wait')
      return await pauseAt(deps, start.state, start.input, context);
    const recorder = new EventTranslator(compiled, history, assigned);
    const clock = new StateClock();
    const handlers = taskHandlers(deps, recorder, clock);
    const retryOverrides =
      deps.retryDelayMs === undefined
        ? undefined
        : Object.fromEntries(
            [...compiled.states].filter(([, s]) => 'Retry' in s.state).map(([n]) => [n, deps.retryDelayMs!]),
          );
    const run = compiled.segment(start.state).run(start.input as never, {
      overrides: { taskResourceLocalHandlers: handlers as never, retryIntervalOverrides: retryOverrides },
      noThrowOnAbort: true,
      context: context as never,
    });
    const abort = () => run.abort();
    signal.addEventListener('abort', abort, { once: true });
    let stopped: SegmentOutcome | undefined;
    const stop = (outcome: SegmentOutcome) => {
      stopped ??= outcome;
      run.abort();
    };
    const timeout =
      deps.deadline === undefined
        ? undefined
        : setTimeout(() => stop({ kind: 'timedOut' }), Math.max(0, deps.deadline - deps.now()));
    const mapRunContext = {
      executionArn: e.executionArn,
      stateMachineArn: machine.stateMachineArn,
      machineName: machine.name,
      states: compiled.states,
      history,
    };
    const logging = (async () => {
      for await (const event of run.eventLogs as AsyncIterable<EngineEvent>) {
        clock.observe(event, deps.now());
        deps.mapRuns?.before(event, mapRunContext);
        recorder.record(event);
        deps.mapRuns?.after(event, mapRunContext);
        if (e.eventCount >= MAX_HISTORY_EVENTS)
          stop({
            kind: 'failed',
            error: 'States.Runtime',
            cause: `The execution reached the maximum number of history events (${MAX_HISTORY_EVENTS}).`,
          });
      }
      recorder.flushFailure();
    })().catch((err: unknown) => console.error('local Step Functions: history recording failed', err));
    try {
      const output = await run.result;
      await logging;
      if (signal.aborted) return { kind: 'aborted' };
      if (stopped) return stopped;
      const pause = pauseOf(output);
      if (!pause) return { kind: 'succeeded', output };
      return await pauseAt(deps, pause.waitState, pause.input, context);
    } catch (err) {
      await logging;
      if (signal.aborted) return { kind: 'aborted' };
      return stopped ?? failure(err);
    } finally {
      clearTimeout(timeout);
      signal.removeEventListener('abort', abort);
    }
  } catch (err) {
    return failure(err);
  }
}

/**
 * Enters a top-level Wait: logs it and answers the checkpoint after it, with the execution's variables.
 * Throws States.Runtime on a bad path.
 */
async function pauseAt(
  deps: SegmentDeps,
  waitState: string,
  input: unknown,
  context: { [SCOPE]: Scope },
): Promise<SegmentOutcome> {
  const wait = deps.compiled.states.get(waitState)!.state;
  deps.history.stateEntered(waitState, 'Wait', input);
  const enteredAt = deps.execution.eventCount;
  const scope = context[SCOPE];
  let notBefore: number;
  let output: unknown;
  let assigned: Record<string, unknown>;
  try {
    ({ output, notBefore, assigned } = await enterWait(
      wait,
      input,
      scope,
      context,
      deps.now(),
      deps.waitScale,
    ));
  } catch (err) {
    // AWS names the state and its entered event in a Wait's runtime error (LocalStack's test_wait.snapshot.json,
    // recorded against AWS: "An error occurred while executing the state 'State_1' (entered at the event id #2). …").
    if (err instanceof SfnError && err.type === 'States.Runtime')
      throw new SfnError(
        err.type,
        `An error occurred while executing the state '${waitState}' (entered at the event id #${enteredAt}). ${err.message}`,
      );
    throw err;
  }
  const variables = scope.saved();
  const log = new AssignedLog();
  log.note(waitState, assigned);
  const waitAssigned = log.take(waitState);
  return {
    kind: 'paused',
    checkpoint: {
      // A Wait with End: true has no next state; the execution succeeds when the wait is over.
      state: wait.End ? null : (wait.Next ?? null),
      input: output,
      notBefore,
      waitState,
      ...(Object.keys(variables).length ? { variables } : {}),
      ...(waitAssigned ? { waitAssigned } : {}),
    },
  };
}

/** The ASL engine wraps the state's error in an ExecutionError; its cause is the error the execution fails with. */
export function failure(err: unknown): { kind: 'failed'; error: string; cause: string } {
  const inner = ((err as Error)?.cause ?? err) as Error & { taskFailure?: boolean };
  const name = inner?.name ?? 'Error';
  const message = inner?.message ?? String(inner);
  // Errors of the JavaScript runtime (TypeError, RangeError…) are faults of the engine, not the machine's.
  const jsFault =
    !inner?.taskFailure &&
    ['Error', 'TypeError', 'RangeError', 'ReferenceError', 'SyntaxError', 'EvalError', 'URIError'].includes(
      name,
    );
  return jsFault
    ? { kind: 'failed', error: 'States.Runtime', cause: message }
    : { kind: 'failed', error: name, cause: message };
}

/** $$ as AWS builds it: Execution (Id, Name, Input, StartTime, RoleArn) and StateMachine (Id, Name). */
function contextObject(e: ExecutionRecord, machine: StateMachineRecord) {
  return {
    Execution: {
      Id: e.executionArn,
      Name: e.name,
      Input: JSON.parse(e.input) as unknown,
      StartTime: new Date(e.startDate).toISOString(),
      RoleArn: machine.roleArn,
      RedriveCount: e.redriveCount ?? 0,
    },
    StateMachine: { Id: machine.stateMachineArn, Name: machine.name },
    // A callback task's handler puts its own token where this placeholder lands (callbacks.ts).
    Task: { Token: TASK_TOKEN_PLACEHOLDER },
  };
}

function taskHandlers(deps: SegmentDeps, recorder: EventTranslator, clock: StateClock) {
  const { execution: e, machine, compiled, history, tasks, signal } = deps;
  const mocks = e.testCase ? deps.mockConfig : undefined;
  const handlers: Record<string, (input: unknown) => Promise<unknown>> = {};
  for (const [stateName, { state, topLevel, inChildExecution }] of compiled.states) {
    if (state.Type === 'Wait' && !topLevel) {
      handlers[stateName] = async (input) => {
        const until = waitUntil(state, input, deps.now(), deps.waitScale);
        await sleepUntil(until, deps.now, signal);
        return input;
      };
    }
    if (state.Type !== 'Task' || state.Resource === WAIT_RESOURCE) continue;
    const resource = state.Resource!;
    handlers[stateName] = async (raw) => {
      const attempt = e.invocations[stateName] ?? 0;
      e.invocations[stateName] = attempt + 1;
      // The engine queues its StateEntered event before calling us; its log is read asynchronously, so let
      // the reader catch up first and the history stays in order.
      await recorder.caughtUp(stateName);
      const input = clock.fill(stateName, raw, deps.now());
      // A distributed Map's item is a child execution on AWS: its task's events are not in this history.
      const log = inChildExecution
        ? new HistoryRecorder({ eventCount: 0 }, () => undefined, deps.now)
        : history;
      const mocked = mocks && mockedResult(mocks, machine.name, e.testCase!, stateName, attempt);
      if (mocked) return tasks.mocked(resource, input, log, mocked);
      // A JSONata TimeoutSeconds may be an expression: the history then names no timeout.
      const timeout = typeof state.TimeoutSeconds === 'number' ? state.TimeoutSeconds : undefined;
      if (deps.callbacks && isCallbackResource(resource)) {
        const token = taskToken(e.executionArn, stateName, attempt, e.redriveCount);
        return deps.callbacks.run({
          executionArn: e.executionArn,
          stateName,
          resource,
          token,
          input: withToken(input, token),
          history: log,
          region: tasks.region,
          timeoutSeconds: timeout,
          heartbeatSeconds: state.HeartbeatSeconds as number | undefined,
          signal,
          submit: (r, i) => tasks.submit(r, i),
        });
      }
      return tasks.run(resource, input, log, timeout);
    };
  }
  return deps.firstTask ? firstTasksFirst(handlers, deps.firstTask) : handlers;
}

/** Sleeps until `until` (in chunks below setTimeout's limit); an abort ends the sleep with a failure. */
function sleepUntil(until: number, now: () => number, signal: AbortSignal): Promise<void> {
  return new Promise((resolve, reject) => {
    let timer: NodeJS.Timeout;
    const onAbort = () => {
      clearTimeout(timer);
      reject(new TaskFailure('States.Runtime', 'aborted'));
    };
    const tick = () => {
      const left = until - now();
      if (left <= 0) {
        signal.removeEventListener('abort', onAbort);
        resolve();
      } else timer = setTimeout(tick, Math.min(left, 86_400_000));
    };
    if (signal.aborted) return onAbort();
    signal.addEventListener('abort', onAbort, { once: true });
    tick();
  });
}
