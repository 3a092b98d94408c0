import { asl } from './aslInternals';
import { WAIT_RESOURCE, type State } from './definition';

/**
 * Tasks whose time is spent waiting on someone else: a callback (`.waitForTaskToken`) or an activity. Only
 * their timeout is scaled. A Lambda or service task's TimeoutSeconds bounds real work, which runs at real
 * speed at any scale: scaled, the meeting machine's 50 s launch budget would be 0.5 s at 0.01 and every launch
 * would time out.
 */
const waitsOnOthers = (resource: unknown) =>
  typeof resource === 'string' &&
  (resource.endsWith('.waitForTaskToken') || /^arn:[^:]+:states:[^:]*:[^:]*:activity:/.test(resource));

/**
 * SFN_WAIT_SCALE for a waiting Task's TimeoutSeconds: the ASL engine times a task out on its own timer
 * (TaskStateAction: TimeoutSeconds, or TimeoutSecondsPath read from the effective input), which knows nothing of
 * the scale Waits run at. The Task it is given carries the timeout already scaled instead, as a literal. The
 * history keeps the definition's own value (TaskScheduled's timeoutInSeconds is written from the definition).
 * A TimeoutSecondsPath whose value is not a positive integer is left to the engine, which fails it as AWS does.
 * A nested Wait (run as a Task, definition.ts) is scaled by its own sleep; its timeout is only setTimeout's limit.
 */
export function withScaledTimeout(task: State, input: unknown, context: unknown, scale: number): State {
  if (scale === 1 || task.Resource === WAIT_RESOURCE || !waitsOnOthers(task.Resource)) return task;
  let seconds: unknown = task.TimeoutSeconds;
  if (typeof task.TimeoutSecondsPath === 'string') {
    try {
      seconds = asl.getJsonPathQuery()(task.TimeoutSecondsPath, input, context);
    } catch {
      return task;
    }
    if (!Number.isInteger(seconds) || (seconds as number) < 1) return task;
  }
  if (typeof seconds !== 'number') return task;
  return { ...task, TimeoutSecondsPath: undefined, TimeoutSeconds: seconds * scale };
}
