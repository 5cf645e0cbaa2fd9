/**
 * The SDK's side of the binary wire format (`application/vnd.eddy.batches`,
 * docs/api.md "Binary records"; byte layout in `@eddy/api`'s wire module):
 * records become one uncompressed Kafka RecordBatch v2 per partition on
 * produce, and fetch answers arrive as the stored batches, decoded here
 * (uncompressed and gzip; the server converts any other codec, since the
 * Accept value names gzip only). The RecordBatch codec and CRC32C are
 * `@eddy/api`'s, the same code core stores and serves batches with.
 */
import { gunzipSync } from 'node:zlib';
import {
  BATCHES_MEDIA_TYPE,
  batchesAccept,
  decodeBatches,
  decodeFetchAnswer,
  encodeProduceRequest,
  planBatch,
  type BatchHooks,
  type BatchRecord,
  type BatchRecordInput,
  type WireProduceRequestInput,
} from '@eddy/api';
import { EddyError } from './errors.js';
import { useNativeCrc32c } from './util/native-crc32c.js';
import type { Encoding, FetchedBytesRecord, FetchedRecord, GetRecordsBytesOutput, GetRecordsOutput, PutRecord, PutRecordsInput } from './types.js';

/**
 * How produce and fetch carry records:
 * - `binary`: Kafka RecordBatch v2 in `application/vnd.eddy.batches` bodies
 *   (no base64 or JSON per record: about 10× less CPU on both sides);
 * - `json`: the JSON bodies of HTTP API v1, fields in base64, UTF-8 or JSON.
 */
export type WireFormat = 'binary' | 'json';

/** The media type of the binary wire format. */
export { BATCHES_MEDIA_TYPE };

// The SDK checksums every batch it sends and every batch it reads: native CRC32C where it loads.
useNativeCrc32c();

/**
 * The Accept value the SDK sends on a binary fetch: gzip batches come as
 * stored, any other codec converted by the server; `crc=client` tells the
 * server that the SDK checks every batch's CRC32C itself (it does, in
 * {@link decodeBinaryFetch}), so the server skips its own check.
 */
export const SDK_ACCEPT = batchesAccept(['gzip'], { clientCrc: true });

/** The batch codec's hooks in the SDK: its `EddyError` and gzip (node:zlib). */
export const SDK_BATCH_HOOKS: BatchHooks = {
  error: (code, message) => new EddyError(code, message),
  decompress: (codec, bytes, maxBytes) => {
    if (codec !== 'gzip') throw new EddyError('INVALID_REQUEST', `a ${codec} batch: the SDK decodes uncompressed and gzip batches only (it asks the server to convert the others)`);
    try {
      return gunzipSync(bytes, { maxOutputLength: maxBytes });
    } catch (err) {
      if ((err as { code?: string }).code === 'ERR_BUFFER_TOO_LARGE') throw new EddyError('MESSAGE_TOO_LARGE', `gzip batch decompresses to more than ${maxBytes} bytes`);
      throw err;
    }
  },
};

const utf8 = new TextEncoder();
const utf8Strict = new TextDecoder('utf-8', { fatal: true });

/** Strict base64 (as the server checks it): a decoded length that differs from what the text promises means it was not base64. */
function fromBase64(value: string, what: string): Uint8Array {
  const padding = value.endsWith('==') ? 2 : value.endsWith('=') ? 1 : 0;
  const bytes = value.length % 4 === 0 ? Buffer.from(value, 'base64') : undefined;
  if (!bytes || bytes.length !== (value.length / 4) * 3 - padding) {
    throw new EddyError('INVALID_REQUEST', `${what} is not valid base64 (the default encoding); to send text, set encoding 'utf8', or 'json' for JSON values`);
  }
  return new Uint8Array(bytes.buffer, bytes.byteOffset, bytes.byteLength);
}

