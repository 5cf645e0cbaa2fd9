/**
 * The log: topics, produce, fetch (with its long poll), offsets. Every rule
 * a front door could get wrong lives here, so the HTTP handlers, the Kafka
 * protocol and triggers answer the same question the same way. Reached
 * through `createEddy(...).log` (core/index.ts).
 */
import { EddyError } from '../errors.js';
import type { TopicConfig, TopicRecord } from '../model.js';
import type { Clock, Ids, MetadataStore, Notifier, ObjectStore } from '../ports.js';
import { getTopic, resolveTopicConfig, validatePartitionCount, validateTopicName } from '../topics.js';
import { mapLimit } from '../util.js';
import {
  checkFetchLimits,
  checkPartition,
  fetchRecords,
  HWM_WINDOW_ENTRIES,
  listOffset,
  partitionOffsets,
  readBatches,
  type FetchRequest,
  type FetchResult,
  type OffsetSpec,
  type PartitionOffsets,
  type ReadBatchesRequest,
  type ReadBatchesResult,
  type ReadDeps,
  type CrcOptions,
} from './fetch.js';
import { shapeBatches, type FetchBatchesRequest, type FetchBatchesResult } from './fetch-batches.js';
import {
  appendBatches,
  produce,
  produceBatches,
  type AppendProtocol,
  type AppendBatchesRequest,
  type PartitionAppendResult,
  type PartitionBatchResult,
  type ProduceBatchesRequest,
  type ProduceDeps,
  type ProduceRequest,
  type RecordResult,
} from './produce.js';

/** A partition's offsets plus how many index entries hold its records. */
export interface PartitionDescription extends PartitionOffsets {
  /** Index entries (stored chunks) holding live records: what compaction reduces. */
  readonly segments: number;
}

/** A topic as the API describes it. */
export interface TopicDescription {
  readonly name: string;
  readonly topicId: string;
  readonly partitions: number;
  readonly config: TopicConfig;
  readonly partitionOffsets: PartitionDescription[];
}

/** Arguments of {@link Log.createTopic}. */
export interface CreateTopicRequest {
  readonly name: string;
  /** @default 1 */
  readonly partitions?: number;
  readonly config?: Partial<TopicConfig>;
}

/** Arguments of {@link Log.alterTopic}. */
export interface AlterTopicRequest {
  /** New partition count; may only grow. */
  readonly partitions?: number;
  readonly config?: Partial<TopicConfig>;
}

const DESCRIBE_CONCURRENCY = 16;
/** How long an append under the reserve protocol uses a topic record it read (LogOptions.topicCacheMs). */
const TOPIC_CACHE_MS = 5_000;
/** Most topic records an append keeps; past that the cache starts over. */
const MAX_CACHED_TOPICS = 1_024;

/** The ports the log needs. */
export interface LogPorts {
  readonly objectStore: ObjectStore;
  readonly metadataStore: MetadataStore;
  readonly clock: Clock;
  readonly ids: Ids;
  readonly notifier: Notifier;
}

/** Options of the {@link Log}. */
export interface LogOptions {
  /**
   * How often a long poll re-reads the index when no append in this process
   * wakes it (appends in other processes are seen this late at most).
   * @default 250
   */
  readonly pollIntervalMs?: number;
  /**
   * The append protocol (docs/design.md §3): `head` (read the head, race for
   * the next key; dense offsets) or `reserve` (one counter update per append;
   * many producers per partition; offsets dense except where an append was
   * abandoned). Every process writing to the same tables must run the same one.
   * @default 'head'
   */
  readonly appendProtocol?: AppendProtocol;
  /**
   * Under the reserve protocol, how long an append may use a topic record
   * this process read earlier instead of reading it again (docs/design.md
   * §3.1, "The topic on the append path"): one DynamoDB read less per
   * request. A config change made elsewhere is seen this late at most; an
   * append that starts after a deletion returned is refused (the deletion
   * fences the offset counters, and an append that finds no counter reads
   * the topic again). The head protocol always
   * reads the topic. 0 turns the cache off.
   * @default 5000
   */
  readonly topicCacheMs?: number;
  /**
   * How old the entry above a hole must be before a read abandons the hole
   * (docs/design.md §4).
   * @default 10000
   */
  readonly abandonAfterMs?: number;
}

