/**
 * The DynamoDB {@link MetadataStore}. Item shapes (attribute names are short
 * because every byte of an item is billed on each write):
 *
 * ```
 * topics  { pk:"t#<name>", name, id, parts:N, cfg:S(JSON), created:N, v:N }
 *         { pk:"x#<topicId>", name, id, parts:N, deleted:N }           tombstone
 * log     { pk:"<topicId>#<partition:5>", sk:"<baseOffset:20>",
 *           l:N lastOffset, o:S objectKey (absent on a head marker),
 *           c:S chunks "delta.position.length.records.maxTs" joined by ",",
 *           b:N bytes, t:N maxTimestamp, a:N appendedAt, p:S producers JSON (absent if none),
 *           x:N 1 on an abandoned-range marker }
 * topics  { pk:"n#<topicId>#<partition:5>", n:N next offset, P:M producer id → S JSON {e,f,l}, B:M producer id → N base }
 *                                                                     a partition's offset counter
 * groups  { pk:"<group>", sk:"meta", v:N, s:S(JSON state) }
 *         { pk:"<group>", sk:"o#<topic>#<partition:5>", topic, tid, part:N, off:N, md?:S, f:N fence, at:N }
 * ```
 * Every read that a write decision depends on is consistent.
 */
import {
  BatchWriteItemCommand,
  DeleteItemCommand,
  GetItemCommand,
  PutItemCommand,
  UpdateItemCommand,
  QueryCommand,
  ScanCommand,
  type AttributeValue,
  type DynamoDBClient,
  type QueryCommandInput,
} from '@aws-sdk/client-dynamodb';
import type { Settings } from '../../config.js';
import { EddyError } from '../../errors.js';
import { GROUP_META_SK, OFFSET_SK_PREFIX, PRODUCER_ID_COUNTER_PK, counterPk, logPk, logSk, offsetSk, tombstonePk, topicPk } from '../../layout.js';
import type { ChunkRef, CommittedOffset, GroupRecord, IndexEntry, PartitionCounter, ProducerState, TopicRecord, TopicTombstone } from '../../model.js';
import type { MetadataStore, ReservationProducer } from '../../ports.js';
import { isConditionFailed, translateAwsError } from './errors.js';

type Item = Record<string, AttributeValue>;

const S = (v: string): AttributeValue => ({ S: v });
const N = (v: number): AttributeValue => ({ N: String(v) });
const str = (item: Item, k: string): string => item[k]?.S ?? '';
const num = (item: Item, k: string): number => Number(item[k]?.N ?? 'NaN');

/** Chunks as `delta.position.length.records.maxTimestamp[.format]`, comma-separated; format 1 is left out (items of the first release). */
function encodeChunks(chunks: readonly ChunkRef[]): string {
  return chunks.map((c) => `${c.offsetDelta}.${c.position}.${c.length}.${c.records}.${c.maxTimestamp}${c.format && c.format !== 1 ? `.${c.format}` : ''}`).join(',');
}

function decodeChunks(s: string): ChunkRef[] {
  if (s === '') return [];
  return s.split(',').map((part) => {
    const [offsetDelta, position, length, records, maxTimestamp, format] = part.split('.').map(Number) as [number, number, number, number, number, number | undefined];
    return { offsetDelta, position, length, records, maxTimestamp, ...(format === 2 ? { format: 2 as const } : {}) };
  });
}

function entryItem(e: IndexEntry): Item {
  const item: Item = {
    pk: S(logPk(e.topicId, e.partition)),
    sk: S(logSk(e.baseOffset)),
    l: N(e.lastOffset),
    c: S(encodeChunks(e.chunks)),
    b: N(e.bytes),
    t: N(e.maxTimestamp),
    a: N(e.appendedAt),
  };
  if (e.objectKey !== null) item.o = S(e.objectKey);
  if (Object.keys(e.producers).length > 0) item.p = S(JSON.stringify(e.producers));
  if (e.topicName !== undefined) item.n = S(e.topicName);
  if (e.abandoned) item.x = N(1);
  return item;
}

