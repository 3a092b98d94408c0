import { asl, type JsonPathQuery } from './aslInternals';
import { isCallbackResource } from './callbacks';
import { WAIT_RESOURCE, type State } from './definition';
import { evaluate, QueryEvaluationError, type Bindings } from './jsonata';
import { AssignedLog, Scope, variablePath, type Variables } from './variables';
import { nestedWaitUntil } from './languageWait';

/**
 * Variables and JSONata on the ASL engine. The engine runs JSONPath states itself; this hooks into its
 * StateExecutor (see aslInternals.ts) so that a state with `Assign`, with `QueryLanguage: "JSONata"`, or with
 * a Catch/Choice rule that assigns, runs its data flow here:
 * - JSONPath: InputPath → Parameters → the state → Assign (`$` is the raw result) → ResultSelector →
 *   ResultPath → OutputPath; a Catch's Assign sees the error output ({Error, Cause}) as `$`.
 * - JSONata: Arguments → the state → Assign and Output, both from `$states` (input, result, errorOutput,
 *   context) and the variables as they were when the state was entered.
 * ("Passing data between states with variables" and "Transforming data with JSONata in Step Functions",
 * docs.aws.amazon.com/step-functions/latest/dg/workflow-variables.html and …/transforming-data.html.)
 * Every other state runs the engine's own code, unchanged; `$name` in any JSONPath path reads a variable.
 */

/** The execution's root scope, on the context object the segment runner passes to the engine. */
export const SCOPE = Symbol('variables');
/** The segment's AssignedLog: what states assigned, for their StateExited events. */
export const ASSIGNED = Symbol('assigned');
/** The scope a Map iteration's or Parallel branch's context inherits from (its own is made on first use). */
const PARENT = Symbol('parentVariables');
/** The segment's clock and wait scale, for Waits inside Map and Parallel that read variables or JSONata. */
export const WAIT_ENV = Symbol('waitEnv');
export interface WaitEnv {
  now: () => number;
  waitScale: number;
}

type Context = Record<string | symbol, unknown>;
const scopes = new WeakMap<object, Scope>();

export function scopeOf(context: unknown): Scope {
  if (typeof context !== 'object' || context === null) return Scope.root();
  const c = context as Context;
  if (c[SCOPE] instanceof Scope) return c[SCOPE];
  let scope = scopes.get(c);
  if (!scope) {
    scope = c[PARENT] instanceof Scope ? c[PARENT].child() : Scope.root();
    scopes.set(c, scope);
  }
  return scope;
}

/** The context object as AWS shows it ($$ and $states.context): without this engine's own keys. */
export function plainContext(context: unknown): Record<string, unknown> {
  return Object.fromEntries(Object.entries((context ?? {}) as Record<string, unknown>));
}

export function isJsonata(state: State): boolean {
  return state.QueryLanguage === 'JSONata';
}

const usesLanguageCache = new WeakMap<State, boolean>();

/** Whether the state's data flow runs here rather than in the engine's StateExecutor (once per definition). */
export function usesLanguage(state: State): boolean {
  let uses = usesLanguageCache.get(state);
  if (uses === undefined) {
    uses = computeUsesLanguage(state);
    usesLanguageCache.set(state, uses);
  }
  return uses;
}

function computeUsesLanguage(state: State): boolean {
  const rules = (state.Choices ?? []) as Array<Record<string, unknown>>;
  const catchers = (state.Catch ?? []) as Array<Record<string, unknown>>;
  return (
    isJsonata(state) ||
    'Assign' in state ||
    rules.some((r) => 'Assign' in r) ||
    catchers.some((c) => 'Assign' in c || 'Output' in c) ||
    (state.Resource === WAIT_RESOURCE &&
      [state.SecondsPath, state.TimestampPath].some((p) => typeof p === 'string' && !!variablePath(p)))
  );
}

