/**
 * The binary fetch route's shaping (core/log/fetch-batches.ts) as its reader
 * sees it: which stored batches come back for an offset, where `nextOffset`
 * points, how a batch larger than the answer bound is cut to records that fit
 * (never more bytes than the bound), and which codecs pass through.
 */
import { beforeEach, describe, expect, it } from 'vitest';
import { crc32c } from '../../../core/codec/crc32c.js';
import { decodeBatches, encodeBatch, readBatchHeaders, type BatchRecordInput } from '../../../core/codec/record-batch.js';
import type { Log } from '../../../core/index.js';
import { dec, enc, expectCode, memoryEddy } from '../helpers.js';

let log: Log;

const concatBytes = (parts: Uint8Array[]): Uint8Array => {
  const out = new Uint8Array(parts.reduce((n, p) => n + p.length, 0));
  let at = 0;
  for (const p of parts) {
    out.set(p, at);
    at += p.length;
  }
  return out;
};

beforeEach(async () => {
  log = memoryEddy().log;
  await log.createTopic({ name: 't', partitions: 1, config: { maxMessageBytes: 100_000 } });
});

const records = (prefix: string, n: number, extra: Partial<BatchRecordInput> = {}): BatchRecordInput[] =>
  Array.from({ length: n }, (_, i) => ({ timestamp: 1_000 + i, key: null, value: enc(`${prefix}${i}`), headers: [], ...extra }));

/** Appends several batches in one Kafka-path request: they are stored as one chunk. */
async function oneChunk(...batches: BatchRecordInput[][]): Promise<void> {
  const bytes = concatBytes(batches.map((r) => encodeBatch({ records: r })));
  const [out] = await log.appendBatches({ topic: 't', partitions: [{ partition: 0, batches: bytes }] });
  expect(out).toMatchObject({ baseOffset: expect.any(Number) });
}

const bases = (batches: Uint8Array[]) => batches.flatMap((b) => readBatchHeaders(b).map((h) => h.baseOffset));
const values = (batches: Uint8Array[]) => batches.flatMap((b) => decodeBatches(b).flatMap((x) => x.records.map((r) => [r.offset, dec(r.value)])));

describe('binary fetch: which batches', () => {
  it('skips the batches of a stored chunk that end before the offset, and serves the one holding it whole', async () => {
    await oneChunk(records('a', 3), records('b', 3), records('c', 3));
    const out = await log.fetchBatches({ topic: 't', partition: 0, offset: 4 });
    expect(bases(out.batches)).toEqual([3, 6]);
    expect(out).toMatchObject({ nextOffset: 9, highWatermark: 9, logStartOffset: 0 });
    expect(bases((await log.fetchBatches({ topic: 't', partition: 0, offset: 3 })).batches)).toEqual([3, 6]);
    expect(bases((await log.fetchBatches({ topic: 't', partition: 0, offset: 2 })).batches)).toEqual([0, 3, 6]);
  });

  it('stops before a batch that starts at or past offset + maxRecords, and says where to go on', async () => {
    await oneChunk(records('a', 3), records('b', 3), records('c', 3));
    let out = await log.fetchBatches({ topic: 't', partition: 0, offset: 0, maxRecords: 3 });
    expect([bases(out.batches), out.nextOffset]).toEqual([[0], 3]);
    out = await log.fetchBatches({ topic: 't', partition: 0, offset: 1, maxRecords: 3 });
    expect([bases(out.batches), out.nextOffset]).toEqual([[0, 3], 4]);
    out = await log.fetchBatches({ topic: 't', partition: 0, offset: 0, maxRecords: 1 });
    expect([bases(out.batches), out.nextOffset]).toEqual([[0], 1]);
  });

  it('answers nothing at the high-water mark, with nextOffset there', async () => {
    await oneChunk(records('a', 2));
    expect(await log.fetchBatches({ topic: 't', partition: 0, offset: 2 })).toEqual({ partition: 0, highWatermark: 2, logStartOffset: 0, nextOffset: 2, batches: [] });
  });
});

