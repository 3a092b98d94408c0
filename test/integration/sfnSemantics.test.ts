import { LocalStepFunctions } from '../../local/sfn/engine';
import { MemoryStateStore } from '../../local/sfn/stateStore';
import { ROLE, startLocalSfn, type LocalSfn } from '../support/localSfn';

/**
 * Amazon States Language semantics the local engine gets right (aws-local-stepfunctions 3.0.0 did not; see
 * patches/aws-local-stepfunctions+3.0.0.patch and local/sfn/segmentRunner.ts). Expected values are AWS's:
 * https://docs.aws.amazon.com/step-functions/latest/dg/intrinsic-functions.html,
 * https://docs.aws.amazon.com/step-functions/latest/dg/state-choice.html,
 * https://docs.aws.amazon.com/step-functions/latest/dg/input-output-contextobject.html.
 */
describe('ASL semantics, as AWS runs them', () => {
  let local: LocalSfn;
  let n = 0;
  beforeAll(async () => {
    local = await startLocalSfn({ waitScale: 0.001 });
  });
  afterAll(() => local.close());

  async function run(definition: object, input: unknown = {}) {
    const m = local.engine.createStateMachine({
      name: `semantics-${n++}`,
      definition: JSON.stringify(definition),
      roleArn: ROLE,
    });
    const e = local.engine.startExecution({
      stateMachineArn: m.stateMachineArn,
      input: JSON.stringify(input),
    });
    const done = await local.engine.whenSettled(e.executionArn);
    return { ...done, result: done.output === undefined ? undefined : JSON.parse(done.output), machine: m };
  }
  const pass = (parameters: object) => ({
    StartAt: 'P',
    States: { P: { Type: 'Pass', Parameters: parameters, End: true } },
  });

  test('IsNull, IsPresent, IsNumeric, IsString, IsBoolean, IsTimestamp set to false match values that are not so', async () => {
    const rule = (op: string) => ({
      Type: 'Choice',
      Choices: [{ Variable: op === 'IsPresent' ? '$.missing' : '$.v', [op]: false, Next: 'Yes' }],
      Default: 'No',
    });
    for (const op of ['IsNull', 'IsPresent', 'IsNumeric', 'IsString', 'IsBoolean', 'IsTimestamp']) {
      const { result } = await run(
        {
          StartAt: 'C',
          States: {
            C: rule(op),
            Yes: { Type: 'Pass', Result: 'matched', End: true },
            No: { Type: 'Pass', Result: 'not matched', End: true },
          },
        },
        // An object is none of null, number, string, boolean or timestamp.
        { v: { an: 'object' } },
      );
      expect({ op, result }).toEqual({ op, result: 'matched' });
    }
  });

  test('States.MathAdd rounds non-integer arguments to the nearest integer (111 + -1 = 110; 2.6 + 1.4 = 4)', async () => {
    const { result } = await run(
      pass({ 'a.$': 'States.MathAdd($.x, $.step)', 'b.$': 'States.MathAdd($.f, $.g)' }),
      {
        x: 111,
        step: -1,
        f: 2.6,
        g: 1.4,
      },
    );
    expect(result).toEqual({ a: 110, b: 4 });
  });

  test('States.StringSplit splits on each delimiting character and keeps no empty strings', async () => {
    const { result } = await run(
      pass({
        'many.$': 'States.StringSplit($.s, $.splitter)',
        'empties.$': "States.StringSplit($.csv, ',')",
      }),
      { s: 'This.is+a,test=string', splitter: '.+,=', csv: ',1,,2,' },
    );
    expect(result).toEqual({ many: ['This', 'is', 'a', 'test', 'string'], empties: ['1', '2'] });
  });

  test('a Fail state without Error or Cause fails the execution with neither', async () => {
    const done = await run({ StartAt: 'F', States: { F: { Type: 'Fail' } } });
    expect(done.status).toBe('FAILED');
    expect(done.error).toBeUndefined();
    expect(done.cause).toBeUndefined();
  });

  test('$$ has Execution (Id, Name, Input, StartTime, RoleArn) and StateMachine (Id, Name), also after a Wait', async () => {
    const done = await run(
      {
        StartAt: 'W',
        States: {
          W: { Type: 'Wait', Seconds: 1, Next: 'P' },
          P: {
            Type: 'Pass',
            Parameters: {
              'execution.$': '$$.Execution',
              'machine.$': '$$.StateMachine',
            },
            End: true,
          },
        },
      },
      { original: true },
    );
    expect(done.result).toEqual({
      execution: {
        Id: done.executionArn,
        Name: done.name,
        Input: { original: true },
        StartTime: new Date(done.startDate).toISOString(),
        RoleArn: ROLE,
        RedriveCount: 0,
      },
      machine: { Id: done.machine.stateMachineArn, Name: done.machine.name },
    });
  });

  test('States.Format takes an object argument and renders it as AWS does', async () => {
    // AWS renders objects as {key=value, …} and arrays as [a, b] (recorded against AWS in LocalStack's
    // snapshot tests, services/stepfunctions/…/string_format.py).
    const { status, result } = await run(pass({ 'text.$': "States.Format('got {} and {}', $.o, $.n)" }), {
      o: { a: 1, b: ['x', 'y'] },
      n: null,
    });
    expect(status).toBe('SUCCEEDED');
    expect(result).toEqual({ text: 'got {a=1, b=[x, y]} and null' });
  });

  test('States.StringToJson of an empty string is null; of invalid JSON, States.Runtime', async () => {
    expect((await run(pass({ 'j.$': 'States.StringToJson($.s)' }), { s: '' })).result).toEqual({ j: null });
    expect(await run(pass({ 'j.$': 'States.StringToJson($.s)' }), { s: '{oops' })).toMatchObject({
      status: 'FAILED',
      error: 'States.Runtime',
    });
  });

  test('a SecondsPath that is not a non-negative integer fails the execution with States.Runtime', async () => {
    const def = { StartAt: 'W', States: { W: { Type: 'Wait', SecondsPath: '$.s', End: true } } };
    for (const s of [1.5, -1, '10'])
      expect(await run(def, { s })).toMatchObject({ status: 'FAILED', error: 'States.Runtime' });
    expect(await run(def, { s: 2 })).toMatchObject({ status: 'SUCCEEDED' });
  });

  test('a Task without TimeoutSeconds does not time out after 60 s (AWS: 99999999 s)', async () => {
    jest.useFakeTimers({ doNotFake: ['nextTick', 'setImmediate', 'queueMicrotask'] });
    try {
      const slow = 'arn:aws:lambda:us-east-1:000000000000:function:slow';
      const engine = new LocalStepFunctions({
        region: 'us-east-1',
        account: '000000000000',
        store: new MemoryStateStore(),
        functions: { [slow]: () => new Promise((resolve) => setTimeout(() => resolve('done'), 120_000)) },
      });
      await engine.start();
      const m = engine.createStateMachine({
        name: 'slow-task',
        roleArn: ROLE,
        definition: JSON.stringify({
          StartAt: 'T',
          States: { T: { Type: 'Task', Resource: slow, End: true } },
        }),
      });
      const e = engine.startExecution({ stateMachineArn: m.stateMachineArn });
      await jest.advanceTimersByTimeAsync(121_000);
      jest.useRealTimers();
      expect(await engine.whenSettled(e.executionArn)).toMatchObject({
        status: 'SUCCEEDED',
        output: '"done"',
      });
      await engine.close();
    } finally {
      jest.useRealTimers();
    }
  });
});
