import { asl } from './aslInternals';
import { applyPath, waitUntil, type State } from './definition';
import { evaluate, QueryEvaluationError, type Bindings } from './jsonata';
import type { Scope } from './variables';
import { variablePath } from './variables';

/**
 * Wait states with variables or JSONata. A JSONata Wait takes `Seconds` (a non-negative integer) or
 * `Timestamp` as a literal or an expression; a JSONPath Wait's SecondsPath/TimestampPath may read a variable
 * (`$name.field`). Both may Assign (from the state's input) and a JSONata Wait may have an Output.
 */

/** The Wait with its duration resolved to a literal `Seconds` or `Timestamp`, for waitUntil. */
async function resolved(wait: State, scope: Scope, b: Bindings): Promise<State> {
  if (wait.QueryLanguage === 'JSONata') {
    if (wait.Seconds !== undefined) {
      const seconds = await evaluate(wait.Seconds, b, 'Seconds');
      if (typeof seconds !== 'number' || !Number.isInteger(seconds) || seconds < 0)
        throw new QueryEvaluationError(
          `The Seconds field must be a non-negative integer, got ${JSON.stringify(seconds)}`,
        );
      return { Type: 'Wait', Seconds: seconds };
    }
    const timestamp = await evaluate(wait.Timestamp, b, 'Timestamp');
    if (typeof timestamp !== 'string' || Number.isNaN(Date.parse(timestamp)))
      throw new QueryEvaluationError(
        `The Timestamp field must be an ISO-8601 timestamp, got ${JSON.stringify(timestamp)}`,
      );
    return { Type: 'Wait', Timestamp: timestamp };
  }
  for (const key of ['SecondsPath', 'TimestampPath'] as const) {
    const ref = typeof wait[key] === 'string' ? variablePath(wait[key]) : undefined;
    if (!ref) continue;
    if (!scope.has(ref.name)) throw new asl.StatesRuntimeError(`The variable '$${ref.name}' is not defined`);
    // The rest of the path reads into the variable's value, as `$.x` reads into the input.
    return { Type: 'Wait', [key]: ref.rest, __value: scope.get(ref.name) };
  }
  return wait;
}

async function until(wait: State, input: unknown, scope: Scope, b: Bindings, now: number, scale: number) {
  const r = await resolved(wait, scope, b);
  return waitUntil(r, '__value' in r ? r.__value : input, now, scale);
}

/** When a Wait inside a Map or Parallel branch ends (its Assign and Output run with the other states'). */
export function nestedWaitUntil(
  wait: State,
  input: unknown,
  scope: Scope,
  b: Bindings,
  env: { now: () => number; waitScale: number },
): Promise<number> {
  return until(wait, input, scope, b, env.now(), env.waitScale);
}

/** A top-level Wait (the segment pauses there): its output, when it ends, and its Assign. */
export async function enterWait(
  wait: State,
  input: unknown,
  scope: Scope,
  context: Record<string | symbol, unknown>,
  now: number,
  scale: number,
): Promise<{ output: unknown; notBefore: number; assigned: Record<string, unknown> }> {
  const jsonata = wait.QueryLanguage === 'JSONata';
  const effective = jsonata ? input : applyPath(wait.InputPath, input);
  const b: Bindings = {
    states: { input, context: Object.fromEntries(Object.entries(context)) },
    variables: scope.all(),
  };
  const notBefore = await until(wait, effective, scope, b, now, scale);
  const values =
    wait.Assign === undefined
      ? {}
      : jsonata
        ? await evaluate(wait.Assign, b, 'Assign')
        : asl.processPayloadTemplate(wait.Assign, effective, context);
  const output = jsonata
    ? wait.Output !== undefined
      ? await evaluate(wait.Output, b, 'Output')
      : input
    : applyPath(wait.OutputPath, effective);
  scope.assign(values as Record<string, unknown>);
  return { output, notBefore, assigned: values as Record<string, unknown> };
}
