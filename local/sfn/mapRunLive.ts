/**
 * UpdateMapRun applied to a Map Run in progress. AWS's API reference (API_UpdateMapRun): "Updates an in-progress
 * Map Run's configuration to include changes to the settings that control maximum concurrency and Map Run
 * failure" (https://docs.aws.amazon.com/step-functions/latest/apireference/API_UpdateMapRun.html). The running Map
 * is the ASL engine's MapStateAction.execute, whose concurrency limiter and tolerated-failure check
 * aslInternals.ts rewires (in its private copy of the bundle) to ask these hooks each time they decide: how many
 * items may run now, and how many failures are tolerated now.
 *
 * Only the settings an UpdateMapRun changed override the state's own (so a MaxConcurrencyPath or
 * ToleratedFailureCountPath value stays in force until then); a Map that no update touched (every inline Map)
 * behaves exactly as before.
 */

export interface LiveSettings {
  maxConcurrency?: number;
  toleratedFailureCount?: number;
  toleratedFailurePercentage?: number;
}

/** The tolerance as MapStateAction.toleranceOf answers it: `any` when a count or a percentage applies. */
export interface Tolerance {
  count?: number;
  percentage?: number;
  any: boolean;
}

type Limit = <T>(task: () => Promise<T> | T) => Promise<T>;

/** What the patched MapStateAction.execute calls (aslInternals.ts). */
export interface MapRunHooks {
  live(
    context: unknown,
    stateName: string,
  ): { limit(own: number | undefined, unlimited: number): Limit; tolerance(own: Tolerance): Tolerance };
}

/** One Map state running in one execution: the key ListMapRuns' open runs are kept under (mapRuns.ts). */
export const liveKey = (executionArn: string, stateName: string) => `${executionArn}#${stateName}`;

const overrides = new Map<string, LiveSettings>();
const watchers = new Map<string, Set<() => void>>();

/** UpdateMapRun on an open run: the changed settings apply from now on; limiters waiting on the run look again. */
export function updateLive(key: string, change: LiveSettings): void {
  const defined = Object.entries(change).filter(([, v]) => v !== undefined);
  overrides.set(key, { ...overrides.get(key), ...Object.fromEntries(defined) });
  for (const wake of [...(watchers.get(key) ?? [])]) wake();
}

/** The run ended: its overrides go (a later run of the same state starts from the state's settings). */
export function endLive(key: string): void {
  overrides.delete(key);
}

function watch(key: string, wake: () => void): () => void {
  const set = watchers.get(key) ?? new Set();
  watchers.set(key, set.add(wake));
  return () => {
    set.delete(wake);
    if (set.size === 0) watchers.delete(key);
  };
}

/**
 * A concurrency limiter like p-limit 3.1 (what the bundle used: a task starts one microtask after it is queued,
 * the next queued one when a task settles), but whose concurrency is read at every decision, and which fills the
 * new slots at once when woken by an update. It watches its key only while tasks are queued.
 */
export function liveLimit(concurrency: () => number, key: string): Limit {
  const queue: (() => void)[] = [];
  let active = 0;
  let unwatch: (() => void) | undefined;
  const pump = () => {
    while (queue.length > 0 && active < Math.max(1, concurrency())) queue.shift()!();
    if (queue.length === 0) {
      unwatch?.();
      unwatch = undefined;
    } else unwatch ??= watch(key, pump);
  };
  return <T>(task: () => Promise<T> | T) =>
    new Promise<T>((resolve) => {
      queue.push(() => {
        active++;
        const result = (async () => task())();
        resolve(result);
        void result
          .catch(() => undefined)
          .then(() => {
            active--;
            pump();
          });
      });
      void Promise.resolve().then(pump);
    });
}

const executionArnOf = (context: unknown): string => {
  const execution = (context as { Execution?: { Id?: unknown } } | undefined)?.Execution;
  return typeof execution?.Id === 'string' ? execution.Id : '';
};

export const mapRunHooks: MapRunHooks = {
  live(context, stateName) {
    const key = liveKey(executionArnOf(context), stateName);
    return {
      // MaxConcurrency 0 is "no limit" (the bundle's own default, as for the state's field).
      limit: (own, unlimited) =>
        liveLimit(() => (overrides.get(key)?.maxConcurrency ?? own) || unlimited, key),
      tolerance(own) {
        const live = overrides.get(key);
        const count = live?.toleratedFailureCount ?? own.count;
        const percentage = live?.toleratedFailurePercentage ?? own.percentage;
        return { count, percentage, any: count !== undefined || percentage !== undefined };
      },
    };
  },
};
