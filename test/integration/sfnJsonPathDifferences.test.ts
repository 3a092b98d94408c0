import { ROLE, startLocalSfn, type LocalSfn } from '../support/localSfn';

/**
 * JSONPath behaviours where the local engine now answers what AWS answers. Expected values come from AWS's
 * documentation or from histories recorded against AWS (cited per test).
 */
describe('JSONPath differences from AWS, closed', () => {
  let local: LocalSfn;
  let n = 0;
  beforeAll(async () => {
    local = await startLocalSfn({ waitScale: 0.001 });
  });
  afterAll(() => local.close());

  async function run(definition: object, input: unknown) {
    const m = local.engine.createStateMachine({
      name: `differences-${n++}`,
      definition: JSON.stringify(definition),
      roleArn: ROLE,
    });
    const e = local.engine.startExecution({
      stateMachineArn: m.stateMachineArn,
      input: JSON.stringify(input),
    });
    return local.engine.whenSettled(e.executionArn);
  }

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
