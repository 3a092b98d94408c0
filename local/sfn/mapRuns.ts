import {
  applyPath,
  isDistributed,
  statesOf,
  type Definition,
  type State,
  type StateInfo,
} from './definition';
import { SfnError } from './errors';
import type { HistoryRecorder } from './history';
import type { EngineEvent } from './historyTranslator';
import { endLive, liveKey, updateLive, type LiveSettings } from './mapRunLive';
import type { MapRunRecord } from './opsRecords';
import type { StateStore } from './stateStore';

/**
 * The definition as the ASL engine's validator should see it. A distributed Map's ToleratedFailurePercentage is
 * "a value between zero and 100" (developer guide, "Using Map state in Distributed mode": ToleratedFailurePercentage),
 * a float in the service model, so 12.5 is valid; the validator wants an integer, so it sees the value rounded
 * down, and the range is checked here.
 */
export function forValidation(definition: Definition): Definition {
  const copy = structuredClone(definition);
  for (const [name, { state }] of statesOf(copy)) {
    const percentage = state.ToleratedFailurePercentage;
    if (state.Type !== 'Map' || typeof percentage !== 'number' || Number.isInteger(percentage)) continue;
    if (!(percentage >= 0 && percentage <= 100))
      throw new SfnError(
        'InvalidDefinition',
        `Invalid State Machine Definition: 'SCHEMA_VALIDATION_FAILED: ToleratedFailurePercentage must be between 0 and 100 at /States/${name}'`,
      );
    state.ToleratedFailurePercentage = Math.floor(percentage);
  }
  return copy;
}

export interface MapRunContext {
  executionArn: string;
  stateMachineArn: string;
  machineName: string;
  states: Map<string, StateInfo>;
  history: HistoryRecorder;
}

/**
 * Map runs: every time a distributed Map state runs, a Map Run (ListMapRuns, DescribeMapRun, UpdateMapRun) with
 * MapRunStarted and MapRunSucceeded / MapRunFailed in the execution's history, as AWS logs them around the
 * Map state's own events. The items run in-process like an inline Map's iterations (no child executions).
 */
export class MapRuns {
  private readonly runs = new Map<string, MapRunRecord>();
  /** The open run of each distributed Map state, per execution. */
  private readonly open = new Map<string, MapRunRecord>();

  constructor(
    private readonly store: StateStore,
    private readonly arnPrefix: string,
    private readonly now: () => number,
  ) {}

  load(): void {
    for (const r of this.store.loadRecords<MapRunRecord>('map-runs')) this.runs.set(r.mapRunArn, r);
  }

  private save(r: MapRunRecord): void {
    this.runs.set(r.mapRunArn, r);
    this.store.saveRecord('map-runs', r.mapRunArn, r);
  }

  private distributed(ctx: MapRunContext, name: string | undefined): State | undefined {
    const state = name === undefined ? undefined : ctx.states.get(name)?.state;
    return state && isDistributed(state) ? state : undefined;
  }

  /** Before the translator logs the event: the run ends before MapStateSucceeded / MapStateFailed. */
  before(event: EngineEvent, ctx: MapRunContext): void {
    const name = event.state?.name;
    if (event.type.startsWith('MapIteration')) {
      const run = this.open.get(`${ctx.executionArn}#${event.parentState?.name ?? ''}`);
      if (run && event.type === 'MapIterationSucceeded') run.succeeded++;
      if (run && event.type === 'MapIterationFailed') run.failed++;
      return;
    }
    if ((event.type !== 'StateExited' && event.type !== 'StateFailed') || !this.distributed(ctx, name))
      return;
    const key = liveKey(ctx.executionArn, name!);
    const run = this.open.get(key);
    if (!run) return;
    this.open.delete(key);
    endLive(key);
    run.stopDate = this.now();
    if (event.type === 'StateExited') {
      run.status = 'SUCCEEDED';
      ctx.history.mapRunSucceeded();
    } else {
      run.status = 'FAILED';
      ctx.history.mapRunFailed(event.Error);
    }
    this.save(run);
  }

