import {
  CreateStateMachineCommand,
  GetExecutionHistoryCommand,
  StartExecutionCommand,
} from '@aws-sdk/client-sfn';
import type { Server } from 'node:http';
import { ensureMeetingsTable, startDynalite, type LocalDynamo } from '../../local/dynamo';
import { lambdaApi } from '../../local/lambdaApi';
import { parseMockConfig } from '../../local/sfn/mockConfig';
import { listen } from '../../local/sfn/server';
import { fnArn, ROLE, startLocalSfn, type LocalSfn } from '../support/localSfn';

const IN_PROCESS = fnArn('inProcess');
const REMOTE = fnArn('remote');
const task = (Resource: string, extra: object = {}) => ({ Type: 'Task', Resource, End: true, ...extra });
const one = (state: object) => ({ StartAt: 'T', States: { T: state } });

describe('Task resources', () => {
  let local: LocalSfn;
  let dynamo: LocalDynamo;
  let lambdaServer: Server;

  beforeAll(async () => {
    dynamo = await startDynalite({ port: 0 });
    await ensureMeetingsTable(dynamo.client, 'meetings');
    // A Lambda Invoke API in another "process": the function is not registered in the engine.
    const lambda = await listen(
      lambdaApi({
        [REMOTE]: async (input) => {
          if ((input as { fail?: boolean }).fail)
            throw Object.assign(new Error('remote says no'), { name: 'RemoteError' });
          return { remote: input };
        },
      }),
      0,
    );
    lambdaServer = lambda.server;
    local = await startLocalSfn({
      functions: { [IN_PROCESS]: async (input) => ({ got: input }) },
      lambdaEndpoint: lambda.url,
      dynamodbEndpoint: dynamo.endpoint,
      mockConfig: parseMockConfig({
        StateMachines: { 'mocked-sqs': { TestCases: { Sent: { T: 'SentOk' } } } },
        MockedResponses: { SentOk: { '0': { Return: { MessageId: 'm-1', MD5OfMessageBody: 'x' } } } },
      }),
    });
  });
  afterAll(async () => {
    await local.close();
    lambdaServer.closeAllConnections();
    await new Promise((r) => lambdaServer.close(r));
    await dynamo.close();
  });

  async function run(name: string, definition: object, input: unknown = {}, testCase?: string) {
    const { stateMachineArn } = await local.sfn.send(
      new CreateStateMachineCommand({ name, definition: JSON.stringify(definition), roleArn: ROLE }),
    );
    const { executionArn } = await local.sfn.send(
      new StartExecutionCommand({
        stateMachineArn: testCase ? `${stateMachineArn}#${testCase}` : stateMachineArn,
        input: JSON.stringify(input),
      }),
    );
    const done = await local.engine.whenSettled(executionArn!);
    const events = (await local.sfn.send(new GetExecutionHistoryCommand({ executionArn }))).events!;
    return { done, events, types: events.map((e) => e.type), output: done.output && JSON.parse(done.output) };
  }

  test('any ARN is accepted at CreateStateMachine, as AWS accepts it', async () => {
    for (const [i, resource] of [
      'arn:aws:states:::lambda:invoke',
      'arn:aws:states:::dynamodb:putItem',
      'arn:aws:states:::sqs:sendMessage',
      'arn:aws:states:::sns:publish',
      'arn:aws:states:us-east-1:000000000000:activity:approve',
      fnArn('notRegisteredAnywhere'),
      `${fnArn('qualified')}:live`,
    ].entries()) {
      await expect(
        local.sfn.send(
          new CreateStateMachineCommand({
            name: `accepts-${i}`,
            definition: JSON.stringify(one(task(resource))),
            roleArn: ROLE,
          }),
        ),
      ).resolves.toHaveProperty('stateMachineArn');
    }
  });

  test('a direct Lambda ARN answers the function result and logs LambdaFunction* events', async () => {
    const { output, types } = await run('direct', one(task(IN_PROCESS)), { a: 1 });
    expect(output).toEqual({ got: { a: 1 } });
    expect(types).toEqual([
      'ExecutionStarted',
      'TaskStateEntered',
      'LambdaFunctionScheduled',
      'LambdaFunctionStarted',
      'LambdaFunctionSucceeded',
      'TaskStateExited',
      'ExecutionSucceeded',
    ]);
  });

  test('lambda:invoke sends Payload and answers the Invoke shape, logging Task* events', async () => {
    const { output, events, types } = await run(
      'invoke',
      one(
        task('arn:aws:states:::lambda:invoke', {
          Parameters: { FunctionName: IN_PROCESS, 'Payload.$': '$.payload' },
        }),
      ),
      { payload: { b: 2 } },
    );
    expect(output).toMatchObject({
      ExecutedVersion: '$LATEST',
      Payload: { got: { b: 2 } },
      StatusCode: 200,
      SdkHttpMetadata: { HttpStatusCode: 200 },
      SdkResponseMetadata: { RequestId: expect.any(String) },
    });
    expect(Object.keys(output).sort()).toEqual([
      'ExecutedVersion',
      'Payload',
      'SdkHttpMetadata',
      'SdkResponseMetadata',
      'StatusCode',
    ]);
    expect(types.slice(2, 5)).toEqual(['TaskScheduled', 'TaskStarted', 'TaskSucceeded']);
    expect(events[2].taskScheduledEventDetails).toMatchObject({
      resourceType: 'lambda',
      resource: 'invoke',
      region: 'us-east-1',
    });
  });

  test('a function not in-process goes to the configured Lambda endpoint, by ARN or by name', async () => {
    expect((await run('remote-arn', one(task(REMOTE)), { c: 3 })).output).toEqual({ remote: { c: 3 } });
    const byName = await run(
      'remote-name',
      one(
        task('arn:aws:states:::lambda:invoke', { Parameters: { FunctionName: 'remote', Payload: { d: 4 } } }),
      ),
    );
    expect(byName.output.Payload).toEqual({ remote: { d: 4 } });
    const failed = await run('remote-fails', one(task(REMOTE)), { fail: true });
    expect(failed.done).toMatchObject({ status: 'FAILED', error: 'RemoteError', cause: 'remote says no' });
    expect(failed.types).toContain('LambdaFunctionFailed');
  });

  test('dynamodb:putItem, getItem, updateItem and deleteItem run against the local DynamoDB', async () => {
    const Key = { id: { S: 'sfn-item' } };
    const { done, output } = await run(
      'dynamo',
      {
        StartAt: 'Put',
        States: {
          Put: {
            Type: 'Task',
            Resource: 'arn:aws:states:::dynamodb:putItem',
            Parameters: { TableName: 'meetings', Item: { id: { S: 'sfn-item' }, 'n.$': '$.n' } },
            ResultPath: null,
            Next: 'Update',
          },
          Update: {
            Type: 'Task',
            Resource: 'arn:aws:states:::dynamodb:updateItem',
            Parameters: {
              TableName: 'meetings',
              Key,
              UpdateExpression: 'SET note = :note',
              ExpressionAttributeValues: { ':note': { S: 'updated' } },
            },
            ResultPath: null,
            Next: 'Get',
          },
          Get: {
            Type: 'Task',
            Resource: 'arn:aws:states:::dynamodb:getItem',
            Parameters: { TableName: 'meetings', Key },
            ResultSelector: { 'item.$': '$.Item' },
            ResultPath: '$.got',
            Next: 'Delete',
          },
          Delete: {
            Type: 'Task',
            Resource: 'arn:aws:states:::dynamodb:deleteItem',
            Parameters: { TableName: 'meetings', Key, ConditionExpression: 'attribute_exists(id)' },
            ResultPath: null,
            Next: 'DeleteAgain',
          },
          DeleteAgain: {
            Type: 'Task',
            Resource: 'arn:aws:states:::dynamodb:deleteItem',
            Parameters: { TableName: 'meetings', Key, ConditionExpression: 'attribute_exists(id)' },
            Catch: [
              {
                ErrorEquals: ['DynamoDB.ConditionalCheckFailedException'],
                ResultPath: '$.gone',
                Next: 'Done',
              },
            ],
            Next: 'Done',
          },
          Done: { Type: 'Succeed' },
        },
      },
      { n: { N: '7' } },
    );
    expect(done.status).toBe('SUCCEEDED');
    expect(output.got.item).toEqual({ id: { S: 'sfn-item' }, n: { N: '7' }, note: { S: 'updated' } });
    expect(output.gone.Error).toBe('DynamoDB.ConditionalCheckFailedException');
  });

  test('a mocked state answers its mock, even for a service that cannot run locally', async () => {
    const definition = one(
      task('arn:aws:states:::sqs:sendMessage', { Parameters: { QueueUrl: 'https://q', MessageBody: 'hi' } }),
    );
    const mocked = await run('mocked-sqs', definition, {}, 'Sent');
    expect(mocked.output).toEqual({ MessageId: 'm-1', MD5OfMessageBody: 'x' });
    expect(mocked.types.slice(2, 5)).toEqual(['TaskScheduled', 'TaskStarted', 'TaskSucceeded']);
    const unmocked = await run('unmocked-sqs', definition);
    expect(unmocked.done).toMatchObject({ status: 'FAILED', error: 'States.TaskFailed' });
    expect(unmocked.done.cause).toMatch(/cannot call arn:aws:states:::sqs:sendMessage.*SFN_MOCK_CONFIG/);
    expect(unmocked.types).toContain('TaskFailed');
  });
});
