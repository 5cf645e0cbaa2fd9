// The wire primitives: byte layouts from the protocol guide, round trips, and the typed errors.
import fc from 'fast-check';
import { describe, expect, test } from 'vitest';
import { defaultPartitionData } from '../../../kafka/protocol/generated/fetch.js';
import {
  apis,
  API_KEYS,
  encodeResponseFrame,
  encodeResponseFrameChunks,
  KafkaProtocolError,
  Reader,
  Writer,
  ZERO_COPY_BYTES,
  ZERO_UUID,
} from '../../../kafka/protocol/index.js';

const bytesOf = (write: (w: Writer) => void): string => {
  const w = new Writer(1);
  write(w);
  return Buffer.from(w.finish()).toString('hex');
};
const reader = (hex: string): Reader => new Reader(Uint8Array.from(Buffer.from(hex.replace(/\s+/g, ''), 'hex')));
const kind = (k: string) => expect.objectContaining({ name: 'KafkaProtocolError', kind: k });

describe('layouts', () => {
  test('fixed-width integers are big-endian', () => {
    expect(bytesOf((w) => w.writeInt8(-2))).toBe('fe');
    expect(bytesOf((w) => w.writeInt16(0x1234))).toBe('1234');
    expect(bytesOf((w) => w.writeUint16(0xfffe))).toBe('fffe');
    expect(bytesOf((w) => w.writeInt32(-2))).toBe('fffffffe');
    expect(bytesOf((w) => w.writeUint32(0xfffffffe))).toBe('fffffffe');
    expect(bytesOf((w) => w.writeInt64(-2n))).toBe('fffffffffffffffe');
    expect(bytesOf((w) => w.writeFloat64(1.5))).toBe('3ff8000000000000');
    expect(bytesOf((w) => w.writeBool(true))).toBe('01');
  });

  test('varints: unsigned LEB128, zigzag for signed', () => {
    expect(bytesOf((w) => w.writeUnsignedVarint(300))).toBe('ac02');
    expect(bytesOf((w) => w.writeUnsignedVarint(0xffffffff))).toBe('ffffffff0f');
    expect(bytesOf((w) => w.writeVarint(-1))).toBe('01');
    expect(bytesOf((w) => w.writeVarint(1))).toBe('02');
    expect(bytesOf((w) => w.writeVarint(-64))).toBe('7f');
    expect(bytesOf((w) => w.writeVarint(-2147483648))).toBe('ffffffff0f');
    expect(bytesOf((w) => w.writeVarlong(-9223372036854775808n))).toBe('ffffffffffffffffff01');
    expect(reader('ac02').readUnsignedVarint()).toBe(300);
    expect(reader('ffffffffffffffffff01').readVarlong()).toBe(-9223372036854775808n);
  });

  test('strings, bytes and arrays: classic and compact, with null', () => {
    expect(bytesOf((w) => w.writeString('ab'))).toBe('00026162');
    expect(bytesOf((w) => w.writeNullableString(null))).toBe('ffff');
    expect(bytesOf((w) => w.writeCompactString('ab'))).toBe('036162');
    expect(bytesOf((w) => w.writeCompactNullableString(null))).toBe('00');
    expect(bytesOf((w) => w.writeBytes(Uint8Array.of(9)))).toBe('0000000109');
    expect(bytesOf((w) => w.writeNullableBytes(null))).toBe('ffffffff');
    expect(bytesOf((w) => w.writeCompactBytes(Uint8Array.of(9)))).toBe('0209');
    expect(bytesOf((w) => w.writeCompactNullableBytes(null))).toBe('00');
    expect(bytesOf((w) => w.writeArray([1, 2], (x, v) => x.writeInt8(v)))).toBe('000000020102');
    expect(bytesOf((w) => w.writeNullableArray(null, (x, v: number) => x.writeInt8(v)))).toBe('ffffffff');
    expect(bytesOf((w) => w.writeCompactArray([1, 2], (x, v) => x.writeInt8(v)))).toBe('030102');
    expect(bytesOf((w) => w.writeCompactNullableArray(null, (x, v: number) => x.writeInt8(v)))).toBe('00');
    expect(bytesOf((w) => w.writeString('é'))).toBe('0002c3a9');
  });

  test('uuid: 16 bytes as a lowercase 8-4-4-4-12 string', () => {
    const id = '0123abcd-4567-89ef-0123-456789abcdef';
    expect(bytesOf((w) => w.writeUuid(id.toUpperCase()))).toBe('0123abcd456789ef0123456789abcdef');
    expect(reader('0123abcd456789ef0123456789abcdef').readUuid()).toBe(id);
    expect(reader('00'.repeat(16)).readUuid()).toBe(ZERO_UUID);
    expect(() => new Writer().writeUuid('not-a-uuid')).toThrow(kind('invalid_value'));
  });

  test('tagged fields: ascending tags with sizes; unknown ones come back raw', () => {
    const hex = bytesOf((w) =>
      w.writeTaggedFields([{ tag: 3, write: (x) => x.writeInt16(7) }], [
        { tag: 1, data: Uint8Array.of(0xaa) },
        { tag: 200, data: new Uint8Array(0) },
      ]),
    );
    expect(hex).toBe('03' + '0101aa' + '03020007' + 'c80100');
    const seen: number[] = [];
    const unknown = reader(hex).readTaggedFields((tag, r) => {
      if (tag !== 3) return false;
      seen.push(r.readInt16());
      return true;
    });
    expect(seen).toEqual([7]);
    expect(unknown).toEqual([
      { tag: 1, data: Uint8Array.of(0xaa) },
      { tag: 200, data: new Uint8Array(0) },
    ]);
    expect(() => new Writer().writeTaggedFields([{ tag: 1, write: () => {} }], [{ tag: 1, data: new Uint8Array(0) }])).toThrow(kind('invalid_value'));
  });

  test('a tagged field reader cannot run past its declared size', () => {
    // tag 0 declares 1 byte but its reader tries an int32: truncated, not a read into the next field.
    expect(() => reader('01 00 01 05 ff ff ff ff').readTaggedFields((_, r) => (r.readInt32(), true))).toThrow(kind('truncated'));
  });

  test('the writer grows from a tiny buffer without losing bytes', () => {
    fc.assert(
      fc.property(fc.array(fc.uint8Array({ maxLength: 40 }), { maxLength: 30 }), (chunks) => {
        const w = new Writer(1);
        for (const c of chunks) w.writeCompactBytes(c);
        const r = new Reader(w.finish());
        for (const c of chunks) expect(r.readCompactBytes()).toEqual(c);
        expect(r.remaining).toBe(0);
      }),
    );
  });
});

