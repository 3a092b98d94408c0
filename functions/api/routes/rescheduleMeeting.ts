import { executionNameFor } from '../../shared/meeting';
import { silentTelemetry } from '../../shared/observability';
import type { MeetingRecord } from '../../shared/meeting';
import { capacityProblem, type LaunchRequest } from '../admission';
import { checkStart, fieldErrors, meetingTimes, RescheduleRequest } from '../booking';
import type { ApiDeps } from '../deps';
import { type ApiRequest, type ApiResponse, json, problem, validationProblem } from '../http';
import { conflict, expectedRevision } from '../conflict';
import { startLifecycle, stopLifecycle, stopRevision } from '../lifecycle';
import { meetingView } from '../meetingView';
import { readJsonBody } from '../requestBody';

/**
 * PATCH /meetings/{id}: new time and/or duration. Execution names cannot be reused (for 90 days), so the new
 * execution is named with the new revision; the old one is stopped, and its late tasks see the new revision
 * and do nothing. A server already running is torn down when the new launch time is still ahead; when the
 * meeting is imminent anyway it is kept and the new execution finds it.
 *
 * Serialized per meeting (issue 22): the conditional write on the revision decides the winner before any
 * execution is touched; a loser gets 409 with the current revision. The winner stops the previous revision's
 * execution by name, starts its own, and records it only while its revision is still the meeting's and the
 * meeting is open: when a later reschedule or a cancel won meanwhile, it stops what it started and answers 409
 * too, so whatever the interleaving one execution runs, the current revision's, and every 200 names a revision
 * that was current when it answered. A crash between the steps is repaired by the sweeper (reconcile.ts).
 */
export async function rescheduleMeeting(
  req: ApiRequest,
  deps: ApiDeps,
  { id }: Record<string, string>,
): Promise<ApiResponse> {
  const { config, store } = deps;
  const read = readJsonBody(req, config.maxBodyBytes);
  if (!read.ok) return read.response;
  const parsed = RescheduleRequest.safeParse(read.body);
  if (!parsed.success) return validationProblem(fieldErrors(parsed.error));
  const change = parsed.data;
  const expected = expectedRevision(req.headers['if-match']);
  if (!expected.ok) return expected.response;
  const record = await store.get(id);
  if (!record) return problem(404, 'NotFound', 'no such meeting');
  if (expected.revision !== undefined && expected.revision !== record.revision) {
    return conflict(`meeting is at revision ${record.revision}, not ${expected.revision}`, record);
  }
  if (!['SCHEDULED', 'LAUNCHING', 'READY'].includes(record.status)) {
    return conflict(`meeting is ${record.status}; only meetings that have not started can be moved`, record);
  }
  const now = deps.now();
  const duration = change.durationMinutes ?? record.durationMinutes;
  if (duration < config.timings.minDurationMinutes) {
    return validationProblem([
      { field: 'durationMinutes', message: `must be at least ${config.timings.minDurationMinutes}` },
    ]);
  }
  let start = new Date(record.startTime);
  if (change.startTime !== undefined) {
    const checked = checkStart(change.startTime, change.timeZone ?? record.timeZone, now, config.timings);
    if (!checked.ok) return validationProblem([{ field: 'startTime', message: checked.message }]);
    start = checked.utc;
  }
  const times = meetingTimes(start, duration, now, config.timings);
  const tearDown = record.status !== 'SCHEDULED' && Date.parse(times.launchAt) > now.getTime();
  const revision = record.revision + 1;
  const admitted = await admitMove(deps, record, {
    start,
    duration,
    now,
    launches: record.status === 'SCHEDULED' || tearDown,
    launchAt: times.launchAt,
  });
  if (admitted && !admitted.ok) return capacityProblem(admitted, deps.admission!.limits);
  const updated = await store.reschedule(id, record.revision, {
    ...times,
    ...(admitted ? { launchAt: admitted.launchAt, held: admitted.hold } : {}),
    timeZone: change.timeZone ?? record.timeZone,
    revision,
    executionName: executionNameFor(id, revision),
    status: tearDown ? 'SCHEDULED' : record.status,
    statusReason: `rescheduled (revision ${revision})`,
  });
  if (!updated) {
    if (admitted) await deps.admission!.giveBack(admitted.taken);
    return conflict('the meeting changed meanwhile; read it again and retry', await store.get(id));
  }
  // The new hold replaced the old one on the record under the revision check, so only this request frees what
  // the old one held and the new one does not.
  if (admitted && record.held)
    await deps.admission!.giveBackReplaced(record.held, admitted.hold, admitted.taken);
  const t = (deps.telemetry ?? silentTelemetry).forMeeting({ meetingId: id, revision });
  t.metric('MeetingsRescheduled', 1);
  t.logger.info('meeting rescheduled', { startTime: updated.startTime, serverTornDown: tearDown });
  await stopRevision(deps.sfn, config, record, 'MeetingRescheduled', `rescheduled to revision ${revision}`);
  if (tearDown)
    await deps.teardown({ meetingId: id, outcome: 'RESCHEDULED', reason: 'rescheduled', revision });
  const executionArn = await startLifecycle(deps.sfn, config, updated);
  const final = await store.updateOpen(id, revision, { executionArn });
  if (!final) {
    // Superseded between the write and now: whoever won may have looked for this execution before it existed.
    const current = await store.get(id);
    await stopLifecycle(
      deps.sfn,
      executionArn,
      'MeetingRescheduled',
      `superseded: meeting is ${current?.status ?? 'gone'} at revision ${current?.revision ?? '?'}`,
    );
    t.logger.info('reschedule superseded before it answered', { currentRevision: current?.revision });
    return conflict('the meeting changed meanwhile; read it again and retry', current);
  }
  return json(200, meetingView(final, config, req.origin));
}

/**
 * The moved meeting's launch slot and vCPUs, when admission is on. A meeting that will launch (not launched
 * yet, or its server torn down) keeps the slot it holds when that minute still fits the new start, else takes a
 * new one; a meeting whose running server is kept needs no launch, only its vCPUs for the new times. Buckets
 * the meeting holds already are not taken again (a longer lesson in a full hour needs only its new buckets);
 * the others are taken before the old ones are freed.
 */
function admitMove(
  deps: ApiDeps,
  record: MeetingRecord,
  move: { start: Date; duration: number; now: Date; launches: boolean; launchAt: string },
) {
  const admission = deps.admission;
  if (!admission) return undefined;
  const startMs = move.start.getTime();
  const nowMs = move.now.getTime();
  const launch: LaunchRequest = !move.launches
    ? { kind: 'none', launchAt: move.launchAt, launchMinute: record.held?.launchMinute }
    : admission.keeps(record.held, startMs, nowMs) && Date.parse(record.launchAt) >= nowMs
      ? { kind: 'keep', launchMinute: record.held!.launchMinute!, launchAt: record.launchAt }
      : { kind: 'slot' };
  return admission.admit({ startMs, durationMinutes: move.duration }, nowMs, launch, record.held);
}
