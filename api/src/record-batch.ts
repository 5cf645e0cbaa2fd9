/**
 * Kafka RecordBatch v2 (magic 2), the unit in which Kafka clients produce and
 * fetch records, Eddy's chunk format 2 (a stored chunk is one or more of
 * these exactly as the producer sent them) and what the binary wire format of
 * the HTTP API carries (api/src/wire.ts). This module is dependency-free so
 * the SDK and core share one codec: compression and the error class are
 * injected through {@link BatchHooks} (core passes its codecs and
 * `EddyError`, core/codec/record-batch.ts; the SDK passes gzip only).
 *
 * All fixed-size integers are big-endian. Batch:
 * ```
 *  offset  size  field
 *  0       8     baseOffset (int64): offset of the first record; written when
 *                served, meaningless on the way in and on disk
 *  8       4     batchLength (int32): bytes after this field
 *  12      4     partitionLeaderEpoch (int32, -1 = none)
 *  16      1     magic (int8) = 2 (0 and 1 are the legacy message sets of
 *                pre-0.11 clients, whose magic sits at the same offset)
 *  17      4     crc (uint32): CRC32C of bytes [21, 12 + batchLength); it does
 *                not cover baseOffset, batchLength or partitionLeaderEpoch, so
 *                those can be written without re-checksumming
 *  21      2     attributes (int16): bits 0-2 compression ({@link COMPRESSION_CODECS}),
 *                bit 3 timestampType (0 CreateTime, 1 LogAppendTime),
 *                bit 4 isTransactional, bit 5 isControl, bit 6 hasDeleteHorizonMs
 *  23      4     lastOffsetDelta (int32) = records count - 1 (Eddy never drops
 *                records from inside a batch, so offsets are dense)
 *  27      8     baseTimestamp (int64, ms; -1 = none given)
 *  35      8     maxTimestamp (int64)
 *  43      8     producerId (int64, -1 = not idempotent)
 *  51      2     producerEpoch (int16)
 *  53      4     baseSequence (int32, -1 = none)
 *  57      4     records count (int32)
 *  61      ...   records, compressed as a whole when the codec is not none
 * ```
 * Record (varint and varlong are zigzag-encoded, as in protobuf):
 * ```
 *  varint    length of the rest of the record
 *  int8      attributes (unused, 0)
 *  varlong   timestampDelta (timestamp - baseTimestamp)
 *  varint    offsetDelta (record index in the batch)
 *  varint    key length (-1 = null key), then the key
 *  varint    value length (-1 = null value: a tombstone), then the value
 *  varint    headers count, then per header:
 *              varint key length + key (UTF-8), varint value length (-1 = null) + value
 * ```
 *
 * Timestamps: a record timestamp of -1 means the producer gave none; this
 * module leaves it as -1 and callers decide (Kafka stamps the broker's time).
 * In a LogAppendTime batch every record's timestamp is the batch's
 * maxTimestamp, as Kafka defines it.
 */
import { crc32c } from './crc32c.js';
import { isErrorCode, type ErrorCode } from './errors.js';

/** A Kafka compression codec. */
export type CompressionCodec = 'none' | 'gzip' | 'snappy' | 'lz4' | 'zstd';

/** Codecs by their Kafka attribute id (index). Persisted in batches: never renumber. */
export const COMPRESSION_CODECS: readonly CompressionCodec[] = ['none', 'gzip', 'snappy', 'lz4', 'zstd'];

/** The error a batch codec throws by default: an API error code and a message naming what is wrong. */
export class BatchError extends Error {
  override readonly name = 'BatchError';
  /** @param code - the API error code (`CORRUPT_MESSAGE`, `DATA_CORRUPT`, `INVALID_REQUEST`, `MESSAGE_TOO_LARGE`). */
  constructor(
    readonly code: ErrorCode,
    message: string,
  ) {
    super(message);
  }
}

/**
 * What a caller plugs into the codec: the error it throws and the
 * compression codecs it handles. Without `decompress`, a compressed batch
 * cannot be decoded (`INVALID_REQUEST` naming the codec); without
 * `compress`, only uncompressed batches can be encoded.
 */
export interface BatchHooks {
  /** Builds the error thrown for `code`. @default a {@link BatchError} */
  readonly error?: (code: ErrorCode, message: string) => Error;
  /** Decompresses a batch's records, throwing when they would exceed `maxBytes`. */
  readonly decompress?: (codec: CompressionCodec, bytes: Uint8Array, maxBytes: number) => Uint8Array;
  /** Compresses a batch's records. */
  readonly compress?: (codec: CompressionCodec, bytes: Uint8Array) => Uint8Array;
}

