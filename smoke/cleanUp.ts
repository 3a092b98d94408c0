import type { MeetingsApi } from './meetingsApi';
import { describeError } from './errors';

/**
 * Cancels the meeting (DELETE stops its execution and tears its server down, README "API") and reads back
 * that the server is gone. A meeting already over answers 409: its own teardown ran, which is checked the
 * same way.
 */
export async function cleanUp(api: MeetingsApi, id: string): Promise<string[]> {
  const lines: string[] = [];
  try {
    const cancel = await api.cancel(id);
    const record = await api.get(id);
    lines.push(
      cancel.cancelled
        ? `cancelled meeting ${id}: now ${record.status}`
        : `meeting ${id} was already ${record.status}: its own teardown ran`,
    );
    if (record.instanceId && !record.terminatedAt) {
      lines.push(
        `WARNING: server ${record.instanceId} has no terminatedAt; check EC2 for instances tagged meetingId=${id} (the sweeper stops it within its interval)`,
      );
    } else if (record.instanceId) {
      lines.push(`server ${record.instanceId} terminated ${record.terminatedAt}`);
    } else {
      lines.push('no server was launched');
    }
  } catch (err) {
    lines.push(
      `WARNING: cleanup failed: ${describeError(err)}; cancel meeting ${id} by hand (DELETE /meetings/${id})`,
    );
  }
  return lines;
}
