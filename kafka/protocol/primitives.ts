/**
 * Kafka's wire primitives: a bounds-checked {@link Reader} and a growable {@link Writer}.
 *
 * Every multi-byte number is big-endian. Type → layout (Kafka protocol guide, KIP-482):
 *
 *   int8/16/32/64, uint16/32   fixed width; int64 is a `bigint`, the rest `number`
 *   float64                    IEEE 754 double
 *   bool                       int8, 0 = false, anything else = true (written as 0 / 1)
 *   uvarint                    unsigned LEB128, at most 5 bytes (32 bits)
 *   varint / varlong           zigzag-encoded signed LEB128, 32 / 64 bits (varlong is a `bigint`)
 *   uuid                       16 bytes; surfaced as the canonical lowercase 8-4-4-4-12 hex string
 *                              (`00000000-0000-0000-0000-000000000000` is Kafka's "no id")
 *   string                     int16 length + UTF-8 bytes; -1 = null (nullable string)
 *   compact string             uvarint (length + 1) + UTF-8 bytes; 0 = null
 *   bytes                      int32 length + bytes; -1 = null
 *   compact bytes              uvarint (length + 1) + bytes; 0 = null
 *   array                      int32 count + elements; -1 = null
 *   compact array              uvarint (count + 1) + elements; 0 = null
 *   tagged fields              uvarint count, then per field: uvarint tag, uvarint size, `size` bytes
 *
 * The reader never reads past its end and never trusts a length before checking it against the
 * bytes that remain (an element takes at least one byte, as in Kafka's own generated code), so a
 * hostile frame cannot make it allocate more than the frame's own size. Every failure is a
 * {@link KafkaProtocolError}: the server can answer or close the connection instead of crashing.
 *
 * Bytes read by the reader (`bytes`, `records`, unknown tagged fields) are views into the input
 * buffer, not copies: copy before mutating them.
 */

/** Why decoding or encoding failed. */
export type KafkaProtocolErrorKind =
  /** The input ended before the value did. */
  | 'truncated'
  /** A length or count is negative (where null is not allowed), too large, or a varint is too long. */
  | 'invalid_length'
  /** A value is not representable: null where the version forbids it, a bad uuid, a too-long string. */
  | 'invalid_value'
  /** An API version outside what the codec knows. */
  | 'unsupported_version'
  /** A frame's size prefix exceeds the configured maximum. */
  | 'frame_too_large';

/** The one error the codecs throw; `kind` says what was wrong. */
export class KafkaProtocolError extends Error {
  /** What was wrong with the bytes or the value. */
  readonly kind: KafkaProtocolErrorKind;

  constructor(kind: KafkaProtocolErrorKind, message: string) {
    super(message);
    this.name = 'KafkaProtocolError';
    this.kind = kind;
  }
}

/** Kafka's zero uuid (`Uuid.ZERO_UUID`), which means "no id" on the wire. */
export const ZERO_UUID = '00000000-0000-0000-0000-000000000000';

/** A tagged field the codec does not know (KIP-482): kept as raw bytes so a re-encode preserves it. */
export interface RawTaggedField {
  /** The field's tag. */
  readonly tag: number;
  /** The field's serialized value, without the tag and size prefixes. */
  readonly data: Uint8Array;
}

const utf8Decoder = new TextDecoder('utf-8');
const utf8Encoder = new TextEncoder();
const UUID_PATTERN = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;
const HEX: string[] = Array.from({ length: 256 }, (_, i) => i.toString(16).padStart(2, '0'));

/** Reads Kafka primitives from a byte range, throwing {@link KafkaProtocolError} on bad input. */
export class Reader {
  private readonly bytes: Uint8Array;
  private readonly view: DataView;
  private pos: number;
  private readonly end: number;

