/**
 * RecordBatch v2 (core/codec/record-batch.ts) at its edges: varint sizes at
 * every byte boundary, the smallest records and headers a batch can hold, the
 * header flags, and every check a reader makes on a record, each exercised
 * behind a valid CRC32C (so the check itself, not the checksum, must catch it).
 */
import { describe, expect, it } from 'vitest';
import { crc32c } from '../../../core/codec/crc32c.js';
import { encodeObject } from '../../../core/codec/format.js';
import { chunkToBatch, decodeBatch, decodeBatches, encodeBatch, readBatchHeaders, withBaseOffset, type BatchRecordInput } from '../../../core/codec/record-batch.js';
import { EddyError } from '../../../core/errors.js';

const hex = (b: Uint8Array | null): string | null => (b === null ? null : Buffer.from(b).toString('hex'));
const text = (s: string): Uint8Array => new TextEncoder().encode(s);

function codeOf(fn: () => unknown): string {
  try {
    fn();
  } catch (err) {
    if (err instanceof EddyError) return `${err.code}: ${err.message}`;
    throw err;
  }
  throw new Error('expected an EddyError, nothing was thrown');
}

/** Zigzag varint bytes of `n`. */
function zz(n: number): number[] {
  let z = n >= 0 ? n * 2 : -n * 2 - 1;
  const out: number[] = [];
  while (z >= 0x80) {
    out.push((z % 0x80) | 0x80);
    z = Math.floor(z / 0x80);
  }
  out.push(z);
  return out;
}

/** One record's bytes as a client would write them (`body` is everything after the length). */
function record(fields: { offsetDelta?: number; timestampDelta?: number; key?: number[] | null; value?: number[] | null; headers?: Array<[number[] | null, number[] | null]>; tail?: number[] }): number[] {
  const field = (b: number[] | null | undefined): number[] => (b === null || b === undefined ? zz(-1) : [...zz(b.length), ...b]);
  const headers = fields.headers ?? [];
  const body = [0, ...zz(fields.timestampDelta ?? 0), ...zz(fields.offsetDelta ?? 0), ...field(fields.key), ...field(fields.value), ...zz(headers.length), ...headers.flatMap(([k, v]) => [...field(k), ...field(v)]), ...(fields.tail ?? [])];
  return [...zz(body.length), ...body];
}

/** An uncompressed batch of exactly these record bytes (count defaults to `records.length`), CRC valid. */
function batch(records: number[][], count = records.length, after: number[] = []): Uint8Array {
  const header = encodeBatch({ records: [{ timestamp: 1000, key: null, value: null }] }).subarray(0, 61);
  const bytes = new Uint8Array([...header, ...records.flat(), ...after]);
  const view = new DataView(bytes.buffer);
  view.setInt32(8, bytes.length - 12);
  view.setInt32(23, count - 1);
  view.setInt32(57, count);
  view.setUint32(17, crc32c(bytes, 21, bytes.length));
  return bytes;
}

const plain = (records: ReadonlyArray<{ timestamp: number; key: Uint8Array | null; value: Uint8Array | null; headers?: ReadonlyArray<readonly [string, Uint8Array | null]> }>) =>
  records.map((r) => ({ timestamp: r.timestamp, key: hex(r.key), value: hex(r.value), headers: (r.headers ?? []).map(([k, v]) => [k, hex(v)]) }));

