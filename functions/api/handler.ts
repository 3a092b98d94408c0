import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { InvokeCommand, LambdaClient } from '@aws-sdk/client-lambda';
import { SFNClient } from '@aws-sdk/client-sfn';
import type { APIGatewayProxyEventV2, APIGatewayProxyStructuredResultV2 } from 'aws-lambda';
import { MeetingStore } from '../shared/store';
import { handleApiRequest, type ApiDeps } from './app';
import { readApiConfig } from './config';

const config = readApiConfig();
const lambda = new LambdaClient({});
const deps: ApiDeps = {
  store: new MeetingStore(new DynamoDBClient({}), config.tableName),
  sfn: new SFNClient({}),
  config,
  now: () => new Date(),
  // The teardown function owns EC2 and Route 53 permissions; the API only asks it to run.
  teardown: async (input) => {
    const out = await lambda.send(
      new InvokeCommand({
        FunctionName: config.teardownFunctionName,
        Payload: Buffer.from(JSON.stringify(input)),
      }),
    );
    if (out.FunctionError) {
      throw new Error(`teardown failed: ${Buffer.from(out.Payload ?? new Uint8Array()).toString('utf8')}`);
    }
  },
};

/** API Gateway HTTP API (payload 2.0) → the shared request handler. */
export async function handler(event: APIGatewayProxyEventV2): Promise<APIGatewayProxyStructuredResultV2> {
  return handleApiRequest(
    {
      method: event.requestContext.http.method,
      path: event.rawPath,
      headers: lowerCaseKeys(event.headers ?? {}),
      query: event.queryStringParameters ?? {},
      origin: `https://${event.requestContext.domainName}`,
      body:
        event.body === undefined
          ? undefined
          : event.isBase64Encoded
            ? Buffer.from(event.body, 'base64').toString('utf8')
            : event.body,
    },
    deps,
  );
}

function lowerCaseKeys(headers: Record<string, string | undefined>): Record<string, string | undefined> {
  return Object.fromEntries(Object.entries(headers).map(([k, v]) => [k.toLowerCase(), v]));
}
