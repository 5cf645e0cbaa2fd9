/**
 * The binary wire format of the HTTP API (docs/api.md, "Binary records"):
 * produce bodies and fetch answers that carry records as Kafka RecordBatch v2
 * (api/src/record-batch.ts), the format Eddy stores, instead of JSON with
 * base64 fields. Negotiated per request: `Content-Type:
 * application/vnd.eddy.batches` on a produce, `Accept:
 * application/vnd.eddy.batches` on a fetch. JSON stays the default.
 *
 * All integers are big-endian.
 *
 * Produce request (`POST /v1/topics/{topic}/records`):
 * ```
 *  size  field
 *  4     magic 'EDDB'
 *  1     version = 1
 *  1     kind = 'P' (0x50)
 *  2     producerId length in bytes (int16; 0 = not idempotent), then the producerId, UTF-8
 *  4     producerEpoch (int32; -1 when not idempotent)
 *  4     partition count (int32, ≥ 1)
 *  per partition:
 *    4   partition (int32)
 *    4   base sequence of the batch's first record (int32; -1 = none, required ≥ 0 when idempotent)
 *    4   batch length in bytes (int32)
 *    …   exactly one RecordBatch v2 (its producerId -1; idempotence travels here)
 * ```
 * The answer is JSON: `{"partitions":[{"partition","baseOffset","records"}]}`
 * in request order; the batch's records have offsets `baseOffset` … `+ records - 1`.
 *
 * Fetch answer (`GET /v1/topics/{topic}/partitions/{p}/records`):
 * ```
 *  size  field
 *  4     magic 'EDDB'
 *  1     version = 1
 *  1     kind = 'F' (0x46)
 *  8     highWatermark (int64)
 *  8     logStartOffset (int64)
 *  8     nextOffset (int64): the offset to fetch next
 *  …     zero or more RecordBatch v2, base offsets written in, in offset order
 * ```
 * The records of the answer are those with `offset ≤ o < nextOffset` (`offset`
 * as asked): the first batch may start before the asked offset and the last
 * may reach past `nextOffset` (batches are served whole); a reader skips those.
 * Batches come uncompressed or compressed with a codec the request's Accept
 * names (`application/vnd.eddy.batches; codecs=gzip`); the server decompresses
 * any other.
 */
import type { ErrorCode } from './errors.js';
import { BatchError, COMPRESSION_CODECS, type BatchHooks, type BatchPlan, type CompressionCodec } from './record-batch.js';

/** The media type of the binary wire format. */
export const BATCHES_MEDIA_TYPE = 'application/vnd.eddy.batches';
/** Version of the envelopes this code writes and reads. */
export const WIRE_VERSION = 1;
/** Bytes of a fetch answer before its batches. */
export const FETCH_ANSWER_HEADER_BYTES = 30;

const MAGIC = [0x45, 0x44, 0x44, 0x42]; // 'EDDB'
const KIND_PRODUCE = 0x50; // 'P'
const KIND_FETCH = 0x46; // 'F'
const MAX_PRODUCER_ID_BYTES = 64;
const utf8 = new TextEncoder();
const utf8Strict = new TextDecoder('utf-8', { fatal: true });

/** One partition of a binary produce request. */
export interface WirePartitionBatch {
  /** The partition. */
  readonly partition: number;
  /** Sequence of the batch's first record (idempotent requests only). */
  readonly sequence?: number;
  /** Exactly one RecordBatch v2. */
  readonly batch: Uint8Array;
}

/** A binary produce request, before encoding or after decoding. */
export interface WireProduceRequest {
  /** Idempotent producer id (1–64 chars `[A-Za-z0-9._-]`), with `producerEpoch`. */
  readonly producerId?: string;
  /** Idempotent producer epoch (≥ 0). */
  readonly producerEpoch?: number;
  /** One entry per partition. */
  readonly partitions: readonly WirePartitionBatch[];
}

