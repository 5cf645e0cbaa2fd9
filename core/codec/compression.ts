/**
 * The compression codecs of Kafka record batches (attributes bits 0-2 of a
 * RecordBatch v2, Kafka's own numbering: persisted, never renumber):
 *
 * ```
 *  id  codec   what the bytes after the batch header are
 *  0   none    the records
 *  1   gzip    a gzip stream (RFC 1952) of the records
 *  2   snappy  raw Snappy (librdkafka, kafkajs, Go clients) or the xerial
 *              framing of the Java client, recognised by its 16-byte header:
 *                8   magic 0x82 'S' 'N' 'A' 'P' 'P' 'Y' 0x00
 *                4   version (int32) = 1
 *                4   minimum compatible version (int32) = 1
 *                ... blocks: 4 compressed length (int32) + raw Snappy block
 *  3   lz4     an LZ4 frame (lz4 frame format 1.6, magic 0x184D2204), as every
 *              client writes it for magic 2 (the broken header checksum of
 *              magic 0 is not an issue here: only magic 2 is accepted)
 *  4   zstd    one or more Zstandard frames
 * ```
 *
 * Why these libraries: Eddy's Lambdas are bundled by esbuild and run on
 * arm64 while they are built on any machine, so every codec a Lambda needs is
 * pure JavaScript or built into its Node (22) — the bundle holds no platform
 * binary:
 * - gzip: `node:zlib`;
 * - snappy: `snappyjs` (raw blocks); the xerial framing is parsed here;
 * - lz4: `lz4js` compresses the blocks; the frame (header, block sizes, end
 *   mark, checksums) is read and written here, because lz4js writes linked
 *   blocks (Kafka's Java decoder expects independent ones), and blocks are
 *   decoded here too: lz4js's decoder does not bound its work (a crafted
 *   block costs 255 times its size in CPU), this one stops at the bound;
 * - zstd: `node:zlib` where it has zstd (Node ≥ 22.15, so on Lambda's
 *   nodejs22.x); elsewhere libzstd through `@toondepauw/node-zstd` (prebuilt
 *   N-API binaries installed from the registry), loaded lazily and only on
 *   hosts without zstd in Node, such as a Node 20 development machine. A host
 *   with neither answers `INVALID_REQUEST` naming what is missing. (The pure
 *   JavaScript decoder fzstd was tried and dropped: crafted frames make it
 *   spin for seconds.)
 *
 * Every decoder is bounded by the caller's `maxBytes`: a batch that claims or
 * expands to more is refused (`MESSAGE_TOO_LARGE`) before or while it is
 * decoded, never allocated. Malformed compressed bytes throw a plain
 * `Error`; core/codec/record-batch.ts turns it into `CORRUPT_MESSAGE` or
 * `DATA_CORRUPT`. The payload checksums inside lz4 frames are not verified:
 * the batch's CRC32C already covers every compressed byte.
 */
import { createRequire } from 'node:module';
import * as zlib from 'node:zlib';
import lz4 from 'lz4js';
import xxh32 from 'lz4js/xxh32.js';
import snappy from 'snappyjs';
import { COMPRESSION_CODECS, type CompressionCodec } from '@eddy/api';
import { EddyError } from '../errors.js';

// The codec table is part of the shared batch codec (api/src/record-batch.ts).
export { COMPRESSION_CODECS, type CompressionCodec };

/** The attribute id of a codec (0-4). */
export function compressionId(codec: CompressionCodec): number {
  const id = COMPRESSION_CODECS.indexOf(codec);
  if (id < 0) throw new EddyError('INVALID_REQUEST', `unknown compression codec ${JSON.stringify(codec)}`);
  return id;
}

function tooLarge(codec: CompressionCodec, maxBytes: number): EddyError {
  return new EddyError('MESSAGE_TOO_LARGE', `${codec} batch decompresses to more than ${maxBytes} bytes`);
}

/**
 * Compresses `bytes` with `codec` (`none` returns `bytes` itself).
 * Snappy is written raw (no xerial framing): every client reads raw Snappy,
 * the Java client's decoder included.
 */
export function compress(codec: CompressionCodec, bytes: Uint8Array): Uint8Array {
  switch (codec) {
    case 'none':
      return bytes;
    case 'gzip':
      return zlib.gzipSync(bytes);
    case 'snappy':
      return snappy.compress(bytes);
    case 'lz4':
      return lz4FrameEncode(bytes);
    case 'zstd':
      return zstdEncode(bytes);
    default:
      throw new EddyError('INVALID_REQUEST', `unknown compression codec ${JSON.stringify(codec)}`);
  }
}

