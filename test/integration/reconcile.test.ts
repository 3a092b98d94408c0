import { DescribeExecutionCommand, StartExecutionCommand } from '@aws-sdk/client-sfn';
import { lifecycleInput, newMeeting } from '../../functions/api/booking';
import { executionNameFor, type MeetingRecord } from '../../functions/shared/meeting';
import type { LocalStack } from '../../local/stack';
import { book, FAST, history, settled, sharedStack } from './harness';

/**
 * Issue 22, reconcile both ways, with the local stack's own sweep (the same code as the sweeper on AWS): an open
 * meeting whose execution does not exist is started again or closed with the reason; an execution whose meeting
 * does not exist, was rescheduled or cancelled is stopped, or ends quietly on its own without a failed teardown.
 */
describe('the sweep reconciles meetings and executions', () => {
  const stackReady = sharedStack();
  let stack: LocalStack;
  beforeAll(async () => void (stack = await stackReady()));

  const MINUTE = 60_000;
  const arnOf = (name: string) => `${stack.stateMachineArn.replace(':stateMachine:', ':execution:')}:${name}`;
  const statusOf = async (executionArn: string) =>
    (await stack.sfn.send(new DescribeExecutionCommand({ executionArn }))).status;

  /** A meeting as the API writes it, last written 10 minutes ago (outside the sweep's grace), starting in `startInMs`. */
  function meeting(startInMs: number, fields: Partial<MeetingRecord> = {}): MeetingRecord {
    const m = newMeeting({
      id: crypto.randomUUID(),
      booking: { teacherName: 'Ada', studentName: 'Ben', startTime: 'x', durationMinutes: 1 },
      start: new Date(Date.now() + startInMs),
      now: new Date(Date.now() - 10 * MINUTE),
      timings: FAST,
      jitsiDomain: 'meet.localhost',
    });
    // The record names its execution, as it would once started: here it was lost (say, an emptied executions file).
    return { ...m, executionArn: arnOf(m.executionName), ...fields };
  }

  async function startExecution(m: MeetingRecord) {
    const out = await stack.sfn.send(
      new StartExecutionCommand({
        stateMachineArn: stack.stateMachineArn,
        name: m.executionName,
        input: JSON.stringify(lifecycleInput(m, FAST)),
      }),
    );
    return out.executionArn!;
  }

  test('a SCHEDULED meeting whose execution is missing is started again: same name, input from the record', async () => {
    const m = meeting(60 * MINUTE);
    await stack.store.create(m);
    const swept = await stack.sweep();
    expect(swept).toContainEqual(
      expect.objectContaining({
        meetingId: m.id,
        reason: `execution ${m.executionName} missing: started again`,
      }),
    );
    const executionArn = arnOf(m.executionName);
    expect(await statusOf(executionArn)).toBe('RUNNING');
    const [started] = await history(stack, executionArn);
    expect(JSON.parse(started.executionStartedEventDetails!.input!)).toEqual(lifecycleInput(m, FAST));
    expect(await stack.store.get(m.id)).toMatchObject({ status: 'SCHEDULED', executionArn });
  });

  test('a launched meeting whose execution is missing is closed FAILED with the reason', async () => {
    const m = meeting(60 * MINUTE, { status: 'LAUNCHING' });
    await stack.store.create(m);
    await stack.sweep();
    expect(await stack.store.get(m.id)).toMatchObject({
      status: 'FAILED',
      statusReason: `swept: lifecycle execution ${m.executionName} missing while LAUNCHING`,
    });
  });

  test('an execution whose meeting does not exist ends quietly: SUCCEEDED, no TeardownFailed', async () => {
    const m = meeting(2000); // never written: its launch is due at once
    const executionArn = await startExecution(m);
    const ended = await settled(stack, executionArn, 60_000);
    expect(ended.status).toBe('SUCCEEDED');
    const events = await history(stack, executionArn);
    // Launch found no meeting (not retried), teardown found none and said so: one attempt each.
    expect(
      events.filter((e) => e.type === 'TaskStateEntered').map((e) => e.stateEnteredEventDetails?.name),
    ).toEqual(['Launch', 'Teardown']);
    expect(events.filter((e) => e.type === 'LambdaFunctionFailed' || e.type === 'TaskFailed')).toHaveLength(
      1,
    );
  });

  test('a waiting execution whose meeting does not exist is stopped by the sweep (ABORTED)', async () => {
    const m = meeting(60 * MINUTE);
    const executionArn = await startExecution(m);
    const swept = await stack.sweep();
    expect(swept).toContainEqual(
      expect.objectContaining({ executionArn, reason: 'execution stopped: meeting does not exist' }),
    );
    expect(await statusOf(executionArn)).toBe('ABORTED');
  });

  test('an older revision still running after a reschedule died mid-way is stopped; a cancelled meeting’s too', async () => {
    // A reschedule that wrote revision 1 and died before stopping revision 0 (and before starting its own).
    const moved = await book(stack, 3600);
    await stack.store.reschedule(moved.id, 0, {
      revision: 1,
      executionName: executionNameFor(moved.id, 1),
      status: 'SCHEDULED',
    });
    // A cancel that wrote its status and died before stopping the execution.
    const cancelled = await book(stack, 3600);
    await stack.store.transition(cancelled.id, 'CANCELLED', { statusReason: 'cancelled by request' });
    const swept = await stack.sweep();
    expect(swept).toEqual(
      expect.arrayContaining([
        expect.objectContaining({
          executionArn: moved.executionArn,
          reason: 'execution stopped: superseded by revision 1',
        }),
        expect.objectContaining({
          executionArn: cancelled.executionArn,
          reason: 'execution stopped: meeting cancelled',
        }),
      ]),
    );
    expect(await statusOf(moved.executionArn)).toBe('ABORTED');
    expect(await statusOf(cancelled.executionArn)).toBe('ABORTED');
    // Revision 1 was written just now: within the sweep's grace its missing execution is left alone (the
    // request may still be starting it); the meeting stays open.
    expect((await stack.store.get(moved.id))?.status).toBe('SCHEDULED');
  });
});
