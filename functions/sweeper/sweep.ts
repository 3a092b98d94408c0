import {
  ACTIVE_STATUSES,
  isTerminal,
  OPEN_STATUSES,
  type MeetingRecord,
  type MeetingStatus,
} from '../shared/meeting';
import { countOutcome, silentTelemetry, type Telemetry } from '../shared/observability';
import { closeMeeting } from './closeMeeting';
import { reconcile, type LifecycleExecutions } from './reconcile';
import { countServerMinutes } from '../shared/serverMinutes';
import type { TaskDeps } from '../shared/taskDeps';

export interface SweepOptions {
  now: Date;
  /** No server lives longer than this, whatever its meeting says. */
  maxLifetimeMs: number;
  /** How long after a meeting's end its server may still be running (teardown is on its way). */
  graceMs: number;
  /**
   * How far past endAt the lifecycle may keep a lesson whose room checks say people are there (or cannot say):
   * its maximum overrun. Default 0.
   */
  maxOverrunMs?: number;
  /** The status of a meeting's execution (DescribeExecution); undefined when it cannot be told. */
  executionStatus?: (executionArn: string) => Promise<string | undefined>;
  /** Meetings and executions reconciled both ways first (reconcile.ts); skipped when not given. */
  executions?: LifecycleExecutions;
}

export interface Swept {
  /** The server terminated (the server walk); absent for a meeting closed by the meeting walk. */
  instanceId?: string;
  meetingId?: string;
  reason: string;
  /** The meeting walk: what terminating the closed meeting's servers found and stopped. */
  terminatedInstanceIds?: string[];
  /** Reconcile: the execution stopped or started again. */
  executionArn?: string;
}

/** Execution statuses with a lifecycle still on its way (a failed execution about to be redriven counts). */
const LIVE_EXECUTION = new Set(['RUNNING', 'PENDING_REDRIVE']);
const PAGE_SIZE = 100;

/**
 * The safety net behind every teardown. Two walks:
 * - servers: terminates any server of this app whose meeting has ended, was cancelled, is unknown, whose
 *   execution is over, or that outlived the maximum lifetime;
 * - meetings: closes any open meeting whose current execution has ended (a teardown that failed, an
 *   execution that died before its teardown), whether or not a server is running for it.
 * A meeting closed either way is marked FAILED with the reason, so record, execution and fleet agree again.
 */
export async function sweep(deps: TaskDeps, options: SweepOptions): Promise<Swept[]> {
  // One DescribeExecution per execution per sweep, whichever walk asks first.
  const asked = new Map<string, Promise<string | undefined>>();
  const executionStatus = options.executionStatus
    ? (arn: string) => {
        if (!asked.has(arn)) asked.set(arn, options.executionStatus!(arn));
        return asked.get(arn)!;
      }
    : undefined;
  const withCache = { ...options, executionStatus };
  const telemetry = deps.telemetry ?? silentTelemetry;
  // First, so the walks below see one execution per open meeting, its current revision's.
  const reconciled = options.executions
    ? await reconcile(deps, options.executions, { now: options.now, graceMs: options.graceMs }, telemetry)
    : [];
  const servers = await sweepServers(deps, withCache, telemetry);
  const meetings = await sweepMeetings(deps, withCache, telemetry);
  const swept = [...reconciled, ...servers, ...meetings];
  await sweepDnsRecords(deps, telemetry);
  // Every run, 0 included: the alarm and the dashboard see a sweeper that runs and finds nothing.
  telemetry.metric('ServersSwept', swept.length);
  telemetry.logger.info('sweep done', { swept: swept.length });
  return swept;
}

/**
 * The latest a lesson may still legitimately run: past endAt its room checks may keep it up to the maximum
 * overrun (a failing check keeps it that long without writing anything), and an extension already granted
 * (extendedUntil) counts even if the maximum was lowered since.
 */
function latestEnd(meeting: MeetingRecord, maxOverrunMs: number): number {
  return Math.max(
    Date.parse(meeting.endAt) + maxOverrunMs,
    meeting.extendedUntil ? Date.parse(meeting.extendedUntil) : 0,
  );
}

/** A meeting the sweeper closed as FAILED: its teardown never counted it, so the sweeper does. */
const countFailed = (t: Telemetry, reason: string) =>
  countOutcome(t, 'FAILED', { reason: `swept: ${reason}` });

