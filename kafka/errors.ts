/**
 * Eddy error code → Kafka error code, in one table.
 *
 * Kafka clients decide what to do (retry, refresh metadata, rejoin a group,
 * reset an offset) from the numeric error code alone, so the mapping is
 * chosen for the reaction it causes in kafkajs, kafka-python, librdkafka and
 * the Java client, not for the name. A few codes mean something different in
 * the group APIs, which get their own column.
 */
import { EddyError, toEddyError, type ErrorCode } from '../core/errors.js';

/** The Kafka error codes the gateway sends (names as in Kafka's `Errors` enum). */
export const KAFKA_ERRORS = {
  UNKNOWN_SERVER_ERROR: -1,
  NONE: 0,
  OFFSET_OUT_OF_RANGE: 1,
  CORRUPT_MESSAGE: 2,
  UNKNOWN_TOPIC_OR_PARTITION: 3,
  REQUEST_TIMED_OUT: 7,
  OFFSET_METADATA_TOO_LARGE: 12,
  MESSAGE_TOO_LARGE: 10,
  COORDINATOR_NOT_AVAILABLE: 15,
  INVALID_TOPIC_EXCEPTION: 17,
  INVALID_REQUIRED_ACKS: 21,
  ILLEGAL_GENERATION: 22,
  INCONSISTENT_GROUP_PROTOCOL: 23,
  INVALID_GROUP_ID: 24,
  UNKNOWN_MEMBER_ID: 25,
  INVALID_SESSION_TIMEOUT: 26,
  REBALANCE_IN_PROGRESS: 27,
  UNSUPPORTED_VERSION: 35,
  TOPIC_ALREADY_EXISTS: 36,
  INVALID_PARTITIONS: 37,
  INVALID_REPLICATION_FACTOR: 38,
  INVALID_REPLICA_ASSIGNMENT: 39,
  INVALID_CONFIG: 40,
  INVALID_REQUEST: 42,
  OUT_OF_ORDER_SEQUENCE_NUMBER: 45,
  INVALID_PRODUCER_EPOCH: 47,
  INVALID_TXN_STATE: 48,
  TRANSACTIONAL_ID_AUTHORIZATION_FAILED: 53,
  KAFKA_STORAGE_ERROR: 56,
  UNKNOWN_PRODUCER_ID: 59,
  NON_EMPTY_GROUP: 68,
  GROUP_ID_NOT_FOUND: 69,
  FETCH_SESSION_ID_NOT_FOUND: 70,
  INVALID_RECORD: 87,
  UNKNOWN_TOPIC_ID: 100,
  FENCED_MEMBER_EPOCH: 110,
  UNSUPPORTED_ASSIGNOR: 112,
  STALE_MEMBER_EPOCH: 113,
} as const;

/** A Kafka error name. */
export type KafkaErrorName = keyof typeof KAFKA_ERRORS;

/**
 * Which family of APIs an error is answered in:
 * - `data`: Produce, Fetch, ListOffsets, Metadata, topic admin;
 * - `classic-group`: JoinGroup, SyncGroup, Heartbeat, LeaveGroup, OffsetCommit, OffsetFetch, group admin;
 * - `consumer-group`: ConsumerGroupHeartbeat (KIP-848), where a stale epoch fences the member.
 */
export type ErrorContext = 'data' | 'classic-group' | 'consumer-group';

interface Mapping {
  /** The code in data APIs (and everywhere without an override). */
  readonly data: KafkaErrorName;
  readonly 'classic-group'?: KafkaErrorName;
  readonly 'consumer-group'?: KafkaErrorName;
}

/**
 * The table. Why the less obvious rows:
 * - `UNAVAILABLE`/`THROTTLED`: nothing was applied and a retry may succeed.
 *   `KAFKA_STORAGE_ERROR` is retriable in every client and makes none of
 *   them drop data; in group APIs `COORDINATOR_NOT_AVAILABLE` makes the
 *   client look the coordinator up again (this gateway) and retry.
 * - `UNKNOWN_OUTCOME`: the write may have applied. `REQUEST_TIMED_OUT` is
 *   what Kafka answers in the same situation: clients retry, and an
 *   idempotent producer's retry is deduplicated by core.
 * - `STALE_MEMBER_EPOCH`: a classic client carries Eddy's member epoch as its
 *   generation id, so a stale one is `ILLEGAL_GENERATION` (the client
 *   rejoins); a KIP-848 client is fenced and rejoins with epoch 0.
 * - `NON_EMPTY_GROUP` on a commit without member id: Kafka answers
 *   `UNKNOWN_MEMBER_ID` to a non-member committing into a live group.
 * - `INVALID_REQUEST` in configuration APIs becomes `INVALID_CONFIG` at the call site.
 */
