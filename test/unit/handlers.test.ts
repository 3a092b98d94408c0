import { SFNClient, StartExecutionCommand } from '@aws-sdk/client-sfn';
import type { APIGatewayProxyEventV2 } from 'aws-lambda';
import { mockClient } from 'aws-sdk-client-mock';
import { generateKeyPair, jwtVerify, SignJWT, type KeyLike } from 'jose';
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

  /** The API function's environment against the test's dynalite table. */
  const apiEnv = () => ({
    TABLE_NAME: tableName,
    STATE_MACHINE_ARN: 'arn:aws:states:us-east-1:000000000000:stateMachine:m',
    AWS_REGION: 'us-east-1',
    JITSI_DOMAIN: 'meet.example.com',
    TEARDOWN_FUNCTION_NAME: 'teardown',
    AWS_ENDPOINT_URL_DYNAMODB: dynamo.endpoint,
    AWS_ACCESS_KEY_ID: 'local',
    AWS_SECRET_ACCESS_KEY: 'local',
  });

  test('decodes base64 bodies and header case, books through DynamoDB and Step Functions', async () => {
    Object.assign(process.env, apiEnv());
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

    // A browser opening the link through API Gateway (header names in any case) gets the join page.
    const link = new URL(JSON.parse(res.body as string).studentLink as string);
    const page = await handler({
      rawPath: link.pathname,
      headers: { Accept: 'text/html,application/xhtml+xml,*/*;q=0.8' },
      requestContext: { http: { method: 'GET' }, domainName: link.host },
      isBase64Encoded: false,
    } as unknown as APIGatewayProxyEventV2);
    expect(page.statusCode).toBe(200);
    expect(page.headers).toMatchObject({
      'content-type': 'text/html; charset=utf-8',
      'referrer-policy': 'no-referrer',
    });
    expect(page.body).toContain('You are the <strong>student</strong>: Ben');
    sfnMock.restore();
  });

  describe('apiAuth=jwt: the handler checks the scope again (REQUIRED_SCOPE)', () => {
    const ISSUER = 'https://auth.example.com/';
    const AUDIENCE = 'meetings';
    let keys: { publicKey: KeyLike; privateKey: KeyLike };
    beforeAll(async () => (keys = await generateKeyPair('RS256')));

    const sign = (claims: Record<string, unknown>) =>
      new SignJWT(claims)
        .setProtectedHeader({ alg: 'RS256' })
        .setIssuer(ISSUER)
        .setAudience(AUDIENCE)
        .setSubject('user-1')
        .setIssuedAt()
        .setExpirationTime('5m')
        .sign(keys.privateKey);

    /**
     * The test's own stand-in for API Gateway's JWT authorizer: verify signature, issuer, audience and expiry
     * with jose, then hand the claims on as payload 2.0 does (every claim a string, arrays as "[a b]",
     * `scopes` null).
     */
    async function authorize(token: string, method: string, rawPath: string, body?: string) {
      const { payload } = await jwtVerify(token, keys.publicKey, { issuer: ISSUER, audience: AUDIENCE });
      const claims = Object.fromEntries(
        Object.entries(payload).map(([k, v]) => [k, Array.isArray(v) ? `[${v.join(' ')}]` : String(v)]),
      );
      return {
        rawPath,
        headers: { authorization: `Bearer ${token}`, 'content-type': 'application/json' },
        requestContext: {
          http: { method },
          domainName: 'abc123.execute-api.us-east-1.amazonaws.com',
          authorizer: { jwt: { claims, scopes: null } },
        },
        body,
        isBase64Encoded: false,
      } as unknown as APIGatewayProxyEventV2;
    }

    test('a token with the scope is served (201, 200); one without it gets 403 naming the scope', async () => {
      Object.assign(process.env, apiEnv(), { REQUIRED_SCOPE: 'meetings/manage' });
      await jest.isolateModulesAsync(async () => {
        // The isolated registry has its own SDK classes: mock the one the handler will use.
        const sfnModule = await import('@aws-sdk/client-sfn');
        const sfnMock = mockClient(sfnModule.SFNClient);
        sfnMock.on(sfnModule.StartExecutionCommand).callsFake((i) => ({
          executionArn: `arn:aws:states:us-east-1:000000000000:execution:m:${i.name}`,
          startDate: new Date(),
        }));
        sfnMock.on(sfnModule.DescribeExecutionCommand).resolves({ status: 'RUNNING' });
        sfnMock.on(sfnModule.GetExecutionHistoryCommand).resolves({ events: [] });
        const { handler } = await import('../../functions/api/handler');
        const booking = JSON.stringify({
          teacherName: 'Ada',
          studentName: 'Ben',
          startTime: new Date(Date.now() + 86_400_000).toISOString(),
        });

        const platform = await sign({ scope: 'openid meetings/manage' });
        const booked = await handler(await authorize(platform, 'POST', '/meetings', booking));
        expect(booked.statusCode).toBe(201);
        const { id } = JSON.parse(booked.body as string) as { id: string };
        expect((await handler(await authorize(platform, 'GET', `/meetings/${id}`))).statusCode).toBe(200);
        // Okta and Azure AD put scopes in an `scp` array claim instead.
        const scp = await sign({ scp: ['meetings/manage'] });
        expect((await handler(await authorize(scp, 'GET', '/meetings'))).statusCode).toBe(200);

        // Signed by the same issuer for the same audience, but a plain user's token: refused on every route.
        const student = await sign({ scope: 'openid profile' });
        for (const [method, path, body] of [
          ['GET', '/meetings', undefined],
          ['GET', `/meetings/${id}`, undefined],
          ['POST', '/meetings', booking],
          ['DELETE', `/meetings/${id}`, undefined],
        ] as const) {
          const res = await handler(await authorize(student, method, path, body));
          expect({ method, path, status: res.statusCode }).toEqual({ method, path, status: 403 });
          expect(JSON.parse(res.body as string)).toEqual({
            error: 'Forbidden',
            message: expect.stringContaining('"meetings/manage"'),
          });
        }
        const noScope = await sign({});
        expect((await handler(await authorize(noScope, 'GET', '/meetings'))).statusCode).toBe(403);
        expect(sfnMock.commandCalls(sfnModule.StartExecutionCommand)).toHaveLength(1);

        // A token the "authorizer" would not accept never reaches the handler at all.
        const forged = await new SignJWT({ scope: 'meetings/manage' })
          .setProtectedHeader({ alg: 'RS256' })
          .setIssuer(ISSUER)
          .setAudience(AUDIENCE)
          .setExpirationTime('5m')
          .sign((await generateKeyPair('RS256')).privateKey);
        await expect(authorize(forged, 'GET', '/meetings')).rejects.toThrow(/signature/);

        // The join route stays anonymous: no token, no scope check, the usual 404 for an unknown link.
        const join = await handler({
          rawPath: `/join/${id}.${'x'.repeat(32)}`,
          headers: {},
          requestContext: {
            http: { method: 'GET' },
            domainName: 'abc123.execute-api.us-east-1.amazonaws.com',
          },
          isBase64Encoded: false,
        } as unknown as APIGatewayProxyEventV2);
        expect(join.statusCode).toBe(404);
      });
      delete process.env.REQUIRED_SCOPE;
    });
  });

  test('a missing variable fails at start-up, naming it', async () => {
    delete process.env.JITSI_DOMAIN;
    await jest.isolateModulesAsync(async () => {
      await expect(import('../../functions/api/handler')).rejects.toThrow(/JITSI_DOMAIN/);
    });
  });
});
