import {
  DescribeExecutionCommand,
  GetExecutionHistoryCommand,
  SFNClient,
  StartExecutionCommand,
  StopExecutionCommand,
} from '@aws-sdk/client-sfn';
import { timingSafeEqual } from 'node:crypto';
import { executionNameFor, MeetingRecord, MeetingStatus } from '../shared/meeting';
import { BadPageToken, MeetingStore } from '../shared/store';
import type { TeardownInput } from '../teardown/teardownMeeting';
import type { z } from 'zod';
import {
  checkStart,
  fieldErrors,
  lifecycleInput,
  meetingIdFor,
  meetingTimes,
  newMeeting,
  RescheduleRequest,
  requestHash,
  Timings,
  validateBooking,
} from './booking';
import { ApiRequest, ApiResponse, json, problem } from './http';

export interface ApiConfig {
  stateMachineArn: string;
  region: string;
  jitsiDomain: string;
  timings: Timings;
  maxBodyBytes: number;
  /**
   * With apiAuth=jwt: the OAuth scope every /meetings request needs. API Gateway's route already requires it;
   * checking again here keeps a route added without `authorizationScopes` from opening every meeting.
   */
  requiredScope?: string;
  /** Where a meeting's room is; default https://<meeting host>/<room>. The local stack points at its proxy. */
  roomUrlFor?: (m: MeetingRecord) => string;
}

export interface ApiDeps {
  store: MeetingStore;
  sfn: SFNClient;
  config: ApiConfig;
  now: () => Date;
  /** Runs the teardown task now (cancel, reschedule): on AWS a Lambda invoke, locally the function itself. */
  teardown: (input: z.input<typeof TeardownInput>) => Promise<unknown>;
}

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/;
const IDEMPOTENCY_KEY = /^[A-Za-z0-9_.:-]{1,128}$/;

/** Routes one request. Every answer is JSON; unexpected errors are logged and answered 500. */
export async function handleApiRequest(req: ApiRequest, deps: ApiDeps): Promise<ApiResponse> {
  try {
    const segments = req.path.split('/').filter(Boolean);
    if (segments[0] === 'join' && segments.length === 2) {
      if (req.method !== 'GET')
        return problem(405, 'MethodNotAllowed', `${req.method} is not allowed on /join/{token}`);
      return await join(decodeURIComponent(segments[1]), deps);
    }
    const scope = deps.config.requiredScope;
    if (scope !== undefined && !(req.scopes ?? []).includes(scope)) {
      return problem(
        403,
        'Forbidden',
        `the token lacks the scope "${scope}" that every /meetings route requires`,
      );
    }
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
    if (req.method === 'GET') return await getMeeting(id, req, deps);
    if (req.method === 'DELETE') return await cancelMeeting(id, req, deps);
    if (req.method === 'PATCH') return await rescheduleMeeting(id, req, deps);
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
    return validationProblem(valid.errors);
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
    let started;
    try {
      started = await deps.sfn.send(
        new StartExecutionCommand({
          stateMachineArn: config.stateMachineArn,
          name: record.executionName,
          input: JSON.stringify(lifecycleInput(record, config.timings)),
        }),
      );
    } catch (err) {
      // Without an Idempotency-Key no retry can reach this meeting again: close it rather than leave a
      // SCHEDULED meeting that nothing will ever launch. With a key, the retry starts the execution.
      if (idempotencyKey === undefined) {
        const reason = `lifecycle not started: ${(err as Error).name}: ${(err as Error).message}`;
        await store.transition(id, 'FAILED', { statusReason: reason.slice(0, 1000) });
      }
      throw err;
    }
    record = await store.update(id, { executionArn: started.executionArn });
  }
  return json(201, meetingView(record, config, req.origin), { location: `/meetings/${id}` });
}

async function getMeeting(id: string, req: ApiRequest, deps: ApiDeps): Promise<ApiResponse> {
  const record = await deps.store.get(id);
  if (!record) return problem(404, 'NotFound', 'no such meeting');
  return json(200, {
    ...meetingView(record, deps.config, req.origin),
    execution: await executionState(record, deps.sfn),
  });
}

