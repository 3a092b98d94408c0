import '../polyfills';
import { StateMachine } from 'aws-local-stepfunctions';
import { parseDefinition, statesOf } from './definition';
import { SfnError } from './errors';
import { forSchemaValidator } from './languageValidation';
import { HistoryRecorder, type HistoryEvent } from './history';
import type { MockConfig } from './mockConfig';
import type { ExecutionRecord, StateMachineRecord } from './records';
import { FirstTaskGate } from './firstTasksFirst';
import { Scheduler } from './scheduler';
import { CompiledMachine, runSegment, type SegmentOutcome } from './segmentRunner';
import type { SavedState, StateStore } from './stateStore';
import { checkResource, TaskResources, type LocalFunction, type TaskEndpoints } from './taskResources';
import { testState } from './testState';
import { Activities } from './activities';
import { TaskTokens } from './callbacks';
import { forValidation, MapRuns } from './mapRuns';
import { redriveBlocker, redrivePoint } from './redrive';
import { findVersion, parseQualified, routeAlias, aliasOf, versionArn } from './versions';

export type { ExecutionRecord, ExecutionStatus, StateMachineRecord } from './records';
export type { LocalFunction } from './taskResources';
export { MAX_TIMER_MS } from './scheduler';

export interface EngineOptions extends TaskEndpoints {
  region: string;
  account: string;
  store: StateStore;
  functions: Record<string, LocalFunction>;
  mockConfig?: MockConfig;
  /** Fixed pause before every retry, in ms, instead of the ASL's backoff (tests only). */
  retryDelayMs?: number;
  /** SFN_WAIT_SCALE: every Wait lasts this fraction of its length (0.01 → a minute in 0.6 s). Default 1. */
  waitScale?: number;
  /** How long GetActivityTask waits for a task before answering none (AWS: 60 s). */
  activityPollMs?: number;
  now?: () => number;
  /**
   * Called with what the store loaded, before any execution is resumed: a throw stops start() with nothing
   * run (the local stack checks the executions against DynamoDB here, local/dataCheck/crossCheck.ts).
   */
  beforeResume?: (saved: SavedState) => Promise<void>;
  /**
   * While this answers true, no execution starts its next segment: each due one is looked at again a second
   * later (the local stack holds them while its data disk is full, so a task does not fail on a refused write
   * and send its meeting down a failure path; they go on late, not failed). Segments already running finish.
   */
  holdWhile?: () => boolean;
}

/** How long an execution held by `holdWhile` waits before it is looked at again. */
const HOLD_RETRY_MS = 1000;

const NAME = /^[A-Za-z0-9_-]{1,80}$/;

/**
 * Step Functions, locally: the registry of state machines and executions. Executions run one *segment* at a
 * time (segmentRunner.ts): every top-level Wait ends a segment, the execution's checkpoint (next state, its
 * input, wake-up time) is saved in the state store, and the scheduler (one timer for all executions) starts
 * the next segment when it is due. So waits of any length are right, and after a restart every RUNNING
 * execution goes on from its last checkpoint. A segment interrupted by a crash runs again from its start.
 */
export class LocalStepFunctions {
  private readonly machines = new Map<string, StateMachineRecord>();
  private readonly compiled = new Map<string, CompiledMachine>();
  private readonly executions = new Map<string, ExecutionRecord>();
  private readonly running = new Map<string, AbortController>();
  private readonly settled = new Map<string, Array<() => void>>();
  private readonly scheduler: Scheduler;
  private readonly firstTasks: FirstTaskGate;
  private readonly tasks: TaskResources;
  private closed = false;
  private readonly now: () => number;
  readonly waitScale: number;
  /** Activities, task tokens (callbacks and activity tasks) and distributed Map runs. */
  readonly activities: Activities;
  readonly tokens: TaskTokens;
  readonly mapRuns: MapRuns;

