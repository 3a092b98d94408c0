import { expectedRevision } from '../../functions/api/conflict';
import { newMeeting } from '../../functions/api/booking';
import { executionArnFor, parseExecutionName, revisionExecutionArn } from '../../functions/shared/executions';
import { executionNameFor, type MeetingRecord } from '../../functions/shared/meeting';
import { executionVerdict, missingExecutionAction } from '../../functions/sweeper/reconcile';
import { TEST_TIMINGS } from '../support/world';

const SM = 'arn:aws:states:eu-west-1:123456789012:stateMachine:meeting-lifecycle';
const ID = '0b5f6f4e-8d1a-4c53-9a57-1f0e2b3c4d5e';
const NOW = new Date('2030-01-10T12:00:00.000Z');

function record(fields: Partial<MeetingRecord> = {}): MeetingRecord {
  const m = newMeeting({
    id: ID,
    booking: { teacherName: 'Ada', studentName: 'Ben', startTime: 'x', durationMinutes: 60 },
    start: new Date(NOW.getTime() + 3600_000),
    now: new Date(NOW.getTime() - 10 * 60_000),
    timings: TEST_TIMINGS,
    jitsiDomain: 'meet.example.com',
  });
  return { ...m, ...fields };
}

describe('execution names and ARNs (issue 22)', () => {
  test("a revision's execution ARN is derived from the state machine's and the name", () => {
    expect(executionArnFor(SM, 'meeting-x')).toBe(
      'arn:aws:states:eu-west-1:123456789012:execution:meeting-lifecycle:meeting-x',
    );
    expect(revisionExecutionArn(SM, ID, 3)).toBe(
      `arn:aws:states:eu-west-1:123456789012:execution:meeting-lifecycle:meeting-${ID}-r3`,
    );
  });

  test('anything but an unqualified state machine ARN is refused', () => {
    expect(() => executionArnFor(`${SM}:PROD`, 'x')).toThrow(/not a state machine ARN/);
    expect(() => executionArnFor('arn:aws:states:eu-west-1:1:activity:a', 'x')).toThrow();
  });

  test('names parse back to the meeting and revision they were made for; other names do not', () => {
    expect(parseExecutionName(executionNameFor(ID))).toEqual({ meetingId: ID, revision: 0 });
    expect(parseExecutionName(executionNameFor(ID, 12))).toEqual({ meetingId: ID, revision: 12 });
    expect(parseExecutionName('nightly-report')).toBeUndefined();
    expect(parseExecutionName(`meeting-${ID}-r0`)).toBeUndefined();
    expect(parseExecutionName(`meeting-${ID}-extra`)).toBeUndefined();
  });
});

describe('If-Match on PATCH and DELETE', () => {
  test.each([
    ['3', 3],
    ['"3"', 3],
    ['W/"12"', 12],
  ])('%s is revision %d', (header, revision) => {
    expect(expectedRevision(header)).toEqual({ ok: true, revision });
  });

  test('absent or "*" (any): no expectation', () => {
    expect(expectedRevision(undefined)).toEqual({ ok: true });
    expect(expectedRevision('*')).toEqual({ ok: true });
  });

  test.each(['yesterday', '"-1"', '1.5', ''])('%p is a 400 naming If-Match', (header) => {
    const r = expectedRevision(header);
    expect(r.ok).toBe(false);
    if (!r.ok) {
      expect(r.response.statusCode).toBe(400);
      expect(JSON.parse(r.response.body)).toMatchObject({ fields: [{ field: 'If-Match' }] });
    }
  });
});

describe('reconcile: what happens to a RUNNING execution', () => {
  const name = (revision: number) => executionNameFor(ID, revision);

  test('its meeting does not exist: stopped', () => {
    expect(executionVerdict(name(0), undefined)).toEqual({ stop: true, reason: 'meeting does not exist' });
  });

  test('an older revision than the meeting: stopped; the current one: kept', () => {
    const m = record({ revision: 2, executionName: name(2) });
    expect(executionVerdict(name(1), m)).toEqual({ stop: true, reason: 'superseded by revision 2' });
    expect(executionVerdict(name(2), m)).toEqual({ stop: false });
  });

  test('a cancelled meeting: stopped; one closed by its own teardown: kept (it may still be finishing)', () => {
    expect(executionVerdict(name(0), record({ status: 'CANCELLED' }))).toEqual({
      stop: true,
      reason: 'meeting cancelled',
    });
    for (const status of ['COMPLETED', 'NO_SHOW', 'FAILED'] as const)
      expect(executionVerdict(name(0), record({ status }))).toEqual({ stop: false });
  });

  test('a name that is not a meeting’s, or newer than its record: kept', () => {
    expect(executionVerdict('nightly-report', undefined)).toEqual({ stop: false });
    expect(executionVerdict(name(3), record({ revision: 1 }))).toEqual({ stop: false });
  });
});

describe('reconcile: an open meeting whose execution does not exist', () => {
  const GRACE = 60_000;

  test('written within the grace: left alone (a request may be starting it)', () => {
    const m = record({ updatedAt: new Date(NOW.getTime() - 30_000).toISOString() });
    expect(missingExecutionAction(m, NOW, GRACE, true)).toEqual({ action: 'wait' });
  });

  test('SCHEDULED and not ended: started again where a restart is possible', () => {
    expect(missingExecutionAction(record(), NOW, GRACE, true)).toEqual({ action: 'restart' });
  });

  test('no restart possible (the AWS sweeper), launched, or already ended: closed with the reason', () => {
    const reason = (status: string) => `lifecycle execution meeting-${ID} missing while ${status}`;
    expect(missingExecutionAction(record(), NOW, GRACE, false)).toEqual({
      action: 'close',
      reason: reason('SCHEDULED'),
    });
    expect(missingExecutionAction(record({ status: 'READY' }), NOW, GRACE, true)).toEqual({
      action: 'close',
      reason: reason('READY'),
    });
    const ended = record({ endAt: new Date(NOW.getTime() - 1).toISOString() });
    expect(missingExecutionAction(ended, NOW, GRACE, true)).toEqual({
      action: 'close',
      reason: reason('SCHEDULED'),
    });
  });
});