const TABLE: Record<ErrorCode, Mapping> = {
  INVALID_REQUEST: { data: 'INVALID_REQUEST' },
  INVALID_TOPIC: { data: 'INVALID_TOPIC_EXCEPTION' },
  INVALID_PARTITIONS: { data: 'INVALID_PARTITIONS' },
  UNKNOWN_TOPIC_OR_PARTITION: { data: 'UNKNOWN_TOPIC_OR_PARTITION' },
  GROUP_NOT_FOUND: { data: 'GROUP_ID_NOT_FOUND' },
  TOPIC_ALREADY_EXISTS: { data: 'TOPIC_ALREADY_EXISTS' },
  NON_EMPTY_GROUP: { data: 'NON_EMPTY_GROUP', 'classic-group': 'NON_EMPTY_GROUP' },
  STALE_MEMBER_EPOCH: { data: 'STALE_MEMBER_EPOCH', 'classic-group': 'ILLEGAL_GENERATION', 'consumer-group': 'FENCED_MEMBER_EPOCH' },
  UNKNOWN_MEMBER_ID: { data: 'UNKNOWN_MEMBER_ID' },
  OFFSET_OUT_OF_RANGE: { data: 'OFFSET_OUT_OF_RANGE' },
  MESSAGE_TOO_LARGE: { data: 'MESSAGE_TOO_LARGE' },
  THROTTLED: { data: 'KAFKA_STORAGE_ERROR', 'classic-group': 'COORDINATOR_NOT_AVAILABLE', 'consumer-group': 'COORDINATOR_NOT_AVAILABLE' },
  UNAVAILABLE: { data: 'KAFKA_STORAGE_ERROR', 'classic-group': 'COORDINATOR_NOT_AVAILABLE', 'consumer-group': 'COORDINATOR_NOT_AVAILABLE' },
  UNKNOWN_OUTCOME: { data: 'REQUEST_TIMED_OUT', 'classic-group': 'COORDINATOR_NOT_AVAILABLE', 'consumer-group': 'COORDINATOR_NOT_AVAILABLE' },
  DATA_CORRUPT: { data: 'UNKNOWN_SERVER_ERROR' },
  INTERNAL: { data: 'UNKNOWN_SERVER_ERROR' },
  OUT_OF_ORDER_SEQUENCE: { data: 'OUT_OF_ORDER_SEQUENCE_NUMBER' },
  UNKNOWN_PRODUCER_ID: { data: 'UNKNOWN_PRODUCER_ID' },
  // INVALID_PRODUCER_EPOCH rather than PRODUCER_FENCED (90): every client version knows it.
  PRODUCER_FENCED: { data: 'INVALID_PRODUCER_EPOCH' },
  CORRUPT_MESSAGE: { data: 'CORRUPT_MESSAGE' },
};

/** The Kafka error name for an Eddy error code in a context. */
export function kafkaErrorName(code: string, context: ErrorContext = 'data'): KafkaErrorName {
  const row = (TABLE as Record<string, Mapping>)[code];
  if (!row) return 'UNKNOWN_SERVER_ERROR';
  return row[context] ?? row.data;
}

/** The numeric Kafka error code for anything thrown (non-Eddy errors are bugs: `UNKNOWN_SERVER_ERROR`). */
export function kafkaErrorCode(err: unknown, context: ErrorContext = 'data'): number {
  return KAFKA_ERRORS[kafkaErrorName(toEddyError(err).code, context)];
}

/** The message of anything thrown, for the error-message fields of newer versions. */
export function errorMessage(err: unknown): string {
  return err instanceof EddyError ? err.message : toEddyError(err).message;
}