/** Topics, produce, fetch and offsets over the ports. */
export class Log {
  /** Round-robin cursors for keyless records, per topic id. */
  private readonly cursors = new Map<string, number>();
  /** Partitions whose offset counter this process checked against the head (reserve protocol, docs/design.md §3.1). */
  private readonly counterChecked = new Set<string>();
  private readonly meta: MetadataStore;
  private readonly pollIntervalMs: number;
  private readonly appendProtocol: AppendProtocol;
  private readonly abandonAfterMs: number | undefined;
  private readonly topicCacheMs: number;
  /** Topic records for appends under the reserve protocol, by name, with when they stop being used. */
  private readonly appendTopics = new Map<string, { readonly topic: TopicRecord; readonly until: number }>();

  constructor(
    private readonly ports: LogPorts,
    options: LogOptions = {},
  ) {
    this.meta = ports.metadataStore;
    this.pollIntervalMs = options.pollIntervalMs ?? 250;
    this.appendProtocol = options.appendProtocol ?? 'head';
    this.abandonAfterMs = options.abandonAfterMs;
    this.topicCacheMs = options.topicCacheMs ?? TOPIC_CACHE_MS;
  }

  /** Reads a topic or throws `UNKNOWN_TOPIC_OR_PARTITION`. */
  topic(name: string): Promise<TopicRecord> {
    return getTopic(this.meta, name);
  }

  /**
   * The topic for an append naming `partitions`, and whether it is a cached
   * copy. Under the reserve protocol, a record read less than `topicCacheMs`
   * ago that has all of them (a partition past it reads again: the topic may
   * have grown); otherwise read now. Why a cached record never lets an append
   * land in a deleted topic: docs/design.md §3.1.
   */
  private async appendTopic(name: string, partitions: readonly number[]): Promise<{ topic: TopicRecord; cached: boolean }> {
    if (this.appendProtocol !== 'reserve' || this.topicCacheMs <= 0) return { topic: await this.topic(name), cached: false };
    const now = this.ports.clock.now();
    const hit = this.appendTopics.get(name);
    if (hit && now < hit.until && partitions.every((p) => p < hit.topic.partitions)) return { topic: hit.topic, cached: true };
    const topic = await this.topic(name);
    if (this.appendTopics.size >= MAX_CACHED_TOPICS) this.appendTopics.clear();
    this.appendTopics.set(name, { topic, until: now + this.topicCacheMs });
    return { topic, cached: false };
  }

  /**
   * Runs an append on {@link Log.appendTopic}'s topic. A failure (or a result
   * `refused` calls stale) drops the cached record. An append refused with
   * UNKNOWN_TOPIC_OR_PARTITION acknowledged nothing (at most it wrote a first
   * entry into a deleted topic, reclaimed with it); when it ran on a cached copy
   * (the topic may have been deleted and created again), it runs once more
   * on a fresh read.
   */
  private async onAppendTopic<T>(name: string, partitions: readonly number[], append: (topic: TopicRecord) => Promise<T>, refused: (result: T) => boolean = () => false): Promise<T> {
    const { topic, cached } = await this.appendTopic(name, partitions);
    try {
      const result = await append(topic);
      if (refused(result)) this.appendTopics.delete(name);
      return result;
    } catch (err) {
      this.appendTopics.delete(name);
      if (cached && err instanceof EddyError && err.code === 'UNKNOWN_TOPIC_OR_PARTITION') return this.onAppendTopic(name, partitions, append, refused);
      throw err;
    }
  }

