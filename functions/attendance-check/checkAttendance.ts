import { z } from 'zod';
import { silentTelemetry } from '../shared/observability';
import { liveMeeting, parseTaskInput, Revision, type TaskDeps } from '../shared/taskDeps';

export const AttendanceInput = z.object({
  meetingId: z.string().min(1),
  instanceId: z.string().min(1),
  revision: Revision,
});
export const AttendanceOutput = z.object({
  decision: z.enum(['PRESENT', 'ABSENT', 'UNKNOWN']),
  participants: z.number().int().nullable(),
  reason: z.string(),
});
export type AttendanceOutput = z.infer<typeof AttendanceOutput>;

const NOBODY_JOINED = 'nobody joined';

/**
 * Counts participants after the check delay. Only a *known* zero is ABSENT (→ NO_SHOW teardown): when the
 * count cannot be read the meeting is kept and the reason recorded — a failed check never kills a lesson.
 */
export async function checkAttendance(
  input: unknown,
  { store, fleet, telemetry = silentTelemetry }: TaskDeps,
): Promise<AttendanceOutput> {
  const { meetingId, instanceId, revision } = parseTaskInput('attendance-check', AttendanceInput, input);
  const t = telemetry.forMeeting({ meetingId, revision });
  // Already found empty by an earlier run of this task, whose no-show teardown may have stopped the server or
  // closed the meeting since: the same answer again, so the teardown finishes as NO_SHOW. Counting now would
  // find the server gone, read "unknown" and keep a lesson nobody came to (the local engine runs a segment a
  // crash interrupted again from its start, this task included). Keyed by revision: a reschedule starts over.
  const recorded = await store.mustGet(meetingId);
  if (recorded.absentAtRevision === revision) {
    t.logger.info('attendance already decided: nobody joined');
    return { decision: 'ABSENT', participants: 0, reason: NOBODY_JOINED };
  }
  const meeting = await liveMeeting(store, meetingId, revision);
  if (meeting.status === 'IN_PROGRESS') {
    t.logger.info('attendance already decided', { participants: meeting.participants });
    // Already decided by an earlier run of this task: do not second-guess a live lesson.
    return { decision: 'PRESENT', participants: meeting.participants ?? null, reason: 'already in progress' };
  }
  const count = await fleet.countParticipants({
    meetingId,
    instanceId,
    hostname: meeting.hostname,
    roomName: meeting.roomName,
  });
  if (!count.known) {
    await store.transition(meetingId, 'IN_PROGRESS', {
      attendanceNote: `attendance unknown: ${count.reason}`,
    });
    // The lesson is kept; the reason says why nobody could count (SSM, the server's stats endpoint).
    t.logger.warn('attendance unknown; meeting kept', { instanceId, reason: count.reason });
    return { decision: 'UNKNOWN', participants: null, reason: count.reason };
  }
  if (count.participants === 0) {
    await store.update(meetingId, {
      participants: 0,
      attendanceNote: NOBODY_JOINED,
      absentAtRevision: revision,
    });
    t.logger.info('nobody joined', { instanceId, participants: 0 });
    return { decision: 'ABSENT', participants: 0, reason: NOBODY_JOINED };
  }
  await store.transition(meetingId, 'IN_PROGRESS', { participants: count.participants });
  t.logger.info('meeting in progress', { instanceId, participants: count.participants });
  return { decision: 'PRESENT', participants: count.participants, reason: `${count.participants} joined` };
}
