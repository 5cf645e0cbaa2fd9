/**
 * Partition leases of the trigger dispatcher: at most one dispatcher
 * invocation delivers a given (group, topic, partition) at a time.
 *
 * A lease is one item of the groups table, next to the group's committed
 * offsets: pk `<group>`, sk `lease#<topic>#<partition:5>` (group listing reads
 * `sk = meta` only and offsets `begins_with(sk, 'o#')`, so Eddy's group API
 * never sees it). It is taken with a conditional write that succeeds only if
 * nobody holds it or the holder's lease has expired, and it expires on its
 * own: a crashed dispatcher blocks its partitions for at most the lease's
 * length. The same item keeps the failed-attempt count of the partition's
 * first undelivered batch, so `retryAttempts` spans invocations, and a
 * `pend` flag: a wake-up that finds the lease held sets it, and the holder's
 * release fails while it is set, so the holder drains once more and the
 * woken records are not left for the sweep.
 */
import { ConditionalCheckFailedException, UpdateItemCommand, type AttributeValue, type DynamoDBClient } from '@aws-sdk/client-dynamodb';
import type { AttemptStore } from '@eddy/sdk';

/** Identifies one partition of one trigger's group. */
export interface LeaseKey {
  readonly group: string;
  readonly topic: string;
  readonly partition: number;
}

/** A lease held: the failed attempts it recorded for the batch at `failedOffset`, as of taking it. */
export interface HeldLease {
  readonly failedOffset?: number;
  /** Last offset of that failing (sub-)batch, when recorded. */
  readonly failedEndOffset?: number;
  readonly failedAttempts: number;
}

/** Exclusive, expiring ownership of a partition's delivery. */
export interface PartitionLeases {
  /** Takes the lease for `owner` until `until` (epoch ms); undefined when someone else holds an unexpired one. */
  acquire(key: LeaseKey, owner: string, until: number, now: number): Promise<HeldLease | undefined>;
  /**
   * Asks the holder to look again before it lets go (a wake-up that found the
   * lease held). Returns false if the lease turned out to be free.
   */
  markPending(key: LeaseKey, now: number): Promise<boolean>;
  /**
   * Gives the lease up if nobody marked it pending meanwhile; returns false
   * (still holding it, the mark cleared) when someone did: the holder drains again.
   */
  release(key: LeaseKey, owner: string): Promise<boolean>;
  /**
   * Gives the lease up unconditionally for its owner, pending mark or not
   * (the holder is abandoning the partition after an error or at its deadline;
   * the sweep or the next wake-up takes over). False if it was no longer `owner`'s.
   */
  abandon(key: LeaseKey, owner: string): Promise<boolean>;
  /**
   * Extends `owner`'s lease to `until` (epoch ms) before a delivery; false
   * when someone else holds it now (it expired and was taken over).
   */
  renew(key: LeaseKey, owner: string, until: number): Promise<boolean>;
  /** The attempt store of a partition under `owner`'s lease, starting from what `held` recorded. */
  attempts(key: LeaseKey, owner: string, held: HeldLease): AttemptStore;
}

/** Attribute names the lease expressions use (`owner` and `until` are DynamoDB reserved words). */
const LEASE_NAMES = { '#owner': 'owner', '#until': 'until' };

/** Sort key of a partition's lease item. */
export const leaseSk = (topic: string, partition: number): string => `lease#${topic}#${String(partition).padStart(5, '0')}`;

/** Leases in the groups table (DynamoDB, conditional writes). */
export class DynamoPartitionLeases implements PartitionLeases {
  constructor(
    private readonly db: DynamoDBClient,
    private readonly table: string,
  ) {}

  private key(k: LeaseKey): Record<string, { S: string }> {
    return { pk: { S: k.group }, sk: { S: leaseSk(k.topic, k.partition) } };
  }

  /** One conditional update of a lease item: true when it applied, false when its condition failed. */
  private async update(key: LeaseKey, update: string, condition: string, values: Record<string, AttributeValue>): Promise<boolean> {
    try {
      await this.db.send(
        new UpdateItemCommand({
          TableName: this.table,
          Key: this.key(key),
          UpdateExpression: update,
          ConditionExpression: condition,
          // DynamoDB refuses names an expression does not use: pass only those these two use.
          ExpressionAttributeNames: Object.fromEntries(Object.entries(LEASE_NAMES).filter(([n]) => update.includes(n) || condition.includes(n))),
          ExpressionAttributeValues: values,
        }),
      );
      return true;
    } catch (err) {
      if (isConditionFailure(err)) return false;
      throw err;
    }
  }

