import { asl } from './aslInternals';
import { WAIT_RESOURCE, type State } from './definition';
import { evaluate, QueryEvaluationError, type Bindings } from './jsonata';
import { scopeOf, WAIT_ENV, type Context, type WaitEnv } from './languageContext';
import { original, P, type ExecOptions, type Executor, type StepResult } from './languageExecutor';
import { nestedWaitUntil } from './languageWait';

/**
 * The state itself, by type, between its input processing and its Assign and Output (languageDataFlow.ts): the
 * engine's own handlers where they serve, JSONata's fields (Items, ItemSelector, MaxConcurrency, TimeoutSeconds,
 * Condition, Error, Cause) evaluated here.
 */

/** What the state itself answers the data flow: the engine's result, and which Assign and Output follow. */
export interface Step extends StepResult {
  /** Whether the state has a result ($states.result): Task, Map, Parallel. */
  hasResult: boolean;
  assign: unknown[];
  output?: unknown;
  /** AWS's names of the Assign and Output fields when not the state's own (a Choice rule's: Choices[i]/Assign). */
  assignField?: string;
  outputField?: string;
}

/** The state itself, between its input processing and its Assign/Output. */
export async function runState(
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
      return plain(await P.executeTaskState(task, raw, input, context, name, options), true);
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
  for (const [i, rule] of ((def.Choices ?? []) as Array<Record<string, unknown>>).entries()) {
    let matched: boolean;
    if (jsonata) {
      const condition = await evaluate(rule.Condition, entry, `Choices[${i}]/Condition`);
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
        assignField: `Choices[${i}]/Assign`,
        outputField: rule.Output === undefined ? 'Output' : `Choices[${i}]/Output`,
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
