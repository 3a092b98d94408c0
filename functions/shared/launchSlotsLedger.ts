import {
  BatchGetItemCommand,
  DeleteItemCommand,
  type DynamoDBClient,
  UpdateItemCommand,
  type AttributeValue,
} from '@aws-sdk/client-dynamodb';
import { marshall, unmarshall } from '@aws-sdk/util-dynamodb';
import { type LedgerSnapshot, minuteOfKey, VCPU_BUCKET_MINUTES } from './launchSlots';
import { AdmissionHold } from './meeting';

/**
 * The admission ledger, in the meetings table itself: one item per launch minute (`launch#2030-01-11T13:50Z`,
 * `n` = launches taken) and one per 15-minute vCPU bucket (`vcpu#2030-01-11T13:45Z`, `n` = vCPUs held). They
 * carry none of `kind`, `status`, `createdAt`, so the two sparse "newest first" indexes (listing, sweeper)
 * never see them, and `expiresAt`, so DynamoDB's TTL deletes them a day after their time has passed.
 *
 * Every take is one conditional atomic counter (UpdateItem ADD with the capacity in the condition): parallel
 * API Lambdas can never fill a minute or a bucket past its capacity, whatever the interleaving. Every give-back
 * is one ADD of the negative amount, never below zero.
 */
export const LAUNCH_PREFIX = 'launch#';
export const VCPU_PREFIX = 'vcpu#';
const DAY_SECONDS = 86_400;

export class LaunchSlotsLedger {
  constructor(
    private readonly ddb: DynamoDBClient,
    private readonly tableName: string,
  ) {}

  /**
   * Takes one launch in `minute` if fewer than `capacity` are taken: the slot's index (0-based, the count before
   * this one), or undefined when the minute is full (nothing written).
   */
  async takeLaunch(minute: string, capacity: number): Promise<number | undefined> {
    const n = await this.add(LAUNCH_PREFIX + minute, 1, capacity - 1, expiry(minute, 1));
    return n === undefined ? undefined : n - 1;
  }

  /** Holds `vcpus` in `bucket` if the bucket stays within `budget`; false (nothing written) when it would not. */
  async takeVcpus(bucket: string, vcpus: number, budget: number): Promise<boolean> {
    if (vcpus === 0) return true;
    return (
      (await this.add(VCPU_PREFIX + bucket, vcpus, budget - vcpus, expiry(bucket, VCPU_BUCKET_MINUTES))) !==
      undefined
    );
  }

  /** Gives back what a hold took (a cancel, a reschedule, a booking that could not be completed). */
  async giveBack(hold: {
    launchMinute?: string;
    vcpus: number;
    vcpuBuckets: readonly string[];
  }): Promise<void> {
    await Promise.all([
      ...(hold.launchMinute ? [this.subtract(LAUNCH_PREFIX + hold.launchMinute, 1)] : []),
      ...(hold.vcpus > 0 ? hold.vcpuBuckets.map((b) => this.subtract(VCPU_PREFIX + b, hold.vcpus)) : []),
    ]);
  }

  /**
   * Removes the meeting's hold from its record, once: the caller that removed it (and only that one) gets it
   * back and gives it back to the ledger. A repeated or raced cancel finds no hold and frees nothing.
   */
  async takeHoldOf(meetingId: string): Promise<AdmissionHold | undefined> {
    try {
      const out = await this.ddb.send(
        new UpdateItemCommand({
          TableName: this.tableName,
          Key: marshall({ id: meetingId }),
          UpdateExpression: 'REMOVE #held',
          ConditionExpression: 'attribute_exists(#held)',
          ExpressionAttributeNames: { '#held': 'held' },
          ReturnValues: 'ALL_OLD',
        }),
      );
      const held = out.Attributes?.held;
      return held ? AdmissionHold.parse(unmarshall({ held }).held) : undefined;
    } catch (err) {
      if ((err as Error).name === 'ConditionalCheckFailedException') return undefined;
      throw err;
    }
  }

