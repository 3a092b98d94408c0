import { z } from 'zod';
import { silentTelemetry } from '../shared/observability';
import { liveMeeting, parseTaskInput, Revision, type TaskDeps } from '../shared/taskDeps';

export const HealthCheckInput = z.object({
  meetingId: z.string().min(1),
  instanceId: z.string().min(1),
  attempts: z.number().int().min(0),
  revision: Revision,
  /** The address this execution's probes already pointed the DNS record at (null before the first write). */
  dnsIp: z.string().nullish(),
  /** When this execution's first probe ran (null before it), so the budget can be told in seconds. */
  firstProbeAt: z.iso.datetime().nullish(),
  /**
   * The instance's public address once a probe saw it (null before): later probes go straight to HTTPS and
   * DescribeInstances is called only now and then (issue 20). Travels in the execution's state like dnsIp.
   */
  publicIp: z.string().nullish(),
  /** Probes since the instance was last described (from the previous probe; 0 or null before the first). */
  probesSinceDescribe: z.number().int().min(0).nullish(),
  /** The execution input's `health` plan: the budget, and optionally how often to describe again. */
  health: z
    .object({
      maxAttempts: z.number().int().min(1),
      /** Default: half the budget (so a meeting that becomes healthy is described at most twice by its probes). */
      describeEveryProbes: z.number().int().min(1).optional(),
    })
    .loose()
    .nullish(),
});
export const HealthCheckOutput = z.object({
  healthy: z.boolean(),
  attempts: z.number().int(),
  detail: z.string(),
  dnsIp: z.string().nullable(),
  publicIp: z.string().nullable(),
  probesSinceDescribe: z.number().int().min(0),
  firstProbeAt: z.iso.datetime(),
  /** Seconds from the first probe to the end of this one (the state machine's "not healthy after N s"). */
  elapsedSeconds: z.number().int().min(0),
});
export type HealthCheckOutput = z.infer<typeof HealthCheckOutput>;

/**
 * One probe of the meeting's server. The state machine loops on it (bounded by attempts), so this answers
 * "not yet" instead of throwing while the server boots; healthy moves the meeting to READY. What the loop needs
 * next time (the address DNS already points at, when probing began) travels in the execution's state.
 */
export async function checkHealth(
  input: unknown,
  { store, fleet, telemetry = silentTelemetry }: TaskDeps,
  now: () => Date = () => new Date(),
): Promise<HealthCheckOutput> {
  const { meetingId, instanceId, attempts, revision, dnsIp, firstProbeAt, publicIp, health, ...known } =
    parseTaskInput('health-check', HealthCheckInput, input);
  const t = telemetry.forMeeting({ meetingId, revision });
  const startedAt = firstProbeAt ?? now().toISOString();
  const meeting = await liveMeeting(store, meetingId, revision);
  const probe = await fleet.probe({
    meetingId,
    instanceId,
    hostname: meeting.hostname,
    dnsIp: dnsIp ?? undefined,
    publicIp: publicIp ?? undefined,
    probesSinceDescribe: known.probesSinceDescribe ?? undefined,
    describeEveryProbes: describeEvery(health),
    lastProbe: health ? attempts + 1 >= health.maxAttempts : false,
  });
  if (probe.healthy) {
    const { changed } = await store.transition(meetingId, 'READY', { publicIp: probe.publicIp });
    const launchToHealthySeconds = meeting.launchedAt
      ? Math.max(0, Math.round((now().getTime() - Date.parse(meeting.launchedAt)) / 100) / 10)
      : undefined;
    // Once per server: a repeated healthy probe (a retried task) finds the meeting READY already.
    if (changed && launchToHealthySeconds !== undefined)
      t.metric('LaunchToHealthySeconds', launchToHealthySeconds);
    t.logger.info('server healthy', {
      instanceId,
      attempts: attempts + 1,
      launchToHealthySeconds,
      publicIp: probe.publicIp,
    });
  } else {
    if (probe.publicIp && probe.publicIp !== meeting.publicIp)
      await store.update(meetingId, { publicIp: probe.publicIp });
    t.logger.debug('server not healthy yet', { instanceId, attempts: attempts + 1, detail: probe.detail });
  }
  return {
    healthy: probe.healthy,
    attempts: attempts + 1,
    detail: probe.detail,
    dnsIp: probe.dnsIp ?? dnsIp ?? null,
    publicIp: probe.publicIp ?? publicIp ?? null,
    probesSinceDescribe: probe.probesSinceDescribe ?? 0,
    firstProbeAt: startedAt,
    elapsedSeconds: Math.max(0, Math.round((now().getTime() - Date.parse(startedAt)) / 1000)),
  };
}

/**
 * How many failed probes in a row before the instance is described again: the plan's own, else half the budget
 * (at least 1). With the first probe describing (the address is unknown) that is at most two DescribeInstances by
 * the probes of a meeting that becomes healthy, whatever the budget; launch adds none on its first attempt.
 */
export function describeEvery(
  health: { maxAttempts: number; describeEveryProbes?: number } | null | undefined,
): number | undefined {
  if (!health) return undefined;
  return health.describeEveryProbes ?? Math.max(1, Math.ceil(health.maxAttempts / 2));
}
