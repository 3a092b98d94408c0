import { SfnError } from './errors';
import { readJsonPath } from './jsonPath';
import { validateLanguage, withQueryLanguage } from './languageValidation';

/** The fields of a state this engine reads itself; the rest is the ASL engine's business. */
export interface State {
  Type: string;
  Resource?: string;
  Parameters?: unknown;
  Next?: string;
  End?: boolean;
  Seconds?: number;
  SecondsPath?: string;
  Timestamp?: string;
  TimestampPath?: string;
  InputPath?: string | null;
  OutputPath?: string | null;
  ItemsPath?: string;
  TimeoutSeconds?: number;
  Branches?: Definition[];
  Iterator?: Definition;
  ItemProcessor?: Definition;
  [field: string]: unknown;
}
export interface Definition {
  StartAt: string;
  States: Record<string, State>;
  Comment?: string;
  [field: string]: unknown;
}

/** Where a state sits: at the top of the machine, or inside a Map or Parallel state's branch. */
export interface StateInfo {
  state: State;
  topLevel: boolean;
  /**
   * Inside a distributed Map's ItemProcessor (at any depth): each item runs as a child execution on AWS, so its
   * states and tasks have no events in the parent's history ("Using Map state in Distributed mode": the Map
   * Run's child workflow executions).
   */
  inChildExecution: boolean;
}

/** A Map state whose ItemProcessor runs in DISTRIBUTED mode (ASL: ProcessorConfig.Mode). */
export function isDistributed(state: State): boolean {
  const processor = state.ItemProcessor as { ProcessorConfig?: { Mode?: string } } | undefined;
  return state.Type === 'Map' && processor?.ProcessorConfig?.Mode === 'DISTRIBUTED';
}

/** The key of the marker a segment ends with when it reaches a top-level Wait state. */
export const PAUSE_KEY = '__localStepFunctionsPause';
/** Nested Wait states run as Task states with this resource: the runner sleeps for them (see segmentDefinition). */
export const WAIT_RESOURCE = 'local:wait';
/** The longest timeout the ASL engine's setTimeout takes (2^31−1 ms), for nested Waits run as Tasks. */
const NESTED_WAIT_TIMEOUT_SECONDS = 2_147_483;

export function parseDefinition(text: string): Definition {
  let definition: Definition;
  try {
    definition = JSON.parse(text) as Definition;
  } catch {
    throw new SfnError('InvalidDefinition', 'Invalid State Machine Definition: definition is not valid JSON');
  }
  checkScope(definition, 'the definition');
  validateLanguage(definition);
  // Each state carries its language into the engine (languageValidation.ts, language.ts).
  return withQueryLanguage(definition);
}

function checkScope(scope: Definition, where: string): void {
  if (
    typeof scope !== 'object' ||
    scope === null ||
    typeof scope.StartAt !== 'string' ||
    typeof scope.States !== 'object' ||
    scope.States === null ||
    !scope.States[scope.StartAt]
  ) {
    throw new SfnError(
      'InvalidDefinition',
      `Invalid State Machine Definition: ${where} needs StartAt naming one of its States`,
    );
  }
}

/**
 * Every state of the machine by name, nested ones included (Parallel branches, Map item processors). ASL
 * names are unique across the whole machine, which the engine relies on (task handlers are keyed by name).
 */
export function statesOf(definition: Definition): Map<string, StateInfo> {
  const all = new Map<string, StateInfo>();
  const visit = (scope: Definition, topLevel: boolean, where: string, inChildExecution = false) => {
    checkScope(scope, where);
    for (const [name, state] of Object.entries(scope.States)) {
      if (typeof state !== 'object' || state === null || typeof state.Type !== 'string')
        throw new SfnError(
          'InvalidDefinition',
          `Invalid State Machine Definition: state ${name} has no Type`,
        );
      if (all.has(name))
        throw new SfnError(
          'InvalidDefinition',
          `Invalid State Machine Definition: DUPLICATE_STATE_NAME: state names must be unique (${name})`,
        );
      all.set(name, { state, topLevel, inChildExecution });
      if (state.Type === 'Parallel')
        (state.Branches ?? []).forEach((b, i) => visit(b, false, `branch ${i} of ${name}`, inChildExecution));
      if (state.Type === 'Map') {
        const processor = state.ItemProcessor ?? state.Iterator;
        if (processor)
          visit(processor, false, `the ItemProcessor of ${name}`, inChildExecution || isDistributed(state));
      }
    }
  };
  visit(definition, true, 'the definition');
  return all;
}

/**
 * The definition as one segment, starting at `startAt`. A top-level Wait becomes an ending Pass state whose
 * output marks where the segment paused: the scheduler waits, durably, and the next segment starts after it.
 * A Wait inside a Map or Parallel branch cannot end the segment (its siblings run on), so it becomes a Task
 * the runner answers by sleeping; that wait is not durable: after a restart the segment runs again.
 */