  /** After the translator logged the event: MapRunStarted follows MapStateStarted. */
  after(event: EngineEvent, ctx: MapRunContext): void {
    const name = event.state?.name;
    const state = this.distributed(ctx, name);
    if (!state || (event.type !== 'StateEntered' && event.type !== 'StateRetried')) return;
    const label = typeof state.Label === 'string' ? state.Label : name;
    // A run left RUNNING by a restart is the same run: its segment runs again from its start (engine.ts).
    const unfinished = [...this.runs.values()].find(
      (r) => r.executionArn === ctx.executionArn && r.stateName === name && r.status === 'RUNNING',
    );
    const run: MapRunRecord = {
      mapRunArn:
        unfinished?.mapRunArn ??
        `${this.arnPrefix}:mapRun:${ctx.machineName}/${label}:${crypto.randomUUID()}`,
      executionArn: ctx.executionArn,
      stateMachineArn: ctx.stateMachineArn,
      stateName: name!,
      status: 'RUNNING',
      startDate: this.now(),
      maxConcurrency: typeof state.MaxConcurrency === 'number' ? state.MaxConcurrency : 0,
      toleratedFailurePercentage:
        typeof state.ToleratedFailurePercentage === 'number' ? state.ToleratedFailurePercentage : 0,
      toleratedFailureCount:
        typeof state.ToleratedFailureCount === 'number' ? state.ToleratedFailureCount : 0,
      total: 0,
      succeeded: 0,
      failed: 0,
      aborted: 0,
    };
    const items = itemsOf(state, event.state?.input);
    run.total = items;
    const key = liveKey(ctx.executionArn, name!);
    if (unfinished) updateLive(key, keptUpdates(unfinished, run));
    this.open.set(key, run);
    this.save(run);
    ctx.history.mapRunStarted(run.mapRunArn);
  }

  /** The execution ended (stopped, timed out…): its runs still open are aborted. */
  executionEnded(executionArn: string): void {
    for (const [key, run] of [...this.open]) {
      if (run.executionArn !== executionArn) continue;
      this.open.delete(key);
      endLive(key);
      run.status = 'ABORTED';
      run.stopDate = this.now();
      run.aborted = Math.max(0, run.total - run.succeeded - run.failed);
      this.save(run);
    }
  }

  list(executionArn: string): MapRunRecord[] {
    return [...this.runs.values()]
      .filter((r) => r.executionArn === executionArn)
      .sort((a, b) => a.startDate - b.startDate);
  }

  describe(mapRunArn: string): MapRunRecord {
    const run = this.runs.get(mapRunArn);
    if (!run) throw new SfnError('ResourceNotFound', `Resource not found: '${mapRunArn}'`);
    return run;
  }

  /**
   * UpdateMapRun: the run's settings as DescribeMapRun answers them, applied to the run if it is in progress
   * (mapRunLive.ts: the running Map reads its concurrency and tolerated failures from there). A finished run
   * only records them.
   */
  update(
    mapRunArn: string,
    change: { maxConcurrency?: number; toleratedFailurePercentage?: number; toleratedFailureCount?: number },
  ): MapRunRecord {
    const run = this.describe(mapRunArn);
    if (Object.values(change).every((v) => v === undefined))
      throw new SfnError(
        'ValidationException',
        'at least one of maxConcurrency, toleratedFailurePercentage, toleratedFailureCount is required',
      );
    Object.assign(run, Object.fromEntries(Object.entries(change).filter(([, v]) => v !== undefined)));
    this.save(run);
    const key = liveKey(run.executionArn, run.stateName);
    if (this.open.get(key) === run) updateLive(key, change);
    return run;
  }
}

/**
 * After a restart, an UpdateMapRun made before it still applies to the run: the settings in which the unfinished
 * record differs from the state's own (copied into `run`, and answered for mapRunLive.ts).
 */
function keptUpdates(unfinished: MapRunRecord, run: MapRunRecord): LiveSettings {
  const kept: LiveSettings = {};
  for (const field of ['maxConcurrency', 'toleratedFailureCount', 'toleratedFailurePercentage'] as const)
    if (unfinished[field] !== run[field]) kept[field] = run[field] = unfinished[field];
  return kept;
}

/** The number of items the Map state reads (ItemsPath on its effective input); 0 when it cannot tell. */
function itemsOf(state: State, input: unknown): number {
  try {
    const items = applyPath(state.ItemsPath, applyPath(state.InputPath, input));
    return Array.isArray(items) ? items.length : 0;
  } catch {
    return 0;
  }
}