/** The JSON answer to a binary produce request. */
export interface WireProduceAnswer {
  /** Per partition of the request, in request order. */
  readonly partitions: ReadonlyArray<{ readonly partition: number; readonly baseOffset: number; readonly records: number }>;
}

/** The header of a binary fetch answer. */
export interface WireFetchHeader {
  /** Offset the next produced record will get. */
  readonly highWatermark: number;
  /** First readable offset. */
  readonly logStartOffset: number;
  /** Offset to fetch next; records at or past it are not part of this answer. */
  readonly nextOffset: number;
}

function wireError(hooks: BatchHooks | undefined, code: ErrorCode, message: string): Error {
  return hooks?.error ? hooks.error(code, message) : new BatchError(code, message);
}

function writeMagic(out: Uint8Array, kind: number): void {
  out.set(MAGIC, 0);
  out[4] = WIRE_VERSION;
  out[5] = kind;
}

function checkMagic(bytes: Uint8Array, kind: number, what: string, hooks: BatchHooks | undefined): void {
  if (bytes.length < 6 || MAGIC.some((m, i) => bytes[i] !== m)) throw wireError(hooks, 'INVALID_REQUEST', `${what}: does not start with the magic 'EDDB' of ${BATCHES_MEDIA_TYPE}`);
  if (bytes[4] !== WIRE_VERSION) throw wireError(hooks, 'INVALID_REQUEST', `${what}: version ${bytes[4]} is not supported (this side speaks ${WIRE_VERSION})`);
  if (bytes[5] !== kind) throw wireError(hooks, 'INVALID_REQUEST', `${what}: kind 0x${bytes[5]!.toString(16)} is not ${kind === KIND_PRODUCE ? "a produce request ('P')" : "a fetch answer ('F')"}`);
}

/** A binary produce request to encode: each partition's batch as bytes, or planned ({@link planBatch}) to be written straight into the body. */
export interface WireProduceRequestInput {
  /** As in {@link WireProduceRequest}. */
  readonly producerId?: string;
  /** As in {@link WireProduceRequest}. */
  readonly producerEpoch?: number;
  /** One entry per partition. */
  readonly partitions: ReadonlyArray<Omit<WirePartitionBatch, 'batch'> & { readonly batch: Uint8Array | BatchPlan }>;
}

/**
 * Encodes a binary produce request (see the module comment). Batches given
 * as bytes are copied in; planned ones are written into the body, with no
 * intermediate buffer.
 */
export function encodeProduceRequest(request: WireProduceRequestInput): Uint8Array {
  const id = request.producerId === undefined ? new Uint8Array(0) : utf8.encode(request.producerId);
  const sizeOf = (b: Uint8Array | BatchPlan): number => (b instanceof Uint8Array ? b.length : b.size);
  let size = 6 + 2 + id.length + 4 + 4;
  for (const p of request.partitions) size += 12 + sizeOf(p.batch);
  const out = new Uint8Array(size);
  const view = new DataView(out.buffer, out.byteOffset, out.byteLength);
  writeMagic(out, KIND_PRODUCE);
  view.setInt16(6, id.length);
  out.set(id, 8);
  let pos = 8 + id.length;
  view.setInt32(pos, request.producerId === undefined ? -1 : (request.producerEpoch ?? 0));
  view.setInt32(pos + 4, request.partitions.length);
  pos += 8;
  for (const p of request.partitions) {
    const length = sizeOf(p.batch);
    view.setInt32(pos, p.partition);
    view.setInt32(pos + 4, p.sequence ?? -1);
    view.setInt32(pos + 8, length);
    if (p.batch instanceof Uint8Array) out.set(p.batch, pos + 12);
    else p.batch.write(out, pos + 12);
    pos += 12 + length;
  }
  return out;
}