describe('varint sizes', () => {
  // Each pair straddles a varint byte boundary: 1 to 8 bytes (zigzag doubles, so 2^6, 2^13, ...).
  const edges = [0, 1, 63, 64, 8191, 8192, 2 ** 20 - 1, 2 ** 20, 2 ** 27 - 1, 2 ** 27, 2 ** 34 - 1, 2 ** 34, 2 ** 41 - 1, 2 ** 41, 2 ** 48 - 1, 2 ** 48, 2 ** 52];

  it('encodes a timestamp delta at every varint size boundary and reads it back', () => {
    const records: BatchRecordInput[] = edges.map((delta) => ({ timestamp: delta, key: null, value: null }));
    const bytes = encodeBatch({ records });
    const decoded = decodeBatch(bytes);
    expect(decoded.records.map((r) => r.timestamp)).toEqual(edges);
    expect(decoded.header.baseTimestamp).toBe(0);
    expect(decoded.header.maxTimestamp).toBe(2 ** 52);
    // Exactly as long as the records need: length varint + attributes + delta + offset delta + null key, value + 0 headers.
    const expected = edges.reduce((n, delta, i) => {
      const body = 1 + zz(delta).length + zz(i).length + 3;
      return n + zz(body).length + body;
    }, 61);
    expect(bytes.length).toBe(expected);
  });

  it('encodes keys, values and header values at every length boundary up to 3 varint bytes', () => {
    for (const n of [0, 63, 64, 8191, 8192]) {
      const value = new Uint8Array(n).map((_, i) => i & 0xff);
      const records = [{ timestamp: 5, key: value, value, headers: [['h', value] as const, ['x'.repeat(n), null] as const] }];
      const bytes = encodeBatch({ records });
      expect(plain(decodeBatch(bytes).records), `length ${n}`).toEqual(plain(records));
      expect(bytes.length, `length ${n}`).toBe(61 + decodeBatch(bytes).header.length - 61);
    }
  });

  it('writes offset deltas past one varint byte (more than 64 records)', () => {
    const records = Array.from({ length: 8200 }, (_, i) => ({ timestamp: 7, key: null, value: i % 2 ? null : text(String(i)) }));
    const decoded = decodeBatch(encodeBatch({ records, baseOffset: 10 }));
    expect(decoded.records).toHaveLength(8200);
    expect(decoded.records[8199]!.offset).toBe(8209);
    expect(decoded.records[64]!.value).toEqual(text('64'));
  });
});

describe('smallest records', () => {
  it('decodes a batch of 7-byte records (null key and value, no headers), compressed or not', () => {
    for (const compression of ['none', 'gzip', 'lz4'] as const) {
      const records = [{ timestamp: 3, key: null, value: null }];
      const bytes = encodeBatch({ records, compression });
      if (compression === 'none') expect(bytes.length).toBe(61 + 7);
      expect(plain(decodeBatch(bytes).records)).toEqual(plain(records));
    }
    const eight = Array.from({ length: 8 }, (_, i) => record({ offsetDelta: i }));
    expect(eight[0]).toHaveLength(7);
    expect(decodeBatch(batch(eight)).records).toHaveLength(8);
  });

  it('decodes headers of an empty name and a null value, two bytes each, filling their record', () => {
    const bytes = batch([record({ headers: [[[], null], [[], null], [[], []]] })]);
    expect(decodeBatch(bytes).records[0]!.headers).toEqual([
      ['', null],
      ['', null],
      ['', new Uint8Array(0)],
    ]);
  });

  it('decodes a batch whose batchLength is the 49-byte minimum up to the records it claims', () => {
    const header = batch([]);
    expect(header.length).toBe(61);
    expect(codeOf(() => readBatchHeaders(header))).toBe('CORRUPT_MESSAGE: corrupt record batch at byte 0: records count 0: a batch must hold at least one record');
    expect(codeOf(() => readBatchHeaders(batch([], 1)))).toBe('CORRUPT_MESSAGE: corrupt record batch at byte 0: 1 records cannot fit in 0 bytes');
  });
});

