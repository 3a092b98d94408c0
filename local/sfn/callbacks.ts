import type { Activities } from './activities';
import type { Definition, State } from './definition';
import { SfnError } from './errors';
import type { HistoryRecorder } from './history';
import type { TaskTokenRecord } from './opsRecords';
import type { StateStore } from './stateStore';
import { TaskFailure } from './taskResources';

/** The suffix of a callback task's resource (the "Wait for a Callback with Task Token" pattern). */
export const WAIT_FOR_TASK_TOKEN = '.waitForTaskToken';
const ACTIVITY_ARN = /^arn:aws[a-z-]*:states:[a-z0-9-]+:\d{12}:activity:[A-Za-z0-9_-]{1,80}$/;
/**
 * What `$$.Task.Token` reads while the ASL engine evaluates a task's Parameters; the task handler swaps it for
 * the task's own token (the engine shares one context object between all tasks of a segment).
 */
export const TASK_TOKEN_PLACEHOLDER = '__localStepFunctionsTaskToken__';

/**
 * The definition with the TimeoutSeconds of callback and activity tasks taken out: their handler times them out
 * itself (TaskTimedOut / ActivityTimedOut, then States.Timeout), so the ASL engine's own timer does not race it.
 */
export function withoutCallbackTimeouts(definition: Definition): Definition {
  const States: Record<string, State> = {};
  for (const [name, state] of Object.entries(definition.States)) {
    let copy: State = state;
    if (state.Type === 'Task' && typeof state.Resource === 'string' && isCallbackResource(state.Resource)) {
      copy = { ...state };
      delete copy.TimeoutSeconds;
    }
    if (Array.isArray(copy.Branches))
      copy = { ...copy, Branches: copy.Branches.map((b) => withoutCallbackTimeouts(b)) };
    if (copy.ItemProcessor) copy = { ...copy, ItemProcessor: withoutCallbackTimeouts(copy.ItemProcessor) };
    if (copy.Iterator) copy = { ...copy, Iterator: withoutCallbackTimeouts(copy.Iterator) };
    States[name] = copy;
  }
  return { ...definition, States };
}

export const isCallbackResource = (resource: string) =>
  resource.endsWith(WAIT_FOR_TASK_TOKEN) || ACTIVITY_ARN.test(resource);

/**
 * A task's token names its execution, state, attempt and redrive, so the same task gets the same token when its
 * segment runs again after a restart: a worker holding it can still answer, and the task is not sent twice.
 */
export function taskToken(executionArn: string, stateName: string, attempt: number, redrive = 0): string {
  return Buffer.from(JSON.stringify([executionArn, stateName, attempt, redrive])).toString('base64url');
}

function executionOf(token: string): string | undefined {
  try {
    const parsed = JSON.parse(Buffer.from(token, 'base64url').toString('utf8')) as unknown;
    return Array.isArray(parsed) && typeof parsed[0] === 'string' ? parsed[0] : undefined;
  } catch {
    return undefined;
  }
}

/** Every string equal to the placeholder, anywhere in the task's input, becomes the token. */
export function withToken(value: unknown, token: string): unknown {
  if (value === TASK_TOKEN_PLACEHOLDER) return token;
  if (Array.isArray(value)) return value.map((v) => withToken(v, token));
  if (value && typeof value === 'object')
    return Object.fromEntries(Object.entries(value).map(([k, v]) => [k, withToken(v, token)]));
  return value;
}

interface Waiter {
  settle: (outcome: { output: unknown } | { error: TaskFailure }) => void;
  beat: () => void;
  onStarted?: (workerName?: string) => void;
}

export interface CallbackTask {
  executionArn: string;
  stateName: string;
  resource: string;
  token: string;
  input: unknown;
  history: HistoryRecorder;
  /** The engine's region, which TaskScheduled names. */
  region: string;
  timeoutSeconds?: number;
  heartbeatSeconds?: number;
  signal: AbortSignal;
  /** Calls the integration a callback task names (lambda:invoke for lambda:invoke.waitForTaskToken). */
  submit: (resource: string, input: unknown) => Promise<unknown>;
}

/**
 * Task tokens: `.waitForTaskToken` tasks and activity tasks wait here for SendTaskSuccess, SendTaskFailure
 * and SendTaskHeartbeat (and activity tasks for a worker's GetActivityTask). Their records are saved, so an
 * answer, or a worker's claim, survives a restart.
 */
export class TaskTokens {
  private readonly records = new Map<string, TaskTokenRecord>();
  private readonly waiters = new Map<string, Waiter>();

