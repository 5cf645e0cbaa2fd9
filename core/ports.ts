/**
 * The ports core depends on. Adapters implement them for AWS (S3, DynamoDB)
 * and in memory; the same contract suite (`test/core/log/`) runs against both.
 * Adapters throw only {@link EddyError}s: AWS errors are translated at the edge.
 */
import type { CommittedOffset, GroupRecord, IndexEntry, PartitionCounter, ProducerState, TopicRecord, TopicTombstone } from './model.js';

/** An idempotent producer's claim carried by {@link MetadataStore.reserveOffsets}. */
export interface ReservationProducer {
  readonly producerId: string;
  /** Its new last batch; `baseOffset` is ignored (the store sets it to the reservation's base). */
  readonly state: ProducerState;
  /** The state the counter must still hold for this producer (undefined: it must hold none). */
  readonly expected: ProducerState | undefined;
  /** Producers to forget in the same update (never `producerId`). */
  readonly evict: readonly string[];
}

/** An object as listed. */
export interface ObjectSummary {
  readonly key: string;
  readonly size: number;
  /** Last-modified time in ms since the epoch. */
  readonly lastModified: number;
}

/** Where record bytes live (S3). */
export interface ObjectStore {
  /** Writes a whole object under a key that has never been used. */
  put(key: string, bytes: Uint8Array): Promise<void>;
  /** Reads `length` bytes from `position`. A missing object is `DATA_CORRUPT`. */
  getRange(key: string, position: number, length: number): Promise<Uint8Array>;
  /** Reads a whole object. A missing object is `DATA_CORRUPT`. */
  get(key: string): Promise<Uint8Array>;
  /** Deletes objects; deleting a missing key is not an error. */
  delete(keys: readonly string[]): Promise<void>;
  /** Lists objects under a prefix in key order. */
  list(prefix: string): AsyncIterable<ObjectSummary>;
}

/** Where indexes, topics and groups live (DynamoDB). */
export interface MetadataStore {
  /** Creates a topic; `TOPIC_ALREADY_EXISTS` if the name is taken. */
  createTopic(topic: TopicRecord): Promise<void>;
  /** Replaces a topic if its stored version is `topic.version - 1`; false if it changed meanwhile. */
  updateTopic(topic: TopicRecord): Promise<boolean>;
  getTopic(name: string): Promise<TopicRecord | undefined>;
  listTopics(): Promise<TopicRecord[]>;
  /** Removes a topic record and leaves a tombstone for maintenance; false if it changed meanwhile. */
  deleteTopic(topic: TopicRecord, tombstone: TopicTombstone): Promise<boolean>;
  listTombstones(): Promise<TopicTombstone[]>;
  removeTombstone(topicId: string): Promise<void>;

