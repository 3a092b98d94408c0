import { createHash, randomBytes, randomUUID } from 'node:crypto';
import { z } from 'zod';
import { minuteOfKey } from '../shared/launchSlots';
import { executionNameFor, LifecycleInput, MeetingRecord } from '../shared/meeting';
import { displayName } from './displayName';
import { isValidTimeZone, parseStartTime } from './zonedTime';

/** POST /meetings body. Unknown fields are refused so a typo ("duration") is not silently ignored. */
export const BookingRequest = z
  .object({
    teacherName: displayName(100),
    studentName: displayName(100),
    startTime: z.string().max(40, 'must be at most 40 characters'),
    durationMinutes: z
      .number({ error: 'must be a whole number of minutes' })
      .int('must be a whole number of minutes')
      .min(1, 'must be at least 1')
      .max(480, 'must be at most 480')
      .default(60),
    timeZone: z.string().max(64).refine(isValidTimeZone, 'is not a known IANA time zone').optional(),
    title: displayName(200).optional(),
  })
  .strict();
export type BookingRequest = z.infer<typeof BookingRequest>;

export interface Timings {
  leadSeconds: number;
  attendanceCheckDelaySeconds: number;
  healthIntervalSeconds: number;
  healthMaxAttempts: number;
  /** The first health probe waits this long after the launch (none when unset: the local stack's tests). */
  healthFirstProbeDelaySeconds?: number;
  /** Room occupancy checks between the attendance check and endAt (issue 15: early teardown). */
  occupancyIntervalSeconds: number;
  /** People still there at endAt: the meeting is extended by this much at a time… */
  overrunStepSeconds: number;
  /** …and at most by this much in all (0: torn down at endAt as before). */
  maxOverrunSeconds: number;
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
    return { ok: false, errors: fieldErrors(parsed.error) };
  }
  const booking = parsed.data;
  if (booking.durationMinutes < timings.minDurationMinutes) {
    return {
      ok: false,
      errors: [{ field: 'durationMinutes', message: `must be at least ${timings.minDurationMinutes}` }],
    };
  }
  const start = checkStart(booking.startTime, booking.timeZone, now, timings);
  if (!start.ok) return { ok: false, errors: [{ field: 'startTime', message: start.message }] };
  return { ok: true, booking, start: start.utc };
}

/** A start time that parses, is in the future and no further ahead than an execution can wait. */
export function checkStart(value: string, timeZone: string | undefined, now: Date, timings: Timings) {
  const start = parseStartTime(value, timeZone);
  if (!start.ok) return start;
  if (start.utc.getTime() <= now.getTime()) return { ok: false as const, message: 'is in the past' };
  if (start.utc.getTime() > now.getTime() + timings.maxDaysAhead * 86_400_000) {
    return { ok: false as const, message: `is more than ${timings.maxDaysAhead} days ahead` };
  }
  return start;
}

/** PATCH /meetings/{id}: a new start and/or duration. */
export const RescheduleRequest = z
  .object({
    startTime: z.string().max(40, 'must be at most 40 characters').optional(),
    durationMinutes: z
      .number({ error: 'must be a whole number of minutes' })
      .int('must be a whole number of minutes')
      .min(1, 'must be at least 1')
      .max(480, 'must be at most 480')
      .optional(),
    timeZone: z.string().max(64).refine(isValidTimeZone, 'is not a known IANA time zone').optional(),
  })
  .strict()
  .refine((r) => r.startTime !== undefined || r.durationMinutes !== undefined, {
    message: 'needs startTime or durationMinutes',
    path: ['body'],
  });

