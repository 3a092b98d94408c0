import type { Lesson, ScenarioOptions } from './scenario';
import type { World } from './world';

/** What `npm run sim -- --json` prints: one run's figures. */
export interface SimReport {
  scenario: {
    lessons: number;
    spreadMinutes: number;
    durationMinutes: number;
    noShowShare: number;
    boot: string;
    limits: string;
    seed: number;
  };
  lessons: number;
  booked: number;
  refusedAtBooking: number;
  bookingErrors: number;
  /** Share of booked lessons whose meeting was READY at or before its start time. */
  readyBeforeStart: number;
  /** Seconds from the Launch task's first call to READY, over the meetings that became READY. */
  launchToReady: { p50: number | null; p99: number | null; ready: number };
  executions: Record<string, number>;
  failed: number;
  failedByReason: Record<string, number>;
  /** How the booked meetings ended, as the state machine handed them to teardown (COMPLETED, NO_SHOW, FAILED). */
  outcomes: Record<string, number>;
  /**
   * Minutes a booked meeting's launch was placed before start − lead (admission's pacing moves a crowded
   * minute's launches earlier), on average: the extra instance-minutes pacing costs a meeting.
   */
  extraLeadMinutesPerMeeting: number;
  /** Issue 20's targets, each with whether this run met it. */
  targets: Array<{ target: string; met: boolean }>;
  /** Calls the SDK made (every attempt, retries included) per booked meeting, by API. */
  apiCallsPerMeeting: Record<string, number>;
  /** Calls answered with a throttling error, by API; Lambda.Invoke is the concurrency gate's refusals. */
  throttledCalls: Record<string, number>;
  /** Calls refused for a quota or a missing resource (VcpuLimitExceeded, InvalidInstanceID.NotFound…). */
  refusedCalls: Record<string, number>;
  peakVcpus: number;
  peakLambdaConcurrency: number;
  lambdaInvocations: number;
  lambdaColdStarts: number;
  instanceMinutesPerMeeting: number;
  instancesStillRunning: number;
  /** Checks of the model itself, true when it held. */
  model: {
    everyExecutionEnded: boolean;
    noBucketOverdrawn: boolean;
    callsCountedEqualCallsServed: boolean;
    lowestTokens: Record<string, number>;
  };
  virtualEnd: string;
  wallSeconds: number;
  heapPeakMb: number;
  clockSteps: number;
  dynamoRequests: number;
}

export function percentile(sorted: number[], p: number): number | null {
  if (sorted.length === 0) return null;
  const rank = Math.min(sorted.length - 1, Math.max(0, Math.ceil((p / 100) * sorted.length) - 1));
  return sorted[rank];
}

/** A reason without the ids, addresses and figures that make every meeting's text unique. */
export function reasonClass(text: string): string {
  return text
    .replace(/i-[0-9a-f]{8,17}/g, 'i-…')
    .replace(/\d+(\.\d+)*/g, 'N')
    .slice(0, 160);
}

const round = (n: number, digits = 2) => Math.round(n * 10 ** digits) / 10 ** digits;
const sortedRecord = (m: Map<string, number>, scale = 1) =>
  Object.fromEntries([...m].sort(([a], [b]) => a.localeCompare(b)).map(([k, v]) => [k, round(v * scale)]));

