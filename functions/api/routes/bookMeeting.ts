import type { AdmissionHold, MeetingRecord } from '../../shared/meeting';
import { countOutcome, silentTelemetry } from '../../shared/observability';
import { capacityProblem } from '../admission';
import { meetingIdFor, newMeeting, requestHash, validateBooking } from '../booking';
import type { ApiDeps } from '../deps';
import { type ApiRequest, type ApiResponse, json, problem, validationProblem } from '../http';
import { startLifecycle, stopLifecycle } from '../lifecycle';
import { meetingView } from '../meetingView';
import { readJsonBody } from '../requestBody';

const IDEMPOTENCY_KEY = /^[A-Za-z0-9_.:-]{1,128}$/;

/** POST /meetings: books a meeting and starts its lifecycle; with an Idempotency-Key, a retry is the same call. */
export async function bookMeeting(req: ApiRequest, deps: ApiDeps): Promise<ApiResponse> {
  const { config, store, now } = deps;
  const idempotencyKey = req.headers['idempotency-key'];
  const parsed = readJsonBody(req, config.maxBodyBytes);
  if (!parsed.ok && parsed.response.statusCode === 413) return parsed.response;
  if (idempotencyKey !== undefined && !IDEMPOTENCY_KEY.test(idempotencyKey)) {
    return validationProblem(
      [{ field: 'Idempotency-Key', message: 'must be 1–128 characters of A-Z a-z 0-9 _ . : -' }],
      'Idempotency-Key header is malformed',
    );
  }
  if (!parsed.ok) return parsed.response;
  const at = now();
  const valid = validateBooking(parsed.body, at, config.timings);
  if (!valid.ok) return validationProblem(valid.errors);
  const id = meetingIdFor(idempotencyKey);
  const meeting = newMeeting({
    id,
    booking: valid.booking,
    start: valid.start,
    now: at,
    timings: config.timings,
    jitsiDomain: config.jitsiDomain,
  });
  const t = (deps.telemetry ?? silentTelemetry).forMeeting({ meetingId: id, revision: 0 });
  const replayOf = (existing: MeetingRecord) =>
    existing.requestHash === requestHash(valid.booking)
      ? existing
      : problem(422, 'IdempotencyKeyReused', 'this Idempotency-Key was used with a different request');
  let record: MeetingRecord;
  // A replay finds its meeting before taking anything: it never holds a second slot.
  const earlier = idempotencyKey !== undefined ? await store.get(id) : undefined;
  const admitted = earlier ? undefined : await admit(deps, meeting, at);
  if (admitted && !admitted.ok) return capacityProblem(admitted, deps.admission!.limits);
  const booked = admitted ? { ...meeting, launchAt: admitted.launchAt, held: admitted.hold } : meeting;
  if (!earlier && (await createOrGiveBack(deps, booked, admitted?.taken))) {
    record = booked;
    // Counted once: an idempotent replay finds the record and books nothing new.
    t.metric('MeetingsBooked', 1);
    t.logger.info('meeting booked', {
      startTime: booked.startTime,
      launchAt: booked.launchAt,
      durationMinutes: booked.durationMinutes,
    });
  } else {
    const replay = await replayOf(earlier ?? (await store.mustGet(id)));
    if ('statusCode' in replay) return replay;
    record = replay;
  }
  if (!record.executionArn) {
    let executionArn;
    try {
      executionArn = await startLifecycle(deps.sfn, config, record);
    } catch (err) {
      // Without an Idempotency-Key no retry can reach this meeting again: close it rather than leave a
      // SCHEDULED meeting that nothing will ever launch. With a key, the retry starts the execution.
      if (idempotencyKey === undefined) {
        const reason = `lifecycle not started: ${(err as Error).name}: ${(err as Error).message}`;
        const closed = await store.transition(id, 'FAILED', { statusReason: reason.slice(0, 1000) });
        if (closed.changed) countOutcome(t, 'FAILED', { reason });
        // Nothing will launch it: its slot and vCPUs go back to the ledger.
        await deps.admission?.freeMeeting(id);
        t.logger.error('lifecycle not started', { error: err as Error });
      }
      throw err;
    }
    // Recorded only while the meeting is still open at this revision (issue 22): a reschedule or cancel that
    // reached it first (an Idempotency-Key makes its id known early) owns it, and this execution is stopped.
    const recorded = await store.updateOpen(id, record.revision, { executionArn });
    if (!recorded) {
      await stopLifecycle(
        deps.sfn,
        executionArn,
        'MeetingChanged',
        'superseded before the booking recorded it',
      );
      record = await store.mustGet(id);
    } else record = recorded;
  }
  return json(201, meetingView(record, config, req.origin), { location: `/meetings/${id}` });
}

/** The meeting's launch slot and vCPUs, when admission is on; undefined when it is off. */
function admit(deps: ApiDeps, meeting: MeetingRecord, at: Date) {
  return deps.admission?.admit(
    { startMs: Date.parse(meeting.startTime), durationMinutes: meeting.durationMinutes },
    at.getTime(),
  );
}

/**
 * Creates the meeting holding what admission took. The ledger counters are taken first and the record written
 * second (DynamoDB's TransactWriteItems would do both at once, but dynalite, the local stack's DynamoDB, has no
 * transactions): a failed write, or an id already taken by a concurrent replay, gives everything back before
 * answering, so nothing stays held without a meeting (see README, "Lessons on the hour").
 */
async function createOrGiveBack(
  deps: ApiDeps,
  record: MeetingRecord,
  taken: AdmissionHold | undefined,
): Promise<boolean> {
  let created = false;
  try {
    created = await deps.store.create(record);
  } finally {
    if (!created && taken) await deps.admission!.giveBack(taken);
  }
  return created;
}
