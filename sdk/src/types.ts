/**
 * Request and response shapes of the HTTP API v1 (docs/design.md §8, docs/api.md),
 * as the thin {@link Eddy} client takes and returns them. Offsets are numbers.
 */

import type { RetryOptions, RetryPolicy } from './retry.js';
/** How binary fields (keys, values, header values) travel on the wire. */
export type Encoding = 'base64' | 'utf8' | 'json';

/** Topic settings. */
export interface TopicConfig {
  /** How long records are kept; -1 keeps forever. @default 604800000 (7 days) */
  readonly retentionMs?: number;
  /** Bytes kept per partition; -1 is unlimited. @default -1 */
  readonly retentionBytes?: number;
  /**
   * Largest accepted record, at most 8388608 (8 MiB). Over the SDK's
   * transports (HTTP, Lambda invoke) a record must also fit a 6 MiB request
   * and a 5.5 MB answer in base64: about 3.9 MiB. @default 1048576
   */
  readonly maxMessageBytes?: number;
}

/** Offsets of one partition in a topic description. */
export interface PartitionOffsets {
  /** The partition number. */
  readonly partition: number;
  /** First offset still readable. */
  readonly logStartOffset: number;
  /** Offset the next record will get. */
  readonly highWatermark: number;
  /** Stored chunks holding the partition's live records. */
  readonly segments?: number;
}

/** A topic as described by the API. */
export interface TopicDescription {
  /** Topic name. */
  readonly name: string;
  /** Identity of this incarnation of the name (changes when recreated). */
  readonly topicId?: string;
  /** Partition count. */
  readonly partitions: number;
  /** Effective settings. */
  readonly config: Required<TopicConfig>;
  /** Offsets per partition. */
  readonly partitionOffsets: PartitionOffsets[];
}

/** Input of {@link Eddy.createTopic}. */
export interface CreateTopicInput {
  /** Topic name (`[a-zA-Z0-9._-]{1,249}`). */
  readonly name: string;
  /** Partition count. @default 1 */
  readonly partitions?: number;
  /** Settings. */
  readonly config?: TopicConfig;
}

/** Input of {@link Eddy.alterTopic}. */
export interface AlterTopicInput {
  /** The topic. */
  readonly topic: string;
  /** New partition count (may only grow). */
  readonly partitions?: number;
  /** Settings to change. */
  readonly config?: TopicConfig;
}

/** Names one topic. */
export interface TopicInput {
  /** The topic. */
  readonly topic: string;
}

/** A topic in {@link Eddy.listTopics}. */
export interface TopicSummary {
  /** Topic name. */
  readonly name: string;
  /** Partition count. */
  readonly partitions: number;
}

/**
 * A record as it travels on the wire in a produce request. Under `base64`
 * (the default) a `Uint8Array` key, value or header value is encoded by the
 * client; strings are sent as they are (already in the request's encoding).
 */
export interface PutRecord {
  /** The key. */
  readonly key?: string | Uint8Array | null;
  /** The value: a string or bytes, or any JSON value under `json`. */
  readonly value: unknown;
  /** Headers. */
  readonly headers?: Readonly<Record<string, string | Uint8Array>>;
  /** Explicit partition (wins over the key). */
  readonly partition?: number;
  /** Record timestamp in ms. @default the append time */
  readonly timestamp?: number;
}

/** Input of {@link Eddy.putRecords}. */
export interface PutRecordsInput {
  /** The topic. */
  readonly topic: string;
  /** The records, in order. */
  readonly records: readonly PutRecord[];
  /** Wire encoding of keys, values and header values. @default 'base64' */
  readonly encoding?: Encoding;
  /** Idempotent producer id (1–64 chars `[A-Za-z0-9._-]`); requires explicit partitions and `sequences`. */
  readonly producerId?: string;
  /** Idempotent producer epoch (≥ 0). */
  readonly producerEpoch?: number;
  /** Partition → sequence number of its first record in this request. */
  readonly sequences?: Readonly<Record<string, number>>;
  /** Carries this request in `binary` or `json`, overriding the client's `wireFormat`. @default the client's */
  readonly wireFormat?: 'binary' | 'json';
}

/** Where one produced record landed. */
export interface PutRecordResult {
  /** Partition. */
  readonly partition: number;
  /** Offset. */
  readonly offset: number;
}

/** Output of {@link Eddy.putRecords}: one result per record, in request order. */
export interface PutRecordsOutput {
  /** Results in request order. */
  readonly results: PutRecordResult[];
}

/** Input of {@link Eddy.getRecords}. */
export interface GetRecordsInput {
  /** The topic. */
  readonly topic: string;
  /** The partition. */
  readonly partition: number;
  /** First offset to read. */
  readonly offset: number;
  /** At most this many records. @default the server's default */
  readonly maxRecords?: number;
  /** At most about this many bytes. @default 1048576 (server default) */
  readonly maxBytes?: number;
  /** Long poll: wait up to this long for records when none are available (≤ 20000). @default 0 */
  readonly waitMs?: number;
  /** Wire encoding of keys, values and header values. @default 'base64' */
  readonly encoding?: Encoding;
}

