import { SFNClient, StartExecutionCommand } from '@aws-sdk/client-sfn';
import type { APIGatewayProxyEventV2 } from 'aws-lambda';
import { mockClient } from 'aws-sdk-client-mock';
import type { LocalDynamo } from '../../local/dynamo';
import { dynamoWorld } from '../support/world';

/** The Lambda entry point of the API: API Gateway payload 2.0 in, the shared handler, a real table behind it. */
describe('functions/api/handler', () => {
  let dynamo: LocalDynamo;
  let tableName: string;
  const saved = { ...process.env };
  beforeAll(async () => ({ dynamo, tableName } = await dynamoWorld()));
  afterAll(async () => {
    process.env = saved;
    await dynamo.close();
  });

  const event = (body: string, isBase64Encoded: boolean): APIGatewayProxyEventV2 =>
    ({
      rawPath: '/meetings',
      headers: { 'Content-Type': 'application/json', 'Idempotency-Key': 'handler-test-1' },
      requestContext: { http: { method: 'POST' }, domainName: 'abc123.execute-api.us-east-1.amazonaws.com' },
      body,
      isBase64Encoded,
    }) as unknown as APIGatewayProxyEventV2;

  test('decodes base64 bodies and header case, books through DynamoDB and Step Functions', async () => {
    Object.assign(process.env, {
      TABLE_NAME: tableName,
      STATE_MACHINE_ARN: 'arn:aws:states:us-east-1:000000000000:stateMachine:m',
      AWS_REGION: 'us-east-1',
      JITSI_DOMAIN: 'meet.example.com',
      TEARDOWN_FUNCTION_NAME: 'teardown',
      AWS_ENDPOINT_URL_DYNAMODB: dynamo.endpoint,
      AWS_ACCESS_KEY_ID: 'local',
      AWS_SECRET_ACCESS_KEY: 'local',
    });
    const sfnMock = mockClient(SFNClient);
    sfnMock.on(StartExecutionCommand).callsFake((i) => ({
      executionArn: `arn:aws:states:us-east-1:000000000000:execution:m:${i.name}`,
      startDate: new Date(),
    }));
    const { handler } = await import('../../functions/api/handler');
    const body = JSON.stringify({
      teacherName: 'Ada',
      studentName: 'Ben',
      startTime: new Date(Date.now() + 86_400_000).toISOString(),
    });
    const res = await handler(event(Buffer.from(body).toString('base64'), true));
    expect(res.statusCode).toBe(201);
    expect(JSON.parse(res.body as string).studentLink).toMatch(
      /^https:\/\/abc123\.execute-api\.us-east-1\.amazonaws\.com\/join\//,
    );
    const again = await handler(event(body, false));
    expect(JSON.parse(again.body as string).id).toBe(JSON.parse(res.body as string).id); // Idempotency-Key header read case-insensitively
    expect(sfnMock.commandCalls(StartExecutionCommand)).toHaveLength(1);
    sfnMock.restore();
  });

  test('a missing variable fails at start-up, naming it', async () => {
    delete process.env.JITSI_DOMAIN;
    await jest.isolateModulesAsync(async () => {
      await expect(import('../../functions/api/handler')).rejects.toThrow(/JITSI_DOMAIN/);
    });
  });
});
