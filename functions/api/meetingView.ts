import { DescribeExecutionCommand, GetExecutionHistoryCommand, type SFNClient } from '@aws-sdk/client-sfn';
import type { MeetingRecord } from '../shared/meeting';
import type { ApiConfig } from './deps';

/** What the API shows of a meeting: times in UTC, links, and where to watch its execution. */
export function meetingView(m: MeetingRecord, config: ApiConfig, origin = '') {
  const roomUrl = roomLink(m, config);
  const link = (token: string) => `${origin}/join/${m.id}.${token}`;
  return {
    id: m.id,
    status: m.status,
    statusReason: m.statusReason ?? null,
    title: m.title ?? null,
    teacherName: m.teacherName,
    studentName: m.studentName,
    timeZone: m.timeZone ?? null,
    startTime: m.startTime,
    launchAt: m.launchAt,
    attendanceCheckAt: m.attendanceCheckAt,
    endAt: m.endAt,
    extendedUntil: m.extendedUntil ?? null,
    endedAt: m.endedAt ?? null,
    overrunMinutes: m.overrunMinutes ?? null,
    durationMinutes: m.durationMinutes,
    roomUrl,
    teacherLink: link(m.teacherToken),
    studentLink: link(m.studentToken),
    instanceId: m.instanceId ?? null,
    // The cost on the record: the latest server's launch and termination, the minutes of all its servers.
    launchedAt: m.launchedAt ?? null,
    terminatedAt: m.terminatedAt ?? null,
    instanceMinutes: m.instanceMinutes ?? null,
    participants: m.participants ?? null,
    attendanceNote: m.attendanceNote ?? null,
    revision: m.revision,
    executionArn: m.executionArn ?? null,
    consoleUrl: m.executionArn ? consoleUrl(m.executionArn, config.region) : null,
    createdAt: m.createdAt,
  };
}

/**
 * The Jitsi room; with a display name, the link a person opens to join under that name. Jitsi Meet reads
 * `key=value` pairs from the URL fragment and parses each value as JSON (jitsi-meet
 * react/features/base/util/parseURLParams.ts; handbook, User Guide (advanced): `#config.key=value&...`), so
 * the name goes in as a JSON string, `#userInfo.displayName="Ada"`, percent-encoded.
 */
export function roomLink(m: MeetingRecord, config: ApiConfig, displayName?: string): string {
  const url = config.roomUrlFor ? config.roomUrlFor(m) : `https://${m.hostname}/${m.roomName}`;
  return displayName === undefined
    ? url
    : `${url}#userInfo.displayName=${encodeURIComponent(JSON.stringify(displayName))}`;
}

/**
 * The console's host differs per partition (China and GovCloud have consoles of their own), so the partition
 * and region come from the execution ARN itself rather than from where the API happens to run.
 */
const CONSOLE_DOMAIN: Record<string, string> = {
  aws: 'console.aws.amazon.com',
  'aws-cn': 'console.amazonaws.cn',
  'aws-us-gov': 'console.amazonaws-us-gov.com',
};

export function consoleUrl(executionArn: string, fallbackRegion: string): string {
  // arn:<partition>:states:<region>:<account>:execution:<state machine>:<name>
  const [, partition = 'aws', , arnRegion] = executionArn.split(':');
  const region = arnRegion || fallbackRegion;
  const domain = CONSOLE_DOMAIN[partition] ?? CONSOLE_DOMAIN.aws;
  return `https://${region}.${domain}/states/home?region=${region}#/v2/executions/details/${executionArn}`;
}

/** The execution's own status and the state it is in (the newest StateEntered event), or null if none. */
export async function executionState(m: MeetingRecord, sfn: SFNClient) {
  if (!m.executionArn) return null;
  try {
    const described = await sfn.send(new DescribeExecutionCommand({ executionArn: m.executionArn }));
    const history = await sfn.send(
      new GetExecutionHistoryCommand({ executionArn: m.executionArn, reverseOrder: true, maxResults: 50 }),
    );
    const entered = (history.events ?? []).find((e) => e.stateEnteredEventDetails?.name);
    return {
      status: described.status ?? null,
      currentState: entered?.stateEnteredEventDetails?.name ?? null,
      startDate: described.startDate?.toISOString() ?? null,
      stopDate: described.stopDate?.toISOString() ?? null,
    };
  } catch (err) {
    if ((err as Error).name === 'ExecutionDoesNotExist') return null;
    throw err;
  }
}
