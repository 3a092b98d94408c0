import { parseMockConfig } from '../../local/sfn/mockConfig';
import { fnArn, ROLE, startLocalSfn, type LocalSfn } from '../support/localSfn';

/**
 * Step Functions Local's mock file writes a Lambda answer as Lambda's Invoke response ("Using mocked service
 * integrations for testing in Step Functions Local": `"Return": { "StatusCode": 200, "Payload": { … } }`,
 * https://docs.aws.amazon.com/step-functions/latest/dg/sfn-local-mock-cfg-file.html). A Task whose Resource is the
 * function's ARN passes on the payload alone; `arn:aws:states:::lambda:invoke` passes on the whole response
 * ("Invoke an AWS Lambda function with Step Functions": the optimized integration's output has the Payload field;
 * LocalStack's state_task_lambda.py: "In lambda invocations, only payload is passed on as output").
 */
const FN = fnArn('mockedOnly');
const INVOKE_RESPONSE = { StatusCode: 200, Payload: { StatusCode: 200, body: 'Hello from Lambda!' } };

describe('a mocked Lambda task', () => {
  let local: LocalSfn;
  beforeAll(async () => {
    local = await startLocalSfn({
      mockConfig: parseMockConfig({
        StateMachines: {
          direct: { TestCases: { Happy: { L: 'InvokeShaped' }, Plain: { L: 'PlainObject' } } },
          optimized: { TestCases: { Happy: { L: 'InvokeShaped' } } },
        },
        MockedResponses: {
          InvokeShaped: { '0': { Return: INVOKE_RESPONSE } },
          PlainObject: { '0': { Return: { healthy: true } } },
        },
      }),
    });
  });
  afterAll(() => local.close());

  async function run(name: string, state: object, testCase: string) {
    const arn = `arn:aws:states:us-east-1:000000000000:stateMachine:${name}`;
    if (!local.engine.listStateMachines().some((m) => m.stateMachineArn === arn))
      local.engine.createStateMachine({
        name,
        definition: JSON.stringify({ StartAt: 'L', States: { L: { ...state, End: true } } }),
        roleArn: ROLE,
      });
    const e = local.engine.startExecution({ stateMachineArn: `${arn}#${testCase}`, input: '{}' });
    const done = await local.engine.whenSettled(e.executionArn);
    const succeeded = local.engine
      .history(e.executionArn)
      .find((ev) => ev.type === 'LambdaFunctionSucceeded');
    return { done, succeeded };
  }

  test('by its function ARN: the state output is the mocked Payload, as LambdaFunctionSucceeded logs it', async () => {
    const { done, succeeded } = await run('direct', { Type: 'Task', Resource: FN }, 'Happy');
    expect(done.status).toBe('SUCCEEDED');
    expect(JSON.parse(done.output!)).toEqual(INVOKE_RESPONSE.Payload);
    expect(succeeded?.lambdaFunctionSucceededEventDetails).toMatchObject({
      output: JSON.stringify(INVOKE_RESPONSE.Payload),
    });
  });

  test('by its function ARN with a plain mocked object: the object itself', async () => {
    const { done } = await run('direct', { Type: 'Task', Resource: FN }, 'Plain');
    expect(JSON.parse(done.output!)).toEqual({ healthy: true });
  });

  test('through lambda:invoke: the whole Invoke response', async () => {
    const { done } = await run(
      'optimized',
      { Type: 'Task', Resource: 'arn:aws:states:::lambda:invoke', Parameters: { FunctionName: FN } },
      'Happy',
    );
    expect(JSON.parse(done.output!)).toEqual(INVOKE_RESPONSE);
  });
});
