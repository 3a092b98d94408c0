import {
  DescribeExecutionCommand,
  DescribeStateMachineCommand,
  GetExecutionHistoryCommand,
  ListExecutionsCommand,
  ListStateMachinesCommand,
  type ExecutionListItem,
  type ExecutionStatus,
  type HistoryEvent,
  type SFNClient,
  type StateMachineListItem,
} from '@aws-sdk/client-sfn';

/** What the console reads from Step Functions: only public API calls, so any endpoint works. */
export class StepFunctionsReader {
  constructor(private readonly sfn: SFNClient) {}

  describeExecution(executionArn: string) {
    return this.sfn.send(new DescribeExecutionCommand({ executionArn }));
  }

  describeStateMachine(stateMachineArn: string) {
    return this.sfn.send(new DescribeStateMachineCommand({ stateMachineArn }));
  }

  async history(executionArn: string): Promise<HistoryEvent[]> {
    const events: HistoryEvent[] = [];
    let nextToken: string | undefined;
    do {
      const page = await this.sfn.send(
        new GetExecutionHistoryCommand({ executionArn, nextToken, maxResults: 1000 }),
      );
      events.push(...(page.events ?? []));
      nextToken = page.nextToken;
    } while (nextToken);
    return events;
  }

  /** Every execution of a machine (newest first, as ListExecutions answers), up to `max`. */
  async executions(
    stateMachineArn: string,
    statusFilter?: ExecutionStatus,
    max = 1000,
  ): Promise<ExecutionListItem[]> {
    const out: ExecutionListItem[] = [];
    let nextToken: string | undefined;
    do {
      const page = await this.sfn.send(
        new ListExecutionsCommand({ stateMachineArn, statusFilter, nextToken, maxResults: 100 }),
      );
      out.push(...(page.executions ?? []));
      nextToken = page.nextToken;
    } while (nextToken && out.length < max);
    return out.slice(0, max);
  }

  async stateMachines(): Promise<StateMachineListItem[]> {
    const out: StateMachineListItem[] = [];
    let nextToken: string | undefined;
    do {
      const page = await this.sfn.send(new ListStateMachinesCommand({ nextToken, maxResults: 100 }));
      out.push(...(page.stateMachines ?? []));
      nextToken = page.nextToken;
    } while (nextToken);
    return out;
  }
}

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
    const res = await fetch(`${this.baseUrl}${path}`, {
      method,
      headers: body === undefined ? {} : { 'content-type': 'application/json' },
      body: body === undefined ? undefined : JSON.stringify(body),
    });
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