  /** The entry with the highest base offset (consistent read). */
  headEntry(topicId: string, partition: number): Promise<IndexEntry | undefined>;
  /** The entry with the lowest base offset (consistent read). */
  firstEntry(topicId: string, partition: number): Promise<IndexEntry | undefined>;
  /**
   * Appends `entry` only if no entry with the same base offset exists
   * (a conditional put). False when another append won the race.
   */
  appendEntry(entry: IndexEntry): Promise<boolean>;
  /** The partition's offset counter (consistent read), undefined before the first reservation. */
  readCounter(topicId: string, partition: number): Promise<PartitionCounter | undefined>;
  /** Creates the counter unless one exists; false if one does. */
  createCounter(topicId: string, partition: number, counter: PartitionCounter): Promise<boolean>;
  /**
   * Reserves `count` offsets with one atomic update of the counter and returns
   * the first; no two reservations ever overlap. With `producer`, records its
   * new state in the same update, only if its stored state still equals
   * `producer.expected`. Undefined when there is no counter or the producer
   * condition failed. An ambiguous failure only skips offsets (a hole that
   * readers abandon), so it is translated like a read. The counter only ever
   * moves forward: there is no way to give a reservation back.
   */
  reserveOffsets(topicId: string, partition: number, count: number, producer?: ReservationProducer): Promise<number | undefined>;
  /**
   * Replaces the counter with `counter` only if its `next` is still `from`
   * and `from` is below `counter.next` (one conditional write); false otherwise.
   * Raises a counter left behind by the head protocol to the head
   * (docs/design.md §3.1): it never moves the counter backwards, and a
   * reservation made since `from` was read makes it a no-op. An ambiguous
   * failure is translated like a read (retrying it is safe).
   */
  raiseCounter(topicId: string, partition: number, from: number, counter: PartitionCounter): Promise<boolean>;
  /** Deletes a partition's counter, or its fence (reclaiming a deleted topic). */
  deleteCounter(topicId: string, partition: number): Promise<void>;
  /**
   * Replaces a partition's counter, whatever it holds, with a fence (one
   * unconditional write): no offset can be reserved, no counter created and
   * none raised there any more, and {@link MetadataStore.readCounter} answers
   * undefined. Deleting a topic fences every partition (docs/design.md §3.1),
   * so an append holding a cached copy of the topic can never land in it.
   * Topic ids are never reused, so a fence is never lifted; reclaiming the
   * topic deletes it.
   */
  fenceCounter(topicId: string, partition: number): Promise<void>;
  /**
   * Entries that may hold `offset` and later offsets, ascending by base offset:
   * the last entry with base ≤ offset, then up to `limit - 1` more (consistent reads).
   */
  entriesFrom(topicId: string, partition: number, offset: number, limit: number): Promise<IndexEntry[]>;
  /** Up to `limit` entries with base offset < `before`, newest first (consistent reads). */
  entriesBefore(topicId: string, partition: number, before: number, limit: number): Promise<IndexEntry[]>;
  /** How many entries of a partition hold records (head markers excluded). */
  countSegments(topicId: string, partition: number): Promise<number>;
  /** All entries of a partition, ascending by base offset (paged internally). */
  listEntries(topicId: string, partition: number): AsyncIterable<IndexEntry>;
  /** Replaces `prev` by `next` (same base offset) if `prev` is still stored unchanged. */
  replaceEntry(prev: IndexEntry, next: IndexEntry): Promise<boolean>;
  /** Deletes `entry` if it is still stored unchanged. */
  deleteEntry(entry: IndexEntry): Promise<boolean>;

  /**
   * Allocates a new int64 producer id (an atomic counter): ids are never
   * handed out twice, across every process serving the same tables.
   */
  allocateProducerId(): Promise<bigint>;

  getGroup(group: string): Promise<GroupRecord | undefined>;
  /** Writes a group if its stored version is `record.version - 1` (or absent when version is 1). */
  saveGroup(record: GroupRecord): Promise<boolean>;
  /** Deletes a group's state if still at `version`. */
  deleteGroup(group: string, version: number): Promise<boolean>;
  listGroups(): Promise<GroupRecord[]>;
  /** Committed offsets of a group, every topic. */
  readOffsets(group: string): Promise<CommittedOffset[]>;
  /** Writes an offset unless the stored one has a higher fence; false when refused. */
  commitOffset(group: string, offset: CommittedOffset): Promise<boolean>;
  /** Deletes every committed offset of a group. */
  deleteOffsets(group: string): Promise<void>;
}

/** Time source. Core never calls `Date.now` itself. */
export interface Clock {
  now(): number;
  /** Resolves after `ms` (simulations may advance virtual time instead). */
  sleep(ms: number): Promise<void>;
}

/** Id and randomness source. Core never calls `crypto` or `Math.random` itself. */
export interface Ids {
  /** A fresh unique id, safe in object keys. */
  unique(): string;
  /** A float in [0, 1), for jitter. */
  random(): number;
}

/**
 * Wakes long-polling reads when an append lands. Within one process (the
 * local host, one Lambda container) an append notifies the waiters directly;
 * across processes nothing is shared, so a waiter also re-reads the index
 * every poll interval and the notifier only makes the common case faster.
 */
export interface Notifier {
  /** Resolves when `notify` names the partition, when closed, or after `ms`, whichever is first. */
  wait(topicId: string, partition: number, ms: number): Promise<void>;
  /** Wakes every waiter on these partitions of a topic. */
  notify(topicId: string, partitions: Iterable<number>): void;
  /** Wakes every waiter now and makes later waits return at once (shutdown). */
  close(): void;
  /** True once {@link Notifier.close} was called. */
  readonly closed: boolean;
}

/** The components core runs on: injected, never constructed inside core. */
export interface Components {
  readonly objectStore: ObjectStore;
  readonly metadataStore: MetadataStore;
  readonly clock: Clock;
  readonly ids: Ids;
  /** @default an in-process notifier ({@link Notifier}) */
  readonly notifier?: Notifier;
}

/** The wall clock. */
export const systemClock: Clock = {
  now: () => Date.now(),
  sleep: (ms) => new Promise((resolve) => setTimeout(resolve, ms)),
};