// ——— the engine's StateExecutor, as far as this file uses it ———
interface RunOptions {
  context?: Context;
  overrides?: { retryIntervalOverrides?: unknown };
}
interface ExecOptions {
  runOptions?: RunOptions;
  abortSignal?: AbortSignal;
  eventLogger: {
    dispatchStateFailedEvent(name: string, type: string, input: unknown, error: unknown): void;
    dispatchStateRetriedEvent(
      name: string,
      type: string,
      input: unknown,
      retrier: unknown,
      attempt: number,
    ): void;
    dispatchStateCaughtEvent(name: string, type: string, input: unknown, catcher: unknown): void;
  };
}
interface StepResult {
  stateResult: unknown;
  nextState: string;
  isEndState: boolean;
}
type Handler = (
  def: State,
  raw: unknown,
  input: unknown,
  context: Context,
  name: string,
  o: ExecOptions,
) => Promise<StepResult>;
interface Executor {
  stateName: string;
  stateDefinition: State;
  retrierAttempts: number[];
  execute(input: unknown, context: Context, options: ExecOptions): Promise<StepResult>;
  processInput(input: unknown, context: Context): unknown;
  processResult(result: unknown, raw: unknown, context: Context): unknown;
  shouldRetry(
    error: unknown,
    overrides: unknown,
  ): { shouldRetry: boolean; waitTimeBeforeRetry?: number; retrierIndex?: number };
  catchError(error: unknown): {
    nextState: string;
    errorOutput?: { Error: string; Cause: string };
    catcherIndex?: number;
  };
}
const P = asl.StateExecutor.prototype as unknown as Executor & Record<string, Handler>;
const original = {
  execute: P.execute,
  task: P.executeTaskState,
  map: P.executeMapState,
  parallel: P.executeParallelState,
  pass: P.executePassState,
  choice: P.executeChoiceState,
  fail: P.executeFailState,
};

/** A Map iteration or Parallel branch runs with a child of the state's scope. */
function withChildScope(options: ExecOptions, context: Context): ExecOptions {
  const ctx: Context = { ...options.runOptions?.context, [SCOPE]: undefined, [PARENT]: scopeOf(context) };
  return { ...options, runOptions: { ...options.runOptions, context: ctx } };
}

P.executeMapState = function (def, raw, input, context, name, options) {
  return original.map(def, raw, input, context, name, withChildScope(options, context));
};
P.executeParallelState = function (def, raw, input, context, name, options) {
  return original.parallel(def, raw, input, context, name, withChildScope(options, context));
};
P.execute = function (this: Executor, input, context, options) {
  if (typeof context === 'object' && context !== null) running.set(context, this);
  return usesLanguage(this.stateDefinition)
    ? languageExecute.call(this, input, context, options)
    : original.execute.call(this, input, context, options);
};

// `$name` in any JSONPath path (Parameters, Choice Variable, InputPath, intrinsics, …) reads a variable.
const query: JsonPathQuery = asl.getJsonPathQuery();
/**
 * The state each context object is running now. The engine shares one context object across a run's states
 * (and gives each Map iteration and Parallel branch its own), so `$$` in a JSONPath path is answered with the
 * context object of the state being run: `$$.State` (Name, EnteredTime, RetryCount when it retries) as well as
 * Execution and StateMachine. AWS records `$$` of a Pass state as Execution, StateMachine and State {Name,
 * EnteredTime} (LocalStack's context_object and base snapshots, recorded against AWS; developer guide,
 * "Accessing execution data from the Context object":
 * https://docs.aws.amazon.com/step-functions/latest/dg/input-output-contextobject.html).
 */
const running = new WeakMap<object, Executor>();
asl.setJsonPathQuery((path, json, context, options) => {
  if (typeof path === 'string' && path.startsWith('$$') && typeof context === 'object' && context !== null) {
    const executor = running.get(context);
    if (executor) return query(path, json, stateContext(executor, context as Context), options);
  }
  const ref = typeof path === 'string' ? variablePath(path) : undefined;
  if (!ref) return query(path, json, context, options);
  const scope = scopeOf(context);
  if (!scope.has(ref.name))
    throw new asl.StatesRuntimeError(`The variable '$${ref.name}' referenced by '${path}' is not defined`);
  const value = scope.get(ref.name);
  return ref.rest === '$' ? value : query(ref.rest, value, context, options);
});

function noteAssigned(context: Context, state: string, values: Variables): void {
  const log = context[ASSIGNED];
  if (log instanceof AssignedLog) log.note(state, values);
}

function bindings(
  scope: Scope,
  raw: unknown,
  context: Record<string, unknown>,
  extra: Partial<Bindings['states']> = {},
): Bindings {
  return { states: { input: raw, context, ...extra }, variables: scope.all() };
}

const enteredAt = new WeakMap<Executor, number>();

/**
 * `$states.context` of a state: the context object with `State` (Name, EnteredTime, and RetryCount for states
 * that retry), as AWS records it (LocalStack's outputdecl snapshot, recorded against AWS, shows State with Name
 * and EnteredTime in a Pass state's `$states.context`). The engine makes one executor per state entry; a retry
 * runs the same one again, so its first call is when the state was entered.
 */
