/**
 * Plain records of the operations beyond state machines and executions: activities, task tokens (callbacks
 * and activity tasks) and map runs. Each is saved on its own through StateStore.saveRecord.
 */

export interface ActivityRecord {
  activityArn: string;
  name: string;
  creationDate: number;
  tags?: Record<string, string>;
}

/**
 * One task waiting for SendTaskSuccess/Failure: a `.waitForTaskToken` task (kind `callback`) or an activity
 * task (kind `activity`). Kept until its execution ends, so a segment that runs again after a restart finds its
 * token (and, if it came, its outcome) instead of calling the task a second time.
 */
export interface TaskTokenRecord {
  token: string;
  executionArn: string;
  stateName: string;
  kind: 'callback' | 'activity';
  resource: string;
  /** SCHEDULED: waiting (an activity task: not yet picked by a worker); STARTED: a worker has it. */
  status: 'SCHEDULED' | 'STARTED' | 'SUCCEEDED' | 'FAILED' | 'TIMED_OUT';
  /** The task's effective input, as JSON (what GetActivityTask answers). */
  input: string;
  /** What the integration answered when the callback task was submitted (TaskSubmitted's output). */
  submitted?: unknown;
  output?: string;
  error?: string;
  cause?: string;
  workerName?: string;
  scheduledAt: number;
}

export type MapRunStatus = 'RUNNING' | 'SUCCEEDED' | 'FAILED' | 'ABORTED';

/** A distributed Map state's run (DescribeMapRun): one per time the state runs. */
export interface MapRunRecord {
  mapRunArn: string;
  executionArn: string;
  stateMachineArn: string;
  stateName: string;
  status: MapRunStatus;
  startDate: number;
  stopDate?: number;
  maxConcurrency: number;
  toleratedFailurePercentage: number;
  toleratedFailureCount: number;
  total: number;
  succeeded: number;
  failed: number;
  aborted: number;
}
