import { z } from 'zod';
import { meetingClosed } from '../shared/errors';
import type { ParticipantCount } from '../shared/fleet';
import { OccupancyPlan } from '../shared/meeting';
import { silentTelemetry } from '../shared/observability';
import { liveMeeting, parseTaskInput, Revision, type TaskDeps } from '../shared/taskDeps';

const Instant = z.iso.datetime({ offset: true });

/** The OccupancyCheck state's input: the attendance-check function in its second mode (see runRoomCheck.ts). */
export const OccupancyInput = z.object({
  mode: z.literal('OCCUPANCY'),
  meetingId: z.string().min(1),
  instanceId: z.string().min(1),
  revision: Revision,
  endAt: Instant,
  /** The instant this check was scheduled for (the Wait's timestamp). */
  dueAt: Instant,
  /** Consecutive checks before this one that found the room empty. */
  emptyChecks: z.number().int().min(0),
  plan: OccupancyPlan,
});
export type OccupancyInput = z.infer<typeof OccupancyInput>;

/** What the state machine does next; its Choice state `AfterOccupancyCheck` branches on it. */
export const OCCUPANCY_DECISIONS = ['CHECK_AGAIN', 'WAIT_FOR_END', 'EXTEND', 'EVERYONE_LEFT', 'END'] as const;
export const OccupancyOutput = z.object({
  decision: z.enum(OCCUPANCY_DECISIONS),
  /** When to check next (CHECK_AGAIN, EXTEND; endAt for WAIT_FOR_END); this check's instant otherwise. */
  nextCheckAt: z.string(),
  emptyChecks: z.number().int().min(0),
  participants: z.number().int().nullable(),
  reason: z.string(),
});
export type OccupancyOutput = z.infer<typeof OccupancyOutput>;

/** Empty at this many consecutive checks: everyone left, the lesson is over (one empty check may be a reload). */
export const EMPTY_CHECKS_TO_END = 2;

/**
 * The decision alone, from the count and the clock, with no I/O. Before endAt: the room empty at two
 * consecutive checks ends the lesson; anything else (people, or a count that could not be read) waits for the
 * next check and starts the empty streak again — an unknown count never ends a lesson. From endAt on: nobody
 * there ends it; people there (or an unknown count) extend it a step at a time, steps counted from endAt, up to
 * latestEndAt, where it ends whatever the count says.
 */
export function decideOccupancy(
  count: ParticipantCount,
  input: Pick<OccupancyInput, 'endAt' | 'dueAt' | 'emptyChecks' | 'plan'>,
  now: Date,
): OccupancyOutput {
  const { plan } = input;
  const endMs = Date.parse(input.endAt);
  const dueMs = Date.parse(input.dueAt);
  // Never earlier than the Wait it followed: a clock a little behind Step Functions' must not take the end
  // check for one more lesson check.
  const atMs = Math.max(now.getTime(), dueMs);
  const iso = (ms: number) => new Date(ms).toISOString();
  const participants = count.known ? count.participants : null;
  const empty = count.known && count.participants === 0;
  const seen = count.known ? `${count.participants} in the room` : `occupancy unknown: ${count.reason}`;

  if (atMs >= endMs) {
    const latestMs = Date.parse(plan.latestEndAt);
    const overrun = Math.round((atMs - endMs) / 60_000);
    const base = { nextCheckAt: iso(atMs), emptyChecks: 0, participants };
    if (empty) {
      return {
        ...base,
        decision: 'END',
        reason: overrun === 0 ? 'meeting ended' : `meeting ended, ${overrun} min over time`,
      };
    }
    if (atMs >= latestMs) {
      return {
        ...base,
        decision: 'END',
        reason: `meeting ended at the maximum overrun of ${Math.round(plan.maxOverrunSeconds / 60)} min (${seen})`,
      };
    }
    const stepMs = plan.overrunStepSeconds * 1000;
    const nextMs = Math.min(endMs + (Math.floor((atMs - endMs) / stepMs) + 1) * stepMs, latestMs);
    return { ...base, decision: 'EXTEND', nextCheckAt: iso(nextMs), reason: `extended: ${seen}` };
  }

  const emptyChecks = empty ? input.emptyChecks + 1 : 0;
  if (emptyChecks >= EMPTY_CHECKS_TO_END) {
    return {
      decision: 'EVERYONE_LEFT',
      nextCheckAt: iso(atMs),
      emptyChecks,
      participants,
      reason: 'everyone left',
    };
  }
  // Counted from the check's own schedule, not from when it ran, so the checks do not drift later and later.
  const nextMs = dueMs + plan.intervalSeconds * 1000;
  return nextMs >= endMs
    ? { decision: 'WAIT_FOR_END', nextCheckAt: input.endAt, emptyChecks, participants, reason: seen }
    : { decision: 'CHECK_AGAIN', nextCheckAt: iso(nextMs), emptyChecks, participants, reason: seen };
}

/**
 * One room check after the attendance check (issue 15): counts the people in the meeting's room like the
 * attendance check does (roomOccupancy.ts) and says what the lifecycle does next. While a meeting is extended
 * past endAt, its record says until when (`extendedUntil`), so the API and the join page show the real end.
 * A meeting closed or moved meanwhile throws (MeetingClosed, StaleExecution): the state machine then ends
 * without touching anything of the meeting's current revision.
 */
export async function checkOccupancy(
  input: unknown,
  { store, fleet, telemetry = silentTelemetry }: TaskDeps,
  now: () => Date = () => new Date(),
): Promise<OccupancyOutput> {
  const parsed = parseTaskInput('occupancy-check', OccupancyInput, input);
  const { meetingId, instanceId, revision } = parsed;
  const t = telemetry.forMeeting({ meetingId, revision });
  const meeting = await liveMeeting(store, meetingId, revision);
  const count = await fleet.countParticipants({
    meetingId,
    instanceId,
    hostname: meeting.hostname,
    roomName: meeting.roomName,
  });
  const out = decideOccupancy(count, parsed, now());
  if (out.decision === 'EXTEND') {
    const updated = await store.updateLive(meetingId, revision, { extendedUntil: out.nextCheckAt });
    // Cancelled (or moved) between the read and this write: nothing more to extend; say which.
    if (!updated) {
      const current = await liveMeeting(store, meetingId, revision);
      throw meetingClosed(meetingId, current.status);
    }
  }
  const details = {
    instanceId,
    decision: out.decision,
    participants: out.participants,
    emptyChecks: out.emptyChecks,
    nextCheckAt: out.nextCheckAt,
    reason: out.reason,
  };
  // A check that only says "still there" is routine (DEBUG); an extension or an end is worth a line.
  if (out.decision === 'CHECK_AGAIN' || out.decision === 'WAIT_FOR_END')
    t.logger.debug('room checked', details);
  else t.logger.info(out.decision === 'EXTEND' ? 'meeting extended' : 'meeting over', details);
  return out;
}