/** One field of a {@link PutRecord} as bytes, read in the request's encoding, as the server reads the JSON route's fields. */
function fieldBytes(value: unknown, encoding: Encoding, role: 'key' | 'value' | 'header', index: number, header?: string): Uint8Array | null {
  if (value === null) return null;
  if (value instanceof Uint8Array) return value;
  // Named only when needed: this runs per field.
  const what = role === 'header' ? `records[${index}].headers.${header}` : `records[${index}].${role}`;
  if (encoding === 'json' && role === 'value') {
    if (value === undefined) throw new EddyError('INVALID_REQUEST', `${what} is required`);
    return utf8.encode(JSON.stringify(value));
  }
  if (typeof value !== 'string') throw new EddyError('INVALID_REQUEST', `${what} must be a string, bytes or null under encoding ${encoding}`);
  return encoding === 'base64' ? fromBase64(value, what) : utf8.encode(value);
}

/** A produce request in the binary format: records grouped by partition (first appearance order), and where each record went. */
export interface BinaryProduce {
  /** The body. */
  readonly body: Uint8Array;
  /** Per partition of the body, the request indexes of its records in order. */
  readonly indexes: ReadonlyMap<number, number[]>;
}

/**
 * Encodes records that all carry an explicit partition as a binary produce
 * body: one uncompressed RecordBatch v2 per partition. A record without a
 * timestamp gets the producer's clock (`now`), as Kafka clients stamp records.
 */
export function encodeBinaryProduce(input: PutRecordsInput, now: number): BinaryProduce {
  const encoding = input.encoding ?? 'base64';
  const groups = new Map<number, { records: BatchRecordInput[]; indexes: number[] }>();
  input.records.forEach((r: PutRecord, i) => {
    const partition = r.partition!;
    if (!Number.isInteger(partition) || partition < 0 || partition > 0x7fffffff) throw new EddyError('INVALID_REQUEST', `records[${i}].partition must be a non-negative integer, got ${String(partition)}`);
    const timestamp = r.timestamp ?? now;
    if (!Number.isSafeInteger(timestamp) || timestamp < 0) throw new EddyError('INVALID_REQUEST', `records[${i}].timestamp must be a non-negative integer of ms, got ${String(timestamp)}`);
    let headers: Array<readonly [string, Uint8Array | null]> | undefined;
    if (r.headers) {
      headers = [];
      for (const name in r.headers) headers.push([name, fieldBytes(r.headers[name], encoding, 'header', i, name)]);
    }
    // No object spread: this runs per record.
    const record: { timestamp: number; key: Uint8Array | null; value: Uint8Array | null; headers?: Array<readonly [string, Uint8Array | null]> } = {
      timestamp,
      key: r.key === undefined ? null : fieldBytes(r.key, encoding, 'key', i),
      value: fieldBytes(r.value, encoding, 'value', i),
    };
    if (headers) record.headers = headers;
    let group = groups.get(partition);
    if (!group) groups.set(partition, (group = { records: [], indexes: [] }));
    group.records.push(record);
    group.indexes.push(i);
  });
  const idempotent = input.producerId !== undefined;
  // Each batch is planned (sized), then written straight into the body: no copy of the records.
  const partitions: Array<WireProduceRequestInput['partitions'][number]> = [];
  for (const [partition, g] of groups) {
    const sequence = input.sequences?.[String(partition)];
    partitions.push({ partition, ...(idempotent && sequence !== undefined ? { sequence } : {}), batch: planBatch({ records: g.records, hooks: SDK_BATCH_HOOKS }) });
  }
  const body = encodeProduceRequest({ ...(idempotent ? { producerId: input.producerId, producerEpoch: input.producerEpoch ?? 0 } : {}), partitions });
  return { body, indexes: new Map([...groups].map(([p, g]) => [p, g.indexes])) };
}

function fieldText(bytes: Uint8Array | null, encoding: Encoding, role: 'key' | 'value' | 'header'): { ok: true; value: unknown } | { ok: false } {
  if (bytes === null) return { ok: true, value: null };
  if (encoding === 'base64') return { ok: true, value: Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength).toString('base64') };
  let text: string;
  try {
    text = utf8Strict.decode(bytes);
  } catch {
    return { ok: false };
  }
  if (encoding === 'json' && role === 'value') {
    try {
      return { ok: true, value: JSON.parse(text) as unknown };
    } catch {
      return { ok: false };
    }
  }
  return { ok: true, value: text };
}