  /** Launches per minute and vCPUs per bucket, read consistently (absent items count 0). */
  async read(keys: { launches: readonly string[]; vcpus: readonly string[] }): Promise<LedgerSnapshot> {
    const ids = [...keys.launches.map((k) => LAUNCH_PREFIX + k), ...keys.vcpus.map((k) => VCPU_PREFIX + k)];
    const found = new Map<string, number>();
    for (let i = 0; i < ids.length; i += 100) {
      let request: Record<string, { Keys: Record<string, AttributeValue>[]; ConsistentRead: boolean }> = {
        [this.tableName]: { Keys: ids.slice(i, i + 100).map((id) => marshall({ id })), ConsistentRead: true },
      };
      for (let attempt = 0; Object.keys(request).length > 0; attempt++) {
        if (attempt > 0) await new Promise((r) => setTimeout(r, Math.min(1000, 20 * 2 ** attempt)));
        if (attempt > 8) throw new Error('ledger read: DynamoDB kept keys unprocessed');
        const out = await this.ddb.send(new BatchGetItemCommand({ RequestItems: request }));
        for (const item of out.Responses?.[this.tableName] ?? []) {
          const { id, n } = unmarshall(item) as { id: string; n?: number };
          found.set(id, n ?? 0);
        }
        request = (out.UnprocessedKeys ?? {}) as typeof request;
      }
    }
    const pick = (prefix: string, list: readonly string[]) =>
      new Map(list.map((k) => [k, found.get(prefix + k) ?? 0]));
    return { launches: pick(LAUNCH_PREFIX, keys.launches), vcpus: pick(VCPU_PREFIX, keys.vcpus) };
  }

  /** ADD `amount` to item `id`'s counter if the counter is at most `atMost` now: the new count, or undefined. */
  private async add(
    id: string,
    amount: number,
    atMost: number,
    expiresAt: number,
  ): Promise<number | undefined> {
    if (atMost < 0) return undefined;
    try {
      const out = await this.ddb.send(
        new UpdateItemCommand({
          TableName: this.tableName,
          Key: marshall({ id }),
          UpdateExpression: 'ADD #n :amount SET #exp = :exp',
          ConditionExpression: 'attribute_not_exists(#n) OR #n <= :atMost',
          ExpressionAttributeNames: { '#n': 'n', '#exp': 'expiresAt' },
          ExpressionAttributeValues: marshall({ ':amount': amount, ':atMost': atMost, ':exp': expiresAt }),
          ReturnValues: 'UPDATED_NEW',
        }),
      );
      return Number(unmarshall(out.Attributes ?? {}).n);
    } catch (err) {
      if ((err as Error).name === 'ConditionalCheckFailedException') return undefined;
      throw err;
    }
  }

  /**
   * Takes `amount` off item `id`'s counter, never below zero (a hold given back twice by a bug stays at 0). A
   * counter back at zero is deleted (only while it is still zero), so a refused booking leaves no item behind.
   */
  private async subtract(id: string, amount: number): Promise<void> {
    try {
      const out = await this.ddb.send(
        new UpdateItemCommand({
          TableName: this.tableName,
          Key: marshall({ id }),
          UpdateExpression: 'ADD #n :minus',
          ConditionExpression: '#n >= :amount',
          ExpressionAttributeNames: { '#n': 'n' },
          ExpressionAttributeValues: marshall({ ':minus': -amount, ':amount': amount }),
          ReturnValues: 'UPDATED_NEW',
        }),
      );
      if (Number(unmarshall(out.Attributes ?? {}).n) !== 0) return;
      await this.ddb.send(
        new DeleteItemCommand({
          TableName: this.tableName,
          Key: marshall({ id }),
          ConditionExpression: '#n = :zero',
          ExpressionAttributeNames: { '#n': 'n' },
          ExpressionAttributeValues: marshall({ ':zero': 0 }),
        }),
      );
    } catch (err) {
      if ((err as Error).name !== 'ConditionalCheckFailedException') throw err;
    }
  }
}

/** A ledger item is kept a day past its minute or bucket (DynamoDB TTL, epoch seconds). */
function expiry(key: string, minutes: number): number {
  return Math.floor(minuteOfKey(key) / 1000) + minutes * 60 + DAY_SECONDS;
}
