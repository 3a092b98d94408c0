import { asl } from './aslInternals';
import type { State } from './definition';
import type { Context } from './languageContext';

/**
 * The ASL engine's StateExecutor (aslInternals.ts), as far as the language hooks use it: one state's input and
 * output processing, Retry and Catch. `P` is its prototype, which language.ts patches; `original` keeps the
 * engine's own methods, taken before any patch, for the states and steps that run unchanged.
 */
export interface RunOptions {
  context?: Context;
  overrides?: { retryIntervalOverrides?: unknown };
}
export interface ExecOptions {
  runOptions?: RunOptions;
  abortSignal?: AbortSignal;
  eventLogger: {
    /** The logger's generic dispatch (its nested Map/Parallel loggers forward unknown event types as they are). */
    dispatch(event: object): void;
    dispatchStateFailedEvent(name: string, type: string, input: unknown, error: unknown): void;
    dispatchStateRetriedEvent(
      name: string,
      type: string,
      input: unknown,
      retrier: unknown,
      attempt: number,
    ): void;
    dispatchStateCaughtEvent(name: string, type: string, input: unknown, catcher: unknown): void;
  };
}
export interface StepResult {
  stateResult: unknown;
  nextState: string;
  isEndState: boolean;
}
export type Handler = (
  def: State,
  raw: unknown,
  input: unknown,
  context: Context,
  name: string,
  o: ExecOptions,
) => Promise<StepResult>;
export interface Executor {
  stateName: string;
  stateDefinition: State;
  retrierAttempts: number[];
  execute(input: unknown, context: Context, options: ExecOptions): Promise<StepResult>;
  processInput(input: unknown, context: Context): unknown;
  processResult(result: unknown, raw: unknown, context: Context): unknown;
  shouldRetry(
    error: unknown,
    overrides: unknown,
  ): { shouldRetry: boolean; waitTimeBeforeRetry?: number; retrierIndex?: number };
  catchError(error: unknown): {
    nextState: string;
    errorOutput?: { Error: string; Cause: string };
    catcherIndex?: number;
  };
}

/** The prototype every state's executor inherits from (one executor per state entry). */
export const P = asl.StateExecutor.prototype as unknown as Executor & Record<string, Handler>;
export const original = {
  execute: P.execute,
  task: P.executeTaskState,
  map: P.executeMapState,
  parallel: P.executeParallelState,
  pass: P.executePassState,
  choice: P.executeChoiceState,
  fail: P.executeFailState,
};