function itemEntry(topicId: string, partition: number, item: Item): IndexEntry {
  return {
    topicId,
    partition,
    baseOffset: Number(str(item, 'sk')),
    lastOffset: num(item, 'l'),
    objectKey: item.o?.S ?? null,
    chunks: decodeChunks(str(item, 'c')),
    bytes: num(item, 'b'),
    maxTimestamp: num(item, 't'),
    appendedAt: num(item, 'a'),
    producers: item.p?.S ? (JSON.parse(item.p.S) as IndexEntry['producers']) : {},
    ...(item.x ? { abandoned: true } : {}),
  };
}

/** A producer state as stored in the counter's `P` map (the base lives in `B`). */
const stateJson = (s: ProducerState): string => JSON.stringify({ e: s.epoch, f: s.firstSequence, l: s.lastSequence });

function itemCounter(item: Item): PartitionCounter {
  const producers: Record<string, ProducerState> = {};
  for (const [id, v] of Object.entries(item.P?.M ?? {})) {
    const j = JSON.parse(v.S ?? '{}') as { e: number; f: number; l: number };
    producers[id] = { epoch: j.e, firstSequence: j.f, lastSequence: j.l, baseOffset: Number(item.B?.M?.[id]?.N ?? 'NaN') };
  }
  return { next: num(item, 'n'), producers };
}

function counterItem(topicId: string, partition: number, counter: PartitionCounter): Item {
  const P: Item = {};
  const B: Item = {};
  for (const [id, st] of Object.entries(counter.producers)) {
    P[id] = S(stateJson(st));
    B[id] = N(st.baseOffset);
  }
  return { pk: S(counterPk(topicId, partition)), n: N(counter.next), P: { M: P }, B: { M: B } };
}

function topicItem(t: TopicRecord): Item {
  return { pk: S(topicPk(t.name)), name: S(t.name), id: S(t.topicId), parts: N(t.partitions), cfg: S(JSON.stringify(t.config)), created: N(t.createdAt), v: N(t.version) };
}

function itemTopic(item: Item): TopicRecord {
  return {
    name: str(item, 'name'),
    topicId: str(item, 'id'),
    partitions: num(item, 'parts'),
    config: JSON.parse(str(item, 'cfg')) as TopicRecord['config'],
    createdAt: num(item, 'created'),
    version: num(item, 'v'),
  };
}

/** The condition that an index entry is still stored exactly as `e` was read. */
function unchanged(e: IndexEntry): { ConditionExpression: string; ExpressionAttributeValues: Item } {
  const values: Item = { ':l': N(e.lastOffset), ':a': N(e.appendedAt) };
  let cond = 'l = :l AND a = :a AND ';
  if (e.objectKey === null) cond += 'attribute_not_exists(o)';
  else {
    cond += 'o = :o';
    values[':o'] = S(e.objectKey);
  }
  return { ConditionExpression: cond, ExpressionAttributeValues: values };
}

/** Indexes, topics and groups in the three DynamoDB tables of `core/schema.ts`. */
export class DynamoMetadataStore implements MetadataStore {
  private readonly topics: string;
  private readonly log: string;
  private readonly groups: string;

  constructor(
    private readonly db: DynamoDBClient,
    tables: Pick<Settings, 'topicsTable' | 'logTable' | 'groupsTable'>,
  ) {
    this.topics = tables.topicsTable;
    this.log = tables.logTable;
    this.groups = tables.groupsTable;
  }

  /** Runs a conditional write: true if applied, false if the condition failed. */
  private async conditional(what: string, send: () => Promise<unknown>): Promise<boolean> {
    try {
      await send();
      return true;
    } catch (err) {
      if (isConditionFailed(err)) return false;
      throw translateAwsError(err, 'write', what);
    }
  }

  private async read<T>(what: string, send: () => Promise<T>): Promise<T> {
    try {
      return await send();
    } catch (err) {
      throw translateAwsError(err, 'read', what);
    }
  }