describe('batch header', () => {
  it('reads the transactional and control flags and the producer fields', () => {
    const bytes = encodeBatch({ records: [{ timestamp: 1, key: null, value: null }], producerId: 12n, producerEpoch: 4, baseSequence: 99, partitionLeaderEpoch: 6, baseOffset: 2 ** 40 });
    expect(readBatchHeaders(bytes)[0]).toMatchObject({ isTransactional: false, isControl: false, producerId: 12n, producerEpoch: 4, baseSequence: 99, partitionLeaderEpoch: 6, baseOffset: 2 ** 40 });
    const flagged = bytes.slice();
    flagged[22]! |= 0x30;
    new DataView(flagged.buffer).setUint32(17, crc32c(flagged, 21, flagged.length));
    expect(readBatchHeaders(flagged)[0]).toMatchObject({ isTransactional: true, isControl: true, timestampType: 'CreateTime', compression: 'none' });
    const transactional = bytes.slice();
    transactional[22]! |= 0x10;
    new DataView(transactional.buffer).setUint32(17, crc32c(transactional, 21, transactional.length));
    expect(readBatchHeaders(transactional)[0]).toMatchObject({ isTransactional: true, isControl: false });
  });

  it('writes the defaults: offset 0, no producer, no leader epoch, no sequence', () => {
    const [h] = readBatchHeaders(encodeBatch({ records: [{ timestamp: 1, key: null, value: null }] }));
    expect(h).toMatchObject({ baseOffset: 0, producerId: -1n, producerEpoch: -1, baseSequence: -1, partitionLeaderEpoch: -1, recordCount: 1, lastOffsetDelta: 0, length: 68, position: 0 });
  });

  it('answers an empty buffer with no batches when a partial tail is allowed, and refuses it otherwise', () => {
    expect(readBatchHeaders(new Uint8Array(0), { allowPartialTail: true })).toEqual({ batches: [], partialTailBytes: 0 });
    expect(codeOf(() => readBatchHeaders(new Uint8Array(0)))).toBe('CORRUPT_MESSAGE: corrupt record batch at byte 0: no record batch');
    expect(codeOf(() => readBatchHeaders(new Uint8Array(0), { stored: true }))).toBe('DATA_CORRUPT: stored data is corrupt: record batch at byte 0: no record batch');
    const one = encodeBatch({ records: [{ timestamp: 1, key: null, value: null }] });
    expect(readBatchHeaders(one, { allowPartialTail: true })).toMatchObject({ batches: [{ length: one.length }], partialTailBytes: 0 });
  });

  it('names a cut prefix and a cut batch in the error, at the batch they concern', () => {
    const one = encodeBatch({ records: [{ timestamp: 1, key: null, value: text('v') }] });
    const two = new Uint8Array([...one, ...one.subarray(0, 11)]);
    expect(codeOf(() => readBatchHeaders(two))).toBe(`CORRUPT_MESSAGE: corrupt record batch at byte ${one.length}: truncated: 11 bytes left, fewer than the 12-byte batch prefix`);
    const cut = new Uint8Array([...one, ...one.subarray(0, 30)]);
    expect(codeOf(() => readBatchHeaders(cut))).toBe(`CORRUPT_MESSAGE: corrupt record batch at byte ${one.length}: truncated: batchLength ${one.length - 12} but only 18 bytes follow`);
    const exact = new Uint8Array([...one, ...one]);
    expect(readBatchHeaders(exact).map((h) => h.position)).toEqual([0, one.length]);
  });
});

