import { startLocalSfn, type LocalSfn } from '../support/localSfn';
import { runMachine } from '../support/sfnRun';

/**
 * JSONata behaviour measured against AWS with the conformance corpus (npm run conformance): each test states in
 * its own words what the recorded AWS execution did, and cites the AWS page that documents the event or field.
 */
describe('JSONata as AWS records it', () => {
  let local: LocalSfn;
  beforeAll(async () => {
    local = await startLocalSfn({ retryDelayMs: 1, waitScale: 0.001 });
  });
  afterAll(() => local.close());

  test('an expression that yields nothing logs EvaluationFailed naming the state, its entered event and the field', async () => {
    // AWS (API_EvaluationFailedEventDetails: state, error, cause, location) logs the event right after the
    // state's entered event; the cause names the state and that event's id, quotes the expression without
    // its {% %}, and names a nested field with a slash; the execution fails with the same error and cause.
    const run = await runMachine(local, {
      QueryLanguage: 'JSONata',
      StartAt: 'First',
      States: {
        First: { Type: 'Pass', Next: 'Second' },
        Second: { Type: 'Pass', Output: { total: '{%  $missing  %}' }, End: true },
      },
    });
    const cause =
      "An error occurred while executing the state 'Second' (entered at the event id #4). " +
      "The JSONata expression '$missing' specified for the field 'Output/total' returned nothing (undefined).";
    expect(run.events.map((e) => e.type)).toEqual([
      'ExecutionStarted',
      'PassStateEntered',
      'PassStateExited',
      'PassStateEntered',
      'EvaluationFailed',
      'ExecutionFailed',
    ]);
    expect(run.events[4].evaluationFailedEventDetails).toEqual({
      state: 'Second',
      error: 'States.QueryEvaluationError',
      cause,
      location: 'Output/total',
    });
    expect(run).toMatchObject({ status: 'FAILED', error: 'States.QueryEvaluationError', cause });
  });

  test('$range gives an array of numbers, and a range of one number that number', async () => {
    // $range(start, end, step) is one of the functions Step Functions adds to JSONata (transforming-data.html);
    // the recorded executions gave [0,3,6,9] for (0, 9, 3) and the bare number 1 for (1, 9, 9).
    const range = (args: string) =>
      runMachine(local, {
        QueryLanguage: 'JSONata',
        StartAt: 'R',
        States: { R: { Type: 'Pass', Output: `{% $range(${args}) %}`, End: true } },
      });
    expect((await range('0, 9, 3')).output).toEqual([0, 3, 6, 9]);
    expect((await range('1, 9, 9')).output).toBe(1);
  });

  test('a failed Map iteration fails the Map at once, and its EvaluationFailed is logged once', async () => {
    // The recorded Map (MaxConcurrency 1, three items) whose first iteration's Pass had an expression that
    // yielded nothing: EvaluationFailed in the iteration, MapIterationFailed, MapStateFailed, ExecutionFailed;
    // the other items never started and the Map logged no EvaluationFailed of its own.
    const run = await runMachine(
      local,
      {
        QueryLanguage: 'JSONata',
        StartAt: 'Each',
        States: {
          Each: {
            Type: 'Map',
            Items: '{% $states.input.items %}',
            MaxConcurrency: 1,
            ItemProcessor: {
              ProcessorConfig: { Mode: 'INLINE' },
              StartAt: 'Item',
              States: { Item: { Type: 'Pass', Output: { v: '{% $nothing %}' }, End: true } },
            },
            End: true,
          },
        },
      },
      { items: [1, 2, 3] },
    );
    expect(run.events.map((e) => e.type)).toEqual([
      'ExecutionStarted',
      'MapStateEntered',
      'MapStateStarted',
      'MapIterationStarted',
      'PassStateEntered',
      'EvaluationFailed',
      'MapIterationFailed',
      'MapStateFailed',
      'ExecutionFailed',
    ]);
    expect(run).toMatchObject({
      status: 'FAILED',
      error: 'States.QueryEvaluationError',
      cause:
        "An error occurred while executing the state 'Item' (entered at the event id #5). " +
        "The JSONata expression '$nothing' specified for the field 'Output/v' returned nothing (undefined).",
    });
  });
});
