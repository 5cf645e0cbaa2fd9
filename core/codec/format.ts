/**
 * The binary format of the objects Eddy stores in S3.
 *
 * An object is written once per produce request (an "ingest" object, one
 * chunk per partition of the request) or once per compaction (a "segment"
 * object, several chunks of one partition). Offsets are not stored: they are
 * assigned after the object is written, when the chunk is appended to its
 * partition's index; record i of a chunk has offset `entry.baseOffset + i`.
 * Each chunk carries its own version and CRC32C, because a fetch reads only
 * the byte range of the chunks it needs and never sees the object header.
 *
 * All integers are big-endian. int64 timestamps are milliseconds since the
 * epoch, limited to [0, 2^53).
 *
 * Object, version 1:
 * ```
 *  offset  size  field
 *  0       4     magic "EDDY" (0x45 0x44 0x44 0x59)
 *  4       1     object format version = 1
 *  5       3     reserved = 0
 *  8       4     chunk count C (uint32)
 *  12      ...   C chunks, back to back
 * ```
 * Chunk, version 1:
 * ```
 *  0       4     L = length of the chunk after this field (uint32)
 *  4       4     CRC32C of bytes [8, 4 + L) (uint32)
 *  8       1     chunk format version = 1
 *  9       1     attributes = 0 (reserved for compression; never renumber)
 *  10      2     reserved = 0
 *  12      4     partition (uint32)
 *  16      4     record count N (uint32)
 *  20      8     min timestamp (int64)
 *  28      8     max timestamp (int64)
 *  36      ...   N records
 * ```
 * Object, version 2 (written since chunk format 2; version 1 objects stay readable):
 * ```
 *  0       4     magic "EDDY"
 *  4       1     object format version = 2
 *  5       3     reserved = 0
 *  8       4     chunk count C (uint32)
 *  12      ...   C chunks, back to back; each is one or more Kafka RecordBatch v2
 *                exactly as produced (core/codec/record-batch.ts), which carry
 *                their own lengths and CRC32C. Partition, offsets and each
 *                chunk's position and format live in the index entry.
 * ```
 * Record (chunk version 1):
 * ```
 *  0       8     timestamp (int64)
 *  8       4     key length K (int32, -1 = no key), then K bytes
 *  .       4     value length V (int32, -1 = null value), then V bytes
 *  .       4     header count H (uint32), then H headers:
 *                  4 name length (uint32) + name bytes (UTF-8)
 *                  4 value length (uint32) + value bytes
 * ```
 */
import { EddyError } from '../errors.js';
import { crc32c } from './crc32c.js';

/** `"EDDY"` as a big-endian uint32. */
export const OBJECT_MAGIC = 0x45444459;
/** Object format of chunk format 1 objects. Persisted: never renumber. */
export const OBJECT_VERSION = 1;
/** Object format holding RecordBatch chunks (chunk format 2). Persisted: never renumber. */
export const OBJECT_VERSION_BATCHES = 2;
/** Current chunk format version. Persisted: never renumber. */
export const CHUNK_VERSION = 1;
/** Size of the object header. */
export const OBJECT_HEADER_BYTES = 12;
/** Size of a chunk header (length + crc + fixed fields). */
export const CHUNK_HEADER_BYTES = 36;

/** One record as stored: bytes in, the same bytes out. */
export interface StoredRecord {
  readonly timestamp: number;
  readonly key: Uint8Array | null;
  readonly value: Uint8Array | null;
  readonly headers: ReadonlyArray<readonly [string, Uint8Array]>;
}

/** Where a chunk sits in its object, and what it summarises. */
export interface ChunkInfo {
  readonly partition: number;
  /** Byte position of the chunk's first byte in the object. */
  readonly position: number;
  /** Byte length of the whole chunk, header included. */
  readonly length: number;
  readonly records: number;
  readonly minTimestamp: number;
  readonly maxTimestamp: number;
}

const utf8 = new TextEncoder();
// Stryker disable next-line StringLiteral,ObjectLiteral: '' is no encoding, so the module throws a RangeError on import (which the vitest runner does not report as a failed test); {} is the default { fatal: false }
const utf8Decoder = new TextDecoder('utf-8', { fatal: false });