  /**
   * @param bytes the buffer to read
   * @param start first byte to read @default 0
   * @param end one past the last byte to read @default bytes.length
   */
  constructor(bytes: Uint8Array, start = 0, end = bytes.length) {
    if (start < 0 || end > bytes.length || start > end) throw new RangeError(`invalid reader range ${start}..${end} of ${bytes.length}`);
    this.bytes = bytes;
    this.view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
    this.pos = start;
    this.end = end;
  }

  /** Position of the next byte to read, relative to the start of the underlying buffer. */
  get offset(): number {
    return this.pos;
  }

  /** Bytes left before the end of the range. */
  get remaining(): number {
    return this.end - this.pos;
  }

  private take(n: number, what: string): number {
    if (n > this.end - this.pos) {
      throw new KafkaProtocolError('truncated', `truncated ${what}: need ${n} byte(s) at offset ${this.pos}, ${this.end - this.pos} left`);
    }
    const at = this.pos;
    this.pos += n;
    return at;
  }

  /** Reads the int16 `ahead` bytes past the current position without consuming anything. */
  peekInt16(ahead = 0): number {
    if (ahead < 0 || ahead + 2 > this.end - this.pos) {
      throw new KafkaProtocolError('truncated', `truncated int16: need ${ahead + 2} byte(s) at offset ${this.pos}, ${this.end - this.pos} left`);
    }
    return this.view.getInt16(this.pos + ahead);
  }

  /** Reads a signed 8-bit integer. */
  readInt8(): number {
    return this.view.getInt8(this.take(1, 'int8'));
  }

  /** Reads a signed big-endian 16-bit integer. */
  readInt16(): number {
    return this.view.getInt16(this.take(2, 'int16'));
  }

  /** Reads an unsigned big-endian 16-bit integer. */
  readUint16(): number {
    return this.view.getUint16(this.take(2, 'uint16'));
  }

  /** Reads a signed big-endian 32-bit integer. */
  readInt32(): number {
    return this.view.getInt32(this.take(4, 'int32'));
  }

  /** Reads an unsigned big-endian 32-bit integer. */
  readUint32(): number {
    return this.view.getUint32(this.take(4, 'uint32'));
  }

  /** Reads a signed big-endian 64-bit integer. */
  readInt64(): bigint {
    return this.view.getBigInt64(this.take(8, 'int64'));
  }

  /** Reads a big-endian IEEE 754 double. */
  readFloat64(): number {
    return this.view.getFloat64(this.take(8, 'float64'));
  }

  /** Reads a boolean (one byte, non-zero = true). */
  readBool(): boolean {
    return this.bytes[this.take(1, 'bool')] !== 0;
  }

  /** Reads an unsigned varint of at most 32 bits (5 bytes), as Kafka's `readUnsignedVarint`. */
  readUnsignedVarint(): number {
    let value = 0;
    for (let i = 0; i < 5; i++) {
      const b = this.bytes[this.take(1, 'varint')] as number;
      value += (b & 0x7f) * 2 ** (7 * i);
      if ((b & 0x80) === 0) {
        if (value > 0xffffffff) throw new KafkaProtocolError('invalid_length', `varint at offset ${this.pos - i - 1} exceeds 32 bits`);
        return value;
      }
    }
    throw new KafkaProtocolError('invalid_length', `varint at offset ${this.pos - 5} is longer than 5 bytes`);
  }

  /** Reads a zigzag-encoded signed 32-bit varint. */
  readVarint(): number {
    const u = this.readUnsignedVarint();
    return (u >>> 1) ^ -(u & 1);
  }

  /** Reads a zigzag-encoded signed 64-bit varint (at most 10 bytes). */
  readVarlong(): bigint {
    let value = 0n;
    for (let i = 0; i < 10; i++) {
      const b = this.bytes[this.take(1, 'varlong')] as number;
      value |= BigInt(b & 0x7f) << BigInt(7 * i);
      if ((b & 0x80) === 0) {
        value = BigInt.asUintN(64, value);
        return BigInt.asIntN(64, (value >> 1n) ^ -(value & 1n));
      }
    }
    throw new KafkaProtocolError('invalid_length', `varlong at offset ${this.pos - 10} is longer than 10 bytes`);
  }

