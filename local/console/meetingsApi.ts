/** A meeting as the meetings API shows it (GET /meetings, GET /meetings/{id}); only the fields drawn here. */
export interface MeetingView {
  id: string;
  status: string;
  statusReason: string | null;
  title: string | null;
  teacherName: string;
  studentName: string;
  timeZone: string | null;
  startTime: string;
  launchAt: string;
  attendanceCheckAt: string;
  endAt: string;
  durationMinutes: number;
  roomUrl: string;
  teacherLink: string;
  studentLink: string;
  instanceId: string | null;
  participants: number | null;
  attendanceNote: string | null;
  revision: number;
  executionArn: string | null;
  consoleUrl: string | null;
  createdAt: string;
}

export class ApiError extends Error {
  constructor(
    readonly status: number,
    readonly body: { error?: string; message?: string; fields?: { field: string; message: string }[] },
  ) {
    super(body.message ?? body.error ?? `meetings API answered ${status}`);
    this.name = 'ApiError';
  }
}

/** The meetings API over HTTP, exactly as any other client uses it. */
export class MeetingsApi {
  constructor(private readonly baseUrl: string) {}

  private async call<T>(method: string, path: string, body?: unknown): Promise<T> {
    const send = () =>
      fetch(`${this.baseUrl}${path}`, {
        method,
        headers: body === undefined ? {} : { 'content-type': 'application/json' },
        body: body === undefined ? undefined : JSON.stringify(body),
      });
    let res: Response;
    try {
      res = await send();
    } catch (err) {
      // A pooled keep-alive connection the server closed just as it was reused fails with ECONNRESET before
      // anything was processed (undici does not retry on its own). A GET is safe to send again, once.
      if (method !== 'GET' || !isConnectionReset(err)) throw err;
      res = await send();
    }
    const text = await res.text();
    let parsed: unknown = {};
    try {
      parsed = text ? JSON.parse(text) : {};
    } catch {
      parsed = { message: text.slice(0, 200) };
    }
    if (!res.ok) throw new ApiError(res.status, parsed as ApiError['body']);
    return parsed as T;
  }

  list(query: { status?: string; nextToken?: string; limit?: number }) {
    const params = new URLSearchParams();
    if (query.status) params.set('status', query.status);
    if (query.nextToken) params.set('nextToken', query.nextToken);
    params.set('limit', String(query.limit ?? 50));
    return this.call<{ items: MeetingView[]; nextToken: string | null }>('GET', `/meetings?${params}`);
  }

  get(id: string) {
    return this.call<MeetingView>('GET', `/meetings/${encodeURIComponent(id)}`);
  }

  cancel(id: string) {
    return this.call<MeetingView>('DELETE', `/meetings/${encodeURIComponent(id)}`);
  }

  reschedule(id: string, startTime: string) {
    return this.call<MeetingView>('PATCH', `/meetings/${encodeURIComponent(id)}`, { startTime });
  }
}

function isConnectionReset(err: unknown): boolean {
  const cause = (err as { cause?: { code?: string } }).cause;
  return cause?.code === 'ECONNRESET' || cause?.code === 'UND_ERR_SOCKET';
}
