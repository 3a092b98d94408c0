import { z } from 'zod';

/** Lifecycle states of a meeting, in the order a healthy meeting passes through them. */
export const MEETING_STATUSES = [
  'SCHEDULED',
  'LAUNCHING',
  'READY',
  'IN_PROGRESS',
  'COMPLETED',
  'NO_SHOW',
  'FAILED',
  'CANCELLED',
] as const;
export const MeetingStatus = z.enum(MEETING_STATUSES);
export type MeetingStatus = z.infer<typeof MeetingStatus>;

export const TERMINAL_STATUSES: readonly MeetingStatus[] = ['COMPLETED', 'NO_SHOW', 'FAILED', 'CANCELLED'];
export const ACTIVE_STATUSES: readonly MeetingStatus[] = ['LAUNCHING', 'READY', 'IN_PROGRESS'];
/** Not closed yet: a meeting in one of these has exactly one execution running, its current revision's. */
export const OPEN_STATUSES: readonly MeetingStatus[] = ['SCHEDULED', ...ACTIVE_STATUSES];

/**
 * Which statuses a meeting may move *from* to reach each status. A repeated or late task never moves a
 * meeting backwards: the store turns this table into a DynamoDB condition.
 */
export const ALLOWED_PREDECESSORS: Record<MeetingStatus, readonly MeetingStatus[]> = {
  SCHEDULED: [],
  LAUNCHING: ['SCHEDULED'],
  READY: ['LAUNCHING'],
  IN_PROGRESS: ['READY'],
  COMPLETED: ['IN_PROGRESS', 'READY'],
  NO_SHOW: ['READY', 'IN_PROGRESS'],
  FAILED: ['SCHEDULED', 'LAUNCHING', 'READY', 'IN_PROGRESS'],
  CANCELLED: ['SCHEDULED', 'LAUNCHING', 'READY', 'IN_PROGRESS'],
};

export function isTerminal(status: MeetingStatus): boolean {
  return TERMINAL_STATUSES.includes(status);
}

/** The outcome the state machine hands to teardown. */
export const Outcome = z.enum(['COMPLETED', 'NO_SHOW', 'FAILED', 'CANCELLED']);
export type Outcome = z.infer<typeof Outcome>;

/**
 * What a meeting holds in the admission ledger (functions/shared/launchSlotsLedger.ts): its launch minute and
 * the vCPUs of its server in each 15-minute bucket. Removed (conditionally) by whoever frees them, so a
 * repeated or raced cancel frees them once.
 */
export const AdmissionHold = z.object({
  launchMinute: z.string().optional(),
  vcpus: z.number().int().min(0),
  vcpuBuckets: z.array(z.string()),
});
export type AdmissionHold = z.infer<typeof AdmissionHold>;

export const MeetingRecord = z.object({
  id: z.string(),
  /** Constant partition key of the "newest first" index. */
  kind: z.literal('meeting'),
  status: MeetingStatus,
  title: z.string().optional(),
  teacherName: z.string(),
  studentName: z.string(),
  timeZone: z.string().optional(),
  startTime: z.string(),
  endAt: z.string(),
  launchAt: z.string(),
  attendanceCheckAt: z.string(),
  durationMinutes: z.number().int(),
  hostname: z.string(),
  roomName: z.string(),
  executionName: z.string(),
  /** Bumped by every reschedule; each execution carries the revision it was started for. */
  revision: z.number().int().min(0),
  /** Secrets of the teacher's and the student's join links (compared in constant time). */
  teacherToken: z.string(),
  studentToken: z.string(),
  executionArn: z.string().optional(),
  /** Fingerprint of the booking request, so an Idempotency-Key reused with another body is refused. */
  requestHash: z.string(),
  createdAt: z.string(),
  updatedAt: z.string(),
  instanceId: z.string().optional(),
  instanceType: z.string().optional(),
  /** When the launch task asked EC2 for the meeting's latest server (launch-to-healthy time, instance-minutes). */
  launchedAt: z.string().optional(),
  /**
   * When teardown terminated the meeting's latest server (the one of launchedAt). Earlier than launchedAt only
   * while a newer server runs (a rescheduled meeting whose first server was already stopped).
   */
  terminatedAt: z.string().optional(),
  /**
   * Minutes the meeting's servers ran, summed over every server it had (a reschedule may stop one and launch
   * another), each counted once, at its teardown (see instanceMinutes in metrics.ts for the rounding).
   */
  instanceMinutes: z.number().min(0).optional(),
  publicIp: z.string().optional(),
  participants: z.number().int().optional(),
  attendanceNote: z.string().optional(),
  /** The revision whose attendance check found the room empty: a re-run of that check answers the same. */
  absentAtRevision: z.number().int().optional(),
  statusReason: z.string().optional(),
  terminatedInstanceIds: z.array(z.string()).optional(),
  /** While people stay past endAt: the next overrun check, the lesson's end as far as it is known now. */
  extendedUntil: z.string().optional(),
  /** When the server was torn down: the meeting's real end (before endAt when everyone left early). */
  endedAt: z.string().optional(),
  /** Whole minutes the meeting ran past endAt (0 when it ended on time or early). */
  overrunMinutes: z.number().int().min(0).optional(),
  /** Launch slot and vCPUs held in the admission ledger, until a cancel or reschedule frees them. */
  held: AdmissionHold.optional(),
  /** DynamoDB TTL (epoch seconds): old records expire on their own. */
  expiresAt: z.number().int(),
});
export type MeetingRecord = z.infer<typeof MeetingRecord>;

/**
 * When the room is checked after the attendance check (issue 15). JSONPath cannot add times, so the first and
 * last instants are computed here and every later one by the occupancy check itself.
 */
export const OccupancyPlan = z.object({
  /** The first occupancy check: attendanceCheckAt + intervalSeconds, never after endAt. */
  firstCheckAt: z.string(),
  /** endAt + maxOverrunSeconds: no server outlives it, whatever the checks say or whether they run at all. */
  latestEndAt: z.string(),
  intervalSeconds: z.number().int().min(1),
  overrunStepSeconds: z.number().int().min(1),
  maxOverrunSeconds: z.number().int().min(0),
});
export type OccupancyPlan = z.infer<typeof OccupancyPlan>;

/** Execution input: everything the state machine needs, so its Wait states are plain TimestampPaths. */
export const LifecycleInput = z.object({
  meetingId: z.string(),
  revision: z.number().int().min(0),
  launchAt: z.string(),
  attendanceCheckAt: z.string(),
  endAt: z.string(),
  health: z.object({
    intervalSeconds: z.number().int().min(1),
    maxAttempts: z.number().int().min(1),
    /**
     * Optional (issue 20): the first probe waits this long after the launch (a server cannot answer before it
     * booted, and every probe before that is a call for nothing). Absent: the first probe runs at once.
     */
    firstProbeDelaySeconds: z.number().int().min(0).optional(),
    /**
     * Optional: with the address known, DescribeInstances again after this many failed probes in a row.
     * Absent: half of maxAttempts (functions/health-check/checkHealth.ts describeEvery).
     */
    describeEveryProbes: z.number().int().min(1).optional(),
  }),
  occupancy: OccupancyPlan,
});
export type LifecycleInput = z.infer<typeof LifecycleInput>;

/** Step Functions execution names: 1–80 characters of [A-Za-z0-9-_]. */
export function executionNameFor(meetingId: string, revision = 0): string {
  return revision === 0 ? `meeting-${meetingId}` : `meeting-${meetingId}-r${revision}`;
}