/**
 * Decompresses `bytes` of `codec`, refusing more than `maxBytes` of output
 * with `MESSAGE_TOO_LARGE`. Malformed input throws a plain `Error`.
 */
export function decompress(codec: CompressionCodec, bytes: Uint8Array, maxBytes: number): Uint8Array {
  switch (codec) {
    case 'none':
      if (bytes.length > maxBytes) throw tooLarge(codec, maxBytes);
      return bytes;
    case 'gzip':
      return zlibBounded(() => zlib.gunzipSync(bytes, { maxOutputLength: Math.max(1, maxBytes) }), codec, maxBytes);
    case 'snappy':
      return isXerial(bytes) ? xerialDecode(bytes, maxBytes) : snappyRawDecode(bytes, maxBytes);
    case 'lz4':
      return lz4FrameDecode(bytes, maxBytes);
    case 'zstd':
      return zstdDecode(bytes, maxBytes);
    default:
      throw new Error(`unknown compression codec ${JSON.stringify(codec)}`);
  }
}

function zlibBounded(run: () => Uint8Array, codec: CompressionCodec, maxBytes: number): Uint8Array {
  try {
    return run();
  } catch (err) {
    if ((err as { code?: string }).code === 'ERR_BUFFER_TOO_LARGE') throw tooLarge(codec, maxBytes);
    throw err;
  }
}

// ---------------------------------------------------------------- snappy

const XERIAL_MAGIC = [0x82, 0x53, 0x4e, 0x41, 0x50, 0x50, 0x59, 0x00];
const XERIAL_HEADER_BYTES = 16;
/**
 * No Snappy element expands by more than 64/3 (a 3-byte copy of 64 bytes), so
 * a declared length above 22 × input is a lie; checked before snappyjs
 * allocates the declared length.
 */
const SNAPPY_MAX_RATIO = 22;

function isXerial(bytes: Uint8Array): boolean {
  if (bytes.length < XERIAL_HEADER_BYTES) return false;
  for (let i = 0; i < XERIAL_MAGIC.length; i++) if (bytes[i] !== XERIAL_MAGIC[i]) return false;
  return true;
}

/** The uncompressed length a raw Snappy block declares (its leading varint). */
function snappyDeclaredLength(bytes: Uint8Array): number {
  let result = 0;
  for (let i = 0, shift = 1; i < 5; i++, shift *= 128) {
    const b = bytes[i];
    // Stryker disable next-line ConditionalExpression: without the break, a missing byte adds 0 and is not below 0x80, so the loop ends in the same 'bad uncompressed length' error
    if (b === undefined) break;
    result += (b & 0x7f) * shift;
    if (b < 0x80) return result;
  }
  throw new Error('snappy: bad uncompressed length');
}

function snappyRawDecode(bytes: Uint8Array, maxBytes: number): Uint8Array {
  const declared = snappyDeclaredLength(bytes);
  if (declared > bytes.length * SNAPPY_MAX_RATIO + 16) throw new Error(`snappy: declares ${declared} bytes from ${bytes.length}`);
  if (declared > maxBytes) throw tooLarge('snappy', maxBytes);
  return snappy.uncompress(bytes);
}

function xerialDecode(bytes: Uint8Array, maxBytes: number): Uint8Array {
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const blocks: Uint8Array[] = [];
  let total = 0;
  let pos = XERIAL_HEADER_BYTES;
  while (pos < bytes.length) {
    if (pos + 4 > bytes.length) throw new Error('snappy (xerial): truncated block length');
    const length = view.getInt32(pos);
    pos += 4;
    if (length < 0 || pos + length > bytes.length) throw new Error(`snappy (xerial): block of ${length} bytes overruns its input`);
    const block = snappyRawDecode(bytes.subarray(pos, pos + length), maxBytes - total);
    total += block.length;
    blocks.push(block);
    pos += length;
  }
  // Stryker disable next-line ConditionalExpression: false copies the one block into a new array of the same bytes
  if (blocks.length === 1) return blocks[0]!;
  const out = new Uint8Array(total);
  let at = 0;
  for (const b of blocks) {
    out.set(b, at);
    at += b.length;
  }
  return out;
}

// ---------------------------------------------------------------- lz4 frame