  private async *queryAll(input: QueryCommandInput, what: string): AsyncIterable<Item> {
    let start: Item | undefined;
    do {
      const out = await this.read(what, () => this.db.send(new QueryCommand({ ...input, ...(start ? { ExclusiveStartKey: start } : {}) })));
      for (const item of out.Items ?? []) yield item;
      start = out.LastEvaluatedKey;
    } while (start);
  }

  private async scanAll(table: string, filter: string, values: Item, what: string): Promise<Item[]> {
    const items: Item[] = [];
    let start: Item | undefined;
    do {
      const out = await this.read(what, () =>
        this.db.send(new ScanCommand({ TableName: table, ConsistentRead: true, FilterExpression: filter, ExpressionAttributeValues: values, ...(start ? { ExclusiveStartKey: start } : {}) })),
      );
      items.push(...(out.Items ?? []));
      start = out.LastEvaluatedKey;
    } while (start);
    return items;
  }

  async createTopic(topic: TopicRecord): Promise<void> {
    // attribute_not_exists: two creates of one name race; exactly one wins.
    const created = await this.conditional(`create topic ${topic.name}`, () =>
      this.db.send(new PutItemCommand({ TableName: this.topics, Item: topicItem(topic), ConditionExpression: 'attribute_not_exists(pk)' })),
    );
    if (!created) throw new EddyError('TOPIC_ALREADY_EXISTS', `topic ${topic.name} already exists`);
  }

  updateTopic(topic: TopicRecord): Promise<boolean> {
    // Version check: an alter based on a stale read (or on a deleted and
    // recreated topic, hence the id) must not overwrite a newer change.
    return this.conditional(`update topic ${topic.name}`, () =>
      this.db.send(
        new PutItemCommand({
          TableName: this.topics,
          Item: topicItem(topic),
          ConditionExpression: 'v = :v AND id = :id',
          ExpressionAttributeValues: { ':v': N(topic.version - 1), ':id': S(topic.topicId) },
        }),
      ),
    );
  }

  async getTopic(name: string): Promise<TopicRecord | undefined> {
    const out = await this.read(`get topic ${name}`, () =>
      this.db.send(new GetItemCommand({ TableName: this.topics, Key: { pk: S(topicPk(name)) }, ConsistentRead: true })),
    );
    return out.Item ? itemTopic(out.Item) : undefined;
  }

  async listTopics(): Promise<TopicRecord[]> {
    const items = await this.scanAll(this.topics, 'begins_with(pk, :p)', { ':p': S('t#') }, 'list topics');
    return items.map(itemTopic);
  }

  async deleteTopic(topic: TopicRecord, tombstone: TopicTombstone): Promise<boolean> {
    // Tombstone first: if we crash before the delete, maintenance sees a
    // tombstone whose topic id is still live and leaves its data alone.
    await this.conditional(`tombstone topic ${topic.name}`, () =>
      this.db.send(
        new PutItemCommand({
          TableName: this.topics,
          Item: { pk: S(tombstonePk(tombstone.topicId)), name: S(tombstone.name), id: S(tombstone.topicId), parts: N(tombstone.partitions), deleted: N(tombstone.deletedAt) },
        }),
      ),
    );
    return this.conditional(`delete topic ${topic.name}`, () =>
      this.db.send(
        new DeleteItemCommand({
          TableName: this.topics,
          Key: { pk: S(topicPk(topic.name)) },
          ConditionExpression: 'v = :v AND id = :id',
          ExpressionAttributeValues: { ':v': N(topic.version), ':id': S(topic.topicId) },
        }),
      ),
    );
  }

  async listTombstones(): Promise<TopicTombstone[]> {
    const items = await this.scanAll(this.topics, 'begins_with(pk, :p)', { ':p': S('x#') }, 'list tombstones');
    return items.map((i) => ({ topicId: str(i, 'id'), name: str(i, 'name'), partitions: num(i, 'parts'), deletedAt: num(i, 'deleted') }));
  }