  /** Reads a 16-byte uuid as its lowercase 8-4-4-4-12 hex string. */
  readUuid(): string {
    const at = this.take(16, 'uuid');
    const b = this.bytes;
    let s = '';
    for (let i = 0; i < 16; i++) {
      if (i === 4 || i === 6 || i === 8 || i === 10) s += '-';
      s += HEX[b[at + i] as number];
    }
    return s;
  }

  /** Reads `n` raw bytes as a view into the input. */
  readRaw(n: number): Uint8Array {
    const at = this.take(n, 'bytes');
    return this.bytes.subarray(at, at + n);
  }

  private utf8(n: number): string {
    const at = this.take(n, 'string');
    return utf8Decoder.decode(this.bytes.subarray(at, at + n));
  }

  private checkLength(n: number, what: string): void {
    if (n > this.end - this.pos) {
      throw new KafkaProtocolError('invalid_length', `${what} length ${n} at offset ${this.pos} exceeds the ${this.end - this.pos} byte(s) left`);
    }
  }

  /** Reads an int16-length string, null when the length is -1. */
  readNullableString(): string | null {
    const n = this.readInt16();
    if (n === -1) return null;
    if (n < 0) throw new KafkaProtocolError('invalid_length', `negative string length ${n} at offset ${this.pos - 2}`);
    this.checkLength(n, 'string');
    return this.utf8(n);
  }

  /** Reads an int16-length string that must not be null. */
  readString(): string {
    const s = this.readNullableString();
    if (s === null) throw new KafkaProtocolError('invalid_value', `non-nullable string is null at offset ${this.pos - 2}`);
    return s;
  }

  /** Reads a compact (uvarint length + 1) string, null when the prefix is 0. */
  readCompactNullableString(): string | null {
    const n = this.readUnsignedVarint();
    if (n === 0) return null;
    this.checkLength(n - 1, 'compact string');
    return this.utf8(n - 1);
  }

  /** Reads a compact string that must not be null. */
  readCompactString(): string {
    const at = this.pos;
    const s = this.readCompactNullableString();
    if (s === null) throw new KafkaProtocolError('invalid_value', `non-nullable compact string is null at offset ${at}`);
    return s;
  }

  /** Reads int32-length bytes, null when the length is -1. */
  readNullableBytes(): Uint8Array | null {
    const n = this.readInt32();
    if (n === -1) return null;
    if (n < 0) throw new KafkaProtocolError('invalid_length', `negative bytes length ${n} at offset ${this.pos - 4}`);
    this.checkLength(n, 'bytes');
    return this.readRaw(n);
  }

  /** Reads int32-length bytes that must not be null. */
  readBytes(): Uint8Array {
    const b = this.readNullableBytes();
    if (b === null) throw new KafkaProtocolError('invalid_value', `non-nullable bytes are null at offset ${this.pos - 4}`);
    return b;
  }

  /** Reads compact (uvarint length + 1) bytes, null when the prefix is 0. */
  readCompactNullableBytes(): Uint8Array | null {
    const n = this.readUnsignedVarint();
    if (n === 0) return null;
    this.checkLength(n - 1, 'compact bytes');
    return this.readRaw(n - 1);
  }

  /** Reads compact bytes that must not be null. */
  readCompactBytes(): Uint8Array {
    const at = this.pos;
    const b = this.readCompactNullableBytes();
    if (b === null) throw new KafkaProtocolError('invalid_value', `non-nullable compact bytes are null at offset ${at}`);
    return b;
  }

