import { parseExecutionName, revisionExecutionArn } from '../shared/executions';
import { OPEN_STATUSES, type MeetingRecord } from '../shared/meeting';
import type { Telemetry } from '../shared/observability';
import type { TaskDeps } from '../shared/taskDeps';
import { closeMeeting } from './closeMeeting';

/** The lifecycle's executions, as the sweeper sees them through the Step Functions API. */
export interface LifecycleExecutions {
  stateMachineArn: string;
  /**
   * Every RUNNING execution of the state machine (ListExecutions, all pages). Eventually consistent ("The
   * results are best effort and may not reflect very recent updates", ListExecutions in the Step Functions API
   * Reference), so an open meeting whose execution is not listed is asked about once more before anything is done.
   */
  listRunning(): Promise<{ executionArn: string; name: string }[]>;
  /** DescribeExecution's status; 'MISSING' for ExecutionDoesNotExist. */
  status(executionArn: string): Promise<string | undefined>;
  stop(executionArn: string, error: string, cause: string): Promise<void>;
  /**
   * Starts the meeting's current revision from its record (same name, same input as the API would). Absent
   * where the sweeper does not know the lifecycle's timings (on AWS): such a meeting is closed instead.
   */
  restart?: (meeting: MeetingRecord) => Promise<string>;
}

export type ExecutionVerdict = { stop: false } | { stop: true; reason: string };

/**
 * What to do with a RUNNING execution, given its meeting (undefined: no such meeting). Stopped: one whose
 * meeting does not exist, was rescheduled to a later revision, or was cancelled. Kept: names that are not a
 * meeting's, the current revision's execution, one newer than its record (nothing to compare it with), and
 * one of a meeting closed otherwise (its teardown may still be writing the outcome).
 */
export function executionVerdict(name: string, meeting: MeetingRecord | undefined): ExecutionVerdict {
  const parsed = parseExecutionName(name);
  if (!parsed) return { stop: false };
  if (!meeting) return { stop: true, reason: 'meeting does not exist' };
  if (parsed.revision < meeting.revision)
    return { stop: true, reason: `superseded by revision ${meeting.revision}` };
  if (meeting.status === 'CANCELLED' && parsed.revision === meeting.revision)
    return { stop: true, reason: 'meeting cancelled' };
  return { stop: false };
}

export type MissingAction = { action: 'wait' } | { action: 'restart' } | { action: 'close'; reason: string };

/**
 * An open meeting whose current execution does not exist. Within graceMs of its last write it may be a booking
 * or reschedule between its write and its StartExecution: left alone. A SCHEDULED one that has not ended is
 * started again when a restart is possible (nothing of it ran yet); anything else (a launched meeting whose
 * execution vanished, no restart possible, or too late) is closed with the reason.
 */
export function missingExecutionAction(
  meeting: MeetingRecord,
  now: Date,
  graceMs: number,
  canRestart: boolean,
): MissingAction {
  if (now.getTime() - Date.parse(meeting.updatedAt) < graceMs) return { action: 'wait' };
  if (canRestart && meeting.status === 'SCHEDULED' && Date.parse(meeting.endAt) > now.getTime())
    return { action: 'restart' };
  return {
    action: 'close',
    reason: `lifecycle execution ${meeting.executionName} missing while ${meeting.status}`,
  };
}

export interface Reconciled {
  meetingId: string;
  reason: string;
  executionArn?: string;
  terminatedInstanceIds?: string[];
}

const PAGE_SIZE = 100;

/**
 * Reconciles meetings and executions both ways (issue 22), so a crash between a request's steps, a lost
 * execution or a lost record ends in one execution per open meeting, its current revision's, and none for a
 * closed one:
 * - a RUNNING execution of a meeting that does not exist, of an older revision, or of a cancelled meeting is
 *   stopped (ABORTED: not counted as a failure);
 * - an open meeting whose current execution does not exist is restarted or closed (missingExecutionAction).
 * Executions that ended while their meeting is open are left to the meeting walk (sweep.ts).
 */
export async function reconcile(
  deps: TaskDeps,
  executions: LifecycleExecutions,
  options: { now: Date; graceMs: number },
  telemetry: Telemetry,
): Promise<Reconciled[]> {
  const done: Reconciled[] = [];
  const running = await executions.listRunning();
  const open = new Map<string, MeetingRecord>();
  for (const status of OPEN_STATUSES) {
    let nextToken: string | undefined;
    do {
      const page = await deps.store.list({ status, limit: PAGE_SIZE, nextToken });
      nextToken = page.nextToken;
      for (const m of page.items) open.set(m.id, m);
    } while (nextToken);
  }

  for (const e of running) {
    const parsed = parseExecutionName(e.name);
    if (!parsed) continue;
    // The current revision's execution of an open meeting (nearly all of them) needs no further read.
    const known = open.get(parsed.meetingId);
    if (known && !executionVerdict(e.name, known).stop) continue;
    // Read again, consistently: the listing is older than this moment, and a closed meeting is not in it.
    const meeting = await deps.store.get(parsed.meetingId);
    const verdict = executionVerdict(e.name, meeting);
    if (!verdict.stop) continue;
    await executions.stop(e.executionArn, 'Reconciled', `stopped by the sweeper: ${verdict.reason}`);
    done.push({
      meetingId: parsed.meetingId,
      reason: `execution stopped: ${verdict.reason}`,
      executionArn: e.executionArn,
    });
    const t = telemetry.forMeeting({ meetingId: parsed.meetingId, revision: parsed.revision });
    t.logger.warn('stopped execution', { executionArn: e.executionArn, reason: verdict.reason });
  }

  const listed = new Set(running.map((e) => e.executionArn));
  for (const meeting of open.values()) {
    const current = revisionExecutionArn(executions.stateMachineArn, meeting.id, meeting.revision);
    if (listed.has(current)) continue;
    const status = await executions.status(current);
    if (status !== 'MISSING') continue; // live (listed late), or ended: the meeting walk's
    const fresh = await deps.store.get(meeting.id);
    if (!fresh || fresh.revision !== meeting.revision || !OPEN_STATUSES.includes(fresh.status)) continue;
    const action = missingExecutionAction(fresh, options.now, options.graceMs, Boolean(executions.restart));
    const t = telemetry.forMeeting({ meetingId: fresh.id, revision: fresh.revision });
    if (action.action === 'wait') continue;
    if (action.action === 'restart') {
      const executionArn = await executions.restart!(fresh);
      await deps.store.updateOpen(fresh.id, fresh.revision, { executionArn });
      const reason = `execution ${fresh.executionName} missing: started again`;
      done.push({ meetingId: fresh.id, reason, executionArn });
      t.logger.warn('restarted execution', { executionArn });
      continue;
    }
    const terminatedInstanceIds = await closeMeeting(deps, fresh, action.reason, options.now, telemetry);
    if (terminatedInstanceIds)
      done.push({ meetingId: fresh.id, reason: action.reason, terminatedInstanceIds });
  }
  return done;
}
