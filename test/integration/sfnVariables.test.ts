import { CreateStateMachineCommand } from '@aws-sdk/client-sfn';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { LocalStepFunctions } from '../../local/sfn/engine';
import { FileStateStore } from '../../local/sfn/stateStore';
import { fnArn, ROLE, startLocalSfn, type LocalSfn } from '../support/localSfn';
import { runMachine } from '../support/sfnRun';

/**
 * Workflow variables through the real SDK, as "Passing data between states with variables" documents them
 * (https://docs.aws.amazon.com/step-functions/latest/dg/workflow-variables.html) and "Transforming data with
 * JSONata in Step Functions" shows for JSONPath states (…/transforming-data.html).
 */
const ECHO = fnArn('echo');
const BOOM = fnArn('boom');

describe('workflow variables (JSONPath)', () => {
  let local: LocalSfn;
  beforeAll(async () => {
    local = await startLocalSfn({
      retryDelayMs: 1,
      waitScale: 0.001,
      functions: {
        [ECHO]: async (input) => input,
        [BOOM]: async () => {
          throw Object.assign(new Error('it broke'), { name: 'Boom' });
        },
      },
    });
  });
  afterAll(() => local.close());

  test("AWS's Parameters example: `name.$: $customerName` reads the variable, a key without .$ stays literal", async () => {
    // transforming-data.html: input {"title": "Doctor"}, customerName "María".
    const run = await runMachine(
      local,
      {
        StartAt: 'Set',
        States: {
          Set: { Type: 'Pass', Assign: { customerName: 'María' }, Next: 'Use' },
          Use: {
            Type: 'Pass',
            Parameters: {
              static: 'Hello',
              'title.$': '$.title',
              'name.$': '$customerName',
              'not-evaluated': '$customerName',
            },
            End: true,
          },
        },
      },
      { title: 'Doctor' },
    );
    expect(run.output).toEqual({
      static: 'Hello',
      title: 'Doctor',
      name: 'María',
      'not-evaluated': '$customerName',
    });
  });

  test('$theAnswer is the variable, not a path into the input: Choice, Wait, intrinsics and Fail read it', async () => {
    const run = await runMachine(
      local,
      {
        StartAt: 'Set',
        States: {
          Set: { Type: 'Pass', Assign: { theAnswer: 42, delay: { s: 1 }, why: 'because' }, Next: 'Wait' },
          Wait: { Type: 'Wait', SecondsPath: '$delay.s', Next: 'Check' },
          Check: {
            Type: 'Choice',
            Choices: [{ Variable: '$theAnswer', NumericEquals: 42, Next: 'Say' }],
            Default: 'Wrong',
          },
          Say: {
            Type: 'Pass',
            Parameters: { 'text.$': "States.Format('the answer is {}', $theAnswer)" },
            Next: 'Fail',
          },
          Wrong: { Type: 'Succeed' },
          Fail: { Type: 'Fail', ErrorPath: '$why', CausePath: '$.text' },
        },
      },
      { theAnswer: 'not this one' },
    );
    expect(run).toMatchObject({ status: 'FAILED', error: 'because', cause: 'the answer is 42' });
  });

  test('an Assign reads the variables as they were when the state was entered, and `$` is the result', async () => {
    const run = await runMachine(local, {
      StartAt: 'One',
      States: {
        One: { Type: 'Pass', Assign: { x: 1 }, Next: 'Two' },
        Two: {
          Type: 'Task',
          Resource: ECHO,
          Parameters: { value: 10 },
          Assign: { x: 2, 'previous.$': '$x', 'fromResult.$': '$.value' },
          ResultPath: '$.task',
          Next: 'Show',
        },
        Show: {
          Type: 'Pass',
          Parameters: { 'x.$': '$x', 'previous.$': '$previous', 'fromResult.$': '$fromResult' },
          End: true,
        },
      },
    });
    expect(run).toMatchObject({ status: 'SUCCEEDED', output: { x: 2, previous: 1, fromResult: 10 } });
  });

  test('an Assign whose value is a literal null is accepted at creation and assigns null', async () => {
    const run = await runMachine(local, {
      StartAt: 'Set',
      States: {
        Set: { Type: 'Pass', Assign: { nothing: null, nested: { inner: null } }, Next: 'Show' },
        Show: { Type: 'Pass', Parameters: { 'nothing.$': '$nothing', 'nested.$': '$nested' }, End: true },
      },
    });
    expect(run.output).toEqual({ nothing: null, nested: { inner: null } });
  });

  test('Map iterations read outer variables; what they assign stays inside (the output carries it out)', async () => {
    const run = await runMachine(
      local,
      {
        StartAt: 'Set',
        States: {
          Set: { Type: 'Pass', Assign: { factor: 10 }, Next: 'Each' },
          Each: {
            Type: 'Map',
            ItemsPath: '$.items',
            ItemProcessor: {
              ProcessorConfig: { Mode: 'INLINE' },
              StartAt: 'Inner',
              States: {
                Inner: { Type: 'Pass', Assign: { mine: 'inside' }, Next: 'Use' },
                Use: {
                  Type: 'Pass',
                  Parameters: { 'item.$': '$', 'factor.$': '$factor', 'mine.$': '$mine' },
                  End: true,
                },
              },
            },
            Next: 'After',
          },
          After: { Type: 'Pass', Parameters: { 'results.$': '$', 'mine.$': '$mine' }, End: true },
        },
      },
      { items: [1, 2] },
    );
    // `$mine` is not defined outside the iteration: reading it fails the execution.
    expect(run).toMatchObject({ status: 'FAILED', error: 'States.Runtime' });
    expect(run.cause).toContain('$mine');
    const exited = run.events.find((e) => e.stateExitedEventDetails?.name === 'Each');
    expect(JSON.parse(exited!.stateExitedEventDetails!.output!)).toEqual([
      { item: 1, factor: 10, mine: 'inside' },
      { item: 2, factor: 10, mine: 'inside' },
    ]);
  });

  test('a Parallel branch that assigns a variable of the outer scope fails with States.Runtime', async () => {
    const run = await runMachine(local, {
      StartAt: 'Set',
      States: {
        Set: { Type: 'Pass', Assign: { total: 0 }, Next: 'Both' },
        Both: {
          Type: 'Parallel',
          Branches: [
            {
              StartAt: 'Read',
              States: { Read: { Type: 'Pass', Parameters: { 'total.$': '$total' }, End: true } },
            },
            { StartAt: 'Write', States: { Write: { Type: 'Pass', Assign: { total: 1 }, End: true } } },
          ],
          End: true,
        },
      },
    });
    expect(run).toMatchObject({ status: 'FAILED', error: 'States.Runtime' });
    expect(run.cause).toContain("'total'");
  });

  test("a Catch's Assign sees the error output as `$`; a Choice rule's Assign runs when it matches", async () => {
    const run = await runMachine(local, {
      StartAt: 'Try',
      States: {
        Try: {
          Type: 'Task',
          Resource: BOOM,
          Catch: [
            {
              ErrorEquals: ['States.ALL'],
              Assign: { 'failure.$': '$.Error' },
              ResultPath: '$.err',
              Next: 'Route',
            },
          ],
          End: true,
        },
        Route: {
          Type: 'Choice',
          Assign: { rule: 'default' },
          Choices: [
            { Variable: '$failure', StringEquals: 'Nope', Assign: { rule: 'first' }, Next: 'Done' },
            { Variable: '$failure', StringEquals: 'Boom', Assign: { rule: 'second' }, Next: 'Done' },
          ],
        },
        Done: {
          Type: 'Pass',
          Parameters: {
            'failure.$': '$failure',
            'rule.$': '$rule',
            'cause.$': '$.err.Cause',
          },
          End: true,
        },
      },
    });
    expect(run).toMatchObject({
      status: 'SUCCEEDED',
      output: { failure: 'Boom', rule: 'second', cause: 'it broke' },
    });
  });

  test("the history's StateExited events carry what each state assigned, as JSON text", async () => {
    const run = await runMachine(
      local,
      {
        StartAt: 'Set',
        States: {
          Set: { Type: 'Pass', Assign: { n: 42, s: 'text', o: { a: [1, null] } }, Next: 'Route' },
          Route: {
            Type: 'Choice',
            Choices: [{ Variable: '$.go', BooleanEquals: true, Assign: { route: 'rule' }, Next: 'Pause' }],
            Assign: { route: 'default' },
            Default: 'Pause',
          },
          Pause: { Type: 'Wait', Seconds: 1, Assign: { 'paused.$': '$route' }, Next: 'Plain' },
          Plain: { Type: 'Pass', End: true },
        },
      },
      { go: false },
    );
    expect(run.status).toBe('SUCCEEDED');
    const assigned = Object.fromEntries(
      run.events
        .filter((e) => e.stateExitedEventDetails)
        .map((e) => [e.stateExitedEventDetails!.name, e.stateExitedEventDetails!.assignedVariables]),
    );
    expect(assigned).toEqual({
      Set: { n: '42', s: '"text"', o: '{"a":[1,null]}' },
      Route: { route: '"default"' },
      Pause: { paused: '"default"' },
      Plain: undefined,
    });
  });

  test('variables outlive a top-level Wait (the segment boundary, kept in the checkpoint)', async () => {
    const run = await runMachine(local, {
      StartAt: 'Set',
      States: {
        Set: { Type: 'Pass', Assign: { kept: 'before the wait' }, Next: 'Pause' },
        Pause: { Type: 'Wait', Seconds: 5, Assign: { atWait: '$kept', 'copy.$': '$kept' }, Next: 'Show' },
        Show: {
          Type: 'Pass',
          Parameters: { 'kept.$': '$kept', 'atWait.$': '$atWait', 'copy.$': '$copy' },
          End: true,
        },
      },
    });
    expect(run.output).toEqual({ kept: 'before the wait', atWait: '$kept', copy: 'before the wait' });
  });

  test('a variable name that is not an identifier is refused at creation, naming it', async () => {
    await expect(
      local.sfn.send(
        new CreateStateMachineCommand({
          name: 'badVariable',
          roleArn: ROLE,
          definition: JSON.stringify({
            StartAt: 'P',
            States: { P: { Type: 'Pass', Assign: { '1st': 1 }, End: true } },
          }),
        }),
      ),
    ).rejects.toMatchObject({ name: 'InvalidDefinition', message: expect.stringContaining('1st') });
  });
});