  constructor(
    private readonly store: StateStore,
    private readonly activities: Activities,
    private readonly now: () => number,
    /** SFN_WAIT_SCALE: HeartbeatSeconds and TimeoutSeconds last this fraction of their length, as Waits do. */
    private readonly waitScale: number,
    /** Whether an execution exists, and whether it still runs (a token of an ended one has timed out). */
    private readonly executionStatus: (executionArn: string) => string | undefined,
  ) {}

  load(): void {
    for (const r of this.store.loadRecords<TaskTokenRecord>('task-tokens')) this.records.set(r.token, r);
  }

  private save(r: TaskTokenRecord): void {
    this.records.set(r.token, r);
    this.store.saveRecord('task-tokens', r.token, r);
  }

  /** The execution ended (or is redriven): its tokens are closed, and their records go. */
  dropExecution(executionArn: string): void {
    for (const r of [...this.records.values()]) {
      if (r.executionArn !== executionArn) continue;
      if (r.kind === 'activity') this.activities.withdraw(r.resource, r.token);
      this.records.delete(r.token);
      this.waiters.delete(r.token);
      this.store.deleteRecord('task-tokens', r.token);
    }
  }

  /** Runs a callback or activity task: schedules it and waits for its answer, logging AWS's events. */
  async run(task: CallbackTask): Promise<unknown> {
    const activity = !task.resource.endsWith(WAIT_FOR_TASK_TOKEN);
    const h = task.history;
    let record = this.records.get(task.token);
    if (activity) {
      h.activityScheduled(task.resource, task.input, task.timeoutSeconds, task.heartbeatSeconds);
      if (!this.activities.has(task.resource)) {
        // The activity was deleted (or never created): the task cannot be scheduled.
        const cause = `Activity does not exist: '${task.resource}'`;
        h.activityScheduleFailed('States.Runtime', cause);
        throw new TaskFailure('States.Runtime', cause);
      }
    } else {
      h.taskScheduled(task.resource, task.region, task.input, task.timeoutSeconds);
      h.taskStarted(task.resource);
    }
    if (!record) {
      record = {
        token: task.token,
        executionArn: task.executionArn,
        stateName: task.stateName,
        kind: activity ? 'activity' : 'callback',
        resource: task.resource,
        status: 'SCHEDULED',
        input: JSON.stringify(task.input ?? null),
        scheduledAt: this.now(),
      };
      if (!activity) {
        try {
          record.submitted = await task.submit(
            task.resource.slice(0, -WAIT_FOR_TASK_TOKEN.length),
            task.input,
          );
        } catch (err) {
          const e = err as Error;
          h.taskFailed(task.resource, e.name, e.message);
          throw err;
        }
      }
      this.save(record);
    }
    if (!activity) h.taskSubmitted(task.resource, record.submitted);
    else if (record.status !== 'SCHEDULED') h.activityStarted(record.workerName);
    if (activity && record.status === 'SCHEDULED') this.activities.offer(task.resource, task.token);
    // What came before a restart is answered again; otherwise wait, with the history written so far visible.
    const done = record.status === 'SUCCEEDED' || record.status === 'FAILED' ? record : undefined;
    if (!done) h.flush();
    const outcome = done ? outcomeOf(done) : await this.wait(task, record, activity);
    // Stopped (StopExecution, or the engine closing): the execution's history is closed, so nothing more is logged.
    if (task.signal.aborted)
      throw 'error' in outcome ? outcome.error : new TaskFailure('States.Runtime', 'aborted');
    if ('output' in outcome) {
      const output = JSON.stringify(outcome.output ?? null);
      if (activity) h.activitySucceeded(output);
      else h.taskSucceeded(task.resource, outcome.output);
      return outcome.output;
    }
    const { name, message } = outcome.error;
    const timedOut = name === 'States.Timeout' || name === 'States.HeartbeatTimeout';
    if (activity) {
      if (timedOut) h.activityTimedOut(name, message);
      else h.activityFailed(name || undefined, message || undefined);
    } else if (timedOut) h.taskTimedOut(task.resource, name, message);
    else h.taskFailed(task.resource, name, message);
    throw outcome.error;
  }