/**
 * Decodes a binary produce request's envelope, checking its framing:
 * anything wrong is `INVALID_REQUEST` naming the byte and the field. The
 * batches are views into `bytes`, not yet checked (the caller decodes them).
 */
export function decodeProduceRequest(bytes: Uint8Array, hooks?: BatchHooks): WireProduceRequest {
  const what = 'binary produce body';
  const fail = (message: string) => wireError(hooks, 'INVALID_REQUEST', `${what}: ${message}`);
  checkMagic(bytes, KIND_PRODUCE, what, hooks);
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const need = (pos: number, n: number, field: string) => {
    if (pos + n > bytes.length) throw fail(`truncated at byte ${pos}: ${field} needs ${n} bytes, ${Math.max(0, bytes.length - pos)} left`);
  };
  need(6, 2, 'producerId length');
  const idLength = view.getInt16(6);
  if (idLength < 0 || idLength > MAX_PRODUCER_ID_BYTES) throw fail(`producerId length ${idLength} is not from 0 to ${MAX_PRODUCER_ID_BYTES}`);
  need(8, idLength, 'producerId');
  let producerId: string | undefined;
  if (idLength > 0) {
    try {
      producerId = utf8Strict.decode(bytes.subarray(8, 8 + idLength));
    } catch {
      throw fail('producerId is not UTF-8');
    }
    if (!/^[A-Za-z0-9._-]{1,64}$/.test(producerId)) throw fail(`producerId ${JSON.stringify(producerId)} must match [A-Za-z0-9._-]{1,64}`);
  }
  let pos = 8 + idLength;
  need(pos, 8, 'producerEpoch and partition count');
  const producerEpoch = view.getInt32(pos);
  if (producerId !== undefined && producerEpoch < 0) throw fail(`producerEpoch ${producerEpoch} must be ≥ 0`);
  if (producerId === undefined && producerEpoch !== -1) throw fail(`producerEpoch ${producerEpoch} without a producerId (send -1)`);
  const count = view.getInt32(pos + 4);
  pos += 8;
  if (count < 1) throw fail(`partition count ${count} must be at least 1`);
  if (count > (bytes.length - pos) / 12) throw fail(`partition count ${count} cannot fit in the ${bytes.length - pos} bytes left`);
  const partitions: WirePartitionBatch[] = [];
  for (let i = 0; i < count; i++) {
    need(pos, 12, `partition entry ${i}`);
    const partition = view.getInt32(pos);
    const sequence = view.getInt32(pos + 4);
    const length = view.getInt32(pos + 8);
    if (partition < 0) throw fail(`partition entry ${i}: partition ${partition} is negative`);
    if (sequence < -1) throw fail(`partition entry ${i}: base sequence ${sequence} must be -1 (none) or ≥ 0`);
    if (producerId !== undefined && sequence === -1) throw fail(`partition entry ${i} (partition ${partition}): an idempotent request needs a base sequence`);
    if (producerId === undefined && sequence !== -1) throw fail(`partition entry ${i} (partition ${partition}): a base sequence needs a producerId`);
    if (length < 0) throw fail(`partition entry ${i}: batch length ${length} is negative`);
    need(pos + 12, length, `partition entry ${i}'s batch`);
    partitions.push({ partition, ...(sequence >= 0 ? { sequence } : {}), batch: bytes.subarray(pos + 12, pos + 12 + length) });
    pos += 12 + length;
  }
  if (pos !== bytes.length) throw fail(`${bytes.length - pos} bytes after the last partition entry`);
  return { ...(producerId !== undefined ? { producerId, producerEpoch } : {}), partitions };
}

/** Encodes the 30-byte header of a binary fetch answer; the batches follow it. */
export function encodeFetchHeader(header: WireFetchHeader): Uint8Array {
  const out = new Uint8Array(FETCH_ANSWER_HEADER_BYTES);
  const view = new DataView(out.buffer);
  writeMagic(out, KIND_FETCH);
  view.setBigInt64(6, BigInt(header.highWatermark));
  view.setBigInt64(14, BigInt(header.logStartOffset));
  view.setBigInt64(22, BigInt(header.nextOffset));
  return out;
}

