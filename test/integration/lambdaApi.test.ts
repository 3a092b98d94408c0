import { InvokeCommand, LambdaClient } from '@aws-sdk/client-lambda';
import type { Server } from 'node:http';
import { LOCAL_CREDENTIALS } from '../../local/dynamo';
import { lambdaApi } from '../../local/lambdaApi';
import { listen } from '../../local/sfn/server';

/** The Lambda Invoke API a real Step Functions Local (LAMBDA_ENDPOINT) calls, spoken to with the real SDK. */
describe('local Lambda Invoke API', () => {
  let server: Server;
  let lambda: LambdaClient;
  const ARN = 'arn:aws:lambda:us-east-1:000000000000:function:meeting-scheduler-Launch';

  beforeAll(async () => {
    const started = await listen(
      lambdaApi({
        [ARN]: async (input) => {
          const i = input as { fail?: boolean };
          if (i.fail)
            throw Object.assign(new Error('no capacity for any of: c6i.large'), { name: 'NoCapacity' });
          return { echoed: input };
        },
      }),
      0,
    );
    server = started.server;
    lambda = new LambdaClient({ endpoint: started.url, region: 'us-east-1', credentials: LOCAL_CREDENTIALS });
  });
  afterAll(async () => {
    lambda.destroy();
    server.closeAllConnections();
    await new Promise((r) => server.close(r));
  });

  const invoke = async (FunctionName: string, payload: unknown) => {
    const out = await lambda.send(
      new InvokeCommand({ FunctionName, Payload: Buffer.from(JSON.stringify(payload)) }),
    );
    return { error: out.FunctionError, payload: JSON.parse(Buffer.from(out.Payload!).toString()) as unknown };
  };

  test('invokes by ARN or by name and answers the result', async () => {
    expect(await invoke(ARN, { meetingId: 'm1' })).toEqual({
      error: undefined,
      payload: { echoed: { meetingId: 'm1' } },
    });
    expect((await invoke('meeting-scheduler-Launch', { a: 1 })).payload).toEqual({ echoed: { a: 1 } });
  });

  test('a thrown error answers as Lambda does: FunctionError with errorType (what Retry/Catch match on)', async () => {
    expect(await invoke(ARN, { fail: true })).toEqual({
      error: 'Unhandled',
      payload: { errorType: 'NoCapacity', errorMessage: 'no capacity for any of: c6i.large' },
    });
  });

  test('an unknown function is ResourceNotFoundException', async () => {
    await expect(invoke('nope', {})).rejects.toMatchObject({ name: 'ResourceNotFoundException' });
  });
});