describe('records behind a valid CRC', () => {
  const fail = (bytes: Uint8Array): string => codeOf(() => decodeBatch(bytes));
  const at = 'CORRUPT_MESSAGE: corrupt record batch at byte 0: ';

  it('refuses a record whose offset delta is not its index', () => {
    expect(fail(batch([record({}), record({ offsetDelta: 5 })]))).toBe(`${at}record 1 has offsetDelta 5`);
    expect(decodeBatch(batch([record({}), record({ offsetDelta: 1 })])).records.map((r) => r.offset)).toEqual([0, 1]);
  });

  it('refuses record lengths below the 6-byte minimum or past the batch', () => {
    const short = [...zz(5), 0, 0, 0, 1, 1, 0];
    expect(fail(batch([short]))).toBe(`${at}record 0 length 5 overruns the batch`);
    const over = record({});
    over[0] = 7 * 2;
    expect(fail(batch([over]))).toBe(`${at}record 0 length 7 overruns the batch`);
    expect(fail(batch([[...zz(-3), 0, 0, 0, 1, 1, 0]]))).toBe(`${at}record 0 length -3 overruns the batch`);
  });

  it('refuses negative lengths other than -1, and lengths past the record', () => {
    expect(fail(batch([record({ key: [1], tail: [] }).map((b, i) => (i === 4 ? 3 : b))]))).toBe(`${at}key length -2 overruns its record`);
    const neg = record({ key: [] });
    // key length varint -100 (two bytes) instead of 0, the record length adjusted.
    const body = [0, 0, 0, ...zz(-100), 1, 0];
    expect(neg).toHaveLength(7);
    expect(fail(batch([[...zz(body.length), ...body]]))).toBe(`${at}key length -100 overruns its record`);
    const value = [0, 0, 0, 1, ...zz(4), 0x61, 0x62, 0];
    expect(fail(batch([[...zz(value.length), ...value]]))).toBe(`${at}value length 4 overruns its record`);
    // The header value runs to the very end of its record: fine.
    expect(decodeBatch(batch([record({ headers: [[[0x68], [1, 2, 3]]] })])).records[0]!.headers).toEqual([['h', new Uint8Array([1, 2, 3])]]);
  });

  it('refuses header counts that are negative or cannot fit, null header keys, and keys that are not UTF-8', () => {
    const negative = [0, 0, 0, 1, 1, ...zz(-1)];
    expect(fail(batch([[...zz(negative.length), ...negative]]))).toBe(`${at}record 0 header count -1 overruns its record`);
    const many = [0, 0, 0, 1, 1, ...zz(2), 0, 1];
    expect(fail(batch([[...zz(many.length), ...many]]))).toBe(`${at}record 0 header count 2 overruns its record`);
    expect(fail(batch([record({ headers: [[null, [1]]] })]))).toBe(`${at}record 0 has a null header key`);
    expect(fail(batch([record({ headers: [[[0xff, 0xfe], [1]]] })]))).toBe(`${at}record 0 header key is not UTF-8`);
    expect(codeOf(() => decodeBatch(batch([record({ headers: [[[0xc3], null]] })]), { stored: true }))).toBe('DATA_CORRUPT: stored data is corrupt: record batch at byte 0: record 0 header key is not UTF-8');
  });

  it('refuses bytes left inside a record after its headers, and after the last record', () => {
    expect(fail(batch([record({ tail: [9] })]))).toBe(`${at}record 0 has 1 bytes past its headers`);
    expect(fail(batch([record({})], 1, [9, 9]))).toBe(`${at}2 bytes past the last record`);
  });

  it('refuses varints longer than their type allows, and varlongs beyond 2^53', () => {
    // A record length of 6 written in 6 bytes (a varint has at most 5).
    expect(fail(batch([[0x8c, 0x80, 0x80, 0x80, 0x80, 0x00, 0, 0, 0, 1, 1, 0]]))).toBe(`${at}varint too long`);
    // The same in 5 bytes is fine.
    expect(decodeBatch(batch([[0x8c, 0x80, 0x80, 0x80, 0x00, 0, 0, 0, 1, 1, 0]])).records).toHaveLength(1);
    // A timestamp delta in 10 bytes is fine; in 11 it is not.
    const ts10 = [0, 0x82, 0x80, 0x80, 0x80, 0x80, 0x80, 0x80, 0x80, 0x80, 0x00, 0, 1, 1, 0];
    expect(decodeBatch(batch([[...zz(ts10.length), ...ts10]])).records[0]!.timestamp).toBe(1000 + 1);
    const ts11 = [0, 0x82, 0x80, 0x80, 0x80, 0x80, 0x80, 0x80, 0x80, 0x80, 0x80, 0x00, 0, 1, 1, 0];
    expect(fail(batch([[...zz(ts11.length), ...ts11]]))).toBe(`${at}varint too long`);
    // Timestamp deltas from -2^52 to 2^53 - 1 are exact; 2^53 and -2^52 - 1 are more than a JavaScript number holds.
    const delta = (d: number | number[]): number[] => {
      const body = [0, ...(typeof d === 'number' ? zz(d) : d), 0, 1, 1, 0];
      return [...zz(body.length), ...body];
    };
    expect(decodeBatch(batch([delta(2 ** 53 - 1 - 1000)])).records[0]!.timestamp).toBe(2 ** 53 - 1);
    expect(decodeBatch(batch([delta(-(2 ** 52))])).records[0]!.timestamp).toBe(1000 - 2 ** 52);
    expect(fail(batch([delta(2 ** 53)]))).toBe(`${at}varlong out of range`);
    // zigzag(-2^52 - 1) = 2^53 + 1, written by hand (a double cannot hold it).
    expect(fail(batch([delta([0x81, 0x80, 0x80, 0x80, 0x80, 0x80, 0x80, 0x10])]))).toBe(`${at}varlong out of range`);
    // A negative timestamp delta of several bytes (a client's baseTimestamp above a record's).
    expect(decodeBatch(batch([delta(-300)])).records[0]!.timestamp).toBe(1000 - 300);
    // A varint cut by the end of its record: its first byte, or a later one.
    expect(fail(batch([[...zz(6), 0, 0, 0, ...zz(1), 0x61, 1]]))).toBe(`${at}record overruns its length`);
    expect(fail(batch([[...zz(6), 0, 0x80, 0x80, 0x80, 0x80, 0x80]]))).toBe(`${at}record overruns its length`);
  });

  it('gives each batch of several its own base offset unless one is given, and the given one to a single batch', () => {
    const a = encodeBatch({ records: [{ timestamp: 1, key: null, value: null }, { timestamp: 2, key: null, value: null }], baseOffset: 100 });
    const b = encodeBatch({ records: [{ timestamp: 3, key: null, value: null }], baseOffset: 7 });
    const both = new Uint8Array([...a, ...b]);
    expect(decodeBatches(both).map((d) => d.records.map((r) => r.offset))).toEqual([[100, 101], [7]]);
    expect(decodeBatches(both, { baseOffset: 0 }).map((d) => d.records.map((r) => r.offset))).toEqual([[0, 1], [2]]);
    expect(decodeBatch(a, { baseOffset: 50 }).records.map((r) => r.offset)).toEqual([50, 51]);
    expect(decodeBatch(a).records.map((r) => r.offset)).toEqual([100, 101]);
    expect(codeOf(() => decodeBatch(both, { stored: true }))).toBe(`DATA_CORRUPT: stored data is corrupt: record batch at byte ${a.length}: expected one record batch, found 2`);
  });

  it('bounds only what decompresses: an uncompressed batch larger than maxUncompressedBytes decodes', () => {
    const records = [{ timestamp: 1, key: null, value: new Uint8Array(2000) }];
    expect(decodeBatch(encodeBatch({ records }), { maxUncompressedBytes: 1000 }).records[0]!.value).toHaveLength(2000);
    expect(codeOf(() => decodeBatch(encodeBatch({ records, compression: 'gzip' }), { maxUncompressedBytes: 1000 }))).toBe('MESSAGE_TOO_LARGE: gzip batch decompresses to more than 1000 bytes');
  });

  it('refuses compressed records that are too few bytes for their count, or do not decompress', () => {
    const gz = encodeBatch({ records: [{ timestamp: 1, key: null, value: null }], compression: 'gzip' });
    const view = new DataView(gz.buffer);
    view.setInt32(57, 2);
    view.setInt32(23, 1);
    view.setUint32(17, crc32c(gz, 21, gz.length));
    expect(codeOf(() => decodeBatch(gz))).toBe('CORRUPT_MESSAGE: corrupt record batch at byte 0: 2 records cannot fit in 7 decompressed bytes');
    const broken = encodeBatch({ records: [{ timestamp: 1, key: null, value: text('v') }], compression: 'gzip' });
    broken[broken.length - 1]! ^= 0xff; // the gzip trailer's length
    new DataView(broken.buffer).setUint32(17, crc32c(broken, 21, broken.length));
    expect(codeOf(() => decodeBatch(broken, { stored: true }))).toMatch(/^DATA_CORRUPT: stored data is corrupt: record batch at byte 0: gzip records do not decompress: /);
  });
});

