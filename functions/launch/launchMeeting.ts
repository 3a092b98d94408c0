import { z } from 'zod';
import { meetingClosed } from '../shared/errors';
import { isTerminal } from '../shared/meeting';
import { parseTaskInput, type TaskDeps } from '../shared/taskDeps';

export const LaunchInput = z.object({ meetingId: z.string().min(1) });
export const LaunchOutput = z.object({ instanceId: z.string(), instanceType: z.string() });
export type LaunchOutput = z.infer<typeof LaunchOutput>;

/** Starts the meeting's Jitsi server (once) and moves the meeting to LAUNCHING. */
export async function launchMeeting(input: unknown, { store, fleet }: TaskDeps): Promise<LaunchOutput> {
  const { meetingId } = parseTaskInput('launch', LaunchInput, input);
  const meeting = await store.mustGet(meetingId);
  if (isTerminal(meeting.status)) throw meetingClosed(meetingId, meeting.status);
  // A repeated launch after the server came up: report the server we have, start nothing.
  if (meeting.status !== 'SCHEDULED' && meeting.status !== 'LAUNCHING' && meeting.instanceId) {
    return { instanceId: meeting.instanceId, instanceType: meeting.instanceType ?? 'unknown' };
  }
  const { record } = await store.transition(meetingId, 'LAUNCHING');
  if (isTerminal(record.status)) throw meetingClosed(meetingId, record.status);
  const server = await fleet.launch({ meetingId, hostname: meeting.hostname });
  await store.update(meetingId, { instanceId: server.instanceId, instanceType: server.instanceType });
  return server;
}