function makeError(hooks: BatchHooks | undefined, code: ErrorCode, message: string): Error {
  return hooks?.error ? hooks.error(code, message) : new BatchError(code, message);
}

/** The attribute id of a codec (0-4). */
export function compressionId(codec: CompressionCodec, hooks?: BatchHooks): number {
  const id = COMPRESSION_CODECS.indexOf(codec);
  if (id < 0) throw makeError(hooks, 'INVALID_REQUEST', `unknown compression codec ${JSON.stringify(codec)}`);
  return id;
}

/** Magic byte of RecordBatch v2. */
export const RECORD_BATCH_MAGIC = 2;
/** Bytes of baseOffset + batchLength, the prefix outside `batchLength` (Kafka's LOG_OVERHEAD). */
export const BATCH_PREFIX_BYTES = 12;
/** Bytes of a batch header, up to and including the records count. */
export const BATCH_HEADER_BYTES = 61;
/** Smallest encoded record: length, attributes, timestampDelta, offsetDelta, key, value, headers count. */
const MIN_RECORD_BYTES = 7;
/** Where the CRC32C-covered bytes start. */
const CRC_START = 21;
/**
 * Default bound on a batch's decompressed records, a guard against
 * compression bombs: 64 MiB, far above any batch Eddy accepts (1 MiB records).
 */
export const DEFAULT_MAX_UNCOMPRESSED_BYTES = 64 * 1024 * 1024;

/** How a batch's timestamps were set (attributes bit 3). */
export type TimestampType = 'CreateTime' | 'LogAppendTime';

/** The header of one batch, as read by {@link readBatchHeaders}. */
export interface BatchHeader {
  /** Byte position of the batch in the buffer it was read from. */
  readonly position: number;
  /** Whole batch length in bytes, prefix included (`batchLength + 12`). */
  readonly length: number;
  /** As written in the batch (meaningless for incoming and stored batches). */
  readonly baseOffset: number;
  readonly partitionLeaderEpoch: number;
  readonly lastOffsetDelta: number;
  readonly recordCount: number;
  /**
   * The first record's timestamp for most clients (Kafka's Java client), the
   * smallest for Eddy's encoder: not necessarily the smallest. -1 = none given.
   */
  readonly baseTimestamp: number;
  /** The largest record timestamp (what a time index uses). */
  readonly maxTimestamp: number;
  readonly compression: CompressionCodec;
  readonly timestampType: TimestampType;
  readonly isTransactional: boolean;
  readonly isControl: boolean;
  readonly producerId: bigint;
  readonly producerEpoch: number;
  readonly baseSequence: number;
}

/** Where the incoming bytes came from: decides the error code of a failure. */
export interface ReadOptions {
  /** The error class and codecs of the caller. @default {@link BatchError}, no compression */
  readonly hooks?: BatchHooks;
  /**
   * True for bytes read back from storage: a failure is `DATA_CORRUPT`
   * (Eddy's data is damaged) instead of `CORRUPT_MESSAGE` (the client sent bad bytes).
   * @default false
   */
  readonly stored?: boolean;
  /**
   * Whether {@link readBatchHeaders} checks each batch's CRC32C. Framing,
   * magic, attributes and counts are checked either way. Only for stored
   * batches served to a reader that checks the CRC itself (the SDK's binary
   * fetch), as Kafka brokers do not re-check batches on fetch.
   * @default true
   */
  readonly checkCrc?: boolean;
}

/** Batches read by {@link readBatchHeaders} with `allowPartialTail`. */
export interface BatchHeadersWithTail {
  readonly batches: BatchHeader[];
  /** Bytes at the end that start a batch but do not hold all of it (0 when none). */
  readonly partialTailBytes: number;
}

function failure(stored: boolean | undefined, position: number, what: string, hooks?: BatchHooks): Error {
  return stored
    ? makeError(hooks, 'DATA_CORRUPT', `stored data is corrupt: record batch at byte ${position}: ${what}`)
    : makeError(hooks, 'CORRUPT_MESSAGE', `corrupt record batch at byte ${position}: ${what}`);
}

function viewOf(bytes: Uint8Array): DataView {
  return new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
}

