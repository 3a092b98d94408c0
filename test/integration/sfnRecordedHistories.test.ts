import { ROLE, startLocalSfn, type LocalSfn } from '../support/localSfn';

/**
 * JSONPath behaviours where the JSONPath conformance run (LocalStack's AWS-validated snapshots, recorded against
 * AWS) showed the local engine answering differently; each expected value is what the recorded run shows,
 * described in the test.
 */
describe('JSONPath behaviours as AWS recorded them', () => {
  let local: LocalSfn;
  let n = 0;
  beforeAll(async () => {
    local = await startLocalSfn({ waitScale: 0.001 });
  });
  afterAll(() => local.close());

  async function run(definition: object, input: unknown) {
    const m = local.engine.createStateMachine({
      name: `recorded-${n++}`,
      definition: JSON.stringify(definition),
      roleArn: ROLE,
    });
    const e = local.engine.startExecution({
      stateMachineArn: m.stateMachineArn,
      input: JSON.stringify(input),
    });
    const done = await local.engine.whenSettled(e.executionArn);
    return { done, types: local.engine.history(e.executionArn).map((ev) => ev.type) };
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
});
