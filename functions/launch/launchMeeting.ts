import { z } from 'zod';
import { meetingClosed } from '../shared/errors';
import { isTerminal } from '../shared/meeting';
import { silentTelemetry } from '../shared/observability';
import { liveMeeting, parseTaskInput, Revision, type TaskDeps } from '../shared/taskDeps';

export const LaunchInput = z.object({ meetingId: z.string().min(1), revision: Revision });
export const LaunchOutput = z.object({ instanceId: z.string(), instanceType: z.string() });
export type LaunchOutput = z.infer<typeof LaunchOutput>;

/** Starts the meeting's Jitsi server (once) and moves the meeting to LAUNCHING. */
export async function launchMeeting(
  input: unknown,
  { store, fleet, telemetry = silentTelemetry }: TaskDeps,
  now: () => Date = () => new Date(),
): Promise<LaunchOutput> {
  const { meetingId, revision } = parseTaskInput('launch', LaunchInput, input);
  const t = telemetry.forMeeting({ meetingId, revision });
  const meeting = await liveMeeting(store, meetingId, revision);
  // A repeated launch after the server came up: report the server we have, start nothing.
  if (meeting.status !== 'SCHEDULED' && meeting.status !== 'LAUNCHING' && meeting.instanceId) {
    t.logger.info('server already launched', { instanceId: meeting.instanceId, status: meeting.status });
    return { instanceId: meeting.instanceId, instanceType: meeting.instanceType ?? 'unknown' };
  }
  const { record, changed } = await store.transition(meetingId, 'LAUNCHING');
  if (isTerminal(record.status)) throw meetingClosed(meetingId, record.status);
  const askedAt = now().toISOString();
  const server = await fleet.launch({
    meetingId,
    hostname: meeting.hostname,
    roomName: meeting.roomName,
    revision,
    // This attempt moved the meeting SCHEDULED → LAUNCHING: no earlier attempt reached RunInstances, so there is
    // no server to look for (one DescribeInstances less per meeting; issue 20). A retry was LAUNCHING already.
    maybeLaunchedBefore: !changed,
  });
  // A retry finds the instance the first attempt started (same ClientToken): it keeps that attempt's time.
  const sameServer = record.instanceId === server.instanceId && record.launchedAt;
  const updated = await store.update(meetingId, {
    instanceId: server.instanceId,
    instanceType: server.instanceType,
    launchedAt: sameServer ? record.launchedAt : askedAt,
  });
  if (!sameServer) t.metric('ServersLaunched', 1);
  t.logger.info(sameServer ? 'server already launched' : 'server launched', {
    ...server,
    hostname: meeting.hostname,
  });
  // Cancelled or rescheduled while the server was starting: nobody else will stop it, so stop it now.
  if (isTerminal(updated.status) || updated.revision !== revision) {
    t.logger.warn('meeting closed or rescheduled while its server started; terminating it', {
      status: updated.status,
      currentRevision: updated.revision,
    });
    await fleet.terminate({ meetingId, hostname: meeting.hostname, instanceIds: [server.instanceId] });
    await liveMeeting(store, meetingId, revision); // throws the reason
  }
  return server;
}
