import '../polyfills';
import { StateMachine } from 'aws-local-stepfunctions';
import { HistoryRecorder, type HistoryEvent } from './history';
import { mockedResult, type MockConfig } from './mockConfig';
import { SfnError } from './errors';
import { readJsonPath } from './jsonPath';
import type { StateStore } from './stateStore';

/** A Lambda function the local engine can call in-process, keyed by its ARN in the ASL `Resource` field. */
export type LocalFunction = (input: unknown) => Promise<unknown>;

type State = {
  Type: string;
  Resource?: string;
  Next?: string;
  End?: boolean;
  Seconds?: number;
  SecondsPath?: string;
  Timestamp?: string;
  TimestampPath?: string;
};
/** The engine's event log entries this file reads (the package does not export its EventLog type). */
type EventLog = { type: string; state: { name: string; input?: unknown; output?: unknown } };
type Definition = { StartAt: string; States: Record<string, State>; Comment?: string };

export interface StateMachineRecord {
  stateMachineArn: string;
  name: string;
  definition: string;
  roleArn: string;
  type: 'STANDARD' | 'EXPRESS';
  creationDate: number;
}

export type ExecutionStatus = 'RUNNING' | 'SUCCEEDED' | 'FAILED' | 'TIMED_OUT' | 'ABORTED';

export interface ExecutionRecord {
  executionArn: string;
  stateMachineArn: string;
  /** The `#TestCase` suffix of the ARN StartExecution was called with, if any (Step Functions Local mocks). */
  testCase?: string;
  name: string;
  input: string;
  status: ExecutionStatus;
  startDate: number;
  stopDate?: number;
  output?: string;
  error?: string;
  cause?: string;
  /** Where to go on: the state to start the next segment from, its input, and when (after a Wait). */
  checkpoint?: { state: string | null; input: unknown; notBefore: number; waitState?: string };
  /** Invocations so far per task state, so mocked responses follow "0", "1-2"… as Step Functions Local does. */
  invocations: Record<string, number>;
  events: HistoryEvent[];
}

export interface EngineOptions {
  region: string;
  account: string;
  store: StateStore;
  functions: Record<string, LocalFunction>;
  mockConfig?: MockConfig;
  /** Fixed pause before every retry, in ms, instead of the ASL's backoff (tests only). */
  retryDelayMs?: number;
  now?: () => number;
}

/** setTimeout takes at most 2^31−1 ms; longer waits are slept in chunks and re-checked against the clock. */
export const MAX_TIMER_MS = 24 * 3600 * 1000;

/**
 * Step Functions, locally: runs executions of ASL state machines with aws-local-stepfunctions, one *segment* at
 * a time. Every Wait state ends a segment: the engine records a checkpoint (next state, its input, wake-up
 * time) in the state store, sleeps in chunks no longer than a day, and runs the next segment from there. So
 * waits of any length are right, and after a restart every RUNNING execution goes on from its last
 * checkpoint. A segment interrupted by a crash is run again from its start; the tasks are idempotent.
 */
export class LocalStepFunctions {
  private readonly machines = new Map<string, StateMachineRecord>();
  private readonly executions = new Map<string, ExecutionRecord>();
  private readonly timers = new Map<string, NodeJS.Timeout>();
  private readonly running = new Map<string, { abort: () => void }>();
  private readonly settled = new Map<string, Array<() => void>>();
  private closed = false;
  private readonly now: () => number;

  constructor(private readonly options: EngineOptions) {
    this.now = options.now ?? Date.now;
  }

  /** Loads what the store holds and resumes every RUNNING execution. */
  async start(): Promise<void> {
    const saved = await this.options.store.load();
    for (const m of saved.stateMachines) this.machines.set(m.stateMachineArn, m);
    for (const e of saved.executions) this.executions.set(e.executionArn, e);
    for (const e of this.executions.values()) if (e.status === 'RUNNING') this.schedule(e);
  }

  /** Stops timers and running segments without changing any execution: they resume at the next start(). */
  async close(): Promise<void> {
    this.closed = true;
    for (const t of this.timers.values()) clearTimeout(t);
    this.timers.clear();
    for (const r of this.running.values()) r.abort();
    this.running.clear();
  }

