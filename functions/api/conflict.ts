import type { MeetingRecord } from '../shared/meeting';
import { json, problem, type ApiResponse } from './http';

/**
 * 409 for a request that lost a race on the meeting (issue 22): it carries the meeting's current revision and
 * status, so the caller reads it again (or retries with If-Match) knowing what won.
 */
export function conflict(message: string, current: MeetingRecord | undefined): ApiResponse {
  if (!current) return problem(404, 'NotFound', 'no such meeting');
  return json(409, {
    error: 'Conflict',
    message,
    currentRevision: current.revision,
    status: current.status,
  });
}

export type ExpectedRevision = { ok: true; revision?: number } | { ok: false; response: ApiResponse };

/**
 * The optional If-Match header of PATCH and DELETE: the revision the caller last read (the `revision` of the
 * meeting's view), bare or quoted as an entity tag ("3", W/"3"). A request with it changes the meeting only at
 * that revision, so of clients racing from the same read exactly one wins. RFC 9110 §13.1.1 answers a failed
 * If-Match with 412; this API answers every lost race with the same 409 and the current revision instead.
 */
export function expectedRevision(header: string | undefined): ExpectedRevision {
  // "*" matches any current representation (RFC 9110 §13.1.1): the meeting exists, which the route checks anyway.
  if (header === undefined || header.trim() === '*') return { ok: true };
  const m = /^\s*(?:W\/)?"?(\d{1,9})"?\s*$/.exec(header);
  if (!m) {
    return {
      ok: false,
      response: problem(400, 'ValidationError', 'If-Match must be a meeting revision, such as "3"', [
        { field: 'If-Match', message: 'must be a meeting revision, such as "3"' },
      ]),
    };
  }
  return { ok: true, revision: Number(m[1]) };
}