  async removeTombstone(topicId: string): Promise<void> {
    await this.conditional(`remove tombstone ${topicId}`, () => this.db.send(new DeleteItemCommand({ TableName: this.topics, Key: { pk: S(tombstonePk(topicId)) } })));
  }

  private async oneEntry(topicId: string, partition: number, forward: boolean, extra?: { cond: string; values: Item }): Promise<IndexEntry | undefined> {
    const out = await this.read(`read index ${topicId}/${partition}`, () =>
      this.db.send(
        new QueryCommand({
          TableName: this.log,
          KeyConditionExpression: `pk = :pk${extra ? ` AND ${extra.cond}` : ''}`,
          ExpressionAttributeValues: { ':pk': S(logPk(topicId, partition)), ...(extra?.values ?? {}) },
          ScanIndexForward: forward,
          Limit: 1,
          ConsistentRead: true,
        }),
      ),
    );
    const item = out.Items?.[0];
    return item ? itemEntry(topicId, partition, item) : undefined;
  }

  headEntry(topicId: string, partition: number): Promise<IndexEntry | undefined> {
    return this.oneEntry(topicId, partition, false);
  }

  firstEntry(topicId: string, partition: number): Promise<IndexEntry | undefined> {
    return this.oneEntry(topicId, partition, true);
  }

  appendEntry(entry: IndexEntry): Promise<boolean> {
    // The append race of docs/design.md §3: every appender that read the same head
    // targets the same sort key (head.lastOffset + 1); attribute_not_exists
    // lets exactly one of them win, so offsets are dense and never reused.
    return this.conditional(`append to index ${entry.topicId}/${entry.partition}`, () =>
      this.db.send(new PutItemCommand({ TableName: this.log, Item: entryItem(entry), ConditionExpression: 'attribute_not_exists(pk)' })),
    );
  }

  async readCounter(topicId: string, partition: number): Promise<PartitionCounter | undefined> {
    const out = await this.read(`read offset counter ${topicId}/${partition}`, () =>
      this.db.send(new GetItemCommand({ TableName: this.topics, Key: { pk: S(counterPk(topicId, partition)) }, ConsistentRead: true })),
    );
    // A fence (a deleted topic's partition, fenceCounter) has no `n`.
    return out.Item?.n ? itemCounter(out.Item) : undefined;
  }

  createCounter(topicId: string, partition: number, counter: PartitionCounter): Promise<boolean> {
    return this.conditional(`create offset counter ${topicId}/${partition}`, () =>
      this.db.send(new PutItemCommand({ TableName: this.topics, Item: counterItem(topicId, partition, counter), ConditionExpression: 'attribute_not_exists(pk)' })),
    );
  }

  async raiseCounter(topicId: string, partition: number, from: number, counter: PartitionCounter): Promise<boolean> {
    if (from >= counter.next) return false;
    try {
      // n = :from: no reservation since the caller read the counter, so its
      // producer states are the ones the caller replaced; the counter only moves forward.
      await this.db.send(
        new PutItemCommand({
          TableName: this.topics,
          Item: counterItem(topicId, partition, counter),
          ConditionExpression: 'n = :from',
          ExpressionAttributeValues: { ':from': N(from) },
        }),
      );
      return true;
    } catch (err) {
      if (isConditionFailed(err)) return false;
      // Ambiguous: the caller reads the counter again, as after a read failure.
      throw translateAwsError(err, 'read', `raise offset counter ${topicId}/${partition}`);
    }
  }

