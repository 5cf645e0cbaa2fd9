/**
 * Producer messages (kafkajs shape) and their encoding into wire records.
 * Every message is encoded once, when `send` is called, so its exact size on
 * the wire is known before it is buffered: the size is what memory
 * accounting, batching and the request limit count.
 */
import { EddyError } from '../errors.js';
import type { PutRecord } from '../types.js';
import type { WireFormat } from '../wire.js';

/** A message value: text, bytes, or anything else serialized by the producer's `serializer` (JSON by default). */
export type MessageValue = string | Uint8Array | number | boolean | object;

/** One message to produce (kafkajs shape). */
export interface Message {
  /** The key: decides the partition (murmur2) and is kept with the record. */
  readonly key?: string | Uint8Array | null;
  /** The value. `null` is not supported (Eddy has no tombstones). */
  readonly value: MessageValue;
  /** Headers; values are text or bytes. */
  readonly headers?: Readonly<Record<string, string | Uint8Array>>;
  /** Explicit partition (wins over the key). */
  readonly partition?: number;
  /** Timestamp in ms (number, numeric string or Date). @default the append time */
  readonly timestamp?: number | string | Date;
}

/** Turns a non-text, non-bytes value into text or bytes. */
export type Serializer = (value: unknown) => string | Uint8Array;

/** The default serializer: JSON text. */
export const jsonSerializer: Serializer = (value) => JSON.stringify(value);

/** Wire encodings the producer can use for keys, values and header values. */
export type ProducerEncoding = 'base64' | 'utf8';

/** A message encoded for the wire, with its routing data. */
export interface EncodedMessage {
  /** Key bytes for the partitioner, or null. */
  readonly keyBytes: Uint8Array | null;
  /** The wire record, without its partition: fields as text in the producer's encoding (JSON), or as bytes (binary). */
  readonly wire: {
    readonly key?: string | Uint8Array;
    readonly value: string | Uint8Array;
    readonly headers?: Record<string, string | Uint8Array>;
    readonly timestamp?: number;
  };
  /** Bytes of key, value and headers (what the topic's `maxMessageBytes` limits). */
  readonly payloadBytes: number;
  /** Bytes the record adds to a request body, partition field and escaping included. */
  readonly wireBytes: number;
}

const utf8 = new TextEncoder();
const utf8Decoder = new TextDecoder('utf-8', { fatal: true });

function toBytes(v: string | Uint8Array): Uint8Array {
  return typeof v === 'string' ? utf8.encode(v) : v;
}

function toWire(bytes: Uint8Array, encoding: ProducerEncoding, field: string): string {
  if (encoding === 'base64') return Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength).toString('base64');
  try {
    return utf8Decoder.decode(bytes);
  } catch {
    throw new EddyError('INVALID_REQUEST', `${field} is not valid UTF-8 (use encoding 'base64' for binary data)`);
  }
}

/**
 * Encodes a message, failing with `INVALID_REQUEST` on a value or header the
 * wire cannot carry.
 */
export function encodeMessage(message: Message, encoding: ProducerEncoding, serializer: Serializer, wireFormat: WireFormat = 'json'): EncodedMessage {
  if (message === null || typeof message !== 'object') throw new EddyError('INVALID_REQUEST', 'a message must be an object');
  const { key, value, headers, timestamp } = message;
  if (value === null || value === undefined) {
    throw new EddyError('INVALID_REQUEST', 'message value is required (Eddy has no tombstones)');
  }
  const valueBytes = typeof value === 'string' || value instanceof Uint8Array ? toBytes(value) : toBytes(serializer(value));
  const keyBytes = key === null || key === undefined ? null : toBytes(key);
  let payloadBytes = valueBytes.length + (keyBytes?.length ?? 0);
  const ts = timestampOf(timestamp);
  if (wireFormat === 'binary') return binaryMessage(keyBytes, valueBytes, headers, ts, payloadBytes);
  let wireHeaders: Record<string, string> | undefined;
  if (headers) {
    wireHeaders = {};
    const valid = headerBytes(headers);
    payloadBytes += valid.bytes;
    for (const [name, bytes] of valid.entries) wireHeaders[name] = toWire(bytes, encoding, `header ${JSON.stringify(name)}`);
  }
  const wire = {
    ...(keyBytes ? { key: toWire(keyBytes, encoding, 'key') } : {}),
    value: toWire(valueBytes, encoding, 'value'),
    ...(wireHeaders ? { headers: wireHeaders } : {}),
    ...(ts !== undefined ? { timestamp: ts } : {}),
  };
  return { keyBytes, wire, payloadBytes, wireBytes: jsonWireBytes(wire) + PARTITION_FIELD_BYTES };
}

