import { settleOnEngine, startLocalSfn, type LocalSfn } from '../support/localSfn';

/** Intrinsic functions where the ASL engine took only integers or only paths (patches/aws-local-stepfunctions…). */
describe('intrinsic functions: MathRandom with decimals, Fail ErrorPath/CausePath', () => {
  let local: LocalSfn;
  beforeAll(async () => {
    local = await startLocalSfn();
  });
  afterAll(() => local.close());

  const run = (states: object, input: unknown) =>
    settleOnEngine(local, { StartAt: 'S', States: states }, input);

  // Developer guide, "Intrinsic functions" (States.MathRandom): "If you specify a non-integer value for the start
  // number or end number argument, Step Functions will round it off to the nearest integer"
  // (https://docs.aws.amazon.com/step-functions/latest/dg/intrinsic-functions.html#asl-intrsc-func-math-operation,
  // as LocalStack's math_random.py quotes it). 2.6 and 3.4 both round to 3, so the only possible answer is 3;
  // 4.5 and 5.2 both to 5. (A decimal literal in the call is refused by the engine's validator, so from the input.)
  test('States.MathRandom rounds decimal start and end to the nearest integer', async () => {
    const done = await run(
      {
        S: {
          Type: 'Pass',
          Parameters: {
            'unseeded.$': 'States.MathRandom($.low, $.high)',
            'seeded.$': 'States.MathRandom($.start, $.end, 7)',
          },
          End: true,
        },
      },
      { low: 2.6, high: 3.4, start: 4.5, end: 5.2 },
    );
    expect(done.status).toBe('SUCCEEDED');
    expect(JSON.parse(done.output!)).toEqual({ unseeded: 3, seeded: 5 });
  });

  // LocalStack's test_base.py::test_state_fail_intrinsic (aws.validated; test_base.snapshot.json records AWS's
  // ExecutionFailed: error "error string", cause "This is a custom error message for error string, caused by cause
  // string."). The developer guide's Fail state: ErrorPath and CausePath take a path or an intrinsic function.
  test('Fail: ErrorPath and CausePath holding intrinsic functions', async () => {
    const done = await run(
      {
        S: {
          Type: 'Fail',
          ErrorPath: "States.Format('{}', $.Error)",
          CausePath:
            "States.Format('This is a custom error message for {}, caused by {}.', $.Error, $.Cause)",
        },
      },
      { Error: 'error string', Cause: 'cause string' },
    );
    expect(done).toMatchObject({
      status: 'FAILED',
      error: 'error string',
      cause: 'This is a custom error message for error string, caused by cause string.',
    });
  });

  test('Fail: an intrinsic that does not give a string fails with States.Runtime, naming the field', async () => {
    const done = await run({ S: { Type: 'Fail', CausePath: 'States.MathAdd($.a, 1)' } }, { a: 1 });
    expect(done.status).toBe('FAILED');
    expect(done.error).toBe('States.Runtime');
    expect(done.cause).toMatch(/CausePath/);
  });
});