/**
 * Splits one or more concatenated batches without decompressing them,
 * checking each one's framing, magic, CRC32C, attributes and counts.
 * Bad bytes throw `CORRUPT_MESSAGE` (or `DATA_CORRUPT` with `stored`)
 * naming the batch position and what is wrong; nothing is allocated from a
 * length the bytes claim.
 *
 * Magic 0 and 1 (the message sets of Kafka clients before 0.11, which only
 * send them below Produce v3) are refused: every client Eddy serves speaks
 * magic 2, and converting costs more than it is worth.
 *
 * With `allowPartialTail`, a last batch cut short (as Kafka fetch responses
 * may end) is reported as `partialTailBytes` instead of an error.
 */
export function readBatchHeaders(bytes: Uint8Array, options?: ReadOptions & { readonly allowPartialTail?: false }): BatchHeader[];
export function readBatchHeaders(bytes: Uint8Array, options: ReadOptions & { readonly allowPartialTail: true }): BatchHeadersWithTail;
export function readBatchHeaders(
  bytes: Uint8Array,
  options: ReadOptions & { readonly allowPartialTail?: boolean } = {},
): BatchHeader[] | BatchHeadersWithTail {
  const { stored, allowPartialTail, hooks } = options;
  const checkCrc = options.checkCrc ?? true;
  const view = viewOf(bytes);
  const batches: BatchHeader[] = [];
  let pos = 0;
  let partialTailBytes = 0;
  if (bytes.length === 0 && !allowPartialTail) throw failure(stored, 0, 'no record batch', hooks);
  while (pos < bytes.length) {
    const left = bytes.length - pos;
    if (left > 16) checkMagic(view.getInt8(pos + 16), stored, pos, hooks);
    // Stryker disable next-line UnaryOperator: the -1 is read only when fewer than 12 bytes are left, and then only to be ignored (the prefix is truncated either way)
    const batchLength = left >= BATCH_PREFIX_BYTES ? view.getInt32(pos + 8) : -1;
    if (left >= BATCH_PREFIX_BYTES && batchLength < BATCH_HEADER_BYTES - BATCH_PREFIX_BYTES) {
      throw failure(stored, pos, `batchLength ${batchLength} is below the ${BATCH_HEADER_BYTES - BATCH_PREFIX_BYTES}-byte minimum`, hooks);
    }
    if (left < BATCH_PREFIX_BYTES || BATCH_PREFIX_BYTES + batchLength > left) {
      if (allowPartialTail) {
        partialTailBytes = left;
        break;
      }
      throw failure(
        stored,
        pos,
        left < BATCH_PREFIX_BYTES
          ? `truncated: ${left} bytes left, fewer than the ${BATCH_PREFIX_BYTES}-byte batch prefix`
          : `truncated: batchLength ${batchLength} but only ${left - BATCH_PREFIX_BYTES} bytes follow`,
        hooks,
      );
    }
    const end = pos + BATCH_PREFIX_BYTES + batchLength;
    batches.push(readHeaderAt(bytes, view, pos, end, stored, hooks, checkCrc));
    pos = end;
  }
  return allowPartialTail ? { batches, partialTailBytes } : batches;
}

function checkMagic(magic: number, stored: boolean | undefined, pos: number, hooks: BatchHooks | undefined): void {
  if (magic === RECORD_BATCH_MAGIC) return;
  if (magic === 0 || magic === 1) {
    throw failure(stored, pos, `legacy message set (magic ${magic}, Kafka clients before 0.11) is not supported: use a client that sends RecordBatch v2 (Produce v3 or later)`, hooks);
  }
  throw failure(stored, pos, `unknown magic ${magic}, expected ${RECORD_BATCH_MAGIC}`, hooks);
}

function readInt64(view: DataView, pos: number): number {
  return Number(view.getBigInt64(pos));
}

