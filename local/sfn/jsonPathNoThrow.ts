/**
 * jsonpath-plus's `JSONPath(options)` as the ASL engine calls it (`JSONPath({ path, json, wrap: false })`),
 * without its exception. Called without `new`, jsonpath-plus constructs itself with `new` and, to hand back a
 * scalar result (a string, a number, `undefined`), throws a `NewError` carrying the value and catches it
 * (jsonpath-plus 10 `src/jsonpath.js`: "Caught when JSONPath is used without `new`"). Every `$.meetingId` of a
 * Parameters block thus builds an Error and its stack trace: a fifth of the inspector's samples of a herd's
 * work before its first task (bench `herd`; less without a profiler attached). Constructed with `autostart: false`, then
 * `evaluate`d with the same path and document, it answers the value the constructor would have, with no throw.
 *
 * The paths a Parameters block holds are nearly all plain member paths (`$.meetingId`, `$$.Execution.Id`):
 * those are followed here directly, as jsonpath-plus's `_trace` follows a plain name (`val && Object.hasOwn(val,
 * loc)`, else no match), so they skip its parser and result objects too. Anything else goes to jsonpath-plus.
 */
export interface JsonPathPlus {
  JSONPath: (...args: unknown[]) => unknown;
}

interface Evaluator {
  evaluate(args: { path: unknown; json: unknown }): unknown;
}

export function withoutThrow(plus: JsonPathPlus): JsonPathPlus {
  const original = plus.JSONPath;
  const Construct = original as unknown as new (options: object) => Evaluator;
  const JSONPath = (options: unknown, ...rest: unknown[]): unknown => {
    // Any other way of calling it (a path string, callbacks, no autostart) goes to jsonpath-plus as it is.
    if (rest.length > 0 || typeof options !== 'object' || options === null || 'autostart' in options)
      return original(options, ...rest);
    const { path, json } = options as { path?: unknown; json?: unknown };
    const names = memberNames(path);
    // jsonpath-plus answers undefined for a falsy document, before reading the path.
    if (names && (options as { wrap?: unknown }).wrap === false && onlyKeys(options, PLAIN_CALL))
      return json ? follow(json, names) : undefined;
    return new Construct({ ...options, autostart: false }).evaluate({ path, json });
  };
  return { ...plus, JSONPath };
}

/** `$.a.b` with plain names: each name is a step of jsonpath-plus's simple case (no `*`, `..`, `[ ]`, `@`…). */
const MEMBER_PATH = /^\$(?:\.[A-Za-z_][A-Za-z0-9_]*)+$/;
const PLAIN_CALL = new Set(['path', 'json', 'wrap']);

function memberNames(path: unknown): string[] | undefined {
  return typeof path === 'string' && MEMBER_PATH.test(path) ? path.slice(2).split('.') : undefined;
}

function onlyKeys(options: object, allowed: Set<string>): boolean {
  return Object.keys(options).every((k) => allowed.has(k));
}

/** One match (the value) or none (undefined), as `wrap: false` answers a single-branch path. */
function follow(json: unknown, names: string[]): unknown {
  let value = json;
  for (const name of names) {
    if (!value || !Object.hasOwn(value as object, name)) return undefined;
    value = (value as Record<string, unknown>)[name];
  }
  return value;
}
