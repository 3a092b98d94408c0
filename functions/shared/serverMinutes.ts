import type { MeetingRecord } from './meeting';
import { instanceMinutes } from './metrics';
import type { Telemetry } from './observability';
import type { MeetingStore } from './store';

/**
 * Adds the minutes of the server the record names (launchedAt → `at`) to the meeting's instanceMinutes and
 * publishes them as InstanceMinutes, once per server (store.recordServerTerminated's condition). Called by
 * whoever terminated that server: teardown, or the sweeper when a teardown never ran. Undefined when there was
 * no server to count (never launched) or it was counted already.
 */
export async function countServerMinutes(
  store: MeetingStore,
  meeting: MeetingRecord,
  at: Date,
  t: Telemetry,
): Promise<number | undefined> {
  if (!meeting.launchedAt) return undefined;
  const minutes = instanceMinutes(meeting.launchedAt, at);
  const counted = await store.recordServerTerminated(meeting.id, {
    launchedAt: meeting.launchedAt,
    terminatedAt: at.toISOString(),
    minutes,
  });
  if (!counted) return undefined;
  t.metric('InstanceMinutes', minutes);
  return minutes;
}
