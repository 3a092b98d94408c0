import { isTerminal } from '../shared/meeting';
import type { TaskDeps } from '../shared/taskDeps';

export interface SweepOptions {
  now: Date;
  /** No server lives longer than this, whatever its meeting says. */
  maxLifetimeMs: number;
  /** How long after a meeting's end its server may still be running (teardown is on its way). */
  graceMs: number;
  /** The status of a meeting's execution (DescribeExecution); undefined when it cannot be told. */
  executionStatus?: (executionArn: string) => Promise<string | undefined>;
}

export interface Swept {
  instanceId: string;
  meetingId?: string;
  reason: string;
}

/**
 * The safety net behind every teardown: terminates any server of this app whose meeting has ended, was
 * cancelled, is unknown, whose execution is over, or that outlived the maximum lifetime. A live meeting that
 * loses its server this way is marked FAILED with the reason, so record, execution and fleet agree again.
 */
export async function sweep({ store, fleet }: TaskDeps, options: SweepOptions): Promise<Swept[]> {
  const swept: Swept[] = [];
  const now = options.now.getTime();
  for (const server of await fleet.listServers()) {
    const meeting = server.meetingId ? await store.get(server.meetingId) : undefined;
    let reason: string | undefined;
    if (!meeting) reason = 'meeting unknown';
    else if (isTerminal(meeting.status)) reason = `meeting ${meeting.status}`;
    else if (now > Date.parse(meeting.endAt) + options.graceMs) reason = 'meeting ended';
    else if (now - server.launchedAt.getTime() > options.maxLifetimeMs)
      reason = 'outlived the maximum lifetime';
    // Only the meeting's current execution counts: mid-reschedule the record still names the old, stopped one.
    else if (meeting.executionArn?.endsWith(`:${meeting.executionName}`) && options.executionStatus) {
      const status = await options.executionStatus(meeting.executionArn);
      if (status && status !== 'RUNNING') reason = `execution ${status} without teardown`;
    }
    if (!reason) continue;
    await fleet.terminateInstances([server.instanceId]);
    if (meeting && !isTerminal(meeting.status)) {
      await fleet.terminate({ meetingId: meeting.id, hostname: meeting.hostname }); // its DNS record too
      await store.transition(meeting.id, 'FAILED', { statusReason: `swept: ${reason}` });
    }
    swept.push({ instanceId: server.instanceId, meetingId: server.meetingId, reason });
    console.log(
      JSON.stringify({
        msg: 'swept server',
        instanceId: server.instanceId,
        meetingId: server.meetingId,
        reason,
      }),
    );
  }
  return swept;
}
