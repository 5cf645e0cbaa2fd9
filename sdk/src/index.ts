/**
 * `@eddy/sdk`: the TypeScript SDK of Eddy — a thin client mirroring the HTTP
 * API, a batching idempotent producer and a group consumer, over HTTPS
 * (SigV4 when credentials exist) or direct Lambda invoke.
 */
export { Eddy, DEFAULT_ENDPOINT, type CallOptions, type EddyOptions } from './client.js';
export { BATCHES_MEDIA_TYPE, type WireFormat } from './wire.js';
export type { EddyApi } from './types.js';
export { EddyError, ERROR_CODES, isEddyError, isErrorCode, shouldRetry, errorFromResponse, type ErrorCode, type ErrorOutcome, type ErrorPolicy, type EddyErrorOptions } from './errors.js';
export { DEFAULT_RETRY, NO_RETRY, RetryPolicy, type RetryOptions } from './retry.js';
export { createDefaultPartitioner, murmur2, partitionForKey, toPositive, type Partitioner, type PartitionerArgs } from './partitioner.js';
export { Producer, MAX_BINARY_REQUEST_BYTES, MAX_REQUEST_BYTES, type ProducerBatch, type ProducerOptions, type ProducerRecord, type ProducerStats, type RecordMetadata } from './producer/producer.js';
export { AdaptiveLinger, AWS_PRODUCER_DEFAULTS, FILL_RATIO, LOCAL_PRODUCER_DEFAULTS, type AdaptiveLingerOptions } from './producer/linger.js';
export { IdleBackoff, IDLE_BACKOFF_DEFAULTS, resolveIdleBackoff, type IdleBackoffConsumerOptions, type IdleBackoffOptions } from './consumer/idle-backoff.js';
export { transportProfile, type TransportProfile } from './transport/profile.js';
export { jsonSerializer, type Message, type MessageValue, type ProducerEncoding, type Serializer } from './producer/message.js';
export { Consumer } from './consumer/consumer.js';
export type {
  Batch,
  ConsumerEvents,
  ConsumerOptions,
  EachBatchPayload,
  EachMessagePayload,
  KafkaMessage,
  RunOptions,
  SubscribeOptions,
  TopicPartitionOffset,
  TopicPartitionsSelector,
} from './consumer/types.js';
export { HttpTransport, type HttpTransportOptions, type SigningMode } from './transport/http.js';
export { LambdaTransport, DEFAULT_FUNCTION_NAMES, functionForRoute, type FunctionKind, type FunctionNames, type LambdaInvoker, type LambdaTransportOptions } from './transport/lambda.js';
export type { AwsCredentials, AwsCredentialsInput } from './transport/credentials.js';
export type { HttpMethod, RequestEvent, RequestHooks, Transport, TransportRequest, TransportRequestOptions, TransportResponse } from './transport/types.js';
export type * from './types.js';
export { Trigger, HandlerNotRunError, type AttemptStore, type StoredAttempts, toEddyRecord, validateTriggerSettings, type DeadLetter, type Deliver, type StartingPosition, type TriggerClient, type TriggerComponents, type TriggerEvent, type TriggerSettings } from './trigger/index.js';
/**
 * The trigger event types and decode helper, from `@eddy/api`:
 * {@link EddyEvent} is what a trigger handler receives (one ordered batch of
 * one partition; keys, values and header values base64, null kept),
 * {@link EddyRecord} one record of it, {@link EddyBatchResponse} the optional
 * `{ batchItemFailures }` answer, and {@link decode} turns a base64 field into
 * bytes, text or JSON.
 */
export { decode, type EddyBatchResponse, type EddyEvent, type EddyHandler, type EddyHeader, type EddyRecord } from '@eddy/api';
