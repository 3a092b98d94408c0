import { QueryCommand } from '@aws-sdk/client-dynamodb';
import { SFNClient } from '@aws-sdk/client-sfn';
import { marshall } from '@aws-sdk/util-dynamodb';
import { handleApiRequest, type ApiConfig, type ApiDeps } from '../../functions/api/app';
import type { ApiRequest } from '../../functions/api/http';
import { newMeeting } from '../../functions/api/booking';
import { INDEX_BY_CREATED } from '../../functions/shared/store';
import { decodePageToken, encodePageToken } from '../../functions/shared/pageToken';
import { dynamoWorld, TEST_TIMINGS } from '../support/world';

/** Issue 22, finding 4: a malformed nextToken is the caller's mistake (400 naming it), never a 500. */
const NOW = new Date('2030-01-10T12:00:00.000Z');
const config: ApiConfig = {
  stateMachineArn: 'arn:aws:states:eu-west-1:123456789012:stateMachine:meeting-lifecycle',
  region: 'eu-west-1',
  jitsiDomain: 'meet.example.com',
  maxBodyBytes: 16 * 1024,
  timings: TEST_TIMINGS,
};
const b64 = (value: unknown) =>
  Buffer.from(typeof value === 'string' ? value : JSON.stringify(value)).toString('base64url');
const S = (s: string) => ({ S: s });
const goodKey = {
  id: S('0b7e6a9c-1111-4222-8333-444455556666'),
  kind: S('meeting'),
  createdAt: S(NOW.toISOString()),
};

describe('GET /meetings nextToken (dynalite)', () => {
  let world: Awaited<ReturnType<typeof dynamoWorld>>;
  let deps: ApiDeps;
  beforeAll(async () => {
    world = await dynamoWorld();
    deps = {
      store: world.store,
      sfn: new SFNClient({ region: 'eu-west-1' }),
      config,
      now: () => NOW,
      teardown: () => Promise.reject(new Error('listing never tears down')),
    };
    for (let i = 0; i < 3; i++) {
      const meeting = newMeeting({
        id: `00000000-0000-4000-8000-00000000000${i}`,
        booking: { teacherName: 'Ada', studentName: 'Ben', startTime: 'x', durationMinutes: 60 },
        start: new Date(NOW.getTime() + 86_400_000),
        now: new Date(NOW.getTime() + i * 1000),
        timings: TEST_TIMINGS,
        jitsiDomain: config.jitsiDomain,
      });
      await world.store.create(meeting);
    }
  });
  afterAll(() => world.dynamo.close());

  const list = (query: ApiRequest['query']) =>
    handleApiRequest({ method: 'GET', path: '/meetings', headers: {}, query }, deps);

  test('DynamoDB itself refuses a starting key of the wrong shape (why the token is checked first)', async () => {
    await expect(
      world.dynamo.client.send(
        new QueryCommand({
          TableName: world.tableName,
          IndexName: INDEX_BY_CREATED,
          KeyConditionExpression: '#k = :k',
          ExpressionAttributeNames: { '#k': 'kind' },
          ExpressionAttributeValues: marshall({ ':k': 'meeting' }),
          ExclusiveStartKey: marshall({ id: 'x' }),
        }),
      ),
    ).rejects.toMatchObject({ name: 'ValidationException' });
  });

  const malformed: [string, string][] = [
    ['base64url of {}', b64({})],
    ['base64url of {"id":"x"}', b64({ id: 'x' })],
    [
      'plain values instead of attribute values',
      b64({ id: 'x', kind: 'meeting', createdAt: NOW.toISOString() }),
    ],
    ['a number where a string is expected', b64({ ...goodKey, id: { N: '1' } })],
    ['an extra key', b64({ ...goodKey, status: S('FAILED') })],
    ['an extra attribute-value type', b64({ ...goodKey, id: { S: 'x', N: '1' } })],
    ['a missing index key', b64({ id: goodKey.id, createdAt: goodKey.createdAt })],
    ['another partition of the index', b64({ ...goodKey, kind: S('other') })],
    ['an empty id', b64({ ...goodKey, id: S('') })],
    ['a createdAt that is no instant', b64({ ...goodKey, createdAt: S('yesterday') })],
    ['JSON null', b64('null')],
    ['a JSON array', b64([goodKey])],
    ['a JSON string', b64('"abc"')],
    ['not JSON', b64('{"id":')],
    ['not base64url', 'not a token!'],
    ['padding and +/ of plain base64', Buffer.from(JSON.stringify(goodKey)).toString('base64') + '+/='],
    ['empty', ''],
    ['huge', b64({ ...goodKey, id: S('a'.repeat(100_000)) })],
    [
      'a by-status key on the "newest first" listing',
      b64({ id: goodKey.id, status: S('FAILED'), createdAt: goodKey.createdAt }),
    ],
  ];

  test.each(malformed)('%s: 400 naming nextToken', async (_name, token) => {
    const res = await list({ nextToken: token });
    expect(res.statusCode).toBe(400);
    const body = JSON.parse(res.body);
    expect(body.fields).toEqual([{ field: 'nextToken', message: expect.stringContaining('nextToken') }]);
  });

  test('a token is bound to its listing: a status listing refuses another status and the all-listing key', async () => {
    const statusKey = { id: goodKey.id, status: S('SCHEDULED'), createdAt: goodKey.createdAt };
    expect((await list({ status: 'SCHEDULED', nextToken: b64(statusKey) })).statusCode).toBe(200);
    expect((await list({ status: 'FAILED', nextToken: b64(statusKey) })).statusCode).toBe(400);
    expect((await list({ status: 'SCHEDULED', nextToken: b64(goodKey) })).statusCode).toBe(400);
  });

  test('the tokens the API issues still page through every meeting, in both listings', async () => {
    for (const query of [{}, { status: 'SCHEDULED' }]) {
      const seen: string[] = [];
      let nextToken: string | undefined;
      do {
        const res = await list({ ...query, limit: '1', ...(nextToken ? { nextToken } : {}) });
        expect(res.statusCode).toBe(200);
        const page = JSON.parse(res.body) as { items: { id: string }[]; nextToken: string | null };
        seen.push(...page.items.map((m) => m.id));
        nextToken = page.nextToken ?? undefined;
      } while (nextToken);
      expect(seen).toEqual([2, 1, 0].map((i) => `00000000-0000-4000-8000-00000000000${i}`));
    }
  });

  test('decodePageToken answers exactly the key encodePageToken was given', () => {
    expect(decodePageToken(encodePageToken(goodKey), {})).toEqual(goodKey);
  });
});