function readHeaderAt(bytes: Uint8Array, view: DataView, pos: number, end: number, stored: boolean | undefined, hooks: BatchHooks | undefined, checkCrc: boolean): BatchHeader {
  if (checkCrc) {
    const crc = view.getUint32(pos + 17);
    const actual = crc32c(bytes, pos + CRC_START, end);
    if (crc !== actual) throw failure(stored, pos, `CRC32C mismatch (batch says ${crc.toString(16)}, bytes give ${actual.toString(16)})`, hooks);
  }
  const attributes = view.getInt16(pos + 21);
  const compression = COMPRESSION_CODECS[attributes & 0x07];
  if (compression === undefined) throw failure(stored, pos, `unknown compression id ${attributes & 0x07}`, hooks);
  const lastOffsetDelta = view.getInt32(pos + 23);
  const recordCount = view.getInt32(pos + 57);
  if (recordCount < 1) throw failure(stored, pos, `records count ${recordCount}: a batch must hold at least one record`, hooks);
  if (lastOffsetDelta !== recordCount - 1) throw failure(stored, pos, `lastOffsetDelta ${lastOffsetDelta} does not match ${recordCount} records`, hooks);
  if (compression === 'none' && recordCount > (end - pos - BATCH_HEADER_BYTES) / MIN_RECORD_BYTES) {
    throw failure(stored, pos, `${recordCount} records cannot fit in ${end - pos - BATCH_HEADER_BYTES} bytes`, hooks);
  }
  return {
    position: pos,
    length: end - pos,
    baseOffset: readInt64(view, pos),
    partitionLeaderEpoch: view.getInt32(pos + 12),
    lastOffsetDelta,
    recordCount,
    baseTimestamp: readInt64(view, pos + 27),
    maxTimestamp: readInt64(view, pos + 35),
    compression,
    timestampType: attributes & 0x08 ? 'LogAppendTime' : 'CreateTime',
    isTransactional: (attributes & 0x10) !== 0,
    isControl: (attributes & 0x20) !== 0,
    producerId: view.getBigInt64(pos + 43),
    producerEpoch: view.getInt16(pos + 51),
    baseSequence: view.getInt32(pos + 53),
  };
}

/** One record of a decoded batch. */
export interface BatchRecord {
  /** `baseOffset + offsetDelta`. */
  readonly offset: number;
  /** Milliseconds since the epoch; -1 when the producer gave none. */
  readonly timestamp: number;
  /** A view into the batch (or its decompressed records): copy it to keep it past the batch. */
  readonly key: Uint8Array | null;
  /** `null` is a tombstone. */
  readonly value: Uint8Array | null;
  readonly headers: Array<[string, Uint8Array | null]>;
}

/** A batch's header and records. */
export interface DecodedBatch {
  readonly header: BatchHeader;
  readonly records: BatchRecord[];
}

/** Options of {@link decodeBatch} and {@link decodeBatches}. */
export interface DecodeOptions extends ReadOptions {
  /**
   * Offset of the first record, overriding the batch's own baseOffset (for a
   * stored batch, whose offset lives in the index entry). With several
   * batches, each next batch starts after the previous one's last offset.
   * @default the baseOffset written in the batch
   */
  readonly baseOffset?: number;
  /**
   * Most bytes a batch's records may decompress to; more is `MESSAGE_TOO_LARGE`.
   * @default DEFAULT_MAX_UNCOMPRESSED_BYTES (64 MiB)
   */
  readonly maxUncompressedBytes?: number;
}

/**
 * Decodes exactly one batch (the whole of `bytes`), checking it as
 * {@link readBatchHeaders} does, then decompressing its records and checking
 * every record's framing. Keys, values and header values are views into
 * `bytes` (or into the decompressed records), not copies.
 */
export function decodeBatch(bytes: Uint8Array, options: DecodeOptions = {}): DecodedBatch {
  const headers = readBatchHeaders(bytes, { stored: options.stored, hooks: options.hooks });
  if (headers.length !== 1) throw failure(options.stored, headers[1]!.position, `expected one record batch, found ${headers.length}`, options.hooks);
  return decodeRecords(bytes, headers[0]!, options.baseOffset ?? headers[0]!.baseOffset, options);
}

/** Decodes every batch of concatenated batches (a stored chunk, a produce request's partition data). */
export function decodeBatches(bytes: Uint8Array, options: DecodeOptions = {}): DecodedBatch[] {
  const headers = readBatchHeaders(bytes, { stored: options.stored, hooks: options.hooks });
  let next = options.baseOffset;
  return headers.map((header) => {
    const decoded = decodeRecords(bytes, header, next ?? header.baseOffset, options);
    if (next !== undefined) next += header.lastOffsetDelta + 1;
    return decoded;
  });
}

const utf8Decoder = new TextDecoder('utf-8', { fatal: true });

/**
 * Reads zigzag varints and length-prefixed bytes from `buf[pos, limit)`.
 * A class (not closures made per call) so V8 optimises it once for all batches.
 */
class RecordReader {
  pos: number;
  limit: number;
  constructor(
    readonly buf: Uint8Array,
    pos: number,
    readonly stored: boolean | undefined,
    readonly batchAt: number,
    readonly hooks: BatchHooks | undefined,
  ) {
    this.pos = pos;
    this.limit = buf.length;
  }

  fail(what: string): Error {
    return failure(this.stored, this.batchAt, what, this.hooks);
  }

