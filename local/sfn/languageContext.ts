import { Scope } from './variables';

/**
 * What the segment runner puts on the context object it hands the ASL engine, for Variables and JSONata
 * (language.ts): the execution's variables, what states assigned, and the clock. Keys are symbols, so the
 * context object AWS shows ($$, $states.context) stays as it is.
 */

/** The execution's root scope, on the context object the segment runner passes to the engine. */
export const SCOPE = Symbol('variables');
/** The segment's AssignedLog: what states assigned, for their StateExited events. */
export const ASSIGNED = Symbol('assigned');
/** The scope a Map iteration's or Parallel branch's context inherits from (its own is made on first use). */
export const PARENT = Symbol('parentVariables');
/** The segment's clock and wait scale, for Waits inside Map and Parallel that read variables or JSONata. */
export const WAIT_ENV = Symbol('waitEnv');
export interface WaitEnv {
  now: () => number;
  waitScale: number;
}

/** The context object the engine passes to every state: AWS's context object, and the keys above. */
export type Context = Record<string | symbol, unknown>;
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
