/**
 * The domain records Eddy persists. Storage adapters map these to items and
 * objects (see `core/layout.ts` and `core/adapters/aws/metadata-store.ts`).
 */

/** Per-topic configuration (Kafka's names, camel-cased). */
export interface TopicConfig {
  /** Records older than this are removed by maintenance; -1 keeps forever. @default 604800000 (7 days) */
  readonly retentionMs: number;
  /** A partition's stored bytes above this are removed oldest first; -1 is unlimited. @default -1 */
  readonly retentionBytes: number;
  /** Largest record accepted (key + value + headers as stored). @default 1048576 */
  readonly maxMessageBytes: number;
}

/** Defaults of {@link TopicConfig}. */
export const DEFAULT_TOPIC_CONFIG: TopicConfig = {
  retentionMs: 7 * 24 * 3_600_000,
  retentionBytes: -1,
  maxMessageBytes: 1024 * 1024,
};

/** A topic as stored. */
export interface TopicRecord {
  readonly name: string;
  /** Unique per creation, so a deleted and recreated topic never shows old data. */
  readonly topicId: string;
  readonly partitions: number;
  readonly config: TopicConfig;
  readonly createdAt: number;
  /** Optimistic-concurrency version, bumped on every change. */
  readonly version: number;
}

/** A deleted topic whose objects and index items maintenance still has to reclaim. */
export interface TopicTombstone {
  readonly topicId: string;
  readonly name: string;
  readonly partitions: number;
  readonly deletedAt: number;
}

/** An idempotent producer's last appended batch in one partition. */
export interface ProducerState {
  readonly epoch: number;
  readonly firstSequence: number;
  readonly lastSequence: number;
  /** Offset of the batch's first record. */
  readonly baseOffset: number;
}

/**
 * A partition's offset counter (docs/design.md §3): the next offset to
 * reserve, and the last batch of up to 32 idempotent producers, each with the
 * end of its reservation.
 */
export interface PartitionCounter {
  /** The next offset a reservation gets. */
  readonly next: number;
  /** Idempotent producers' last batches in this partition, by producer id. */
  readonly producers: Readonly<Record<string, ProducerState>>;
}

/**
 * How a chunk's bytes are laid out. Persisted: never renumber.
 * - 1: Eddy's chunk v1 (core/codec/format.ts), written by the first release;
 * - 2: a Kafka RecordBatch v2 exactly as the producer sent it (core/codec/record-batch.ts).
 */
export type ChunkFormat = 1 | 2;

/** A byte range of an object holding consecutive records of one partition. */
export interface ChunkRef {
  /** @default 1 (absent on chunks written before format 2 existed) */
  readonly format?: ChunkFormat;
  /** Offset of the chunk's first record minus the entry's base offset. */
  readonly offsetDelta: number;
  readonly position: number;
  readonly length: number;
  readonly records: number;
  readonly maxTimestamp: number;
}

/**
 * One entry of a partition's index: the records `[baseOffset, lastOffset]`,
 * stored in `chunks` of `objectKey`. Entries chain: each base offset is the
 * previous entry's last offset + 1, so offsets are dense.
 *
 * An entry with `objectKey === null` is a head marker: it holds no records,
 * only the range, so that after retention empties a partition the next
 * append still continues the offsets.
 */
export interface IndexEntry {
  readonly topicId: string;
  readonly partition: number;
  readonly baseOffset: number;
  readonly lastOffset: number;
  readonly objectKey: string | null;
  readonly chunks: readonly ChunkRef[];
  /** Sum of chunk lengths: what size-based retention counts. */
  readonly bytes: number;
  /** Largest record timestamp, for time retention and offset-by-time lookups. */
  readonly maxTimestamp: number;
  /** Clock time of the append (or of the compaction that wrote this entry). */
  readonly appendedAt: number;
  /**
   * Idempotent producers' last batches, carried forward from entry to entry
   * so the duplicate check is part of the same conditional append.
   */
  readonly producers: Readonly<Record<string, ProducerState>>;
  /**
   * An abandoned-range marker (attribute `x`): no object, written by a reader
   * over one offset of a reservation whose writer never wrote its entry
   * (docs/design.md §3). Consumers skip it like a head marker.
   */
  readonly abandoned?: boolean;
  /**
   * The topic's name, written on appends only (attribute `n`): the deployed
   * trigger dispatcher's DynamoDB Streams filter selects new entries of the
   * topics that have triggers by it (docs/triggers.md). Never read back.
   */
  readonly topicName?: string;
}

/** A consumer group as stored: an opaque state document plus a version for conditional writes. */
export interface GroupRecord<S = unknown> {
  readonly group: string;
  readonly version: number;
  readonly state: S;
}

/** A committed offset as stored. */
export interface CommittedOffset {
  readonly topic: string;
  /** The topic id at commit time: offsets of a deleted topic never apply to a recreated one. */
  readonly topicId: string;
  readonly partition: number;
  /** The next offset to read. */
  readonly offset: number;
  readonly metadata?: string;
  /**
   * Group epoch under which the committer owned the partition; a write with a
   * lower fence than the stored one is refused, so a zombie cannot move offsets.
   */
  readonly fence: number;
  readonly committedAt: number;
}
