import { occupancyPlan, type Timings } from '../../functions/api/booking';
import { MAX_OVERRUN_SECONDS, MIN_OCCUPANCY_INTERVAL_SECONDS } from '../../functions/shared/occupancyLimits';
import type { LocalDynamo } from '../../local/dynamo';
import type { MeetingStore } from '../../functions/shared/store';
import {
  dynamoWorld,
  fleetWorld,
  inputFor,
  scheduleMeeting,
  scriptRoom,
  taskHandlers,
  TEST_TIMINGS,
} from '../support/world';
import { runLifecycle } from './run';

/** Step Functions fails a Standard execution whose history reaches 25,000 events (service quotas page). */
const HISTORY_LIMIT = 25_000;

describe('execution history of the longest meeting with the most frequent checks', () => {
  let dynamo: LocalDynamo;
  let store: MeetingStore;
  beforeAll(async () => {
    ({ dynamo, store } = await dynamoWorld());
  });
  afterAll(() => dynamo.close());

  test('an 8-hour lesson checked every minute and overrunning the largest maximum stays far below 25,000 events', async () => {
    const { deps } = fleetWorld(store);
    scriptRoom(deps, [2]); // someone there all along: every lesson check, then every overrun step, runs
    const meeting = await scheduleMeeting(store, { launch: 20, attendance: 80, end: 480 * 60_000 });
    const densest: Timings = {
      ...TEST_TIMINGS,
      occupancyIntervalSeconds: MIN_OCCUPANCY_INTERVAL_SECONDS,
      overrunStepSeconds: MIN_OCCUPANCY_INTERVAL_SECONDS,
      maxOverrunSeconds: MAX_OVERRUN_SECONDS,
    };
    const input = { ...inputFor(meeting), occupancy: occupancyPlan(meeting, densest) };
    const run = await runLifecycle(input, taskHandlers(deps), { waitMs: { WaitUntilEnd: 1 } });

    expect(run.succeeded).toBe(true);
    const checks = run.entered.filter((s) => s === 'OccupancyCheck').length;
    // 479 lesson checks (one a minute after the attendance check, the last a minute before endAt), then endAt
    // and one a minute up to the 60-minute maximum.
    expect(checks).toBe(479 + 1 + 60);
    expect(await store.get(meeting.id)).toMatchObject({ status: 'COMPLETED', overrunMinutes: 60 });
    console.log(
      `8-hour meeting, checks every minute, 60 min overrun: ${checks} checks, ${run.historyEvents} history events`,
    );
    expect(run.historyEvents).toBeLessThan(HISTORY_LIMIT / 4);
    // Each check is 9 events: Wait entered/exited, Task entered, Lambda scheduled/started/succeeded, Task
    // exited, Choice entered/exited; launch, health, attendance and teardown add a few dozen.
    expect(run.historyEvents - 9 * checks).toBeGreaterThan(0);
    expect(run.historyEvents - 9 * checks).toBeLessThan(100);
  }, 300_000);
});
