import type { Definition, State } from './definition';
import type { EngineEvent } from './historyTranslator';

/**
 * `$$.State` of the context object: Name, EnteredTime and RetryCount of the state being run (developer guide,
 * "Accessing execution data from the Context object in Step Functions":
 * https://docs.aws.amazon.com/step-functions/latest/dg/input-output-contextobject.html). The ASL engine shares
 * one context object across a segment's states, so the values are put in the definition instead: the name as a
 * literal wherever `"x.$": "$$.State.Name"` appears; in a Task's Parameters, EnteredTime and RetryCount as
 * placeholders its handler fills in when it runs. (Inside intrinsic functions, and EnteredTime/RetryCount outside
 * a Task's Parameters, `$$.State` is still not there.)
 */
export const STATE_ENTERED_TIME = '__localStepFunctionsStateEnteredTime__';
export const STATE_RETRY_COUNT = '__localStepFunctionsStateRetryCount__';

const TEMPLATE_FIELDS = ['Parameters', 'ItemSelector', 'ResultSelector'];

function rewrite(template: unknown, name: string, task: boolean): unknown {
  if (Array.isArray(template)) return template.map((v) => rewrite(v, name, task));
  if (!template || typeof template !== 'object') return template;
  return Object.fromEntries(
    Object.entries(template).map(([key, value]) => {
      if (key.endsWith('.$') && typeof value === 'string') {
        const plain = key.slice(0, -2);
        if (value === '$$.State.Name') return [plain, name];
        if (task && value === '$$.State.EnteredTime') return [plain, STATE_ENTERED_TIME];
        if (task && value === '$$.State.RetryCount') return [plain, STATE_RETRY_COUNT];
      }
      return [key, rewrite(value, name, task)];
    }),
  );
}

/** The definition with `$$.State` references resolved or marked, in every scope (branches, item processors). */
export function withContextState(definition: Definition): Definition {
  const States: Record<string, State> = {};
  for (const [name, state] of Object.entries(definition.States)) {
    const copy: State = { ...state };
    for (const field of TEMPLATE_FIELDS)
      if (field in copy)
        copy[field] = rewrite(copy[field], name, state.Type === 'Task' && field === 'Parameters');
    if (Array.isArray(copy.Branches)) copy.Branches = copy.Branches.map((b) => withContextState(b));
    if (copy.ItemProcessor) copy.ItemProcessor = withContextState(copy.ItemProcessor);
    if (copy.Iterator) copy.Iterator = withContextState(copy.Iterator);
    States[name] = copy;
  }
  return { ...definition, States };
}

/** When each state was last entered and how often it was retried since, from the ASL engine's event log. */
export class StateClock {
  private readonly states = new Map<string, { enteredAt: number; retries: number }>();

  observe(event: EngineEvent, now: number): void {
    const name = event.state?.name;
    if (!name) return;
    if (event.type === 'StateEntered') this.states.set(name, { enteredAt: now, retries: 0 });
    else if (event.type === 'StateRetried') {
      const s = this.states.get(name);
      if (s) s.retries++;
    }
  }

  /** A Task's input with the placeholders filled: EnteredTime as an ISO timestamp, RetryCount as a number. */
  fill(stateName: string, value: unknown, now: number): unknown {
    const s = this.states.get(stateName) ?? { enteredAt: now, retries: 0 };
    const visit = (v: unknown): unknown => {
      if (v === STATE_ENTERED_TIME) return new Date(s.enteredAt).toISOString();
      if (v === STATE_RETRY_COUNT) return s.retries;
      if (Array.isArray(v)) return v.map(visit);
      if (v && typeof v === 'object')
        return Object.fromEntries(Object.entries(v).map(([k, x]) => [k, visit(x)]));
      return v;
    };
    return visit(value);
  }
}