function recordSize(r: StoredRecord, headerNames: Uint8Array[]): number {
  let n = 8 + 4 + (r.key?.length ?? 0) + 4 + (r.value?.length ?? 0) + 4;
  for (let i = 0; i < r.headers.length; i++) n += 8 + headerNames[i]!.length + r.headers[i]![1].length;
  return n;
}

/** Size in bytes a record occupies in a chunk (what limits and retention count). */
export function storedRecordBytes(r: StoredRecord): number {
  return recordSize(
    r,
    r.headers.map(([name]) => utf8.encode(name)),
  );
}

function writeInt64(view: DataView, pos: number, value: number): void {
  const hi = Math.floor(value / 0x1_0000_0000);
  view.setUint32(pos, hi >>> 0);
  // Stryker disable next-line ArithmeticOperator: hi / 2^32 instead of hi * 2^32 gives the same low word: setUint32 reduces modulo 2^32, and below 2^53 the difference is lost in rounding
  view.setUint32(pos + 4, value - hi * 0x1_0000_0000);
}

function readInt64(view: DataView, pos: number): number {
  return view.getUint32(pos) * 0x1_0000_0000 + view.getUint32(pos + 4);
}

/** The records of one partition to put in one chunk. */
export interface ChunkInput {
  readonly partition: number;
  readonly records: readonly StoredRecord[];
}

/**
 * Encodes an object holding one chunk per input, in input order.
 * Returns the bytes and where each chunk landed.
 */
export function encodeObject(inputs: readonly ChunkInput[]): { bytes: Uint8Array; chunks: ChunkInfo[] } {
  const names = inputs.map((c) => c.records.map((r) => r.headers.map(([name]) => utf8.encode(name))));
  let total = OBJECT_HEADER_BYTES;
  const chunkSizes = inputs.map((c, ci) => {
    let size = CHUNK_HEADER_BYTES;
    c.records.forEach((r, ri) => (size += recordSize(r, names[ci]![ri]!)));
    total += size;
    return size;
  });
  const bytes = new Uint8Array(total);
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  view.setUint32(0, OBJECT_MAGIC);
  view.setUint8(4, OBJECT_VERSION);
  view.setUint32(8, inputs.length);
  let pos = OBJECT_HEADER_BYTES;
  const chunks: ChunkInfo[] = [];
  inputs.forEach((c, ci) => {
    const start = pos;
    const size = chunkSizes[ci]!;
    let minTs = Number.MAX_SAFE_INTEGER;
    let maxTs = 0;
    for (const r of c.records) {
      // Stryker disable next-line EqualityOperator: <= only replaces the minimum by an equal timestamp
      if (r.timestamp < minTs) minTs = r.timestamp;
      // Stryker disable next-line EqualityOperator: >= only replaces the maximum by an equal timestamp
      if (r.timestamp > maxTs) maxTs = r.timestamp;
    }
    if (c.records.length === 0) minTs = 0;
    view.setUint32(start, size - 4);
    view.setUint8(start + 8, CHUNK_VERSION);
    view.setUint32(start + 12, c.partition);
    view.setUint32(start + 16, c.records.length);
    writeInt64(view, start + 20, minTs);
    writeInt64(view, start + 28, maxTs);
    pos = start + CHUNK_HEADER_BYTES;
    c.records.forEach((r, ri) => {
      writeInt64(view, pos, r.timestamp);
      pos += 8;
      for (const field of [r.key, r.value]) {
        if (field === null) {
          view.setInt32(pos, -1);
          pos += 4;
        } else {
          view.setInt32(pos, field.length);
          bytes.set(field, pos + 4);
          pos += 4 + field.length;
        }
      }
      view.setUint32(pos, r.headers.length);
      pos += 4;
      r.headers.forEach(([, value], hi) => {
        const name = names[ci]![ri]![hi]!;
        view.setUint32(pos, name.length);
        bytes.set(name, pos + 4);
        pos += 4 + name.length;
        view.setUint32(pos, value.length);
        bytes.set(value, pos + 4);
        pos += 4 + value.length;
      });
    });
    view.setUint32(start + 4, crc32c(bytes, start + 8, pos));
    chunks.push({ partition: c.partition, position: start, length: size, records: c.records.length, minTimestamp: minTs, maxTimestamp: maxTs });
  });
  return { bytes, chunks };
}

/**
 * Encodes an object of version 2: the header, then each chunk's bytes (Kafka
 * record batches) unchanged. Returns the bytes and where each chunk landed.
 */