describe('zero-copy chunks', () => {
  test('large byte fields are referenced, small ones copied; chunks and finish() agree', () => {
    const sizes = fc.oneof(fc.integer({ min: 0, max: 40 }), fc.integer({ min: ZERO_COPY_BYTES - 1, max: ZERO_COPY_BYTES + 3000 }));
    fc.assert(
      fc.property(fc.array(sizes, { maxLength: 8 }), fc.integer({ min: 1, max: 64 }), (lengths, capacity) => {
        const fields = lengths.map((n, i) => new Uint8Array(n).fill(i + 1));
        const w = new Writer(capacity);
        for (const f of fields) w.writeCompactBytes(f);
        w.writeInt32(7);
        const expectedLength = w.length;
        const chunks = w.finishChunks();
        for (const f of fields) if (f.length >= ZERO_COPY_BYTES) expect(chunks.includes(f)).toBe(true);
        const joined = Buffer.concat(chunks);
        expect(joined.length).toBe(expectedLength);
        const r = new Reader(new Uint8Array(joined.buffer, joined.byteOffset, joined.length));
        // Buffer.equals: a deep toEqual over 16 KiB arrays is needlessly slow.
        for (const f of fields) expect(Buffer.from(r.readCompactBytes()).equals(f)).toBe(true);
        expect(r.readInt32()).toBe(7);
        expect(r.remaining).toBe(0);
        const again = new Writer(capacity);
        for (const f of fields) again.writeCompactBytes(f);
        again.writeInt32(7);
        expect(Buffer.from(again.finish()).equals(joined)).toBe(true);
      }),
      { numRuns: 50 },
    );
  });

  test('a Fetch response frame as chunks equals the one-piece frame and references the record batches', () => {
    const records = new Uint8Array(ZERO_COPY_BYTES * 2).fill(7);
    const response = apis[API_KEYS.Fetch].defaultResponse();
    response.responses = [{ topic: 't', topicId: ZERO_UUID, partitions: [{ ...defaultPartitionData(), records }] }];
    for (const v of [4, 12, 16]) {
      const chunks = encodeResponseFrameChunks(1, v, 9, response);
      expect(chunks.includes(records)).toBe(true);
      expect(Buffer.concat(chunks).equals(Buffer.from(encodeResponseFrame(1, v, 9, response)))).toBe(true);
    }
  });
});