  private elements<T>(count: number, readElement: (reader: Reader) => T): T[] {
    // Kafka's rule: every element takes at least one byte, so a count above the bytes left is a lie.
    if (count > this.end - this.pos) {
      throw new KafkaProtocolError('invalid_length', `array count ${count} at offset ${this.pos} exceeds the ${this.end - this.pos} byte(s) left`);
    }
    const out: T[] = [];
    for (let i = 0; i < count; i++) out.push(readElement(this));
    return out;
  }

  /** Reads an int32-count array, null when the count is -1. */
  readNullableArray<T>(readElement: (reader: Reader) => T): T[] | null {
    const n = this.readInt32();
    if (n === -1) return null;
    if (n < 0) throw new KafkaProtocolError('invalid_length', `negative array count ${n} at offset ${this.pos - 4}`);
    return this.elements(n, readElement);
  }

  /** Reads an int32-count array that must not be null. */
  readArray<T>(readElement: (reader: Reader) => T): T[] {
    const at = this.pos;
    const a = this.readNullableArray(readElement);
    if (a === null) throw new KafkaProtocolError('invalid_value', `non-nullable array is null at offset ${at}`);
    return a;
  }

  /** Reads a compact (uvarint count + 1) array, null when the prefix is 0. */
  readCompactNullableArray<T>(readElement: (reader: Reader) => T): T[] | null {
    const n = this.readUnsignedVarint();
    if (n === 0) return null;
    return this.elements(n - 1, readElement);
  }

  /** Reads a compact array that must not be null. */
  readCompactArray<T>(readElement: (reader: Reader) => T): T[] {
    const at = this.pos;
    const a = this.readCompactNullableArray(readElement);
    if (a === null) throw new KafkaProtocolError('invalid_value', `non-nullable compact array is null at offset ${at}`);
    return a;
  }

  /**
   * Reads a tagged-field section. Each field's bytes are handed to `onTag` as a reader bounded to
   * that field; it returns false for a tag it does not know, which is then returned raw. The
   * section always resumes after the declared size, whatever `onTag` consumed.
   * @returns the unknown fields in wire order, or undefined when there were none
   */
  readTaggedFields(onTag: (tag: number, reader: Reader) => boolean): RawTaggedField[] | undefined {
    const count = this.readUnsignedVarint();
    if (count > this.end - this.pos) {
      throw new KafkaProtocolError('invalid_length', `tagged field count ${count} at offset ${this.pos} exceeds the ${this.end - this.pos} byte(s) left`);
    }
    let unknown: RawTaggedField[] | undefined;
    for (let i = 0; i < count; i++) {
      const tag = this.readUnsignedVarint();
      const size = this.readUnsignedVarint();
      this.checkLength(size, `tagged field ${tag}`);
      const start = this.pos;
      this.pos += size;
      if (!onTag(tag, new Reader(this.bytes, start, start + size))) {
        (unknown ??= []).push({ tag, data: this.bytes.subarray(start, start + size) });
      }
    }
    return unknown;
  }

  /** Reads a tagged-field section keeping every field raw (for headers and tests). */
  readRawTaggedFields(): RawTaggedField[] | undefined {
    return this.readTaggedFields(() => false);
  }
}

/** One entry of a tagged-field section to write: either a writer callback or raw bytes. */
export type TaggedFieldEntry = { readonly tag: number; readonly write: (writer: Writer) => void } | RawTaggedField;

/** Byte fields at least this long are referenced by the writer instead of copied (see {@link Writer.finishChunks}). */
export const ZERO_COPY_BYTES = 16 * 1024;

/**
 * Writes Kafka primitives into a buffer that grows as needed. Byte fields of
 * {@link ZERO_COPY_BYTES} or more (record batches, in practice) are not copied: the writer keeps a
 * reference and {@link Writer.finishChunks} returns them as separate chunks, so a multi-megabyte
 * Fetch response goes to the socket without being copied into one buffer first. The caller must
 * not modify such bytes until the output has been written.
 */
