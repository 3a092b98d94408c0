import { timingSafeEqual } from 'node:crypto';
import type { MeetingRecord } from '../../shared/meeting';
import type { ApiDeps } from '../deps';
import { type ApiRequest, type ApiResponse, json, problem } from '../http';
import { renderJoinPage, renderNotFoundPage, PAGE_HEADERS } from '../join/joinPage';
import { joinView } from '../join/joinView';
import { DEFAULT_JOIN_POLL_SECONDS } from '../join/pollSchedule';
import { wantsHtml } from '../join/negotiate';

const TOKEN = /^([0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12})\.([A-Za-z0-9_-]{32})$/;

/**
 * GET /join/{token}: what a teacher or student link shows; a page for a browser, JSON for everyone else (the
 * page polls the JSON). The meeting's status always; the Jitsi URL only once the server is ready. Any token
 * that is not exactly a live link answers the same 404 (per representation), so a guess tells nothing about
 * which meetings exist.
 */
export async function joinLink(
  req: ApiRequest,
  deps: ApiDeps,
  { token }: Record<string, string>,
): Promise<ApiResponse> {
  const page = wantsHtml(req.headers.accept);
  const link = await resolveLink(token, deps);
  if (!link) {
    return page
      ? { statusCode: 404, headers: { ...PAGE_HEADERS, vary: 'accept' }, body: renderNotFoundPage() }
      : withVary(problem(404, 'NotFound', 'no such link'));
  }
  const view = joinView(link.record, link.role, deps.config);
  if (!page) return withVary(json(200, view));
  const pollSeconds = deps.config.joinPollSeconds ?? DEFAULT_JOIN_POLL_SECONDS;
  return {
    statusCode: 200,
    headers: { ...PAGE_HEADERS, vary: 'accept' },
    body: renderJoinPage(view, { now: deps.now(), pollSeconds }),
  };
}

/** Both representations share one URL: a cache must keep them apart. */
function withVary(res: ApiResponse): ApiResponse {
  return { ...res, headers: { ...res.headers, vary: 'accept' } };
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

function sameSecret(given: string, expected: string): boolean {
  const a = Buffer.from(given);
  const b = Buffer.from(expected);
  return a.length === b.length && timingSafeEqual(a, b);
}