export function segmentDefinition(definition: Definition, startAt: string): Definition {
  const rewrite = (scope: Definition, topLevel: boolean): Definition => {
    const States: Record<string, State> = {};
    for (const [name, state] of Object.entries(scope.States)) {
      const ending = state.End ? { End: true } : { Next: state.Next };
      if (state.Type === 'Wait' && topLevel) {
        States[name] = { Type: 'Pass', Parameters: { [PAUSE_KEY]: name, 'input.$': '$' }, End: true };
      } else if (state.Type === 'Wait') {
        // The Wait's own fields go along (Seconds…, Assign, Output, QueryLanguage) for language.ts.
        States[name] = {
          ...state,
          Type: 'Task',
          Resource: WAIT_RESOURCE,
          TimeoutSeconds: NESTED_WAIT_TIMEOUT_SECONDS,
          ...ending,
        };
      } else if (state.Type === 'Parallel') {
        States[name] = { ...state, Branches: (state.Branches ?? []).map((b) => rewrite(b, false)) };
      } else if (state.Type === 'Map') {
        const key = state.ItemProcessor ? 'ItemProcessor' : 'Iterator';
        const processor = state[key] as Definition | undefined;
        States[name] = processor ? { ...state, [key]: rewrite(processor, false) } : state;
      } else States[name] = state;
    }
    return { ...scope, States };
  };
  // The machine's TimeoutSeconds spans all segments: the runner enforces it, not the ASL engine per segment.
  const whole = rewrite(definition, true);
  delete whole.TimeoutSeconds;
  return { ...whole, StartAt: startAt };
}

/** The pause marker a segment ended with, if it ended at a top-level Wait. */
export function pauseOf(output: unknown): { waitState: string; input: unknown } | undefined {
  if (typeof output !== 'object' || output === null || Array.isArray(output)) return undefined;
  const marker = output as Record<string, unknown>;
  return typeof marker[PAUSE_KEY] === 'string'
    ? { waitState: marker[PAUSE_KEY], input: marker.input }
    : undefined;
}

/** A Wait state's InputPath and OutputPath (a Wait passes its input through, filtered by both). */
export function waitOutput(wait: State, input: unknown): { effective: unknown; output: unknown } {
  const effective = applyPath(wait.InputPath, input);
  return { effective, output: applyPath(wait.OutputPath, effective) };
}

/** InputPath / OutputPath / ItemsPath: null selects {}, undefined the whole value, a path must match. */
export function applyPath(path: string | null | undefined, value: unknown): unknown {
  if (path === null) return {};
  if (path === undefined) return value;
  const out = readJsonPath(value, path);
  if (out === undefined)
    throw new SfnError('States.Runtime', `Invalid path '${path}': the path does not match the input`);
  return out;
}

const OFFSET_DATE_TIME = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(\.\d+)?(Z|[+-]\d{2}:\d{2})$/;

/**
 * When a Wait state with this (effective) input ends. `scale` (SFN_WAIT_SCALE) shrinks every wait, relative
 * timestamps included: a wait of d ms ends after d × scale ms.
 */
export function waitUntil(wait: State, input: unknown, now: number, scale = 1): number {
  const after = (ms: number) => now + Math.max(0, ms) * scale;
  if (wait.Seconds !== undefined) return after(wait.Seconds * 1000);
  if (wait.Timestamp !== undefined) return after(Date.parse(wait.Timestamp) - now);
  if (wait.SecondsPath !== undefined) {
    const seconds = readJsonPath(input, wait.SecondsPath);
    // AWS: SecondsPath must resolve to a non-negative integer, else the state fails with States.Runtime, with
    // these causes (recorded against AWS in LocalStack's tests/aws/services/stepfunctions/v2/base/test_wait.py,
    // test_base_wait_seconds_path, values -1, -1.5, 1.5).
    const shown = `${wait.SecondsPath} == ${typeof seconds === 'object' ? JSON.stringify(seconds) : String(seconds)}`;
    if (typeof seconds !== 'number' || !Number.isInteger(seconds))
      throw new SfnError(
        'States.Runtime',
        `The SecondsPath parameter cannot be parsed as a long value: ${shown}`,
      );
    if (seconds < 0)
      throw new SfnError('States.Runtime', `The SecondsPath parameter references a negative value: ${shown}`);
    return after(seconds * 1000);
  }
  if (wait.TimestampPath !== undefined) {
    const ts = readJsonPath(input, wait.TimestampPath);
    // The timestamp must carry its offset (RFC 3339: "Z" or ±hh:mm; developer guide, "Wait workflow state":
    // https://docs.aws.amazon.com/step-functions/latest/dg/state-wait.html). Without one, AWS fails the state
    // with this cause, the value shown after "==" (LocalStack's test_wait.py::test_wait_timestamppath, suffixes
    // "", ".000", ".000000", recorded against AWS); Date.parse would read it as local time instead.
    const ms = typeof ts === 'string' && OFFSET_DATE_TIME.test(ts) ? Date.parse(ts) : NaN;
    if (Number.isNaN(ms))
      throw new SfnError(
        'States.Runtime',
        `The TimestampPath parameter does not reference a valid ISO-8601 extended offset date-time format string: ${wait.TimestampPath} == ${typeof ts === 'object' ? JSON.stringify(ts) : String(ts)}`,
      );
    return after(ms - now);
  }
  throw new SfnError('States.Runtime', 'Wait state has no duration');
}