export class Writer {
  private buf: Uint8Array;
  private view: DataView;
  private pos = 0;
  /** Start, in `buf`, of the bytes not yet moved to `chunks`. */
  private start = 0;
  /** Finished output, in order: views of earlier buffers and referenced byte fields. */
  private chunks: Uint8Array[] = [];
  private chunked = 0;

  /** @param initialCapacity bytes to allocate up front @default 256 */
  constructor(initialCapacity = 256) {
    this.buf = new Uint8Array(Math.max(16, initialCapacity));
    this.view = new DataView(this.buf.buffer);
  }

  /** Bytes written so far. */
  get length(): number {
    return this.chunked + this.pos - this.start;
  }

  /** Reserves `n` bytes and returns where they start. Call it before touching `buf`/`view`: it may replace them. */
  private ensure(n: number): number {
    const need = this.pos + n;
    if (need > this.buf.length) {
      const used = this.pos - this.start;
      let size = Math.max(this.buf.length * 2, 256);
      while (size < used + n) size *= 2;
      const next = new Uint8Array(size);
      next.set(this.buf.subarray(this.start, this.pos));
      this.buf = next;
      this.view = new DataView(next.buffer);
      this.start = 0;
      this.pos = used;
    }
    const at = this.pos;
    this.pos += n;
    return at;
  }

  private byte(value: number): void {
    const at = this.ensure(1);
    this.buf[at] = value;
  }

  private flush(): void {
    if (this.pos > this.start) {
      this.chunks.push(this.buf.subarray(this.start, this.pos));
      this.chunked += this.pos - this.start;
      this.start = this.pos;
    }
  }

  /**
   * The output as a list of chunks to write in order (no copy of large byte fields). The writer
   * must not be used afterwards.
   */
  finishChunks(): Uint8Array[] {
    this.flush();
    return this.chunks.slice();
  }

  /**
   * The output as one array (copied together only when large byte fields were referenced; it may
   * share memory with the writer's buffer or with a written byte field). The writer must not be
   * used afterwards.
   */
  finish(): Uint8Array {
    if (this.chunks.length === 0) return this.buf.subarray(this.start, this.pos);
    const chunks = this.finishChunks();
    if (chunks.length === 1) return chunks[0] as Uint8Array;
    const out = new Uint8Array(this.chunked);
    let at = 0;
    for (const c of chunks) {
      out.set(c, at);
      at += c.length;
    }
    return out;
  }

  private int(value: number, min: number, max: number, what: string): void {
    if (!Number.isInteger(value) || value < min || value > max) {
      throw new KafkaProtocolError('invalid_value', `${what} out of range: ${value}`);
    }
  }

  /** Writes a signed 8-bit integer. */
  writeInt8(value: number): void {
    this.int(value, -0x80, 0x7f, 'int8');
    const at = this.ensure(1);
    this.view.setInt8(at, value);
  }

  /** Writes a signed big-endian 16-bit integer. */
  writeInt16(value: number): void {
    this.int(value, -0x8000, 0x7fff, 'int16');
    const at = this.ensure(2);
    this.view.setInt16(at, value);
  }

  /** Writes an unsigned big-endian 16-bit integer. */
  writeUint16(value: number): void {
    this.int(value, 0, 0xffff, 'uint16');
    const at = this.ensure(2);
    this.view.setUint16(at, value);
  }

  /** Writes a signed big-endian 32-bit integer. */
  writeInt32(value: number): void {
    this.int(value, -0x80000000, 0x7fffffff, 'int32');
    const at = this.ensure(4);
    this.view.setInt32(at, value);
  }

  /** Writes an unsigned big-endian 32-bit integer. */
  writeUint32(value: number): void {
    this.int(value, 0, 0xffffffff, 'uint32');
    const at = this.ensure(4);
    this.view.setUint32(at, value);
  }