  constructor(private readonly options: EngineOptions) {
    this.now = options.now ?? (() => Date.now());
    this.scheduler = new Scheduler(this.now);
    this.firstTasks = new FirstTaskGate(() => this.scheduler.nextAt(), this.now);
    this.tasks = new TaskResources(options.functions, options, options.region);
    const scale = options.waitScale ?? 1;
    if (!(scale > 0 && scale <= 1)) throw new Error(`waitScale must be in (0, 1], got ${scale}`);
    this.waitScale = scale;
    const arnPrefix = `arn:aws:states:${options.region}:${options.account}`;
    this.activities = new Activities(options.store, arnPrefix, this.now);
    this.tokens = new TaskTokens(
      options.store,
      this.activities,
      this.now,
      this.waitScale,
      (arn) => this.executions.get(arn)?.status,
    );
    this.mapRuns = new MapRuns(options.store, arnPrefix, this.now);
  }

  /** GetActivityTask's long poll, in ms. */
  get activityPollMs(): number {
    return this.options.activityPollMs ?? 60_000;
  }

  /** Saves a state machine's record after a change made outside the engine (versions, aliases). */
  saveStateMachine(m: StateMachineRecord): void {
    this.options.store.saveStateMachine(m);
  }

  /** Loads what the store holds and resumes every RUNNING execution. */
  async start(): Promise<void> {
    const saved = await this.options.store.load();
    await this.options.beforeResume?.(saved);
    this.activities.load();
    this.tokens.load();
    this.mapRuns.load();
    for (const m of saved.stateMachines) this.machines.set(m.stateMachineArn, m);
    for (const e of saved.executions) {
      // One copy of each machine ARN, not one per execution record parsed from disk.
      e.stateMachineArn = this.machines.get(e.stateMachineArn)?.stateMachineArn ?? e.stateMachineArn;
      this.executions.set(e.executionArn, e);
      if (e.status === 'RUNNING') this.schedule(e);
    }
    for (const m of saved.stateMachines) this.dropIfDeleted(m);
  }

  /** Stops timers and running segments without changing any execution: they resume at the next start(). */
  async close(): Promise<void> {
    this.closed = true;
    this.scheduler.close();
    for (const r of this.running.values()) r.abort();
    this.running.clear();
    this.tasks.close();
    this.activities.close();
    await this.options.store.flush();
  }

  /** Validates a definition as CreateStateMachine does; throws InvalidDefinition naming what is wrong. */
  validateDefinition(text: string): void {
    const definition = parseDefinition(text);
    const states = statesOf(definition);
    try {
      // The ASL engine's own validator, on the whole definition (segments skip it: they leave states unreachable).
      new StateMachine(forSchemaValidator(forValidation(definition)) as never, {
        validationOptions: { checkArn: false },
      });
    } catch (err) {
      throw new SfnError('InvalidDefinition', `Invalid State Machine Definition: ${(err as Error).message}`);
    }
    for (const [name, { state }] of states) if (state.Type === 'Task') checkResource(name, state.Resource);
  }

