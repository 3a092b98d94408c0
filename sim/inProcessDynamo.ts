import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import type { HttpRequest } from '@smithy/types';
import { EventEmitter } from 'node:events';
import type { IncomingMessage, Server, ServerResponse } from 'node:http';
import { Readable } from 'node:stream';
import { LOCAL_CREDENTIALS } from '../local/dynamo';
import type { VirtualClock } from './clock';

// dynalite ships no types; its factory returns a Node.js HTTP server that is never asked to listen here.
// eslint-disable-next-line @typescript-eslint/no-require-imports
const dynalite = require('dynalite') as (opts: { createTableMs?: number }) => Server;

/**
 * DynamoDB for the simulation: dynalite's own request listener (in memory), fed synthetic request and response
 * objects by the SDK's request handler instead of a socket, so the real MeetingStore runs against a real
 * DynamoDB implementation with no I/O the virtual clock would have to wait for. A request holds the clock
 * (VirtualClock.hold) until dynalite answers it: a DynamoDB call takes no virtual time.
 */
export function inProcessDynamo(clock: VirtualClock): { client: DynamoDBClient; requests: () => number } {
  const server = dynalite({ createTableMs: 0 });
  const listener = server.listeners('request')[0] as (req: IncomingMessage, res: ServerResponse) => void;
  let requests = 0;
  const requestHandler = {
    handle: (request: HttpRequest) =>
      new Promise<{ response: { statusCode: number; headers: Record<string, string>; body: Readable } }>(
        (resolve, reject) => {
          requests++;
          const release = clock.hold();
          const req = Object.assign(new EventEmitter(), {
            method: request.method,
            url:
              request.path +
              (request.query ? `?${new URLSearchParams(request.query as Record<string, string>)}` : ''),
            headers: Object.fromEntries(
              Object.entries(request.headers).map(([k, v]) => [k.toLowerCase(), v]),
            ),
          });
          const headers: Record<string, string> = {};
          const res = {
            statusCode: 200,
            setHeader: (name: string, value: unknown) => {
              headers[name.toLowerCase()] = String(value);
            },
            end: (body?: string | Buffer) => {
              release();
              resolve({
                response: {
                  statusCode: res.statusCode,
                  headers,
                  body: Readable.from([Buffer.from(body ?? '')]),
                },
              });
            },
          };
          try {
            listener(req as unknown as IncomingMessage, res as unknown as ServerResponse);
            const body = request.body as string | Uint8Array | undefined;
            // The SDK's JSON body is a Uint8Array that warns when read as a string: copy its bytes instead.
            const bytes =
              typeof body === 'string'
                ? Buffer.from(body)
                : body
                  ? Buffer.from(body.buffer, body.byteOffset, body.byteLength)
                  : undefined;
            if (bytes && bytes.length > 0) req.emit('data', bytes);
            req.emit('end');
          } catch (err) {
            release();
            reject(err);
          }
        },
      ),
    updateHttpClientConfig: () => undefined,
    httpHandlerConfigs: () => ({}),
  };
  const client = new DynamoDBClient({
    region: 'us-east-1',
    endpoint: 'http://dynamodb.simulated',
    credentials: LOCAL_CREDENTIALS,
    requestHandler,
  });
  return { client, requests: () => requests };
}