export function fieldErrors(error: z.ZodError): FieldError[] {
  return error.issues.map((issue) => ({
    field: issue.code === 'unrecognized_keys' ? issue.keys.join(', ') : issue.path.join('.') || 'body',
    message: issue.code === 'unrecognized_keys' ? 'is not a known field' : issue.message,
  }));
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
  return {
    id,
    kind: 'meeting',
    status: 'SCHEDULED',
    title: booking.title,
    teacherName: booking.teacherName,
    studentName: booking.studentName,
    timeZone: booking.timeZone,
    ...meetingTimes(start, booking.durationMinutes, now, timings),
    durationMinutes: booking.durationMinutes,
    hostname: `${id}.${args.jitsiDomain}`,
    // Jitsi lower-cases room names, so hex (not base64) keeps all 128 random bits.
    roomName: randomBytes(16).toString('hex'),
    executionName: executionNameFor(id),
    revision: 0,
    teacherToken: randomBytes(24).toString('base64url'),
    studentToken: randomBytes(24).toString('base64url'),
    requestHash: requestHash(booking),
    createdAt: now.toISOString(),
    updatedAt: now.toISOString(),
  };
}

/** The lifecycle's instants for a meeting starting at `start`, all in UTC. */
export function meetingTimes(start: Date, durationMinutes: number, now: Date, timings: Timings) {
  const startMs = start.getTime();
  const endMs = startMs + durationMinutes * 60_000;
  const iso = (ms: number) => new Date(ms).toISOString();
  return {
    startTime: iso(startMs),
    endAt: iso(endMs),
    // Never before now: a meeting booked inside its lead time launches at once.
    launchAt: iso(Math.max(now.getTime(), startMs - timings.leadSeconds * 1000)),
    attendanceCheckAt: iso(Math.min(endMs, startMs + timings.attendanceCheckDelaySeconds * 1000)),
    durationMinutes,
    expiresAt: Math.floor(endMs / 1000) + timings.recordRetentionDays * 86_400,
  };
}

/**
 * The execution's own instants. Its room checks and its end keep the launch slot's place within its minute
 * (0–59 s, evenly spread by admission's pacing: functions/shared/launchSlots.ts; 0 for a launch not paced), so the 1,000 lessons of one
 * start minute do not all call SSM SendCommand at the same second, nor TerminateInstances at their end (its
 * request bucket is 100, refilled at 5/s: https://docs.aws.amazon.com/ec2/latest/devguide/ec2-api-throttling.html).
 * A lesson ends at most a minute after its booked end; the record keeps the booked times.
 */
export function lifecycleInput(meeting: MeetingRecord, timings: Timings): LifecycleInput {
  // Only a paced launch has a place in its minute; an unpaced one (no admission, the local stack's tests) has none.
  const slotMinute = meeting.held?.launchMinute;
  const spreadMs = slotMinute
    ? Math.min(59_999, Math.max(0, Date.parse(meeting.launchAt) - minuteOfKey(slotMinute)))
    : 0;
  const endMs = Date.parse(meeting.endAt) + spreadMs;
  const spread = {
    attendanceCheckAt: new Date(
      Math.min(endMs, Date.parse(meeting.attendanceCheckAt) + spreadMs),
    ).toISOString(),
    endAt: new Date(endMs).toISOString(),
  };
  return {
    meetingId: meeting.id,
    revision: meeting.revision,
    launchAt: meeting.launchAt,
    ...spread,
    health: {
      intervalSeconds: timings.healthIntervalSeconds,
      maxAttempts: timings.healthMaxAttempts,
      ...(timings.healthFirstProbeDelaySeconds
        ? { firstProbeDelaySeconds: timings.healthFirstProbeDelaySeconds }
        : {}),
    },
    occupancy: occupancyPlan(spread, timings),
  };
}

/** The first and last instants of the room checks; the checks compute the ones in between (occupancy-check). */
export function occupancyPlan(meeting: Pick<MeetingRecord, 'attendanceCheckAt' | 'endAt'>, timings: Timings) {
  const endMs = Date.parse(meeting.endAt);
  const firstMs = Date.parse(meeting.attendanceCheckAt) + timings.occupancyIntervalSeconds * 1000;
  return {
    firstCheckAt: new Date(Math.min(firstMs, endMs)).toISOString(),
    latestEndAt: new Date(endMs + timings.maxOverrunSeconds * 1000).toISOString(),
    intervalSeconds: timings.occupancyIntervalSeconds,
    overrunStepSeconds: timings.overrunStepSeconds,
    maxOverrunSeconds: timings.maxOverrunSeconds,
  };
}