  async acquire(key: LeaseKey, owner: string, until: number, now: number): Promise<HeldLease | undefined> {
    try {
      const out = await this.db.send(
        new UpdateItemCommand({
          TableName: this.table,
          Key: this.key(key),
          // A new holder drains anyway, so a pending mark left by a waker is consumed here.
          UpdateExpression: 'SET #owner = :o, #until = :u REMOVE pend',
          ConditionExpression: 'attribute_not_exists(pk) OR #until < :now OR #owner = :o',
          ExpressionAttributeNames: { '#owner': 'owner', '#until': 'until' },
          ExpressionAttributeValues: { ':o': { S: owner }, ':u': { N: String(until) }, ':now': { N: String(now) } },
          ReturnValues: 'ALL_NEW',
        }),
      );
      const item = out.Attributes ?? {};
      return {
        ...(item.fo?.N !== undefined ? { failedOffset: Number(item.fo.N) } : {}),
        ...(item.fe?.N !== undefined ? { failedEndOffset: Number(item.fe.N) } : {}),
        failedAttempts: Number(item.fa?.N ?? 0),
      };
    } catch (err) {
      if (isConditionFailure(err)) return undefined;
      throw err;
    }
  }

  markPending(key: LeaseKey, now: number): Promise<boolean> {
    return this.update(key, 'SET pend = :t', '#until >= :now', { ':t': { BOOL: true }, ':now': { N: String(now) } });
  }

  async release(key: LeaseKey, owner: string): Promise<boolean> {
    const o = { ':o': { S: owner } };
    if (await this.update(key, 'SET #until = :z', '#owner = :o AND attribute_not_exists(pend)', { ...o, ':z': { N: '0' } })) return true;
    // Either marked pending (clear the mark and keep the lease: false) or no longer ours (someone took it over after it expired: true).
    return !(await this.update(key, 'REMOVE pend', '#owner = :o AND attribute_exists(pend)', o));
  }

  renew(key: LeaseKey, owner: string, until: number): Promise<boolean> {
    return this.update(key, 'SET #until = :u', '#owner = :o', { ':o': { S: owner }, ':u': { N: String(until) } });
  }

  abandon(key: LeaseKey, owner: string): Promise<boolean> {
    return this.update(key, 'SET #until = :z REMOVE pend', '#owner = :o', { ':o': { S: owner }, ':z': { N: '0' } });
  }

  attempts(key: LeaseKey, owner: string, held: HeldLease): AttemptStore {
    // Read once when the lease was taken; this holder is the only writer while it holds it.
    let known: { offset?: number; attempts: number; endOffset?: number } = { offset: held.failedOffset, attempts: held.failedAttempts, endOffset: held.failedEndOffset };
    return {
      load: async (partition, offset) =>
        partition === key.partition && known.offset === offset ? { attempts: known.attempts, ...(known.endOffset !== undefined ? { endOffset: known.endOffset } : {}) } : 0,
      save: async (partition, offset, attempts, endOffset) => {
        // 0 attempts: the batch was delivered or dead-lettered; the record goes.
        const clear = attempts === 0;
        await this.db.send(
          new UpdateItemCommand({
            TableName: this.table,
            Key: this.key({ ...key, partition }),
            UpdateExpression: clear ? 'REMOVE fo, fa, fe' : endOffset !== undefined ? 'SET fo = :fo, fa = :fa, fe = :fe' : 'SET fo = :fo, fa = :fa REMOVE fe',
            ConditionExpression: '#owner = :o',
            ExpressionAttributeNames: { '#owner': 'owner' },
            ExpressionAttributeValues: {
              ':o': { S: owner },
              ...(clear ? {} : { ':fo': { N: String(offset) }, ':fa': { N: String(attempts) } }),
              ...(!clear && endOffset !== undefined ? { ':fe': { N: String(endOffset) } } : {}),
            },
          }),
        );
        known = clear ? { attempts: 0 } : { offset, attempts, ...(endOffset !== undefined ? { endOffset } : {}) };
      },
    };
  }
}

function isConditionFailure(err: unknown): boolean {
  return err instanceof ConditionalCheckFailedException || (err as { name?: string } | null)?.name === 'ConditionalCheckFailedException';
}
