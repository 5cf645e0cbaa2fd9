/**
 * The stored object format v1 (core/codec/format.ts) at its edges: what the
 * chunk table says about each chunk, the sizes limits are counted in, and
 * every structural check a reader makes, each exercised with a chunk whose
 * CRC is valid (so the check itself, not the checksum, must catch it).
 */
import { describe, expect, it } from 'vitest';
import { crc32c } from '../../../core/codec/crc32c.js';
import {
  CHUNK_HEADER_BYTES,
  decodeChunk,
  decodeObjectHeader,
  encodeObject,
  OBJECT_HEADER_BYTES,
  objectChunks,
  storedRecordBytes,
  type StoredRecord,
} from '../../../core/codec/format.js';
import { EddyError } from '../../../core/errors.js';

const enc = (s: string): Uint8Array => new TextEncoder().encode(s);
const record = (timestamp: number, value: string | null, key: string | null = null, headers: Array<[string, string]> = []): StoredRecord => ({
  timestamp,
  key: key === null ? null : enc(key),
  value: value === null ? null : enc(value),
  headers: headers.map(([k, v]) => [k, enc(v)] as const),
});

/** The bytes of chunk `i` of an object, as a reader gets them. */
function chunkBytes(inputs: Parameters<typeof encodeObject>[0], i = 0): Uint8Array {
  const { bytes, chunks } = encodeObject(inputs);
  return bytes.slice(chunks[i]!.position, chunks[i]!.position + chunks[i]!.length);
}

/** Rewrites a chunk's length and CRC after `edit`, so only the structural checks can object. */
function resealed(chunk: Uint8Array, edit: (view: DataView, bytes: Uint8Array) => Uint8Array | void): Uint8Array {
  const edited = edit(new DataView(chunk.buffer, chunk.byteOffset, chunk.byteLength), chunk) ?? chunk;
  const view = new DataView(edited.buffer, edited.byteOffset, edited.byteLength);
  view.setUint32(0, edited.length - 4);
  view.setUint32(4, crc32c(edited, 8, edited.length));
  return edited;
}

function corruption(f: () => unknown): string {
  try {
    f();
  } catch (err) {
    expect(err).toBeInstanceOf(EddyError);
    expect((err as EddyError).code).toBe('DATA_CORRUPT');
    return (err as EddyError).message;
  }
  throw new Error('expected DATA_CORRUPT, but it decoded');
}

describe('encodeObject', () => {
  it('places chunks back to back after the header and summarises each', () => {
    const { bytes, chunks } = encodeObject([
      { partition: 4, records: [record(30, 'a'), record(10, 'bb', 'k'), record(20, null, null, [['h', 'v']])] },
      { partition: 0, records: [record(5, 'x')] },
    ]);
    expect(chunks[0]).toEqual({ partition: 4, position: OBJECT_HEADER_BYTES, length: chunks[0]!.length, records: 3, minTimestamp: 10, maxTimestamp: 30 });
    expect(chunks[1]).toEqual({ partition: 0, position: OBJECT_HEADER_BYTES + chunks[0]!.length, length: chunks[1]!.length, records: 1, minTimestamp: 5, maxTimestamp: 5 });
    expect(bytes.length).toBe(OBJECT_HEADER_BYTES + chunks[0]!.length + chunks[1]!.length);
    // A chunk's length is its header plus its records' stored sizes.
    const sizes = [record(30, 'a'), record(10, 'bb', 'k'), record(20, null, null, [['h', 'v']])].map(storedRecordBytes);
    expect(chunks[0]!.length).toBe(CHUNK_HEADER_BYTES + sizes.reduce((a, b) => a + b, 0));
    expect(objectChunks(bytes)).toEqual(chunks.map((c) => ({ position: c.position, length: c.length })));
    expect(decodeObjectHeader(bytes)).toBe(2);
  });

  it('writes the timestamps of a chunk into its header, and 0 for an empty chunk', () => {
    const big = 2 ** 53 - 1;
    const c = chunkBytes([{ partition: 1, records: [record(big, 'a'), record(4_294_967_297, 'b')] }]);
    const view = new DataView(c.buffer, c.byteOffset, c.byteLength);
    const int64 = (pos: number) => view.getUint32(pos) * 2 ** 32 + view.getUint32(pos + 4);
    expect(int64(20)).toBe(4_294_967_297);
    expect(int64(28)).toBe(big);
    expect(decodeChunk(c).records.map((r) => r.timestamp)).toEqual([big, 4_294_967_297]);
    const { chunks } = encodeObject([{ partition: 2, records: [] }]);
    expect(chunks[0]).toMatchObject({ records: 0, minTimestamp: 0, maxTimestamp: 0, length: CHUNK_HEADER_BYTES });
    const empty = chunkBytes([{ partition: 2, records: [] }]);
    expect(decodeChunk(empty, 2)).toEqual({ partition: 2, records: [] });
  });

  it('encodes an object of no chunks as a bare header', () => {
    const { bytes, chunks } = encodeObject([]);
    expect(chunks).toEqual([]);
    expect(bytes.length).toBe(OBJECT_HEADER_BYTES);
    expect(decodeObjectHeader(bytes)).toBe(0);
    expect(objectChunks(bytes)).toEqual([]);
  });
});

