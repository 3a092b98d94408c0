import { request } from 'node:http';
import { startConsole, type RunningConsole } from '../../local/console/server';
import type { LocalStack } from '../../local/stack';
import { book, startStack } from './harness';

/**
 * Issue 22, findings 4 and 5 on the console: a malformed path or page token is the visitor's mistake (4xx), never
 * "the meetings API or Step Functions failed" (502). Raw HTTP, so the path reaches the server byte for byte.
 */
describe('admin console: malformed paths and tokens are 4xx (local stack)', () => {
  let stack: LocalStack;
  let adminConsole: RunningConsole;
  let meetingId: string;
  beforeAll(async () => {
    stack = await startStack();
    adminConsole = await startConsole({ apiUrl: stack.apiUrl, sfnEndpoint: stack.sfnUrl, port: 0 });
    meetingId = (await book(stack, 3600)).id;
  });
  afterAll(async () => {
    await adminConsole?.close();
    await stack?.fleet.terminateAll();
    await stack?.close();
  });

  const status = (path: string) =>
    new Promise<number>((resolve, reject) => {
      const url = new URL(adminConsole.url);
      const req = request({ host: url.hostname, port: url.port, path, method: 'GET' }, (res) => {
        res.resume();
        resolve(res.statusCode ?? 0);
      });
      req.on('error', reject);
      req.end();
    });
  const token = (value: unknown) => Buffer.from(JSON.stringify(value)).toString('base64url');

  const paths = [
    '/meetings/%ZZ',
    '/meetings/%',
    '/meetings/%E0%A4%A',
    '/meetings/%C0%AF',
    '/meetings/%ZZ/cancel',
    '/meetings/%ZZ/reschedule?startTime=x',
    '/meetings/..%2F..%2Fetc',
    '/meetings/a%00b',
    `/meetings/${'a'.repeat(65)}`,
    '/meetings/00000000-0000-4000-8000-000000000000',
    '/meetings/x/y/z',
    '/static/%ZZ',
    '/static/../../package.json',
    '/%ZZ',
    '/?status=%ZZ',
    `/?nextToken=${token({})}`,
    `/?nextToken=${token({ id: 'x' })}`,
    '/?nextToken=%ZZ',
    '/?nextToken=not-a-token!',
    `/?nextToken=${'A'.repeat(20_000)}`,
    '/executions/view',
    '/executions/view?arn=%ZZ',
    '/executions/view?arn=arn:aws:states:us-east-1:000000000000:execution:nope:x',
    '/state-machines/view?arn=garbage',
    '/load?hours=%ZZ',
  ].map((path) => [path.length > 80 ? `${path.slice(0, 60)}… (${path.length} characters)` : path, path]);

  test.each(paths)('GET %s is a 4xx', async (_label, path) => {
    const code = await status(path);
    expect(code).toBeGreaterThanOrEqual(400);
    expect(code).toBeLessThan(500);
  });

  test('a well-formed path still shows the meeting, and a token the API issued still pages', async () => {
    expect(await status(`/meetings/${meetingId}`)).toBe(200);
    expect(await status(`/meetings/${encodeURIComponent(meetingId)}`)).toBe(200);
    await book(stack, 3700);
    const page = (await (await fetch(`${stack.apiUrl}/meetings?limit=1`)).json()) as { nextToken: string };
    expect(await status(`/?nextToken=${page.nextToken}`)).toBe(200);
  });
});
