import { fnArn, ROLE, settleOnEngine, startLocalSfn, type LocalSfn } from '../support/localSfn';

const FLAKY = fnArn('flaky');

/**
 * JSONPath behaviours where the local engine now answers what AWS answers. Expected values come from AWS's
 * documentation or from histories recorded against AWS (cited per test).
 */
describe('JSONPath differences from AWS, closed', () => {
  let local: LocalSfn;
  const seen: unknown[] = [];
  beforeAll(async () => {
    local = await startLocalSfn({
      waitScale: 0.001,
      retryDelayMs: 5,
      functions: {
        // Fails its first two calls, so the third is the second retry.
        [FLAKY]: async (input) => {
          seen.push(input);
          if (seen.length < 3) throw Object.assign(new Error('again'), { name: 'Again' });
          return input;
        },
      },
    });
  });
  afterAll(() => local.close());

  const run = (definition: object, input: unknown) => settleOnEngine(local, definition, input);

  // Developer guide, "Accessing execution data from the Context object": $$.State holds the state's Name, its
  // EnteredTime and its RetryCount (https://docs.aws.amazon.com/step-functions/latest/dg/input-output-contextobject.html).
  test('$$.State: Name in any state; EnteredTime and RetryCount in a Task, counting its retries', async () => {
    const done = await run(
      {
        StartAt: 'Named',
        States: {
          Named: { Type: 'Pass', Parameters: { 'name.$': '$$.State.Name' }, Next: 'Call' },
          Call: {
            Type: 'Task',
            Resource: FLAKY,
            Parameters: {
              'name.$': '$$.State.Name',
              'entered.$': '$$.State.EnteredTime',
              'retries.$': '$$.State.RetryCount',
              'before.$': '$.name',
            },
            Retry: [{ ErrorEquals: ['Again'], MaxAttempts: 2 }],
            End: true,
          },
        },
      },
      {},
    );
    expect(done.status).toBe('SUCCEEDED');
    const calls = seen as Array<{ name: string; entered: string; retries: number; before: string }>;
    expect(calls.map((c) => [c.name, c.retries, c.before])).toEqual([
      ['Call', 0, 'Named'],
      ['Call', 1, 'Named'],
      ['Call', 2, 'Named'],
    ]);
    // Entered once (a retry does not enter the state again): the same time on every attempt, that of the event.
    expect(new Set(calls.map((c) => c.entered)).size).toBe(1);
    const entered = local.engine
      .history(done.executionArn)
      .find((ev) => ev.type === 'TaskStateEntered')!.timestamp;
    expect(Math.abs(Date.parse(calls[0].entered) - entered)).toBeLessThan(100);
  });

  // LocalStack's tests/aws/services/stepfunctions/v2/base/test_wait.py (test_base_wait_seconds_path, values -1,
  // -1.5, 0, 1, 1.5; marked aws.validated: its snapshot is AWS's answer) and test_wait.snapshot.json for the
  // "An error occurred while executing the state … (entered at the event id #2)." prefix.
  test('a negative or fractional SecondsPath fails with AWS’s own causes', async () => {
    const definition = {
      StartAt: 'State_1',
      States: { State_1: { Type: 'Wait', SecondsPath: '$.input.waitSeconds', End: true } },
    };
    const prefix = "An error occurred while executing the state 'State_1' (entered at the event id #2). ";
    const cases: Array<[number, string]> = [
      [-1, 'The SecondsPath parameter references a negative value: $.input.waitSeconds == -1'],
      [-1.5, 'The SecondsPath parameter cannot be parsed as a long value: $.input.waitSeconds == -1.5'],
      [1.5, 'The SecondsPath parameter cannot be parsed as a long value: $.input.waitSeconds == 1.5'],
    ];
    for (const [waitSeconds, cause] of cases)
      expect(await run(definition, { input: { waitSeconds } })).toMatchObject({
        status: 'FAILED',
        error: 'States.Runtime',
        cause: prefix + cause,
      });
    for (const waitSeconds of [0, 1])
      expect((await run(definition, { input: { waitSeconds } })).status).toBe('SUCCEEDED');
  });

  // Developer guide, "Using Map state in Distributed mode": ToleratedFailurePercentage is "a value between zero and
  // 100" (a float in the service model's MapRun shapes), so 12.5 is a valid definition; 150 is not.
  test('a fractional ToleratedFailurePercentage is valid; one above 100 is refused at creation', async () => {
    const distributed = (percentage: number) => ({
      StartAt: 'Each',
      States: {
        Each: {
          Type: 'Map',
          ToleratedFailurePercentage: percentage,
          ItemProcessor: {
            ProcessorConfig: { Mode: 'DISTRIBUTED', ExecutionType: 'STANDARD' },
            StartAt: 'Item',
            States: { Item: { Type: 'Pass', End: true } },
          },
          End: true,
        },
      },
    });
    expect(await run(distributed(12.5), [1, 2])).toMatchObject({ status: 'SUCCEEDED', output: '[1,2]' });
    expect(() =>
      local.engine.createStateMachine({
        name: 'too-tolerant',
        definition: JSON.stringify(distributed(150.5)),
        roleArn: ROLE,
      }),
    ).toThrow(/ToleratedFailurePercentage/);
  });
});