describe('storedRecordBytes', () => {
  it('counts timestamp, key, value and headers as stored, header names in UTF-8', () => {
    expect(storedRecordBytes(record(0, null))).toBe(8 + 4 + 4 + 4);
    expect(storedRecordBytes(record(0, 'abc', 'kk'))).toBe(8 + 4 + 2 + 4 + 3 + 4);
    expect(storedRecordBytes(record(0, '', null, [['ü', 'xyz']]))).toBe(8 + 4 + 4 + 4 + (4 + 2) + (4 + 3));
    expect(storedRecordBytes(record(0, null, null, [['a', ''], ['b', 'c']]))).toBe(20 + 9 + 10);
  });
});

describe('decodeObjectHeader and objectChunks', () => {
  const object = () => encodeObject([{ partition: 0, records: [record(1, 'a')] }, { partition: 1, records: [record(2, 'b')] }]).bytes;

  it('refuses an object shorter than its header, with a foreign magic or an unknown version', () => {
    expect(corruption(() => decodeObjectHeader(object().subarray(0, OBJECT_HEADER_BYTES - 1)))).toBe('stored data is corrupt: object shorter than its header');
    expect(decodeObjectHeader(object().subarray(0, OBJECT_HEADER_BYTES))).toBe(2);
    const magic = object();
    magic[3] = 0x5a;
    expect(corruption(() => decodeObjectHeader(magic))).toBe('stored data is corrupt: bad object magic');
    const version = object();
    version[4] = 2;
    expect(corruption(() => decodeObjectHeader(version))).toBe('stored data is corrupt: unsupported object version 2');
  });

  it('reads the header of an object inside a larger buffer', () => {
    const bytes = object();
    const padded = new Uint8Array(bytes.length + 7);
    padded.set(bytes, 7);
    const inner = padded.subarray(7);
    expect(decodeObjectHeader(inner)).toBe(2);
    expect(objectChunks(inner)).toEqual(objectChunks(bytes));
  });

  it('refuses a chunk table that runs past the object', () => {
    const bytes = object();
    const [, second] = objectChunks(bytes);
    expect(corruption(() => objectChunks(bytes.subarray(0, bytes.length - 1)))).toBe('stored data is corrupt: chunk overruns object');
    expect(objectChunks(bytes.subarray(0, second!.position + second!.length))).toHaveLength(2);
    expect(corruption(() => objectChunks(bytes.subarray(0, second!.position + 3)))).toBe('stored data is corrupt: chunk table overruns object');
    expect(corruption(() => objectChunks(bytes.subarray(0, second!.position)))).toBe('stored data is corrupt: chunk table overruns object');
    // Exactly the 4-byte length of the second chunk is there: the table is readable, the chunk is not.
    expect(corruption(() => objectChunks(bytes.subarray(0, second!.position + 4)))).toBe('stored data is corrupt: chunk overruns object');
  });
});

