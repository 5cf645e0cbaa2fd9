/**
 * `@eddy/api`: what both sides of Eddy's wire must agree on, once, with no
 * dependencies — error codes and their policy, function names, `EDDY_*`
 * variable names, Kafka's murmur2 partitioner, the record and trigger
 * event types, the RecordBatch v2 codec with CRC32C, and the binary wire
 * format of produce and fetch (`application/vnd.eddy.batches`). Core, the Lambda handlers, the SDK, the CLI and the CDK
 * construct all import it; nothing is copied across the SDK boundary.
 */
export { ERROR_CODES, isErrorCode, type ErrorCode, type ErrorEnvelope, type ErrorOutcome, type ErrorPolicy } from './errors.js';
export { FUNCTION_NAMES, TRIGGER_FUNCTION_NAMES, type ApiFunctionKind, type FunctionKind } from './functions.js';
export { DISPATCHER_TRIGGERS_ENV, SWEEP_EVENT, TRIGGER_METRICS, type DispatcherDestination, type DispatcherTrigger } from './dispatcher.js';
export { ENV, MALLOC_ENV_NAMES } from './env.js';
export { murmur2, partitionForKey, toPositive } from './partitioner.js';
export { API_ROUTES, functionForRoute, routeFor, type Access, type ApiRoute } from './routes.js';
export { decode, type EddyBatchResponse, type EddyEvent, type EddyHandler, type EddyHeader, type EddyRecord } from './events.js';
export { checkCrc32cAccelerator, crc32c, crc32cAccelerated, crc32cJs, useCrc32cAccelerator, useCrc32cModule, type Crc32cFunction } from './crc32c.js';
export {
  BATCH_HEADER_BYTES,
  BATCH_PREFIX_BYTES,
  BatchError,
  COMPRESSION_CODECS,
  DEFAULT_MAX_UNCOMPRESSED_BYTES,
  RECORD_BATCH_MAGIC,
  compressionId,
  decodeBatch,
  decodeBatches,
  encodeBatch,
  planBatch,
  readBatchHeaders,
  withBaseOffset,
  type BatchHeader,
  type BatchHeadersWithTail,
  type BatchHooks,
  type BatchPlan,
  type BatchRecord,
  type BatchRecordInput,
  type CompressionCodec,
  type DecodeOptions,
  type DecodedBatch,
  type EncodeBatchInput,
  type ReadOptions,
  type TimestampType,
  type WithBaseOffsetOptions,
} from './record-batch.js';
export {
  BATCHES_MEDIA_TYPE,
  FETCH_ANSWER_HEADER_BYTES,
  WIRE_VERSION,
  acceptedBatchCodecs,
  batchesAccept,
  decodeFetchAnswer,
  decodeProduceRequest,
  encodeFetchHeader,
  encodeProduceRequest,
  isBatchesMediaType,
  readerChecksCrc,
  type WireFetchHeader,
  type WirePartitionBatch,
  type WireProduceAnswer,
  type WireProduceRequest,
  type WireProduceRequestInput,
} from './wire.js';