  /**
   * A zigzag varint of at most `maxBytes` bytes (5 for varint, 10 for varlong),
   * exact from -2^52 to 2^53 - 1 (any timestamp delta of two safe timestamps
   * of 0 or more); beyond that, `varlong out of range`.
   */
  varint(maxBytes: number): number {
    const buf = this.buf;
    let pos = this.pos;
    if (pos >= this.limit) throw this.fail('record overruns its length');
    let b = buf[pos++]!;
    if (b < 0x80) {
      this.pos = pos;
      return (b >>> 1) ^ -(b & 1);
    }
    let result = b & 0x7f;
    // Zigzag: the low bit of the first byte is the sign.
    const negative = (b & 1) === 1;
    let scale = 0x80;
    for (let i = 1; ; i++) {
      if (i >= maxBytes) throw this.fail('varint too long');
      if (pos >= this.limit) throw this.fail('record overruns its length');
      b = buf[pos++]!;
      result += (b & 0x7f) * scale;
      if (b < 0x80) break;
      scale *= 0x80;
    }
    this.pos = pos;
    // A zigzag value of n >= 0 is even, and so is every partial sum above, so it is exact
    // below 2^54 (n up to 2^53 - 1); an odd one (n < 0) only up to 2^53 - 1.
    if (negative ? result > Number.MAX_SAFE_INTEGER : result / 2 > Number.MAX_SAFE_INTEGER) throw this.fail('varlong out of range');
    return negative ? -(result + 1) / 2 : result / 2;
  }

  /** Varint length then that many bytes (a view); -1 is null. */
  bytes(what: string): Uint8Array | null {
    const length = this.varint(5);
    if (length === -1) return null;
    const pos = this.pos;
    if (length < 0 || length > this.limit - pos) throw this.fail(`${what} length ${length} overruns its record`);
    this.pos = pos + length;
    return this.buf.subarray(pos, pos + length);
  }
}

function decodeRecords(bytes: Uint8Array, header: BatchHeader, baseOffset: number, options: DecodeOptions): DecodedBatch {
  const { stored, hooks } = options;
  const batchAt = header.position;
  const start = batchAt + BATCH_HEADER_BYTES;
  const end = batchAt + header.length;
  let buf = bytes;
  let from = start;
  let stop = end;
  if (header.compression !== 'none') {
    const decompress = hooks?.decompress;
    if (!decompress) throw makeError(hooks, 'INVALID_REQUEST', `record batch at byte ${batchAt}: ${header.compression} compression is not supported here`);
    try {
      buf = decompress(header.compression, bytes.subarray(start, end), options.maxUncompressedBytes ?? DEFAULT_MAX_UNCOMPRESSED_BYTES);
    } catch (err) {
      // An error that carries an API code (too large, a codec missing) is the caller's answer; anything else is bad bytes.
      if (isErrorCode((err as { code?: unknown } | null)?.code)) throw err;
      throw failure(stored, batchAt, `${header.compression} records do not decompress: ${(err as Error).message}`, hooks);
    }
    from = 0;
    stop = buf.length;
    if (header.recordCount > stop / MIN_RECORD_BYTES) throw failure(stored, batchAt, `${header.recordCount} records cannot fit in ${stop} decompressed bytes`, hooks);
  }
  const r = new RecordReader(buf, from, stored, batchAt, hooks);
  const logAppend = header.timestampType === 'LogAppendTime';
  // Stryker disable next-line ArrayDeclaration: new Array() instead of new Array(n): the loop fills it by index either way
  const records: BatchRecord[] = new Array(header.recordCount);
  for (let i = 0; i < header.recordCount; i++) {
    r.limit = stop;
    const length = r.varint(5);
    if (length < MIN_RECORD_BYTES - 1 || length > stop - r.pos) throw r.fail(`record ${i} length ${length} overruns the batch`);
    const limit = r.pos + length;
    r.limit = limit;
    r.pos++; // attributes: unused by every Kafka version so far
    const timestampDelta = r.varint(10);
    const offsetDelta = r.varint(5);
    if (offsetDelta !== i) throw r.fail(`record ${i} has offsetDelta ${offsetDelta}`);
    const key = r.bytes('key');
    const value = r.bytes('value');
    const headerCount = r.varint(5);
    if (headerCount < 0 || headerCount > (limit - r.pos) / 2) throw r.fail(`record ${i} header count ${headerCount} overruns its record`);
    // Stryker disable next-line ArrayDeclaration: new Array() instead of new Array(n): the loop fills it by index either way
    const recordHeaders: Array<[string, Uint8Array | null]> = new Array(headerCount);
    for (let h = 0; h < headerCount; h++) {
      const name = r.bytes('header key');
      if (name === null) throw r.fail(`record ${i} has a null header key`);
      let text: string;
      try {
        text = utf8Decoder.decode(name);
      } catch {
        throw r.fail(`record ${i} header key is not UTF-8`);
      }
      recordHeaders[h] = [text, r.bytes('header value')];
    }
    if (r.pos !== limit) throw r.fail(`record ${i} has ${limit - r.pos} bytes past its headers`);
    records[i] = {
      offset: baseOffset + offsetDelta,
      timestamp: logAppend ? header.maxTimestamp : header.baseTimestamp + timestampDelta,
      key,
      value,
      headers: recordHeaders,
    };
  }
  if (r.pos !== stop) throw r.fail(`${stop - r.pos} bytes past the last record`);
  return { header, records };
}