  private wait(task: CallbackTask, record: TaskTokenRecord, activity: boolean) {
    return new Promise<{ output: unknown } | { error: TaskFailure }>((resolve) => {
      let heartbeat: NodeJS.Timeout | undefined;
      let timeout: NodeJS.Timeout | undefined;
      const settle: Waiter['settle'] = (outcome) => {
        clearTimeout(heartbeat);
        clearTimeout(timeout);
        task.signal.removeEventListener('abort', onAbort);
        this.waiters.delete(task.token);
        if (activity) this.activities.withdraw(task.resource, task.token);
        resolve(outcome);
      };
      const expire = (error: string, cause: string) => {
        this.save({ ...record, status: 'TIMED_OUT', error, cause });
        settle({ error: new TaskFailure(error, cause) });
      };
      // HeartbeatSeconds: the task times out when no heartbeat (or answer) comes for that long (ASL, Task state).
      const beat = () => {
        if (task.heartbeatSeconds === undefined) return;
        clearTimeout(heartbeat);
        heartbeat = setTimeout(
          () => expire('States.HeartbeatTimeout', 'The task did not send a heartbeat in time.'),
          task.heartbeatSeconds * 1000 * this.waitScale,
        );
      };
      const onAbort = () => settle({ error: new TaskFailure('States.Runtime', 'aborted') });
      if (task.timeoutSeconds !== undefined) {
        const left = record.scheduledAt + task.timeoutSeconds * 1000 * this.waitScale - this.now();
        timeout = setTimeout(
          () => expire('States.Timeout', 'The task did not answer within its TimeoutSeconds.'),
          Math.min(Math.max(0, left), 2_147_483_647),
        );
      }
      beat();
      task.signal.addEventListener('abort', onAbort, { once: true });
      this.waiters.set(task.token, {
        settle,
        beat,
        onStarted: activity
          ? (worker) => {
              task.history.activityStarted(worker);
              task.history.flush();
            }
          : undefined,
      });
    });
  }

  /** The open record of a token, or the error SendTask* answers (API reference, SendTaskSuccess: Errors). */
  private open(token: string): TaskTokenRecord {
    const executionArn = executionOf(token);
    if (!executionArn) throw new SfnError('InvalidToken', 'Invalid Token: the task token is malformed');
    const record = this.records.get(token);
    const status = this.executionStatus(executionArn);
    if (!record) {
      if (status === undefined || status === 'RUNNING')
        throw new SfnError('TaskDoesNotExist', 'Task Does Not Exist: no task has this token');
      throw new SfnError('TaskTimedOut', 'Task Timed Out: the execution of this task has ended');
    }
    if (status !== 'RUNNING' || !['SCHEDULED', 'STARTED'].includes(record.status))
      throw new SfnError('TaskTimedOut', 'Task Timed Out: the task is no longer open');
    return record;
  }

  sendSuccess(token: string, output: string): void {
    const record = this.open(token);
    let parsed: unknown;
    try {
      parsed = JSON.parse(output);
    } catch {
      throw new SfnError('InvalidOutput', 'Invalid Output: output is not valid JSON');
    }
    this.save({ ...record, status: 'SUCCEEDED', output });
    this.waiters.get(token)?.settle({ output: parsed });
  }

  sendFailure(token: string, error?: string, cause?: string): void {
    const record = this.open(token);
    this.save({ ...record, status: 'FAILED', error: error ?? '', cause: cause ?? '' });
    this.waiters.get(token)?.settle({ error: new TaskFailure(error ?? '', cause ?? '') });
  }

  sendHeartbeat(token: string): void {
    this.open(token);
    this.waiters.get(token)?.beat();
  }

  /**
   * GetActivityTask: the next scheduled task of the activity (waiting up to `timeoutMs`), marked STARTED for
   * this worker; an empty answer when none comes.
   */
  async getActivityTask(
    activityArn: string,
    workerName: string | undefined,
    timeoutMs: number,
    signal?: AbortSignal,
  ): Promise<{ taskToken?: string; input?: string }> {
    this.activities.describe(activityArn);
    const deadline = this.now() + timeoutMs;
    for (;;) {
      const token = await this.activities.poll(activityArn, Math.max(0, deadline - this.now()), signal);
      if (token === undefined) return {};
      const record = this.records.get(token);
      if (!record || record.status !== 'SCHEDULED') continue;
      this.save({ ...record, status: 'STARTED', workerName });
      this.waiters.get(token)?.onStarted?.(workerName);
      return { taskToken: token, input: record.input };
    }
  }
}

function outcomeOf(r: TaskTokenRecord): { output: unknown } | { error: TaskFailure } {
  return r.status === 'SUCCEEDED'
    ? { output: JSON.parse(r.output ?? 'null') as unknown }
    : { error: new TaskFailure(r.error ?? '', r.cause ?? '') };
}