/*
 * LZ4 frame (lz4 frame format 1.6.x), all integers little-endian:
 *   4  magic 0x184D2204
 *   1  FLG: version (bits 7-6) = 01, block independence (5), block checksum (4),
 *      content size (3), content checksum (2), reserved (1), dictionary id (0)
 *   1  BD: block maximum size (bits 6-4): 4 = 64 KiB, 5 = 256 KiB, 6 = 1 MiB, 7 = 4 MiB
 *   8  content size (if FLG bit 3)
 *   4  dictionary id (if FLG bit 0; refused)
 *   1  header checksum: (xxh32(FLG..) >> 8) & 0xff
 *   blocks: 4 size (bit 31 set = stored uncompressed), data, 4 checksum (if FLG bit 4)
 *   4  end mark 0
 *   4  content checksum (if FLG bit 2)
 */
const LZ4_MAGIC = 0x184d2204;
const LZ4_BLOCK_SIZES: Readonly<Record<number, number>> = { 4: 0x10000, 5: 0x40000, 6: 0x100000, 7: 0x400000 };
/** Each byte of an LZ4 block yields at most 255 bytes (a run-length extension byte). */
const LZ4_MAX_RATIO = 255;
/** Block size Eddy writes: 64 KiB, as Kafka's Java client does. */
const LZ4_WRITE_BLOCK = 0x10000;

function readU32LE(bytes: Uint8Array, pos: number): number {
  return (bytes[pos]! | (bytes[pos + 1]! << 8) | (bytes[pos + 2]! << 16) | (bytes[pos + 3]! << 24)) >>> 0;
}

function writeU32LE(bytes: Uint8Array, pos: number, value: number): void {
  bytes[pos] = value & 0xff;
  bytes[pos + 1] = (value >>> 8) & 0xff;
  bytes[pos + 2] = (value >>> 16) & 0xff;
  bytes[pos + 3] = (value >>> 24) & 0xff;
}

interface Lz4Block {
  readonly start: number;
  readonly size: number;
  readonly stored: boolean;
  /** The frame's block maximum size. */
  readonly maxOutput: number;
}

function lz4FrameDecode(bytes: Uint8Array, maxBytes: number): Uint8Array {
  // First pass: walk every frame's framing and bound the output, so nothing
  // is allocated from a size the input merely claims.
  // Stryker disable next-line ArrayDeclaration: a stray non-block entry has no start or size, so the decode loop writes nothing for it
  const blocks: Lz4Block[] = [];
  let bound = 0;
  let pos = 0;
  while (pos < bytes.length) {
    if (pos + 7 > bytes.length) throw new Error('lz4: truncated frame header');
    if (readU32LE(bytes, pos) !== LZ4_MAGIC) throw new Error('lz4: bad frame magic');
    const flg = bytes[pos + 4]!;
    const bd = bytes[pos + 5]!;
    if (flg >> 6 !== 1) throw new Error(`lz4: unsupported frame version ${flg >> 6}`);
    if (flg & 1) throw new Error('lz4: dictionaries are not supported');
    const maxBlock = LZ4_BLOCK_SIZES[(bd >> 4) & 7];
    if (maxBlock === undefined) throw new Error(`lz4: bad block maximum size ${(bd >> 4) & 7}`);
    const blockChecksum = (flg & 0x10) !== 0;
    pos += 6 + (flg & 0x08 ? 8 : 0) + 1;
    for (;;) {
      if (pos + 4 > bytes.length) throw new Error('lz4: truncated block size');
      const word = readU32LE(bytes, pos);
      pos += 4;
      if (word === 0) break;
      // Stryker disable next-line EqualityOperator: word 0x80000000 is a stored block of 0 bytes, and a compressed block of 0 bytes decodes to nothing as well
      const stored = word >= 0x80000000;
      const size = word & 0x7fffffff;
      if (size > maxBlock) throw new Error(`lz4: block of ${size} bytes exceeds the frame's ${maxBlock}`);
      if (pos + size + (blockChecksum ? 4 : 0) > bytes.length) throw new Error('lz4: block overruns its input');
      blocks.push({ start: pos, size, stored, maxOutput: maxBlock });
      bound += stored ? size : Math.min(maxBlock, size * LZ4_MAX_RATIO);
      pos += size + (blockChecksum ? 4 : 0);
    }
    if (flg & 0x04) pos += 4;
    if (pos > bytes.length) throw new Error('lz4: truncated content checksum');
  }
  if (bytes.length === 0) throw new Error('lz4: no frame');
  // Linked blocks may refer back into earlier ones, so all decode into one buffer.
  const out = new Uint8Array(Math.min(bound, maxBytes));
  let at = 0;
  for (const block of blocks) {
    if (block.stored) {
      if (at + block.size > out.length) throw tooLarge('lz4', maxBytes);
      out.set(bytes.subarray(block.start, block.start + block.size), at);
      at += block.size;
    } else {
      const limit = Math.min(out.length, at + block.maxOutput);
      const end = lz4DecodeBlock(bytes, block.start, block.start + block.size, out, at, limit);
      if (end < 0) throw limit === out.length && bound > maxBytes ? tooLarge('lz4', maxBytes) : new Error('lz4: block expands beyond its maximum size');
      at = end;
    }
  }
  // Stryker disable next-line ConditionalExpression: out.subarray(0, out.length) holds the same bytes
  return at === out.length ? out : out.subarray(0, at);
}