describe('round trips', () => {
  const cases: Array<[string, fc.Arbitrary<unknown>, (w: Writer, v: never) => void, (r: Reader) => unknown]> = [
    ['int8', fc.integer({ min: -128, max: 127 }), (w, v) => w.writeInt8(v), (r) => r.readInt8()],
    ['int16', fc.integer({ min: -32768, max: 32767 }), (w, v) => w.writeInt16(v), (r) => r.readInt16()],
    ['uint16', fc.integer({ min: 0, max: 65535 }), (w, v) => w.writeUint16(v), (r) => r.readUint16()],
    ['int32', fc.integer({ min: -(2 ** 31), max: 2 ** 31 - 1 }), (w, v) => w.writeInt32(v), (r) => r.readInt32()],
    ['uint32', fc.integer({ min: 0, max: 2 ** 32 - 1 }), (w, v) => w.writeUint32(v), (r) => r.readUint32()],
    ['int64', fc.bigInt({ min: -(2n ** 63n), max: 2n ** 63n - 1n }), (w, v) => w.writeInt64(v), (r) => r.readInt64()],
    ['float64', fc.double(), (w, v) => w.writeFloat64(v), (r) => r.readFloat64()],
    ['bool', fc.boolean(), (w, v) => w.writeBool(v), (r) => r.readBool()],
    ['uvarint', fc.integer({ min: 0, max: 2 ** 32 - 1 }), (w, v) => w.writeUnsignedVarint(v), (r) => r.readUnsignedVarint()],
    ['varint', fc.integer({ min: -(2 ** 31), max: 2 ** 31 - 1 }), (w, v) => w.writeVarint(v), (r) => r.readVarint()],
    ['varlong', fc.bigInt({ min: -(2n ** 63n), max: 2n ** 63n - 1n }), (w, v) => w.writeVarlong(v), (r) => r.readVarlong()],
    ['nullable string', fc.option(fc.string({ unit: 'grapheme' }), { nil: null }), (w, v) => w.writeNullableString(v), (r) => r.readNullableString()],
    ['compact nullable string', fc.option(fc.string({ unit: 'grapheme' }), { nil: null }), (w, v) => w.writeCompactNullableString(v), (r) => r.readCompactNullableString()],
    ['nullable bytes', fc.option(fc.uint8Array(), { nil: null }), (w, v) => w.writeNullableBytes(v), (r) => r.readNullableBytes()],
    ['compact nullable bytes', fc.option(fc.uint8Array(), { nil: null }), (w, v) => w.writeCompactNullableBytes(v), (r) => r.readCompactNullableBytes()],
  ];
  test.each(cases)('%s', (_, arb, write, read) => {
    fc.assert(
      fc.property(arb, (value) => {
        const w = new Writer(2);
        write(w, value as never);
        const r = new Reader(w.finish());
        expect(read(r)).toEqual(value);
        expect(r.remaining).toBe(0);
      }),
    );
  });

  test('varint and varlong agree with the zigzag formula', () => {
    fc.assert(
      fc.property(fc.integer({ min: -(2 ** 31), max: 2 ** 31 - 1 }), (n) => {
        const a = new Writer();
        a.writeVarint(n);
        const b = new Writer();
        b.writeVarlong(BigInt(n));
        expect(a.finish()).toEqual(b.finish());
      }),
    );
  });
});