/**
 * DELETE: cancels at any stage before the end. StopExecution runs no Catch, so the cleanup is explicit: the
 * status first (a late task then sees a closed meeting and starts nothing), then the execution, then the
 * server. Repeating it repeats the (idempotent) cleanup and answers the same.
 */
async function cancelMeeting(id: string, req: ApiRequest, deps: ApiDeps): Promise<ApiResponse> {
  const existing = await deps.store.get(id);
  if (!existing) return problem(404, 'NotFound', 'no such meeting');
  const { record } = await deps.store.transition(id, 'CANCELLED', { statusReason: 'cancelled by request' });
  if (record.status !== 'CANCELLED') {
    return problem(409, 'Conflict', `meeting is already ${record.status}; nothing to cancel`);
  }
  await stopExecution(deps.sfn, record.executionArn, 'MeetingCancelled', 'cancelled by request');
  await deps.teardown({
    meetingId: id,
    outcome: 'CANCELLED',
    reason: 'cancelled by request',
    revision: record.revision,
  });
  return json(200, meetingView(await deps.store.mustGet(id), deps.config, req.origin));
}

/**
 * PATCH: new time and/or duration. Execution names cannot be reused (for 90 days), so the new execution is
 * named with the new revision; the old one is stopped, and its late tasks see the new revision and do nothing.
 * A server already running is torn down when the new launch time is still ahead; when the meeting is imminent
 * anyway it is kept and the new execution finds it.
 */
async function rescheduleMeeting(id: string, req: ApiRequest, deps: ApiDeps): Promise<ApiResponse> {
  const { config, store } = deps;
  if (Buffer.byteLength(req.body ?? '', 'utf8') > config.maxBodyBytes) {
    return problem(413, 'PayloadTooLarge', `body is larger than ${config.maxBodyBytes} bytes`);
  }
  let body: unknown;
  try {
    body = JSON.parse(req.body ?? '');
  } catch {
    return validationProblem([{ field: 'body', message: 'must be a JSON object' }]);
  }
  const parsed = RescheduleRequest.safeParse(body);
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
  const updated = await store.reschedule(id, record.revision, {
    ...times,
    timeZone: change.timeZone ?? record.timeZone,
    revision,
    executionName: executionNameFor(id, revision),
    status: tearDown ? 'SCHEDULED' : record.status,
    statusReason: `rescheduled (revision ${revision})`,
  });
  if (!updated) return problem(409, 'Conflict', 'the meeting changed meanwhile; read it again and retry');
  await stopExecution(
    deps.sfn,
    record.executionArn,
    'MeetingRescheduled',
    `rescheduled to revision ${revision}`,
  );
  if (tearDown)
    await deps.teardown({ meetingId: id, outcome: 'RESCHEDULED', reason: 'rescheduled', revision });
  const started = await deps.sfn.send(
    new StartExecutionCommand({
      stateMachineArn: config.stateMachineArn,
      name: updated.executionName,
      input: JSON.stringify(lifecycleInput(updated, config.timings)),
    }),
  );
  const final = await store.update(id, { executionArn: started.executionArn });
  return json(200, meetingView(final, config, req.origin));
}

async function stopExecution(sfn: SFNClient, executionArn: string | undefined, error: string, cause: string) {
  if (!executionArn) return;
  try {
    await sfn.send(new StopExecutionCommand({ executionArn, error, cause }));
  } catch (err) {
    if ((err as Error).name !== 'ExecutionDoesNotExist') throw err;
  }
}

const TOKEN = /^([0-9a-f-]{36})\.([A-Za-z0-9_-]{32})$/;

/**
 * GET /join/{token}: what a teacher or student link shows. The meeting's status always; the Jitsi URL only
 * once the server is ready. Any token that is not exactly a live link answers the same 404, so a guess tells
 * nothing about which meetings exist.
 */
