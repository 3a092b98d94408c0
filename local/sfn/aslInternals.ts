import '../polyfills';
import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname } from 'node:path';
import type { StateMachine as PlainStateMachine } from 'aws-local-stepfunctions';
import { withoutThrow, type JsonPathPlus } from './jsonPathNoThrow';
import { mapRunHooks } from './mapRunLive';

/**
 * The ASL engine (aws-local-stepfunctions 3.0.0, as patched in patches/) with the internals Variables and
 * JSONata hook into: its StateExecutor (one state's input/output processing, Retry and Catch) and its JSONPath
 * query, which every path of the library goes through (InputPath, Parameters, Choice, intrinsics, …).
 * The package exports neither, so this loads the installed bundle once more as a private copy with those
 * names exported as well. Only the local engine's segments run on this copy: the plain package (bench, the
 * definition tests) stays untouched, and so does the shared node_modules. A changed bundle fails loudly here.
 */
export interface JsonPathQuery {
  (path: string, json: unknown, context: unknown, options?: unknown): unknown;
}
/** The library's StateExecutor, as far as the language hooks use it. */
export interface StateExecutorClass {
  prototype: Record<string, (...args: never[]) => unknown>;
}
/** MapStateAction.processItem: runs one item, resolving with its output (wrapped by mapEventOrder, redriveBranches). */
export type ProcessItem = (
  machine: unknown,
  item: unknown,
  input: unknown,
  context: unknown,
  index: number,
  ...rest: unknown[]
) => Promise<unknown>;
/** The library's Map state action, as far as mapEventOrder.ts uses it. */
export interface MapStateActionClass {
  prototype: Record<string, (...args: never[]) => unknown>;
}
interface Internals {
  StateMachine: typeof PlainStateMachine;
  MapStateAction: MapStateActionClass;
  /** The library's Parallel state action, as far as redriveBranches.ts uses it. */
  ParallelStateAction: MapStateActionClass;
  StateExecutor: StateExecutorClass;
  StatesRuntimeError: new (message?: string) => Error;
  ExecutionError: new (cause: unknown) => Error;
  StatesNoChoiceMatchedError: new () => Error;
  FailStateError: new (error?: string, cause?: string) => Error;
  processPayloadTemplate: (template: unknown, json: unknown, context: unknown) => unknown;
  processResultPath: (path: string | null | undefined, rawInput: unknown, result: unknown) => unknown;
  sleep: (ms: number, signal?: AbortSignal) => Promise<void>;
  getJsonPathQuery: () => JsonPathQuery;
  setJsonPathQuery: (query: JsonPathQuery) => void;
}

const EXPORTS = `
module.exports.__internals = {
  StateMachine, StateExecutor, MapStateAction, ParallelStateAction, StatesRuntimeError, ExecutionError, StatesNoChoiceMatchedError, FailStateError,
  processPayloadTemplate, processResultPath, sleep,
  getJsonPathQuery: () => jsonPathQuery,
  setJsonPathQuery: (query) => { jsonPathQuery = query; },
};`;

function load(): Internals {
  const file = require.resolve('aws-local-stepfunctions');
  const source = readFileSync(file, 'utf8');
  for (const name of [
    'var StateExecutor = class',
    'var MapStateAction = class',
    'var ParallelStateAction = class',
    'function jsonPathQuery(',
    'function processPayloadTemplate(',
  ])
    if (!source.includes(name))
      throw new Error(
        `aws-local-stepfunctions changed: ${name} not found in ${file} (local/sfn/aslInternals.ts)`,
      );
  const patched = liveMapRun(source, file);
  // Compiled in this realm (not through node:module), so the bundle sees the same globals as the engine —
  // under Jest that is the test's sandbox, where polyfills.ts added Promise.withResolvers.
  const copy = { exports: {} as { __internals?: Internals } };
  const body = new Function(
    'exports',
    'require',
    'module',
    '__filename',
    '__dirname',
    'mapRunHooks',
    patched + EXPORTS,
  );
  // The copy's jsonpath-plus answers scalars without throwing (jsonPathNoThrow.ts: a herd's hot path).
  const realRequire = createRequire(file);
  const jsonPathPlus = withoutThrow(realRequire('jsonpath-plus') as JsonPathPlus);
  const requireForCopy = Object.assign(
    (id: string) => (id === 'jsonpath-plus' ? jsonPathPlus : realRequire(id)),
    realRequire,
  );
  body(copy.exports, requireForCopy, copy, file, dirname(file), mapRunHooks);
  return copy.exports.__internals!;
}