  createStateMachine(args: {
    name: string;
    definition: string;
    roleArn: string;
    type?: string;
  }): StateMachineRecord {
    const definition = parseDefinition(args.definition);
    try {
      // The engine's own validator, on the whole definition (segments skip it: they leave states unreachable).
      new StateMachine(definition as never, { validationOptions: { checkArn: false } });
    } catch (err) {
      throw new SfnError('InvalidDefinition', (err as Error).message);
    }
    for (const [stateName, state] of Object.entries(definition.States)) {
      if (state.Type === 'Task' && state.Resource && !this.options.functions[state.Resource]) {
        throw new SfnError(
          'InvalidDefinition',
          `state ${stateName}: no local function for ${state.Resource}`,
        );
      }
    }
    if (!/^[A-Za-z0-9_-]{1,80}$/.test(args.name))
      throw new SfnError('InvalidName', `invalid state machine name: ${args.name}`);
    const stateMachineArn = `arn:aws:states:${this.options.region}:${this.options.account}:stateMachine:${args.name}`;
    const existing = this.machines.get(stateMachineArn);
    if (existing) {
      if (existing.definition === args.definition && existing.roleArn === args.roleArn) return existing;
      throw new SfnError('StateMachineAlreadyExists', `State Machine Already Exists: '${stateMachineArn}'`);
    }
    const record: StateMachineRecord = {
      stateMachineArn,
      name: args.name,
      definition: args.definition,
      roleArn: args.roleArn,
      type: args.type === 'EXPRESS' ? 'EXPRESS' : 'STANDARD',
      creationDate: this.now(),
    };
    this.machines.set(stateMachineArn, record);
    this.options.store.saveStateMachine(record);
    return record;
  }

  describeStateMachine(arn: string): StateMachineRecord {
    const m = this.machines.get(arn);
    if (!m) throw new SfnError('StateMachineDoesNotExist', `State Machine Does Not Exist: '${arn}'`);
    return m;
  }

  listStateMachines(): StateMachineRecord[] {
    return [...this.machines.values()].sort((a, b) => a.creationDate - b.creationDate);
  }

  /**
   * Same name and same input → the execution already started (Step Functions' idempotency for Standard
   * workflows); same name and other input → ExecutionAlreadyExists.
   */
  startExecution(args: { stateMachineArn: string; name?: string; input?: string }): ExecutionRecord {
    const [machineArn, testCase] = args.stateMachineArn.split('#');
    const machine = this.describeStateMachine(machineArn);
    if (
      testCase !== undefined &&
      !this.options.mockConfig?.StateMachines?.[machine.name]?.TestCases?.[testCase]
    ) {
      throw new SfnError(
        'InvalidArn',
        `no test case ${testCase} for ${machine.name} in the mock configuration`,
      );
    }
    const name = args.name ?? crypto.randomUUID();
    if (!/^[A-Za-z0-9_-]{1,80}$/.test(name))
      throw new SfnError('InvalidName', `invalid execution name: ${name}`);
    const input = args.input ?? '{}';
    let parsedInput: unknown;
    try {
      parsedInput = JSON.parse(input);
    } catch {
      throw new SfnError('InvalidExecutionInput', 'input is not valid JSON');
    }
    const executionArn = `arn:aws:states:${this.options.region}:${this.options.account}:execution:${machine.name}:${name}`;
    const existing = this.executions.get(executionArn);
    if (existing) {
      if (existing.input === input && existing.status === 'RUNNING') return existing;
      throw new SfnError('ExecutionAlreadyExists', `Execution Already Exists: '${executionArn}'`);
    }
    const execution: ExecutionRecord = {
      executionArn,
      stateMachineArn: machine.stateMachineArn,
      testCase,
      name,
      input,
      status: 'RUNNING',
      startDate: this.now(),
      checkpoint: { state: parseDefinition(machine.definition).StartAt, input: parsedInput, notBefore: 0 },
      invocations: {},
      events: [],
    };
    new HistoryRecorder(execution.events, this.now).executionStarted(input, machine.roleArn);
    this.executions.set(executionArn, execution);
    this.options.store.saveExecution(execution);
    this.schedule(execution);
    return execution;
  }

  describeExecution(arn: string): ExecutionRecord {
    const e = this.executions.get(arn);
    if (!e) throw new SfnError('ExecutionDoesNotExist', `Execution Does Not Exist: '${arn}'`);
    return e;
  }

  listExecutions(stateMachineArn: string, statusFilter?: string): ExecutionRecord[] {
    this.describeStateMachine(stateMachineArn);
    return [...this.executions.values()]
      .filter((e) => e.stateMachineArn === stateMachineArn && (!statusFilter || e.status === statusFilter))
      .sort((a, b) => b.startDate - a.startDate);
  }

  stopExecution(arn: string, error?: string, cause?: string): ExecutionRecord {
    const e = this.describeExecution(arn);
    if (e.status !== 'RUNNING') return e;
    clearTimeout(this.timers.get(arn));
    this.timers.delete(arn);
    this.running.get(arn)?.abort();
    this.running.delete(arn);
    this.finish(e, 'ABORTED', { error, cause });
    return e;
  }