/** Splits a binary fetch answer into its header and its batches (not yet checked: decode them with `decodeBatches`). */
export function decodeFetchAnswer(bytes: Uint8Array, hooks?: BatchHooks): WireFetchHeader & { readonly batches: Uint8Array } {
  checkMagic(bytes, KIND_FETCH, 'binary fetch answer', hooks);
  if (bytes.length < FETCH_ANSWER_HEADER_BYTES) throw wireError(hooks, 'INVALID_REQUEST', `binary fetch answer: ${bytes.length} bytes, shorter than its ${FETCH_ANSWER_HEADER_BYTES}-byte header`);
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  return {
    highWatermark: Number(view.getBigInt64(6)),
    logStartOffset: Number(view.getBigInt64(14)),
    nextOffset: Number(view.getBigInt64(22)),
    batches: bytes.subarray(FETCH_ANSWER_HEADER_BYTES),
  };
}

/** The parameters of the Accept header's binary media range (`name=value`, names in lower case, quotes taken off); `undefined` when it does not ask for binary. */
function batchesAcceptParams(accept: string | undefined): Map<string, string> | undefined {
  if (!accept) return undefined;
  for (const range of accept.split(/,(?=\s*[a-z*]+\/)/i)) {
    const [type, ...params] = range.split(';');
    if (type!.trim().toLowerCase() !== BATCHES_MEDIA_TYPE) continue;
    const out = new Map<string, string>();
    for (const param of params) {
      const eq = param.indexOf('=');
      if (eq >= 0) out.set(param.slice(0, eq).trim().toLowerCase(), param.slice(eq + 1).trim().replace(/^"|"$/g, ''));
    }
    return out;
  }
  return undefined;
}

/**
 * Whether an Accept header asks for the binary format, and which compression
 * codecs the reader decodes itself (`codecs` parameter, comma-separated;
 * `none` always). `undefined` when it does not ask for binary.
 */
export function acceptedBatchCodecs(accept: string | undefined): ReadonlySet<CompressionCodec> | undefined {
  const params = batchesAcceptParams(accept);
  if (!params) return undefined;
  const codecs = new Set<CompressionCodec>(['none']);
  for (const name of (params.get('codecs') ?? '').split(',')) {
    const codec = name.trim().toLowerCase() as CompressionCodec;
    if (COMPRESSION_CODECS.includes(codec)) codecs.add(codec);
  }
  return codecs;
}

/**
 * Whether the reader declares, in the Accept header's binary media range,
 * that it checks every batch's CRC32C itself (`crc=client`): only then does
 * the server pass stored batches on without checking theirs. Any other
 * reader gets them checked by the server.
 */
export function readerChecksCrc(accept: string | undefined): boolean {
  return batchesAcceptParams(accept)?.get('crc')?.toLowerCase() === 'client';
}

/**
 * The Accept value asking for binary answers with batches compressed by
 * `codecs` passed through; `clientCrc` declares that the reader checks every
 * batch's CRC32C itself (`crc=client`, see {@link readerChecksCrc}).
 */
export function batchesAccept(codecs: readonly CompressionCodec[] = [], options: { readonly clientCrc?: boolean } = {}): string {
  const named = codecs.filter((c) => c !== 'none');
  let out = named.length > 0 ? `${BATCHES_MEDIA_TYPE}; codecs="${named.join(',')}"` : BATCHES_MEDIA_TYPE;
  if (options.clientCrc) out += '; crc=client';
  return out;
}

/** Whether a Content-Type names the binary format. */
export function isBatchesMediaType(contentType: string | undefined | null): boolean {
  return !!contentType && contentType.split(';')[0]!.trim().toLowerCase() === BATCHES_MEDIA_TYPE;
}
