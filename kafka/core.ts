/**
 * What the Kafka front door needs from core: the log (topics, raw record
 * batches, offsets, producer ids) and the group coordinator. Core's
 * `createEddy` gives both; the gateway depends on nothing below them, so two
 * front doors never answer the same question differently.
 */
import type { GroupCoordinator } from '../core/groups/coordinator.js';
import type { TopicConfig, TopicRecord } from '../core/model.js';
import type { EddyError } from '../core/errors.js';

/** A topic as core describes it. */
export interface KafkaTopicDescription {
  readonly name: string;
  readonly topicId: string;
  readonly partitions: number;
  readonly config: TopicConfig;
  readonly partitionOffsets: ReadonlyArray<{ partition: number; logStartOffset: number; highWatermark: number }>;
}

/** One partition's result of an append of raw batches. */
export type AppendResult = { partition: number; baseOffset: number } | { partition: number; error: EddyError };

/** The log API the gateway calls (core's `eddy.log`). */
export interface KafkaLog {
  topic(name: string): Promise<TopicRecord>;
  createTopic(request: { name: string; partitions?: number; config?: Partial<TopicConfig> }): Promise<KafkaTopicDescription>;
  listTopics(): Promise<Array<{ name: string; partitions: number }>>;
  describeTopic(name: string): Promise<KafkaTopicDescription>;
  alterTopic(name: string, request: { partitions?: number; config?: Partial<TopicConfig> }): Promise<KafkaTopicDescription>;
  deleteTopic(name: string): Promise<void>;
  /** Appends concatenated RecordBatch v2 bytes per partition, as a Produce request carries them. */
  appendBatches(request: { topic: string; partitions: Array<{ partition: number; batches: Uint8Array }> }): Promise<AppendResult[]>;
  /** Stored batches from `offset` with base offsets written in; long-polls up to `waitMs` when there is nothing. */
  readBatches(request: {
    topic: string;
    partition: number;
    offset: number;
    maxBytes: number;
    waitMs?: number;
  }): Promise<{ partition: number; logStartOffset: number; highWatermark: number; batches: Uint8Array[]; nextOffset: number }>;
  partitionOffsets(topic: string, partition: number): Promise<{ partition: number; logStartOffset: number; highWatermark: number }>;
  listOffset(topic: string, partition: number, at: 'earliest' | 'latest' | { timestamp: number }): Promise<{ partition: number; offset: number; timestamp?: number }>;
  /** A fresh int64 producer id, unique across every gateway. */
  initProducerId(): Promise<bigint>;
}

/** The group API the gateway calls (core's `eddy.groups`). */
export type KafkaGroups = Pick<GroupCoordinator, 'heartbeat' | 'commit' | 'fetchOffsets' | 'listGroups' | 'describeGroup' | 'deleteGroup'>;

/** Core as the gateway sees it. */
export interface KafkaCore {
  readonly log: KafkaLog;
  readonly groups: KafkaGroups;
}
