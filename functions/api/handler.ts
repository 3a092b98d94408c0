import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { InvokeCommand, LambdaClient } from '@aws-sdk/client-lambda';
import { SFNClient } from '@aws-sdk/client-sfn';
import type { APIGatewayProxyEventV2, APIGatewayProxyStructuredResultV2 } from 'aws-lambda';
import { telemetry } from '../shared/observability';
import { MeetingStore } from '../shared/store';
import { handleApiRequest, type ApiDeps } from './app';
import { LaunchSlotsLedger } from '../shared/launchSlotsLedger';
import { Admission } from './admission';
import { readApiConfig } from './config';

const config = readApiConfig();
const lambda = new LambdaClient({});
const ddb = new DynamoDBClient({});
const deps: ApiDeps = {
  store: new MeetingStore(ddb, config.tableName),
  admission: new Admission(new LaunchSlotsLedger(ddb, config.tableName), config.admission),
  sfn: new SFNClient({}),
  config,
  now: () => new Date(),
  telemetry: telemetry('api'),
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
      scopes: jwtScopes(event),
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

/**
 * The scopes API Gateway's JWT authorizer verified. It fills `authorizer.jwt.scopes` only in some cases (often
 * null), so the `scope` (space-separated, OAuth 2.0) and `scp` claims are read too; payload 2.0 passes every
 * claim as a string, an array claim as "[a b]". Undefined when no JWT authorizer ran (IAM auth).
 */
export function jwtScopes(event: APIGatewayProxyEventV2): string[] | undefined {
  const jwt = (
    event.requestContext as {
      authorizer?: { jwt?: { claims?: Record<string, unknown>; scopes?: string[] | null } };
    }
  ).authorizer?.jwt;
  if (!jwt) return undefined;
  const fromClaim = (v: unknown) =>
    typeof v === 'string'
      ? v
          .replace(/^\[|\]$/g, '')
          .split(/[\s,]+/)
          .filter(Boolean)
      : Array.isArray(v)
        ? v.map(String)
        : [];
  return [...(jwt.scopes ?? []), ...fromClaim(jwt.claims?.scope), ...fromClaim(jwt.claims?.scp)];
}

function lowerCaseKeys(headers: Record<string, string | undefined>): Record<string, string | undefined> {
  return Object.fromEntries(Object.entries(headers).map(([k, v]) => [k.toLowerCase(), v]));
}
