import { asl } from './aslInternals';
import { evaluate, QueryEvaluationError } from './jsonata';
import { assignments, noteAssigned } from './languageAssign';
import { bindings, stateContext } from './languageBindings';
import { scopeOf, type Context } from './languageContext';
import type { ExecOptions, Executor, StepResult } from './languageExecutor';
import { runState } from './languageStep';
import { isJsonata } from './languageUsage';

/** JSONata errors whose EvaluationFailed event is logged (by the state that evaluated the expression). */
const evaluationLogged = new WeakSet<Error>();

/**
 * One state's data flow, in place of the engine's StateExecutor.execute (language.ts):
 * - JSONPath: InputPath → Parameters → the state → Assign (`$` is the raw result) → ResultSelector →
 *   ResultPath → OutputPath; a Catch's Assign sees the error output ({Error, Cause}) as `$`.
 * - JSONata: Arguments → the state → Assign and Output, both from `$states` (input, result, errorOutput,
 *   context) and the variables as they were when the state was entered: "Assign and Output steps occur in
 *   parallel" ("Transforming data with JSONata in Step Functions", …/transforming-data.html).
 * Retry and Catch as the engine does them, a Catch's Assign and Output included.
 */
export async function languageExecute(
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
    const values = await assignments(
      step.assign,
      after,
      jsonata,
      step.stateResult,
      context,
      step.assignField,
    );
    let output: unknown;
    if (jsonata)
      output =
        step.output !== undefined
          ? await evaluate(step.output, after, step.outputField ?? 'Output')
          : step.stateResult;
    scope.assign(values);
    noteAssigned(context, this.stateName, values);
    if (!jsonata) output = this.processResult(step.stateResult, raw, context);
    return { stateResult: output, nextState: step.nextState, isEndState: step.isEndState };
  } catch (error) {
    const events = options.eventLogger;
    // AWS logs EvaluationFailed for a failed JSONata expression (historyTranslator.ts names the state in it),
    // once: a Map or Parallel the error propagates through does not log it again.
    if (error instanceof QueryEvaluationError && !evaluationLogged.has(error)) {
      evaluationLogged.add(error);
      events.dispatch({
        type: 'EvaluationFailed',
        state: { name: this.stateName, type: def.Type, input },
        error,
      });
    }
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
    const index = caught.catcherIndex ?? 0;
    const catcher = (def.Catch as Array<Record<string, unknown>>)[index];
    const errorOutput = caught.errorOutput;
    const b = bindings(scope, raw, ctx, { errorOutput });
    const at = `Catch[${index}]/`;
    const values = await assignments([catcher.Assign], b, jsonata, errorOutput, context, `${at}Assign`);
    const output = jsonata
      ? catcher.Output !== undefined
        ? await evaluate(catcher.Output, b, `${at}Output`)
        : errorOutput
      : asl.processResultPath(catcher.ResultPath as string | undefined, raw, errorOutput);
    scope.assign(values);
    noteAssigned(context, this.stateName, values);
    events.dispatchStateCaughtEvent(this.stateName, def.Type, input, catcher);
    return { stateResult: output, nextState: caught.nextState, isEndState: false };
  }
}
