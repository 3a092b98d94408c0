import { settleOnEngine, startLocalSfn, type LocalSfn } from '../support/localSfn';

/**
 * JSONPath behaviours where the JSONPath conformance run (LocalStack's AWS-validated snapshots, recorded against
 * AWS) showed the local engine answering differently; each expected value is what the recorded run shows,
 * described in the test.
 */
describe('JSONPath behaviours as AWS recorded them', () => {
  let local: LocalSfn;
  beforeAll(async () => {
    local = await startLocalSfn({ waitScale: 0.001 });
  });
  afterAll(() => local.close());

  async function run(definition: object, input: unknown) {
    const done = await settleOnEngine(local, definition, input);
    return { done, types: local.engine.history(done.executionArn).map((ev) => ev.type) };
  }

  // Recorded: a Pass state with InputPath "$$" outputs the whole context object, Execution, StateMachine and
  // State {Name, EnteredTime}; `"state.$": "$$.State"` gives the same State object (developer guide, "Accessing
  // execution data from the Context object").
  test('$$ and $$.State as a whole carry the running state’s Name and EnteredTime', async () => {
    const { done } = await run(
      {
        StartAt: 'First',
        States: {
          First: { Type: 'Pass', InputPath: '$$', Next: 'Second' },
          Second: {
            Type: 'Pass',
            Parameters: { 'state.$': '$$.State', 'previous.$': '$.State.Name' },
            End: true,
          },
        },
      },
      { 'input-value': 0 },
    );
    expect(done.status).toBe('SUCCEEDED');
    const output = JSON.parse(done.output!) as {
      state: { Name: string; EnteredTime: string };
      previous: string;
    };
    expect(output.previous).toBe('First');
    expect(output.state.Name).toBe('Second');
    expect(Object.keys(output.state).sort()).toEqual(['EnteredTime', 'Name']);
    expect(Number.isNaN(Date.parse(output.state.EnteredTime))).toBe(false);
  });

  // Recorded (test_map_state, MaxConcurrency 1): every iteration's MapIterationSucceeded comes before the next
  // iteration's MapIterationStarted.
  test('with MaxConcurrency 1, an iteration ends in the history before the next one starts', async () => {
    const { done, types } = await run(
      {
        StartAt: 'Each',
        States: {
          Each: {
            Type: 'Map',
            MaxConcurrency: 1,
            ItemProcessor: { StartAt: 'Item', States: { Item: { Type: 'Pass', End: true } } },
            End: true,
          },
        },
      },
      [1, 2, 3],
    );
    expect(done.status).toBe('SUCCEEDED');
    const iteration = ['MapIterationStarted', 'PassStateEntered', 'PassStateExited', 'MapIterationSucceeded'];
    expect(types).toEqual([
      'ExecutionStarted',
      'MapStateEntered',
      'MapStateStarted',
      ...iteration,
      ...iteration,
      ...iteration,
      'MapStateSucceeded',
      'MapStateExited',
      'ExecutionSucceeded',
    ]);
  });
  // Recorded (test_wait_timestamppath): a TimestampPath value with "Z" and any number of fractional digits ends
  // the Wait (a past time: at once); without an offset ("", ".000", ".000000") the state fails with States.Runtime,
  // naming the state, its entered event and the value.
  test('a TimestampPath value must carry its offset', async () => {
    const wait = {
      StartAt: 'State_1',
      States: { State_1: { Type: 'Wait', TimestampPath: '$.start_at', End: true } },
    };
    for (const ok of ['2023-12-11T22:01:34Z', '2023-12-11T22:01:34.0000000Z', '2023-12-11T22:01:34.00Z'])
      expect((await run(wait, { start_at: ok })).done.status).toBe('SUCCEEDED');
    for (const bad of ['2023-12-11T22:01:34', '2023-12-11T22:01:34.000']) {
      const { done, types } = await run(wait, { start_at: bad });
      expect(done).toMatchObject({
        status: 'FAILED',
        error: 'States.Runtime',
        cause: `An error occurred while executing the state 'State_1' (entered at the event id #2). The TimestampPath parameter does not reference a valid ISO-8601 extended offset date-time format string: $.start_at == ${bad}`,
      });
      expect(types).toEqual(['ExecutionStarted', 'WaitStateEntered', 'ExecutionFailed']);
    }
  });
  // Recorded (test_assign_base.py, BASE_CONSTANT_LITERALS): a JSONPath Assign whose literal list holds null and
  // strings that look like JSONata or paths is accepted at creation and assigned exactly as written.
  test('a literal list in a JSONPath Assign may hold null and "{% %}"-looking strings', async () => {
    const lst = [null, 0, '{% $varname %}', '$$', "States.Format('{}', $varname)", [], { constant: 0 }];
    const { done } = await run(
      {
        StartAt: 'State0',
        States: {
          State0: { Type: 'Pass', Assign: { constant_lst: lst }, Next: 'State1' },
          State1: { Type: 'Pass', Parameters: { 'value.$': '$constant_lst' }, End: true },
        },
      },
      {},
    );
    expect(done.status).toBe('SUCCEEDED');
    expect(JSON.parse(done.output!)).toEqual({ value: lst });
  });
  // Recorded (test_map_state_break_condition, MaxConcurrency 1): the iteration that fails is the last one started;
  // its MapIterationFailed is followed by MapStateFailed and ExecutionFailed.
  test('a failed iteration of a Map without a threshold is the last one started', async () => {
    const { done, types } = await run(
      {
        StartAt: 'Each',
        States: {
          Each: {
            Type: 'Map',
            MaxConcurrency: 1,
            ItemProcessor: {
              StartAt: 'Check',
              States: {
                Check: {
                  Type: 'Choice',
                  Choices: [{ Variable: '$', NumericEquals: 2, Next: 'Break' }],
                  Default: 'Keep',
                },
                Break: { Type: 'Fail', Error: 'SomeFailure', Cause: 'two' },
                Keep: { Type: 'Pass', End: true },
              },
            },
            End: true,
          },
        },
      },
      [1, 2, 3, 4],
    );
    expect(done).toMatchObject({ status: 'FAILED', error: 'SomeFailure', cause: 'two' });
    expect(types).toEqual([
      'ExecutionStarted',
      'MapStateEntered',
      'MapStateStarted',
      'MapIterationStarted',
      'ChoiceStateEntered',
      'ChoiceStateExited',
      'PassStateEntered',
      'PassStateExited',
      'MapIterationSucceeded',
      'MapIterationStarted',
      'ChoiceStateEntered',
      'ChoiceStateExited',
      'FailStateEntered',
      'MapIterationFailed',
      'MapStateFailed',
      'ExecutionFailed',
    ]);
  });
  // Recorded (test_map_state_config_distributed_reentrant): a distributed Map's items run as child executions, so
  // the parent's history has MapStateStarted, MapRunStarted, MapRunSucceeded, MapStateSucceeded and none of the
  // items' states.
  test('a distributed Map logs its Map Run, not its items’ states', async () => {
    const { done, types } = await run(
      {
        StartAt: 'Each',
        States: {
          Each: {
            Type: 'Map',
            MaxConcurrency: 1,
            ItemProcessor: {
              ProcessorConfig: { Mode: 'DISTRIBUTED', ExecutionType: 'STANDARD' },
              StartAt: 'Item',
              States: { Item: { Type: 'Pass', End: true } },
            },
            End: true,
          },
        },
      },
      [0, 1, 2, 3],
    );
    expect(done.status).toBe('SUCCEEDED');
    expect(JSON.parse(done.output!)).toEqual([0, 1, 2, 3]);
    expect(types).toEqual([
      'ExecutionStarted',
      'MapStateEntered',
      'MapStateStarted',
      'MapRunStarted',
      'MapRunSucceeded',
      'MapStateSucceeded',
      'MapStateExited',
      'ExecutionSucceeded',
    ]);
  });
});
