import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { COMPRESSION_CODECS, type CompressionCodec } from '../../../core/codec/compression.js';
import { crc32c } from '../../../core/codec/crc32c.js';
import { encodeObject } from '../../../core/codec/format.js';
import {
  chunkToBatch,
  decodeBatch,
  decodeBatches,
  encodeBatch,
  readBatchHeaders,
  withBaseOffset,
  type BatchRecordInput,
} from '../../../core/codec/record-batch.js';
import { EddyError } from '../../../core/errors.js';
import { fixture, HEX, KAFKAJS_RECORDS, PYTHON_RECORDS } from './fixtures/record-batch-fixtures.js';

const hex = (b: Uint8Array): string => Buffer.from(b).toString('hex');
const text = (s: string): Uint8Array => new TextEncoder().encode(s);

/** Records as plain comparable values. */
const plain = (records: ReadonlyArray<{ timestamp: number; key: Uint8Array | null; value: Uint8Array | null; headers?: ReadonlyArray<readonly [string, Uint8Array | null]> }>) =>
  records.map((r) => ({
    timestamp: r.timestamp,
    key: r.key === null ? null : hex(r.key),
    value: r.value === null ? null : hex(r.value),
    headers: (r.headers ?? []).map(([k, v]) => [k, v === null ? null : hex(v)]),
  }));

/** Rewrites a batch's CRC32C after a deliberate change, so the change itself is what is tested. */
function recrc(bytes: Uint8Array): Uint8Array {
  new DataView(bytes.buffer, bytes.byteOffset).setUint32(17, crc32c(bytes, 21, bytes.length));
  return bytes;
}

function codeOf(fn: () => unknown): string {
  try {
    fn();
  } catch (err) {
    if (err instanceof EddyError) return `${err.code}: ${err.message}`;
    throw err;
  }
  throw new Error('expected an EddyError, nothing was thrown');
}

const PYTHON_FIXTURES = [
  ['none', 'none'],
  ['gzip', 'gzip'],
  ['snappyXerial', 'snappy'],
  ['snappyRaw', 'snappy'],
  ['lz4', 'lz4'],
  ['zstd', 'zstd'],
  ['zstdStream', 'zstd'],
] as const;

describe('record batches written by real clients', () => {
  it.each(PYTHON_FIXTURES)('decodes kafka-python %s', (name, codec) => {
    const batch = decodeBatch(fixture(name));
    expect(batch.header.compression).toBe(codec);
    expect(batch.header.recordCount).toBe(4);
    expect(batch.header.lastOffsetDelta).toBe(3);
    expect(batch.header.baseTimestamp).toBe(1700000000000);
    expect(batch.header.maxTimestamp).toBe(1700000000005);
    expect(batch.header.timestampType).toBe('CreateTime');
    expect(batch.header.isTransactional).toBe(false);
    expect(batch.header.isControl).toBe(false);
    expect(batch.header.partitionLeaderEpoch).toBe(0);
    expect(plain(batch.records)).toEqual(plain(PYTHON_RECORDS));
    expect(batch.records.map((r) => r.offset)).toEqual([0, 1, 2, 3]);
  });

  it('reads the idempotent producer fields of a kafka-python batch', () => {
    const [header] = readBatchHeaders(fixture('gzip'));
    expect(header).toMatchObject({ producerId: 4242n, producerEpoch: 3, baseSequence: 17, compression: 'gzip' });
    const [plainHeader] = readBatchHeaders(fixture('none'));
    expect(plainHeader).toMatchObject({ producerId: -1n, producerEpoch: -1, baseSequence: -1 });
  });

  it.each([
    ['kafkajsNone', 'none', -1n],
    ['kafkajsGzip', 'gzip', 77n],
  ] as const)('decodes kafkajs %s', (name, codec, producerId) => {
    const batch = decodeBatch(fixture(name));
    expect(batch.header.compression).toBe(codec);
    expect(batch.header.producerId).toBe(producerId);
    expect(plain(batch.records)).toEqual(plain(KAFKAJS_RECORDS));
  });

  it('encodes the uncompressed kafka-python batch byte for byte', () => {
    const bytes = encodeBatch({ records: PYTHON_RECORDS.map((r) => ({ ...r, headers: r.headers })), partitionLeaderEpoch: 0 });
    expect(hex(bytes)).toBe(HEX.none);
  });

  it('splits concatenated batches of every client and codec without decompressing', () => {
    const names = Object.keys(HEX) as Array<keyof typeof HEX>;
    const all = Buffer.concat(names.map((n) => fixture(n)));
    const headers = readBatchHeaders(new Uint8Array(all));
    expect(headers.map((h) => h.length)).toEqual(names.map((n) => HEX[n].length / 2));
    let at = 0;
    headers.forEach((h) => {
      expect(h.position).toBe(at);
      at += h.length;
    });
  });
});

