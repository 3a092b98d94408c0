import { timingSafeEqual } from 'node:crypto';
import type { MeetingRecord, MeetingStatus } from '../../shared/meeting';
import type { ApiDeps } from '../deps';
import { type ApiRequest, type ApiResponse, json, problem } from '../http';
import { roomLink } from '../meetingView';

const TOKEN = /^([0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12})\.([A-Za-z0-9_-]{32})$/;

/**
 * GET /join/{token}: what a teacher or student link shows. The meeting's status always; the Jitsi URL only
 * once the server is ready. Any token that is not exactly a live link answers the same 404, so a guess tells
 * nothing about which meetings exist.
 */
export async function joinLink(
  _req: ApiRequest,
  deps: ApiDeps,
  { token }: Record<string, string>,
): Promise<ApiResponse> {
  const notFound = problem(404, 'NotFound', 'no such link');
  const link = await resolveLink(token, deps);
  if (!link) return notFound;
  const { record, role } = link;
  const displayName = role === 'teacher' ? record.teacherName : record.studentName;
  const ready = record.status === 'READY' || record.status === 'IN_PROGRESS';
  return json(200, {
    role,
    displayName,
    title: record.title ?? null,
    status: record.status,
    startTime: record.startTime,
    endAt: record.endAt,
    joinUrl: ready ? roomLink(record, deps.config, displayName) : null,
    message: ready ? 'the meeting room is open' : joinMessage(record.status),
  });
}

/** The meeting and the role a token opens, or undefined for anything that is not exactly a live link. */
export async function resolveLink(
  token: string,
  deps: ApiDeps,
): Promise<{ record: MeetingRecord; role: 'teacher' | 'student' } | undefined> {
  const m = TOKEN.exec(token);
  if (!m) return undefined;
  const record = await deps.store.get(m[1]);
  if (!record) return undefined;
  if (sameSecret(m[2], record.teacherToken)) return { record, role: 'teacher' };
  if (sameSecret(m[2], record.studentToken)) return { record, role: 'student' };
  return undefined;
}

function joinMessage(status: MeetingStatus): string {
  if (status === 'SCHEDULED' || status === 'LAUNCHING') return 'the room opens shortly before the start time';
  if (status === 'CANCELLED') return 'this meeting was cancelled';
  return 'this meeting has ended';
}

function sameSecret(given: string, expected: string): boolean {
  const a = Buffer.from(given);
  const b = Buffer.from(expected);
  return a.length === b.length && timingSafeEqual(a, b);
}