  /** Resolves when the execution is no longer RUNNING (tests and the CLI wait on it). */
  whenSettled(arn: string): Promise<ExecutionRecord> {
    const e = this.describeExecution(arn);
    if (e.status !== 'RUNNING') return Promise.resolve(e);
    return new Promise((resolve) => {
      const waiting = this.settled.get(arn) ?? [];
      waiting.push(() => resolve(e));
      this.settled.set(arn, waiting);
    });
  }

  private schedule(e: ExecutionRecord): void {
    if (this.closed || e.status !== 'RUNNING' || !e.checkpoint) return;
    const remaining = e.checkpoint.notBefore - this.now();
    if (remaining > 0) {
      // Chunked: a timer never longer than a day, re-checked against the clock when it fires.
      const timer = setTimeout(() => this.schedule(e), Math.min(remaining, MAX_TIMER_MS));
      this.timers.set(e.executionArn, timer);
      return;
    }
    this.timers.delete(e.executionArn);
    if (e.checkpoint.state === null) {
      new HistoryRecorder(e.events, this.now).stateExited(
        e.checkpoint.waitState!,
        'Wait',
        e.checkpoint.input,
      );
      return this.finish(e, 'SUCCEEDED', { output: JSON.stringify(e.checkpoint.input) });
    }
    this.runSegment(e).catch((err: Error) => {
      if (e.status === 'RUNNING') this.finish(e, 'FAILED', { error: 'States.Runtime', cause: err.message });
    });
  }

  private async runSegment(e: ExecutionRecord): Promise<void> {
    const checkpoint = e.checkpoint!;
    const machine = this.describeStateMachine(e.stateMachineArn);
    const definition = parseDefinition(machine.definition);
    const history = new HistoryRecorder(e.events, this.now);
    if (checkpoint.waitState) history.stateExited(checkpoint.waitState, 'Wait', checkpoint.input);

    const { segment, waits } = segmentDefinition(definition, checkpoint.state!);
    const handlers = this.taskHandlers(e, definition, history);
    const retryOverrides =
      this.options.retryDelayMs === undefined
        ? undefined
        : Object.fromEntries(
            Object.entries(definition.States)
              .filter(([, s]) => s.Type === 'Task')
              .map(([n]) => [n, this.options.retryDelayMs!]),
          );
    const engine = new StateMachine(segment as never, { validationOptions: { noValidate: true } });
    const run = engine.run(checkpoint.input as never, {
      overrides: { taskResourceLocalHandlers: handlers as never, retryIntervalOverrides: retryOverrides },
      noThrowOnAbort: true,
      context: {
        Execution: { Id: e.executionArn, Name: e.name, StartTime: new Date(e.startDate).toISOString() },
      },
    });
    this.running.set(e.executionArn, run);
    const logging = (async () => {
      for await (const event of run.eventLogs as AsyncIterable<EventLog>)
        this.record(history, event, definition, waits);
    })();
    try {
      const output = (await run.result) as Record<string, unknown> | null;
      await logging;
      if (this.closed || e.status !== 'RUNNING') return; // aborted: stopExecution or shutdown
      const pause = output?.[PAUSE_KEY] as { waitState: string } | undefined;
      if (pause) {
        const input = { ...output };
        delete input[PAUSE_KEY];
        const wait = definition.States[pause.waitState];
        // A Wait with End: true has no next state; the execution succeeds when the wait is over.
        e.checkpoint = {
          state: wait.End ? null : wait.Next!,
          input,
          notBefore: waitUntil(wait, input, this.now()),
          waitState: pause.waitState,
        };
        this.options.store.saveExecution(e);
        this.schedule(e);
        return;
      }
      this.finish(e, 'SUCCEEDED', { output: JSON.stringify(output) });
    } catch (err) {
      await logging.catch(() => undefined);
      if (this.closed || e.status !== 'RUNNING') return;
      const cause = ((err as Error).cause ?? err) as Error;
      this.finish(e, 'FAILED', { error: cause.name, cause: cause.message });
    } finally {
      this.running.delete(e.executionArn);
    }
  }

