import {
  ConditionalCheckFailedException,
  DynamoDBClient,
  GetItemCommand,
  PutItemCommand,
  QueryCommand,
  UpdateItemCommand,
} from '@aws-sdk/client-dynamodb';
import { marshall, unmarshall } from '@aws-sdk/util-dynamodb';
import {
  ACTIVE_STATUSES,
  ALLOWED_PREDECESSORS,
  MeetingRecord,
  MeetingStatus,
  OPEN_STATUSES,
} from './meeting';
import { meetingNotFound } from './errors';
import { decodePageToken, encodePageToken } from './pageToken';

export { BadPageToken } from './pageToken';

export const INDEX_BY_CREATED = 'byCreatedAt';
export const INDEX_BY_STATUS = 'byStatus';

export type MeetingFields = Partial<Omit<MeetingRecord, 'id' | 'kind' | 'status' | 'createdAt' | 'revision'>>;

export interface TransitionResult {
  /** false when the meeting was already at or past the requested status: a repeated or late task. */
  changed: boolean;
  record: MeetingRecord;
}

export interface MeetingPage {
  items: MeetingRecord[];
  nextToken?: string;
}

/** The meetings table. Every status change is conditional, so a repeated or late task never moves it back. */
export class MeetingStore {
  constructor(
    private readonly ddb: DynamoDBClient,
    private readonly tableName: string,
    private readonly now: () => Date = () => new Date(),
  ) {}

  /** Puts a new meeting; answers false (and writes nothing) when the id is already taken. */
  async create(record: MeetingRecord): Promise<boolean> {
    try {
      await this.ddb.send(
        new PutItemCommand({
          TableName: this.tableName,
          Item: marshall(record, { removeUndefinedValues: true }),
          ConditionExpression: 'attribute_not_exists(id)',
        }),
      );
      return true;
    } catch (err) {
      if (
        err instanceof ConditionalCheckFailedException ||
        (err as Error).name === 'ConditionalCheckFailedException'
      )
        return false;
      throw err;
    }
  }

  async get(id: string): Promise<MeetingRecord | undefined> {
    const out = await this.ddb.send(
      new GetItemCommand({ TableName: this.tableName, Key: marshall({ id }), ConsistentRead: true }),
    );
    return out.Item ? MeetingRecord.parse(unmarshall(out.Item)) : undefined;
  }

  async mustGet(id: string): Promise<MeetingRecord> {
    const record = await this.get(id);
    if (!record) throw meetingNotFound(id);
    return record;
  }

  /** Sets fields without touching the status; the meeting must exist. */
  async update(id: string, fields: MeetingFields): Promise<MeetingRecord> {
    const record = await this.conditionalUpdate(id, fields, 'attribute_exists(id)');
    if (!record) throw meetingNotFound(id);
    return record;
  }

  /**
   * Sets fields only while the meeting is live (LAUNCHING / READY / IN_PROGRESS) at this revision: a late task
   * of a stopped execution, or one that lost a race with a cancel, writes nothing and gets undefined.
   */
  async updateLive(id: string, revision: number, fields: MeetingFields): Promise<MeetingRecord | undefined> {
    const live = Object.fromEntries(ACTIVE_STATUSES.map((s, i) => [`:live${i}`, s]));
    return this.conditionalUpdate(
      id,
      fields,
      `#rev = :rev AND #status IN (${Object.keys(live).join(', ')})`,
      { '#rev': 'revision', '#status': 'status' },
      { ':rev': revision, ...live },
    );
  }

  /**
   * Sets fields only while the meeting is still open (not closed) at this revision: how a reschedule records
   * the ARN of the execution it started. Undefined when a later reschedule or a cancel won meanwhile, so the
   * request knows its execution is no longer the meeting's and stops it (issue 22).
   */
  async updateOpen(id: string, revision: number, fields: MeetingFields): Promise<MeetingRecord | undefined> {
    const open = Object.fromEntries(OPEN_STATUSES.map((s, i) => [`:open${i}`, s]));
    return this.conditionalUpdate(
      id,
      fields,
      `#rev = :rev AND #status IN (${Object.keys(open).join(', ')})`,
      { '#rev': 'revision', '#status': 'status' },
      { ':rev': revision, ...open },
    );
  }

  /**
   * Records when a closed meeting's server went away, once, at this revision: for a meeting whose status was
   * set before its teardown ran (a cancel), so the first teardown's time stays the real end.
   */
  async recordEnd(
    id: string,
    revision: number,
    fields: Required<Pick<MeetingFields, 'endedAt' | 'overrunMinutes'>>,
  ): Promise<MeetingRecord | undefined> {
    return this.conditionalUpdate(
      id,
      fields,
      '#rev = :rev AND attribute_not_exists(#endedAt)',
      { '#rev': 'revision', '#endedAt': 'endedAt' },
      { ':rev': revision },
    );
  }

