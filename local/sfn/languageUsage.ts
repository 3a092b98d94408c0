import { WAIT_RESOURCE, type State } from './definition';
import { variablePath } from './variables';

/**
 * Which states run their data flow in languageDataFlow.ts rather than in the engine's own StateExecutor: JSONata
 * states, and JSONPath states that assign variables or whose Wait reads one.
 */

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
