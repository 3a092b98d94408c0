import { occupancyPlan } from '../../functions/api/booking';
import { readApiConfig } from '../../functions/api/config';
import { decideOccupancy } from '../../functions/attendance-check/checkOccupancy';
import type { ParticipantCount } from '../../functions/shared/fleet';
import { endOf } from '../../functions/teardown/teardownMeeting';

const MIN = 60_000;
const END = '2030-01-31T15:00:00.000Z';
const at = (minutesFromEnd: number) => new Date(Date.parse(END) + minutesFromEnd * MIN).toISOString();
const plan = {
  firstCheckAt: at(-40),
  latestEndAt: at(15),
  intervalSeconds: 300,
  overrunStepSeconds: 300,
  maxOverrunSeconds: 900,
};
const people = (n: number): ParticipantCount => ({ known: true, participants: n });
const unknown: ParticipantCount = { known: false, reason: 'SSM timed out' };
const decide = (count: ParticipantCount, dueMin: number, nowMin = dueMin, emptyChecks = 0) =>
  decideOccupancy(count, { endAt: END, dueAt: at(dueMin), emptyChecks, plan }, new Date(at(nowMin)));

describe('room checks: the decision', () => {
  test('during the lesson the next check is one interval after this one was due, not after it ran', () => {
    expect(decide(people(2), -40, -39.5)).toMatchObject({ decision: 'CHECK_AGAIN', nextCheckAt: at(-35) });
  });

  test('the last lesson check hands over to endAt instead of checking past it', () => {
    expect(decide(people(2), -3)).toMatchObject({ decision: 'WAIT_FOR_END', nextCheckAt: END });
  });

  test('two empty checks in a row end the lesson; one does not, and people or an unknown count reset it', () => {
    expect(decide(people(0), -30, -30, 0)).toMatchObject({ decision: 'CHECK_AGAIN', emptyChecks: 1 });
    expect(decide(people(0), -25, -25, 1)).toMatchObject({
      decision: 'EVERYONE_LEFT',
      reason: 'everyone left',
    });
    expect(decide(people(1), -25, -25, 1)).toMatchObject({ decision: 'CHECK_AGAIN', emptyChecks: 0 });
    expect(decide(unknown, -25, -25, 1)).toMatchObject({ decision: 'CHECK_AGAIN', emptyChecks: 0 });
  });

  test('a clock a little behind the Wait still takes the check at endAt for the end check', () => {
    expect(decide(people(0), 0, -0.01)).toMatchObject({ decision: 'END', reason: 'meeting ended' });
  });

  test('from endAt on: people or an unknown count extend in steps counted from endAt, up to the maximum', () => {
    expect(decide(people(1), 0)).toMatchObject({ decision: 'EXTEND', nextCheckAt: at(5) });
    expect(decide(unknown, 5, 5.2)).toMatchObject({ decision: 'EXTEND', nextCheckAt: at(10) });
    expect(decide(people(1), 10)).toMatchObject({ decision: 'EXTEND', nextCheckAt: at(15) });
    expect(decide(people(1), 15)).toMatchObject({
      decision: 'END',
      reason: 'meeting ended at the maximum overrun of 15 min (1 in the room)',
    });
    // A step that would pass the maximum is cut to it.
    const shorter = { ...plan, latestEndAt: at(13), maxOverrunSeconds: 780 };
    expect(
      decideOccupancy(
        people(1),
        { endAt: END, dueAt: at(10), emptyChecks: 0, plan: shorter },
        new Date(at(10)),
      ),
    ).toMatchObject({ decision: 'EXTEND', nextCheckAt: at(13) });
  });

  test('from endAt on, an empty room ends the meeting at once, saying how far over time it ran', () => {
    expect(decide(people(0), 0)).toMatchObject({ decision: 'END', reason: 'meeting ended' });
    expect(decide(people(0), 10)).toMatchObject({
      decision: 'END',
      reason: 'meeting ended, 10 min over time',
    });
  });

  test('with no overrun allowed, people at endAt do not keep the server', () => {
    const none = { ...plan, latestEndAt: END, maxOverrunSeconds: 0 };
    expect(
      decideOccupancy(people(3), { endAt: END, dueAt: END, emptyChecks: 0, plan: none }, new Date(END)),
    ).toMatchObject({ decision: 'END' });
  });
});

describe('room checks: plan, record and configuration', () => {
  const timings = { occupancyIntervalSeconds: 300, maxOverrunSeconds: 900 } as Parameters<
    typeof occupancyPlan
  >[1];

  test('the first check is one interval after the attendance check, never after endAt', () => {
    expect(occupancyPlan({ attendanceCheckAt: at(-45), endAt: END }, timings)).toMatchObject({
      firstCheckAt: at(-40),
      latestEndAt: at(15),
    });
    expect(occupancyPlan({ attendanceCheckAt: at(-2), endAt: END }, timings).firstCheckAt).toBe(END);
  });

  test('the record’s end: whole minutes over time, none for an early or punctual end', () => {
    expect(endOf(END, new Date(at(15.1)))).toEqual({ endedAt: at(15.1), overrunMinutes: 15 });
    expect(endOf(END, new Date(at(-45)))).toEqual({ endedAt: at(-45), overrunMinutes: 0 });
  });

  const env = {
    TABLE_NAME: 't',
    STATE_MACHINE_ARN: 'arn:aws:states:us-east-1:000000000000:stateMachine:m',
    AWS_REGION: 'us-east-1',
    JITSI_DOMAIN: 'meet.example.com',
    TEARDOWN_FUNCTION_NAME: 'teardown',
  };

  test('the API function defaults to checks every 5 min, 5-min steps, 15 min at most', () => {
    expect(readApiConfig(env).timings).toMatchObject({
      occupancyIntervalSeconds: 300,
      overrunStepSeconds: 300,
      maxOverrunSeconds: 900,
    });
  });

  test('the API function refuses checks more often than once a minute, naming the variable', () => {
    expect(() => readApiConfig({ ...env, OCCUPANCY_CHECK_INTERVAL_SECONDS: '30' })).toThrow(
      /OCCUPANCY_CHECK_INTERVAL_SECONDS/,
    );
    expect(() => readApiConfig({ ...env, OVERRUN_STEP_SECONDS: '10' })).toThrow(/OVERRUN_STEP_SECONDS/);
    expect(() => readApiConfig({ ...env, MAX_OVERRUN_SECONDS: '7200' })).toThrow(/MAX_OVERRUN_SECONDS/);
  });
});
