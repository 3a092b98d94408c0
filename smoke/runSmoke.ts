import { GetExecutionHistoryCommand, type HistoryEvent, type SFNClient } from '@aws-sdk/client-sfn';
import { randomUUID } from 'node:crypto';
import { setTimeout as sleep } from 'node:timers/promises';
import type { SmokeOptions } from './args';
import { readProgress, type Progress } from './executionProgress';
import type { MeetingsApi, MeetingView } from './meetingsApi';
import type { RoomVisitor } from './roomVisitor';

export const PHASES = [
  'book',
  'launched',
  'healthy',
  'join page',
  'joined',
  'attendance',
  'teardown',
] as const;
export type PhaseName = (typeof PHASES)[number];

export interface PhasePassed {
  phase: PhaseName;
  /** When it happened: the execution's own event time where there is one, else when the smoke test saw it. */
  at: Date;
  detail: string;
}

export interface SmokeReport {
  ok: boolean;
  bookedAt?: Date;
  meetingId?: string;
  executionArn?: string;
  consoleUrl?: string;
  passed: PhasePassed[];
  failure?: { phase: PhaseName; reason: string };
  /** What the cleanup did (cancel, the server's termination), one line each. */
  cleanup: string[];
}

export interface SmokeDeps {
  api: MeetingsApi;
  sfn: SFNClient;
  /** Present with --join. */
  visitor?: RoomVisitor;
  /** Aborted by SIGINT / SIGTERM: the phase being waited for fails "interrupted", then the cleanup runs. */
  signal: AbortSignal;
  /** One line per phase passed, as it happens. */
  onPhase?: (passed: PhasePassed, bookedAt: Date) => void;
  now?: () => Date;
}

class PhaseFailed extends Error {
  constructor(
    readonly phase: PhaseName,
    readonly reason: string,
  ) {
    super(`${phase}: ${reason}`);
    this.name = 'PhaseFailed';
  }
}

/**
 * Books one short meeting through the API and follows it through its execution, phase by phase, until its
 * server is gone. Whatever happens (a phase failing, a deadline passing, a signal) a meeting it booked that is
 * not over is cancelled, which stops its execution and terminates its server, and the report says so.
 */