const bytesArb = fc.uint8Array({ maxLength: 64 });
const recordArb: fc.Arbitrary<BatchRecordInput> = fc.record({
  timestamp: fc.oneof(fc.constant(-1), fc.integer({ min: 0, max: 2 ** 45 })),
  key: fc.option(bytesArb, { nil: null }),
  value: fc.option(fc.uint8Array({ maxLength: 300 }), { nil: null }),
  headers: fc.array(fc.tuple(fc.string({ unit: 'grapheme', maxLength: 12 }), fc.option(bytesArb, { nil: null })), { maxLength: 4 }),
});

describe('round trips', () => {
  it.each(COMPRESSION_CODECS)('%s: any records come back as they went in', (codec) => {
    fc.assert(
      fc.property(fc.array(recordArb, { minLength: 1, maxLength: 30 }), fc.integer({ min: 0, max: 2 ** 40 }), (records, baseOffset) => {
        const bytes = encodeBatch({ records, compression: codec, baseOffset });
        const batch = decodeBatch(bytes);
        expect(batch.header.compression).toBe(codec);
        expect(batch.header.baseOffset).toBe(baseOffset);
        expect(plain(batch.records)).toEqual(plain(records));
        expect(batch.records.map((r) => r.offset)).toEqual(records.map((_, i) => baseOffset + i));
        const real = records.map((r) => r.timestamp);
        expect(batch.header.baseTimestamp).toBe(Math.min(...real));
        expect(batch.header.maxTimestamp).toBe(Math.max(...real));
      }),
      { numRuns: 40 },
    );
  });

  it.each(COMPRESSION_CODECS)('%s: a large batch (2 MiB, 2000 records) round-trips', (codec) => {
    const records = Array.from({ length: 2000 }, (_, i) => ({
      timestamp: 1_700_000_000_000 + i,
      key: text(`key-${i % 97}`),
      value: new Uint8Array(1024).map((_, j) => (i * 31 + j * (j % 7)) & 0xff),
      headers: [['seq', text(String(i))] as const],
    }));
    const bytes = encodeBatch({ records, compression: codec, producerId: 9n, producerEpoch: 2, baseSequence: 100 });
    const batch = decodeBatch(bytes);
    expect(batch.header).toMatchObject({ recordCount: 2000, producerId: 9n, producerEpoch: 2, baseSequence: 100 });
    expect(plain(batch.records)).toEqual(plain(records));
  });

  it('decodes several batches in a row, each offset following the last', () => {
    const a = encodeBatch({ records: [{ timestamp: 1, key: null, value: text('a') }, { timestamp: 2, key: null, value: text('b') }] });
    const b = encodeBatch({ records: [{ timestamp: 3, key: null, value: null }], compression: 'lz4' });
    const both = new Uint8Array(Buffer.concat([a, b]));
    const decoded = decodeBatches(both, { baseOffset: 40 });
    expect(decoded.flatMap((d) => d.records.map((r) => r.offset))).toEqual([40, 41, 42]);
    expect(decoded[1]!.records[0]!.value).toBeNull();
    expect(codeOf(() => decodeBatch(both))).toMatch(/^CORRUPT_MESSAGE: .*expected one record batch, found 2/);
  });

  it('rejects an empty batch and a bad timestamp before writing anything', () => {
    expect(codeOf(() => encodeBatch({ records: [] }))).toMatch(/^INVALID_REQUEST: .*at least one record/);
    expect(codeOf(() => encodeBatch({ records: [{ timestamp: -2, key: null, value: null }] }))).toMatch(/^INVALID_REQUEST: record 0 timestamp -2/);
    expect(codeOf(() => encodeBatch({ records: [{ timestamp: 1.5, key: null, value: null }] }))).toMatch(/^INVALID_REQUEST/);
  });

  it('keeps -1 timestamps (none given) as -1, beside real ones', () => {
    const records = [
      { timestamp: -1, key: null, value: text('x') },
      { timestamp: 1_700_000_000_000, key: null, value: text('y') },
    ];
    expect(decodeBatch(encodeBatch({ records })).records.map((r) => r.timestamp)).toEqual([-1, 1_700_000_000_000]);
  });
});