  /** Writes a signed big-endian 64-bit integer. */
  writeInt64(value: bigint): void {
    if (typeof value !== 'bigint' || BigInt.asIntN(64, value) !== value) throw new KafkaProtocolError('invalid_value', `int64 out of range: ${String(value)}`);
    const at = this.ensure(8);
    this.view.setBigInt64(at, value);
  }

  /** Writes a big-endian IEEE 754 double. */
  writeFloat64(value: number): void {
    const at = this.ensure(8);
    this.view.setFloat64(at, value);
  }

  /** Writes a boolean as one byte, 1 or 0. */
  writeBool(value: boolean): void {
    this.byte(value ? 1 : 0);
  }

  /** Writes an unsigned varint (0 .. 2^32 - 1). */
  writeUnsignedVarint(value: number): void {
    this.int(value, 0, 0xffffffff, 'unsigned varint');
    let v = value;
    while (v >= 0x80) {
      this.byte((v & 0x7f) | 0x80);
      v = Math.floor(v / 128);
    }
    this.byte(v);
  }

  /** Writes a zigzag-encoded signed 32-bit varint. */
  writeVarint(value: number): void {
    this.int(value, -0x80000000, 0x7fffffff, 'varint');
    this.writeUnsignedVarint(((value << 1) ^ (value >> 31)) >>> 0);
  }

  /** Writes a zigzag-encoded signed 64-bit varint. */
  writeVarlong(value: bigint): void {
    if (BigInt.asIntN(64, value) !== value) throw new KafkaProtocolError('invalid_value', `varlong out of range: ${value}`);
    let v = BigInt.asUintN(64, (value << 1n) ^ (value >> 63n));
    while (v >= 0x80n) {
      this.byte(Number(v & 0x7fn) | 0x80);
      v >>= 7n;
    }
    this.byte(Number(v));
  }

  /** Writes a uuid given as an 8-4-4-4-12 hex string. */
  writeUuid(value: string): void {
    if (typeof value !== 'string' || !UUID_PATTERN.test(value)) throw new KafkaProtocolError('invalid_value', `not a uuid: ${JSON.stringify(value)}`);
    const hex = value.replace(/-/g, '');
    const at = this.ensure(16);
    for (let i = 0; i < 16; i++) this.buf[at + i] = parseInt(hex.slice(i * 2, i * 2 + 2), 16);
  }

  /** Writes raw bytes with no prefix (referenced, not copied, from {@link ZERO_COPY_BYTES} up). */
  writeRaw(bytes: Uint8Array): void {
    if (bytes.length >= ZERO_COPY_BYTES) {
      this.flush();
      this.chunks.push(bytes);
      this.chunked += bytes.length;
      return;
    }
    const at = this.ensure(bytes.length);
    this.buf.set(bytes, at);
  }

  /** Writes an int16-length string, or -1 for null. */
  writeNullableString(value: string | null): void {
    if (value === null) {
      this.writeInt16(-1);
      return;
    }
    const bytes = utf8Encoder.encode(value);
    if (bytes.length > 0x7fff) throw new KafkaProtocolError('invalid_value', `string of ${bytes.length} UTF-8 bytes exceeds 32767`);
    this.writeInt16(bytes.length);
    this.writeRaw(bytes);
  }

  /** Writes an int16-length string. */
  writeString(value: string): void {
    if (typeof value !== 'string') throw new KafkaProtocolError('invalid_value', `non-nullable string is ${String(value)}`);
    this.writeNullableString(value);
  }

  /** Writes a compact (uvarint length + 1) string, or 0 for null. */
  writeCompactNullableString(value: string | null): void {
    if (value === null) {
      this.writeUnsignedVarint(0);
      return;
    }
    const bytes = utf8Encoder.encode(value);
    if (bytes.length > 0x7fff) throw new KafkaProtocolError('invalid_value', `string of ${bytes.length} UTF-8 bytes exceeds 32767`);
    this.writeUnsignedVarint(bytes.length + 1);
    this.writeRaw(bytes);
  }