/**
 * Decodes one LZ4 block (sequences of: token = literal length (high 4 bits) +
 * match length - 4 (low 4 bits), each 15 extended by bytes until one is not
 * 255; literals; 2-byte LE match offset; extension) from `src[s, sEnd)` into
 * `dst` at `d`, writing no further than `dEnd`. Returns the end position, or
 * -1 when the block would write past `dEnd`; malformed blocks throw. Matches
 * may reach back into earlier blocks (linked frames), never before 0.
 */
function lz4DecodeBlock(src: Uint8Array, s: number, sEnd: number, dst: Uint8Array, d: number, dEnd: number): number {
  while (s < sEnd) {
    const token = src[s++]!;
    let literals = token >>> 4;
    if (literals === 15) {
      let b: number;
      do {
        if (s >= sEnd) throw new Error('lz4: truncated literal length');
        b = src[s++]!;
        literals += b;
      } while (b === 255);
    }
    if (s + literals > sEnd) throw new Error('lz4: literals overrun the block');
    if (d + literals > dEnd) return -1;
    // Stryker disable next-line ConditionalExpression,EqualityOperator: the byte loop and dst.set copy the same literals (the split is for speed); one byte more is written at d + literals, which the next sequence overwrites or which lies past the returned output
    if (literals < 16) for (let i = 0; i < literals; i++) dst[d + i] = src[s + i]!;
    else dst.set(src.subarray(s, s + literals), d);
    s += literals;
    d += literals;
    if (s === sEnd) break; // the last sequence has literals only
    if (s + 2 > sEnd) throw new Error('lz4: truncated match offset');
    const offset = src[s]! | (src[s + 1]! << 8);
    s += 2;
    if (offset === 0 || offset > d) throw new Error(`lz4: match offset ${offset} reaches before the output`);
    let length = token & 15;
    if (length === 15) {
      let b: number;
      do {
        if (s >= sEnd) throw new Error('lz4: truncated match length');
        b = src[s++]!;
        length += b;
      } while (b === 255);
    }
    length += 4;
    if (d + length > dEnd) return -1;
    let from = d - offset;
    // Stryker disable next-line ConditionalExpression,EqualityOperator: for a copy that does not overlap (offset >= length) copyWithin and the byte loop give the same bytes; the byte loop is right for any copy (the 'true' mutant of offset >= length, which copies overlapping runs wrongly, is killed by the overlapping-copy test but shares this line)
    if (offset >= length && length > 32) {
      dst.copyWithin(d, from, from + length);
      d += length;
    } else {
      // Overlapping (a run): byte by byte, each copy reading what the previous wrote.
      for (const stop = d + length; d < stop; ) dst[d++] = dst[from++]!;
    }
  }
  return d;
}

function lz4FrameEncode(bytes: Uint8Array): Uint8Array {
  const blockCount = Math.ceil(bytes.length / LZ4_WRITE_BLOCK);
  // Header 7 + per block (4 + at most the block stored raw) + end mark 4.
  const out = new Uint8Array(7 + blockCount * (4 + LZ4_WRITE_BLOCK) + 4);
  writeU32LE(out, 0, LZ4_MAGIC);
  out[4] = 0x60; // version 01, independent blocks: what Kafka's Java decoder expects
  out[5] = 0x40; // 64 KiB blocks
  out[6] = (xxh32.hash(0, out, 4, 2) >>> 8) & 0xff;
  let pos = 7;
  const scratch = new Uint8Array(lz4.compressBound(LZ4_WRITE_BLOCK));
  const hashTable = new Uint32Array(1 << 16);
  for (let start = 0; start < bytes.length; start += LZ4_WRITE_BLOCK) {
    const block = bytes.subarray(start, Math.min(bytes.length, start + LZ4_WRITE_BLOCK));
    hashTable.fill(0); // a fresh table per block keeps blocks independent
    const size = lz4.compressBlock(block, scratch, 0, block.length, hashTable);
    // Stryker disable next-line EqualityOperator: a compressed block exactly as long as its input decodes as well as the stored one
    if (size === 0 || size >= block.length) {
      writeU32LE(out, pos, (0x80000000 | block.length) >>> 0);
      out.set(block, pos + 4);
      pos += 4 + block.length;
    } else {
      writeU32LE(out, pos, size);
      out.set(scratch.subarray(0, size), pos + 4);
      pos += 4 + size;
    }
  }
  writeU32LE(out, pos, 0);
  return out.subarray(0, pos + 4);
}