describe('encodeBatch', () => {
  it('refuses timestamps below -1, fractional or unsafe, naming the record', () => {
    const ok = { timestamp: 1, key: null, value: null };
    for (const ts of [-2, 0.5, 2 ** 53, Number.NaN]) {
      expect(codeOf(() => encodeBatch({ records: [ok, { timestamp: ts, key: null, value: null }] }))).toBe(`INVALID_REQUEST: record 1 timestamp ${ts} must be -1 or a non-negative integer of milliseconds`);
    }
    expect(decodeBatch(encodeBatch({ records: [{ timestamp: 2 ** 53 - 1, key: null, value: null }] })).records[0]!.timestamp).toBe(2 ** 53 - 1);
    expect(codeOf(() => encodeBatch({ records: [ok], compression: 'brotli' as never }))).toBe('INVALID_REQUEST: unknown compression codec "brotli"');
  });

  it('writes the same header name bytes for many names in turn (the name cache never mixes them up)', () => {
    const records = Array.from({ length: 600 }, (_, i) => ({ timestamp: i, key: null, value: null, headers: [[`name-${i}`, text(String(i))] as const, ['ü', null] as const] }));
    const again = records.slice(0, 300);
    for (const rs of [records, again]) {
      const decoded = decodeBatch(encodeBatch({ records: rs })).records;
      expect(decoded.map((r) => r.headers[0]![0])).toEqual(rs.map((_, i) => `name-${i}`));
      expect(decoded.every((r) => r.headers[1]![0] === 'ü' && r.headers[1]![1] === null)).toBe(true);
    }
  });
});

