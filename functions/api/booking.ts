import { createHash, randomBytes, randomUUID } from 'node:crypto';
import { z } from 'zod';
import { executionNameFor, LifecycleInput, MeetingRecord } from '../shared/meeting';
import { isValidTimeZone, parseStartTime } from './zonedTime';

const CONTROL_CHARS = /[\u0000-\u001f\u007f-\u009f]/;

const name = (max: number) =>
  z
    .string()
    .trim()
    .min(1, 'must not be empty')
    .max(max, `must be at most ${max} characters`)
    .refine((s) => !CONTROL_CHARS.test(s), 'must not contain control characters');

/** POST /meetings body. Unknown fields are refused so a typo ("duration") is not silently ignored. */
export const BookingRequest = z
  .object({
    teacherName: name(100),
    studentName: name(100),
    startTime: z.string().max(40, 'must be at most 40 characters'),
    durationMinutes: z
      .number({ error: 'must be a whole number of minutes' })
      .int('must be a whole number of minutes')
      .min(1, 'must be at least 1')
      .max(480, 'must be at most 480')
      .default(60),
    timeZone: z.string().max(64).refine(isValidTimeZone, 'is not a known IANA time zone').optional(),
    title: name(200).optional(),
  })
  .strict();
export type BookingRequest = z.infer<typeof BookingRequest>;

export interface Timings {
  leadSeconds: number;
  attendanceCheckDelaySeconds: number;
  healthIntervalSeconds: number;
  healthMaxAttempts: number;
  /** Shortest meeting, in minutes (15 in production; the local stack's tests use 1). */
  minDurationMinutes: number;
  /** Standard executions end after a year; refuse what the state machine could not wait for. */
  maxDaysAhead: number;
  recordRetentionDays: number;
}

export interface FieldError {
  field: string;
  message: string;
}

export type Validated =
  { ok: true; booking: BookingRequest; start: Date } | { ok: false; errors: FieldError[] };

export function validateBooking(body: unknown, now: Date, timings: Timings): Validated {
  const parsed = BookingRequest.safeParse(body);
  if (!parsed.success) {
    return {
      ok: false,
      errors: parsed.error.issues.map((issue) => ({
        field: issue.code === 'unrecognized_keys' ? issue.keys.join(', ') : issue.path.join('.') || 'body',
        message: issue.code === 'unrecognized_keys' ? 'is not a known field' : issue.message,
      })),
    };
  }
  const booking = parsed.data;
  if (booking.durationMinutes < timings.minDurationMinutes) {
    return {
      ok: false,
      errors: [{ field: 'durationMinutes', message: `must be at least ${timings.minDurationMinutes}` }],
    };
  }
  const start = parseStartTime(booking.startTime, booking.timeZone);
  if (!start.ok) return { ok: false, errors: [{ field: 'startTime', message: start.message }] };
  if (start.utc.getTime() <= now.getTime()) {
    return { ok: false, errors: [{ field: 'startTime', message: 'is in the past' }] };
  }
  if (start.utc.getTime() > now.getTime() + timings.maxDaysAhead * 86_400_000) {
    return {
      ok: false,
      errors: [{ field: 'startTime', message: `is more than ${timings.maxDaysAhead} days ahead` }],
    };
  }
  return { ok: true, booking, start: start.utc };
}

/** Meeting ids: random, or derived from the Idempotency-Key so a retried request finds the same meeting. */
export function meetingIdFor(idempotencyKey: string | undefined): string {
  if (!idempotencyKey) return randomUUID();
  const h = createHash('sha256').update(`idempotency:${idempotencyKey}`).digest('hex');
  return `${h.slice(0, 8)}-${h.slice(8, 12)}-${h.slice(12, 16)}-${h.slice(16, 20)}-${h.slice(20, 32)}`;
}

export function requestHash(booking: BookingRequest): string {
  const canonical = JSON.stringify(Object.entries(booking).sort(([a], [b]) => a.localeCompare(b)));
  return createHash('sha256').update(canonical).digest('hex');
}

export function newMeeting(args: {
  id: string;
  booking: BookingRequest;
  start: Date;
  now: Date;
  timings: Timings;
  jitsiDomain: string;
}): MeetingRecord {
  const { id, booking, start, now, timings } = args;
  const startMs = start.getTime();
  const endMs = startMs + booking.durationMinutes * 60_000;
  const iso = (ms: number) => new Date(ms).toISOString();
  return {
    id,
    kind: 'meeting',
    status: 'SCHEDULED',
    title: booking.title,
    teacherName: booking.teacherName,
    studentName: booking.studentName,
    timeZone: booking.timeZone,
    startTime: iso(startMs),
    endAt: iso(endMs),
    // Never before now: a meeting booked inside its lead time launches at once.
    launchAt: iso(Math.max(now.getTime(), startMs - timings.leadSeconds * 1000)),
    attendanceCheckAt: iso(Math.min(endMs, startMs + timings.attendanceCheckDelaySeconds * 1000)),
    durationMinutes: booking.durationMinutes,
    hostname: `${id}.${args.jitsiDomain}`,
    // Jitsi lower-cases room names, so hex (not base64) keeps all 128 random bits.
    roomName: randomBytes(16).toString('hex'),
    executionName: executionNameFor(id),
    requestHash: requestHash(booking),
    createdAt: now.toISOString(),
    updatedAt: now.toISOString(),
    expiresAt: Math.floor(endMs / 1000) + timings.recordRetentionDays * 86_400,
  };
}

export function lifecycleInput(meeting: MeetingRecord, timings: Timings): LifecycleInput {
  return {
    meetingId: meeting.id,
    launchAt: meeting.launchAt,
    attendanceCheckAt: meeting.attendanceCheckAt,
    endAt: meeting.endAt,
    health: { intervalSeconds: timings.healthIntervalSeconds, maxAttempts: timings.healthMaxAttempts },
  };
}