// ---------------------------------------------------------------- zstd

type ZlibZstd = {
  zstdCompressSync?: (buf: Uint8Array) => Buffer;
  zstdDecompressSync?: (buf: Uint8Array, options?: { maxOutputLength?: number }) => Buffer;
};
const nodeZstd = zlib as unknown as ZlibZstd;

/**
 * Windows up to this size are accepted even when `maxBytes` is smaller:
 * streaming encoders pick 2-8 MiB windows whatever the content size.
 */
const ZSTD_MIN_WINDOW_LIMIT = 8 * 1024 * 1024;
/** Most bytes one Zstandard block regenerates (Block_Maximum_Size). */
const ZSTD_MAX_BLOCK = 128 * 1024;

/*
 * Walks the Zstandard frames (RFC 8878 §3.1) without decoding them and
 * bounds what they can produce, so that no decoder allocates a window, a
 * content size or an output the bytes merely claim:
 *   frame: 4 magic 0xFD2FB528 (LE), 1 descriptor (bits 7-6 content size
 *   field, bit 5 single segment, bit 3 reserved, bit 2 checksum, bits 1-0
 *   dictionary id field), 1 window descriptor (unless single segment), 0-4
 *   dictionary id, 0-8 content size, blocks (3-byte LE header: bit 0 last,
 *   bits 1-2 type raw/RLE/compressed/reserved, bits 3-23 size, the
 *   regenerated size for RLE, whose payload is 1 byte), 4 checksum if flagged.
 *   Skippable frames: 4 magic 0x184D2A5?, 4 size (LE), data.
 * A frame with a content size produces exactly that; one without (streaming
 * encoders, such as the Java client's zstd-jni) at most 128 KiB per block.
 */
function checkZstdFrames(bytes: Uint8Array, maxBytes: number): Array<[start: number, end: number]> {
  const frames: Array<[number, number]> = [];
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const windowLimit = Math.max(maxBytes, ZSTD_MIN_WINDOW_LIMIT);
  let total = 0;
  let pos = 0;
  if (bytes.length === 0) throw new Error('zstd: no frame');
  while (pos < bytes.length) {
    if (pos + 8 > bytes.length) throw new Error('zstd: truncated frame header');
    const magic = view.getUint32(pos, true);
    if ((magic & 0xfffffff0) === 0x184d2a50) {
      pos += 8 + view.getUint32(pos + 4, true);
      continue;
    }
    if (magic !== 0xfd2fb528) throw new Error('zstd: bad frame magic');
    const fhd = bytes[pos + 4]!;
    if (fhd & 0x08) throw new Error('zstd: reserved frame header bit set');
    const singleSegment = (fhd & 0x20) !== 0;
    const fcsField = fhd >> 6;
    const fcsBytes = fcsField === 0 ? (singleSegment ? 1 : 0) : 1 << fcsField;
    let at = pos + 5;
    let window = 0;
    if (!singleSegment) {
      const wd = bytes[at++]!;
      const base = 2 ** (10 + (wd >> 3));
      window = base + (base / 8) * (wd & 7);
    }
    at += [0, 1, 2, 4][fhd & 3]!;
    if (at + fcsBytes > bytes.length) throw new Error('zstd: truncated frame header');
    let contentSize = -1;
    if (fcsBytes === 1) contentSize = bytes[at]!;
    else if (fcsBytes === 2) contentSize = view.getUint16(at, true) + 256;
    else if (fcsBytes === 4) contentSize = view.getUint32(at, true);
    else if (fcsBytes === 8) contentSize = view.getUint32(at, true) + view.getUint32(at + 4, true) * 0x1_0000_0000;
    at += fcsBytes;
    if (singleSegment ? contentSize > windowLimit : window > windowLimit) {
      throw new Error(`zstd: window of ${singleSegment ? contentSize : window} bytes is larger than allowed`);
    }
    const maxBlock = singleSegment ? ZSTD_MAX_BLOCK : Math.min(window, ZSTD_MAX_BLOCK);
    let bound = 0;
    for (;;) {
      if (at + 3 > bytes.length) throw new Error('zstd: truncated block header');
      const header = bytes[at]! | (bytes[at + 1]! << 8) | (bytes[at + 2]! << 16);
      const type = (header >> 1) & 3;
      const size = header >> 3;
      if (type === 3) throw new Error('zstd: reserved block type');
      if (size > ZSTD_MAX_BLOCK) throw new Error(`zstd: block of ${size} bytes exceeds 128 KiB`);
      at += 3 + (type === 1 ? 1 : size);
      bound += type === 2 ? maxBlock : size;
      if (at > bytes.length) throw new Error('zstd: block overruns its input');
      if (header & 1) break;
    }
    total += contentSize >= 0 ? contentSize : bound;
    if (total > maxBytes) throw tooLarge('zstd', maxBytes);
    const start = pos;
    pos = at + (fhd & 0x04 ? 4 : 0);
    frames.push([start, pos]);
  }
  if (pos > bytes.length) throw new Error('zstd: truncated frame');
  return frames;
}