/** Replaces `text` (found exactly once) in the bundle, or fails loudly: the bundle changed. */
function replaceOnce(source: string, file: string, text: string, by: string): string {
  const at = source.indexOf(text);
  if (at < 0 || source.indexOf(text, at + 1) >= 0)
    throw new Error(
      `aws-local-stepfunctions changed: ${text.trim().split('\n')[0]} not found once in ${file} (local/sfn/aslInternals.ts)`,
    );
  return source.slice(0, at) + by + source.slice(at + text.length);
}

/**
 * MapStateAction.execute's concurrency limiter and tolerated-failure check, read live from mapRunHooks
 * (mapRunLive.ts: UpdateMapRun applied to a Map Run in progress) instead of fixed when the Map starts.
 *
 * And a failed iteration with no tolerance stops the Map from starting the ones still queued behind
 * MaxConcurrency: AWS fails the Map at once (LocalStack's test_error_output snapshot, recorded against AWS: after
 * an iteration fails, the history goes on with MapIterationFailed and MapStateFailed, no further
 * MapIterationStarted). The bundle stops them only when a tolerated-failure threshold is set.
 */
function liveMapRun(source: string, file: string): string {
  return replaceOnce(
    source,
    file,
    `    const limit = (0, import_p_limit.default)(maxConcurrency || DEFAULT_MAX_CONCURRENCY);
    let failed = 0;
    let stopped = false;
    const exceeded = () => tolerance.count !== void 0 && failed > tolerance.count || tolerance.percentage !== void 0 && failed * 100 / items.length > tolerance.percentage;
    const processedItemsPromise = items.map(
      (item, i) => limit(() => {
        if (stopped) return Promise.resolve({ skipped: true });
        const run = this.processItem(iteratorStateMachine, item, input, context, i, options);
        if (!tolerance.any) return run;
        return run.then((value) => ({ value }), (error) => {
          failed++;
          if (!exceeded()) return { failed: true };
          stopped = true;
          throw new StatesExceedToleratedFailureThresholdError();
        });
      })
    );
    try {
      const settled = await Promise.all(processedItemsPromise);
      const result = tolerance.any ? settled.filter((s) => !s.failed && !s.skipped).map((s) => s.value) : settled;
`,
    `    const live = mapRunHooks.live(context, this.stateName);
    const limit = live.limit(maxConcurrency, DEFAULT_MAX_CONCURRENCY);
    let failed = 0;
    let stopped = false;
    const exceeded = (t) => t.count !== void 0 && failed > t.count || t.percentage !== void 0 && failed * 100 / items.length > t.percentage;
    const processedItemsPromise = items.map(
      (item, i) => limit(() => {
        if (stopped) return Promise.resolve({ skipped: true });
        const run = this.processItem(iteratorStateMachine, item, input, context, i, options);
        return run.then((value) => ({ value }), (error) => {
          const now = live.tolerance(tolerance);
          if (now.any && (++failed, !exceeded(now))) return { failed: true };
          stopped = true;
          throw now.any ? new StatesExceedToleratedFailureThresholdError() : error;
        });
      })
    );
    try {
      const settled = await Promise.all(processedItemsPromise);
      const result = settled.filter((s) => !s.failed && !s.skipped).map((s) => s.value);
`,
  );
}

export const asl = load();
