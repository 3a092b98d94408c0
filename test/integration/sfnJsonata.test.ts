import { CreateStateMachineCommand, TestStateCommand } from '@aws-sdk/client-sfn';
import { fnArn, ROLE, startLocalSfn, type LocalSfn } from '../support/localSfn';
import { runMachine } from '../support/sfnRun';

/**
 * JSONata states through the real SDK, as "Transforming data with JSONata in Step Functions"
 * (https://docs.aws.amazon.com/step-functions/latest/dg/transforming-data.html) and "Passing data between
 * states with variables" (…/workflow-variables.html) describe them; the npm `jsonata` package evaluates.
 */
const ECHO = fnArn('echo');
const BOOM = fnArn('boom');
const JSONATA = { QueryLanguage: 'JSONata' };

describe('JSONata', () => {
  let local: LocalSfn;
  const calls: unknown[] = [];
  beforeAll(async () => {
    local = await startLocalSfn({
      retryDelayMs: 1,
      waitScale: 0.001,
      functions: {
        [ECHO]: async (input) => {
          calls.push(input);
          return { echoed: input };
        },
        [BOOM]: async () => {
          throw Object.assign(new Error('it broke'), { name: 'Boom' });
        },
      },
    });
  });
  afterAll(() => local.close());

  test("AWS's Arguments example: expressions evaluated, other strings literal, variables as $name", async () => {
    // transforming-data.html: input {"title": "Doctor"}, customerName "María".
    const run = await runMachine(
      local,
      {
        ...JSONATA,
        StartAt: 'Set',
        States: {
          Set: { Type: 'Pass', Assign: { customerName: 'María' }, Next: 'Call' },
          Call: {
            Type: 'Task',
            Resource: ECHO,
            Arguments: {
              static: 'Hello',
              title: '{% $states.input.title %}',
              name: '{% $customerName %}',
              'not-evaluated': '$customerName',
            },
            Output: '{% $states.result.echoed %}',
            End: true,
          },
        },
      },
      { title: 'Doctor' },
    );
    expect(run).toMatchObject({
      status: 'SUCCEEDED',
      output: { static: 'Hello', title: 'Doctor', name: 'María', 'not-evaluated': '$customerName' },
    });
  });

  test('$states.input, result and context; Assign from the result; Output from both', async () => {
    const run = await runMachine(
      local,
      {
        ...JSONATA,
        StartAt: 'Call',
        States: {
          Call: {
            Type: 'Task',
            Resource: ECHO,
            Arguments: { n: '{% $states.input.n * 2 %}' },
            TimeoutSeconds: '{% 3600 %}',
            Assign: { doubled: '{% $states.result.echoed.n %}', original: '{% $states.input.n %}' },
            Output: {
              sum: '{% $states.input.n + $states.result.echoed.n %}',
              execution: '{% $states.context.Execution.Name %}',
              state: '{% $states.context.State.Name %}',
            },
            Next: 'Show',
          },
          Show: {
            Type: 'Pass',
            Output: {
              doubled: '{% $doubled %}',
              original: '{% $original %}',
              sum: '{% $states.input.sum %}',
            },
            End: true,
          },
        },
      },
      { n: 21 },
    );
    expect(run.status).toBe('SUCCEEDED');
    expect(run.output).toEqual({ doubled: 42, original: 21, sum: 63 });
    const started = run.events.find((e) => e.type === 'ExecutionStarted');
    expect(started).toBeDefined();
    const exited = run.events.find((e) => e.stateExitedEventDetails?.name === 'Call');
    expect(JSON.parse(exited!.stateExitedEventDetails!.output!)).toMatchObject({
      sum: 63,
      execution: expect.any(String),
      state: 'Call',
    });
  });

  test('Choice Condition, Wait Seconds as an expression, Fail Error and Cause as expressions', async () => {
    const run = await runMachine(
      local,
      {
        ...JSONATA,
        StartAt: 'Wait',
        States: {
          Wait: { Type: 'Wait', Seconds: '{% $states.input.delay %}', Next: 'Check' },
          Check: {
            Type: 'Choice',
            Choices: [
              { Condition: '{% $states.input.score < 50 %}', Next: 'Low' },
              { Condition: '{% $states.input.score >= 50 %}', Assign: { grade: 'pass' }, Next: 'High' },
            ],
            Default: 'Low',
          },
          Low: { Type: 'Succeed' },
          High: {
            Type: 'Fail',
            Error: "{% 'Grade.' & $grade %}",
            Cause: "{% 'score ' & $string($states.input.score) %}",
          },
        },
      },
      { delay: 3, score: 72 },
    );
    expect(run).toMatchObject({ status: 'FAILED', error: 'Grade.pass', cause: 'score 72' });
  });

  test('Map: Items and ItemSelector with $states.context.Map.Item; iterations read outer variables', async () => {
    const run = await runMachine(
      local,
      {
        ...JSONATA,
        StartAt: 'Set',
        States: {
          Set: { Type: 'Pass', Assign: { unit: 'kg' }, Next: 'Each' },
          Each: {
            Type: 'Map',
            Items: '{% $states.input.weights %}',
            ItemSelector: {
              index: '{% $states.context.Map.Item.Index %}',
              value: '{% $states.context.Map.Item.Value %}',
            },
            ItemProcessor: {
              ProcessorConfig: { Mode: 'INLINE' },
              StartAt: 'Label',
              States: {
                Label: {
                  Type: 'Pass',
                  Output: "{% $string($states.input.index) & ':' & $string($states.input.value) & $unit %}",
                  End: true,
                },
              },
            },
            Output: { labels: '{% $states.result %}', count: '{% $count($states.result) %}' },
            End: true,
          },
        },
      },
      { weights: [3, 5] },
    );
    expect(run).toMatchObject({ status: 'SUCCEEDED', output: { labels: ['0:3kg', '1:5kg'], count: 2 } });
  });

  test('a Wait inside a Map: Seconds from an expression, its Assign and Output in the iteration', async () => {
    const run = await runMachine(
      local,
      {
        ...JSONATA,
        StartAt: 'Each',
        States: {
          Each: {
            Type: 'Map',
            ItemProcessor: {
              ProcessorConfig: { Mode: 'INLINE' },
              StartAt: 'Pause',
              States: {
                Pause: {
                  Type: 'Wait',
                  Seconds: '{% $states.input.s %}',
                  Assign: { waited: '{% $states.input.s %}' },
                  Output: { s: '{% $states.input.s %}', doubled: '{% $states.input.s * 2 %}' },
                  Next: 'Report',
                },
                Report: { Type: 'Pass', Output: '{% $waited %}', End: true },
              },
            },
            End: true,
          },
        },
      },
      [{ s: 1 }, { s: 2 }],
    );
    expect({ status: run.status, cause: run.cause }).toEqual({ status: 'SUCCEEDED', cause: undefined });
    expect(run.output).toEqual([1, 2]);
    const exits = run.events.filter((e) => e.stateExitedEventDetails?.name === 'Pause');
    expect(exits.map((e) => JSON.parse(e.stateExitedEventDetails!.output!) as unknown)).toEqual(
      expect.arrayContaining([
        { s: 1, doubled: 2 },
        { s: 2, doubled: 4 },
      ]),
    );
  });

  test('Catch Output and Assign read $states.errorOutput', async () => {
    const run = await runMachine(local, {
      ...JSONATA,
      StartAt: 'Try',
      States: {
        Try: {
          Type: 'Task',
          Resource: BOOM,
          Retry: [{ ErrorEquals: ['Boom'], MaxAttempts: 1 }],
          Catch: [
            {
              ErrorEquals: ['States.ALL'],
              Assign: { lastError: '{% $states.errorOutput.Error %}' },
              Output: { caught: '{% $states.errorOutput.Cause %}' },
              Next: 'Done',
            },
          ],
          End: true,
        },
        Done: {
          Type: 'Pass',
          Output: { caught: '{% $states.input.caught %}', lastError: '{% $lastError %}' },
          End: true,
        },
      },
    });
    expect(run).toMatchObject({ status: 'SUCCEEDED', output: { caught: 'it broke', lastError: 'Boom' } });
    expect(run.events.filter((e) => e.type === 'LambdaFunctionFailed')).toHaveLength(2);
  });

  test('a JSONata expression that fails is States.QueryEvaluationError, which Catch can match', async () => {
    const run = await runMachine(local, {
      ...JSONATA,
      StartAt: 'Bad',
      States: {
        Bad: {
          Type: 'Task',
          Resource: ECHO,
          Output: '{% $states.result.missing %}',
          Catch: [{ ErrorEquals: ['States.QueryEvaluationError'], Next: 'Caught' }],
          End: true,
        },
        Caught: { Type: 'Pass', End: true },
      },
    });
    expect(run.status).toBe('SUCCEEDED');
    expect(run.output).toMatchObject({ Error: 'States.QueryEvaluationError' });
  });

  test('a JSONPath machine with one JSONata state: data flows both ways, variables shared', async () => {
    const run = await runMachine(
      local,
      {
        StartAt: 'Path',
        States: {
          Path: { Type: 'Pass', Parameters: { 'a.$': '$.a' }, Assign: { 'fromPath.$': '$.a' }, Next: 'Ata' },
          Ata: {
            Type: 'Pass',
            QueryLanguage: 'JSONata',
            Output: { b: '{% $states.input.a + 1 %}' },
            Assign: { fromAta: '{% $fromPath * 10 %}' },
            Next: 'Back',
          },
          Back: { Type: 'Pass', Parameters: { 'b.$': '$.b', 'fromAta.$': '$fromAta' }, End: true },
        },
      },
      { a: 1 },
    );
    expect(run).toMatchObject({ status: 'SUCCEEDED', output: { b: 2, fromAta: 10 } });
  });

  test('Parallel Arguments is the branches input; Output shapes the result', async () => {
    const run = await runMachine(local, {
      ...JSONATA,
      StartAt: 'Both',
      States: {
        Both: {
          Type: 'Parallel',
          Arguments: { x: 2 },
          Branches: [
            {
              StartAt: 'Sq',
              States: { Sq: { Type: 'Pass', Output: '{% $states.input.x * $states.input.x %}', End: true } },
            },
            {
              StartAt: 'Neg',
              States: { Neg: { Type: 'Pass', Output: '{% -$states.input.x %}', End: true } },
            },
          ],
          Output: '{% $sum($states.result) %}',
          End: true,
        },
      },
    });
    expect(run).toMatchObject({ status: 'SUCCEEDED', output: 2 });
  });

  // "The output field accepts any JSON value (object, array, string, number, boolean, null)" (AWS CDK's
  // JsonataStateProps, https://docs.aws.amazon.com/cdk/api/v2/python/aws_cdk.aws_stepfunctions/JsonataStateProps.html).
  test.each([
    ['a string', 'plain text', 'plain text'],
    ['a number', 12.5, 12.5],
    ['null', null, null],
    ['an array with an expression in it', [1, '{% 1 + 1 %}', '$.not.a.path'], [1, 2, '$.not.a.path']],
  ])('Output may be any JSON value: %s', async (_, Output, expected) => {
    const run = await runMachine(local, {
      ...JSONATA,
      StartAt: 'P',
      States: { P: { Type: 'Pass', Output, End: true } },
    });
    expect(run).toMatchObject({ status: 'SUCCEEDED', output: expected });
  });

  test("a Choice rule's Output is the state's output when the rule matches; the state's own goes with Default", async () => {
    const definition = {
      ...JSONATA,
      StartAt: 'C',
      States: {
        C: {
          Type: 'Choice',
          Choices: [{ Condition: '{% $states.input.yes %}', Output: 'rule', Next: 'S' }],
          Output: 'default',
          Default: 'S',
        },
        S: { Type: 'Succeed' },
      },
    };
    expect((await runMachine(local, definition, { yes: true })).output).toBe('rule');
    expect((await runMachine(local, definition, { yes: false })).output).toBe('default');
  });

  test('TestState runs a JSONata state on its own and names the next state', async () => {
    const answer = await local.sfn.send(
      new TestStateCommand({
        roleArn: ROLE,
        definition: JSON.stringify({
          Type: 'Choice',
          QueryLanguage: 'JSONata',
          Choices: [
            { Condition: '{% $states.input.a > 1 %}', Output: { big: '{% $states.input.a %}' }, Next: 'Big' },
          ],
          Default: 'Small',
        }),
        input: JSON.stringify({ a: 21 }),
      }),
    );
    expect(answer).toMatchObject({ status: 'SUCCEEDED', nextState: 'Big' });
    expect(JSON.parse(answer.output!)).toEqual({ big: 21 });
  });

  const refused: Array<[string, object, string]> = [
    [
      'a JSONPath field in a JSONata state',
      { ...JSONATA, StartAt: 'P', States: { P: { Type: 'Pass', InputPath: '$.a', End: true } } },
      'InputPath',
    ],
    [
      'Arguments in a JSONPath state',
      { StartAt: 'P', States: { P: { Type: 'Task', Resource: ECHO, Arguments: { a: 1 }, End: true } } },
      'Arguments',
    ],
    [
      'a JSONPath state in a JSONata machine',
      { ...JSONATA, StartAt: 'P', States: { P: { Type: 'Pass', QueryLanguage: 'JSONPath', End: true } } },
      'QueryLanguage',
    ],
    [
      'a JSONata expression that does not parse',
      {
        ...JSONATA,
        StartAt: 'P',
        States: { P: { Type: 'Pass', Output: '{% $states.input. %}', End: true } },
      },
      'Output',
    ],
    [
      'a Catch ResultPath in a JSONata state',
      {
        ...JSONATA,
        StartAt: 'T',
        States: {
          T: {
            Type: 'Task',
            Resource: ECHO,
            Catch: [{ ErrorEquals: ['States.ALL'], ResultPath: '$.e', Next: 'S' }],
            End: true,
          },
          S: { Type: 'Succeed' },
        },
      },
      'ResultPath',
    ],
  ];
  test.each(refused)('CreateStateMachine refuses %s, naming the field', async (_, definition, field) => {
    await expect(
      local.sfn.send(
        new CreateStateMachineCommand({
          name: `refused-${field}`,
          roleArn: ROLE,
          definition: JSON.stringify(definition),
        }),
      ),
    ).rejects.toMatchObject({ name: 'InvalidDefinition', message: expect.stringContaining(field) });
  });
});
