import { settleOnEngine, startLocalSfn, type LocalSfn } from '../support/localSfn';

/**
 * Distributed Map's tolerated failure thresholds and the path fields read at run time, on the real ASL engine
 * (patches/aws-local-stepfunctions+3.0.0.patch, MapStateAction).
 *
 * Sources: the developer guide, "Tolerated failure threshold for Distributed Map state"
 * (https://docs.aws.amazon.com/step-functions/latest/dg/maprun-fail-threshold.html): the Map Run fails with
 * States.ExceedToleratedFailureThreshold when the failed items exceed the count or the percentage (either, when
 * both are given); 100 % never fails. The causes of a bad path value are LocalStack's (its Step Functions parser,
 * `tolerated_failure.py` and `max_concurrency.py`, whose `test_max_concurrency_path` with `{}` and `"NoNumber"` is
 * marked aws.validated); "The specified tolerated failure threshold was exceeded" is the cause AWS's TestState
 * gives, as LocalStack's mocked TestState answers it.
 */
describe('distributed Map: tolerated failure thresholds and path values', () => {
  let local: LocalSfn;
  beforeAll(async () => {
    local = await startLocalSfn({ waitScale: 0.001 });
  });
  afterAll(() => local.close());

  /** Items `{ ok: boolean }`: a failed item fails with Boom, an ok one passes its input through. */
  const distributed = (fields: object, after: object = { End: true }) => ({
    StartAt: 'Each',
    States: {
      Each: {
        Type: 'Map',
        ItemsPath: '$.items',
        ...fields,
        ItemProcessor: {
          ProcessorConfig: { Mode: 'DISTRIBUTED', ExecutionType: 'STANDARD' },
          StartAt: 'Check',
          States: {
            Check: {
              Type: 'Choice',
              Choices: [{ Variable: '$.ok', BooleanEquals: true, Next: 'Fine' }],
              Default: 'Broken',
            },
            Fine: { Type: 'Pass', End: true },
            Broken: { Type: 'Fail', Error: 'Boom', Cause: 'item failed' },
          },
        },
        ...after,
      },
      // Reachable (so valid) only when the Map goes on to it.
      ...('Next' in after ? { Handled: { Type: 'Pass', Result: 'handled', End: true } } : {}),
    },
  });

  const run = (definition: object, input: unknown) => settleOnEngine(local, definition, input);

  /** Four items, `bad` of them failing. */
  const items = (bad: number) => Array.from({ length: 4 }, (_, i) => ({ ok: i >= bad, i }));
  const EXCEEDED = {
    status: 'FAILED',
    error: 'States.ExceedToleratedFailureThreshold',
    cause: 'The specified tolerated failure threshold was exceeded',
  };

  test('ToleratedFailureCount: as many failures as tolerated succeed (the failed items left out); one more fails', async () => {
    const ok = await run(distributed({ ToleratedFailureCount: 2 }), { items: items(2) });
    expect(ok.status).toBe('SUCCEEDED');
    expect(JSON.parse(ok.output!)).toEqual([
      { ok: true, i: 2 },
      { ok: true, i: 3 },
    ]);
    expect(await run(distributed({ ToleratedFailureCount: 2 }), { items: items(3) })).toMatchObject(EXCEEDED);
  });

  test('ToleratedFailurePercentage: 25 % of four items is one; 100 % never fails; a fraction counts', async () => {
    expect((await run(distributed({ ToleratedFailurePercentage: 25 }), { items: items(1) })).status).toBe(
      'SUCCEEDED',
    );
    expect(await run(distributed({ ToleratedFailurePercentage: 25 }), { items: items(2) })).toMatchObject(
      EXCEEDED,
    );
    expect((await run(distributed({ ToleratedFailurePercentage: 100 }), { items: items(4) })).status).toBe(
      'SUCCEEDED',
    );
    // 1 of 4 is 25 %, above 24.5.
    expect(await run(distributed({ ToleratedFailurePercentage: 24.5 }), { items: items(1) })).toMatchObject(
      EXCEEDED,
    );
  });

  test('both given: exceeding either fails the Map', async () => {
    const both = distributed({ ToleratedFailureCount: 3, ToleratedFailurePercentage: 25 });
    expect(await run(both, { items: items(2) })).toMatchObject(EXCEEDED);
  });

  test('the Path variants read the state input; Catch can handle the threshold error', async () => {
    const paths = { ToleratedFailureCountPath: '$.count', ToleratedFailurePercentagePath: '$.percentage' };
    expect((await run(distributed(paths), { items: items(1), count: 1, percentage: 50 })).status).toBe(
      'SUCCEEDED',
    );
    expect(await run(distributed(paths), { items: items(2), count: 1, percentage: 50 })).toMatchObject(
      EXCEEDED,
    );
    const caught = distributed(
      {
        ToleratedFailureCount: 0,
        Catch: [{ ErrorEquals: ['States.ExceedToleratedFailureThreshold'], Next: 'Handled' }],
      },
      { Next: 'Handled' },
    );
    expect(await run(caught, { items: items(1) })).toMatchObject({
      status: 'SUCCEEDED',
      output: '"handled"',
    });
  });

  test('a non-integer ToleratedFailureCountPath value fails the execution with States.Runtime', async () => {
    const definition = distributed({ ToleratedFailureCountPath: '$.count' });
    const cause = (v: string) =>
      `The ToleratedFailureCountPath field refers to value "${v}" which is not a valid integer: $.count`;
    for (const [count, text] of [
      [1.5, '1.5'],
      ['NoNumber', 'NoNumber'],
      [{}, '{}'],
    ] as const)
      expect(await run(definition, { items: items(0), count })).toMatchObject({
        status: 'FAILED',
        error: 'States.Runtime',
        cause: cause(text),
      });
    expect(await run(definition, { items: items(0), count: -1 })).toMatchObject({
      error: 'States.Runtime',
      cause: 'ToleratedFailureCount cannot be negative.',
    });
  });

  test('a ToleratedFailurePercentagePath value that is no number, or outside 0–100, fails with States.Runtime', async () => {
    const definition = distributed({ ToleratedFailurePercentagePath: '$.p' });
    expect(await run(definition, { items: items(0), p: 'half' })).toMatchObject({
      status: 'FAILED',
      error: 'States.Runtime',
      cause:
        'The ToleratedFailurePercentagePath field refers to value "half" which is not a valid float: $.p',
    });
    expect(await run(definition, { items: items(0), p: 150 })).toMatchObject({
      error: 'States.Runtime',
      cause: 'ToleratedFailurePercentage must be between 0 and 100.',
    });
    expect((await run(definition, { items: items(1), p: 25.5 })).status).toBe('SUCCEEDED');
  });

  test('a non-integer MaxConcurrencyPath value fails with AWS’s cause; 0 and 1 run', async () => {
    const definition = distributed({ MaxConcurrencyPath: '$.MaxConcurrencyValue' });
    const cause = (v: string) =>
      `The MaxConcurrencyPath field refers to value "${v}" which is not a valid integer: $.MaxConcurrencyValue`;
    for (const [value, text] of [
      [{}, '{}'],
      ['NoNumber', 'NoNumber'],
      [1.5, '1.5'],
    ] as const)
      expect(await run(definition, { items: items(0), MaxConcurrencyValue: value })).toMatchObject({
        status: 'FAILED',
        error: 'States.Runtime',
        cause: cause(text),
      });
    expect(await run(definition, { items: items(0), MaxConcurrencyValue: -1 })).toMatchObject({
      error: 'States.Runtime',
      cause: "Expected non-negative integer for MaxConcurrency, got '-1' instead.",
    });
    for (const value of [0, 1])
      expect((await run(definition, { items: items(0), MaxConcurrencyValue: value })).status).toBe(
        'SUCCEEDED',
      );
  });
});
