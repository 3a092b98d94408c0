import type { MeetingRecord } from '../shared/meeting';
import { countOutcome, type Telemetry } from '../shared/observability';
import { countServerMinutes } from '../shared/serverMinutes';
import type { TaskDeps } from '../shared/taskDeps';

/**
 * Closes an open meeting as FAILED with the sweeper's reason, then stops its servers and DNS record. Closed
 * first, conditionally on the revision read: a meeting that finished, was cancelled or rescheduled since keeps
 * what it has, and its (possibly new) server is not touched. Answers the instances terminated, or undefined
 * when the meeting had moved on and nothing was done.
 */
export async function closeMeeting(
  { store, fleet }: TaskDeps,
  meeting: MeetingRecord,
  reason: string,
  now: Date,
  telemetry: Telemetry,
): Promise<string[] | undefined> {
  const { changed } = await store.transition(
    meeting.id,
    'FAILED',
    { statusReason: `swept: ${reason}` },
    { revision: meeting.revision },
  );
  if (!changed) return undefined;
  // Should this fail, the next server walk finds a FAILED meeting's server.
  const { terminatedInstanceIds } = await fleet.terminate({
    meetingId: meeting.id,
    hostname: meeting.hostname,
    publicIp: meeting.publicIp,
  });
  const t = telemetry.forMeeting({ meetingId: meeting.id, revision: meeting.revision });
  if (meeting.instanceId && terminatedInstanceIds.includes(meeting.instanceId))
    await countServerMinutes(store, meeting, now, t);
  // Its teardown never counted it, so the sweeper does.
  countOutcome(t, 'FAILED', { reason: `swept: ${reason}` });
  t.logger.warn('closed meeting', { reason, terminatedInstanceIds });
  return terminatedInstanceIds;
}