  async reserveOffsets(topicId: string, partition: number, count: number, producer?: ReservationProducer): Promise<number | undefined> {
    // One atomic update: every reservation gets its own range (docs/design.md §3).
    // SET operands read the item as it was, so B.#pid = n records the base.
    let update = 'SET n = n + :c';
    let cond = 'attribute_exists(n)';
    const names: Record<string, string> = {};
    const values: Item = { ':c': N(count) };
    if (producer) {
      names['#pid'] = producer.producerId;
      update += ', P.#pid = :s, B.#pid = n';
      values[':s'] = S(stateJson(producer.state));
      if (producer.expected) {
        cond += ' AND P.#pid = :es AND B.#pid = :eb';
        values[':es'] = S(stateJson(producer.expected));
        values[':eb'] = N(producer.expected.baseOffset);
      } else cond += ' AND attribute_not_exists(P.#pid)';
      const evict = producer.evict.filter((id) => id !== producer.producerId);
      if (evict.length > 0) {
        evict.forEach((id, i) => (names[`#e${i}`] = id));
        update += ` REMOVE ${evict.map((_, i) => `P.#e${i}, B.#e${i}`).join(', ')}`;
      }
    }
    try {
      const out = await this.db.send(
        new UpdateItemCommand({
          TableName: this.topics,
          Key: { pk: S(counterPk(topicId, partition)) },
          UpdateExpression: update,
          ConditionExpression: cond,
          ...(Object.keys(names).length > 0 ? { ExpressionAttributeNames: names } : {}),
          ExpressionAttributeValues: values,
          ReturnValues: 'UPDATED_NEW',
        }),
      );
      const next = out.Attributes?.n?.N;
      if (next === undefined) throw new EddyError('INTERNAL', 'offset counter returned no value');
      return Number(next) - count;
    } catch (err) {
      if (isConditionFailed(err)) return undefined;
      if (err instanceof EddyError) throw err;
      // An ambiguous reservation only leaves a range nobody writes: safe to retry, like a read.
      throw translateAwsError(err, 'read', `reserve offsets ${topicId}/${partition}`);
    }
  }

  async fenceCounter(topicId: string, partition: number): Promise<void> {
    // No `n`: reserveOffsets (attribute_exists(n)), createCounter
    // (attribute_not_exists(pk)) and raiseCounter (n = :from) all fail on it.
    await this.conditional(`fence offset counter ${topicId}/${partition}`, () =>
      this.db.send(new PutItemCommand({ TableName: this.topics, Item: { pk: S(counterPk(topicId, partition)), fenced: { BOOL: true } } })),
    );
  }

  async deleteCounter(topicId: string, partition: number): Promise<void> {
    await this.conditional(`delete offset counter ${topicId}/${partition}`, () =>
      this.db.send(new DeleteItemCommand({ TableName: this.topics, Key: { pk: S(counterPk(topicId, partition)) } })),
    );
  }

  async entriesFrom(topicId: string, partition: number, offset: number, limit: number): Promise<IndexEntry[]> {
    const containing = await this.oneEntry(topicId, partition, false, { cond: 'sk <= :sk', values: { ':sk': S(logSk(offset)) } });
    const out: IndexEntry[] = containing ? [containing] : [];
    if (out.length >= limit) return out;
    const after = await this.read(`read index ${topicId}/${partition}`, () =>
      this.db.send(
        new QueryCommand({
          TableName: this.log,
          KeyConditionExpression: 'pk = :pk AND sk > :sk',
          ExpressionAttributeValues: { ':pk': S(logPk(topicId, partition)), ':sk': S(containing ? logSk(containing.baseOffset) : logSk(offset)) },
          Limit: limit - out.length,
          ConsistentRead: true,
        }),
      ),
    );
    for (const item of after.Items ?? []) out.push(itemEntry(topicId, partition, item));
    return out;
  }

  async entriesBefore(topicId: string, partition: number, before: number, limit: number): Promise<IndexEntry[]> {
    const out = await this.read(`read index ${topicId}/${partition}`, () =>
      this.db.send(
        new QueryCommand({
          TableName: this.log,
          KeyConditionExpression: 'pk = :pk AND sk < :sk',
          ExpressionAttributeValues: { ':pk': S(logPk(topicId, partition)), ':sk': S(logSk(before)) },
          ScanIndexForward: false,
          Limit: limit,
          ConsistentRead: true,
        }),
      ),
    );
    return (out.Items ?? []).map((item) => itemEntry(topicId, partition, item));
  }

