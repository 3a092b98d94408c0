import type { MeetingRecord } from '../../shared/meeting';
import type { ApiConfig } from '../deps';
import { roomLink } from '../meetingView';
import { joinState, type Role } from './joinState';

/**
 * What a join link answers as JSON, and what its page shows. The fields it had before the page existed keep
 * their meaning (role, displayName, title, status, startTime, endAt, joinUrl, message); the page's script
 * polls this same JSON.
 */
export function joinView(record: MeetingRecord, role: Role, config: ApiConfig) {
  const displayName = role === 'teacher' ? record.teacherName : record.studentName;
  const state = joinState(record, role);
  const ready = state.phase === 'ready';
  return {
    role,
    displayName,
    title: record.title ?? null,
    status: record.status,
    startTime: record.startTime,
    endAt: record.endAt,
    joinUrl: ready ? roomLink(record, config, displayName) : null,
    message: ready ? 'the meeting room is open' : legacyMessage(state.phase),
    launchAt: record.launchAt,
    timeZone: record.timeZone ?? null,
    extendedUntil: record.extendedUntil ?? null,
    endedAt: record.endedAt ?? null,
    overrunMinutes: record.overrunMinutes ?? null,
    ...state,
  };
}
export type JoinView = ReturnType<typeof joinView>;

function legacyMessage(phase: string): string {
  if (phase === 'scheduled' || phase === 'starting') return 'the room opens shortly before the start time';
  if (phase === 'cancelled') return 'this meeting was cancelled';
  return 'this meeting has ended';
}
