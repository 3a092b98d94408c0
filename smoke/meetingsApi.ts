import type { AwsCredentialIdentity } from '@smithy/types';
import { z } from 'zod';
import { signRequest } from './sigv4';

/** How requests to the /meetings routes authenticate (README, "API"). */
export type ApiAuth =
  | { kind: 'none' }
  | { kind: 'bearer'; token: string }
  | { kind: 'sigv4'; region: string; credentials: () => Promise<AwsCredentialIdentity> };

const instant = z.string().refine((v) => !Number.isNaN(Date.parse(v)), 'must be an ISO instant');

/** What the API answers for a meeting: only the fields the smoke test reads, the rest passes through. */
export const MeetingView = z.looseObject({
  id: z.string().min(1),
  status: z.string(),
  statusReason: z.string().nullable(),
  startTime: instant,
  launchAt: instant,
  attendanceCheckAt: instant,
  endAt: instant,
  extendedUntil: instant.nullable(),
  teacherLink: z.url(),
  studentLink: z.url(),
  instanceId: z.string().nullable(),
  terminatedAt: instant.nullable(),
  instanceMinutes: z.number().nullable(),
  participants: z.number().nullable(),
  executionArn: z.string().nullable(),
  consoleUrl: z.string().nullable(),
});
export type MeetingView = z.infer<typeof MeetingView>;

/** `GET /join/{token}` as JSON: the join page's state. */
export const JoinView = z.looseObject({
  role: z.enum(['teacher', 'student']),
  status: z.string(),
  phase: z.string(),
  label: z.string(),
  joinUrl: z.string().nullable(),
});
export type JoinView = z.infer<typeof JoinView>;

export class ApiError extends Error {
  constructor(
    readonly status: number,
    readonly body: string,
    what: string,
  ) {
    super(`${what} answered ${status}: ${body.slice(0, 500)}`);
    this.name = 'ApiError';
  }
}

/** The Meetings API over HTTP, as the platform calls it; nothing here knows whether it is AWS or npm start. */
export class MeetingsApi {
  constructor(
    private readonly baseUrl: string,
    private readonly auth: ApiAuth,
    private readonly fetchFn: typeof fetch = fetch,
  ) {}

  async book(body: Record<string, unknown>, idempotencyKey: string): Promise<MeetingView> {
    return MeetingView.parse(
      await this.call('POST', '/meetings', 'POST /meetings', body, { 'idempotency-key': idempotencyKey }),
    );
  }

  async get(id: string): Promise<MeetingView> {
    return MeetingView.parse(await this.call('GET', `/meetings/${id}`, `GET /meetings/${id}`));
  }

  /** DELETE /meetings/{id}; a meeting already finished answers 409, which is no error for a cleanup. */
  async cancel(id: string): Promise<{ cancelled: boolean; status: number; body: string }> {
    try {
      await this.call('DELETE', `/meetings/${id}`, `DELETE /meetings/${id}`);
      return { cancelled: true, status: 200, body: '' };
    } catch (err) {
      if (err instanceof ApiError && err.status === 409)
        return { cancelled: false, status: 409, body: err.body };
      throw err;
    }
  }

  /** A join link as the join page's script reads it (anonymous: the token in the path is the credential). */
  async joinView(link: string): Promise<JoinView> {
    const res = await this.fetchFn(link, { headers: { accept: 'application/json' } });
    const text = await res.text();
    if (!res.ok) throw new ApiError(res.status, text, 'GET /join/{token}');
    return JoinView.parse(JSON.parse(text));
  }

  private async call(
    method: string,
    path: string,
    what: string,
    body?: unknown,
    extra: Record<string, string> = {},
  ): Promise<unknown> {
    const url = new URL(`${this.baseUrl}${path}`);
    const payload = body === undefined ? undefined : JSON.stringify(body);
    let headers: Record<string, string> = {
      accept: 'application/json',
      ...(payload === undefined ? {} : { 'content-type': 'application/json' }),
      ...extra,
    };
    if (this.auth.kind === 'bearer') headers.authorization = `Bearer ${this.auth.token}`;
    if (this.auth.kind === 'sigv4') {
      headers = await signRequest(
        { method, url, headers, body: payload },
        { region: this.auth.region, credentials: this.auth.credentials },
      );
      // fetch sets Host itself and refuses to be told.
      delete headers.host;
    }
    const res = await this.fetchFn(url, { method, headers, body: payload });
    const text = await res.text();
    if (!res.ok) throw new ApiError(res.status, text, what);
    return text ? JSON.parse(text) : {};
  }
}