/** One record to encode. */
export interface BatchRecordInput {
  /** Milliseconds since the epoch, or -1 for none given. */
  readonly timestamp: number;
  readonly key: Uint8Array | null;
  /** `null` writes a tombstone. */
  readonly value: Uint8Array | null;
  /** @default [] */
  readonly headers?: ReadonlyArray<readonly [string, Uint8Array | null]>;
}

/** What {@link encodeBatch} writes. */
export interface EncodeBatchInput {
  /** At least one record. */
  readonly records: readonly BatchRecordInput[];
  /** @default 0 */
  readonly baseOffset?: number;
  /** @default -1n (not idempotent) */
  readonly producerId?: bigint;
  /** @default -1 */
  readonly producerEpoch?: number;
  /** @default -1 */
  readonly baseSequence?: number;
  /** @default -1 (none) */
  readonly partitionLeaderEpoch?: number;
  /** @default 'none' */
  readonly compression?: CompressionCodec;
  /** The error class and the `compress` codec (needed for any compression but `none`). */
  readonly hooks?: BatchHooks;
}

/** Bytes of the zigzag varint encoding of `n` (an integer, |n| < 2^53). */
function varintSize(n: number): number {
  // Stryker disable next-line ConditionalExpression,EqualityOperator,ArithmeticOperator,UnaryOperator: encodeBatch sizes no negative varint (timestamp deltas from the smallest, indexes, lengths), so the negative branch is never taken and n = 0 takes 1 byte either way (the killed 'false' and '<' share the line)
  let z = n >= 0 ? n * 2 : -n * 2 - 1;
  if (z < 0x80) return 1;
  if (z < 0x4000) return 2;
  if (z < 0x200000) return 3;
  if (z < 0x10000000) return 4;
  let size = 4;
  z = Math.floor(z / 0x10000000);
  while (z > 0) {
    z = Math.floor(z / 0x80);
    size++;
  }
  return size;
}

/** Writes `n` as a zigzag varint at `pos`; returns the position after it. */
function putVarint(buf: Uint8Array, pos: number, n: number): number {
  // Stryker disable next-line ConditionalExpression,ArithmeticOperator,UnaryOperator: encodeBatch writes no negative varint (timestamp deltas from the smallest, indexes, lengths; a null is the byte 1, written directly), so the negative branch is never taken (the killed 'false' shares the line)
  let z = n >= 0 ? n * 2 : -n * 2 - 1;
  if (z < 0x80) {
    buf[pos] = z;
    return pos + 1;
  }
  while (z >= 0x80) {
    buf[pos++] = (z & 0x7f) | 0x80;
    z = Math.floor(z / 0x80);
  }
  buf[pos++] = z;
  return pos;
}

/** Writes a varint length and the bytes (-1 for null) at `pos`; returns the position after them. */
function putBytes(buf: Uint8Array, pos: number, b: Uint8Array | null): number {
  if (b === null) {
    buf[pos] = 1; // zigzag(-1)
    return pos + 1;
  }
  pos = putVarint(buf, pos, b.length);
  buf.set(b, pos);
  return pos + b.length;
}

const utf8 = new TextEncoder();
/**
 * UTF-8 of recently seen header names: producers repeat a few names on every
 * record, and encoding each one again costs more than the rest of the record.
 */
const headerNameCache = new Map<string, Uint8Array>();
const HEADER_NAME_CACHE_MAX = 256;