  /** Writes a compact string. */
  writeCompactString(value: string): void {
    if (typeof value !== 'string') throw new KafkaProtocolError('invalid_value', `non-nullable string is ${String(value)}`);
    this.writeCompactNullableString(value);
  }

  /** Writes int32-length bytes, or -1 for null. */
  writeNullableBytes(value: Uint8Array | null): void {
    if (value === null) {
      this.writeInt32(-1);
      return;
    }
    this.writeInt32(value.length);
    this.writeRaw(value);
  }

  /** Writes int32-length bytes. */
  writeBytes(value: Uint8Array): void {
    if (!(value instanceof Uint8Array)) throw new KafkaProtocolError('invalid_value', `non-nullable bytes are ${String(value)}`);
    this.writeNullableBytes(value);
  }

  /** Writes compact (uvarint length + 1) bytes, or 0 for null. */
  writeCompactNullableBytes(value: Uint8Array | null): void {
    if (value === null) {
      this.writeUnsignedVarint(0);
      return;
    }
    this.writeUnsignedVarint(value.length + 1);
    this.writeRaw(value);
  }

  /** Writes compact bytes. */
  writeCompactBytes(value: Uint8Array): void {
    if (!(value instanceof Uint8Array)) throw new KafkaProtocolError('invalid_value', `non-nullable bytes are ${String(value)}`);
    this.writeCompactNullableBytes(value);
  }

  /** Writes an int32-count array, or -1 for null. */
  writeNullableArray<T>(items: readonly T[] | null, writeElement: (writer: Writer, item: T) => void): void {
    if (items === null) {
      this.writeInt32(-1);
      return;
    }
    this.writeInt32(items.length);
    for (const item of items) writeElement(this, item);
  }

  /** Writes an int32-count array. */
  writeArray<T>(items: readonly T[], writeElement: (writer: Writer, item: T) => void): void {
    if (!Array.isArray(items)) throw new KafkaProtocolError('invalid_value', `non-nullable array is ${String(items)}`);
    this.writeNullableArray(items, writeElement);
  }

  /** Writes a compact (uvarint count + 1) array, or 0 for null. */
  writeCompactNullableArray<T>(items: readonly T[] | null, writeElement: (writer: Writer, item: T) => void): void {
    if (items === null) {
      this.writeUnsignedVarint(0);
      return;
    }
    this.writeUnsignedVarint(items.length + 1);
    for (const item of items) writeElement(this, item);
  }

  /** Writes a compact array. */
  writeCompactArray<T>(items: readonly T[], writeElement: (writer: Writer, item: T) => void): void {
    if (!Array.isArray(items)) throw new KafkaProtocolError('invalid_value', `non-nullable array is ${String(items)}`);
    this.writeCompactNullableArray(items, writeElement);
  }

  /**
   * Writes a tagged-field section: known fields and preserved unknown ones, in ascending tag
   * order as KIP-482 requires. Two entries with the same tag are an error.
   */
  writeTaggedFields(known: readonly TaggedFieldEntry[], unknown?: readonly RawTaggedField[]): void {
    const all = unknown && unknown.length > 0 ? [...known, ...unknown] : known.slice();
    all.sort((a, b) => a.tag - b.tag);
    this.writeUnsignedVarint(all.length);
    for (let i = 0; i < all.length; i++) {
      const entry = all[i] as TaggedFieldEntry;
      if (i > 0 && (all[i - 1] as TaggedFieldEntry).tag === entry.tag) throw new KafkaProtocolError('invalid_value', `tagged field ${entry.tag} written twice`);
      this.writeUnsignedVarint(entry.tag);
      if ('data' in entry) {
        this.writeUnsignedVarint(entry.data.length);
        this.writeRaw(entry.data);
      } else {
        const inner = new Writer(64);
        entry.write(inner);
        const data = inner.finish();
        this.writeUnsignedVarint(data.length);
        this.writeRaw(data);
      }
    }
  }
}
