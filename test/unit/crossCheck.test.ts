import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { crossCheck, LEAST_STATUS_AT_WAIT, type MeetingSummary } from '../../local/dataCheck/crossCheck';
import type { ExecutionRecord } from '../../local/sfn/records';

const ARN = 'arn:aws:states:us-east-1:000000000000:stateMachine:meeting-lifecycle';

function execution(meetingId: string, revision: number, waitState?: string): ExecutionRecord {
  return {
    executionArn: `${ARN.replace('stateMachine', 'execution')}:${meetingId}-r${revision}`,
    stateMachineArn: ARN,
    name: `${meetingId}-r${revision}`,
    input: JSON.stringify({ meetingId, revision }),
    status: 'RUNNING',
    startDate: 0,
    invocations: {},
    eventCount: 1,
    ...(waitState ? { checkpoint: { state: 'X', input: {}, notBefore: 0, waitState } } : {}),
  };
}

const meeting = (id: string, status: MeetingSummary['status'], revision = 0): MeetingSummary => ({
  id,
  status,
  revision,
  executionName: `${id}-r${revision}`,
});

const check = (meetings: MeetingSummary[], executions: ExecutionRecord[]) =>
  crossCheck({
    meetings,
    executions,
    stateMachineArn: ARN,
    dynamoDir: '/d/dynamodb',
    journal: '/d/j',
    suffix: '.x',
  });

test('every Wait state of the lifecycle has the least status its meeting has there', () => {
  const asl = JSON.parse(readFileSync(join(__dirname, '../../statemachine/meeting.asl.json'), 'utf8')) as {
    States: Record<string, { Type: string }>;
  };
  const waits = Object.entries(asl.States)
    .filter(([, s]) => s.Type === 'Wait')
    .map(([name]) => name);
  expect(Object.keys(LEAST_STATUS_AT_WAIT).sort()).toEqual(waits.sort());
});

test('a READY meeting found LAUNCHING while its execution waits for the attendance check is DynamoDB behind', () => {
  const [finding] = check([meeting('m1', 'LAUNCHING')], [execution('m1', 0, 'WaitUntilAttendanceCheck')]);
  expect(finding).toMatchObject({ file: '/d/dynamodb', command: "mv '/d/dynamodb' '/d/dynamodb.x'" });
  expect(finding.found).toContain('meeting m1 is LAUNCHING');
});

test('DynamoDB ahead of the journal (a crash before the checkpoint was saved) is no damage', () => {
  expect(check([meeting('m1', 'READY', 0)], [execution('m1', 0, 'WaitBeforeNextHealthCheck')])).toEqual([]);
  expect(check([meeting('m1', 'CANCELLED', 0)], [execution('m1', 0, 'WaitUntilEnd')])).toEqual([]);
  // A rescheduled meeting's old execution still runs until it is stopped.
  expect(
    check(
      [meeting('m1', 'SCHEDULED', 1), meeting('m2', 'SCHEDULED')],
      [execution('m1', 0, 'WaitUntilEnd'), execution('m1', 1), execution('m2', 0)],
    ),
  ).toEqual([]);
});

test('an open meeting without its execution is named for the reconcile, a closed one is not', () => {
  const findings = check([meeting('m1', 'SCHEDULED'), meeting('m2', 'COMPLETED')], []);
  expect(findings).toEqual([
    expect.objectContaining({
      file: '/d/j',
      found: expect.stringContaining('m1 (SCHEDULED, execution m1-r0)'),
    }),
  ]);
  expect(findings[0].command).toBeUndefined();
});