describe('decodeChunk', () => {
  const one = () => chunkBytes([{ partition: 3, records: [record(7, 'value', 'key', [['h', 'v']])] }]);

  it('decodes a chunk inside a larger buffer, and checks the partition only when asked', () => {
    const c = one();
    const padded = new Uint8Array(c.length + 5);
    padded.set(c, 5);
    const decoded = decodeChunk(padded.subarray(5));
    expect(decoded.partition).toBe(3);
    expect(decoded.records).toHaveLength(1);
    expect(decodeChunk(c, 3).partition).toBe(3);
    expect(corruption(() => decodeChunk(c, 0))).toBe('stored data is corrupt: chunk of partition 3, expected 0');
  });

  it('refuses a chunk shorter than its header, or whose length field disagrees', () => {
    const c = one();
    expect(corruption(() => decodeChunk(c.subarray(0, CHUNK_HEADER_BYTES - 1)))).toBe('stored data is corrupt: chunk shorter than its header');
    const header = resealed(c.slice(0, CHUNK_HEADER_BYTES), (view) => view.setUint32(16, 0));
    expect(decodeChunk(header)).toEqual({ partition: 3, records: [] });
    const long = c.slice();
    new DataView(long.buffer).setUint32(0, c.length);
    expect(corruption(() => decodeChunk(long))).toBe('stored data is corrupt: chunk length mismatch');
  });

  it('refuses a wrong checksum, and an unknown chunk version even with a right one', () => {
    const c = one();
    c[c.length - 1]! ^= 1;
    expect(corruption(() => decodeChunk(c))).toBe('stored data is corrupt: chunk checksum mismatch');
    const v2 = resealed(one(), (view) => view.setUint8(8, 2));
    expect(corruption(() => decodeChunk(v2))).toBe('stored data is corrupt: unsupported chunk version 2');
  });

  it('refuses records that overrun the chunk, whichever field overruns', () => {
    const c = one();
    // Layout of the one record: 36 ts(8) keylen(4) "key" vallen(4) "value" hcount(4) namelen(4) "h" vlen(4) "v"
    const keyLen = CHUNK_HEADER_BYTES + 8;
    const valueLen = keyLen + 4 + 3;
    const headerCount = valueLen + 4 + 5;
    const nameLen = headerCount + 4;
    const headerValueLen = nameLen + 4 + 1;
    const cases: Array<[string, (view: DataView, bytes: Uint8Array) => Uint8Array | void]> = [
      ['a second record is promised', (view) => view.setUint32(16, 2)],
      ['the key is longer than the chunk', (view) => view.setInt32(keyLen, 1000)],
      ['the key length is negative', (view) => view.setInt32(keyLen, -2)],
      ['the value is longer than the chunk', (view) => view.setInt32(valueLen, 1000)],
      ['two headers are promised', (view) => view.setUint32(headerCount, 2)],
      ['the header name is longer than the chunk', (view) => view.setInt32(nameLen, 100)],
      ['the header value is longer than the chunk', (view) => view.setInt32(headerValueLen, 2)],
      ['the timestamp is cut', (_view, bytes) => bytes.slice(0, keyLen - 1)],
      ['the key length is cut', (_view, bytes) => bytes.slice(0, keyLen + 3)],
      ['the header count is cut', (_view, bytes) => bytes.slice(0, headerCount + 3)],
    ];
    for (const [what, edit] of cases) {
      expect(corruption(() => decodeChunk(resealed(one(), edit))), what).toBe('stored data is corrupt: record overruns its chunk');
    }
    expect(decodeChunk(c).records[0]!.headers.map(([k]) => k)).toEqual(['h']);
  });

  it('refuses a null header name or value, and bytes after the last record', () => {
    const c = one();
    const nameLen = CHUNK_HEADER_BYTES + 8 + 4 + 3 + 4 + 5 + 4;
    const nullName = resealed(c.slice(), (view, bytes) => {
      // Replace name length + "h" (5 bytes) by -1 (4 bytes).
      const out = new Uint8Array(bytes.length - 1);
      out.set(bytes.subarray(0, nameLen));
      new DataView(out.buffer).setInt32(nameLen, -1);
      out.set(bytes.subarray(nameLen + 5), nameLen + 4);
      void view;
      return out;
    });
    expect(corruption(() => decodeChunk(nullName))).toBe('stored data is corrupt: null header');
    const valueAt = nameLen + 5;
    const nullValue = resealed(c.slice(), (_view, bytes) => {
      const out = new Uint8Array(bytes.length - 1);
      out.set(bytes.subarray(0, valueAt));
      new DataView(out.buffer).setInt32(valueAt, -1);
      return out;
    });
    expect(corruption(() => decodeChunk(nullValue))).toBe('stored data is corrupt: null header');
    const trailing = resealed(c.slice(), (_view, bytes) => {
      const out = new Uint8Array(bytes.length + 1);
      out.set(bytes);
      return out;
    });
    expect(corruption(() => decodeChunk(trailing))).toBe('stored data is corrupt: trailing bytes in chunk');
  });

  it('reads a header name that is not UTF-8 (behind a valid checksum) with U+FFFD instead of failing the read', () => {
    // The name "h" of the one record's header sits after ts(8) keylen(4) "key" vallen(4) "value" hcount(4) namelen(4).
    const nameAt = CHUNK_HEADER_BYTES + 8 + 4 + 3 + 4 + 5 + 4 + 4;
    const bad = resealed(one(), (_view, bytes) => {
      bytes[nameAt] = 0xff;
    });
    const [r] = decodeChunk(bad).records;
    expect(r!.headers.map(([name, value]) => [name, new TextDecoder().decode(value)])).toEqual([['\ufffd', 'v']]);
  });

  it('decodes a header name as UTF-8 and keeps empty keys, values and header values apart from null', () => {
    const c = chunkBytes([{ partition: 0, records: [{ timestamp: 0, key: new Uint8Array(), value: null, headers: [['ключ', new Uint8Array()]] }] }]);
    const [r] = decodeChunk(c).records;
    expect(r!.key).toEqual(new Uint8Array());
    expect(r!.value).toBeNull();
    expect(r!.headers).toEqual([['ключ', new Uint8Array()]]);
  });
});
