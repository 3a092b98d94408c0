import { SfnError } from './errors';
import type { ActivityRecord } from './opsRecords';
import type { StateStore } from './stateStore';

const NAME = /^[A-Za-z0-9_-]{1,80}$/;

/**
 * Activities (CreateActivity, DescribeActivity, ListActivities, DeleteActivity) and the queue of their
 * scheduled tasks that GetActivityTask long-polls. The queue holds task tokens only: what a token stands for
 * (its input, whether it is still open) is the task tokens' business (callbacks.ts).
 */
export class Activities {
  private readonly activities = new Map<string, ActivityRecord>();
  private readonly queues = new Map<string, string[]>();
  private readonly pollers = new Map<string, Array<() => void>>();

  constructor(
    private readonly store: StateStore,
    private readonly arnPrefix: string,
    private readonly now: () => number,
  ) {}

  load(): void {
    for (const a of this.store.loadRecords<ActivityRecord>('activities'))
      this.activities.set(a.activityArn, a);
  }

  /**
   * CreateActivity is idempotent on the name: a second call answers the first activity, its tags unchanged
   * (API reference, CreateActivity: "tags will not be updated, even if they are different").
   */
  create(name: string, tags: Record<string, string> = {}): ActivityRecord {
    if (!NAME.test(name)) throw new SfnError('InvalidName', `Invalid Name: '${name}'`);
    const activityArn = `${this.arnPrefix}:activity:${name}`;
    const existing = this.activities.get(activityArn);
    if (existing) return existing;
    if (Object.keys(tags).length > 50)
      throw new SfnError('TooManyTags', `Too many tags: a resource takes at most 50 (${activityArn})`);
    const record: ActivityRecord = { activityArn, name, creationDate: this.now(), tags };
    this.activities.set(activityArn, record);
    this.store.saveRecord('activities', activityArn, record);
    return record;
  }

  describe(activityArn: string): ActivityRecord {
    const a = this.activities.get(activityArn);
    if (!a) throw new SfnError('ActivityDoesNotExist', `Activity Does Not Exist: '${activityArn}'`);
    return a;
  }

  has(activityArn: string): boolean {
    return this.activities.has(activityArn);
  }

  list(): ActivityRecord[] {
    return [...this.activities.values()].sort((a, b) => a.creationDate - b.creationDate);
  }

  /** DeleteActivity: answers success for an activity that does not exist, as the API has no error for it. */
  delete(activityArn: string): void {
    this.activities.delete(activityArn);
    this.store.deleteRecord('activities', activityArn);
    this.queues.delete(activityArn);
  }

  /** A scheduled task for the activity's workers; the longest-waiting poller gets it. */
  offer(activityArn: string, token: string): void {
    const queue = this.queues.get(activityArn) ?? [];
    if (!queue.includes(token)) queue.push(token);
    this.queues.set(activityArn, queue);
    this.pollers.get(activityArn)?.shift()?.();
  }

  withdraw(activityArn: string, token: string): void {
    const queue = this.queues.get(activityArn);
    const at = queue?.indexOf(token) ?? -1;
    if (queue && at >= 0) queue.splice(at, 1);
  }

  /** The next queued token, waiting for one up to `timeoutMs` (GetActivityTask's long poll); undefined if none. */
  async poll(activityArn: string, timeoutMs: number, signal?: AbortSignal): Promise<string | undefined> {
    const deadline = this.now() + timeoutMs;
    for (;;) {
      const token = this.queues.get(activityArn)?.shift();
      if (token !== undefined) return token;
      const left = deadline - this.now();
      if (left <= 0 || signal?.aborted || !this.activities.has(activityArn)) return undefined;
      await new Promise<void>((resolve) => {
        const waiting = this.pollers.get(activityArn) ?? [];
        const wake = () => {
          clearTimeout(timer);
          signal?.removeEventListener('abort', wake);
          const at = waiting.indexOf(wake);
          if (at >= 0) waiting.splice(at, 1);
          resolve();
        };
        const timer = setTimeout(wake, left);
        signal?.addEventListener('abort', wake, { once: true });
        waiting.push(wake);
        this.pollers.set(activityArn, waiting);
      });
    }
  }

  /** Ends every long poll at once (engine close). */
  close(): void {
    for (const waiting of this.pollers.values()) for (const wake of [...waiting]) wake();
  }
}
