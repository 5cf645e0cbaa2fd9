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
 * first undelivered batch, so `retryAttempts` spans invocations.
 */
import { ConditionalCheckFailedException, GetItemCommand, UpdateItemCommand, type DynamoDBClient } from '@aws-sdk/client-dynamodb';
import type { AttemptStore } from '@eddy/sdk';

/** Identifies one partition of one trigger's group. */
export interface LeaseKey {
  readonly group: string;
  readonly topic: string;
  readonly partition: number;
}

/** Exclusive, expiring ownership of a partition's delivery. */
export interface PartitionLeases {
  /** Takes the lease for `owner` until `until` (epoch ms); false when someone else holds an unexpired one. */
  acquire(key: LeaseKey, owner: string, until: number, now: number): Promise<boolean>;
  /** Gives the lease up (only if `owner` still holds it). */
  release(key: LeaseKey, owner: string): Promise<void>;
  /** The attempt store of a partition under `owner`'s lease. */
  attempts(key: Omit<LeaseKey, 'partition'>, owner: string): AttemptStore;
}

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

  async acquire(key: LeaseKey, owner: string, until: number, now: number): Promise<boolean> {
    try {
      await this.db.send(
        new UpdateItemCommand({
          TableName: this.table,
          Key: this.key(key),
          UpdateExpression: 'SET #owner = :o, #until = :u',
          ConditionExpression: 'attribute_not_exists(pk) OR #until < :now OR #owner = :o',
          ExpressionAttributeNames: { '#owner': 'owner', '#until': 'until' },
          ExpressionAttributeValues: { ':o': { S: owner }, ':u': { N: String(until) }, ':now': { N: String(now) } },
        }),
      );
      return true;
    } catch (err) {
      if (err instanceof ConditionalCheckFailedException || (err as { name?: string }).name === 'ConditionalCheckFailedException') return false;
      throw err;
    }
  }

  async release(key: LeaseKey, owner: string): Promise<void> {
    try {
      await this.db.send(
        new UpdateItemCommand({
          TableName: this.table,
          Key: this.key(key),
          UpdateExpression: 'SET #until = :z',
          ConditionExpression: '#owner = :o',
          ExpressionAttributeNames: { '#owner': 'owner', '#until': 'until' },
          ExpressionAttributeValues: { ':o': { S: owner }, ':z': { N: '0' } },
        }),
      );
    } catch (err) {
      // Someone took it over after it expired: nothing of ours to release.
      if (err instanceof ConditionalCheckFailedException || (err as { name?: string }).name === 'ConditionalCheckFailedException') return;
      throw err;
    }
  }

  attempts(key: Omit<LeaseKey, 'partition'>, owner: string): AttemptStore {
    return {
      load: async (partition, offset) => {
        const out = await this.db.send(new GetItemCommand({ TableName: this.table, Key: this.key({ ...key, partition }), ConsistentRead: true }));
        const item = out.Item;
        return item?.fo?.N !== undefined && Number(item.fo.N) === offset ? Number(item.fa?.N ?? 0) : 0;
      },
      save: async (partition, offset, attempts) => {
        await this.db.send(
          new UpdateItemCommand({
            TableName: this.table,
            Key: this.key({ ...key, partition }),
            UpdateExpression: 'SET fo = :fo, fa = :fa',
            ConditionExpression: '#owner = :o',
            ExpressionAttributeNames: { '#owner': 'owner' },
            ExpressionAttributeValues: { ':o': { S: owner }, ':fo': { N: String(offset) }, ':fa': { N: String(attempts) } },
          }),
        );
      },
    };
  }
}
