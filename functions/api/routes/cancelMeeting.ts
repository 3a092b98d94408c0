import { silentTelemetry } from '../../shared/observability';
import { conflict, expectedRevision } from '../conflict';
import type { ApiDeps } from '../deps';
import { type ApiRequest, type ApiResponse, json, problem } from '../http';
import { stopRevision } from '../lifecycle';
import { meetingView } from '../meetingView';

/**
 * DELETE /meetings/{id}: cancels at any stage before the end. StopExecution runs no Catch, so the cleanup is
 * explicit: the status first (a late task then sees a closed meeting and starts nothing), then the execution,
 * then the server. Repeating it repeats the (idempotent) cleanup and answers the same.
 *
 * Serialized with reschedules (issue 22): the status is written only at the revision read, so a reschedule
 * that won in between makes this a 409 with the current revision, never a 200 over a meeting that goes on.
 * The execution is stopped by the revision's name: a reschedule that wrote the revision but not yet its
 * execution finds the meeting cancelled when it records it, and stops its own (rescheduleMeeting.ts).
 */
export async function cancelMeeting(
  req: ApiRequest,
  deps: ApiDeps,
  { id }: Record<string, string>,
): Promise<ApiResponse> {
  const expected = expectedRevision(req.headers['if-match']);
  if (!expected.ok) return expected.response;
  const existing = await deps.store.get(id);
  if (!existing) return problem(404, 'NotFound', 'no such meeting');
  if (expected.revision !== undefined && expected.revision !== existing.revision) {
    return conflict(`meeting is at revision ${existing.revision}, not ${expected.revision}`, existing);
  }
  const { record, changed } = await deps.store.transition(
    id,
    'CANCELLED',
    { statusReason: 'cancelled by request' },
    { revision: existing.revision },
  );
  if (record.status !== 'CANCELLED') {
    return conflict(
      record.revision !== existing.revision
        ? `meeting was rescheduled meanwhile (revision ${record.revision}); read it again and retry`
        : `meeting is already ${record.status}; nothing to cancel`,
      record,
    );
  }
  if (changed) {
    // Counted once: a repeated DELETE repeats the cleanup, not the count.
    const t = (deps.telemetry ?? silentTelemetry).forMeeting({ meetingId: id, revision: record.revision });
    t.metric('MeetingsCancelled', 1);
    t.logger.info('meeting cancelled', { previousStatus: existing.status });
  }
  // Its launch slot and vCPUs are free for other bookings: once, whoever of repeated or raced cancels comes
  // first (the hold is removed from the record conditionally). Freed before the server stops: the ledger plans
  // launches, and this meeting launches nothing any more.
  await deps.admission?.freeMeeting(id);
  await stopRevision(deps.sfn, deps.config, record, 'MeetingCancelled', 'cancelled by request');
  await deps.teardown({
    meetingId: id,
    outcome: 'CANCELLED',
    reason: 'cancelled by request',
    revision: record.revision,
  });
  return json(200, meetingView(await deps.store.mustGet(id), deps.config, req.origin));
}
