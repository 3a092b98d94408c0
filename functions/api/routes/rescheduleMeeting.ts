import { executionNameFor } from '../../shared/meeting';
import { silentTelemetry } from '../../shared/observability';
import type { MeetingRecord } from '../../shared/meeting';
import { capacityProblem, type LaunchRequest } from '../admission';
import { checkStart, fieldErrors, meetingTimes, RescheduleRequest } from '../booking';
import type { ApiDeps } from '../deps';
import { type ApiRequest, type ApiResponse, json, problem, validationProblem } from '../http';
import { startLifecycle, stopLifecycle } from '../lifecycle';
import { meetingView } from '../meetingView';
import { readJsonBody } from '../requestBody';

/**
 * PATCH /meetings/{id}: new time and/or duration. Execution names cannot be reused (for 90 days), so the new
 * execution is named with the new revision; the old one is stopped, and its late tasks see the new revision
 * and do nothing. A server already running is torn down when the new launch time is still ahead; when the
 * meeting is imminent anyway it is kept and the new execution finds it.
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
  const record = await store.get(id);
  if (!record) return problem(404, 'NotFound', 'no such meeting');
  if (!['SCHEDULED', 'LAUNCHING', 'READY'].includes(record.status)) {
    return problem(
      409,
      'Conflict',
      `meeting is ${record.status}; only meetings that have not started can be moved`,
    );
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
    return problem(409, 'Conflict', 'the meeting changed meanwhile; read it again and retry');
  }
  // The new hold replaced the old one on the record under the revision check, so only this request frees what
  // the old one held and the new one does not.
  if (admitted && record.held)
    await deps.admission!.giveBackReplaced(record.held, admitted.hold, admitted.taken);
  const t = (deps.telemetry ?? silentTelemetry).forMeeting({ meetingId: id, revision });
  t.metric('MeetingsRescheduled', 1);
  t.logger.info('meeting rescheduled', { startTime: updated.startTime, serverTornDown: tearDown });
  await stopLifecycle(
    deps.sfn,
    record.executionArn,
    'MeetingRescheduled',
    `rescheduled to revision ${revision}`,
  );
  if (tearDown)
    await deps.teardown({ meetingId: id, outcome: 'RESCHEDULED', reason: 'rescheduled', revision });
  const executionArn = await startLifecycle(deps.sfn, config, updated);
  const final = await store.update(id, { executionArn });
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
