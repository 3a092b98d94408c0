import { applyPath, isDistributed, type StateInfo } from './definition';
import type { HistoryRecorder } from './history';
import type { AssignedLog } from './variables';

/** The engine's event log entries this file reads (the package does not export its EventLog type). */
export interface EngineEvent {
  type: string;
  state?: { name: string; type: string; input?: unknown; output?: unknown };
  parentState?: { name: string };
  index?: number;
  Error?: string;
  /** EvaluationFailed (language.ts dispatches it): the JSONata error, whose message gets the state's prefix. */
  error?: Error & { location?: string };
}

/**
 * Turns the ASL engine's event log into AWS's history events: <Type>StateEntered/Exited under the state's own
 * type (nested Waits run as Tasks), MapStateStarted / MapIteration* / MapStateSucceeded|Failed,
 * ParallelStateStarted / ParallelStateSucceeded|Failed. Task events come from the task handlers.
 */
export class EventTranslator {
  /** Map and Parallel states that failed and were not retried: their exit (after a Catch) is no success. */
  private readonly failed = new Set<string>();
  /**
   * Map states whose attempt failed, MapStateFailed not yet logged: AWS logs it once, when no retry follows
   * (LocalStack's execution_state.py logs MapStateFailed only when the retrier gives up; its test_map_state_retry
   * is marked aws.validated). The engine logs StateFailed before deciding, so the event waits for StateRetried
   * (dropped), StateCaught / StateExited, or the end of the segment's log (logged).
   */
  private readonly pendingFailure = new Set<string>();
  /** StateEntered events recorded, and handler calls that waited for them, per state (Map runs them in parallel). */
  private readonly entered = new Map<string, number>();
  private readonly claimed = new Map<string, number>();
  private readonly waiters = new Map<string, Array<() => void>>();
  /** The id of each state's latest StateEntered event, which AWS names in the state's evaluation errors. */
  private readonly enteredIds = new Map<string, number>();

  /** Resolves once the StateEntered event of this task call is recorded (the reader runs behind the engine). */
  caughtUp(name: string): Promise<void> {
    const ticket = (this.claimed.get(name) ?? 0) + 1;
    this.claimed.set(name, ticket);
    if ((this.entered.get(name) ?? 0) >= ticket) return Promise.resolve();
    return new Promise((resolve) => {
      // Should the reader ever fall behind for good, the task still runs (its events may then come early).
      const fallback = setTimeout(resolve, 1000);
      const check = () => {
        if ((this.entered.get(name) ?? 0) >= ticket) {
          clearTimeout(fallback);
          resolve();
          return;
        }
        const waiting = this.waiters.get(name);
        if (waiting) waiting.push(check);
        else this.waiters.set(name, [check]);
      };
      check();
    });
  }

  private noteEntered(name: string): void {
    this.entered.set(name, (this.entered.get(name) ?? 0) + 1);
    const waiting = this.waiters.get(name);
    if (!waiting) return;
    this.waiters.delete(name);
    for (const check of waiting) check();
  }

  constructor(
    private readonly compiled: { states: Map<string, StateInfo> },
    private readonly history: HistoryRecorder,
    /** What states assigned (language.ts), for their exit events. */
    private readonly assigned?: AssignedLog,
  ) {}

  record(event: EngineEvent): void {
    try {
      this.translate(event);
    } catch (err) {
      console.error('local Step Functions: could not record a history event', err);
    }
    // A retry calls the task again after StateRetried, without a new StateEntered.
    if ((event.type === 'StateEntered' || event.type === 'StateRetried') && event.state?.name)
      this.noteEntered(event.state.name);
  }

  /** Logs the MapStateFailed of `name` held back (or of every Map, at the end of the log). */
  flushFailure(name?: string): void {
    for (const pending of [...this.pendingFailure]) {
      if (name !== undefined && pending !== name) continue;
      this.pendingFailure.delete(pending);
      this.history.stateOutcome('Map', 'Failed');
    }
  }

  /**
   * A JSONata expression of the state failed: AWS logs EvaluationFailed, and its cause (the execution's too, if
   * nothing catches it) names the state and its entered event — LocalStack's test_assign_reference_variables
   * snapshot, recorded against AWS: "An error occurred while executing the state 'State0' (entered at the event
   * id #2). The JSONata expression '$doesNotExist' specified for the field 'Output' returned nothing (undefined)."
   * The error object is the one the execution fails with; the segment reads it after this log is drained.
   */
  private evaluationFailed(name: string, error: EngineEvent['error']): void {
    if (!error) return;
    const prefix = `An error occurred while executing the state '${name}' (entered at the event id #${this.enteredIds.get(name) ?? 0}). `;
    if (!error.message.startsWith('An error occurred while executing the state'))
      error.message = prefix + error.message;
    this.history.evaluationFailed(name, error.name, error.message, error.location);
  }

  private translate(event: EngineEvent): void {
    const h = this.history;
    if (event.type.startsWith('MapIteration')) {
      // A distributed Map's items are child executions on AWS: no MapIteration events in the parent's history.
      const map = this.compiled.states.get(event.parentState?.name ?? '');
      if (map && (isDistributed(map.state) || map.inChildExecution)) return;
      const outcome = event.type.slice('MapIteration'.length) as 'Started' | 'Succeeded' | 'Failed';
      h.mapIteration(outcome, event.parentState?.name ?? '', event.index ?? 0);
      return;
    }
    const name = event.state?.name;
    if (!name) return;
    const info = this.compiled.states.get(name);
    // States of a distributed Map's items run in child executions: not in this history.
    if (!info || info.inChildExecution) return;
    const type = info.state.Type;
    // A top-level Wait's marker: the runner logs its entry with the Wait's input when the segment pauses.
    if (type === 'Wait' && info.topLevel) return;
    const group = type === 'Map' || type === 'Parallel' ? type : undefined;
    switch (event.type) {
      case 'StateEntered':
        this.enteredIds.set(name, h.stateEntered(name, type, event.state!.input));
        if (group) h.stateStarted(group, group === 'Map' ? itemCount(info, event.state!.input) : undefined);
        break;
      case 'StateCaught':
        this.flushFailure(name);
        break;
      case 'StateExited':
        this.flushFailure(name);
        if (group && !this.failed.has(name)) h.stateOutcome(group, 'Succeeded');
        this.failed.delete(name);
        h.stateExited(name, type, event.state!.output, this.assigned?.take(name));
        break;
      case 'StateFailed':
        if (group === 'Map') this.pendingFailure.add(name);
        else if (group) h.stateOutcome(group, 'Failed');
        if (group) this.failed.add(name);
        break;
      case 'EvaluationFailed':
        this.evaluationFailed(name, event.error);
        break;
      case 'StateRetried':
        if (group) {
          this.pendingFailure.delete(name);
          this.failed.delete(name);
          h.stateStarted(group, group === 'Map' ? itemCount(info, event.state!.input) : undefined);
        }
        break;
    }
  }
}

function itemCount(info: StateInfo, input: unknown): number {
  try {
    const items = applyPath(info.state.ItemsPath, applyPath(info.state.InputPath, input));
    return Array.isArray(items) ? items.length : 0;
  } catch {
    return 0;
  }
}
