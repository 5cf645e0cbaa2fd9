/**
 * The log engine: topics, produce, fetch, offsets. Pure TypeScript over the
 * ports; no Lambda types, no `process.env`. Handlers and the local host call
 * this and nothing below it.
 *
 * ```ts
 * const engine = createEngine({ objectStore, metadataStore, clock, ids });
 * ```
 */
import { EddyError } from './errors.js';
import { fetchRecords, listOffset, partitionOffsets, checkPartition, type FetchRequest, type FetchResult, type OffsetSpec, type PartitionOffsets } from './log/fetch.js';
import { produce, type ProduceRequest, type RecordResult } from './log/produce.js';
import type { TopicConfig, TopicRecord } from './model.js';
import type { Clock, Ids, MetadataStore, ObjectStore } from './ports.js';
import { resolveTopicConfig, validatePartitionCount, validateTopicName } from './topics.js';
import { mapLimit } from './util.js';

/** The components an engine runs on (injected, never constructed inside core). */
export interface EngineComponents {
  readonly objectStore: ObjectStore;
  readonly metadataStore: MetadataStore;
  readonly clock: Clock;
  readonly ids: Ids;
}

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

/** Arguments of {@link Engine.createTopic}. */
export interface CreateTopicRequest {
  readonly name: string;
  /** @default 1 */
  readonly partitions?: number;
  readonly config?: Partial<TopicConfig>;
}

/** Arguments of {@link Engine.alterTopic}. */
export interface AlterTopicRequest {
  /** New partition count; may only grow. */
  readonly partitions?: number;
  readonly config?: Partial<TopicConfig>;
}

const DESCRIBE_CONCURRENCY = 16;

/** The engine's API. */
export class Engine {
  /** Round-robin cursors for keyless records, per topic id. */
  private readonly cursors = new Map<string, number>();

  constructor(readonly components: EngineComponents) {}

  private get meta(): MetadataStore {
    return this.components.metadataStore;
  }

  /** Reads a topic or throws `UNKNOWN_TOPIC_OR_PARTITION`. */
  async topic(name: string): Promise<TopicRecord> {
    validateTopicName(name);
    const topic = await this.meta.getTopic(name);
    if (!topic) throw new EddyError('UNKNOWN_TOPIC_OR_PARTITION', `topic ${name} does not exist`);
    return topic;
  }

  /** Creates a topic with a fresh topic id. */
  async createTopic(request: CreateTopicRequest): Promise<TopicDescription> {
    validateTopicName(request.name);
    const partitions = request.partitions ?? 1;
    validatePartitionCount(partitions);
    const config = resolveTopicConfig(request.config);
    const topic: TopicRecord = {
      name: request.name,
      topicId: this.components.ids.unique(),
      partitions,
      config,
      createdAt: this.components.clock.now(),
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
        const [offsets, segments] = await Promise.all([partitionOffsets(this.meta, topic, p), this.meta.countSegments(topic.topicId, p)]);
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
      if (await this.meta.updateTopic(next)) return this.describe(next);
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
      deletedAt: this.components.clock.now(),
    });
    if (!deleted) throw new EddyError('UNAVAILABLE', `topic ${name} changed while being deleted, retry`);
  }

  /** Appends records; see `core/log/produce.ts` for the protocol. */
  async produce(request: ProduceRequest): Promise<RecordResult[]> {
    const topic = await this.topic(request.topic);
    return produce(
      { objects: this.components.objectStore, meta: this.meta, clock: this.components.clock, ids: this.components.ids, cursors: this.cursors },
      topic,
      request,
    );
  }

  /** Reads records from an offset. */
  async fetch(request: FetchRequest): Promise<FetchResult> {
    const topic = await this.topic(request.topic);
    return fetchRecords({ objects: this.components.objectStore, meta: this.meta }, topic, request);
  }

  /** Log start and high-water mark of one partition. */
  async partitionOffsets(topicName: string, partition: number): Promise<PartitionOffsets> {
    const topic = await this.topic(topicName);
    checkPartition(topic, partition);
    return partitionOffsets(this.meta, topic, partition);
  }

  /** Resolves `earliest`, `latest` or a timestamp to an offset. */
  async listOffset(topicName: string, partition: number, at: OffsetSpec): Promise<{ partition: number; offset: number; timestamp?: number }> {
    const topic = await this.topic(topicName);
    return listOffset({ objects: this.components.objectStore, meta: this.meta }, topic, partition, at);
  }
}

/** Builds an engine from its components. */
export function createEngine(components: EngineComponents): Engine {
  return new Engine(components);
}
