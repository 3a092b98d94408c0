import {
  DescribeExecutionCommand,
  GetExecutionHistoryCommand,
  SFNClient,
  StartExecutionCommand,
} from '@aws-sdk/client-sfn';
import { MeetingRecord, MeetingStatus } from '../shared/meeting';
import { BadPageToken, MeetingStore } from '../shared/store';
import { lifecycleInput, meetingIdFor, newMeeting, requestHash, Timings, validateBooking } from './booking';
import { ApiRequest, ApiResponse, json, problem } from './http';

export interface ApiConfig {
  stateMachineArn: string;
  region: string;
  jitsiDomain: string;
  timings: Timings;
  maxBodyBytes: number;
  /** Where a meeting's room is; default https://<meeting host>/<room>. The local stack points at its proxy. */
  roomUrlFor?: (m: MeetingRecord) => string;
}

export interface ApiDeps {
  store: MeetingStore;
  sfn: SFNClient;
  config: ApiConfig;
  now: () => Date;
}

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/;
const IDEMPOTENCY_KEY = /^[A-Za-z0-9_.:-]{1,128}$/;

/** Routes one request. Every answer is JSON; unexpected errors are logged and answered 500. */
export async function handleApiRequest(req: ApiRequest, deps: ApiDeps): Promise<ApiResponse> {
  try {
    const segments = req.path.split('/').filter(Boolean);
    if (segments[0] !== 'meetings' || segments.length > 2)
      return problem(404, 'NotFound', `no route ${req.path}`);
    if (segments.length === 1) {
      if (req.method === 'POST') return await bookMeeting(req, deps);
      if (req.method === 'GET') return await listMeetings(req, deps);
      return problem(405, 'MethodNotAllowed', `${req.method} is not allowed on /meetings`);
    }
    const id = decodeURIComponent(segments[1]);
    if (!UUID.test(id))
      return problem(400, 'ValidationError', 'id is not a meeting id', [
        { field: 'id', message: 'must be a meeting id (UUID)' },
      ]);
    if (req.method === 'GET') return await getMeeting(id, deps);
    return problem(405, 'MethodNotAllowed', `${req.method} is not allowed on /meetings/{id}`);
  } catch (err) {
    if (err instanceof URIError) return problem(400, 'ValidationError', 'path is not valid percent-encoding');
    console.error(
      JSON.stringify({ msg: 'unhandled API error', error: String(err), stack: (err as Error).stack }),
    );
    return problem(500, 'InternalError', 'something went wrong; retry with the same Idempotency-Key');
  }
}

async function bookMeeting(req: ApiRequest, deps: ApiDeps): Promise<ApiResponse> {
  const { config, store, now } = deps;
  if (Buffer.byteLength(req.body ?? '', 'utf8') > config.maxBodyBytes) {
    return problem(413, 'PayloadTooLarge', `body is larger than ${config.maxBodyBytes} bytes`);
  }
  const idempotencyKey = req.headers['idempotency-key'];
  if (idempotencyKey !== undefined && !IDEMPOTENCY_KEY.test(idempotencyKey)) {
    return problem(400, 'ValidationError', 'Idempotency-Key header is malformed', [
      { field: 'Idempotency-Key', message: 'must be 1–128 characters of A-Z a-z 0-9 _ . : -' },
    ]);
  }
  let body: unknown;
  try {
    body = JSON.parse(req.body ?? '');
  } catch {
    return problem(400, 'ValidationError', 'body is not valid JSON', [
      { field: 'body', message: 'must be a JSON object' },
    ]);
  }
  const at = now();
  const valid = validateBooking(body, at, config.timings);
  if (!valid.ok) {
    return problem(
      400,
      'ValidationError',
      valid.errors.map((e) => `${e.field} ${e.message}`).join('; '),
      valid.errors,
    );
  }
  const id = meetingIdFor(idempotencyKey);
  const meeting = newMeeting({
    id,
    booking: valid.booking,
    start: valid.start,
    now: at,
    timings: config.timings,
    jitsiDomain: config.jitsiDomain,
  });
  let record = meeting;
  if (!(await store.create(meeting))) {
    const existing = await store.mustGet(id);
    if (existing.requestHash !== requestHash(valid.booking)) {
      return problem(422, 'IdempotencyKeyReused', 'this Idempotency-Key was used with a different request');
    }
    record = existing;
  }
  if (!record.executionArn) {
    // Same name and same input: Step Functions answers with the execution it already has.
    const started = await deps.sfn.send(
      new StartExecutionCommand({
        stateMachineArn: config.stateMachineArn,
        name: record.executionName,
        input: JSON.stringify(lifecycleInput(record, config.timings)),
      }),
    );
    record = await store.update(id, { executionArn: started.executionArn });
  }
  return json(201, meetingView(record, config), { location: `/meetings/${id}` });
}