describe('serving stored batches', () => {
  const one = () => encodeBatch({ records: [{ timestamp: 1, key: null, value: text('v') }, { timestamp: 2, key: null, value: null }] });

  it('refuses a header cut short, a batchLength past the bytes or below a header, as DATA_CORRUPT', () => {
    const b = one();
    expect(codeOf(() => withBaseOffset(b.subarray(0, 60), 1))).toBe('DATA_CORRUPT: stored data is corrupt: record batch at byte 0: truncated batch header');
    expect(codeOf(() => withBaseOffset(new Uint8Array([...b, ...b.subarray(0, 60)]), 1))).toBe(`DATA_CORRUPT: stored data is corrupt: record batch at byte ${b.length}: truncated batch header`);
    const small = b.slice();
    new DataView(small.buffer).setInt32(8, 48);
    expect(codeOf(() => withBaseOffset(small, 1))).toBe('DATA_CORRUPT: stored data is corrupt: record batch at byte 0: batchLength overruns the bytes');
    const long = b.slice();
    new DataView(long.buffer).setInt32(8, b.length - 11);
    expect(codeOf(() => withBaseOffset(long, 1))).toBe('DATA_CORRUPT: stored data is corrupt: record batch at byte 0: batchLength overruns the bytes');
    // A 61-byte batch (batchLength 49) is well framed, whatever its records.
    const bare = b.slice(0, 61);
    new DataView(bare.buffer).setInt32(8, 49);
    expect(readBatchHeaders.length).toBeGreaterThan(0);
    expect(new DataView(withBaseOffset(bare, 9).buffer).getBigInt64(0)).toBe(9n);
    expect(withBaseOffset(new Uint8Array(0), 9)).toHaveLength(0);
  });

  it('turns an empty v1 chunk into no batch, and starts at offset 0 by default', () => {
    const { bytes, chunks } = encodeObject([
      { partition: 1, records: [] },
      { partition: 1, records: [{ timestamp: 4, key: null, value: text('a'), headers: [] }] },
    ]);
    const chunk = (i: number) => bytes.subarray(chunks[i]!.position, chunks[i]!.position + chunks[i]!.length);
    expect(chunkToBatch(chunk(0), 1)).toHaveLength(0);
    expect(decodeBatch(chunkToBatch(chunk(1), 1)).records.map((r) => [r.offset, r.timestamp])).toEqual([[0, 4]]);
  });
});