describe('bad input', () => {
  test('every read of too few bytes is a truncated KafkaProtocolError', () => {
    const empty = () => new Reader(new Uint8Array(0));
    for (const read of [
      (r: Reader) => r.readInt8(),
      (r: Reader) => r.readInt16(),
      (r: Reader) => r.readInt32(),
      (r: Reader) => r.readInt64(),
      (r: Reader) => r.readFloat64(),
      (r: Reader) => r.readBool(),
      (r: Reader) => r.readUuid(),
      (r: Reader) => r.readUnsignedVarint(),
      (r: Reader) => r.readVarlong(),
    ]) {
      expect(() => read(empty())).toThrow(KafkaProtocolError);
      expect(() => read(empty())).toThrow(kind('truncated'));
    }
    expect(() => reader('0000000000000000').readUuid()).toThrow(kind('truncated'));
  });

  test('lengths beyond the bytes left are refused before anything is allocated', () => {
    expect(() => reader('7fff 61').readString()).toThrow(kind('invalid_length'));
    expect(() => reader('7fffffff 00').readBytes()).toThrow(kind('invalid_length'));
    expect(() => reader('ffffffff0f').readCompactBytes()).toThrow(kind('invalid_length'));
    let calls = 0;
    expect(() => reader('7fffffff 0000').readArray((r) => (calls++, r.readInt8()))).toThrow(kind('invalid_length'));
    expect(() => reader('ffffffff0f').readCompactArray((r) => (calls++, r.readInt8()))).toThrow(kind('invalid_length'));
    expect(() => reader('ffffffff0f').readRawTaggedFields()).toThrow(kind('invalid_length'));
    expect(() => reader('01 00 7f').readRawTaggedFields()).toThrow(kind('invalid_length'));
    expect(calls).toBe(0);
  });

  test('negative lengths other than -1 and null where not nullable are invalid', () => {
    expect(() => reader('fffe').readNullableString()).toThrow(kind('invalid_length'));
    expect(() => reader('fffffffe').readNullableBytes()).toThrow(kind('invalid_length'));
    expect(() => reader('fffffffe').readNullableArray((r) => r.readInt8())).toThrow(kind('invalid_length'));
    expect(() => reader('ffff').readString()).toThrow(kind('invalid_value'));
    expect(() => reader('00').readCompactString()).toThrow(kind('invalid_value'));
    expect(() => reader('ffffffff').readArray((r) => r.readInt8())).toThrow(kind('invalid_value'));
    expect(() => reader('00').readCompactArray((r) => r.readInt8())).toThrow(kind('invalid_value'));
  });

  test('over-long varints are invalid', () => {
    expect(() => reader('ffffffffff01').readUnsignedVarint()).toThrow(kind('invalid_length'));
    expect(() => reader('ffffffff1f').readUnsignedVarint()).toThrow(kind('invalid_length'));
    expect(() => reader('ffffffffffffffffffff01').readVarlong()).toThrow(kind('invalid_length'));
  });

  test('the writer refuses values it cannot represent', () => {
    const w = new Writer();
    expect(() => w.writeInt8(128)).toThrow(kind('invalid_value'));
    expect(() => w.writeInt16(1.5)).toThrow(kind('invalid_value'));
    expect(() => w.writeInt32(2 ** 31)).toThrow(kind('invalid_value'));
    expect(() => w.writeInt64(2n ** 63n)).toThrow(kind('invalid_value'));
    expect(() => w.writeString('x'.repeat(32768))).toThrow(kind('invalid_value'));
    expect(() => w.writeString(null as unknown as string)).toThrow(kind('invalid_value'));
    expect(() => w.writeCompactArray(null as unknown as number[], () => {})).toThrow(kind('invalid_value'));
  });

  test('a reader over a sub-range stays inside it', () => {
    const r = new Reader(Uint8Array.of(1, 2, 3, 4), 1, 3);
    expect(r.readInt8()).toBe(2);
    expect(r.readInt8()).toBe(3);
    expect(() => r.readInt8()).toThrow(kind('truncated'));
  });
});