export function encodeBatchObject(chunks: readonly Uint8Array[]): { bytes: Uint8Array; positions: Array<{ position: number; length: number }> } {
  let total = OBJECT_HEADER_BYTES;
  for (const c of chunks) total += c.length;
  const bytes = new Uint8Array(total);
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  view.setUint32(0, OBJECT_MAGIC);
  view.setUint8(4, OBJECT_VERSION_BATCHES);
  view.setUint32(8, chunks.length);
  let pos = OBJECT_HEADER_BYTES;
  const positions = chunks.map((c) => {
    bytes.set(c, pos);
    const at = { position: pos, length: c.length };
    pos += c.length;
    return at;
  });
  return { bytes, positions };
}

function corrupt(what: string): EddyError {
  return new EddyError('DATA_CORRUPT', `stored data is corrupt: ${what}`);
}

/** Reads and checks an object header; returns the chunk count. */
export function decodeObjectHeader(bytes: Uint8Array): number {
  if (bytes.length < OBJECT_HEADER_BYTES) throw corrupt('object shorter than its header');
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  if (view.getUint32(0) !== OBJECT_MAGIC) throw corrupt('bad object magic');
  if (view.getUint8(4) !== OBJECT_VERSION) throw corrupt(`unsupported object version ${view.getUint8(4)}`);
  return view.getUint32(8);
}

/**
 * Decodes one chunk from exactly its bytes, checking length, version and
 * CRC32C first: corruption is a `DATA_CORRUPT` error, never garbage records.
 * @param expectedPartition - when given, the chunk must belong to it.
 */
export function decodeChunk(bytes: Uint8Array, expectedPartition?: number): { partition: number; records: StoredRecord[] } {
  if (bytes.length < CHUNK_HEADER_BYTES) throw corrupt('chunk shorter than its header');
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  if (view.getUint32(0) !== bytes.length - 4) throw corrupt('chunk length mismatch');
  if (view.getUint32(4) !== crc32c(bytes, 8, bytes.length)) throw corrupt('chunk checksum mismatch');
  if (view.getUint8(8) !== CHUNK_VERSION) throw corrupt(`unsupported chunk version ${view.getUint8(8)}`);
  const partition = view.getUint32(12);
  if (expectedPartition !== undefined && partition !== expectedPartition) throw corrupt(`chunk of partition ${partition}, expected ${expectedPartition}`);
  const count = view.getUint32(16);
  // Stryker disable next-line ArrayDeclaration: new Array() instead of new Array(count): the loop fills it by index either way
  const records: StoredRecord[] = new Array(count);
  let pos = CHUNK_HEADER_BYTES;
  const need = (n: number): void => {
    if (pos + n > bytes.length || n < 0) throw corrupt('record overruns its chunk');
  };
  const field = (): Uint8Array | null => {
    need(4);
    const len = view.getInt32(pos);
    pos += 4;
    if (len === -1) return null;
    need(len);
    const out = bytes.subarray(pos, pos + len);
    pos += len;
    return out;
  };
  for (let i = 0; i < count; i++) {
    need(8);
    const timestamp = readInt64(view, pos);
    pos += 8;
    const key = field();
    const value = field();
    need(4);
    const headerCount = view.getUint32(pos);
    pos += 4;
    const headers: Array<readonly [string, Uint8Array]> = [];
    for (let h = 0; h < headerCount; h++) {
      const name = field();
      const hv = field();
      if (name === null || hv === null) throw corrupt('null header');
      headers.push([utf8Decoder.decode(name), hv]);
    }
    records[i] = { timestamp, key, value, headers };
  }
  if (pos !== bytes.length) throw corrupt('trailing bytes in chunk');
  return { partition, records };
}

/** Splits a whole object into its chunks' byte ranges (for compaction and tooling). */
export function objectChunks(bytes: Uint8Array): Array<{ position: number; length: number }> {
  const count = decodeObjectHeader(bytes);
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const out: Array<{ position: number; length: number }> = [];
  let pos = OBJECT_HEADER_BYTES;
  for (let i = 0; i < count; i++) {
    if (pos + 4 > bytes.length) throw corrupt('chunk table overruns object');
    const length = view.getUint32(pos) + 4;
    if (pos + length > bytes.length) throw corrupt('chunk overruns object');
    out.push({ position: pos, length });
    pos += length;
  }
  return out;
}
