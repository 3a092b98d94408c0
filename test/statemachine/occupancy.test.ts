import type { MeetingRecord } from '../../functions/shared/meeting';
import type { MeetingStore } from '../../functions/shared/store';
import { teardownMeeting } from '../../functions/teardown/teardownMeeting';
import type { LocalDynamo } from '../../local/dynamo';
import { awsError } from '../support/fakeAws';
import {
  checkClock,
  dynamoWorld,
  fleetWorld,
  inputFor,
  scheduleMeeting,
  scriptRoom,
  taskHandlers,
} from '../support/world';
import { runLifecycle } from './run';

const MIN = 60_000;
const plus = (iso: string, ms: number) => new Date(Date.parse(iso) + ms).toISOString();

/**
 * Issue 15's paths through statemachine/meeting.asl.json on the local engine, with the real task logic. The
 * occupancy waits are shortened and the tasks' clock jumps to each check's instant (checkClock), so a lesson of
 * an hour runs in milliseconds; the defaults apply (checks every 5 min, overrun steps of 5 min, 15 min at most).
 */
describe('meeting lifecycle: room checks after the attendance check', () => {
  let dynamo: LocalDynamo;
  let store: MeetingStore;

  beforeAll(async () => {
    ({ dynamo, store } = await dynamoWorld());
  });
  afterAll(() => dynamo.close());

  /** A one-hour lesson whose attendance check is now: its room checks fall at +5, +10, … +55 min, then endAt. */
  const hourLesson = () => scheduleMeeting(store, { launch: 20, attendance: 80, end: 60 * MIN });
  const entered = (run: { entered: string[] }, state: string) =>
    run.entered.filter((s) => s === state).length;

  test('someone still there at the end: extended step by step, then ended at the maximum overrun', async () => {
    const { aws, deps } = fleetWorld(store);
    scriptRoom(deps, [2]); // two people, all along
    const meeting = await scheduleMeeting(store);
    const run = await runLifecycle(inputFor(meeting), taskHandlers(deps));

    expect(run.succeeded).toBe(true);
    // At endAt, +5 and +10 min people are there (extended); the check at +15 min is the maximum.
    expect(entered(run, 'OccupancyCheck')).toBe(4);
    expect(entered(run, 'WaitOverrunStep')).toBe(3);
    const record = await store.get(meeting.id);
    expect(record).toMatchObject({
      status: 'COMPLETED',
      statusReason: 'meeting ended at the maximum overrun of 15 min (2 in the room)',
      overrunMinutes: 15,
      extendedUntil: plus(meeting.endAt, 15 * MIN),
      endedAt: plus(meeting.endAt, 15 * MIN),
    });
    expect(aws.liveInstances()).toEqual([]);
  });

  test('people who leave during the overrun end it at the next step, with the minutes over time', async () => {
    const { aws, deps } = fleetWorld(store);
    scriptRoom(deps, [2, 2, 0]); // attendance, endAt: still there; +5 min: gone
    const meeting = await scheduleMeeting(store);
    const run = await runLifecycle(inputFor(meeting), taskHandlers(deps));

    expect(run.succeeded).toBe(true);
    expect(entered(run, 'WaitOverrunStep')).toBe(1);
    expect(await store.get(meeting.id)).toMatchObject({
      status: 'COMPLETED',
      statusReason: 'meeting ended, 5 min over time',
      overrunMinutes: 5,
      endedAt: plus(meeting.endAt, 5 * MIN),
    });
    expect(aws.liveInstances()).toEqual([]);
  });

  test('nobody there at the end: torn down at once, no extension', async () => {
    const { deps } = fleetWorld(store);
    scriptRoom(deps, [1, 0]);
    const meeting = await scheduleMeeting(store);
    const run = await runLifecycle(inputFor(meeting), taskHandlers(deps));

    expect(run.entered).not.toContain('WaitOverrunStep');
    const record = await store.get(meeting.id);
    expect(record).toMatchObject({ status: 'COMPLETED', statusReason: 'meeting ended', overrunMinutes: 0 });
    expect(record?.extendedUntil).toBeUndefined();
  });

  test('everyone leaves early: torn down after two empty checks in a row, COMPLETED "everyone left"', async () => {
    const { aws, deps } = fleetWorld(store);
    scriptRoom(deps, [2, 2, 0, 0]); // attendance; +5 min: 2; +10 and +15 min: empty
    const meeting = await hourLesson();
    const started = Date.now();
    const run = await runLifecycle(inputFor(meeting), taskHandlers(deps));

    expect(run.succeeded).toBe(true);
    expect(entered(run, 'OccupancyCheck')).toBe(3);
    expect(run.entered).toContain('EveryoneLeft');
    expect(run.entered).not.toContain('WaitUntilEnd'); // the real wait for endAt: an hour
    expect(Date.now() - started).toBeLessThan(30 * 1000);
    const record = await store.get(meeting.id);
    expect(record).toMatchObject({ status: 'COMPLETED', statusReason: 'everyone left', overrunMinutes: 0 });
    // The second empty check, 15 minutes after the attendance check, 45 minutes before the booked end.
    expect(Date.parse(record!.endedAt!)).toBe(Date.parse(meeting.attendanceCheckAt) + 15 * MIN);
    expect(aws.liveInstances()).toEqual([]);
  });

  test('an empty check between occupied or unknown ones never ends the lesson: it runs to its end', async () => {
    const { deps } = fleetWorld(store);
    // attendance, then +5 … +55 min: a reload, an unknown count between two empty ones, people; at endAt: nobody.
    const room = scriptRoom(deps, [2, 0, 2, 0, 'unknown', 0, 1, 1, 1, 1, 1, 1, 0]);
    const meeting = await hourLesson();
    const run = await runLifecycle(inputFor(meeting), taskHandlers(deps), { waitMs: { WaitUntilEnd: 1 } });

    expect(run.succeeded).toBe(true);
    expect(run.entered).not.toContain('EveryoneLeft');
    expect(entered(run, 'WaitBeforeOccupancyCheck')).toBe(11);
    expect(entered(run, 'WaitUntilEnd')).toBe(1);
    expect(room.calls()).toBe(13);
    expect(await store.get(meeting.id)).toMatchObject({
      status: 'COMPLETED',
      statusReason: 'meeting ended',
      endedAt: meeting.endAt,
    });
  });

  test('a check that fails outright mid-lesson keeps the lesson until its end, then checks there', async () => {
    const { aws, deps } = fleetWorld(store);
    scriptRoom(deps, [2, 0]); // the room is empty after the attendance check: only a check could end it early
    const clock = checkClock();
    const handlers = taskHandlers(deps, clock);
    let calls = 0;
    const meeting = await hourLesson();
    const run = await runLifecycle(
      inputFor(meeting),
      {
        ...handlers,
        OccupancyCheck: async (input) => {
          if (++calls <= 4) throw awsError('Lambda.ServiceException', 'lambda is down'); // first try + 3 retries
          return handlers.OccupancyCheck(input);
        },
      },
      { waitMs: { WaitUntilEnd: 1 } },
    );

    expect(run.succeeded).toBe(true);
    expect(run.failures.filter((s) => s === 'OccupancyCheck')).toHaveLength(4);
    expect(run.entered).toEqual(
      expect.arrayContaining(['CheckFailedBeforeEnd', 'OccupancyUnknown', 'WaitUntilEnd', 'MeetingEnded']),
    );
    expect(run.entered).not.toContain('EveryoneLeft');
    expect(await store.get(meeting.id)).toMatchObject({
      status: 'COMPLETED',
      statusReason: 'meeting ended',
      endedAt: meeting.endAt,
    });
    expect(aws.liveInstances()).toEqual([]);
  });

  test('a check that keeps failing from the end on keeps the meeting until the maximum overrun, then ends it', async () => {
    const { aws, deps } = fleetWorld(store);
    const clock = checkClock();
    const meeting = await scheduleMeeting(store);
    const run = await runLifecycle(inputFor(meeting), {
      ...taskHandlers(deps, clock),
      OccupancyCheck: async () => {
        throw awsError('Lambda.ServiceException', 'lambda is down');
      },
      Teardown: (input) => {
        clock.advanceTo(plus(meeting.endAt, 15 * MIN)); // WaitUntilLatestEnd was shortened
        return teardownMeeting(input, deps, clock.now);
      },
    });

    expect(run.succeeded).toBe(true);
    expect(run.entered).toEqual(
      expect.arrayContaining(['CheckFailedBeforeEnd', 'WaitUntilLatestEnd', 'OverrunLimitReached']),
    );
    expect(run.entered).not.toContain('OccupancyUnknown');
    expect(entered(run, 'OccupancyCheck')).toBe(1); // no loop over a failing check
    expect(await store.get(meeting.id)).toMatchObject({
      status: 'COMPLETED',
      statusReason: 'meeting ended at the maximum overrun (occupancy unknown)',
      overrunMinutes: 15,
    });
    expect(aws.liveInstances()).toEqual([]);
  });

  test('a cancel during the extension: the late check finds the meeting closed; CANCELLED and its end stay', async () => {
    const { aws, deps } = fleetWorld(store);
    scriptRoom(deps, [2]);
    const clock = checkClock();
    const handlers = taskHandlers(deps, clock);
    const meeting = await scheduleMeeting(store);
    let checks = 0;
    let cancelledAt: string | undefined;
    const run = await runLifecycle(inputFor(meeting), {
      ...handlers,
      OccupancyCheck: async (input) => {
        if (++checks === 2) {
          clock.advanceTo((input as { dueAt: string }).dueAt);
          // What DELETE /meetings/{id} does, its StopExecution arriving after this check started.
          await store.transition(meeting.id, 'CANCELLED', { statusReason: 'cancelled by request' });
          await teardownMeeting(
            { meetingId: meeting.id, outcome: 'CANCELLED', reason: 'cancelled by request', revision: 0 },
            deps,
            clock.now,
          );
          cancelledAt = (await store.get(meeting.id))?.endedAt;
        }
        return handlers.OccupancyCheck(input);
      },
    });

    expect(run.succeeded).toBe(true);
    expect(run.entered).toEqual(expect.arrayContaining(['WaitOverrunStep', 'MeetingClosedMeanwhile']));
    expect(run.entered).not.toContain('MeetingEnded');
    expect(cancelledAt).toBeDefined();
    const record = await store.get(meeting.id);
    expect(record).toMatchObject({
      status: 'CANCELLED',
      statusReason: 'cancelled by request',
      endedAt: cancelledAt,
      overrunMinutes: 5, // cancelled at the check 5 min past the end
      extendedUntil: plus(meeting.endAt, 5 * MIN),
    });
    expect(aws.liveInstances()).toEqual([]);
  });

  test('a late check of a rescheduled meeting’s old execution touches nothing of the new revision', async () => {
    const { aws, deps } = fleetWorld(store);
    scriptRoom(deps, [2]);
    const handlers = taskHandlers(deps);
    const meeting = await scheduleMeeting(store);
    let moved: MeetingRecord | undefined;
    const run = await runLifecycle(inputFor(meeting), {
      ...handlers,
      // The attendance check fails, so the meeting is still READY and may be moved; its old execution is
      // then not stopped in time and runs on into the room checks.
      AttendanceCheck: async () => {
        moved ??= await store.reschedule(meeting.id, 0, {
          revision: 1,
          status: 'READY',
          statusReason: 'rescheduled (revision 1)',
          endAt: plus(meeting.endAt, 60 * MIN),
        });
        throw awsError('Lambda.ServiceException', 'lambda is down');
      },
    });

    expect(moved?.revision).toBe(1);
    expect(run.succeeded).toBe(true);
    expect(run.entered).toEqual(
      expect.arrayContaining(['OccupancyCheck', 'MeetingClosedMeanwhile', 'Teardown']),
    );
    const record = await store.get(meeting.id);
    // Revision 1's meeting and server are as the reschedule left them: still READY, not ended, not torn down.
    expect(record).toMatchObject({ revision: 1, status: 'READY', statusReason: 'rescheduled (revision 1)' });
    expect(record?.endedAt).toBeUndefined();
    expect(record?.extendedUntil).toBeUndefined();
    expect(record?.terminatedInstanceIds).toBeUndefined();
    expect(aws.liveInstances()).toHaveLength(1); // the server the new revision goes on with
  });
});