  async countSegments(topicId: string, partition: number): Promise<number> {
    let count = 0;
    let start: Item | undefined;
    do {
      const out = await this.read(`count index ${topicId}/${partition}`, () =>
        this.db.send(
          new QueryCommand({
            TableName: this.log,
            KeyConditionExpression: 'pk = :pk',
            FilterExpression: 'attribute_exists(o)',
            ExpressionAttributeValues: { ':pk': S(logPk(topicId, partition)) },
            Select: 'COUNT',
            ConsistentRead: true,
            ...(start ? { ExclusiveStartKey: start } : {}),
          }),
        ),
      );
      count += out.Count ?? 0;
      start = out.LastEvaluatedKey;
    } while (start);
    return count;
  }

  async *listEntries(topicId: string, partition: number): AsyncIterable<IndexEntry> {
    const input: QueryCommandInput = {
      TableName: this.log,
      KeyConditionExpression: 'pk = :pk',
      ExpressionAttributeValues: { ':pk': S(logPk(topicId, partition)) },
      ConsistentRead: true,
    };
    for await (const item of this.queryAll(input, `list index ${topicId}/${partition}`)) yield itemEntry(topicId, partition, item);
  }

  replaceEntry(prev: IndexEntry, next: IndexEntry): Promise<boolean> {
    if (prev.baseOffset !== next.baseOffset) return Promise.resolve(false);
    // Compaction and retention rewrite an entry only if nobody changed it since they read it.
    return this.conditional(`replace index entry ${prev.topicId}/${prev.partition}@${prev.baseOffset}`, () =>
      this.db.send(new PutItemCommand({ TableName: this.log, Item: entryItem(next), ...unchanged(prev) })),
    );
  }

  deleteEntry(entry: IndexEntry): Promise<boolean> {
    return this.conditional(`delete index entry ${entry.topicId}/${entry.partition}@${entry.baseOffset}`, () =>
      this.db.send(
        new DeleteItemCommand({ TableName: this.log, Key: { pk: S(logPk(entry.topicId, entry.partition)), sk: S(logSk(entry.baseOffset)) }, ...unchanged(entry) }),
      ),
    );
  }

  async allocateProducerId(): Promise<bigint> {
    // An atomic ADD: every caller gets its own value, with no read-modify-write
    // race. Translated like a read: an ambiguous failure only skips an id, so
    // retrying is always safe.
    const out = await this.read('allocate producer id', () =>
      this.db.send(
        new UpdateItemCommand({
          TableName: this.topics,
          Key: { pk: S(PRODUCER_ID_COUNTER_PK) },
          UpdateExpression: 'ADD n :one',
          ExpressionAttributeValues: { ':one': N(1) },
          ReturnValues: 'UPDATED_NEW',
        }),
      ),
    );
    const n = out.Attributes?.n?.N;
    if (n === undefined) throw new EddyError('INTERNAL', 'producer id counter returned no value');
    return BigInt(n);
  }

  async getGroup(group: string): Promise<GroupRecord | undefined> {
    const out = await this.read(`get group ${group}`, () =>
      this.db.send(new GetItemCommand({ TableName: this.groups, Key: { pk: S(group), sk: S(GROUP_META_SK) }, ConsistentRead: true })),
    );
    return out.Item ? { group, version: num(out.Item, 'v'), state: JSON.parse(str(out.Item, 's')) as unknown } : undefined;
  }

  saveGroup(record: GroupRecord): Promise<boolean> {
    // Optimistic concurrency on the whole group document: concurrent
    // heartbeats each read-modify-write it, and only one per version wins.
    const cond =
      record.version === 1
        ? { ConditionExpression: 'attribute_not_exists(pk)' }
        : { ConditionExpression: 'v = :v', ExpressionAttributeValues: { ':v': N(record.version - 1) } };
    return this.conditional(`save group ${record.group}`, () =>
      this.db.send(
        new PutItemCommand({
          TableName: this.groups,
          Item: { pk: S(record.group), sk: S(GROUP_META_SK), v: N(record.version), s: S(JSON.stringify(record.state)) },
          ...cond,
        }),
      ),
    );
  }

