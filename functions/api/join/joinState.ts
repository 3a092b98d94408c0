import type { MeetingRecord } from '../../shared/meeting';

export type Role = 'teacher' | 'student';

/** What a participant needs to know, in five words or fewer: the page's colour and badge follow it. */
export type Phase = 'scheduled' | 'starting' | 'ready' | 'cancelled' | 'ended' | 'failed';

/** A sentence that may end in an instant; each page formats the instant in its reader's time zone. */
export interface Phrase {
  text: string;
  at?: string;
}

export interface JoinState {
  phase: Phase;
  /** One word or two, shown as a badge next to the colour (colour is never the only signal). */
  label: string;
  headline: Phrase;
  detail: Phrase;
}

const OTHER: Record<Role, Role> = { teacher: 'student', student: 'teacher' };

/** The meeting's status in plain words for the person holding a teacher's or a student's link. */
export function joinState(record: MeetingRecord, role: Role): JoinState {
  switch (record.status) {
    case 'SCHEDULED':
      return {
        phase: 'scheduled',
        label: 'Scheduled',
        headline: { text: 'The room opens at', at: record.launchAt },
        detail: { text: 'The meeting server starts shortly before the meeting; this page updates itself.' },
      };
    case 'LAUNCHING':
      return {
        phase: 'starting',
        label: 'Starting',
        headline: { text: 'The server is starting' },
        detail: { text: 'The room is usually ready within a few minutes; this page updates itself.' },
      };
    case 'READY':
      return {
        phase: 'ready',
        label: 'Ready',
        headline: { text: 'Ready: join' },
        detail: { text: 'The room is open.' },
      };
    case 'IN_PROGRESS':
      // The attendance check saw someone in the room; it cannot tell who, so "may be".
      return {
        phase: 'ready',
        label: 'Ready',
        headline: { text: 'Ready: join' },
        detail: { text: `Someone is in the room already: the ${OTHER[role]} may be waiting.` },
      };
    case 'CANCELLED':
      return {
        phase: 'cancelled',
        label: 'Cancelled',
        headline: { text: 'Cancelled' },
        detail: { text: 'This meeting was cancelled.' },
      };
    case 'FAILED':
      return {
        phase: 'failed',
        label: 'Failed',
        headline: { text: 'The meeting server could not be started' },
        detail: { text: 'Please contact whoever booked the meeting.' },
      };
    case 'COMPLETED':
    case 'NO_SHOW':
      return {
        phase: 'ended',
        label: 'Ended',
        headline: { text: 'Ended' },
        detail: record.endedAt
          ? { text: 'The meeting ended at', at: record.endedAt }
          : record.status === 'NO_SHOW'
            ? { text: 'Nobody joined in time, so the room was closed at', at: record.attendanceCheckAt }
            : { text: 'The meeting ended at', at: record.endAt },
      };
  }
}

/** Whether a page should keep asking: nothing changes after these. */
export function isFinal(phase: Phase): boolean {
  return phase === 'cancelled' || phase === 'ended' || phase === 'failed';
}

/** "starts in 4 min 12 s", "started 3 min ago", "ended": the same words the page's script counts down with. */
export function countdown(now: number, state: Phase, startTime: string, endAt: string): string {
  if (state === 'cancelled') return 'cancelled';
  if (state === 'ended' || state === 'failed') return 'over';
  const start = Date.parse(startTime);
  const end = Date.parse(endAt);
  if (now < start) return `starts in ${duration(start - now)}`;
  if (now < end) return `started ${duration(now - start)} ago, ends in ${duration(end - now)}`;
  return 'past its planned end';
}

export function duration(ms: number): string {
  const s = Math.floor(ms / 1000);
  const pad = (n: number) => String(n).padStart(2, '0');
  if (s >= 86_400) return `${Math.floor(s / 86_400)} d ${Math.floor((s % 86_400) / 3600)} h`;
  if (s >= 3600) return `${Math.floor(s / 3600)} h ${pad(Math.floor((s % 3600) / 60))} min`;
  if (s >= 60) return `${Math.floor(s / 60)} min ${pad(s % 60)} s`;
  return `${s} s`;
}
