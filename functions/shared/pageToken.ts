import { z } from 'zod';
import { MeetingStatus } from './meeting';

/**
 * Pagination tokens of the meetings listing: DynamoDB's LastEvaluatedKey, base64url JSON. A Query on a GSI
 * answers the table's key and the index's keys in it, and takes exactly that back as ExclusiveStartKey: any other
 * shape is a ValidationException ("The provided starting key is invalid") — a 500 anyone holding a token could
 * raise. So a token is checked against the key shape of the very query it continues before DynamoDB sees it.
 * https://docs.aws.amazon.com/amazondynamodb/latest/APIReference/API_Query.html (ExclusiveStartKey,
 * LastEvaluatedKey) and https://docs.aws.amazon.com/amazondynamodb/latest/developerguide/GSI.html#GSI.Reading
 */

/** The longest token this API issues is ~250 characters; anything far longer is not one of ours. */
export const MAX_PAGE_TOKEN_LENGTH = 1024;

export class BadPageToken extends Error {
  constructor(readonly reason: string) {
    super(`nextToken is not a token this API issued for this listing (${reason})`);
    this.name = 'BadPageToken';
  }
}

/** A DynamoDB string attribute value, `{"S": "..."}` and nothing else. */
const S = <T extends z.ZodType<string>>(value: T) => z.object({ S: value }).strict();
/** Meeting ids are UUIDs (or UUID-shaped hashes of an Idempotency-Key): letters, digits and dashes. */
const id = S(z.string().regex(/^[A-Za-z0-9-]{1,64}$/));
const createdAt = S(z.iso.datetime());

/** The key of the "newest first" index (kind, createdAt) plus the table's own key (id). */
const byCreatedKey = z.object({ id, kind: S(z.literal('meeting')), createdAt }).strict();
/** The key of the by-status index, bound to the status the listing asks for. */
const byStatusKey = (status: MeetingStatus) =>
  z.object({ id, status: S(z.literal(status)), createdAt }).strict();

export type PageKey = Record<string, { S: string }>;

export function encodePageToken(key: Record<string, unknown>): string {
  return Buffer.from(JSON.stringify(key)).toString('base64url');
}

/**
 * The ExclusiveStartKey a token stands for, for the listing it continues (`status` given: the by-status index
 * of that status; none: the "newest first" index). Throws BadPageToken for anything else.
 */
export function decodePageToken(token: string, query: { status?: MeetingStatus }): PageKey {
  if (token.length > MAX_PAGE_TOKEN_LENGTH) throw new BadPageToken('too long');
  if (!/^[A-Za-z0-9_-]+$/.test(token)) throw new BadPageToken('not base64url');
  let json: unknown;
  try {
    json = JSON.parse(Buffer.from(token, 'base64url').toString('utf8'));
  } catch {
    throw new BadPageToken('not JSON');
  }
  const schema = query.status === undefined ? byCreatedKey : byStatusKey(query.status);
  const parsed = schema.safeParse(json);
  if (!parsed.success) throw new BadPageToken('not a key of this listing');
  return parsed.data;
}