/** A record as returned by a fetch (fields in the request's encoding). */
export interface FetchedRecord {
  /** Offset in the partition. */
  readonly offset: number;
  /** Timestamp in ms. */
  readonly timestamp: number;
  /** Key, or null. */
  readonly key: string | null;
  /** Value (a string, or any JSON value under `json`). */
  readonly value: unknown;
  /** Headers. */
  readonly headers: Readonly<Record<string, string>>;
  /** `base64` when the record's fields could not be shown in the asked encoding (not UTF-8, or not JSON) and came whole in base64 instead. */
  readonly encoding?: 'base64';
}

/** Input of {@link Eddy.getRecords} asking for bytes: records come as {@link FetchedBytesRecord}s. */
export interface GetRecordsBytesInput extends Omit<GetRecordsInput, 'encoding'> {
  /** Keys, values and header values as bytes (views into the answer with the binary format; decoded from base64 with JSON). */
  readonly encoding: 'bytes';
}

/** A record fetched with `encoding: 'bytes'`. */
export interface FetchedBytesRecord {
  /** Offset in the partition. */
  readonly offset: number;
  /** Timestamp in ms. */
  readonly timestamp: number;
  /** Key, or null. */
  readonly key: Uint8Array | null;
  /** Value, or null (a tombstone). */
  readonly value: Uint8Array | null;
  /** Headers in order; a value may be null. */
  readonly headers: ReadonlyArray<readonly [string, Uint8Array | null]>;
}

/** Output of {@link Eddy.getRecords} with `encoding: 'bytes'`. */
export interface GetRecordsBytesOutput {
  /** Records, in offset order. */
  readonly records: FetchedBytesRecord[];
  /** Offset to fetch next. */
  readonly nextOffset: number;
  /** Offset the next produced record will get. */
  readonly highWatermark: number;
  /** First readable offset. */
  readonly logStartOffset: number;
}

/** Output of {@link Eddy.getRecords}. */
export interface GetRecordsOutput {
  /** Records, in offset order. */
  readonly records: FetchedRecord[];
  /** Offset to fetch next. */
  readonly nextOffset: number;
  /** Offset the next produced record will get. */
  readonly highWatermark: number;
  /** First readable offset. */
  readonly logStartOffset: number;
}

/** Input of {@link Eddy.listOffsets}. */
export interface ListOffsetsInput {
  /** The topic. */
  readonly topic: string;
  /** The partition. */
  readonly partition: number;
  /** `earliest`, `latest`, or an epoch-ms timestamp (first offset with a timestamp at or after it). */
  readonly at: 'earliest' | 'latest' | number;
}

/** Output of {@link Eddy.listOffsets}. */
export interface ListOffsetsOutput {
  /** The partition. */
  readonly partition: number;
  /** The offset. */
  readonly offset: number;
  /** Timestamp of the record at `offset`, when known. */
  readonly timestamp?: number;
}

/** Partitions of one topic. */
export interface TopicPartitions {
  /** The topic. */
  readonly topic: string;
  /** Partition numbers. */
  readonly partitions: number[];
}

/** Input of {@link Eddy.heartbeat}. */
export interface HeartbeatInput {
  /** The group. */
  readonly group: string;
  /** The member id; omitted on the first heartbeat. */
  readonly memberId?: string;
  /** 0 to join (with `memberId`: to rejoin after `STALE_MEMBER_EPOCH`, giving up every partition), the current epoch to acknowledge, -1 to leave. */
  readonly memberEpoch: number;
  /** Subscribed topics. */
  readonly topics: readonly string[];
  /** Session timeout (≥ 1000). @default 45000 */
  readonly sessionTimeoutMs?: number;
}

/** Output of {@link Eddy.heartbeat}. */
export interface HeartbeatOutput {
  /** The member id. */
  readonly memberId: string;
  /** The member's current epoch (-1 after leaving). */
  readonly memberEpoch: number;
  /** When to heartbeat next: shorter while the member waits for partitions another member is releasing. */
  readonly heartbeatIntervalMs: number;
  /** The member's full current assignment. */
  readonly assignment: TopicPartitions[];
}

/** One committed (or to-commit) offset. */
export interface OffsetCommit {
  /** The topic. */
  readonly topic: string;
  /** The partition. */
  readonly partition: number;
  /** The next offset to read. */
  readonly offset: number;
  /** Free-form metadata. */
  readonly metadata?: string;
}

/** Input of {@link Eddy.commitOffsets}. */
export interface CommitOffsetsInput {
  /** The group. */
  readonly group: string;
  /** The committing member (omit only while the group has no live members). */
  readonly memberId?: string;
  /** The member's current epoch. */
  readonly memberEpoch?: number;
  /** Offsets to commit. */
  readonly offsets: readonly OffsetCommit[];
}

