import { z } from 'zod';
import { isThrottling } from '../shared/errors';
import { isTerminal, MeetingStatus, Outcome, type MeetingRecord } from '../shared/meeting';
import { countOutcome, silentTelemetry } from '../shared/observability';
import { countServerMinutes } from '../shared/serverMinutes';
import { parseTaskInput, Revision, type TaskDeps } from '../shared/taskDeps';

/** What a Catch puts at its ResultPath. Error is always there; Cause is not (a timeout, say, may have none). */
export const CaughtError = z.object({ Error: z.string().optional(), Cause: z.string().optional() });
export type CaughtError = z.infer<typeof CaughtError>;

/** The longest statusReason teardown records; longer reasons keep their start and say they were shortened. */
export const MAX_REASON_CHARS = 1000;

export const TeardownInput = z.object({
  meetingId: z.string().min(1),
  /** RESCHEDULED stops the server and leaves the status to the reschedule that asked for it. */
  outcome: z.union([Outcome, z.literal('RESCHEDULED')]),
  /**
   * Any length: refusing a long one would fail the teardown itself (retried, then TeardownFailed) and leave the
   * meeting open with its server running. It is shortened before it is recorded.
   */
  reason: z.string(),
  /** The caught error of a failed task (LaunchFailed, HealthCheckFailed): the reason is taken from it. */
  error: CaughtError.nullish(),
  revision: Revision,
});
export const TeardownOutput = z.object({
  /** The meeting's status after the teardown; absent when the meeting does not exist. */
  status: MeetingStatus.optional(),
  terminatedInstanceIds: z.array(z.string()),
  /** The reason as recorded (the state machine's MeetingFailed cause). */
  reason: z.string(),
  /**
   * true when this execution no longer owns the meeting: it was rescheduled (another revision's execution owns
   * it) or does not exist (deleted, or lost with damaged data). The state machine then ends quietly
   * (DidMeetingFail → MeetingDone): its failure was not the meeting's, and "executions failed" counts only real
   * ones (issue 22).
   */
  superseded: z.boolean().optional(),
});
export type TeardownOutput = z.infer<typeof TeardownOutput>;

/**
 * Terminates everything tagged with the meeting and records the outcome. Idempotent: servers already gone
 * are fine, a meeting that already has a final status (cancelled, say) keeps it, and a server's minutes and the
 * outcome's metrics are counted once, by the call that recorded them.
 */
export async function teardownMeeting(
  input: unknown,
  { store, fleet, telemetry = silentTelemetry }: TaskDeps,
  now: () => Date = () => new Date(),
): Promise<TeardownOutput> {
  const { meetingId, outcome, revision, ...given } = parseTaskInput('teardown', TeardownInput, input);
  const t = telemetry.forMeeting({ meetingId, revision });
  const reason = teardownReason(given.reason, given.error);
  const meeting = await store.get(meetingId);
  // Nothing to record on: a server still tagged with the meeting is the sweeper's ("meeting unknown").
  if (!meeting) {
    t.logger.warn('teardown of a meeting that does not exist skipped', { outcome, reason });
    return { terminatedInstanceIds: [], reason, superseded: true };
  }
  // A stopped, rescheduled execution must not tear down the server of the meeting's new time.
  if (meeting.revision !== revision) {
    t.logger.info('teardown of an old revision skipped', { currentRevision: meeting.revision, outcome });
    return { status: meeting.status, terminatedInstanceIds: [], reason, superseded: true };
  }
  const { terminatedInstanceIds, dnsLeft } = await fleet.terminate({
    meetingId,
    hostname: meeting.hostname,
    instanceIds: knownServers(meeting),
    publicIp: meeting.publicIp,
  });
  if (dnsLeft) {
    // Route 53 still throttled after the bounded retries: the server is stopped, only its name is left. The
    // sweeper deletes leftover meeting records in batches on its next run; failing (and retrying) the whole
    // teardown for it would only add Route 53 calls while it is throttled.
    t.metric('DnsRecordsLeft', 1);
    t.logger.warn('DNS record left for the sweeper (Route 53 throttled)', {
      hostname: meeting.hostname,
      publicIp: meeting.publicIp,
    });
  }
  const at = now();
  const minutes = await countServerMinutes(store, meeting, at, t);
  if (outcome === 'RESCHEDULED') {
    t.logger.info('server stopped for a reschedule', { terminatedInstanceIds, instanceMinutes: minutes });
    return { status: meeting.status, terminatedInstanceIds, reason };
  }
  const end = endOf(meeting.endAt, at);
  const { changed, record } = await store.transition(meetingId, outcome, {
    statusReason: reason,
    terminatedInstanceIds,
    ...end,
  });
  // Once per meeting: a retried teardown (or a cancel's after the state machine's) finds it closed already.
  // The class of a failure comes from the state machine's own reason and error name, not the recorded text.
  if (changed && outcome !== 'CANCELLED')
    countOutcome(t, outcome, { reason: given.reason, errorName: given.error?.Error });
  // Closed before its teardown ran (a cancel sets CANCELLED first): the end is still this teardown's time.
  if (!changed && record.endedAt === undefined && isTerminal(record.status))
    await store.recordEnd(meetingId, revision, end);
  const details = {
    outcome,
    status: record.status,
    reason,
    terminatedInstanceIds,
    instanceMinutes: minutes,
    overrunMinutes: end.overrunMinutes,
  };
  if (!changed) t.logger.info('meeting already closed; servers stopped', details);
  else if (outcome === 'FAILED') t.logger.warn('meeting failed', details);
  else t.logger.info('meeting closed', details);
  // Cancelled before this execution got here (its stop came late): the cancel ended the meeting, and what this
  // execution ran into (MeetingClosed) is no failure of its own.
  const cancelledMeanwhile = !changed && record.status === 'CANCELLED' && outcome !== 'CANCELLED';
  return {
    status: record.status,
    terminatedInstanceIds,
    reason,
    ...(cancelledMeanwhile ? { superseded: true } : {}),
  };
}