  /**
   * Adds one server's minutes to the meeting, once per server: only while the record still names that server
   * (`launchedAt`) and has not counted it yet (no terminatedAt at or after its launch). ISO-8601 instants in UTC
   * (toISOString) compare as strings. A retried teardown, or a cancel's teardown after the state machine's,
   * finds it counted and gets undefined.
   */
  async recordServerTerminated(
    id: string,
    server: { launchedAt: string; terminatedAt: string; minutes: number },
  ): Promise<MeetingRecord | undefined> {
    try {
      const out = await this.ddb.send(
        new UpdateItemCommand({
          TableName: this.tableName,
          Key: marshall({ id }),
          UpdateExpression:
            'SET #term = :term, #mins = if_not_exists(#mins, :zero) + :mins, #updated = :updated',
          ConditionExpression: '#launched = :launched AND (attribute_not_exists(#term) OR #term < :launched)',
          ExpressionAttributeNames: {
            '#term': 'terminatedAt',
            '#mins': 'instanceMinutes',
            '#launched': 'launchedAt',
            '#updated': 'updatedAt',
          },
          ExpressionAttributeValues: marshall({
            ':term': server.terminatedAt,
            ':mins': server.minutes,
            ':zero': 0,
            ':launched': server.launchedAt,
            ':updated': this.now().toISOString(),
          }),
          ReturnValues: 'ALL_NEW',
        }),
      );
      return MeetingRecord.parse(unmarshall(out.Attributes ?? {}));
    } catch (err) {
      if ((err as Error).name === 'ConditionalCheckFailedException') return undefined;
      throw err;
    }
  }

  /**
   * Moves a meeting to `to` only from one of its allowed predecessors (see ALLOWED_PREDECESSORS), and, with
   * `revision`, only while the meeting is still at that revision (a reschedule in between wins). When the
   * meeting is elsewhere, nothing is written and the current record comes back with changed=false.
   */
  async transition(
    id: string,
    to: MeetingStatus,
    fields: MeetingFields = {},
    opts: { revision?: number } = {},
  ): Promise<TransitionResult> {
    const from = Object.fromEntries(ALLOWED_PREDECESSORS[to].map((s, i) => [`:from${i}`, s]));
    const sameRevision = opts.revision !== undefined;
    const record = await this.conditionalUpdate(
      id,
      { ...fields, status: to },
      `attribute_exists(id) AND #status IN (${Object.keys(from).join(', ')})` +
        (sameRevision ? ' AND #rev = :rev' : ''),
      { '#status': 'status', ...(sameRevision ? { '#rev': 'revision' } : {}) },
      { ...from, ...(sameRevision ? { ':rev': opts.revision } : {}) },
    );
    return record ? { changed: true, record } : { changed: false, record: await this.mustGet(id) };
  }

  /**
   * Moves a meeting to new times under a new revision, only if nobody rescheduled it meanwhile and it has not
   * started: answers undefined (and writes nothing) otherwise.
   */
  async reschedule(
    id: string,
    expectedRevision: number,
    fields: MeetingFields & { revision: number; status: MeetingStatus },
  ): Promise<MeetingRecord | undefined> {
    return this.conditionalUpdate(
      id,
      fields,
      '#rev = :expected AND #st IN (:s0, :s1, :s2)',
      { '#rev': 'revision', '#st': 'status' },
      { ':expected': expectedRevision, ':s0': 'SCHEDULED', ':s1': 'LAUNCHING', ':s2': 'READY' },
    );
  }

  /** SETs `fields` (and updatedAt) if `condition` holds: the new record, or undefined when it did not. */
  private async conditionalUpdate(
    id: string,
    fields: Record<string, unknown>,
    condition: string,
    conditionNames: Record<string, string> = {},
    conditionValues: Record<string, unknown> = {},
  ): Promise<MeetingRecord | undefined> {
    const { expression, names, values } = setExpression({ ...fields, updatedAt: this.now().toISOString() });
    try {
      const out = await this.ddb.send(
        new UpdateItemCommand({
          TableName: this.tableName,
          Key: marshall({ id }),
          UpdateExpression: expression,
          ConditionExpression: condition,
          ExpressionAttributeNames: { ...names, ...conditionNames },
          ExpressionAttributeValues: marshall(
            { ...values, ...conditionValues },
            { removeUndefinedValues: true },
          ),
          ReturnValues: 'ALL_NEW',
        }),
      );
      return MeetingRecord.parse(unmarshall(out.Attributes ?? {}));
    } catch (err) {
      if ((err as Error).name === 'ConditionalCheckFailedException') return undefined;
      throw err;
    }
  }

  /** A page of meetings, newest first, optionally only those in one status. */
  async list(opts: { status?: MeetingStatus; limit: number; nextToken?: string }): Promise<MeetingPage> {
    const byStatus = opts.status !== undefined;
    const out = await this.ddb.send(
      new QueryCommand({
        TableName: this.tableName,
        IndexName: byStatus ? INDEX_BY_STATUS : INDEX_BY_CREATED,
        KeyConditionExpression: byStatus ? '#status = :pk' : '#kind = :pk',
        ExpressionAttributeNames: byStatus ? { '#status': 'status' } : { '#kind': 'kind' },
        ExpressionAttributeValues: marshall({ ':pk': byStatus ? opts.status : 'meeting' }),
        ScanIndexForward: false,
        Limit: opts.limit,
        ExclusiveStartKey: opts.nextToken !== undefined ? decodePageToken(opts.nextToken, opts) : undefined,
      }),
    );
    return {
      items: (out.Items ?? []).map((item) => MeetingRecord.parse(unmarshall(item))),
      nextToken: out.LastEvaluatedKey ? encodePageToken(out.LastEvaluatedKey) : undefined,
    };
  }
}

function setExpression(fields: Record<string, unknown>) {
  const entries = Object.entries(fields).filter(([, v]) => v !== undefined);
  const names: Record<string, string> = {};
  const values: Record<string, unknown> = {};
  const parts = entries.map(([key, value], i) => {
    names[`#f${i}`] = key;
    values[`:v${i}`] = value;
    return `#f${i} = :v${i}`;
  });
  return { expression: `SET ${parts.join(', ')}`, names, values };
}