describe('binary fetch: the answer bound', () => {
  it('stops before the batch that would cross the bound once one batch is in', async () => {
    await oneChunk(records('a', 3), records('b', 3), records('c', 3));
    const size = encodeBatch({ records: records('a', 3) }).length;
    let out = await log.fetchBatches({ topic: 't', partition: 0, offset: 0, maxAnswerBytes: 2 * size });
    expect([bases(out.batches), out.nextOffset]).toEqual([[0, 3], 6]);
    out = await log.fetchBatches({ topic: 't', partition: 0, offset: 0, maxAnswerBytes: 2 * size - 1 });
    expect([bases(out.batches), out.nextOffset]).toEqual([[0], 3]);
  });

  it('cuts a first batch larger than the bound to the records from the offset that fit, never more bytes than the bound', async () => {
    const heavy = Array.from({ length: 8 }, (_, i) => ({
      timestamp: 1_000 + i,
      key: enc(`key-${i}`.repeat(5)),
      value: enc(`value-${i}`.repeat(8)),
      headers: [
        ['trace-id-é', enc('x'.repeat(20))],
        ['empty', null],
      ] as Array<[string, Uint8Array | null]>,
    }));
    await oneChunk(heavy);
    const whole = encodeBatch({ records: heavy }).length;
    for (const limit of [260, 300, 450, 600, whole - 1]) {
      for (const offset of [0, 3]) {
        const out = await log.fetchBatches({ topic: 't', partition: 0, offset, maxAnswerBytes: limit });
        expect(out.batches).toHaveLength(1);
        const batch = out.batches[0]!;
        expect(batch.length).toBeLessThanOrEqual(limit);
        const [decoded] = decodeBatches(batch);
        const offsets = decoded!.records.map((r) => r.offset);
        expect(offsets[0]).toBe(offset);
        expect(offsets).toEqual(offsets.map((_, i) => offset + i));
        expect(out.nextOffset).toBe(offset + offsets.length);
        expect(offsets.length).toBeLessThanOrEqual(8 - offset);
        if (offset === 0) expect(offsets.length).toBeLessThan(8);
        // The records come back as stored.
        expect(decoded!.records.map((r) => [dec(r.key), dec(r.value), r.headers.map(([k, v]) => [k, v && dec(v)])])).toEqual(
          heavy.slice(offset, offset + offsets.length).map((r) => [dec(r.key), dec(r.value), r.headers.map(([k, v]) => [k, v && dec(v)])]),
        );
      }
    }
    // A generous bound takes more records than a tight one.
    const tight = await log.fetchBatches({ topic: 't', partition: 0, offset: 0, maxAnswerBytes: 300 });
    const loose = await log.fetchBatches({ topic: 't', partition: 0, offset: 0, maxAnswerBytes: whole - 1 });
    expect(loose.nextOffset).toBeGreaterThan(tight.nextOffset);
  });

  it('cuts no further than maxRecords', async () => {
    await oneChunk(records('a', 6));
    const whole = encodeBatch({ records: records('a', 6) }).length;
    const out = await log.fetchBatches({ topic: 't', partition: 0, offset: 1, maxRecords: 2, maxAnswerBytes: whole - 1 });
    expect(out.nextOffset).toBe(3);
    expect(values(out.batches).slice(0, 2)).toEqual([
      [1, 'a1'],
      [2, 'a2'],
    ]);
  });

  it('refuses a record that alone is larger than the bound, naming its offset and the next one', async () => {
    await oneChunk([{ timestamp: 1, key: null, value: new Uint8Array(500), headers: [] }, { timestamp: 2, key: null, value: new Uint8Array(10), headers: [] }]);
    const err = await expectCode(log.fetchBatches({ topic: 't', partition: 0, offset: 0, maxAnswerBytes: 300 }), 'MESSAGE_TOO_LARGE');
    expect(err.message).toContain('the record at offset 0 of t/0 is about 524 bytes');
    expect(err.message).toContain('(300)');
    expect(err.message).toContain('go on from offset 1');
    expect(values((await log.fetchBatches({ topic: 't', partition: 0, offset: 1, maxAnswerBytes: 300 })).batches)).toEqual([[1, '\0'.repeat(10)]]);
  });
});

describe('binary fetch: codecs', () => {
  it('re-encodes every compressed batch the reader did not name, at its own base offset, and passes the named ones', async () => {
    const bytes = concatBytes([encodeBatch({ records: records('g', 2), compression: 'gzip' }), encodeBatch({ records: records('n', 2) }), encodeBatch({ records: records('z', 2), compression: 'zstd' })]);
    await log.appendBatches({ topic: 't', partitions: [{ partition: 0, batches: bytes }] });
    const plain = await log.fetchBatches({ topic: 't', partition: 0, offset: 0 });
    expect(plain.batches.map((b) => readBatchHeaders(b).map((h) => [h.baseOffset, h.compression]))).toEqual([[[0, 'none']], [[2, 'none']], [[4, 'none']]]);
    expect(values(plain.batches)).toEqual([
      [0, 'g0'],
      [1, 'g1'],
      [2, 'n0'],
      [3, 'n1'],
      [4, 'z0'],
      [5, 'z1'],
    ]);
    const gzip = await log.fetchBatches({ topic: 't', partition: 0, offset: 0, codecs: new Set(['none', 'gzip']) });
    expect(gzip.batches.map((b) => readBatchHeaders(b)[0]!.compression)).toEqual(['gzip', 'none', 'none']);
  });
});

