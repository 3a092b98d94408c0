import {
  CreateTableCommand,
  DescribeTableCommand,
  DynamoDBClient,
  ResourceInUseException,
} from '@aws-sdk/client-dynamodb';
import type { IncomingMessage, Server, ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { INDEX_BY_CREATED, INDEX_BY_STATUS } from '../functions/shared/store';
import { DISK_FULL_RETRY_AFTER_SECONDS, type DiskSpace } from './diskSpace';

// dynalite ships no types; its factory returns a plain Node.js HTTP server.
// eslint-disable-next-line @typescript-eslint/no-require-imports
const dynalite = require('dynalite') as (opts: { path?: string; createTableMs?: number }) => Server;

export interface LocalDynamo {
  endpoint: string;
  client: DynamoDBClient;
  close(): Promise<void>;
}

/** Fixed credentials for local endpoints: they are never checked, but the SDK insists on having some. */
export const LOCAL_CREDENTIALS = { accessKeyId: 'local', secretAccessKey: 'local' };

/**
 * Starts dynalite on loopback (port 0 = any free port); `path` keeps data on disk, omitted = in memory. With
 * `diskSpace`, writes are answered 503 while the disk is (nearly) full and reads go on (local/diskSpace.ts).
 */
export async function startDynalite(
  opts: { port?: number; path?: string; diskSpace?: DiskSpace } = {},
): Promise<LocalDynamo> {
  const server = dynalite({ path: opts.path, createTableMs: 0 });
  if (opts.diskSpace) guardWrites(server, opts.diskSpace);
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(opts.port ?? 0, '127.0.0.1', () => resolve());
  });
  const endpoint = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  const client = new DynamoDBClient({ endpoint, region: 'us-east-1', credentials: LOCAL_CREDENTIALS });
  return {
    endpoint,
    client,
    close: async () => {
      client.destroy();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}

/** DynamoDB operations that only read: everything else writes and waits for disk space. */
const READS = new Set([
  'GetItem',
  'BatchGetItem',
  'Query',
  'Scan',
  'TransactGetItems',
  'DescribeTable',
  'ListTables',
  'DescribeTimeToLive',
  'ListTagsOfResource',
  'DescribeLimits',
  'DescribeEndpoints',
]);

/**
 * Puts a check in front of dynalite's request handler: a write while the disk is full gets DynamoDB's 503
 * ServiceUnavailable ("The service is currently unavailable or busy", a 5xx the SDKs retry with backoff:
 * https://docs.aws.amazon.com/amazondynamodb/latest/developerguide/Programming.Errors.html) and never reaches
 * LevelDB. The operation is named by the X-Amz-Target header, so the body is not read twice.
 */
function guardWrites(server: Server, disk: DiskSpace): void {
  const handlers = server.listeners('request') as Array<(req: IncomingMessage, res: ServerResponse) => void>;
  server.removeAllListeners('request');
  server.on('request', (req: IncomingMessage, res: ServerResponse) => {
    const operation = String(req.headers['x-amz-target'] ?? '').split('.')[1] ?? '';
    if (READS.has(operation) || !disk.full()) {
      for (const handle of handlers) handle(req, res);
      return;
    }
    req.resume();
    res.writeHead(503, {
      'content-type': 'application/x-amz-json-1.0',
      'retry-after': String(DISK_FULL_RETRY_AFTER_SECONDS),
    });
    res.end(
      JSON.stringify({
        __type: 'com.amazonaws.dynamodb.v20120810#ServiceUnavailable',
        message: `the local data disk has less than ${disk.reserveBytes} bytes free; writes resume when space returns`,
      }),
    );
  });
}

/** The meetings table as infra/ declares it: key `id`, two "newest first" indexes. Safe to call twice. */
export async function ensureMeetingsTable(client: DynamoDBClient, tableName: string): Promise<void> {
  const index = (name: string, pk: string) => ({
    IndexName: name,
    KeySchema: [
      { AttributeName: pk, KeyType: 'HASH' as const },
      { AttributeName: 'createdAt', KeyType: 'RANGE' as const },
    ],
    Projection: { ProjectionType: 'ALL' as const },
  });
  try {
    await client.send(
      new CreateTableCommand({
        TableName: tableName,
        BillingMode: 'PAY_PER_REQUEST',
        AttributeDefinitions: ['id', 'kind', 'status', 'createdAt'].map((AttributeName) => ({
          AttributeName,
          AttributeType: 'S' as const,
        })),
        KeySchema: [{ AttributeName: 'id', KeyType: 'HASH' }],
        GlobalSecondaryIndexes: [index(INDEX_BY_CREATED, 'kind'), index(INDEX_BY_STATUS, 'status')],
      }),
    );
  } catch (err) {
    if (!(err instanceof ResourceInUseException) && (err as Error).name !== 'ResourceInUseException')
      throw err;
  }
  for (let i = 0; i < 50; i++) {
    const t = await client.send(new DescribeTableCommand({ TableName: tableName }));
    if (t.Table?.TableStatus === 'ACTIVE') return;
    await new Promise((r) => setTimeout(r, 20));
  }
  throw new Error(`table ${tableName} did not become ACTIVE`);
}
