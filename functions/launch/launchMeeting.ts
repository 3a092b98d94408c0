import { z } from 'zod';
import { meetingClosed } from '../shared/errors';
import { isTerminal } from '../shared/meeting';
import { liveMeeting, parseTaskInput, Revision, type TaskDeps } from '../shared/taskDeps';

export const LaunchInput = z.object({ meetingId: z.string().min(1), revision: Revision });
export const LaunchOutput = z.object({ instanceId: z.string(), instanceType: z.string() });
export type LaunchOutput = z.infer<typeof LaunchOutput>;

/** Starts the meeting's Jitsi server (once) and moves the meeting to LAUNCHING. */
export async function launchMeeting(input: unknown, { store, fleet }: TaskDeps): Promise<LaunchOutput> {
  const { meetingId, revision } = parseTaskInput('launch', LaunchInput, input);
  const meeting = await liveMeeting(store, meetingId, revision);
  // A repeated launch after the server came up: report the server we have, start nothing.
  if (meeting.status !== 'SCHEDULED' && meeting.status !== 'LAUNCHING' && meeting.instanceId) {
    return { instanceId: meeting.instanceId, instanceType: meeting.instanceType ?? 'unknown' };
  }
  const { record } = await store.transition(meetingId, 'LAUNCHING');
  if (isTerminal(record.status)) throw meetingClosed(meetingId, record.status);
  const server = await fleet.launch({
    meetingId,
    hostname: meeting.hostname,
    roomName: meeting.roomName,
    revision,
  });
  const updated = await store.update(meetingId, {
    instanceId: server.instanceId,
    instanceType: server.instanceType,
  });
  // Cancelled or rescheduled while the server was starting: nobody else will stop it, so stop it now.
  if (isTerminal(updated.status) || updated.revision !== revision) {
    await fleet.terminate({ meetingId, hostname: meeting.hostname });
    await liveMeeting(store, meetingId, revision); // throws the reason
  }
  return server;
}
