/**
 * Public shapes of the consumer, following kafkajs (`eachMessage`,
 * `eachBatch`, string offsets in delivered messages) so kafkajs code ports
 * with few changes. Inputs accept offsets as numbers or numeric strings.
 */
import type { RetryOptions } from '../retry.js';
import type { OffsetCommit, TopicPartitions } from '../types.js';
import type { IdleBackoffConsumerOptions } from './idle-backoff.js';

/** Options of {@link Consumer}. */
export interface ConsumerOptions extends IdleBackoffConsumerOptions {
  /** Consumer group. Without it the consumer reads assigned (or all subscribed) partitions alone, with no heartbeats. */
  readonly groupId?: string;
  /** How long the group keeps this member without a heartbeat (≥ 1000). @default 45000 */
  readonly sessionTimeoutMs?: number;
  /** Long-poll wait of each fetch when no records are available (≤ 20000). @default 5000 */
  readonly maxWaitTimeMs?: number;
  /** Fetch size limit per partition request. @default 1048576 */
  readonly maxBytesPerPartition?: number;
  /** Fetch record-count limit per partition request. @default the server's default */
  readonly maxRecordsPerFetch?: number;
  /** Retries of retryable request failures, and the backoff between redeliveries after a handler error. @default {@link DEFAULT_RETRY} */
  readonly retry?: RetryOptions;
  /** How often a standalone consumer re-reads subscribed topics' partition counts. @default 300000 */
  readonly metadataMaxAgeMs?: number;
}

/** Input of {@link Consumer.subscribe}. */
export interface SubscribeOptions {
  /** Topics (names or patterns matched against existing topics). */
  readonly topics?: readonly (string | RegExp)[];
  /** One topic (kafkajs' older form). */
  readonly topic?: string | RegExp;
  /** With no committed offset (or an out-of-range one) start at the earliest offset, else at the latest. @default false */
  readonly fromBeginning?: boolean;
}

/** A consumed message (kafkajs shape: offsets and timestamps as strings). */
export interface KafkaMessage {
  /** Key bytes, or null. */
  readonly key: Buffer | null;
  /** Value bytes. */
  readonly value: Buffer;
  /** Headers. */
  readonly headers: Readonly<Record<string, Buffer>>;
  /** Timestamp in ms, as a string. */
  readonly timestamp: string;
  /** Offset, as a string. */
  readonly offset: string;
}

/** Argument of `eachMessage`. */
export interface EachMessagePayload {
  /** The topic. */
  readonly topic: string;
  /** The partition. */
  readonly partition: number;
  /** The message. */
  readonly message: KafkaMessage;
  /** No-op kept for kafkajs compatibility: heartbeats run on their own timer. */
  heartbeat(): Promise<void>;
  /** Pauses this partition after the current message; returns a function resuming it. */
  pause(): () => void;
}

/** A batch of consumed messages of one partition (kafkajs shape). */
export interface Batch {
  /** The topic. */
  readonly topic: string;
  /** The partition. */
  readonly partition: number;
  /** The partition's high watermark when fetched. */
  readonly highWatermark: string;
  /** The messages, in offset order. */
  readonly messages: KafkaMessage[];
  /** True when there are no messages. */
  isEmpty(): boolean;
  /** Offset of the first message, or null. */
  firstOffset(): string | null;
  /** Offset of the last message (highWatermark − 1 when empty). */
  lastOffset(): string;
  /** highWatermark − 1 − lastOffset. */
  offsetLag(): string;
  /** highWatermark − 1 − firstOffset. */
  offsetLagLow(): string;
}

/** Argument of `eachBatch`. */
export interface EachBatchPayload {
  /** The batch. */
  readonly batch: Batch;
  /** Marks `offset` processed (the commit position becomes offset + 1). */
  resolveOffset(offset: string | number): void;
  /** No-op kept for kafkajs compatibility: heartbeats run on their own timer. */
  heartbeat(): Promise<void>;
  /** Commits processed offsets now if auto-commit is on and any changed. */
  commitOffsetsIfNecessary(): Promise<void>;
  /** Processed but uncommitted offsets of this consumer. */
  uncommittedOffsets(): OffsetCommit[];
  /** False once the consumer is stopping. */
  isRunning(): boolean;
  /** True once this batch must not be processed further (partition revoked, paused or sought). */
  isStale(): boolean;
  /** Pauses this partition; returns a function resuming it. */
  pause(): () => void;
}

/** Options of {@link Consumer.run}. */
export interface RunOptions {
  /** Called for each message, in offset order per partition. */
  readonly eachMessage?: (payload: EachMessagePayload) => Promise<void>;
  /** Called for each fetched batch (instead of `eachMessage`). */
  readonly eachBatch?: (payload: EachBatchPayload) => Promise<void>;
  /** Resolve the whole batch when `eachBatch` returns. @default true */
  readonly eachBatchAutoResolve?: boolean;
  /** Commit processed offsets periodically, on revocation and on stop. @default true */
  readonly autoCommit?: boolean;
  /** Period of auto-commits. @default 5000 */
  readonly autoCommitInterval?: number;
  /** How many partitions' batches are processed at the same time. @default 1 */
  readonly partitionsConsumedConcurrently?: number;
}

/** A partition offset given to `seek` or `commitOffsets`. */
export interface TopicPartitionOffset {
  /** The topic. */
  readonly topic: string;
  /** The partition. */
  readonly partition: number;
  /** The offset (a number or numeric string). */
  readonly offset: string | number;
}

/** Partitions to pause or resume (all of the topic's when `partitions` is omitted). */
export interface TopicPartitionsSelector {
  /** The topic. */
  readonly topic: string;
  /** Partitions; all when omitted. */
  readonly partitions?: readonly number[];
}

/** Events a consumer emits, with their payloads. */
export interface ConsumerEvents {
  /** The assignment changed and was reconciled. */
  assignment: { readonly memberId: string | null; readonly memberEpoch: number; readonly assignment: TopicPartitions[] };
  /** Offsets were committed. */
  commit: { readonly offsets: OffsetCommit[] };
  /** A failure the consumer recovers from by itself (handler error, failed heartbeat or commit). */
  error: { readonly error: unknown; readonly topic?: string; readonly partition?: number };
}
