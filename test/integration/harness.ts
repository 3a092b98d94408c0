import {
  DescribeExecutionCommand,
  GetExecutionHistoryCommand,
  StartExecutionCommand,
  type HistoryEvent,
} from '@aws-sdk/client-sfn';
import { lifecycleInput, newMeeting } from '../../functions/api/booking';
import { join } from 'node:path';
import type { Timings } from '../../functions/api/booking';
import type { MeetingRecord } from '../../functions/shared/meeting';
import { startLocalStack, type LocalStack, type LocalStackOptions } from '../../local/stack';

/** Lifecycle timings in seconds, so each path runs in seconds (the one-minute meeting is the longest). */
export const FAST: Timings = {
  leadSeconds: 2,
  attendanceCheckDelaySeconds: 6,
  healthIntervalSeconds: 1,
  healthMaxAttempts: 10,
  // Room checks every 3 s; people still there at the end get 30 s more at a time, 60 s at most (1 minute over).
  occupancyIntervalSeconds: 3,
  overrunStepSeconds: 30,
  maxOverrunSeconds: 60,
  minDurationMinutes: 1,
  maxDaysAhead: 364,
  recordRetentionDays: 1,
};

/** Step Functions Local's mock configuration for the failure paths (the same file works with the real one). */
export const MOCK_CONFIG_PATH = join(__dirname, 'MockConfigFile.json');

export { tempDir } from '../support/realParts';

/**
 * Starts the local stack on free ports. With SFN_ENDPOINT set, executions run on that Step Functions
 * endpoint instead (a real Step Functions Local, started with LAMBDA_ENDPOINT pointing at our Lambda API).
 */
export async function startStack(overrides: Partial<LocalStackOptions> = {}): Promise<LocalStack> {
  const external = process.env.SFN_ENDPOINT;
  return startLocalStack({
    dataDir: null,
    timings: FAST,
    bootDelayMs: 500,
    maxLifetimeMs: 10 * 60_000,
    mockConfigPath: MOCK_CONFIG_PATH,
    retryDelayMs: 50,
    externalSfnEndpoint: external,
    // A Step Functions Local container calls the task functions on a fixed port (its LAMBDA_ENDPOINT).
    ports: external ? { lambda: Number(process.env.LAMBDA_PORT ?? 3001) } : undefined,
    ...overrides,
  });
}

export async function api(
  stack: LocalStack,
  method: string,
  path: string,
  body?: unknown,
  headers: Record<string, string> = {},
) {
  const res = await fetch(`${stack.apiUrl}${path}`, {
    method,
    headers: { 'content-type': 'application/json', ...headers },
    body: body === undefined ? undefined : typeof body === 'string' ? body : JSON.stringify(body),
  });
  const text = await res.text();
  return { status: res.status, body: text ? (JSON.parse(text) as Record<string, unknown>) : {} };
}

export const inSeconds = (s: number) => new Date(Date.now() + s * 1000).toISOString();

export async function book(stack: LocalStack, startInSeconds: number, extra: Record<string, unknown> = {}) {
  const res = await api(stack, 'POST', '/meetings', {
    teacherName: 'Ada',
    studentName: 'Ben',
    startTime: inSeconds(startInSeconds),
    durationMinutes: 1,
    ...extra,
  });
  expect(res.status).toBe(201);
  return res.body as {
    id: string;
    executionArn: string;
    roomUrl: string;
    teacherLink: string;
    studentLink: string;
    status: string;
  };
}

export async function until<T>(
  what: string,
  probe: () => Promise<T | undefined | false>,
  timeoutMs = 120_000,
): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = await probe();
    if (value) return value;
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 200));
  }
}

export async function meetingStatus(stack: LocalStack, id: string): Promise<MeetingRecord['status']> {
  return (await api(stack, 'GET', `/meetings/${id}`)).body.status as MeetingRecord['status'];
}

export async function settled(stack: LocalStack, executionArn: string, timeoutMs = 120_000) {
  return until(
    `${executionArn} to end`,
    async () => {
      const d = await stack.sfn.send(new DescribeExecutionCommand({ executionArn }));
      return d.status !== 'RUNNING' && d;
    },
    timeoutMs,
  );
}

export async function history(stack: LocalStack, executionArn: string): Promise<HistoryEvent[]> {
  const events: HistoryEvent[] = [];
  let nextToken: string | undefined;
  do {
    const page = await stack.sfn.send(
      new GetExecutionHistoryCommand({ executionArn, nextToken, maxResults: 100 }),
    );
    events.push(...(page.events ?? []));
    nextToken = page.nextToken;
  } while (nextToken);
  return events;
}

/** Invariant after every path: no server runs for a meeting that is not LAUNCHING / READY / IN_PROGRESS. */
export async function expectNoStrayServers(stack: LocalStack) {
  for (const server of stack.fleet.list()) {
    const status = await meetingStatus(stack, server.meetingId);
    expect({ meeting: server.meetingId, status }).toEqual({
      meeting: server.meetingId,
      status: expect.stringMatching(/^(LAUNCHING|READY|IN_PROGRESS)$/),
    });
  }
}

/**
 * A one-minute meeting starting in two seconds (with the stack's timings: `timings` must be the ones the stack
 * was started with), written through the DynamoDB API, its execution started through
 * the Step Functions API as `stateMachineArn#testCase` (mocked task results), and recorded as the API would.
 */
export async function startMocked(stack: LocalStack, testCase: string, timings: Timings = FAST) {
  const meeting = newMeeting({
    id: crypto.randomUUID(),
    booking: { teacherName: 'Ada', studentName: 'Ben', startTime: 'x', durationMinutes: 1 },
    start: new Date(Date.now() + 2000),
    now: new Date(),
    timings,
    jitsiDomain: 'meet.localhost',
  });
  if (!(await stack.store.create(meeting))) throw new Error('meeting id taken');
  const { executionArn } = await stack.sfn.send(
    new StartExecutionCommand({
      stateMachineArn: `${stack.stateMachineArn}#${testCase}`,
      name: meeting.executionName,
      input: JSON.stringify(lifecycleInput(meeting, timings)),
    }),
  );
  if (!executionArn) throw new Error('StartExecution answered no executionArn');
  await stack.store.update(meeting.id, { executionArn });
  return { meeting, executionArn };
}

/**
 * One local stack for a describe block whose tests run concurrently: test.concurrent starts before beforeAll
 * has finished (a known Jest limitation), so each test awaits the stack this returns instead.
 */
export function sharedStack(overrides: Partial<LocalStackOptions> = {}): () => Promise<LocalStack> {
  let ready: Promise<LocalStack> | undefined;
  afterAll(async () => {
    const stack = await ready;
    await stack?.fleet.terminateAll();
    await stack?.close();
  });
  return () => (ready ??= startStack(overrides));
}