describe('corrupt batches', () => {
  const samples: Array<[string, Uint8Array]> = [
    ...(['none', 'gzip', 'snappyXerial', 'lz4', 'zstd'] as const).map((n) => [n, fixture(n)] as [string, Uint8Array]),
    ['two batches', new Uint8Array(Buffer.concat([fixture('none'), fixture('kafkajsGzip')]))],
  ];

  it.each(samples)('%s: a flipped bit anywhere in the CRC or the bytes it covers is CORRUPT_MESSAGE (DATA_CORRUPT when stored)', (_name, good) => {
    const headers = readBatchHeaders(good);
    const covered = headers.flatMap((h) => [h.position + 17, h.position + h.length]);
    fc.assert(
      fc.property(fc.nat(), fc.integer({ min: 0, max: 7 }), (n, bit) => {
        const which = n % headers.length;
        const [from, to] = [covered[which * 2]!, covered[which * 2 + 1]!];
        const bytes = good.slice();
        bytes[from + (n % (to - from))]! ^= 1 << bit;
        expect(codeOf(() => readBatchHeaders(bytes))).toMatch(/^CORRUPT_MESSAGE: corrupt record batch at byte \d+: /);
        expect(codeOf(() => decodeBatches(bytes, { stored: true }))).toMatch(/^DATA_CORRUPT: stored data is corrupt/);
      }),
      { numRuns: 300 },
    );
  });

  it('names the CRC mismatch', () => {
    const bytes = fixture('none');
    bytes[100]! ^= 4;
    expect(codeOf(() => readBatchHeaders(bytes))).toMatch(/CRC32C mismatch/);
  });

  it('every truncation is CORRUPT_MESSAGE, or a partial tail when asked', () => {
    const one = fixture('lz4');
    const two = new Uint8Array(Buffer.concat([fixture('none'), one]));
    const firstLength = fixture('none').length;
    for (let cut = 0; cut < one.length; cut++) {
      expect(codeOf(() => readBatchHeaders(one.subarray(0, cut)))).toMatch(/^CORRUPT_MESSAGE: .*(truncated|no record batch)/);
      const partial = readBatchHeaders(two.subarray(0, firstLength + cut), { allowPartialTail: true });
      expect(partial.batches).toHaveLength(1);
      expect(partial.partialTailBytes).toBe(cut);
    }
  });

  it('a lying batchLength is an error, never an allocation', () => {
    const bytes = fixture('none');
    const view = new DataView(bytes.buffer);
    view.setInt32(8, 0x7fffffff);
    expect(codeOf(() => readBatchHeaders(bytes))).toMatch(/truncated: batchLength 2147483647 but only \d+ bytes follow/);
    view.setInt32(8, 3);
    expect(codeOf(() => readBatchHeaders(bytes))).toMatch(/batchLength 3 is below the 49-byte minimum/);
    view.setInt32(8, -20);
    expect(codeOf(() => readBatchHeaders(bytes))).toMatch(/^CORRUPT_MESSAGE: .*batchLength -20/);
  });

  it('a lying records count is an error, never an allocation', () => {
    for (const name of ['none', 'zstd'] as const) {
      const bytes = fixture(name);
      const view = new DataView(bytes.buffer);
      view.setInt32(57, 0x7fffffff);
      view.setInt32(23, 0x7ffffffe);
      expect(codeOf(() => decodeBatch(recrc(bytes)))).toMatch(/2147483647 records cannot fit/);
      view.setInt32(57, 0);
      expect(codeOf(() => decodeBatch(recrc(bytes)))).toMatch(/records count 0: a batch must hold at least one record/);
      view.setInt32(57, 4);
      view.setInt32(23, 9);
      expect(codeOf(() => decodeBatch(recrc(bytes)))).toMatch(/lastOffsetDelta 9 does not match 4 records/);
    }
  });

  it('a lying record or field length inside a batch is an error', () => {
    const good = fixture('none');
    // Record 0 starts at 61 with its varint length (0x84 0x01 = 66); say 2^31 instead.
    const huge = new Uint8Array(Buffer.concat([good.subarray(0, 61), Buffer.from([0xfe, 0xff, 0xff, 0xff, 0x0f]), good.subarray(63)]));
    new DataView(huge.buffer).setInt32(8, huge.length - 12);
    expect(codeOf(() => decodeBatch(recrc(huge)))).toMatch(/record 0 length 2147483647 overruns the batch/);
    // Record 0's key length (0x0c = 6 at byte 66) says 63.
    const key = good.slice();
    key[66] = 0x7e;
    expect(codeOf(() => decodeBatch(recrc(key)))).toMatch(/^CORRUPT_MESSAGE: .*key length 63 overruns its record/);
  });

  it('a snappy block that claims a huge length is refused before it is allocated', () => {
    const good = fixture('snappyRaw');
    // The raw snappy block starts at 61 with its varint uncompressed length; claim 2^32 - 1.
    const bytes = new Uint8Array(Buffer.concat([good.subarray(0, 61), Buffer.from([0xff, 0xff, 0xff, 0xff, 0x0f]), good.subarray(63)]));
    new DataView(bytes.buffer).setInt32(8, bytes.length - 12);
    expect(codeOf(() => decodeBatch(recrc(bytes)))).toMatch(/^CORRUPT_MESSAGE: .*snappy records do not decompress: snappy: declares 4294967295 bytes/);
  });

  it.each(['gzip', 'snappy', 'lz4', 'zstd'] as const)('%s: a compression bomb stops at maxUncompressedBytes', (codec: CompressionCodec) => {
    const records = Array.from({ length: 8 }, () => ({ timestamp: 0, key: null, value: new Uint8Array(256 * 1024) }));
    const bytes = encodeBatch({ records, compression: codec });
    expect(bytes.length).toBeLessThan(256 * 1024);
    expect(codeOf(() => decodeBatch(bytes, { maxUncompressedBytes: 1024 * 1024 }))).toMatch(/^MESSAGE_TOO_LARGE: .*more than 1048576 bytes/);
    expect(decodeBatch(bytes).records).toHaveLength(8);
  });

  it('legacy message sets (magic 0 and 1) are refused by name', () => {
    for (const magic of [0, 1]) {
      const bytes = fixture('none');
      bytes[16] = magic;
      expect(codeOf(() => readBatchHeaders(bytes))).toMatch(new RegExp(`^CORRUPT_MESSAGE: .*legacy message set \\(magic ${magic}`));
    }
    const bytes = fixture('none');
    bytes[16] = 7;
    expect(codeOf(() => readBatchHeaders(bytes))).toMatch(/unknown magic 7/);
  });

  it('unknown compression ids are refused', () => {
    const bytes = fixture('none');
    bytes[22] = 5;
    expect(codeOf(() => readBatchHeaders(recrc(bytes)))).toMatch(/unknown compression id 5/);
  });

  it.each(['none', 'gzip', 'snappyXerial', 'snappyRaw', 'lz4', 'zstd', 'zstdStream'] as const)(
    '%s: random damage behind a valid CRC only ever ends in an EddyError',
    (name) => {
      const good = fixture(name);
      fc.assert(
        fc.property(fc.array(fc.tuple(fc.nat(), fc.integer({ min: 0, max: 255 })), { minLength: 1, maxLength: 6 }), (edits) => {
          const bytes = good.slice();
          for (const [at, value] of edits) bytes[61 + (at % (bytes.length - 61))] = value;
          try {
            decodeBatch(recrc(bytes), { maxUncompressedBytes: 1 << 20 });
          } catch (err) {
            expect(err).toBeInstanceOf(EddyError);
            expect(['CORRUPT_MESSAGE', 'MESSAGE_TOO_LARGE']).toContain((err as EddyError).code);
          }
        }),
        { numRuns: 120 },
      );
    },
  );
});