async function getMeeting(id: string, deps: ApiDeps): Promise<ApiResponse> {
  const record = await deps.store.get(id);
  if (!record) return problem(404, 'NotFound', 'no such meeting');
  return json(200, {
    ...meetingView(record, deps.config),
    execution: await executionState(record, deps.sfn),
  });
}

async function listMeetings(req: ApiRequest, deps: ApiDeps): Promise<ApiResponse> {
  const status = req.query.status;
  if (status !== undefined && !MeetingStatus.safeParse(status).success) {
    return problem(400, 'ValidationError', 'status is not a meeting status', [
      { field: 'status', message: `must be one of ${MeetingStatus.options.join(', ')}` },
    ]);
  }
  const limit = req.query.limit === undefined ? 20 : Number(req.query.limit);
  if (!Number.isInteger(limit) || limit < 1 || limit > 100) {
    return problem(400, 'ValidationError', 'limit must be 1–100', [
      { field: 'limit', message: 'must be a whole number from 1 to 100' },
    ]);
  }
  try {
    const page = await deps.store.list({
      status: status as MeetingStatus | undefined,
      limit,
      nextToken: req.query.nextToken,
    });
    return json(200, {
      items: page.items.map((m) => meetingView(m, deps.config)),
      nextToken: page.nextToken ?? null,
    });
  } catch (err) {
    if (err instanceof BadPageToken)
      return problem(400, 'ValidationError', err.message, [{ field: 'nextToken', message: err.message }]);
    throw err;
  }
}

/** What the API shows of a meeting: times in UTC, links, and where to watch its execution. */
export function meetingView(m: MeetingRecord, config: ApiConfig) {
  const roomUrl = config.roomUrlFor ? config.roomUrlFor(m) : `https://${m.hostname}/${m.roomName}`;
  const link = (displayName: string) =>
    `${roomUrl}#userInfo.displayName=${encodeURIComponent(JSON.stringify(displayName))}`;
  return {
    id: m.id,
    status: m.status,
    statusReason: m.statusReason ?? null,
    title: m.title ?? null,
    teacherName: m.teacherName,
    studentName: m.studentName,
    timeZone: m.timeZone ?? null,
    startTime: m.startTime,
    launchAt: m.launchAt,
    attendanceCheckAt: m.attendanceCheckAt,
    endAt: m.endAt,
    durationMinutes: m.durationMinutes,
    roomUrl,
    teacherLink: link(m.teacherName),
    studentLink: link(m.studentName),
    instanceId: m.instanceId ?? null,
    participants: m.participants ?? null,
    attendanceNote: m.attendanceNote ?? null,
    executionArn: m.executionArn ?? null,
    consoleUrl: m.executionArn ? consoleUrl(m.executionArn, config.region) : null,
    createdAt: m.createdAt,
  };
}

export function consoleUrl(executionArn: string, region: string): string {
  return `https://${region}.console.aws.amazon.com/states/home?region=${region}#/v2/executions/details/${executionArn}`;
}

async function executionState(m: MeetingRecord, sfn: SFNClient) {
  if (!m.executionArn) return null;
  try {
    const described = await sfn.send(new DescribeExecutionCommand({ executionArn: m.executionArn }));
    const history = await sfn.send(
      new GetExecutionHistoryCommand({ executionArn: m.executionArn, reverseOrder: true, maxResults: 50 }),
    );
    const entered = (history.events ?? []).find((e) => e.stateEnteredEventDetails?.name);
    return {
      status: described.status ?? null,
      currentState: entered?.stateEnteredEventDetails?.name ?? null,
      startDate: described.startDate?.toISOString() ?? null,
      stopDate: described.stopDate?.toISOString() ?? null,
    };
  } catch (err) {
    if ((err as Error).name === 'ExecutionDoesNotExist') return null;
    throw err;
  }
}