async function join(token: string, deps: ApiDeps): Promise<ApiResponse> {
  const notFound = problem(404, 'NotFound', 'no such link');
  const m = TOKEN.exec(token);
  if (!m || !UUID.test(m[1])) return notFound;
  const record = await deps.store.get(m[1]);
  if (!record) return notFound;
  const role = sameSecret(m[2], record.teacherToken)
    ? 'teacher'
    : sameSecret(m[2], record.studentToken)
      ? 'student'
      : undefined;
  if (!role) return notFound;
  const displayName = role === 'teacher' ? record.teacherName : record.studentName;
  const ready = record.status === 'READY' || record.status === 'IN_PROGRESS';
  return json(200, {
    role,
    displayName,
    title: record.title ?? null,
    status: record.status,
    startTime: record.startTime,
    endAt: record.endAt,
    extendedUntil: record.extendedUntil ?? null,
    endedAt: record.endedAt ?? null,
    overrunMinutes: record.overrunMinutes ?? null,
    joinUrl: ready ? roomLink(record, deps.config, displayName) : null,
    message: ready ? 'the meeting room is open' : joinMessage(record.status),
  });
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

function validationProblem(fields: { field: string; message: string }[]): ApiResponse {
  return problem(400, 'ValidationError', fields.map((e) => `${e.field} ${e.message}`).join('; '), fields);
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
      items: page.items.map((m) => meetingView(m, deps.config, req.origin)),
      nextToken: page.nextToken ?? null,
    });
  } catch (err) {
    if (err instanceof BadPageToken)
      return problem(400, 'ValidationError', err.message, [{ field: 'nextToken', message: err.message }]);
    throw err;
  }
}

/** What the API shows of a meeting: times in UTC, links, and where to watch its execution. */
export function meetingView(m: MeetingRecord, config: ApiConfig, origin = '') {
  const roomUrl = roomLink(m, config);
  const link = (token: string) => `${origin}/join/${m.id}.${token}`;
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
    extendedUntil: m.extendedUntil ?? null,
    endedAt: m.endedAt ?? null,
    overrunMinutes: m.overrunMinutes ?? null,
    durationMinutes: m.durationMinutes,
    roomUrl,
    teacherLink: link(m.teacherToken),
    studentLink: link(m.studentToken),
    instanceId: m.instanceId ?? null,
    participants: m.participants ?? null,
    attendanceNote: m.attendanceNote ?? null,
    revision: m.revision,
    executionArn: m.executionArn ?? null,
    consoleUrl: m.executionArn ? consoleUrl(m.executionArn, config.region) : null,
    createdAt: m.createdAt,
  };
}

/** The Jitsi room; with a display name, the link a person opens to join under that name. */
export function roomLink(m: MeetingRecord, config: ApiConfig, displayName?: string): string {
  const url = config.roomUrlFor ? config.roomUrlFor(m) : `https://${m.hostname}/${m.roomName}`;
  return displayName === undefined
    ? url
    : `${url}#userInfo.displayName=${encodeURIComponent(JSON.stringify(displayName))}`;
}

/**
 * The console's host differs per partition (China and GovCloud have consoles of their own), so the partition
 * and region come from the execution ARN itself rather than from where the API happens to run.
 */
const CONSOLE_DOMAIN: Record<string, string> = {
  aws: 'console.aws.amazon.com',
  'aws-cn': 'console.amazonaws.cn',
  'aws-us-gov': 'console.amazonaws-us-gov.com',
};

export function consoleUrl(executionArn: string, fallbackRegion: string): string {
  // arn:<partition>:states:<region>:<account>:execution:<state machine>:<name>
  const [, partition = 'aws', , arnRegion] = executionArn.split(':');
  const region = arnRegion || fallbackRegion;
  const domain = CONSOLE_DOMAIN[partition] ?? CONSOLE_DOMAIN.aws;
  return `https://${region}.${domain}/states/home?region=${region}#/v2/executions/details/${executionArn}`;
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