describe('binary fetch: sizing and stored bytes', () => {
  it('counts a record as its key, value and 24 bytes, plus the 61-byte batch header, when cutting: exactly at the bound fits', async () => {
    await oneChunk(Array.from({ length: 3 }, (_, i) => ({ timestamp: 1_000 + i, key: null, value: new Uint8Array(100), headers: [] })));
    const next = async (maxAnswerBytes: number) => (await log.fetchBatches({ topic: 't', partition: 0, offset: 0, maxAnswerBytes })).nextOffset;
    expect(await next(61 + 124 + 124)).toBe(2);
    expect(await next(61 + 124 + 123)).toBe(1);
    expect(await next(61 + 124)).toBe(1);
    await expectCode(log.fetchBatches({ topic: 't', partition: 0, offset: 0, maxAnswerBytes: 61 + 123 }), 'MESSAGE_TOO_LARGE');
  });

  it('never answers more bytes than the bound for records with big keys, long header names, big header values or no value', async () => {
    const shapes: BatchRecordInput[][] = [
      Array.from({ length: 6 }, (_, i) => ({ timestamp: i, key: new Uint8Array(150), value: enc('v'), headers: [] })),
      Array.from({ length: 6 }, (_, i) => ({ timestamp: i, key: null, value: enc('v'), headers: [['h'.repeat(120), enc('x')]] as Array<[string, Uint8Array | null]> })),
      Array.from({ length: 6 }, (_, i) => ({ timestamp: i, key: null, value: enc('v'), headers: [['h', new Uint8Array(150)]] as Array<[string, Uint8Array | null]> })),
      Array.from({ length: 6 }, (_, i) => ({ timestamp: i, key: enc(`k${i}`), value: null, headers: [] })),
    ];
    for (const [p, records] of shapes.entries()) {
      log = memoryEddy().log;
      await log.createTopic({ name: 't', partitions: 1, config: { maxMessageBytes: 100_000 } });
      await oneChunk(records);
      const whole = encodeBatch({ records }).length;
      const limit = p === 3 ? whole - 20 : 600;
      const out = await log.fetchBatches({ topic: 't', partition: 0, offset: 0, maxAnswerBytes: limit });
      expect(out.batches).toHaveLength(1);
      expect(out.batches[0]!.length, `shape ${p}`).toBeLessThanOrEqual(limit);
      expect(decodeBatches(out.batches[0]!)[0]!.records.map((r) => r.offset)).toEqual([...Array(out.nextOffset).keys()]);
    }
  });

  it('serves an uncompressed batch as stored by default, producer fields and all', async () => {
    const stored = encodeBatch({ records: records('p', 2), producerId: 42n, producerEpoch: 3, baseSequence: 0 });
    await log.appendBatches({ topic: 't', partitions: [{ partition: 0, batches: stored }] });
    const out = await log.fetchBatches({ topic: 't', partition: 0, offset: 0 });
    expect(readBatchHeaders(out.batches[0]!)[0]).toMatchObject({ producerId: 42n, producerEpoch: 3, baseSequence: 0, compression: 'none' });
    expect(out.batches[0]).toEqual(stored);
  });

  it('reports a stored batch whose records do not decode as DATA_CORRUPT when it must be converted or cut', async () => {
    // A client's batch whose CRC32C is right but whose records are garbage: the Kafka path stores it as sent.
    const corrupt = (compression: 'gzip' | 'none'): Uint8Array => {
      const bytes = encodeBatch({ records: records('c', 3, { value: enc('x'.repeat(60)) }), compression });
      bytes.fill(0xee, 61 + 4);
      new DataView(bytes.buffer, bytes.byteOffset).setUint32(17, crc32c(bytes, 21));
      return bytes;
    };
    await log.appendBatches({ topic: 't', partitions: [{ partition: 0, batches: corrupt('gzip') }] });
    const converted = await expectCode(log.fetchBatches({ topic: 't', partition: 0, offset: 0 }), 'DATA_CORRUPT');
    expect(converted.message).toMatch(/^stored data is corrupt/);
    log = memoryEddy().log;
    await log.createTopic({ name: 't', partitions: 1, config: { maxMessageBytes: 100_000 } });
    await log.appendBatches({ topic: 't', partitions: [{ partition: 0, batches: corrupt('none') }] });
    await expectCode(log.fetchBatches({ topic: 't', partition: 0, offset: 0, maxAnswerBytes: 100 }), 'DATA_CORRUPT');
  });
});
