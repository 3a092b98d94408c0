import { fnArn, ROLE, startLocalSfn, type LocalSfn } from '../support/localSfn';

const FLAKY = fnArn('failsOnce');

/**
 * A retried Map logs MapStateStarted for every attempt and MapStateFailed once, when no retry follows: the order
 * of LocalStack's execution_state.py (MapStateFailed only after the retrier gives up), whose
 * test_base_scenarios.py::test_map_state_retry is marked aws.validated (recorded against AWS).
 */
describe('Map retries in the history', () => {
  let local: LocalSfn;
  let n = 0;
  let calls = 0;
  beforeAll(async () => {
    local = await startLocalSfn({
      retryDelayMs: 5,
      functions: {
        [FLAKY]: async (input) => {
          if (calls++ === 0) throw Object.assign(new Error('first call fails'), { name: 'Again' });
          return input;
        },
      },
    });
  });
  afterAll(() => local.close());

  const mapOf = (item: object, extra: object) => ({
    Type: 'Map',
    ItemProcessor: { ProcessorConfig: { Mode: 'INLINE' }, StartAt: 'Item', States: { Item: item } },
    Retry: [{ ErrorEquals: ['States.ALL'], MaxAttempts: 2 }],
    ...extra,
  });

  async function types(states: object) {
    const m = local.engine.createStateMachine({
      name: `map-retry-${n++}`,
      definition: JSON.stringify({ StartAt: 'Each', States: states }),
      roleArn: ROLE,
    });
    const e = local.engine.startExecution({ stateMachineArn: m.stateMachineArn, input: '[1]' });
    const done = await local.engine.whenSettled(e.executionArn);
    return { done, types: local.engine.history(e.executionArn).map((ev) => ev.type) };
  }
  const count = (list: string[], type: string) => list.filter((t) => t === type).length;
  const ITERATION_FAILS = ['MapIterationStarted', 'FailStateEntered', 'MapIterationFailed'];

  test('retries exhausted: three attempts started, MapStateFailed once, just before ExecutionFailed', async () => {
    const { done, types: t } = await types({
      Each: mapOf({ Type: 'Fail', Error: 'Boom', Cause: 'item' }, { End: true }),
    });
    expect(done).toMatchObject({ status: 'FAILED', error: 'Boom' });
    expect(t).toEqual([
      'ExecutionStarted',
      'MapStateEntered',
      'MapStateStarted',
      ...ITERATION_FAILS,
      'MapStateStarted',
      ...ITERATION_FAILS,
      'MapStateStarted',
      ...ITERATION_FAILS,
      'MapStateFailed',
      'ExecutionFailed',
    ]);
  });

  test('caught after the retries: MapStateFailed once, then the Map exits to the catcher', async () => {
    const { done, types: t } = await types({
      Each: mapOf(
        { Type: 'Fail', Error: 'Boom' },
        { Catch: [{ ErrorEquals: ['States.ALL'], Next: 'After' }], Next: 'After' },
      ),
      After: { Type: 'Pass', End: true },
    });
    expect(done.status).toBe('SUCCEEDED');
    expect(count(t, 'MapStateStarted')).toBe(3);
    expect(count(t, 'MapStateFailed')).toBe(1);
    expect(count(t, 'MapStateSucceeded')).toBe(0);
    expect(t.slice(t.indexOf('MapStateFailed'), t.indexOf('MapStateFailed') + 3)).toEqual([
      'MapStateFailed',
      'MapStateExited',
      'PassStateEntered',
    ]);
  });

  test('a retry that succeeds logs no MapStateFailed at all', async () => {
    const { done, types: t } = await types({
      Each: mapOf({ Type: 'Task', Resource: FLAKY, End: true }, { End: true }),
    });
    expect(done.status).toBe('SUCCEEDED');
    expect(count(t, 'MapStateStarted')).toBe(2);
    expect(count(t, 'MapStateFailed')).toBe(0);
    expect(count(t, 'MapStateSucceeded')).toBe(1);
  });
});
