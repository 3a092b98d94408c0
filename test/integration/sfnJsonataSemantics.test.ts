import { fnArn, startLocalSfn, type LocalSfn } from '../support/localSfn';
import { runMachine } from '../support/sfnRun';

/**
 * Two JSONata semantics AWS documents, through the real SDK:
 * - "Assign and Output steps occur in parallel. If you choose to transform data during variable assignment, that
 *   transformed data will not be available in the Output step." ("Transforming data with JSONata in Step
 *   Functions", https://docs.aws.amazon.com/step-functions/latest/dg/transforming-data.html)
 * - "Failure to return a result - JSON cannot represent an undefined value expression, so the expression
 *   {% $data.thisFieldDoesNotExist %} would result in an error. In each case, the interpreter will throw the
 *   error: States.QueryEvaluationError." (same page, "Handling expression errors"). The cause names the expression
 *   without its {% %} and the field as a path below the state, as AWS recorded it in LocalStack's
 *   tests/aws/services/stepfunctions/v2/assign/test_assign_reference_variables.snapshot.json
 *   (test_undefined_reference, aws.validated): "An error occurred while executing the state 'State0' (entered at
 *   the event id #2). The JSONata expression '$doesNotExist' specified for the field 'Output/result' returned
 *   nothing (undefined)." The tests here check the sentence after the state prefix (`toContain`); the prefix
 *   and the EvaluationFailed event AWS logs before ExecutionFailed are checked in sfnJsonataConformance.test.ts.
 */
const ECHO = fnArn('echo');
const JSONATA = { QueryLanguage: 'JSONata' };
const undefinedCause = (field: string) =>
  `The JSONata expression '$states.input.missing' specified for the field '${field}' returned nothing (undefined).`;

describe('JSONata: Assign beside Output, and expressions that return nothing', () => {
  let local: LocalSfn;
  beforeAll(async () => {
    local = await startLocalSfn({
      retryDelayMs: 1,
      waitScale: 0.001,
      functions: { [ECHO]: async (input) => ({ echoed: input }) },
    });
  });
  afterAll(() => local.close());

  test("a state's Output reads its variables as they were on entry, not what its own Assign sets", async () => {
    const run = await runMachine(local, {
      ...JSONATA,
      StartAt: 'First',
      States: {
        First: { Type: 'Pass', Assign: { count: 1 }, Next: 'Bump' },
        Bump: {
          Type: 'Task',
          Resource: ECHO,
          Arguments: { n: '{% $count %}' },
          Assign: { count: '{% $count + 10 %}', seen: '{% $states.result.echoed.n %}' },
          Output: { countInOutput: '{% $count %}', seenDefined: '{% $exists($seen) %}' },
          Next: 'After',
        },
        After: {
          Type: 'Pass',
          Output: { before: '{% $states.input %}', count: '{% $count %}', seen: '{% $seen %}' },
          End: true,
        },
      },
    });
    expect(run).toMatchObject({
      status: 'SUCCEEDED',
      output: { before: { countInOutput: 1, seenDefined: false }, count: 11, seen: 1 },
    });
  });

  test('the same holds for a Catch: its Output does not see what its Assign sets', async () => {
    const run = await runMachine(local, {
      ...JSONATA,
      StartAt: 'Try',
      States: {
        Try: {
          Type: 'Task',
          Resource: ECHO,
          Arguments: '{% $states.input.missing %}',
          Catch: [
            {
              ErrorEquals: ['States.QueryEvaluationError'],
              Assign: { caught: true },
              Output: { caughtInOutput: '{% $exists($caught) %}' },
              Next: 'After',
            },
          ],
          End: true,
        },
        After: {
          Type: 'Pass',
          Output: { before: '{% $states.input %}', caught: '{% $caught %}' },
          End: true,
        },
      },
    });
    expect(run).toMatchObject({
      status: 'SUCCEEDED',
      output: { before: { caughtInOutput: false }, caught: true },
    });
  });

  const nothing: Array<[string, object, string]> = [
    ['a whole Output', { Type: 'Pass', Output: '{% $states.input.missing %}', End: true }, 'Output'],
    [
      'a nested Arguments key',
      {
        Type: 'Task',
        Resource: ECHO,
        Arguments: { Input: { pushLocation: '{% $states.input.missing %}' } },
        End: true,
      },
      'Arguments/Input/pushLocation',
    ],
    [
      'an array element of Output',
      { Type: 'Pass', Output: { list: [1, '{% $states.input.missing %}'] }, End: true },
      'Output/list[1]',
    ],
    ['an Assign', { Type: 'Pass', Assign: { x: '{% $states.input.missing %}' }, End: true }, 'Assign/x'],
    [
      "a Choice rule's Condition",
      {
        Type: 'Choice',
        Choices: [
          { Condition: '{% false %}', Next: 'Done' },
          { Condition: '{% $states.input.missing %}', Next: 'Done' },
        ],
        Default: 'Done',
      },
      'Choices[1]/Condition',
    ],
    ['a Wait Seconds', { Type: 'Wait', Seconds: '{% $states.input.missing %}', End: true }, 'Seconds'],
    ['a Fail Error', { Type: 'Fail', Error: '{% $states.input.missing %}', Cause: 'c' }, 'Error'],
  ];
  test.each(nothing)(
    'an expression that returns nothing in %s fails with States.QueryEvaluationError naming the field',
    async (_, state, field) => {
      const run = await runMachine(local, {
        ...JSONATA,
        StartAt: 'S',
        // Done only where a Choice names it: an unreachable state is refused at creation.
        States: {
          S: state,
          ...(JSON.stringify(state).includes('"Done"') ? { Done: { Type: 'Succeed' } } : {}),
        },
      });
      expect(run).toMatchObject({ status: 'FAILED', error: 'States.QueryEvaluationError' });
      expect(run.cause).toContain(undefinedCause(field));
    },
  );

  test("a matched Choice rule's Assign is named under the rule", async () => {
    const run = await runMachine(local, {
      ...JSONATA,
      StartAt: 'C',
      States: {
        C: {
          Type: 'Choice',
          Choices: [{ Condition: '{% true %}', Assign: { x: '{% $states.input.missing %}' }, Next: 'Done' }],
          Default: 'Done',
        },
        Done: { Type: 'Succeed' },
      },
    });
    expect(run).toMatchObject({ status: 'FAILED', error: 'States.QueryEvaluationError' });
    expect(run.cause).toContain(undefinedCause('Choices[0]/Assign/x'));
  });

  test('a JSONata null is a value, not nothing', async () => {
    const run = await runMachine(
      local,
      {
        ...JSONATA,
        StartAt: 'P',
        States: { P: { Type: 'Pass', Output: { v: '{% $states.input.bar %}' }, End: true } },
      },
      { bar: null },
    );
    expect(run).toMatchObject({ status: 'SUCCEEDED', output: { v: null } });
  });
});