test('variables assigned before a Wait are there after a restart on the file store', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'sfn-variables-'));
  const engineOn = async () => {
    const engine = new LocalStepFunctions({
      region: 'us-east-1',
      account: '000000000000',
      store: new FileStateStore(dir),
      functions: {},
      waitScale: 0.001,
    });
    await engine.start();
    return engine;
  };
  const first = await engineOn();
  const { stateMachineArn } = first.createStateMachine({
    name: 'remember',
    roleArn: ROLE,
    definition: JSON.stringify({
      StartAt: 'Set',
      States: {
        Set: { Type: 'Pass', Assign: { 'who.$': '$.who' }, Next: 'Sleep' },
        // 10 minutes, a tenth of a second at this scale: long enough to close the engine in between.
        Sleep: { Type: 'Wait', Seconds: 600, Next: 'Greet' },
        Greet: { Type: 'Pass', Parameters: { 'greeting.$': "States.Format('Hello, {}', $who)" }, End: true },
      },
    }),
  });
  const { executionArn } = first.startExecution({ stateMachineArn, input: JSON.stringify({ who: 'María' }) });
  await new Promise((r) => setTimeout(r, 20));
  expect(first.describeExecution(executionArn).status).toBe('RUNNING');
  await first.close();

  const second = await engineOn();
  const done = await second.whenSettled(executionArn);
  expect(done.status).toBe('SUCCEEDED');
  expect(JSON.parse(done.output!)).toEqual({ greeting: 'Hello, María' });
  await second.close();
});
