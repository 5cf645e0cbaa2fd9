/**
 * Fetch for the binary HTTP route (docs/api.md, "Binary records"): the
 * stored batches `readBatches` serves, shaped to the route's limits —
 * `maxRecords` (by `nextOffset`: batches are never cut, the reader skips
 * records at or past it), an answer size bound (Lambda's response limit),
 * and the compression codecs the reader handles (any other batch is
 * decompressed and re-encoded uncompressed here).
 */
import { EddyError } from '../errors.js';
import type { CompressionCodec } from '../codec/compression.js';
import { COMPRESSION_CODECS } from '../codec/compression.js';
import { BATCH_HEADER_BYTES, BATCH_PREFIX_BYTES, decodeBatch, encodeBatch, type BatchRecord } from '../codec/record-batch.js';
import { FETCH_LIMITS, type PartitionOffsets, type ReadBatchesRequest, type ReadBatchesResult } from './fetch.js';

/** A binary fetch. */
export interface FetchBatchesRequest extends ReadBatchesRequest {
  /** At most this many records from `offset` (1–10000). @default 1000 */
  readonly maxRecords?: number;
  /** Codecs passed through compressed; `none` always. @default none only */
  readonly codecs?: ReadonlySet<CompressionCodec>;
  /** Most bytes of batches in the answer; the first batch is cut down to records that fit when it alone is larger. @default no bound */
  readonly maxAnswerBytes?: number;
}

/** Batches of a binary fetch, with where to go on. */
export interface FetchBatchesResult extends PartitionOffsets {
  /** Records of the answer are `offset ≤ o < nextOffset`. */
  readonly nextOffset: number;
  /** RecordBatch v2 bytes, base offsets written in, in offset order. */
  readonly batches: Uint8Array[];
}

const NONE_ONLY: ReadonlySet<CompressionCodec> = new Set(['none']);

/** Rough bytes of a record in an uncompressed batch (length fields and attributes included). */
function recordSize(r: BatchRecord): number {
  let n = 24 + (r.key?.length ?? 0) + (r.value?.length ?? 0);
  for (const [k, v] of r.headers) n += 10 + k.length * 3 + (v?.length ?? 0);
  return n;
}

/** Re-encodes the records of a batch from `from` on, uncompressed, as many as fit in `limit` bytes (at least one). */
function cutBatch(bytes: Uint8Array, from: number, limit: number, topic: string, partition: number): { batch: Uint8Array; next: number } {
  const records = decodeBatch(bytes, { stored: true }).records.filter((r) => r.offset >= from);
  const taken: BatchRecord[] = [];
  let size = BATCH_HEADER_BYTES;
  for (const r of records) {
    const s = recordSize(r);
    if (taken.length > 0 && size + s > limit) break;
    if (size + s > limit) {
      throw new EddyError(
        'MESSAGE_TOO_LARGE',
        `the record at offset ${r.offset} of ${topic}/${partition} is about ${s} bytes, more than an answer of the HTTP API or a Lambda invoke carries (${limit}); read it over the Kafka protocol (docs/kafka.md), or go on from offset ${r.offset + 1}`,
      );
    }
    size += s;
    taken.push(r);
  }
  const batch = encodeBatch({ records: taken, baseOffset: taken[0]!.offset });
  return { batch, next: taken[taken.length - 1]!.offset + 1 };
}

/** Shapes what `readBatches` read to a binary fetch's limits (see the module comment). */
export function shapeBatches(read: ReadBatchesResult, request: FetchBatchesRequest): FetchBatchesResult {
  const maxRecords = request.maxRecords ?? FETCH_LIMITS.defaultMaxRecords;
  const codecs = request.codecs ?? NONE_ONLY;
  const limit = request.maxAnswerBytes ?? Infinity;
  const end = request.offset + maxRecords;
  const batches: Uint8Array[] = [];
  let bytes = 0;
  let next = request.offset;
  outer: for (const chunk of read.batches) {
    // Framing was checked when the chunk was read (storedChunkBatches; CRC32C is the reader's to check on this route).
    const view = new DataView(chunk.buffer, chunk.byteOffset, chunk.byteLength);
    for (let pos = 0; pos < chunk.length; ) {
      const length = BATCH_PREFIX_BYTES + view.getInt32(pos + 8);
      const base = Number(view.getBigInt64(pos));
      const last = base + view.getInt32(pos + 23);
      let batch = chunk.subarray(pos, pos + length);
      pos += length;
      if (next >= end) break outer;
      if (last < next) continue;
      if (!codecs.has(COMPRESSION_CODECS[view.getInt16(pos - length + 21) & 0x07]!)) {
        batch = encodeBatch({ records: decodeBatch(batch, { stored: true }).records, baseOffset: base });
      }
      if (bytes + batch.length > limit) {
        if (batches.length > 0) break outer;
        const cut = cutBatch(batch, next, limit, request.topic, request.partition);
        batches.push(cut.batch);
        next = Math.min(cut.next, end);
        break outer;
      }
      batches.push(batch);
      bytes += batch.length;
      next = Math.min(last + 1, end);
    }
  }
  // Nothing read, only markers skipped (an abandoned range at the end of the partition): the reader goes on past them.
  if (read.batches.length === 0) next = Math.max(next, read.nextOffset);
  return { partition: read.partition, highWatermark: read.highWatermark, logStartOffset: read.logStartOffset, nextOffset: next, batches };
}
