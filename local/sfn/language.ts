import { asl, type JsonPathQuery } from './aslInternals';
import { PARENT, SCOPE, scopeOf, WAIT_ENV, type Context, type WaitEnv } from './languageContext';
import { stateContext } from './languageBindings';
import { languageExecute } from './languageDataFlow';
import { original, P, type ExecOptions, type Executor } from './languageExecutor';
import { usesLanguage } from './languageUsage';
import { withScaledTimeout } from './taskTimeouts';
import { variablePath } from './variables';

/**
 * Variables and JSONata on the ASL engine, installed when this module loads (the segment runner imports it before
 * it builds an engine). The engine runs JSONPath states itself; this patches its StateExecutor (see
 * aslInternals.ts) so that a state with `Assign`, with `QueryLanguage: "JSONata"`, or with a Catch/Choice rule
 * that assigns (languageUsage.ts) runs its data flow in languageDataFlow.ts, as "Passing data between states with
 * variables" and "Transforming data with JSONata in Step Functions" describe it
 * (docs.aws.amazon.com/step-functions/latest/dg/workflow-variables.html and …/transforming-data.html).
 * Every other state runs the engine's own code, unchanged; `$name` in any JSONPath path reads a variable.
 */

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
// A Task's TimeoutSeconds runs at SFN_WAIT_SCALE, as Waits do (taskTimeouts.ts).
P.executeTaskState = function (def, raw, input, context, name, options) {
  const scale = (context[WAIT_ENV] as WaitEnv | undefined)?.waitScale ?? 1;
  return original.task(withScaledTimeout(def, input, context, scale), raw, input, context, name, options);
};
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
P.execute = function (this: Executor, input, context, options) {
  if (typeof context === 'object' && context !== null) running.set(context, this);
  return usesLanguage(this.stateDefinition)
    ? languageExecute.call(this, input, context, options)
    : original.execute.call(this, input, context, options);
};

// `$name` in any JSONPath path (Parameters, Choice Variable, InputPath, intrinsics, …) reads a variable.
const query: JsonPathQuery = asl.getJsonPathQuery();
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
