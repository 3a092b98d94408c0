import { fnArn, startLocalSfn, type LocalSfn } from '../support/localSfn';
import { runMachine } from '../support/sfnRun';

/**
 * SFN_WAIT_SCALE covers a waiting Task's own clocks too: a callback's or activity's HeartbeatSeconds and
 * TimeoutSeconds run at the same fraction of their length as Waits, so a test of a 60 s heartbeat does not wait a
 * minute; a Lambda task's TimeoutSeconds bounds real work and is not scaled. The history
 * still names the definition's value (TaskScheduled's timeoutInSeconds).
 */
const NOTIFY = fnArn('notify');
const SLOW = fnArn('slow');
const callback = {
  Type: 'Task',
  Resource: 'arn:aws:states:::lambda:invoke.waitForTaskToken',
  Parameters: { FunctionName: NOTIFY, Payload: { 'token.$': '$$.Task.Token' } },
  End: true,
};

describe('SFN_WAIT_SCALE: HeartbeatSeconds and TimeoutSeconds', () => {
  let local: LocalSfn;
  beforeAll(async () => {
    local = await startLocalSfn({
      waitScale: 0.001,
      functions: {
        [NOTIFY]: async () => ({ notified: true }),
        // Answers after 300 ms of real time: longer than any scaled timeout here.
        [SLOW]: () => new Promise((resolve) => setTimeout(() => resolve({ late: true }), 300).unref()),
      },
    });
  });
  afterAll(() => local.close());

  /**
   * Runs one state and answers how it ended, with the real time from its entry to the execution's end, by the
   * history's own timestamps (the API calls around it are not what is measured: this machine is shared).
   */
  async function timed(state: object, input: unknown = {}) {
    const run = await runMachine(local, { StartAt: 'T', States: { T: state } }, input);
    const at = (type: string) => run.events.find((e) => e.type === type)!.timestamp!.getTime();
    return { ...run, elapsed: at('ExecutionFailed') - at('TaskStateEntered') };
  }

  test('a 60 s HeartbeatSeconds with no heartbeat times the callback out in well under a second', async () => {
    const run = await timed({ ...callback, HeartbeatSeconds: 60 });
    expect(run).toMatchObject({ status: 'FAILED', error: 'States.HeartbeatTimeout' });
    // 60 s × 0.001 = 60 ms.
    expect(run.elapsed).toBeLessThan(1000);
    expect(run.events.map((e) => e.type).slice(-2)).toEqual(['TaskTimedOut', 'ExecutionFailed']);
  });

  test("a callback's 60 s TimeoutSeconds fires in well under a second; the history keeps 60", async () => {
    const run = await timed({ ...callback, TimeoutSeconds: 60 });
    expect(run).toMatchObject({ status: 'FAILED', error: 'States.Timeout' });
    expect(run.elapsed).toBeLessThan(1000);
    const scheduled = run.events.find((e) => e.type === 'TaskScheduled')!.taskScheduledEventDetails!;
    expect(scheduled.timeoutInSeconds).toBe(60);
  });

  test("a Lambda task's TimeoutSeconds is not scaled: its work runs at real speed", async () => {
    for (const timeout of [{ TimeoutSeconds: 60 }, { TimeoutSecondsPath: '$.t' }]) {
      const run = await runMachine(
        local,
        { StartAt: 'T', States: { T: { Type: 'Task', Resource: SLOW, ...timeout, End: true } } },
        { t: 60 },
      );
      // Scaled, the budget would be 60 ms and the 300 ms function would time out.
      expect(run).toMatchObject({ status: 'SUCCEEDED', output: { late: true } });
    }
  });
});
