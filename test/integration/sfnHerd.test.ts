import { LocalStepFunctions } from '../../local/sfn/engine';
import { MemoryStateStore } from '../../local/sfn/stateStore';
import { fnArn, ROLE } from '../support/localSfn';

/**
 * A herd: executions that wake at one instant (lessons on the hour). Every one of them calls its first task
 * before any of them goes on to its second, across the scheduler's batches (more than one batch here).
 * Ordering only: how fast is `npm run bench` (timers), never asserted.
 */
test('all due executions reach their first task before any reaches its second', async () => {
  const N = 600;
  const calls: string[] = [];
  const task = (name: string) => async (input: unknown) => {
    calls.push(name);
    return input;
  };
  const engine = new LocalStepFunctions({
    region: 'us-east-1',
    account: '000000000000',
    store: new MemoryStateStore(),
    functions: { [fnArn('first')]: task('first'), [fnArn('second')]: task('second') },
  });
  await engine.start();
  try {
    const { stateMachineArn } = engine.createStateMachine({
      name: 'herd',
      roleArn: ROLE,
      definition: JSON.stringify({
        StartAt: 'Sleep',
        States: {
          Sleep: { Type: 'Wait', TimestampPath: '$.at', Next: 'First' },
          First: { Type: 'Task', Resource: fnArn('first'), Next: 'Between' },
          Between: { Type: 'Pass', Next: 'Second' },
          Second: { Type: 'Task', Resource: fnArn('second'), End: true },
        },
      }),
    });
    // All wake at one instant, a little after the last has started.
    const at = new Date(Date.now() + 1500).toISOString();
    const executions = Array.from({ length: N }, (_, i) =>
      engine.startExecution({ stateMachineArn, name: `m-${i}`, input: JSON.stringify({ at }) }),
    );
    const ended = await Promise.all(executions.map((e) => engine.whenSettled(e.executionArn)));
    expect(ended.filter((e) => e.status !== 'SUCCEEDED')).toEqual([]);
    expect(calls.filter((c) => c === 'first')).toHaveLength(N);
    expect(calls.lastIndexOf('first')).toBeLessThan(calls.indexOf('second'));
  } finally {
    await engine.close();
  }
}, 60_000);