export function summarize(run: {
  options: ScenarioOptions;
  world: World;
  lessons: Lesson[];
  endedAt: number;
  wallSeconds: number;
  heapPeakMb: number;
  clockSteps: number;
}): SimReport {
  const { options, world, lessons } = run;
  const booked = lessons.filter((l) => l.status === 201);
  const n = booked.length;
  const executions: Record<string, number> = {};
  const failedByReason = new Map<string, number>();
  const add = (m: Map<string, number>, k: string) => m.set(k, (m.get(k) ?? 0) + 1);
  let failed = 0;
  for (const e of world.executions()) {
    executions[e.status] = (executions[e.status] ?? 0) + 1;
    if (e.status !== 'FAILED') continue;
    failed++;
    const meetingId = JSON.parse(e.input).meetingId as string;
    const t = world.observed.get(meetingId)?.teardown;
    if (e.error === 'MeetingFailed' && t)
      add(failedByReason, reasonClass(t.errorName ? `${t.reason}: ${t.errorName}` : t.reason));
    else add(failedByReason, reasonClass(`${e.error}: ${e.cause ?? ''}`));
  }
  let ready = 0;
  const launchToReady: number[] = [];
  for (const l of booked) {
    const o = world.observed.get(l.meetingId!);
    if (o?.readyAt === undefined) continue;
    if (o.readyAt <= l.startAt) ready++;
    if (o.launchCalledAt !== undefined) launchToReady.push((o.readyAt - o.launchCalledAt) / 1000);
  }
  launchToReady.sort((a, b) => a - b);
  const outcomes = new Map<string, number>();
  for (const l of booked) add(outcomes, world.observed.get(l.meetingId!)?.teardown?.outcome ?? 'none');
  const leadMs = world.timings.leadSeconds * 1000;
  const extraLead = booked.map((l) => Math.max(0, l.startAt - leadMs - (l.launchAt ?? l.startAt - leadMs)));
  const limitReason = /RequestLimitExceeded|Throttl|TooManyRequests|VcpuLimit|rate limit/i;
  const describePerMeeting = n ? (world.meter.sent.get('DescribeInstances') ?? 0) / n : 0;
  const meter = world.meter;
  const throttled = new Map(meter.throttled);
  if (world.gate.throttled > 0) throttled.set('Lambda.Invoke', world.gate.throttled);
  const seen = meter.seen();
  const callsMatch =
    meter.sent.size === seen.size && [...meter.sent].every(([api, count]) => seen.get(api) === count);
  const buckets = [
    ...Object.values(world.ec2.buckets),
    world.route53.bucket,
    ...Object.values(world.ssm.buckets),
  ];
  const minutes = world.ec2.instanceMinutes(run.endedAt);
  return {
    scenario: {
      lessons: options.lessons,
      spreadMinutes: options.spreadMinutes,
      durationMinutes: options.durationMinutes,
      noShowShare: options.noShowShare,
      boot: options.boot.name,
      limits: options.limitsName,
      seed: options.seed,
    },
    lessons: lessons.length,
    booked: n,
    refusedAtBooking: lessons.filter((l) => l.status === 409).length,
    bookingErrors: lessons.filter((l) => l.status !== 201 && l.status !== 409).length,
    readyBeforeStart: n ? round(ready / n, 4) : 0,
    launchToReady: {
      p50: percentile(launchToReady, 50),
      p99: percentile(launchToReady, 99),
      ready: launchToReady.length,
    },
    executions,
    failed,
    failedByReason: Object.fromEntries([...failedByReason].sort(([, a], [, b]) => b - a)),
    outcomes: sortedRecord(outcomes),
    extraLeadMinutesPerMeeting: n ? round(extraLead.reduce((a, b) => a + b, 0) / n / 60_000) : 0,
    targets: [
      { target: 'every booked lesson READY before its start', met: n > 0 && ready === n },
      {
        target: 'no meeting FAILED for a rate-limit, throttling or quota reason',
        met: [...failedByReason.keys()].every((r) => !limitReason.test(r)),
      },
      {
        target: 'at most 3 DescribeInstances calls per meeting (all of them, not only before READY)',
        met: describePerMeeting <= 3,
      },
    ],
    apiCallsPerMeeting: n ? sortedRecord(meter.sent, 1 / n) : {},
    throttledCalls: sortedRecord(throttled),
    refusedCalls: sortedRecord(meter.refused),
    peakVcpus: world.ec2.peakVcpus,
    peakLambdaConcurrency: world.gate.peak,
    lambdaInvocations: world.gate.invocations,
    lambdaColdStarts: world.gate.coldStarts,
    instanceMinutesPerMeeting: n ? round(minutes.total / n, 1) : 0,
    instancesStillRunning: minutes.stillRunning,
    model: {
      everyExecutionEnded: world.allEnded() && world.executions().every((e) => e.status !== 'RUNNING'),
      noBucketOverdrawn: buckets.every((b) => b.lowest >= 0),
      callsCountedEqualCallsServed: callsMatch,
      lowestTokens: Object.fromEntries(buckets.map((b) => [b.name, round(b.lowest, 3)])),
    },
    virtualEnd: new Date(run.endedAt).toISOString(),
    wallSeconds: round(run.wallSeconds, 1),
    heapPeakMb: Math.round(run.heapPeakMb),
    clockSteps: run.clockSteps,
    dynamoRequests: world.dynamoRequests(),
  };
}

const pct = (x: number) => `${(x * 100).toFixed(1)} %`;
const table = (r: Record<string, number>) =>
  Object.keys(r).length === 0
    ? '    none'
    : Object.entries(r)
        .map(([k, v]) => `    ${String(v).padStart(9)}  ${k}`)
        .join('\n');

/** The report as text, for people. */
export function formatReport(r: SimReport): string {
  const s = r.scenario;
  const when = s.spreadMinutes > 0 ? `spread over ${s.spreadMinutes} minutes` : 'all at the same minute';
  return [
    `Top of the hour: ${s.lessons} lessons ${when}, ${s.durationMinutes} min each, ${pct(s.noShowShare)} no-shows; boot ${s.boot}; ${s.limits} limits; seed ${s.seed}`,
    `  booked ${r.booked} · refused at booking (409) ${r.refusedAtBooking} · booking errors ${r.bookingErrors}`,
    `  READY before start: ${pct(r.readyBeforeStart)}`,
    `  launch → READY: p50 ${r.launchToReady.p50 ?? '–'} s, p99 ${r.launchToReady.p99 ?? '–'} s (${r.launchToReady.ready} became READY)`,
    `  executions: ${Object.entries(r.executions)
      .map(([k, v]) => `${k} ${v}`)
      .join(', ')}`,
    `  outcomes: ${Object.entries(r.outcomes)
      .map(([k, v]) => `${k} ${v}`)
      .join(', ')}`,
    `  FAILED by reason:\n${table(r.failedByReason)}`,
    `  API calls per meeting (every attempt):\n${table(r.apiCallsPerMeeting)}`,
    `  throttled calls:\n${table(r.throttledCalls)}`,
    `  refused calls (quota, not found):\n${table(r.refusedCalls)}`,
    `  peak vCPUs ${r.peakVcpus} · peak Lambda concurrency ${r.peakLambdaConcurrency} (${r.lambdaInvocations} invocations, ${r.lambdaColdStarts} cold starts)`,
    `  instance-minutes per meeting ${r.instanceMinutesPerMeeting} (${r.instancesStillRunning} instances never terminated); pacing's extra lead ${r.extraLeadMinutesPerMeeting} min per meeting`,
    `  targets (issue 20):\n${r.targets.map((t) => `    ${t.met ? 'met    ' : 'NOT MET'}  ${t.target}`).join('\n')}`,
    `  model: every execution ended ${r.model.everyExecutionEnded}, no bucket overdrawn ${r.model.noBucketOverdrawn}, calls counted = calls served ${r.model.callsCountedEqualCallsServed}`,
    `  wall ${r.wallSeconds} s · virtual end ${r.virtualEnd} · ${r.clockSteps} timer steps · ${r.dynamoRequests} DynamoDB requests · heap peak ${r.heapPeakMb} MB`,
  ].join('\n');
}