function headerNameBytes(name: string): Uint8Array {
  let bytes = headerNameCache.get(name);
  // Stryker disable next-line ConditionalExpression: true encodes the name again, the same bytes (false, which leaves it undefined, is killed by every test with headers)
  if (bytes === undefined) {
    bytes = utf8.encode(name);
    // Stryker disable next-line ConditionalExpression,EqualityOperator: when the cache is cleared changes only memory: a cleared name is encoded again, to the same bytes
    if (headerNameCache.size >= HEADER_NAME_CACHE_MAX) headerNameCache.clear();
    headerNameCache.set(name, bytes);
  }
  return bytes;
}

const NO_HEADERS: ReadonlyArray<readonly [string, Uint8Array | null]> = [];

/**
 * A batch sized but not yet written ({@link planBatch}): write it straight
 * into the buffer that carries it (a produce request body), with no copy.
 */
export interface BatchPlan {
  /** Bytes of the whole batch, prefix included. */
  readonly size: number;
  /** Writes the batch, CRC32C computed, into `out[at, at + size)`. */
  write(out: Uint8Array, at: number): void;
}

/**
 * Plans one RecordBatch v2 of `input` as {@link encodeBatch} encodes it:
 * checks the records and computes the size (a compressed batch is
 * compressed here), so that the caller can allocate the final buffer and
 * `write` the batch into it. Same errors as {@link encodeBatch}.
 */
export function planBatch(input: EncodeBatchInput): BatchPlan {
  const { records } = input;
  const count = records.length;
  const hooks = input.hooks;
  if (count === 0) throw makeError(hooks, 'INVALID_REQUEST', 'a record batch needs at least one record');
  const codec = input.compression ?? 'none';
  const codecId = compressionId(codec, hooks);
  if (codec !== 'none' && !hooks?.compress) throw makeError(hooks, 'INVALID_REQUEST', `${codec} compression is not supported here`);

  let minTs = Infinity;
  let maxTs = -Infinity;
  for (let i = 0; i < count; i++) {
    const ts = records[i]!.timestamp;
    if (!Number.isSafeInteger(ts) || ts < -1) throw makeError(hooks, 'INVALID_REQUEST', `record ${i} timestamp ${ts} must be -1 or a non-negative integer of milliseconds`);
    // Stryker disable next-line EqualityOperator: <= only replaces the minimum by an equal timestamp (>= is killed by the baseTimestamp checks)
    if (ts < minTs) minTs = ts;
    // Stryker disable next-line EqualityOperator: >= only replaces the maximum by an equal timestamp (<= is killed by the maxTimestamp checks)
    if (ts > maxTs) maxTs = ts;
  }

  // Pass 1: sizes. Header keys are encoded once here and reused in pass 2.
  // Stryker disable next-line ArrayDeclaration: filled by index either way
  const bodySizes = new Array<number>(count);
  // Stryker disable next-line ArrayDeclaration: filled by index either way
  const headerKeys: Array<Uint8Array[] | undefined> = new Array(count);
  let recordsSize = 0;
  for (let i = 0; i < count; i++) {
    const r = records[i]!;
    const headers = r.headers ?? NO_HEADERS;
    let size = 1 + varintSize(r.timestamp - minTs) + varintSize(i);
    size += r.key === null ? 1 : varintSize(r.key.length) + r.key.length;
    size += r.value === null ? 1 : varintSize(r.value.length) + r.value.length;
    size += varintSize(headers.length);
    // Stryker disable next-line EqualityOperator: >= 0 only makes an empty key list for a record without headers
    if (headers.length > 0) {
      // Stryker disable next-line ArrayDeclaration: filled by index either way
      const keys = new Array<Uint8Array>(headers.length);
      for (let h = 0; h < headers.length; h++) {
        const [name, value] = headers[h]!;
        const k = headerNameBytes(name);
        keys[h] = k;
        size += varintSize(k.length) + k.length + (value === null ? 1 : varintSize(value.length) + value.length);
      }
      headerKeys[i] = keys;
    }
    bodySizes[i] = size;
    recordsSize += varintSize(size) + size;
  }

  /** Pass 2: the records from `pos` on. */
  const writeRecords = (buf: Uint8Array, pos: number): void => {
    for (let i = 0; i < count; i++) {
      const r = records[i]!;
      pos = putVarint(buf, pos, bodySizes[i]!);
      buf[pos++] = 0;
      pos = putVarint(buf, pos, r.timestamp - minTs);
      pos = putVarint(buf, pos, i);
      pos = putBytes(buf, pos, r.key);
      pos = putBytes(buf, pos, r.value);
      const headers = r.headers ?? NO_HEADERS;
      pos = putVarint(buf, pos, headers.length);
      const keys = headerKeys[i];
      for (let h = 0; h < headers.length; h++) {
        pos = putBytes(buf, pos, keys![h]!);
        pos = putBytes(buf, pos, headers[h]![1]);
      }
    }
  };

  // Uncompressed records are written in place by `write`; compressed ones now, to know their size.
  let compressed: Uint8Array | undefined;
  if (codec !== 'none') {
    const plain = new Uint8Array(recordsSize);
    writeRecords(plain, 0);
    compressed = hooks!.compress!(codec, plain);
  }
  const size = BATCH_HEADER_BYTES + (compressed ? compressed.length : recordsSize);
  return {
    size,
    write(out: Uint8Array, at: number): void {
      if (compressed) out.set(compressed, at + BATCH_HEADER_BYTES);
      else writeRecords(out, at + BATCH_HEADER_BYTES);
      const view = viewOf(out);
      view.setBigInt64(at, BigInt(input.baseOffset ?? 0));
      view.setInt32(at + 8, size - BATCH_PREFIX_BYTES);
      view.setInt32(at + 12, input.partitionLeaderEpoch ?? -1);
      view.setInt8(at + 16, RECORD_BATCH_MAGIC);
      view.setInt16(at + 21, codecId);
      view.setInt32(at + 23, count - 1);
      view.setBigInt64(at + 27, BigInt(minTs));
      view.setBigInt64(at + 35, BigInt(maxTs));
      view.setBigInt64(at + 43, input.producerId ?? -1n);
      view.setInt16(at + 51, input.producerEpoch ?? -1);
      view.setInt32(at + 53, input.baseSequence ?? -1);
      view.setInt32(at + 57, count);
      view.setUint32(at + 17, crc32c(out, at + CRC_START, at + size));
    },
  };
}

