/**
 * Kafka RecordBatch v2 (magic 2), the unit in which Kafka clients produce and
 * fetch records, and Eddy's chunk format 2 (a stored chunk is one or more of
 * these exactly as the producer sent them).
 *
 * The codec itself (byte layout, checks, encoder, decoder) lives in the
 * dependency-free `@eddy/api` (api/src/record-batch.ts), so the SDK's binary
 * wire format and core share one implementation. This module is core's face
 * of it, with the same names as before: every function throws core's
 * `EddyError` and handles every compression codec (core/codec/compression.ts);
 * `chunkToBatch` converts the first release's chunk format.
 */
import * as codec from '@eddy/api';
import type { BatchHooks, BatchHeader, BatchHeadersWithTail, DecodedBatch, DecodeOptions as ApiDecodeOptions, EncodeBatchInput as ApiEncodeBatchInput, ReadOptions as ApiReadOptions } from '@eddy/api';
import { EddyError } from '../errors.js';
import { compress, decompress } from './compression.js';
import { decodeChunk } from './format.js';

export { BATCH_HEADER_BYTES, BATCH_PREFIX_BYTES, DEFAULT_MAX_UNCOMPRESSED_BYTES, RECORD_BATCH_MAGIC } from '@eddy/api';
export type { BatchHeader, BatchHeadersWithTail, BatchRecord, BatchRecordInput, DecodedBatch, TimestampType } from '@eddy/api';

/** Core's hooks: `EddyError` and every codec. */
export const CORE_BATCH_HOOKS: BatchHooks = {
  error: (code, message) => new EddyError(code, message),
  compress,
  decompress,
};

/** Where the incoming bytes came from: decides the error code of a failure. */
export type ReadOptions = Omit<ApiReadOptions, 'hooks'>;
/** Options of {@link decodeBatch} and {@link decodeBatches}. */
export type DecodeOptions = Omit<ApiDecodeOptions, 'hooks'>;
/** What {@link encodeBatch} writes. */
export type EncodeBatchInput = Omit<ApiEncodeBatchInput, 'hooks'>;
/** Options of {@link withBaseOffset}. */
export type WithBaseOffsetOptions = Omit<codec.WithBaseOffsetOptions, 'hooks'>;

/**
 * Splits one or more concatenated batches without decompressing them,
 * checking each one's framing, magic, CRC32C, attributes and counts
 * (`CORRUPT_MESSAGE`, or `DATA_CORRUPT` with `stored`). See `@eddy/api`.
 */
export function readBatchHeaders(bytes: Uint8Array, options?: ReadOptions & { readonly allowPartialTail?: false }): BatchHeader[];
export function readBatchHeaders(bytes: Uint8Array, options: ReadOptions & { readonly allowPartialTail: true }): BatchHeadersWithTail;
export function readBatchHeaders(bytes: Uint8Array, options: ReadOptions & { readonly allowPartialTail?: boolean } = {}): BatchHeader[] | BatchHeadersWithTail {
  return options.allowPartialTail
    ? codec.readBatchHeaders(bytes, { ...options, allowPartialTail: true, hooks: CORE_BATCH_HOOKS })
    : codec.readBatchHeaders(bytes, { ...options, allowPartialTail: false, hooks: CORE_BATCH_HOOKS });
}

/** Decodes exactly one batch, decompressing it and checking every record's framing. */
export function decodeBatch(bytes: Uint8Array, options: DecodeOptions = {}): DecodedBatch {
  return codec.decodeBatch(bytes, { ...options, hooks: CORE_BATCH_HOOKS });
}

/** Decodes every batch of concatenated batches (a stored chunk, a produce request's partition data). */
export function decodeBatches(bytes: Uint8Array, options: DecodeOptions = {}): DecodedBatch[] {
  return codec.decodeBatches(bytes, { ...options, hooks: CORE_BATCH_HOOKS });
}

/** Encodes records as one RecordBatch v2, compressed with any codec. */
export function encodeBatch(input: EncodeBatchInput): Uint8Array {
  return codec.encodeBatch({ ...input, hooks: CORE_BATCH_HOOKS });
}

/** Writes base offsets into concatenated batches (framing errors are `DATA_CORRUPT`). */
export function withBaseOffset(bytes: Uint8Array, baseOffset: number, options: WithBaseOffsetOptions = {}): Uint8Array {
  return codec.withBaseOffset(bytes, baseOffset, { ...options, hooks: CORE_BATCH_HOOKS });
}

/**
 * Converts a stored chunk of format 1 (core/codec/format.ts) into one
 * uncompressed RecordBatch v2 with the same records, so data written before
 * format 2 can be served to Kafka clients. The chunk's CRC is checked
 * (`DATA_CORRUPT` otherwise); an empty chunk gives no batch (empty bytes).
 * @param baseOffset - offset of the chunk's first record, from its index entry. @default 0
 */
export function chunkToBatch(v1ChunkBytes: Uint8Array, partition: number, baseOffset = 0): Uint8Array {
  const { records } = decodeChunk(v1ChunkBytes, partition);
  if (records.length === 0) return new Uint8Array(0);
  return encodeBatch({ records, baseOffset });
}
