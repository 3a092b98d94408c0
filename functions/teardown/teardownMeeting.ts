import { z } from 'zod';
import { MeetingStatus, Outcome } from '../shared/meeting';
import { parseTaskInput, Revision, type TaskDeps } from '../shared/taskDeps';

export const TeardownInput = z.object({
  meetingId: z.string().min(1),
  /** RESCHEDULED stops the server and leaves the status to the reschedule that asked for it. */
  outcome: z.union([Outcome, z.literal('RESCHEDULED')]),
  reason: z.string().max(2000),
  revision: Revision,
});
export const TeardownOutput = z.object({
  status: MeetingStatus,
  terminatedInstanceIds: z.array(z.string()),
});
export type TeardownOutput = z.infer<typeof TeardownOutput>;

/**
 * Terminates everything tagged with the meeting and records the outcome. Idempotent: servers already gone
 * are fine, and a meeting that already has a final status (cancelled, say) keeps it.
 */
export async function teardownMeeting(input: unknown, { store, fleet }: TaskDeps): Promise<TeardownOutput> {
  const { meetingId, outcome, reason, revision } = parseTaskInput('teardown', TeardownInput, input);
  const meeting = await store.mustGet(meetingId);
  // A stopped, rescheduled execution must not tear down the server of the meeting's new time.
  if (meeting.revision !== revision) return { status: meeting.status, terminatedInstanceIds: [] };
  const { terminatedInstanceIds } = await fleet.terminate({ meetingId, hostname: meeting.hostname });
  if (outcome === 'RESCHEDULED') return { status: meeting.status, terminatedInstanceIds };
  const { record } = await store.transition(meetingId, outcome, {
    statusReason: reason.slice(0, 1000),
    terminatedInstanceIds,
  });
  return { status: record.status, terminatedInstanceIds };
}
