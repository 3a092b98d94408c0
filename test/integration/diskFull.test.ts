import { PutItemCommand, DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { type ChildProcessWithoutNullStreams, spawn } from 'node:child_process';
import { join } from 'node:path';
import { createInterface } from 'node:readline';
import { tempDir } from './harness';

// Issue 22, finding 3: the local stack with its data on a full disk. The data lives on a 24 MiB tmpfs mounted
// in a private mount namespace (unshare -rm: no root needed), so every write goes down the real path
// (dynalite → LevelDB, the executions journal) and really meets a full filesystem.

const ROOT = join(__dirname, '..', '..');
let child: ChildProcessWithoutNullStreams;
const lines: string[] = [];
let waiting: Array<() => void> = [];

function nextLine(prefix: string, timeoutMs = 30_000): Promise<string> {
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`no ${prefix} line from the child`)), timeoutMs);
    const look = () => {
      const i = lines.findIndex((l) => l.startsWith(prefix));
      if (i === -1) {
        waiting.push(look);
        return;
      }
      clearTimeout(timer);
      resolve(lines.splice(i, 1)[0]);
    };
    look();
  });
}

let urls: { apiUrl: string; dynamodbUrl: string };
let exited: number | null | undefined;

beforeAll(async () => {
  const mount = tempDir('disk-full');
  child = spawn(
    'unshare',
    [
      '-rm',
      'sh',
      '-c',
      'mount -t tmpfs -o size=24m tmpfs "$0" && exec node_modules/.bin/tsx test/integration/diskFullChild.ts "$0"',
      mount,
    ],
    { cwd: ROOT, env: { ...process.env, LOG_LEVEL: 'ERROR' } },
  );
  child.on('exit', (code) => (exited = code));
  createInterface({ input: child.stdout }).on('line', (line) => {
    lines.push(line);
    for (const w of waiting.splice(0)) w();
  });
  child.stderr.on('data', () => undefined);
  urls = JSON.parse((await nextLine('READY ')).slice('READY '.length)) as typeof urls;
}, 60_000);

afterAll(async () => {
  if (exited === undefined) {
    child.stdin.write('stop\n');
    await new Promise((r) => child.once('exit', r));
  }
  waiting = [];
});

const booking = (startInSeconds: number) =>
  fetch(`${urls.apiUrl}/meetings`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({
      teacherName: 'Ada',
      studentName: 'Ben',
      startTime: new Date(Date.now() + startInSeconds * 1000).toISOString(),
      durationMinutes: 15,
    }),
  });

test('a full disk: writes answer 503 with Retry-After, reads go on, and writes resume once space returns', async () => {
  const first = await booking(3600);
  expect(first.status).toBe(201);
  const { id } = (await first.json()) as { id: string };

  child.stdin.write('fill\n');
  await nextLine('FILLED');
  await new Promise((r) => setTimeout(r, 250)); // past the disk check's 200 ms cache

  for (let i = 0; i < 3; i++) {
    const refused = await booking(3600 + i);
    expect({ status: refused.status, retryAfter: refused.headers.get('retry-after') }).toEqual({
      status: 503,
      retryAfter: '10',
    });
  }
  // A write straight to DynamoDB (as the tasks make) is refused as DynamoDB refuses: 503 ServiceUnavailable.
  const dynamo = new DynamoDBClient({
    endpoint: urls.dynamodbUrl,
    region: 'us-east-1',
    credentials: { accessKeyId: 'local', secretAccessKey: 'local' },
    maxAttempts: 1,
  });
  await expect(
    dynamo.send(new PutItemCommand({ TableName: 'meetings', Item: { id: { S: 'x' } } })),
  ).rejects.toMatchObject({ name: 'ServiceUnavailable', $metadata: { httpStatusCode: 503 } });
  dynamo.destroy();
  expect((await fetch(`${urls.apiUrl}/meetings/${id}`)).status).toBe(200);
  expect((await fetch(`${urls.apiUrl}/meetings`)).status).toBe(200);

  child.stdin.write('free\n');
  await nextLine('FREED');
  await new Promise((r) => setTimeout(r, 250));
  expect((await booking(3700)).status).toBe(201);
  expect(exited).toBeUndefined();
}, 60_000);