/**
 * Encodes records as one RecordBatch v2: baseTimestamp is the smallest
 * timestamp, maxTimestamp the largest, offset deltas 0..n-1, CreateTime,
 * CRC32C computed. Uncompressed batches are written straight into one
 * buffer of the exact size ({@link planBatch}). An empty record list is
 * `INVALID_REQUEST`, as is a timestamp that is neither -1 nor a
 * non-negative safe integer.
 */
export function encodeBatch(input: EncodeBatchInput): Uint8Array {
  const plan = planBatch(input);
  const out = new Uint8Array(plan.size);
  plan.write(out, 0);
  return out;
}

/** Options of {@link withBaseOffset}. */
export interface WithBaseOffsetOptions {
  /**
   * Write into the given bytes instead of a copy.
   * @default false
   */
  readonly inPlace?: boolean;
  /**
   * Also write this partitionLeaderEpoch into every batch (Kafka brokers stamp
   * their leader epoch on append; a gateway can stamp the epoch its Metadata
   * answers). Like the base offset, it is outside the CRC.
   * @default each batch keeps its own
   */
  readonly partitionLeaderEpoch?: number;
  /** The error class. @default {@link BatchError} */
  readonly hooks?: BatchHooks;
}

/**
 * Writes base offsets into concatenated batches: the first gets `baseOffset`,
 * each next one follows the previous batch's last offset. The CRC does not
 * cover the base offset, so no checksum changes. Only the framing is checked
 * (callers verify CRCs with {@link readBatchHeaders} when they read); broken
 * framing is `DATA_CORRUPT`, since this serves stored batches.
 * @returns the bytes written (a copy unless `inPlace`).
 */
export function withBaseOffset(bytes: Uint8Array, baseOffset: number, options: WithBaseOffsetOptions = {}): Uint8Array {
  const out = options.inPlace ? bytes : bytes.slice();
  const view = viewOf(out);
  let pos = 0;
  let next = baseOffset;
  while (pos < out.length) {
    if (out.length - pos < BATCH_HEADER_BYTES) throw failure(true, pos, 'truncated batch header', options.hooks);
    const end = pos + BATCH_PREFIX_BYTES + view.getInt32(pos + 8);
    if (end > out.length || end < pos + BATCH_HEADER_BYTES) throw failure(true, pos, 'batchLength overruns the bytes', options.hooks);
    view.setBigInt64(pos, BigInt(next));
    if (options.partitionLeaderEpoch !== undefined) view.setInt32(pos + 12, options.partitionLeaderEpoch);
    next += view.getInt32(pos + 23) + 1;
    pos = end;
  }
  return out;
}