function stateContext(executor: Executor, context: Context): Record<string, unknown> {
  const env = context[WAIT_ENV] as WaitEnv | undefined;
  let entered = enteredAt.get(executor);
  if (entered === undefined) {
    entered = env?.now() ?? Date.now();
    enteredAt.set(executor, entered);
  }
  const retries = executor.retrierAttempts.reduce((a, b) => a + b, 0);
  const State = {
    Name: executor.stateName,
    EnteredTime: new Date(entered).toISOString(),
    ...('Retry' in executor.stateDefinition ? { RetryCount: retries } : {}),
  };
  const { Task, ...rest } = plainContext(context);
  // Only a callback task (.waitForTaskToken, activity) has $states.context.Task.Token (callbacks.ts fills it in).
  const callback =
    typeof executor.stateDefinition.Resource === 'string' &&
    isCallbackResource(executor.stateDefinition.Resource);
  return { ...rest, State, ...(callback ? { Task } : {}) };
}

/** Every Assign template of the step, evaluated with the variables as they were on entry. */
async function assignments(
  templates: unknown[],
  b: Bindings,
  jsonata: boolean,
  $: unknown,
  context: Context,
) {
  const values: Variables = {};
  for (const template of templates) {
    if (template === undefined) continue;
    const evaluated = jsonata
      ? await evaluate(template, b, 'Assign')
      : asl.processPayloadTemplate(template, $, context);
    Object.assign(values, evaluated);
  }
  return values;
}

async function languageExecute(
  this: Executor,
  input: unknown,
  context: Context,
  options: ExecOptions,
): Promise<StepResult> {
  const def = this.stateDefinition;
  const jsonata = isJsonata(def);
  const scope = scopeOf(context);
  // A JSON copy (structuredClone would make objects of another realm under Jest, which the engine rejects).
  const raw = JSON.parse(JSON.stringify(input ?? null)) as unknown;
  const ctx = stateContext(this, context);
  try {
    const entry = bindings(scope, raw, ctx);
    const effective = jsonata
      ? def.Arguments !== undefined
        ? await evaluate(def.Arguments, entry, 'Arguments')
        : raw
      : this.processInput(input, context);
    const step = await runState.call(this, def, raw, effective, context, options, entry, jsonata);
    const after = bindings(scope, raw, ctx, step.hasResult ? { result: step.stateResult } : {});
    const values = await assignments(step.assign, after, jsonata, step.stateResult, context);
    let output: unknown;
    if (jsonata)
      output = step.output !== undefined ? await evaluate(step.output, after, 'Output') : step.stateResult;
    scope.assign(values);
    noteAssigned(context, this.stateName, values);
    if (!jsonata) output = this.processResult(step.stateResult, raw, context);
    return { stateResult: output, nextState: step.nextState, isEndState: step.isEndState };
  } catch (error) {
    const events = options.eventLogger;
    events.dispatchStateFailedEvent(this.stateName, def.Type, input, error);
    const retry = this.shouldRetry(error, options.runOptions?.overrides?.retryIntervalOverrides);
    if (retry.shouldRetry) {
      await asl.sleep(retry.waitTimeBeforeRetry ?? 0, options.abortSignal);
      const i = retry.retrierIndex ?? 0;
      events.dispatchStateRetriedEvent(
        this.stateName,
        def.Type,
        input,
        (def.Retry as unknown[])[i],
        this.retrierAttempts[i],
      );
      return this.execute(input, context, options);
    }
    const caught = this.catchError(error);
    if (!caught.nextState || !caught.errorOutput) throw error;
    const catcher = (def.Catch as Array<Record<string, unknown>>)[caught.catcherIndex ?? 0];
    const errorOutput = caught.errorOutput;
    const b = bindings(scope, raw, ctx, { errorOutput });
    const values = await assignments([catcher.Assign], b, jsonata, errorOutput, context);
    const output = jsonata
      ? catcher.Output !== undefined
        ? await evaluate(catcher.Output, b, 'Output')
        : errorOutput
      : asl.processResultPath(catcher.ResultPath as string | undefined, raw, errorOutput);
    scope.assign(values);
    noteAssigned(context, this.stateName, values);
    events.dispatchStateCaughtEvent(this.stateName, def.Type, input, catcher);
    return { stateResult: output, nextState: caught.nextState, isEndState: false };
  }
}

interface Step extends StepResult {
  /** Whether the state has a result ($states.result): Task, Map, Parallel. */
  hasResult: boolean;
  assign: unknown[];
  output?: unknown;
}

