import { checkAttendance } from '../../functions/attendance-check/checkAttendance';
import { checkOccupancy } from '../../functions/attendance-check/checkOccupancy';
import { lifecycleInput, newMeeting, type Timings } from '../../functions/api/booking';
import { checkHealth } from '../../functions/health-check/checkHealth';
import { launchMeeting } from '../../functions/launch/launchMeeting';
import { Ec2Fleet } from '../../functions/shared/ec2Fleet';
import type { MeetingRecord } from '../../functions/shared/meeting';
import { MeetingStore } from '../../functions/shared/store';
import type { TaskDeps } from '../../functions/shared/taskDeps';
import { teardownMeeting } from '../../functions/teardown/teardownMeeting';
import { ensureMeetingsTable, startDynalite, type LocalDynamo } from '../../local/dynamo';
import { fakeAws, FLEET_CONFIG, type FakeAwsOptions } from './fakeAws';

export const TEST_TIMINGS: Timings = {
  leadSeconds: 600,
  attendanceCheckDelaySeconds: 900,
  healthIntervalSeconds: 1,
  healthMaxAttempts: 3,
  occupancyIntervalSeconds: 300,
  overrunStepSeconds: 300,
  maxOverrunSeconds: 900,
  minDurationMinutes: 15,
  maxDaysAhead: 364,
  recordRetentionDays: 90,
};

let tableCounter = 0;

/** dynalite with a fresh meetings table, and the store on top of it. */
export async function dynamoWorld(): Promise<{
  dynamo: LocalDynamo;
  store: MeetingStore;
  tableName: string;
}> {
  const dynamo = await startDynalite();
  const tableName = `meetings-${++tableCounter}`;
  await ensureMeetingsTable(dynamo.client, tableName);
  return { dynamo, store: new MeetingStore(dynamo.client, tableName), tableName };
}

export function fleetWorld(store: MeetingStore, opts: FakeAwsOptions = {}) {
  const aws = fakeAws(opts);
  const deps: TaskDeps = { store, fleet: new Ec2Fleet(FLEET_CONFIG, aws.clients) };
  return { aws, deps };
}

/** A SCHEDULED meeting whose lifecycle timestamps are `offsetsMs` from now, so a run takes milliseconds. */
export async function scheduleMeeting(
  store: MeetingStore,
  offsetsMs: { launch: number; attendance: number; end: number } = { launch: 50, attendance: 150, end: 300 },
): Promise<MeetingRecord> {
  const now = new Date();
  const base = newMeeting({
    id: crypto.randomUUID(),
    booking: { teacherName: 'Ada', studentName: 'Ben', startTime: 'x', durationMinutes: 60 },
    start: new Date(now.getTime() + 3600_000),
    now,
    timings: TEST_TIMINGS,
    jitsiDomain: 'meet.example.test',
  });
  const at = (ms: number) => new Date(now.getTime() + ms).toISOString();
  const meeting = {
    ...base,
    launchAt: at(offsetsMs.launch),
    attendanceCheckAt: at(offsetsMs.attendance),
    endAt: at(offsetsMs.end),
  };
  await store.create(meeting);
  return meeting;
}

export function inputFor(meeting: MeetingRecord) {
  return lifecycleInput(meeting, TEST_TIMINGS);
}

/**
 * The tasks' clock in runs whose occupancy waits are shortened (run.ts `waitMs`): it stands at the latest
 * instant a check was scheduled for (never behind the real clock), as if each Wait had lasted its full time.
 */
export function checkClock() {
  let at = Date.now();
  return {
    now: () => new Date(Math.max(Date.now(), at)),
    advanceTo: (iso: string) => {
      at = Math.max(at, Date.parse(iso));
    },
  };
}
export type CheckClock = ReturnType<typeof checkClock>;

/** The real task logic, keyed by the state machine's task state names. */
export function taskHandlers(deps: TaskDeps, clock: CheckClock = checkClock()) {
  return {
    Launch: (input: unknown) => launchMeeting(input, deps),
    HealthCheck: (input: unknown) => checkHealth(input, deps),
    AttendanceCheck: (input: unknown) => checkAttendance(input, deps),
    OccupancyCheck: (input: unknown) => {
      clock.advanceTo((input as { dueAt: string }).dueAt);
      return checkOccupancy(input, deps, clock.now);
    },
    Teardown: (input: unknown) => teardownMeeting(input, deps, clock.now),
  };
}

/**
 * The room as the checks find it, one count per call (attendance first, then each occupancy check); after the
 * script the last entry repeats. 'unknown' is a count that could not be read.
 */
export function scriptRoom(deps: TaskDeps, counts: Array<number | 'unknown'>) {
  let call = 0;
  deps.fleet.countParticipants = async () => {
    const c = counts[Math.min(call++, counts.length - 1)];
    return c === 'unknown'
      ? { known: false, reason: 'room count unavailable' }
      : { known: true, participants: c };
  };
  return { calls: () => call };
}