/**
 * The checks both wire formats make of a message's headers: each value is
 * text or bytes. Returns the values as bytes, with the bytes of names and
 * values (what `maxMessageBytes` counts).
 */
function headerBytes(headers: NonNullable<Message['headers']>): { entries: Array<[string, Uint8Array]>; bytes: number } {
  const entries: Array<[string, Uint8Array]> = [];
  let bytes = 0;
  for (const [name, v] of Object.entries(headers)) {
    if (typeof v !== 'string' && !(v instanceof Uint8Array)) {
      throw new EddyError('INVALID_REQUEST', `header ${JSON.stringify(name)} must be a string or bytes`);
    }
    const value = toBytes(v);
    bytes += utf8.encode(name).length + value.length;
    entries.push([name, value]);
  }
  return { entries, bytes };
}

function timestampOf(timestamp: Message['timestamp']): number | undefined {
  if (timestamp === undefined) return undefined;
  const ts = timestamp instanceof Date ? timestamp.getTime() : Number(timestamp);
  if (!Number.isSafeInteger(ts) || ts < 0) throw new EddyError('INVALID_REQUEST', `invalid timestamp ${String(timestamp)}`);
  return ts;
}

/**
 * A message for the binary wire format: its bytes as they are (no base64).
 * Its wire size is what it adds to a RecordBatch v2, bounded from above
 * (length fields and deltas at 24 bytes, 10 per header). The base64 that API
 * Gateway and Lambda invoke put around a binary body is the request limit's
 * concern (`MAX_BINARY_REQUEST_BYTES`), not the record's: `batchBytes` counts
 * the bytes sent.
 */
function binaryMessage(keyBytes: Uint8Array | null, valueBytes: Uint8Array, headers: Message['headers'], ts: number | undefined, payloadBytes: number): EncodedMessage {
  let wireHeaders: Record<string, Uint8Array> | undefined;
  let batchBytes = 24 + valueBytes.length + (keyBytes?.length ?? 0);
  if (headers) {
    wireHeaders = {};
    const valid = headerBytes(headers);
    payloadBytes += valid.bytes;
    batchBytes += valid.bytes + 10 * valid.entries.length;
    for (const [name, bytes] of valid.entries) wireHeaders[name] = bytes;
  }
  // Stamped now, so every attempt of the request carries the same bytes. Built without spreads: this runs per record.
  const wire: { key?: Uint8Array; value: Uint8Array; headers?: Record<string, Uint8Array>; timestamp: number } = { value: valueBytes, timestamp: ts ?? Date.now() };
  if (keyBytes) wire.key = keyBytes;
  if (wireHeaders) wire.headers = wireHeaders;
  return { keyBytes, wire, payloadBytes, wireBytes: batchBytes };
}

/**
 * The record a produce request carries for an encoded message sent to
 * `partition`. Built field by field, without an object spread: this runs per
 * record on every request. A binary record has every field (one shape for
 * all, `undefined` where the message has none); a JSON one only those it
 * has.
 */
export function wireRecord(message: EncodedMessage, partition: number): PutRecord {
  const w = message.wire;
  if (w.value instanceof Uint8Array) return { key: w.key, value: w.value, headers: w.headers, timestamp: w.timestamp, partition };
  const record: { key?: string | Uint8Array; value: string | Uint8Array; headers?: Record<string, string | Uint8Array>; timestamp?: number; partition: number } = { value: w.value, partition };
  if (w.key !== undefined) record.key = w.key;
  if (w.headers !== undefined) record.headers = w.headers;
  if (w.timestamp !== undefined) record.timestamp = w.timestamp;
  return record;
}

/** `,"partition":1000` plus the separating comma. */
const PARTITION_FIELD_BYTES = 18;

/**
 * Bytes a JSON value takes in a request, counted as it reaches Lambda: API
 * Gateway embeds the body as a JSON string, so each `"` and `\` is escaped
 * once more there.
 */
export function jsonWireBytes(value: unknown): number {
  const json = JSON.stringify(value);
  let escapes = 0;
  for (let i = 0; i < json.length; i++) {
    const c = json.charCodeAt(i);
    if (c === 0x22 || c === 0x5c) escapes++;
  }
  return Buffer.byteLength(json) + escapes;
}