  createStateMachine(args: {
    name: string;
    definition: string;
    roleArn: string;
    type?: string;
    tags?: Record<string, string>;
  }): StateMachineRecord {
    if (!NAME.test(args.name)) throw new SfnError('InvalidName', `Invalid Name: '${args.name}'`);
    this.validateDefinition(args.definition);
    const type = args.type ?? 'STANDARD';
    if (type !== 'STANDARD' && type !== 'EXPRESS')
      throw new SfnError('ValidationException', `type must be STANDARD or EXPRESS, got ${type}`);
    const stateMachineArn = `arn:aws:states:${this.options.region}:${this.options.account}:stateMachine:${args.name}`;
    const existing = this.machines.get(stateMachineArn);
    if (existing) {
      // Same name, definition, role and type: CreateStateMachine is idempotent on AWS.
      if (
        existing.definition === args.definition &&
        existing.roleArn === args.roleArn &&
        existing.type === type
      )
        return existing;
      throw new SfnError('StateMachineAlreadyExists', `State Machine Already Exists: '${stateMachineArn}'`);
    }
    const record: StateMachineRecord = {
      stateMachineArn,
      name: args.name,
      definition: args.definition,
      roleArn: args.roleArn,
      type,
      creationDate: this.now(),
      tags: args.tags ?? {},
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
   * UpdateStateMachine: a new definition and/or role. Running executions keep the revision they started
   * with (as on AWS); new ones get this one.
   */
  updateStateMachine(arn: string, change: { definition?: string; roleArn?: string }): StateMachineRecord {
    const m = this.describeStateMachine(arn);
    if (m.status === 'DELETING')
      throw new SfnError('StateMachineDeleting', `State machine is being deleted: '${arn}'`);
    if (change.definition === undefined && change.roleArn === undefined)
      throw new SfnError(
        'MissingRequiredParameter',
        'Either the definition or the roleArn must be specified',
      );
    if (change.definition !== undefined) this.validateDefinition(change.definition);
    const inUse = new Set(
      [...this.executions.values()].filter((e) => e.status === 'RUNNING').map((e) => e.revisionId ?? ''),
    );
    const revisions = Object.fromEntries(Object.entries(m.revisions ?? {}).filter(([id]) => inUse.has(id)));
    const current = m.revisionId ?? '';
    if (inUse.has(current))
      revisions[current] = {
        definition: m.definition,
        roleArn: m.roleArn,
        updateDate: m.updateDate ?? m.creationDate,
      };
    m.revisions = revisions;
    m.definition = change.definition ?? m.definition;
    m.roleArn = change.roleArn ?? m.roleArn;
    m.updateDate = this.now();
    m.revisionId = crypto.randomUUID();
    this.options.store.saveStateMachine(m);
    return m;
  }

  /**
   * DeleteStateMachine: gone at once when nothing runs on it, else DELETING until its last execution ends
   * (AWS lets running executions finish). Deleting what does not exist succeeds, as on AWS.
   */
  deleteStateMachine(arn: string): void {
    const m = this.machines.get(arn);
    if (!m) return;
    m.status = 'DELETING';
    this.options.store.saveStateMachine(m);
    this.dropIfDeleted(m);
  }

  private dropIfDeleted(m: StateMachineRecord): void {
    if (m.status !== 'DELETING') return;
    for (const e of this.executions.values())
      if (e.stateMachineArn === m.stateMachineArn && e.status === 'RUNNING') return;
    this.machines.delete(m.stateMachineArn);
    this.compiled.delete(m.stateMachineArn);
    this.options.store.deleteStateMachine(m);
    for (const e of [...this.executions.values()])
      if (e.stateMachineArn === m.stateMachineArn) this.executions.delete(e.executionArn);
  }

  /** The machine as the execution runs it: the revision it started with. */
  machineOf(e: ExecutionRecord): StateMachineRecord & { updateDate: number } {
    const m = this.describeStateMachine(e.stateMachineArn);
    const v = e.stateMachineVersionArn
      ? findVersion(m, parseQualified(e.stateMachineVersionArn).version ?? 0)
      : undefined;
    if (v)
      return {
        ...m,
        definition: v.definition,
        roleArn: v.roleArn,
        revisionId: v.revisionId,
        updateDate: v.creationDate,
      };
    const old = e.revisionId !== m.revisionId ? m.revisions?.[e.revisionId ?? ''] : undefined;
    return { ...m, ...(old ?? {}), updateDate: old?.updateDate ?? m.updateDate ?? m.creationDate };
  }

  private compiledFor(machine: { stateMachineArn: string; definition: string }): CompiledMachine {
    let c = this.compiled.get(machine.stateMachineArn);
    if (!c || c.source !== machine.definition) {
      c = new CompiledMachine(parseDefinition(machine.definition), machine.definition);
      // One compiled definition per machine: an execution of an older revision compiles its own, uncached.
      const latest = this.machines.get(machine.stateMachineArn);
      if (!latest || latest.definition === machine.definition) this.compiled.set(machine.stateMachineArn, c);
    }
    return c;
  }

  /** Tags of a state machine (TagResource, UntagResource, ListTagsForResource). */
  tagsOf(resourceArn: string): Record<string, string> {
    const m = this.machines.get(resourceArn);
    if (!m) throw new SfnError('ResourceNotFound', `Resource not found: '${resourceArn}'`);
    m.tags ??= {};
    return m.tags;
  }

  tagResource(resourceArn: string, tags: Record<string, string>): void {
    const current = this.tagsOf(resourceArn);
    const merged = { ...current, ...tags };
    // AWS: at most 50 tags per resource.
    if (Object.keys(merged).length > 50)
      throw new SfnError('TooManyTags', `Too many tags: a resource takes at most 50 (${resourceArn})`);
    Object.assign(current, tags);
    this.options.store.saveStateMachine(this.machines.get(resourceArn)!);
  }

  untagResource(resourceArn: string, keys: string[]): void {
    const current = this.tagsOf(resourceArn);
    for (const k of keys) delete current[k];
    this.options.store.saveStateMachine(this.machines.get(resourceArn)!);
  }

  /**
   * Same name and same input → the execution already started (Step Functions' idempotency for Standard
   * workflows); same name and other input → ExecutionAlreadyExists.
   */
  startExecution(args: {
    stateMachineArn: string;
    name?: string;
    input?: string;
    express?: boolean;
  }): ExecutionRecord {
    const [requested, testCase] = args.stateMachineArn.split('#');
    const qualified = parseQualified(requested);
    const machineArn = qualified.stateMachineArn;
    const machine = this.describeStateMachine(machineArn);
    // Through an alias: the version its routing picks; through a version: that version (versions.ts).
    const aliasArn = qualified.alias !== undefined ? requested : undefined;
    const chosen = aliasArn
      ? routeAlias(aliasOf(machine, aliasArn))
      : qualified.version !== undefined
        ? requested
        : undefined;
    const version = chosen ? findVersion(machine, parseQualified(chosen).version!) : undefined;
    if (chosen && !version) throw new SfnError('ResourceNotFound', `Resource not found: '${chosen}'`);
    if (machine.status === 'DELETING')
      throw new SfnError('StateMachineDeleting', `State machine is being deleted: '${machineArn}'`);
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
    if (!NAME.test(name)) throw new SfnError('InvalidName', `Invalid Name: '${name}'`);
    const input = args.input ?? '{}';
    let parsedInput: unknown;
    try {
      parsedInput = JSON.parse(input);
    } catch {
      throw new SfnError(
        'InvalidExecutionInput',
        'Invalid State Machine Execution Input: input is not valid JSON',
      );
    }
    // Express executions have their own ARN kind (…:express:machine:name:id), as on AWS.
    const executionArn = args.express
      ? `arn:aws:states:${this.options.region}:${this.options.account}:express:${machine.name}:${name}:${crypto.randomUUID()}`
      : `arn:aws:states:${this.options.region}:${this.options.account}:execution:${machine.name}:${name}`;
    const existing = this.executions.get(executionArn);
    if (existing) {
      if (existing.input === input && existing.status === 'RUNNING') return existing;
      throw new SfnError('ExecutionAlreadyExists', `Execution Already Exists: '${executionArn}'`);
    }
    const runs = version ? { ...machine, definition: version.definition, roleArn: version.roleArn } : machine;
    const compiled = this.compiledFor(runs);
    const execution: ExecutionRecord = {
      executionArn,
      stateMachineArn: machine.stateMachineArn,
      testCase,
      name,
      input,
      status: 'RUNNING',
      startDate: this.now(),
      checkpoint: { state: compiled.definition.StartAt, input: parsedInput, notBefore: 0 },
      invocations: {},
      eventCount: 0,
      ...(machine.revisionId && !version ? { revisionId: machine.revisionId } : {}),
      ...(version?.revisionId ? { revisionId: version.revisionId } : {}),
      ...(version ? { stateMachineVersionArn: versionArn(machine, version) } : {}),
      ...(aliasArn ? { stateMachineAliasArn: aliasArn } : {}),
      ...(args.express ? { express: true } : {}),
    };
    const history = this.recorder(execution, { durable: true });
    history.executionStarted(input, runs.roleArn);
    history.flush();
    if (!execution.express) {
      this.executions.set(executionArn, execution);
      // On disk before StartExecution answers: an acknowledged execution survives a crash.
      this.options.store.saveExecution(execution, { durable: true });
    }
    this.schedule(execution);
    return execution;
  }

  /**
   * StartSyncExecution: an EXPRESS machine's execution run to its end and answered. Like AWS, it is not
   * kept: DescribeExecution and ListExecutions do not know it (Express executions are not recorded).
   */
  async startSyncExecution(args: { stateMachineArn: string; name?: string; input?: string }) {
    const machine = this.describeStateMachine(args.stateMachineArn.split('#')[0]);
    if (machine.type !== 'EXPRESS')
      throw new SfnError(
        'StateMachineTypeNotSupported',
        'This operation is not supported by this type of state machine: StartSyncExecution needs an EXPRESS state machine',
      );
    const name = args.name ?? crypto.randomUUID();
    const e = this.startExecution({ ...args, name, express: true });
    return new Promise<ExecutionRecord>((resolve) => this.onSettled(e.executionArn, () => resolve(e)));
  }

  describeExecution(arn: string): ExecutionRecord {
    const e = this.executions.get(arn);
    if (!e) throw new SfnError('ExecutionDoesNotExist', `Execution Does Not Exist: '${arn}'`);
    return e;
  }

  /** The execution's history events, read from the state store. */
  history(arn: string): HistoryEvent[] {
    return this.options.store.readHistory(this.describeExecution(arn));
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
    this.scheduler.cancel(arn);
    this.running.get(arn)?.abort();
    this.running.delete(arn);
    this.finish(e, { kind: 'aborted' }, { error, cause });
    return e;
  }

  /** RedriveExecution: an unsuccessful execution goes on from the state that did not complete (redrive.ts). */
  redriveExecution(arn: string): ExecutionRecord {
    const e = this.describeExecution(arn);
    const blocker = redriveBlocker(e, this.now());
    if (blocker) throw new SfnError('ExecutionNotRedrivable', `Execution not redrivable: ${blocker}`);
    const machine = this.machines.get(e.stateMachineArn);
    if (!machine || machine.status === 'DELETING')
      throw new SfnError(
        'ExecutionNotRedrivable',
        'Execution not redrivable: its state machine is being deleted',
      );
    const compiled = this.compiledFor(this.machineOf(e));
    const from = redrivePoint(this.history(arn), compiled.states, compiled.definition.StartAt, e.input);
    this.tokens.dropExecution(arn);
    Object.assign(e, {
      status: 'RUNNING',
      stopDate: undefined,
      output: undefined,
      error: undefined,
      cause: undefined,
      redriveCount: (e.redriveCount ?? 0) + 1,
      redriveDate: this.now(),
      checkpoint: { state: from.state, input: from.input, notBefore: 0 },
    });
    const history = this.recorder(e);
    history.executionRedriven(e.redriveCount!);
    history.flush();
    this.options.store.saveExecution(e);
    this.schedule(e);
    return e;
  }

  /** Resolves when the execution is no longer RUNNING (tests and the CLI wait on it). */
  whenSettled(arn: string): Promise<ExecutionRecord> {
    const e = this.describeExecution(arn);
    if (e.status !== 'RUNNING') return Promise.resolve(e);
    return new Promise((resolve) => this.onSettled(arn, () => resolve(e)));
  }

  private onSettled(arn: string, callback: () => void): void {
    const waiting = this.settled.get(arn) ?? [];
    waiting.push(callback);
    this.settled.set(arn, waiting);
  }

  private recorder(e: ExecutionRecord, options?: { durable?: boolean }): HistoryRecorder {
    // Express executions keep no history (AWS sends theirs to CloudWatch Logs only).
    const sink = e.express
      ? () => undefined
      : (events: HistoryEvent[]) => this.options.store.appendHistory(e, events, options);
    return new HistoryRecorder(e, sink, this.now);
  }

  private save(e: ExecutionRecord): void {
    if (!e.express) this.options.store.saveExecution(e);
  }

  /** Wakes the execution at its checkpoint, or at its deadline (TimeoutSeconds) if that comes first. */
  private schedule(e: ExecutionRecord): void {
    if (this.closed || e.status !== 'RUNNING' || !e.checkpoint) return;
    const at = Math.min(e.checkpoint.notBefore, this.deadlineOf(e) ?? Infinity);
    this.scheduler.schedule(e.executionArn, at, () => void this.advance(e));
  }

  /** When the execution times out: its start plus the machine's TimeoutSeconds, if it has one. */
  private deadlineOf(e: ExecutionRecord): number | undefined {
    const latest = this.machines.get(e.stateMachineArn);
    if (!latest) return undefined;
    const machine = e.revisionId === latest.revisionId ? latest : this.machineOf(e);
    const seconds = this.compiledFor(machine).definition.TimeoutSeconds;
    return typeof seconds === 'number' ? e.startDate + seconds * 1000 : undefined;
  }

  /** TestState: one state run once on its own (testState.ts). */
  testState(args: { definition: string; input?: string; roleArn?: string }) {
    return testState(args, {
      region: this.options.region,
      account: this.options.account,
      tasks: this.tasks,
      waitScale: this.waitScale,
      retryDelayMs: this.options.retryDelayMs,
      now: this.now,
      validate: (definition) => this.validateDefinition(definition),
    });
  }

  /** Runs the execution's next segment and records where it ended. Never rejects. */
  private async advance(e: ExecutionRecord): Promise<void> {
    if (this.closed || e.status !== 'RUNNING' || !e.checkpoint || this.running.has(e.executionArn)) return;
    if (this.options.holdWhile?.()) {
      this.scheduler.schedule(e.executionArn, this.now() + HOLD_RETRY_MS, () => void this.advance(e));
      return;
    }
    const controller = new AbortController();
    this.running.set(e.executionArn, controller);
    const history = this.recorder(e);
    // Due at its wake-up time; a new execution's first segment (notBefore 0) at its start.
    const firstTask = this.firstTasks.enter(Math.max(e.checkpoint.notBefore, e.startDate));
    let outcome: SegmentOutcome;
    try {
      const machine = this.machineOf(e);
      const compiled = this.compiledFor(machine);
      const deadline = this.deadlineOf(e);
      outcome =
        deadline !== undefined && this.now() >= deadline
          ? { kind: 'timedOut' }
          : await runSegment(
              {
                execution: e,
                machine,
                compiled,
                history,
                deadline,
                tasks: this.tasks,
                mockConfig: this.options.mockConfig,
                waitScale: this.waitScale,
                retryDelayMs: this.options.retryDelayMs,
                now: this.now,
                signal: controller.signal,
                callbacks: this.tokens,
                mapRuns: this.mapRuns,
                firstTask,
              },
              e.checkpoint,
            );
    } catch (err) {
      outcome = { kind: 'failed', error: 'States.Runtime', cause: (err as Error)?.message ?? String(err) };
    }
    // A segment without tasks (or that failed before its first) keeps no herd waiting.
    firstTask.arrive();
    if (this.running.get(e.executionArn) === controller) this.running.delete(e.executionArn);
    // Aborted by StopExecution (already finished) or by close() (resumes at the next start): nothing to save.
    if (outcome.kind === 'aborted' || controller.signal.aborted || e.status !== 'RUNNING') return;
    if (outcome.kind === 'paused') {
      history.flush();
      e.checkpoint = outcome.checkpoint;
      this.save(e);
      this.schedule(e);
      return;
    }
    this.finish(e, outcome, {}, history);
  }

  private finish(
    e: ExecutionRecord,
    outcome: Exclude<SegmentOutcome, { kind: 'paused' }>,
    abort: { error?: string; cause?: string },
    history = this.recorder(e),
  ): void {
    e.stopDate = this.now();
    e.checkpoint = undefined;
    if (outcome.kind === 'succeeded') {
      e.status = 'SUCCEEDED';
      e.output = JSON.stringify(outcome.output ?? null);
      history.executionSucceeded(e.output);
    } else if (outcome.kind === 'timedOut') {
      e.status = 'TIMED_OUT';
      e.error = 'States.Timeout';
      e.cause = 'The execution ran longer than its TimeoutSeconds.';
      history.executionTimedOut(e.error, e.cause);
    } else if (outcome.kind === 'aborted') {
      e.status = 'ABORTED';
      Object.assign(e, abort);
      history.executionAborted(abort.error, abort.cause);
    } else {
      e.status = 'FAILED';
      // A Fail state may name neither Error nor Cause: AWS then reports neither.
      e.error = outcome.error || undefined;
      e.cause = outcome.cause || undefined;
      history.executionFailed(e.error, e.cause);
    }
    history.flush();
    this.save(e);
    this.tokens.dropExecution(e.executionArn);
    this.mapRuns.executionEnded(e.executionArn);
    for (const resolve of this.settled.get(e.executionArn) ?? []) resolve();
    this.settled.delete(e.executionArn);
    const machine = this.machines.get(e.stateMachineArn);
    if (machine) this.dropIfDeleted(machine);
  }
}