/** Output of {@link Eddy.commitOffsets}: what was committed. */
export interface CommitOffsetsOutput {
  /** Committed offsets. */
  readonly offsets: { topic: string; partition: number; offset: number }[];
}

/** Input of {@link Eddy.fetchOffsets}. */
export interface FetchOffsetsInput {
  /** The group. */
  readonly group: string;
  /** Only this topic. */
  readonly topic?: string;
}

/** A committed offset with its lag. */
export interface GroupOffset {
  /** The topic. */
  readonly topic: string;
  /** The partition. */
  readonly partition: number;
  /** Committed offset (the next to read). */
  readonly offset: number;
  /** The partition's high watermark. */
  readonly highWatermark: number;
  /** highWatermark − offset. */
  readonly lag: number;
  /** Owning member, in a group description. */
  readonly memberId?: string;
}

/** Output of {@link Eddy.fetchOffsets}. */
export interface FetchOffsetsOutput {
  /** Committed offsets. */
  readonly offsets: GroupOffset[];
}

/** State of a group. */
export type GroupState = 'Empty' | 'Reconciling' | 'Stable';

/** A group in {@link Eddy.listGroups}. */
export interface GroupSummary {
  /** Group name. */
  readonly group: string;
  /** State. */
  readonly state: GroupState;
  /** Live member count. */
  readonly members: number;
}

/** A member in a group description. */
export interface GroupMember {
  /** Member id. */
  readonly memberId: string;
  /** Current epoch. */
  readonly memberEpoch: number;
  /** Subscribed topics. */
  readonly topics: string[];
  /** Current assignment. */
  readonly assignment: TopicPartitions[];
  /** Session timeout. */
  readonly sessionTimeoutMs: number;
  /** Time of the last heartbeat (epoch ms). */
  readonly lastHeartbeatMs: number;
}

/** Output of {@link Eddy.describeGroup}. */
export interface GroupDescription {
  /** Group name. */
  readonly group: string;
  /** State. */
  readonly state: GroupState;
  /** Live members. */
  readonly members: GroupMember[];
  /** Committed offsets with lag. */
  readonly offsets: GroupOffset[];
}

/** Names one group. */
export interface GroupInput {
  /** The group. */
  readonly group: string;
}

/** Where {@link Eddy.resetOffsets} moves a group's offsets. */
export type ResetTarget = 'earliest' | 'latest' | { readonly timestamp: number } | { readonly offset: number };

/** Input of {@link Eddy.resetOffsets}. */
export interface ResetOffsetsInput {
  /** The group (must have no live members). */
  readonly group: string;
  /** The topic whose offsets move. */
  readonly topic: string;
  /** Target. */
  readonly to: ResetTarget;
}

/** Per-call options accepted by every client method. */
export interface CallOptions {
  /** Aborts the call. */
  readonly signal?: AbortSignal;
  /** Retry policy of this call, or false for a single attempt. @default the client's */
  readonly retry?: RetryOptions | RetryPolicy | false;
  /** Time limit of each attempt. @default the client's `requestTimeoutMs` (plus `waitMs` for fetches) */
  readonly timeoutMs?: number;
}

/**
 * The calls the producer and the consumer make: a narrow view of the
 * {@link Eddy} client, so they depend on what they use and not on the class
 * that builds them (and a test can hand them any implementation).
 */
export interface EddyApi {
  /** See `Eddy.putRecords`. */
  putRecords(input: PutRecordsInput, options?: CallOptions): Promise<PutRecordsOutput>;
  /** See `Eddy.getRecords`. */
  getRecords(input: GetRecordsBytesInput, options?: CallOptions): Promise<GetRecordsBytesOutput>;
  /** See `Eddy.getRecords`. */
  getRecords(input: GetRecordsInput, options?: CallOptions): Promise<GetRecordsOutput>;
  /** See `Eddy.listOffsets`. */
  listOffsets(input: ListOffsetsInput, options?: CallOptions): Promise<ListOffsetsOutput>;
  /** See `Eddy.describeTopic`. */
  describeTopic(input: TopicInput, options?: CallOptions): Promise<TopicDescription>;
  /** See `Eddy.listTopics`. */
  listTopics(options?: CallOptions): Promise<{ topics: TopicSummary[] }>;
  /** See `Eddy.heartbeat`. */
  heartbeat(input: HeartbeatInput, options?: CallOptions): Promise<HeartbeatOutput>;
  /** See `Eddy.fetchOffsets`. */
  fetchOffsets(input: FetchOffsetsInput, options?: CallOptions): Promise<FetchOffsetsOutput>;
  /** See `Eddy.commitOffsets`. */
  commitOffsets(input: CommitOffsetsInput, options?: CallOptions): Promise<CommitOffsetsOutput>;
}