  deleteGroup(group: string, version: number): Promise<boolean> {
    return this.conditional(`delete group ${group}`, () =>
      this.db.send(
        new DeleteItemCommand({
          TableName: this.groups,
          Key: { pk: S(group), sk: S(GROUP_META_SK) },
          ConditionExpression: 'v = :v',
          ExpressionAttributeValues: { ':v': N(version) },
        }),
      ),
    );
  }

  async listGroups(): Promise<GroupRecord[]> {
    const items = await this.scanAll(this.groups, 'sk = :m', { ':m': S(GROUP_META_SK) }, 'list groups');
    return items.map((i) => ({ group: str(i, 'pk'), version: num(i, 'v'), state: JSON.parse(str(i, 's')) as unknown }));
  }

  async readOffsets(group: string): Promise<CommittedOffset[]> {
    const out: CommittedOffset[] = [];
    const input: QueryCommandInput = {
      TableName: this.groups,
      KeyConditionExpression: 'pk = :pk AND begins_with(sk, :o)',
      ExpressionAttributeValues: { ':pk': S(group), ':o': S(OFFSET_SK_PREFIX) },
      ConsistentRead: true,
    };
    for await (const i of this.queryAll(input, `read offsets of ${group}`)) {
      out.push({
        topic: str(i, 'topic'),
        topicId: str(i, 'tid'),
        partition: num(i, 'part'),
        offset: num(i, 'off'),
        ...(i.md?.S !== undefined ? { metadata: i.md.S } : {}),
        fence: num(i, 'f'),
        committedAt: num(i, 'at'),
      });
    }
    return out;
  }

  commitOffset(group: string, o: CommittedOffset): Promise<boolean> {
    const item: Item = {
      pk: S(group),
      sk: S(offsetSk(o.topic, o.partition)),
      topic: S(o.topic),
      tid: S(o.topicId),
      part: N(o.partition),
      off: N(o.offset),
      f: N(o.fence),
      at: N(o.committedAt),
    };
    if (o.metadata !== undefined) item.md = S(o.metadata);
    // The fence closes the zombie race: a member fenced after its epoch check
    // but before this write carries a lower fence than the partition's new
    // owner, so once the new owner has committed, the zombie's write is refused.
    return this.conditional(`commit offset ${group} ${o.topic}/${o.partition}`, () =>
      this.db.send(
        new PutItemCommand({
          TableName: this.groups,
          Item: item,
          ConditionExpression: 'attribute_not_exists(pk) OR f <= :f',
          ExpressionAttributeValues: { ':f': N(o.fence) },
        }),
      ),
    );
  }

  async deleteOffsets(group: string): Promise<void> {
    const keys: Item[] = [];
    const input: QueryCommandInput = {
      TableName: this.groups,
      KeyConditionExpression: 'pk = :pk AND begins_with(sk, :o)',
      ExpressionAttributeValues: { ':pk': S(group), ':o': S(OFFSET_SK_PREFIX) },
      ProjectionExpression: 'pk, sk',
      ConsistentRead: true,
    };
    for await (const i of this.queryAll(input, `list offsets of ${group}`)) keys.push({ pk: i.pk!, sk: i.sk! });
    for (let n = 0; n < keys.length; n += 25) {
      let requests = keys.slice(n, n + 25).map((Key) => ({ DeleteRequest: { Key } }));
      for (let attempt = 0; requests.length > 0; attempt++) {
        if (attempt > 10) throw new EddyError('UNAVAILABLE', `could not delete offsets of group ${group}, retry`);
        const out = await this.read(`delete offsets of ${group}`, () => this.db.send(new BatchWriteItemCommand({ RequestItems: { [this.groups]: requests } })));
        requests = (out.UnprocessedItems?.[this.groups] ?? []).flatMap((r) => (r.DeleteRequest?.Key ? [{ DeleteRequest: { Key: r.DeleteRequest.Key } }] : []));
      }
    }
  }
}