/** The state itself, between its input processing and its Assign/Output. */
async function runState(
  this: Executor,
  def: State,
  raw: unknown,
  input: unknown,
  context: Context,
  options: ExecOptions,
  entry: Bindings,
  jsonata: boolean,
): Promise<Step> {
  const name = this.stateName;
  const next = { nextState: def.Next ?? '', isEndState: def.End === true };
  const plain = (r: StepResult, hasResult = false): Step => ({
    ...r,
    hasResult,
    assign: [def.Assign],
    output: def.Output,
  });
  switch (def.Type) {
    case 'Choice':
      return choose(def, raw, input, context, options, entry, jsonata, name);
    case 'Task': {
      if (def.Resource === WAIT_RESOURCE) {
        const until = await nestedWaitUntil(
          def,
          input,
          scopeOf(context),
          entry,
          context[WAIT_ENV] as WaitEnv,
        );
        const env = context[WAIT_ENV] as WaitEnv;
        await asl.sleep(Math.max(0, until - env.now()), options.abortSignal);
        return plain({ stateResult: input, ...next });
      }
      const timeout = jsonata
        ? await evaluate(def.TimeoutSeconds, entry, 'TimeoutSeconds')
        : def.TimeoutSeconds;
      const task = { ...def, ...(timeout === undefined ? {} : { TimeoutSeconds: timeout as number }) };
      return plain(await original.task(task, raw, input, context, name, options), true);
    }
    case 'Map': {
      if (!jsonata) return plain(await P.executeMapState(def, raw, input, context, name, options), true);
      const items = def.Items !== undefined ? await evaluate(def.Items, entry, 'Items') : input;
      if (!Array.isArray(items))
        throw new QueryEvaluationError(
          `The Items field of ${name} must be a JSON array, got ${JSON.stringify(items)}`,
        );
      const selected =
        def.ItemSelector === undefined
          ? items
          : await Promise.all(
              items.map((Value, Index) => {
                const ctx = { ...(entry.states.context as object), Map: { Item: { Index, Value } } };
                return evaluate(
                  def.ItemSelector,
                  { ...entry, states: { ...entry.states, context: ctx } },
                  'ItemSelector',
                );
              }),
            );
      const concurrency = await evaluate(def.MaxConcurrency, entry, 'MaxConcurrency');
      const map = {
        ...def,
        Items: undefined,
        ItemSelector: undefined,
        MaxConcurrency: concurrency as number | undefined,
      };
      return plain(await P.executeMapState(map, raw, selected, context, name, options), true);
    }
    case 'Parallel':
      return plain(await P.executeParallelState(def, raw, input, context, name, options), true);
    case 'Pass':
      if (!jsonata) return plain(await original.pass(def, raw, input, context, name, options));
      return plain({ stateResult: 'Result' in def ? def.Result : input, ...next });
    case 'Fail': {
      if (!jsonata) return plain(await original.fail(def, raw, input, context, name, options));
      const error = await evaluate(def.Error, entry, 'Error');
      const cause = await evaluate(def.Cause, entry, 'Cause');
      throw new asl.FailStateError(error as string | undefined, cause as string | undefined);
    }
    default:
      // Succeed (and a top-level Wait, which the segment runner handles before the engine sees it).
      return plain({
        stateResult: input,
        nextState: '',
        isEndState: def.Type === 'Succeed' || next.isEndState,
      });
  }
}

/** A Choice state: the first rule that matches with its Assign and Output, else the Default with the state's. */
async function choose(
  def: State,
  raw: unknown,
  input: unknown,
  context: Context,
  options: ExecOptions,
  entry: Bindings,
  jsonata: boolean,
  name: string,
): Promise<Step> {
  const NO_MATCH = '\u0000no match';
  for (const rule of (def.Choices ?? []) as Array<Record<string, unknown>>) {
    let matched: boolean;
    if (jsonata) {
      const condition = await evaluate(rule.Condition, entry, 'Condition');
      if (typeof condition !== 'boolean')
        throw new QueryEvaluationError(
          `The Condition of a choice rule of ${name} must evaluate to a boolean, got ${JSON.stringify(condition)}`,
        );
      matched = condition;
    } else {
      // The engine's own rule matching, one rule at a time, so the matching rule (and its Assign) is known.
      const one = { ...def, Choices: [rule], Default: NO_MATCH };
      matched = (await original.choice(one, raw, input, context, name, options)).nextState !== NO_MATCH;
    }
    if (matched)
      return {
        stateResult: input,
        nextState: rule.Next as string,
        isEndState: false,
        hasResult: false,
        // The state's own Assign goes with its Default: a matching rule assigns only its own (AWS records
        // just the rule's assignedVariables when a rule matches).
        assign: [rule.Assign],
        output: rule.Output ?? def.Output,
      };
  }
  if (typeof def.Default !== 'string') throw new asl.StatesNoChoiceMatchedError();
  return {
    stateResult: input,
    nextState: def.Default,
    isEndState: false,
    hasResult: false,
    assign: [def.Assign],
    output: def.Output,
  };
}
