import { isCallbackResource } from './callbacks';
import type { Bindings } from './jsonata';
import { plainContext, WAIT_ENV, type Context, type WaitEnv } from './languageContext';
import type { Executor } from './languageExecutor';
import type { Scope } from './variables';

/** What an expression of the state sees: `$states` (input, context, and result or errorOutput) and the variables. */
export function bindings(
  scope: Scope,
  raw: unknown,
  context: Record<string, unknown>,
  extra: Partial<Bindings['states']> = {},
): Bindings {
  return { states: { input: raw, context, ...extra }, variables: scope.all() };
}

const enteredAt = new WeakMap<Executor, number>();

/**
 * `$states.context` of a state: the context object with `State` (Name, EnteredTime, and RetryCount for states
 * that retry), as AWS records it (LocalStack's outputdecl snapshot, recorded against AWS, shows State with Name
 * and EnteredTime in a Pass state's `$states.context`). The engine makes one executor per state entry; a retry
 * runs the same one again, so its first call is when the state was entered.
 */
export function stateContext(executor: Executor, context: Context): Record<string, unknown> {
  const env = context[WAIT_ENV] as WaitEnv | undefined;
  let entered = enteredAt.get(executor);
  if (entered === undefined) {
    entered = env?.now() ?? Date.now();
    enteredAt.set(executor, entered);
  }
  const retries = executor.retrierAttempts.reduce((a, b) => a + b, 0);
  const State = {
    Name: executor.stateName,
    EnteredTime: new Date(entered).toISOString(),
    ...('Retry' in executor.stateDefinition ? { RetryCount: retries } : {}),
  };
  const { Task, ...rest } = plainContext(context);
  // Only a callback task (.waitForTaskToken, activity) has $states.context.Task.Token (callbacks.ts fills it in).
  const callback =
    typeof executor.stateDefinition.Resource === 'string' &&
    isCallbackResource(executor.stateDefinition.Resource);
  return { ...rest, State, ...(callback ? { Task } : {}) };
}
