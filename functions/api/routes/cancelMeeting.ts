import { silentTelemetry } from '../../shared/observability';
import type { ApiDeps } from '../deps';
import { type ApiRequest, type ApiResponse, json, problem } from '../http';
import { stopLifecycle } from '../lifecycle';
import { meetingView } from '../meetingView';

/**
 * DELETE /meetings/{id}: cancels at any stage before the end. StopExecution runs no Catch, so the cleanup is
 * explicit: the status first (a late task then sees a closed meeting and starts nothing), then the execution,
 * then the server. Repeating it repeats the (idempotent) cleanup and answers the same.
 */
export async function cancelMeeting(
  req: ApiRequest,
  deps: ApiDeps,
  { id }: Record<string, string>,
): Promise<ApiResponse> {
  const existing = await deps.store.get(id);
  if (!existing) return problem(404, 'NotFound', 'no such meeting');
  const { record, changed } = await deps.store.transition(id, 'CANCELLED', {
    statusReason: 'cancelled by request',
  });
  if (record.status !== 'CANCELLED') {
    return problem(409, 'Conflict', `meeting is already ${record.status}; nothing to cancel`);
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
  await stopLifecycle(deps.sfn, record.executionArn, 'MeetingCancelled', 'cancelled by request');
  await deps.teardown({
    meetingId: id,
    outcome: 'CANCELLED',
    reason: 'cancelled by request',
    revision: record.revision,
  });
  return json(200, meetingView(await deps.store.mustGet(id), deps.config, req.origin));
}
