import {
  type AdmissionLimits,
  launchAtFor,
  launchMinutes,
  minuteKey,
  minuteOfKey,
  nearestStart,
  searchKeys,
  vcpuBuckets,
} from '../shared/launchSlots';
import type { LaunchSlotsLedger } from '../shared/launchSlotsLedger';
import type { AdmissionHold } from '../shared/meeting';
import { json, type ApiResponse } from './http';

/** How the launch of an admitted meeting is placed. */
export type LaunchRequest =
  /** A new launch: take a slot in the latest minute with room. */
  | { kind: 'slot' }
  /** Keep the slot the meeting holds (a reschedule whose launch minute still fits): nothing new taken. */
  | { kind: 'keep'; launchMinute: string; launchAt: string }
  /** No launch (a reschedule that keeps its running server): vCPUs only, from `launchAt`. */
  | { kind: 'none'; launchAt: string; launchMinute?: string };

export type Admitted =
  | {
      ok: true;
      launchAt: string;
      hold: AdmissionHold;
      /** what this call took, to give back if not used */ taken: AdmissionHold;
    }
  | { ok: false; reason: 'launches' | 'vcpus'; nearestStart?: string };

/**
 * Admission at booking: takes the meeting's launch slot and its server's vCPUs from the ledger, or says which
 * limit refuses it and the nearest start that can be served. Writes happen only through conditional counters;
 * whatever one call took and could not complete it gives back before answering.
 */
export class Admission {
  constructor(
    private readonly ledger: LaunchSlotsLedger,
    readonly limits: AdmissionLimits,
  ) {}

  async admit(
    meeting: { startMs: number; durationMinutes: number },
    nowMs: number,
    launch: LaunchRequest = { kind: 'slot' },
    /** What the meeting holds already (a reschedule): its buckets are not taken a second time. */
    held?: AdmissionHold,
  ): Promise<Admitted> {
    const { limits } = this;
    let launchMinute: string | undefined;
    let launchAtMs: number;
    let tookLaunch = false;
    if (launch.kind === 'slot') {
      // Latest minute first. One read skips the minutes already full (no failed writes in a crowded hour); each
      // take is atomic, so a minute another booking filled since the read is simply skipped too.
      const minutes = launchMinutes(meeting.startMs, nowMs, limits);
      const seen = await this.ledger.read({ launches: minutes.map(minuteKey), vcpus: [] });
      for (const m of minutes) {
        if ((seen.launches.get(minuteKey(m)) ?? 0) >= limits.launchesPerMinute) continue;
        const index = await this.ledger.takeLaunch(minuteKey(m), limits.launchesPerMinute);
        if (index === undefined) continue;
        launchMinute = minuteKey(m);
        launchAtMs = launchAtFor(m, index, limits.launchesPerMinute, nowMs);
        tookLaunch = true;
        break;
      }
      if (!tookLaunch) return this.refuse('launches', meeting, nowMs);
    } else {
      launchMinute = launch.launchMinute;
      launchAtMs = Date.parse(launch.launchAt);
    }
    const endMs = meeting.startMs + meeting.durationMinutes * 60_000;
    // From the launch minute (not the instant): the same buckets planAdmission and nearestStart count. A kept
    // server holds them from now on.
    const from = launch.kind === 'none' || !launchMinute ? launchAtMs! : minuteOfKey(launchMinute);
    const buckets = vcpuBuckets(from, endMs, limits.maxOverrunSeconds);
    const reused = new Set(held?.vcpus === limits.vcpusPerServer ? held.vcpuBuckets : []);
    const toTake = buckets.filter((b) => !reused.has(b));
    const taken = await Promise.all(
      toTake.map((b) => this.ledger.takeVcpus(b, limits.vcpusPerServer, limits.vcpuBudget)),
    );
    const took: AdmissionHold = {
      launchMinute: tookLaunch ? launchMinute : undefined,
      vcpus: limits.vcpusPerServer,
      vcpuBuckets: toTake.filter((_, i) => taken[i]),
    };
    if (taken.some((t) => !t)) {
      await this.ledger.giveBack(took);
      return this.refuse('vcpus', meeting, nowMs);
    }
    return {
      ok: true,
      launchAt: new Date(launchAtMs!).toISOString(),
      hold: { launchMinute, vcpus: limits.vcpusPerServer, vcpuBuckets: buckets },
      taken: took,
    };
  }

  /**
   * After a reschedule replaced `old` with `now` on the record: gives back what `old` held and `now` does not
   * (its launch slot unless kept, its buckets the new times no longer touch).
   */
  giveBackReplaced(old: AdmissionHold, now: AdmissionHold, taken: AdmissionHold): Promise<void> {
    const keptSlot = !taken.launchMinute && now.launchMinute === old.launchMinute;
    const stillHeld = new Set(old.vcpus === now.vcpus ? now.vcpuBuckets : []);
    return this.ledger.giveBack({
      launchMinute: keptSlot ? undefined : old.launchMinute,
      vcpus: old.vcpus,
      vcpuBuckets: old.vcpuBuckets.filter((b) => !stillHeld.has(b)),
    });
  }

  /** Gives back what a hold took. */
  giveBack(hold: AdmissionHold): Promise<void> {
    return this.ledger.giveBack(hold);
  }

  /** Frees what the meeting's record holds, once however often or concurrently it is called. */
  async freeMeeting(meetingId: string): Promise<AdmissionHold | undefined> {
    const hold = await this.ledger.takeHoldOf(meetingId);
    if (hold) await this.ledger.giveBack(hold);
    return hold;
  }

  /** Whether the slot a meeting holds still fits a launch for `startMs` (a reschedule keeps it then). */
  keeps(hold: AdmissionHold | undefined, startMs: number, nowMs: number): boolean {
    if (!hold?.launchMinute) return false;
    return launchMinutes(startMs, nowMs, this.limits).some((m) => minuteKey(m) === hold.launchMinute);
  }

  private async refuse(
    reason: 'launches' | 'vcpus',
    meeting: { startMs: number; durationMinutes: number },
    nowMs: number,
  ): Promise<Admitted> {
    const snapshot = await this.ledger.read(searchKeys(meeting, nowMs, this.limits));
    const nearest = nearestStart(snapshot, meeting, nowMs, this.limits);
    return {
      ok: false,
      reason,
      nearestStart: nearest === undefined ? undefined : new Date(nearest).toISOString(),
    };
  }
}

/** 409 for a start the configured limits cannot serve, with the nearest start that can (or null). */
export function capacityProblem(
  refused: Extract<Admitted, { ok: false }>,
  limits: AdmissionLimits,
): ApiResponse {
  const why =
    refused.reason === 'launches'
      ? `every launch minute that can serve this start is full (${limits.launchesPerMinute} launches a minute, ` +
        `at most ${Math.round(limits.maxLaunchLeadSeconds / 60)} minutes ahead of the start)`
      : `the servers booked for that time would exceed the vCPU quota planned for meetings (${limits.vcpuBudget} vCPUs)`;
  const next = refused.nearestStart
    ? `the nearest start that can be served is ${refused.nearestStart}`
    : 'no start within two hours either way can be served';
  return json(409, {
    error: 'CapacityExceeded',
    message: `startTime cannot be served: ${why}; ${next}`,
    field: 'startTime',
    reason: refused.reason === 'launches' ? 'LaunchRate' : 'VcpuQuota',
    nearestStart: refused.nearestStart ?? null,
  });
}
