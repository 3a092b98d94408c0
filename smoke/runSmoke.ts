import { DescribeExecutionCommand, type SFNClient } from '@aws-sdk/client-sfn';
import { randomUUID } from 'node:crypto';
import { setTimeout as sleep } from 'node:timers/promises';
import type { SmokeOptions } from './args';
import { cleanUp } from './cleanUp';
import { describeError, PhaseFailed } from './errors';
import { fetchHistory, readProgress, type Progress } from './executionProgress';
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
  /** A browser step can take up to --grace: a signal must not wait for it. */
  const untilAborted = <T>(work: Promise<T>): Promise<T> =>
    new Promise<T>((resolve, reject) => {
      const onAbort = () => {
        try {
          check();
        } catch (err) {
          reject(err);
        }
      };
      deps.signal.addEventListener('abort', onAbort, { once: true });
      work.then(resolve, reject).finally(() => deps.signal.removeEventListener('abort', onAbort));
    });
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
        const progress = readProgress(await fetchHistory(deps.sfn, executionArn));
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
      const page = await untilAborted(deps.visitor.readJoinPage(booked.studentLink, opts.graceMs));
      const joined = await untilAborted(deps.visitor.join(page.joinUrl, opts.graceMs));
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
    // The history's last event and the execution's own status must agree (DescribeExecution is what the
    // console and the sweeper read).
    const described = await deps.sfn.send(new DescribeExecutionCommand({ executionArn }));
    const outcome = deps.visitor ? 'COMPLETED' : 'NO_SHOW';
    if (end.status !== 'SUCCEEDED' || described.status !== 'SUCCEEDED' || record.status !== outcome) {
      throw new PhaseFailed(
        'teardown',
        `execution ${described.status ?? end.status}, meeting ${record.status} (${record.statusReason ?? 'no reason'}), expected SUCCEEDED and ${outcome}`,
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
        : { phase, reason: describeError(err) };
  } finally {
    await deps.visitor?.leave().catch(() => undefined);
    if (!report.ok && meeting) report.cleanup = await cleanUp(deps.api, meeting.id);
  }
  return report;
}

/** Why an execution ended early: the meeting's own reason first (what the platform sees), then Step Functions'. */
async function endReason(api: MeetingsApi, id: string, p: Progress): Promise<string> {
  const record = await api.get(id).catch(() => undefined);
  const sfn = [p.ended?.error, p.ended?.cause].filter(Boolean).join(': ');
  return `execution ${p.ended?.status}${sfn ? ` (${sfn})` : ''}; meeting ${record?.status ?? 'unreadable'}${record?.statusReason ? `: ${record.statusReason}` : ''}`;
}

function seconds(later: Date, earlier: Date): string {
  return `${((later.getTime() - earlier.getTime()) / 1000).toFixed(1)} s`;
}