interface NativeZstd {
  Encoder: new (level: number) => { encodeSync(data: Buffer): Buffer };
  Decoder: new () => { decodeSync(data: Buffer): Buffer };
}
let nativeZstd: NativeZstd | undefined;

/** libzstd through @toondepauw/node-zstd, for hosts whose Node has no zstd. */
function fallbackZstd(): NativeZstd {
  // Stryker disable next-line ConditionalExpression: requiring the module again returns Node's cached copy, the same module
  if (!nativeZstd) {
    // Loaded by name at run time (not imported) so that bundles for Lambda,
    // whose Node has zstd, never try to include a platform binary.
    const moduleName = '@toondepauw/node-zstd';
    try {
      nativeZstd = createRequire(import.meta.url)(moduleName) as NativeZstd;
    } catch (err) {
      throw new EddyError('INVALID_REQUEST', `zstd needs Node.js ≥ 22.15 or the ${moduleName} package on this host`, { cause: err });
    }
  }
  return nativeZstd;
}

// Stryker disable next-line ArrowFunction: killed by the libzstd fallback test when run by hand (decodeSync(undefined) throws), but a module-level mutant the Stryker vitest runner reports as surviving
const asBuffer = (bytes: Uint8Array): Buffer => Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength);

function zstdDecode(bytes: Uint8Array, maxBytes: number): Uint8Array {
  const frames = checkZstdFrames(bytes, maxBytes);
  const native = nodeZstd.zstdDecompressSync;
  // Both decoders stop after one frame, so each frame (skippable ones left
  // out) is decoded on its own. The frame walk bounded the output already.
  let decodeFrame: (frame: Uint8Array) => Uint8Array;
  // Stryker disable next-line ConditionalExpression,ObjectLiteral,StringLiteral: node:zlib and libzstd decode the same frames alike (the fallback has its own test); maxOutputLength is a second line of defence behind checkZstdFrames, which has already refused every frame that could give more than maxBytes
  if (native) decodeFrame = (frame) => zlibBounded(() => native(frame, { maxOutputLength: Math.max(1, maxBytes) }), 'zstd', maxBytes);
  else {
    const decoder = new (fallbackZstd().Decoder)();
    decodeFrame = (frame) => new Uint8Array(decoder.decodeSync(asBuffer(frame)));
  }
  const parts = frames.map(([start, end]) => decodeFrame(bytes.subarray(start, end)));
  // Stryker disable next-line ConditionalExpression: concatenating one part gives the same bytes
  return parts.length === 1 ? parts[0]! : new Uint8Array(Buffer.concat(parts));
}

let fallbackEncoder: { encodeSync(data: Buffer): Buffer } | undefined;

function zstdEncode(bytes: Uint8Array): Uint8Array {
  // Stryker disable next-line ConditionalExpression: node:zlib and the libzstd fallback both write valid Zstandard frames (the fallback has its own test); which one writes changes only the compressed bytes
  if (nodeZstd.zstdCompressSync) return nodeZstd.zstdCompressSync(bytes);
  fallbackEncoder ??= new (fallbackZstd().Encoder)(3);
  // A copy: the reused native encoder may hand back memory its next call overwrites.
  return new Uint8Array(fallbackEncoder.encodeSync(asBuffer(bytes)));
}