export async function runSmoke(opts: SmokeOptions, deps: SmokeDeps): Promise<SmokeReport> {
  const now = deps.now ?? (() => new Date());
  const report: SmokeReport = { ok: false, passed: [], cleanup: [] };
  let phase: PhaseName = 'book';
  let meeting: MeetingView | undefined;
  const pass = (name: PhaseName, at: Date, detail: string) => {
    const passed = { phase: name, at, detail };
    report.passed.push(passed);
    deps.onPhase?.(passed, report.bookedAt!);
  };
  const check = () => {
    if (deps.signal.aborted) throw new PhaseFailed(phase, `interrupted (${String(deps.signal.reason)})`);
  };
  const pause = async () => {
    try {
      await sleep(opts.pollMs, undefined, { signal: deps.signal });
    } catch {
      check();
    }
  };
  const pastDeadline = (deadline: number, what: string) => {
    if (now().getTime() > deadline) {
      throw new PhaseFailed(
        phase,
        `not ${what} by ${new Date(deadline).toISOString()} (its instant + --grace)`,
      );
    }
  };

  try {
    check();
    const start = new Date(now().getTime() + opts.startInMs);
    report.bookedAt = now();
    meeting = await deps.api.book(
      {
        teacherName: 'Smoke Teacher',
        studentName: 'Smoke Student',
        title: `smoke test ${report.bookedAt.toISOString()}`,
        // Whole seconds: the API takes ISO-8601 with an offset.
        startTime: start.toISOString().replace(/\.\d+Z$/, 'Z'),
        durationMinutes: opts.durationMinutes,
      },
      `smoke-${randomUUID()}`,
    );
    report.meetingId = meeting.id;
    report.executionArn = meeting.executionArn ?? undefined;
    report.consoleUrl = meeting.consoleUrl ?? undefined;
    if (!meeting.executionArn) throw new PhaseFailed('book', 'the booking answered no executionArn');
    pass(
      'book',
      report.bookedAt,
      `meeting ${meeting.id}, launch ${meeting.launchAt}, start ${meeting.startTime}`,
    );
    const booked = meeting;
    const executionArn = meeting.executionArn;
    const at = (iso: string) => Date.parse(iso);

    /**
     * Polls the execution until `reached` says the phase is done; fails it on a failure path, the execution's
     * end, or its deadline (asked again once passed: a lesson's extension moves the end's).
     */
    const follow = async <T>(
      name: PhaseName,
      deadline: () => number | Promise<number>,
      reached: (p: Progress) => T | undefined,
    ) => {
      phase = name;
      let due = await deadline();
      for (;;) {
        check();
        const progress = readProgress(await history(deps.sfn, executionArn));
        const value = reached(progress);
        if (value !== undefined) return value;
        if (progress.failure) throw new PhaseFailed(name, progress.failure.reason);
        if (progress.ended) throw new PhaseFailed(name, await endReason(deps.api, booked.id, progress));
        if (now().getTime() > due) due = await deadline();
        pastDeadline(due, `reached (execution in ${progress.currentState ?? 'no state yet'})`);
        await pause();
      }
    };

    const launched = await follow(
      'launched',
      () => at(booked.launchAt) + opts.graceMs,
      (p) => p.launched,
    );
    pass('launched', launched, `Launch succeeded (launch slot ${booked.launchAt})`);

    const healthy = await follow(
      'healthy',
      () => at(booked.startTime) + opts.graceMs,
      (p) => p.healthy,
    );
    pass(
      'healthy',
      healthy,
      `the server answered its health check (${seconds(healthy, launched)} after launch)`,
    );

    phase = 'join page';
    const joinDeadline = now().getTime() + opts.graceMs;
    for (;;) {
      check();
      const views = await Promise.all([
        deps.api.joinView(booked.teacherLink),
        deps.api.joinView(booked.studentLink),
      ]);
      if (views.every((v) => v.phase === 'ready' && v.joinUrl)) {
        pass('join page', now(), `both links say "${views[0]!.label}" with a room link`);
        break;
      }
      pastDeadline(
        joinDeadline,
        `ready on the join page (${views.map((v) => `${v.role}: ${v.phase}`).join(', ')})`,
      );
      await pause();
    }

    if (deps.visitor) {
      phase = 'joined';
      const page = await deps.visitor.readJoinPage(booked.studentLink, opts.graceMs);
      const joined = await deps.visitor.join(page.joinUrl, opts.graceMs);
      pass('joined', now(), `the student's page said "${page.phase}"; Chromium is in ${joined}`);
    }

    const expected = deps.visitor ? 'PRESENT' : 'ABSENT';
    const attendance = await follow(
      'attendance',
      () => at(booked.attendanceCheckAt) + opts.graceMs,
      (p) => p.attendance,
    );
    const a = attendance;
    if (a.decision !== expected) {
      throw new PhaseFailed(
        'attendance',
        `the room count said ${a.decision} (${a.participants ?? 'unknown'} participants: ${a.reason}), expected ${expected}` +
          (deps.visitor ? ': Chromium was in the room' : ': nobody joined'),
      );
    }
    pass(
      'attendance',
      a.at,
      `${a.decision}, ${a.participants} in the room (check due ${booked.attendanceCheckAt})`,
    );
    // Out of the room, so the lesson ends as soon as the room checks see it empty ("everyone left").
    await deps.visitor?.leave();

    const end = await follow(
      'teardown',
      async () => {
        // The record says how long the lesson may still run: its end, or the extension it is in.
        const m = await deps.api.get(booked.id);
        const until = Math.max(
          at(m.endAt),
          at(m.attendanceCheckAt),
          m.extendedUntil ? at(m.extendedUntil) : 0,
        );
        return until + opts.graceMs;
      },
      (p) => p.ended,
    );
    const record = await deps.api.get(booked.id);
    const outcome = deps.visitor ? 'COMPLETED' : 'NO_SHOW';
    if (end.status !== 'SUCCEEDED' || record.status !== outcome) {
      throw new PhaseFailed(
        'teardown',
        `execution ${end.status}, meeting ${record.status} (${record.statusReason ?? 'no reason'}), expected ${outcome}`,
      );
    }
    if (!record.terminatedAt)
      throw new PhaseFailed('teardown', `server ${record.instanceId} has no terminatedAt`);
    pass(
      'teardown',
      end.at,
      `${record.status} (${record.statusReason ?? ''}); server ${record.instanceId} terminated ${record.terminatedAt}, ${record.instanceMinutes} instance-minutes`,
    );
    report.ok = true;
  } catch (err) {
    report.failure =
      err instanceof PhaseFailed
        ? { phase: err.phase, reason: err.reason }
        : { phase, reason: describe(err) };
  } finally {
    await deps.visitor?.leave().catch(() => undefined);
    if (!report.ok && meeting) report.cleanup = await cleanUp(deps.api, meeting.id);
  }
  return report;
}

/**
 * Every event of the execution, oldest first (a short meeting has a few hundred at most): GetExecutionHistory
 * pages with nextToken, at most 1,000 events a page (Step Functions API reference, GetExecutionHistory).
 */
async function history(sfn: SFNClient, executionArn: string): Promise<HistoryEvent[]> {
  const events: HistoryEvent[] = [];
  let nextToken: string | undefined;
  do {
    const page = await sfn.send(
      new GetExecutionHistoryCommand({ executionArn, nextToken, maxResults: 1000 }),
    );
    events.push(...(page.events ?? []));
    nextToken = page.nextToken;
  } while (nextToken);
  return events;
}

/** Why an execution ended early: the meeting's own reason first (what the platform sees), then Step Functions'. */
async function endReason(api: MeetingsApi, id: string, p: Progress): Promise<string> {
  const record = await api.get(id).catch(() => undefined);
  const sfn = [p.ended?.error, p.ended?.cause].filter(Boolean).join(': ');
  return `execution ${p.ended?.status}${sfn ? ` (${sfn})` : ''}; meeting ${record?.status ?? 'unreadable'}${record?.statusReason ? `: ${record.statusReason}` : ''}`;
}

/**
 * Cancels the meeting (DELETE stops its execution and tears its server down, README "API") and reads back
 * that the server is gone. A meeting already over answers 409: its own teardown ran, which is checked the
 * same way.
 */
async function cleanUp(api: MeetingsApi, id: string): Promise<string[]> {
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
      `WARNING: cleanup failed: ${describe(err)}; cancel meeting ${id} by hand (DELETE /meetings/${id})`,
    );
  }
  return lines;
}

function seconds(later: Date, earlier: Date): string {
  return `${((later.getTime() - earlier.getTime()) / 1000).toFixed(1)} s`;
}

function describe(err: unknown): string {
  return err instanceof Error ? `${err.name}: ${err.message}` : String(err);
}