describe('serving stored batches', () => {
  it('writes base offsets into a copy, batch after batch, leaving CRCs valid', () => {
    const a = encodeBatch({ records: [1, 2, 3].map((t) => ({ timestamp: t, key: null, value: text(String(t)) })) });
    const b = fixture('zstd');
    const stored = new Uint8Array(Buffer.concat([a, b]));
    const served = withBaseOffset(stored, 1_000_000_000_123);
    expect(readBatchHeaders(served).map((h) => h.baseOffset)).toEqual([1_000_000_000_123, 1_000_000_000_126]);
    expect(decodeBatches(served).flatMap((d) => d.records.map((r) => r.offset))).toEqual([0, 1, 2, 3, 4, 5, 6].map((i) => 1_000_000_000_123 + i));
    expect(readBatchHeaders(stored).map((h) => h.baseOffset)).toEqual([0, 0]);
    const same = withBaseOffset(stored, 5, { inPlace: true });
    expect(same).toBe(stored);
    expect(readBatchHeaders(stored).map((h) => h.baseOffset)).toEqual([5, 8]);
    expect(readBatchHeaders(stored).map((h) => h.partitionLeaderEpoch)).toEqual([-1, 0]);
    const stamped = withBaseOffset(stored, 5, { partitionLeaderEpoch: 7 });
    expect(readBatchHeaders(stamped).map((h) => [h.baseOffset, h.partitionLeaderEpoch])).toEqual([
      [5, 7],
      [8, 7],
    ]);
  });

  it('refuses broken framing as DATA_CORRUPT', () => {
    const bytes = fixture('none');
    expect(codeOf(() => withBaseOffset(bytes.subarray(0, 70), 1))).toMatch(/^DATA_CORRUPT: .*batchLength overruns/);
  });

  it('turns a stored v1 chunk into a RecordBatch v2 with the same records', () => {
    const records = [
      { timestamp: 1_700_000_000_000, key: text('k'), value: text('v'), headers: [['h', text('x')] as const] },
      { timestamp: 1_700_000_000_007, key: null, value: null, headers: [] },
    ];
    const { bytes, chunks } = encodeObject([{ partition: 3, records }]);
    const chunk = bytes.subarray(chunks[0]!.position, chunks[0]!.position + chunks[0]!.length);
    const batch = decodeBatch(chunkToBatch(chunk, 3, 500));
    expect(plain(batch.records)).toEqual(plain(records));
    expect(batch.records.map((r) => r.offset)).toEqual([500, 501]);
    expect(batch.header).toMatchObject({ compression: 'none', producerId: -1n, baseTimestamp: 1_700_000_000_000, maxTimestamp: 1_700_000_000_007 });
    expect(codeOf(() => chunkToBatch(chunk, 4))).toMatch(/^DATA_CORRUPT: .*chunk of partition 3, expected 4/);
    const damaged = chunk.slice();
    damaged[50]! ^= 1;
    expect(codeOf(() => chunkToBatch(damaged, 3))).toMatch(/^DATA_CORRUPT: .*checksum/);
  });

  it('gives LogAppendTime records the batch maxTimestamp, as Kafka defines it', () => {
    const bytes = encodeBatch({ records: [{ timestamp: 5, key: null, value: null }, { timestamp: 9, key: null, value: null }] });
    bytes[22]! |= 0x08;
    const batch = decodeBatch(recrc(bytes));
    expect(batch.header.timestampType).toBe('LogAppendTime');
    expect(batch.records.map((r) => r.timestamp)).toEqual([9, 9]);
  });
});