  /** Creates a topic with a fresh topic id. */
  async createTopic(request: CreateTopicRequest): Promise<TopicDescription> {
    validateTopicName(request.name);
    const partitions = request.partitions ?? 1;
    validatePartitionCount(partitions);
    const config = resolveTopicConfig(request.config);
    const topic: TopicRecord = {
      name: request.name,
      topicId: this.ports.ids.unique(),
      partitions,
      config,
      createdAt: this.ports.clock.now(),
      version: 1,
    };
    await this.meta.createTopic(topic);
    // A fresh topic id has no index entries yet: nothing to read.
    return {
      name: topic.name,
      topicId: topic.topicId,
      partitions,
      config,
      partitionOffsets: Array.from({ length: partitions }, (_, partition) => ({ partition, logStartOffset: 0, highWatermark: 0, segments: 0 })),
    };
  }

  /** All topics, by name. */
  async listTopics(): Promise<Array<{ name: string; partitions: number }>> {
    const topics = await this.meta.listTopics();
    // Stryker disable next-line EqualityOperator,ConditionalExpression: topic names are unique, so the comparator never sees two equal names and `<=`/`>=` or answering 1 for "not less" order them the same
    return topics.map((t) => ({ name: t.name, partitions: t.partitions })).sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0));
  }

  /** A topic with per-partition offsets and segment counts. */
  async describeTopic(name: string): Promise<TopicDescription> {
    return this.describe(await this.topic(name));
  }

  private async describe(topic: TopicRecord): Promise<TopicDescription> {
    const rows: PartitionDescription[] = await mapLimit(
      Array.from({ length: topic.partitions }, (_, p) => p),
      DESCRIBE_CONCURRENCY,
      async (p) => {
        const [offsets, segments] = await Promise.all([partitionOffsets(this.meta, topic, p, this.hwmWindow()), this.meta.countSegments(topic.topicId, p)]);
        return { ...offsets, segments };
      },
    );
    return { name: topic.name, topicId: topic.topicId, partitions: topic.partitions, config: topic.config, partitionOffsets: rows };
  }

  /** Grows partitions and/or changes config, with an optimistic version check. */
  async alterTopic(name: string, request: AlterTopicRequest): Promise<TopicDescription> {
    for (let attempt = 0; attempt < 5; attempt++) {
      const topic = await this.topic(name);
      let partitions = topic.partitions;
      if (request.partitions !== undefined) {
        validatePartitionCount(request.partitions);
        if (request.partitions < topic.partitions) {
          throw new EddyError('INVALID_PARTITIONS', `partitions may only grow: topic ${name} has ${topic.partitions}, asked for ${request.partitions}`);
        }
        partitions = request.partitions;
      }
      const config = resolveTopicConfig(request.config, topic.config);
      const next: TopicRecord = { ...topic, partitions, config, version: topic.version + 1 };
      if (await this.meta.updateTopic(next)) {
        this.appendTopics.delete(name);
        return this.describe(next);
      }
    }
    throw new EddyError('UNAVAILABLE', `topic ${name} is being changed concurrently, retry`);
  }

  /** Deletes a topic at once; maintenance reclaims its objects and index items. */
  async deleteTopic(name: string): Promise<void> {
    const topic = await this.topic(name);
    const deleted = await this.meta.deleteTopic(topic, {
      topicId: topic.topicId,
      name: topic.name,
      partitions: topic.partitions,
      deletedAt: this.ports.clock.now(),
    });
    if (!deleted) throw new EddyError('UNAVAILABLE', `topic ${name} changed while being deleted, retry`);
    this.appendTopics.delete(name);
    // Appends under the reserve protocol that use a cached copy of the topic
    // need a counter: fencing every partition's counter makes them fail, and
    // no append can create a counter there again (docs/design.md §3.1). After
    // the topic, never before: an append that found no counter could create
    // one while the topic was still there.
    try {
      await mapLimit(
        Array.from({ length: topic.partitions }, (_, p) => p),
        DESCRIBE_CONCURRENCY,
        (p) => this.meta.fenceCounter(topic.topicId, p),
      );
    } catch (err) {
      throw new EddyError('UNAVAILABLE', `topic ${name} is deleted, but not all of its offset counters are fenced yet (appends holding a cached copy of the topic may land for ${this.topicCacheMs} ms more; maintenance removes the counters when it reclaims the topic): ${err instanceof Error ? err.message : String(err)}`, { cause: err });
    }
  }

  /** Appends records and wakes the reads waiting on their partitions; see `core/log/produce.ts` for the protocol. */
  async produce(request: ProduceRequest): Promise<RecordResult[]> {
    const named = request.records.flatMap((r) => (r.partition === undefined ? [] : [r.partition]));
    return this.onAppendTopic(request.topic, named, async (topic) => {
      const results = await produce(this.produceDeps(), topic, request);
      this.ports.notifier.notify(topic.topicId, new Set(results.map((r) => r.partition)));
      return results;
    });
  }

  private produceDeps(): ProduceDeps {
    return { objects: this.ports.objectStore, meta: this.meta, clock: this.ports.clock, ids: this.ports.ids, cursors: this.cursors, appendProtocol: this.appendProtocol, counterChecked: this.counterChecked };
  }

  /**
   * Appends one RecordBatch v2 per partition, checked as records are (the
   * binary HTTP route, docs/api.md), all or nothing, and wakes the reads
   * waiting on those partitions.
   */
  async produceBatches(request: ProduceBatchesRequest): Promise<PartitionBatchResult[]> {
    return this.onAppendTopic(
      request.topic,
      request.partitions.map((p) => p.partition),
      async (topic) => {
        const results = await produceBatches(this.produceDeps(), topic, request);
        this.ports.notifier.notify(topic.topicId, new Set(results.map((r) => r.partition)));
        return results;
      },
    );
  }

  /**
   * Reads records from an offset. With `waitMs`, an empty answer waits up to
   * that long for records (woken by appends in this process, re-reading the
   * index every poll interval for appends elsewhere); a closed notifier
   * (shutdown) answers at once with what there is. An answer that moves the
   * reader on without records (past an abandoned range at the end of the
   * partition) does not wait either: the reader learns where to go on.
   */
  async fetch(request: FetchRequest): Promise<FetchResult> {
    checkFetchLimits(request);
    const topic = await this.topic(request.topic);
    return this.longPoll(topic, request.partition, request.waitMs ?? 0, () => fetchRecords(this.readDeps(), topic, request), (r) => r.records.length > 0 || r.nextOffset > request.offset);
  }

  /**
   * Appends Kafka record batches as the producer encoded them (compressed or
   * not), partition by partition: each partition answers its base offset or
   * its own error, as a Kafka Produce response does. Batches are stored
   * unchanged (chunk format 2). Idempotent producers are read from the batch
   * headers (producer id, epoch, base sequence).
   */
  async appendBatches(request: AppendBatchesRequest): Promise<PartitionAppendResult[]> {
    return this.onAppendTopic(
      request.topic,
      request.partitions.map((p) => p.partition),
      async (topic) => {
        const results = await appendBatches(this.produceDeps(), topic, request);
        // Stryker disable next-line ArrayDeclaration: equivalent; a refused partition's entry only wakes the waiters of a partition named "Stryker was here", which no read waits on
        this.ports.notifier.notify(topic.topicId, results.flatMap((r) => ('baseOffset' in r ? [r.partition] : [])));
        return results;
      },
      // Each partition answers on its own: a partition the topic no longer has is the sign of a stale record.
      (results) => results.some((r) => 'error' in r && r.error.code === 'UNKNOWN_TOPIC_OR_PARTITION'),
    );
  }

  /**
   * Reads stored record batches from an offset, with their base offsets
   * written in (format 1 chunks converted), long-polling like {@link Log.fetch}.
   */
  async readBatches(request: ReadBatchesRequest): Promise<ReadBatchesResult> {
    return this.readBatchesChecked(request, {});
  }

  /** {@link Log.readBatches} with the CRC32C check of stored batches as `crc` says. */
  private async readBatchesChecked(request: ReadBatchesRequest, crc: CrcOptions): Promise<ReadBatchesResult> {
    // Stryker disable next-line ConditionalExpression: equivalent when it becomes `true`; an absent waitMs passed as undefined takes checkFetchLimits' default of 0 all the same
    checkFetchLimits({ offset: request.offset, ...(request.waitMs !== undefined ? { waitMs: request.waitMs } : {}) });
    const topic = await this.topic(request.topic);
    return this.longPoll(topic, request.partition, request.waitMs ?? 0, () => readBatches(this.readDeps(), topic, request, crc), (r) => r.batches.length > 0 || r.nextOffset > request.offset);
  }

  private hwmWindow(): number {
    return this.appendProtocol === 'reserve' ? HWM_WINDOW_ENTRIES : 1;
  }

  private readDeps(): ReadDeps {
    return {
      objects: this.ports.objectStore,
      meta: this.meta,
      clock: this.ports.clock,
      // Holes exist only under the reserve protocol: the head protocol's high-water mark is its head's end, as before.
      hwmWindow: this.hwmWindow(),
      // Stryker disable next-line ConditionalExpression: equivalent as `true` — an abandonAfterMs of undefined takes the reader's default (ABANDON_AFTER_MS) all the same
      ...(this.abandonAfterMs !== undefined ? { abandonAfterMs: this.abandonAfterMs } : {}),
    };
  }

  /**
   * Reads stored batches for the binary HTTP route: {@link Log.readBatches}
   * (long poll included) shaped to `maxRecords`, an answer size bound and the
   * codecs the reader handles (core/log/fetch-batches.ts). Stored batches'
   * CRC32C is checked, unless `options.readerChecksCrc`: a reader that
   * declared it checks every batch's CRC32C itself (the SDK, by
   * `Accept: …; crc=client`), as Kafka clients check and brokers do not on
   * fetch. A batch re-encoded here (a codec the reader does not take, or cut
   * down) is checked as it is decoded either way.
   */
  async fetchBatches(request: FetchBatchesRequest, options: { readonly readerChecksCrc?: boolean } = {}): Promise<FetchBatchesResult> {
    checkFetchLimits(request);
    return shapeBatches(await this.readBatchesChecked(request, { checkCrc: !options.readerChecksCrc }), request);
  }

  /** Repeats `read` until `done` or `waitMs` passed, sleeping on the notifier in between. */
  private async longPoll<T>(topic: TopicRecord, partition: number, waitMs: number, read: () => Promise<T>, done: (result: T) => boolean): Promise<T> {
    const { clock, notifier } = this.ports;
    const deadline = clock.now() + waitMs;
    let result = await read();
    while (!done(result) && !notifier.closed && clock.now() < deadline) {
      await notifier.wait(topic.topicId, partition, Math.min(deadline - clock.now(), this.pollIntervalMs));
      result = await read();
    }
    return result;
  }

  /** A new int64 producer id for an idempotent producer (Kafka's InitProducerId), never handed out twice. */
  initProducerId(): Promise<bigint> {
    return this.meta.allocateProducerId();
  }

  /** Log start and high-water mark of one partition. */
  async partitionOffsets(topicName: string, partition: number): Promise<PartitionOffsets> {
    const topic = await this.topic(topicName);
    checkPartition(topic, partition);
    return partitionOffsets(this.meta, topic, partition, this.hwmWindow());
  }

  /** Resolves `earliest`, `latest` or a timestamp to an offset. */
  async listOffset(topicName: string, partition: number, at: OffsetSpec): Promise<{ partition: number; offset: number; timestamp?: number }> {
    const topic = await this.topic(topicName);
    return listOffset(this.readDeps(), topic, partition, at);
  }
}