/**
 * The servers to stop, as far as the record knows them, so teardown needs no DescribeInstances (at the end of an
 * hour 1,000 lessons end together; DescribeInstances is a 100-token bucket refilled at 20/s): none when a
 * teardown already stopped the latest server (terminatedAt at or after launchedAt: a cancel's teardown, then the
 * state machine's), its id once the launch has settled. Undefined (look them up by tag) while the meeting was
 * still SCHEDULED or LAUNCHING: a launch attempt that failed after RunInstances may have started a server the
 * record does not name yet. A server the record never named is also found by the sweeper's tag walk.
 */
export function knownServers(
  meeting: Pick<MeetingRecord, 'status' | 'instanceId' | 'launchedAt' | 'terminatedAt'>,
): string[] | undefined {
  const { instanceId, launchedAt, terminatedAt } = meeting;
  if (!instanceId || meeting.status === 'SCHEDULED' || meeting.status === 'LAUNCHING') return undefined;
  if (launchedAt && terminatedAt && Date.parse(terminatedAt) >= Date.parse(launchedAt)) return [];
  return [instanceId];
}

/** The real end of a meeting torn down at `at`, and how many whole minutes past its booked end that was. */
export function endOf(endAt: string, at: Date): { endedAt: string; overrunMinutes: number } {
  return {
    endedAt: at.toISOString(),
    overrunMinutes: Math.max(0, Math.round((at.getTime() - Date.parse(endAt)) / 60_000)),
  };
}

/**
 * The reason to record: from the caught error (its Cause, else its Error) when there is one, shortened. A rate
 * limit that outlasted the state machine's retries says so first, so it reads as the account's limit rather
 * than a broken server (reason class Throttled).
 */
export function teardownReason(reason: string, error?: CaughtError | null): string {
  const described = (error && describeError(error)) || reason;
  const text =
    error && isThrottling(error.Error)
      ? `AWS rate limit still exceeded after the retries (${error.Error}; ${reason}): ${described}`
      : described;
  return shorten(text, MAX_REASON_CHARS);
}

function describeError({ Error: name, Cause: cause }: CaughtError): string | undefined {
  if (cause?.trim()) {
    // A Lambda function's error arrives as JSON {errorType, errorMessage, trace}: the message is what a person
    // reading the meeting needs (the same text the local engine passes as the Cause); the trace is in the logs.
    try {
      const parsed: unknown = JSON.parse(cause);
      const message = (parsed as { errorMessage?: unknown } | null)?.errorMessage;
      if (typeof message === 'string' && message.trim()) return message;
    } catch {
      // Not JSON: the Cause is the message.
    }
    return cause;
  }
  return name?.trim() || undefined;
}

/** Keeps the start of a long text and says it was shortened, in at most `max` characters. */
export function shorten(text: string, max: number): string {
  if (text.length <= max) return text;
  const note = ` … (shortened from ${text.length} characters)`;
  // Never end on half a surrogate pair.
  return text.slice(0, max - note.length).replace(/[\uD800-\uDBFF]$/, '') + note;
}