/** A decoded record in the shape of the JSON route's answer: fields in `encoding`, or whole in base64 (marked) when they cannot be shown in it. */
function toFetchedRecord(r: BatchRecord, encoding: Encoding): FetchedRecord {
  if (encoding === 'base64') {
    const headers: Record<string, string> = {};
    for (const [k, v] of r.headers) headers[k] = v === null ? (null as unknown as string) : Buffer.from(v.buffer, v.byteOffset, v.byteLength).toString('base64');
    return {
      offset: r.offset,
      timestamp: r.timestamp,
      key: r.key === null ? null : Buffer.from(r.key.buffer, r.key.byteOffset, r.key.byteLength).toString('base64'),
      value: r.value === null ? null : Buffer.from(r.value.buffer, r.value.byteOffset, r.value.byteLength).toString('base64'),
      headers,
    };
  }
  const key = fieldText(r.key, encoding, 'key');
  const value = fieldText(r.value, encoding, 'value');
  const headers: Record<string, unknown> = {};
  let ok = key.ok && value.ok;
  for (const [k, v] of r.headers) {
    const t = fieldText(v, encoding, 'header');
    if (!t.ok) ok = false;
    else headers[k] = t.value;
  }
  if (!ok) return { ...toFetchedRecord(r, 'base64'), encoding: 'base64' };
  return { offset: r.offset, timestamp: r.timestamp, key: (key as { value: string | null }).value, value: (value as { value: unknown }).value, headers: headers as Record<string, string> };
}

/** Decodes a binary fetch answer into the JSON route's shape: the records at or after `offset` and before `nextOffset`, fields in `encoding`. */
export function decodeBinaryFetch(bytes: Uint8Array, offset: number, encoding: Encoding): GetRecordsOutput {
  const answer = decodeFetchAnswer(bytes, SDK_BATCH_HOOKS);
  const records: FetchedRecord[] = [];
  if (answer.batches.length > 0) {
    for (const batch of decodeBatches(answer.batches, { stored: true, hooks: SDK_BATCH_HOOKS })) {
      for (const r of batch.records) if (r.offset >= offset && r.offset < answer.nextOffset) records.push(toFetchedRecord(r, encoding));
    }
  }
  return { records, nextOffset: answer.nextOffset, highWatermark: answer.highWatermark, logStartOffset: answer.logStartOffset };
}

/** Decodes a binary fetch answer into records whose fields are views into it (no copy, no base64): `getRecords` with `encoding: 'bytes'`. */
export function decodeBinaryFetchBytes(bytes: Uint8Array, offset: number): GetRecordsBytesOutput {
  const answer = decodeFetchAnswer(bytes, SDK_BATCH_HOOKS);
  const records: FetchedBytesRecord[] = [];
  if (answer.batches.length > 0) {
    for (const batch of decodeBatches(answer.batches, { stored: true, hooks: SDK_BATCH_HOOKS })) {
      for (const r of batch.records) if (r.offset >= offset && r.offset < answer.nextOffset) records.push(r);
    }
  }
  return { records, nextOffset: answer.nextOffset, highWatermark: answer.highWatermark, logStartOffset: answer.logStartOffset };
}

/** A JSON fetch answer (fields base64) as `encoding: 'bytes'` answers it. */
export function jsonFetchToBytes(answer: GetRecordsOutput): GetRecordsBytesOutput {
  const b = (s: unknown): Uint8Array | null => (typeof s === 'string' ? Buffer.from(s, 'base64') : null);
  return {
    ...answer,
    records: answer.records.map((r) => ({ offset: r.offset, timestamp: r.timestamp, key: b(r.key), value: b(r.value), headers: Object.entries(r.headers ?? {}).map(([k, v]) => [k, b(v)] as const) })),
  };
}
