import type { Fleet } from './fleet';
import type { Telemetry } from './observability';
import type { MeetingStore } from './store';
import { z } from 'zod';
import { invalidTaskInput, meetingClosed, TaskError } from './errors';
import { isTerminal, type MeetingRecord } from './meeting';

/** What every lifecycle task is given: the meetings table and the servers. */
export interface TaskDeps {
  store: MeetingStore;
  fleet: Fleet;
  /** Logs and metrics (functions/shared/observability.ts); without it a task logs and publishes nothing. */
  telemetry?: Telemetry;
}

/** Parses a task's input with its schema; a mismatch is a bug in the state machine, named by field. */
export function parseTaskInput<T extends z.ZodType>(task: string, schema: T, input: unknown): z.infer<T> {
  const parsed = schema.safeParse(input);
  if (!parsed.success) {
    throw invalidTaskInput(
      task,
      parsed.error.issues.map((i) => `${i.path.join('.')}: ${i.message}`).join('; '),
    );
  }
  return parsed.data;
}

/** Revision carried by every task input: the execution was started for this version of the meeting. */
export const Revision = z.number().int().min(0);

/**
 * The meeting a task works on, if this execution still owns it: a rescheduled meeting (newer revision) or a
 * closed one (cancelled, finished) must not be touched by a late task of an old execution.
 */
export async function liveMeeting(
  store: MeetingStore,
  meetingId: string,
  revision: number,
): Promise<MeetingRecord> {
  const meeting = await store.mustGet(meetingId);
  if (meeting.revision !== revision) throw staleExecution(meetingId, revision, meeting.revision);
  if (isTerminal(meeting.status)) throw meetingClosed(meetingId, meeting.status);
  return meeting;
}

export const staleExecution = (id: string, mine: number, current: number) =>
  new TaskError(
    'StaleExecution',
    `meeting ${id} was rescheduled (revision ${current}); this execution is for ${mine}`,
  );
