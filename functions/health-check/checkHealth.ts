import { z } from 'zod';
import { liveMeeting, parseTaskInput, Revision, type TaskDeps } from '../shared/taskDeps';

export const HealthCheckInput = z.object({
  meetingId: z.string().min(1),
  instanceId: z.string().min(1),
  attempts: z.number().int().min(0),
  revision: Revision,
});
export const HealthCheckOutput = z.object({
  healthy: z.boolean(),
  attempts: z.number().int(),
  detail: z.string(),
});
export type HealthCheckOutput = z.infer<typeof HealthCheckOutput>;

/**
 * One probe of the meeting's server. The state machine loops on it (bounded by attempts), so this answers
 * "not yet" instead of throwing while the server boots; healthy moves the meeting to READY.
 */
export async function checkHealth(input: unknown, { store, fleet }: TaskDeps): Promise<HealthCheckOutput> {
  const { meetingId, instanceId, attempts, revision } = parseTaskInput(
    'health-check',
    HealthCheckInput,
    input,
  );
  const meeting = await liveMeeting(store, meetingId, revision);
  const probe = await fleet.probe({ meetingId, instanceId, hostname: meeting.hostname });
  if (probe.healthy) {
    await store.transition(meetingId, 'READY', { publicIp: probe.publicIp });
  } else if (probe.publicIp && probe.publicIp !== meeting.publicIp) {
    await store.update(meetingId, { publicIp: probe.publicIp });
  }
  return { healthy: probe.healthy, attempts: attempts + 1, detail: probe.detail };
}
