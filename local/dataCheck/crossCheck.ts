import { type DynamoDBClient, ScanCommand } from '@aws-sdk/client-dynamodb';
import { unmarshall } from '@aws-sdk/util-dynamodb';
import { isTerminal, type MeetingStatus } from '../../functions/shared/meeting';
import type { ExecutionRecord } from '../sfn/records';
import { type Finding, moveAsideCommand } from './findings';

/** What the cross-check needs of a meeting record. */
export interface MeetingSummary {
  id: string;
  status: MeetingStatus;
  revision: number;
  executionName: string;
}

/**
 * The least status a meeting of the execution's revision has once the execution waits in each Wait state:
 * the Launch task sets LAUNCHING before the health-check waits, HealthCheck sets READY before the attendance
 * wait (statemachine/meeting.asl.json). Each task writes DynamoDB before the engine saves the checkpoint, so a
 * meeting behind its execution's checkpoint can only be one whose DynamoDB writes were lost.
 */
export const LEAST_STATUS_AT_WAIT: Record<string, MeetingStatus> = {
  WaitUntilLaunch: 'SCHEDULED',
  WaitBeforeFirstHealthCheck: 'LAUNCHING',
  WaitBeforeNextHealthCheck: 'LAUNCHING',
  WaitUntilAttendanceCheck: 'READY',
  WaitBeforeOccupancyCheck: 'READY',
  WaitUntilEnd: 'READY',
  WaitOverrunStep: 'READY',
  WaitUntilLatestEnd: 'READY',
};

const RANK: Record<MeetingStatus, number> = {
  SCHEDULED: 0,
  LAUNCHING: 1,
  READY: 2,
  IN_PROGRESS: 3,
  COMPLETED: 9,
  NO_SHOW: 9,
  FAILED: 9,
  CANCELLED: 9,
};

/**
 * DynamoDB and the executions journal are written by different code at different times, so each witnesses
 * the other: a RUNNING execution proves its meeting existed at least at its revision and checkpoint, and an
 * open meeting proves its current execution was started (the API starts it right after the put).
 *
 * - DynamoDB behind its executions (a meeting missing, an older revision, an earlier status): its data was
 *   emptied, replaced or cut short. Nothing can rebuild a meeting's names and links, so the stack refuses.
 * - An open meeting whose execution is missing (executions.jsonl emptied, or a crash between the booking's
 *   put and StartExecution): named here; the sweeper's reconcile (issue 22, functions/sweeper) restarts the
 *   execution from the record or closes the meeting with a stated reason.
 */
export function crossCheck(args: {
  meetings: MeetingSummary[];
  executions: ExecutionRecord[];
  stateMachineArn: string;
  dynamoDir: string;
  journal: string;
  suffix: string;
}): Finding[] {
  const meetings = new Map(args.meetings.map((m) => [m.id, m]));
  const ours = args.executions.filter((e) => e.stateMachineArn === args.stateMachineArn);
  const behind: string[] = [];
  for (const e of ours) {
    if (e.status !== 'RUNNING') continue;
    const input = lifecycleInputOf(e);
    if (!input) continue;
    const m = meetings.get(input.meetingId);
    const least = e.checkpoint?.waitState ? LEAST_STATUS_AT_WAIT[e.checkpoint.waitState] : undefined;
    if (!m) behind.push(`meeting ${input.meetingId} is missing (execution ${e.name} runs)`);
    else if (m.revision < input.revision)
      behind.push(
        `meeting ${m.id} is at revision ${m.revision}, its execution ${e.name} at ${input.revision}`,
      );
    else if (m.revision === input.revision && least && RANK[m.status] < RANK[least])
      behind.push(
        `meeting ${m.id} is ${m.status}, its execution ${e.name} waits in ${e.checkpoint?.waitState} (${least} or later)`,
      );
  }
  const findings: Finding[] = [];
  if (behind.length > 0)
    findings.push({
      file: args.dynamoDir,
      found: `DynamoDB is behind the executions journal: ${summarize(behind)}`,
      action:
        'refused to start: the lost writes cannot be rebuilt (moving the folder aside starts with no meetings; ' +
        'their executions then end without a meeting)',
      command: moveAsideCommand(args.dynamoDir, args.suffix),
    });
  const names = new Set(ours.map((e) => e.name));
  const orphans = args.meetings.filter((m) => !isTerminal(m.status) && !names.has(m.executionName));
  if (orphans.length > 0)
    findings.push({
      file: args.journal,
      found: `${orphans.length} open meeting(s) have no execution: ${summarize(
        orphans.map((m) => `${m.id} (${m.status}, execution ${m.executionName})`),
      )}`,
      action:
        "left to the sweeper's reconcile, which restarts each from its record or closes it with a reason",
    });
  return findings;
}

function lifecycleInputOf(e: ExecutionRecord): { meetingId: string; revision: number } | undefined {
  try {
    const input = JSON.parse(e.input) as { meetingId?: unknown; revision?: unknown };
    return typeof input.meetingId === 'string' && typeof input.revision === 'number'
      ? { meetingId: input.meetingId, revision: input.revision }
      : undefined;
  } catch {
    return undefined;
  }
}

function summarize(items: string[]): string {
  return items.length <= 5
    ? items.join('; ')
    : `${items.slice(0, 5).join('; ')}; and ${items.length - 5} more`;
}

/** Every meeting record of the table (a Scan: the ledger's items are skipped), only the fields compared. */
export async function scanMeetings(client: DynamoDBClient, tableName: string): Promise<MeetingSummary[]> {
  const out: MeetingSummary[] = [];
  let start: Record<string, never> | undefined;
  do {
    const page = await client.send(
      new ScanCommand({
        TableName: tableName,
        ProjectionExpression: '#id, #kind, #status, #rev, #exec',
        ExpressionAttributeNames: {
          '#id': 'id',
          '#kind': 'kind',
          '#status': 'status',
          '#rev': 'revision',
          '#exec': 'executionName',
        },
        ExclusiveStartKey: start,
      }),
    );
    for (const item of page.Items ?? []) {
      const m = unmarshall(item) as Partial<MeetingSummary> & { kind?: string };
      if (m.kind === 'meeting' && m.id && m.status && typeof m.revision === 'number' && m.executionName)
        out.push({ id: m.id, status: m.status, revision: m.revision, executionName: m.executionName });
    }
    start = page.LastEvaluatedKey as Record<string, never> | undefined;
  } while (start);
  return out;
}