async function sweepServers(
  { store, fleet }: TaskDeps,
  options: SweepOptions,
  telemetry: Telemetry,
): Promise<Swept[]> {
  const swept: Swept[] = [];
  const now = options.now.getTime();
  for (const server of await fleet.listServers()) {
    const meeting = server.meetingId ? await store.get(server.meetingId) : undefined;
    let reason: string | undefined;
    if (!meeting) reason = 'meeting unknown';
    else if (isTerminal(meeting.status)) reason = `meeting ${meeting.status}`;
    else if (now > latestEnd(meeting, options.maxOverrunMs ?? 0) + options.graceMs) reason = 'meeting ended';
    else if (now - server.launchedAt.getTime() > options.maxLifetimeMs)
      reason = 'outlived the maximum lifetime';
    else if (isCurrentExecution(meeting) && options.executionStatus) {
      const status = await options.executionStatus(meeting.executionArn);
      if (status && !LIVE_EXECUTION.has(status)) reason = `execution ${status} without teardown`;
    }
    if (!reason) continue;
    const t = meeting
      ? telemetry.forMeeting({ meetingId: meeting.id, revision: meeting.revision })
      : server.meetingId
        ? telemetry.forMeeting({ meetingId: server.meetingId })
        : telemetry;
    await fleet.terminateInstances([server.instanceId]);
    // Its teardown never counted this server's minutes (or did, and the store's condition says so).
    if (meeting?.instanceId === server.instanceId) await countServerMinutes(store, meeting, options.now, t);
    if (meeting && !isTerminal(meeting.status)) {
      // Its DNS record too (left to the DNS walk below, or the next run's, should Route 53 be throttled).
      await fleet.terminate({
        meetingId: meeting.id,
        hostname: meeting.hostname,
        instanceIds: [], // terminated just above
        publicIp: meeting.publicIp,
      });
      const { changed } = await store.transition(
        meeting.id,
        'FAILED',
        { statusReason: `swept: ${reason}` },
        { revision: meeting.revision },
      );
      if (changed) countFailed(t, reason);
    }
    swept.push({ instanceId: server.instanceId, meetingId: server.meetingId, reason });
    // WARN: a sweep means some path missed its teardown (the ServersSwept alarm says the same).
    t.logger.warn('swept server', { instanceId: server.instanceId, reason });
  }
  return swept;
}

/**
 * Open meetings whose lifecycle is over. Without this a meeting whose teardown failed stays LAUNCHING (or
 * READY…) forever once its server is gone or was never started: the server walk never sees it. Meetings whose
 * launch time is still ahead are skipped before any DescribeExecution: their execution is waiting, and asking
 * about every future booking every 10 minutes would cost one call each.
 */
async function sweepMeetings(deps: TaskDeps, options: SweepOptions, telemetry: Telemetry): Promise<Swept[]> {
  const executionStatus = options.executionStatus;
  if (!executionStatus) return [];
  const swept: Swept[] = [];
  const now = options.now.getTime();
  for (const status of OPEN_STATUSES) {
    let nextToken: string | undefined;
    do {
      const page = await deps.store.list({ status, limit: PAGE_SIZE, nextToken });
      nextToken = page.nextToken;
      for (const meeting of page.items) {
        if (meeting.status === 'SCHEDULED' && Date.parse(meeting.launchAt) > now) continue;
        if (!isCurrentExecution(meeting)) continue;
        const execution = await executionStatus(meeting.executionArn);
        if (!execution || LIVE_EXECUTION.has(execution)) continue;
        const reason = `lifecycle ended (${execution}) while ${meeting.status}`;
        const terminatedInstanceIds = await closeMeeting(deps, meeting, reason, options.now, telemetry);
        if (terminatedInstanceIds) swept.push({ meetingId: meeting.id, reason, terminatedInstanceIds });
      }
    } while (nextToken);
  }
  return swept;
}

/** Meeting ids are UUIDs (crypto.randomUUID at booking); meeting hostnames are `<id>.<jitsiDomain>`. */
const MEETING_ID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/;

/** Meetings whose record may point at a server: their DNS record is live and never deleted by the sweeper. */
const SERVING_STATUSES: readonly MeetingStatus[] = ACTIVE_STATUSES;

/**
 * Meeting DNS records nobody needs any more: teardown leaves its record here when Route 53 stays throttled after
 * its bounded retries (a 1,000-lesson hour ends with 1,000 deletes against 5 requests/s). The zone is listed
 * (300 records a page) and the records of meetings that are closed, not launched (SCHEDULED: a rescheduled one
 * whose old server is gone) or unknown are deleted in batches of up to 1,000 changes per call. A live meeting's
 * record (LAUNCHING, READY, IN_PROGRESS) is never touched, and a DELETE names the values it listed: a record
 * written again since (a new server's UPSERT) no longer matches and is skipped by Route 53 itself.
 *
 * A record left here points for up to one sweep interval (10 minutes) at an address EC2 may hand to another
 * account; see the README ("Alarms", DnsRecordsLeft) for why that is accepted.
 */
async function sweepDnsRecords({ store, fleet }: TaskDeps, telemetry: Telemetry): Promise<number> {
  const leftover = [];
  for (const record of await fleet.listDnsRecords()) {
    const meetingId = record.hostname.split('.')[0];
    // Only names a meeting could have: another record under the domain is never this sweeper's to delete.
    if (!MEETING_ID.test(meetingId)) continue;
    const meeting = await store.get(meetingId);
    if (meeting && SERVING_STATUSES.includes(meeting.status)) continue;
    leftover.push(record);
  }
  if (leftover.length === 0) return 0;
  const { deleted, calls, throttled } = await fleet.deleteDnsRecords(leftover);
  telemetry.metric('DnsRecordsSwept', deleted);
  telemetry.logger.info('leftover DNS records deleted', {
    found: leftover.length,
    deleted,
    calls,
    throttled,
  });
  return deleted;
}

/**
 * Only the meeting's current execution counts: mid-reschedule the record still names the old, stopped one
 * (the new execution name is written first, its ARN once it has started).
 */
function isCurrentExecution(meeting: MeetingRecord): meeting is MeetingRecord & { executionArn: string } {
  return Boolean(meeting.executionArn?.endsWith(`:${meeting.executionName}`));
}