  private taskHandlers(e: ExecutionRecord, definition: Definition, history: HistoryRecorder) {
    const machine = this.describeStateMachine(e.stateMachineArn);
    const mocks = e.testCase ? this.options.mockConfig : undefined;
    return Object.fromEntries(
      Object.entries(definition.States)
        .filter(([, s]) => s.Type === 'Task')
        .map(([stateName, state]) => [
          stateName,
          async (input: unknown) => {
            const attempt = e.invocations[stateName] ?? 0;
            e.invocations[stateName] = attempt + 1;
            // The engine queues its StateEntered event before calling us; its log is read asynchronously, so let
            // the reader catch up first and the history stays in order.
            await new Promise((resolve) => setImmediate(resolve));
            history.lambdaScheduled(state.Resource!, input);
            history.lambdaStarted();
            try {
              const mocked = mocks && mockedResult(mocks, machine.name, e.testCase!, stateName, attempt);
              const output = mocked ? await mocked() : await this.options.functions[state.Resource!](input);
              history.lambdaSucceeded(output);
              return output;
            } catch (err) {
              history.lambdaFailed((err as Error).name, (err as Error).message);
              throw err;
            }
          },
        ]),
    );
  }

  private record(
    history: HistoryRecorder,
    event: EventLog,
    definition: Definition,
    waits: Set<string>,
  ): void {
    const { name } = event.state ?? {};
    if (!name) return;
    const type = waits.has(name) ? 'Wait' : definition.States[name].Type;
    if (event.type === 'StateEntered') {
      history.stateEntered(name, type, event.state.input);
    } else if (event.type === 'StateExited' && type !== 'Wait') {
      history.stateExited(name, type, event.state.output);
    }
  }

  private finish(
    e: ExecutionRecord,
    status: ExecutionStatus,
    result: { output?: string; error?: string; cause?: string },
  ): void {
    const history = new HistoryRecorder(e.events, this.now);
    e.status = status;
    e.stopDate = this.now();
    e.checkpoint = undefined;
    Object.assign(e, result);
    if (status === 'SUCCEEDED') history.executionSucceeded(result.output ?? '{}');
    else if (status === 'ABORTED') history.executionAborted(result.error, result.cause);
    else history.executionFailed(result.error ?? 'States.Runtime', result.cause ?? '');
    this.options.store.saveExecution(e);
    for (const resolve of this.settled.get(e.executionArn) ?? []) resolve();
    this.settled.delete(e.executionArn);
  }
}

const PAUSE_KEY = '__localStepFunctionsPause';

export function parseDefinition(text: string): Definition {
  let definition: Definition;
  try {
    definition = JSON.parse(text) as Definition;
  } catch {
    throw new SfnError('InvalidDefinition', 'definition is not valid JSON');
  }
  if (
    typeof definition?.StartAt !== 'string' ||
    typeof definition.States !== 'object' ||
    !definition.States[definition.StartAt]
  ) {
    throw new SfnError('InvalidDefinition', 'definition needs StartAt naming one of its States');
  }
  if ((definition as { QueryLanguage?: string }).QueryLanguage === 'JSONata') {
    throw new SfnError('InvalidDefinition', 'JSONata is not supported by the local engine; use JSONPath');
  }
  return definition;
}

/**
 * The definition as one segment: starting at `startAt`, every Wait state replaced by an ending Pass state that
 * marks where the segment paused. The engine then never runs a Wait itself; the scheduler does.
 */
export function segmentDefinition(definition: Definition, startAt: string) {
  const waits = new Set<string>();
  const States: Record<string, unknown> = {};
  for (const [name, state] of Object.entries(definition.States)) {
    if (state.Type === 'Wait') {
      waits.add(name);
      States[name] = { Type: 'Pass', Result: { waitState: name }, ResultPath: `$.${PAUSE_KEY}`, End: true };
    } else States[name] = state;
  }
  return { segment: { ...definition, StartAt: startAt, States }, waits };
}

/** When a Wait state with this input ends: Seconds, SecondsPath, Timestamp or TimestampPath. */
export function waitUntil(wait: State, input: unknown, now: number): number {
  if (wait.Seconds !== undefined) return now + wait.Seconds * 1000;
  if (wait.Timestamp !== undefined) return Date.parse(wait.Timestamp);
  if (wait.SecondsPath !== undefined) {
    const seconds = readJsonPath(input, wait.SecondsPath);
    if (typeof seconds !== 'number' || seconds < 0)
      throw new SfnError('States.Runtime', `${wait.SecondsPath} is not a number of seconds`);
    return now + seconds * 1000;
  }
  if (wait.TimestampPath !== undefined) {
    const ts = readJsonPath(input, wait.TimestampPath);
    const ms = typeof ts === 'string' ? Date.parse(ts) : NaN;
    if (Number.isNaN(ms)) throw new SfnError('States.Runtime', `${wait.TimestampPath} is not a timestamp`);
    return ms;
  }
  throw new SfnError('States.Runtime', 'Wait state has no duration');
}
