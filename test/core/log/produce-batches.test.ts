/**
 * Core's side of the binary HTTP route: `log.produceBatches` (one
 * RecordBatch v2 per partition with Eddy's idempotence fields, checked as
 * records are, all or nothing) and `log.fetchBatches` (readBatches shaped to
 * maxRecords, an answer bound and the reader's codecs), on the memory adapters.
 */
import { beforeEach, describe, expect, it } from 'vitest';
import { memoryComponents } from '../../../core/adapters/memory/index.js';
import { decodeBatches, encodeBatch, readBatchHeaders } from '../../../core/codec/record-batch.js';
import { createEddy, type Log } from '../../../core/index.js';
import { systemIds } from '../../../core/ids.js';
import { systemClock } from '../../../core/ports.js';

const enc = (s: string) => new TextEncoder().encode(s);
const recs = (prefix: string, n: number, size = 1) => Array.from({ length: n }, (_, i) => ({ timestamp: 1_000 + i, key: null, value: enc(`${prefix}${i}`.padEnd(size, '.')) }));
let log: Log;

beforeEach(async () => {
  log = createEddy({ components: memoryComponents(systemClock, systemIds) }).log;
  await log.createTopic({ name: 't', partitions: 2, config: { maxMessageBytes: 500 } });
});

const hw = async () => Promise.all([0, 1].map(async (p) => (await log.partitionOffsets('t', p)).highWatermark));

describe('produceBatches', () => {
  it('appends each partition batch as stored and answers base offsets and counts in request order', async () => {
    await log.produce({ topic: 't', records: [{ key: null, value: enc('x'), partition: 0 }] });
    const out = await log.produceBatches({ topic: 't', partitions: [{ partition: 0, batch: encodeBatch({ records: recs('a', 3) }) }, { partition: 1, batch: encodeBatch({ records: recs('b', 2) }) }] });
    expect(out).toEqual([
      { partition: 0, baseOffset: 1, records: 3 },
      { partition: 1, baseOffset: 0, records: 2 },
    ]);
    const fetched = await log.fetch({ topic: 't', partition: 0, offset: 1 });
    expect(fetched.records.map((r) => [r.offset, r.timestamp, new TextDecoder().decode(r.value!)])).toEqual([
      [1, 1000, 'a0'],
      [2, 1001, 'a1'],
      [3, 1002, 'a2'],
    ]);
  });

  it('checks every partition before writing any: one bad partition refuses the request', async () => {
    const big = encodeBatch({ records: [{ timestamp: 1, key: null, value: new Uint8Array(600) }] });
    await expect(log.produceBatches({ topic: 't', partitions: [{ partition: 0, batch: encodeBatch({ records: recs('a', 1) }) }, { partition: 1, batch: big }] })).rejects.toMatchObject({ code: 'MESSAGE_TOO_LARGE' });
    await expect(log.produceBatches({ topic: 't', partitions: [] })).rejects.toMatchObject({ code: 'INVALID_REQUEST' });
    await expect(log.produceBatches({ topic: 't', partitions: [{ partition: 2, batch: encodeBatch({ records: recs('a', 1) }) }] })).rejects.toMatchObject({ code: 'UNKNOWN_TOPIC_OR_PARTITION' });
    await expect(log.produceBatches({ topic: 't', partitions: [{ partition: 0, sequence: 0, batch: encodeBatch({ records: recs('a', 1) }) }] })).rejects.toMatchObject({ code: 'INVALID_REQUEST' });
    await expect(
      log.produceBatches({ topic: 't', producer: { producerId: 'p', producerEpoch: 0 }, partitions: [{ partition: 0, batch: encodeBatch({ records: recs('a', 1) }) }] }),
    ).rejects.toMatchObject({ code: 'INVALID_REQUEST', message: expect.stringMatching(/base sequence/) });
    const tx = encodeBatch({ records: recs('a', 1) });
    tx[22] = tx[22]! | 0x10; // isTransactional (the CRC no longer matches either way: refused before any write)
    await expect(log.produceBatches({ topic: 't', partitions: [{ partition: 0, batch: tx }] })).rejects.toMatchObject({ code: 'CORRUPT_MESSAGE' });
    expect(await hw()).toEqual([0, 0]);
  });

  it('idempotence: a retry answers the first offsets; a sequence gap in one partition writes nothing in any', async () => {
    const producer = { producerId: 'p-1', producerEpoch: 0 };
    const request = { topic: 't', producer, partitions: [{ partition: 0, sequence: 0, batch: encodeBatch({ records: recs('a', 2) }) }] };
    const first = await log.produceBatches(request);
    expect(await log.produceBatches(request)).toEqual(first);
    await expect(
      log.produceBatches({ topic: 't', producer, partitions: [{ partition: 1, sequence: 0, batch: encodeBatch({ records: recs('b', 1) }) }, { partition: 0, sequence: 7, batch: encodeBatch({ records: recs('a', 1) }) }] }),
    ).rejects.toMatchObject({ code: 'OUT_OF_ORDER_SEQUENCE' });
    expect(await hw()).toEqual([2, 0]);
  });
});

describe('fetchBatches', () => {
  beforeEach(async () => {
    for (const prefix of ['a', 'b', 'c']) await log.produceBatches({ topic: 't', partitions: [{ partition: 0, batch: encodeBatch({ records: recs(prefix, 4, 100) }) }] });
  });

  it('serves whole batches from an offset inside one; nextOffset applies maxRecords', async () => {
    const all = await log.fetchBatches({ topic: 't', partition: 0, offset: 5 });
    expect(all).toMatchObject({ partition: 0, nextOffset: 12, highWatermark: 12, logStartOffset: 0 });
    expect(all.batches.flatMap((b) => readBatchHeaders(b).map((h) => h.baseOffset))).toEqual([4, 8]);
    const some = await log.fetchBatches({ topic: 't', partition: 0, offset: 5, maxRecords: 4 });
    expect(some.nextOffset).toBe(9);
    expect(some.batches.flatMap((b) => readBatchHeaders(b).map((h) => h.baseOffset))).toEqual([4, 8]);
    expect((await log.fetchBatches({ topic: 't', partition: 0, offset: 5, maxRecords: 3 })).batches).toHaveLength(1);
  });

  it('stops at the answer bound, cutting a first batch larger than it down to the records that fit', async () => {
    const bounded = await log.fetchBatches({ topic: 't', partition: 0, offset: 0, maxAnswerBytes: 350 });
    expect(bounded.batches).toHaveLength(1);
    const cut = decodeBatches(bounded.batches[0]!).flatMap((b) => b.records);
    expect(cut.length).toBeGreaterThan(0);
    expect(cut.length).toBeLessThan(4);
    expect(cut.map((r) => r.offset)).toEqual([...Array(cut.length).keys()]);
    expect(bounded.nextOffset).toBe(cut.length);
    await expect(log.fetchBatches({ topic: 't', partition: 0, offset: 0, maxAnswerBytes: 50 })).rejects.toMatchObject({ code: 'MESSAGE_TOO_LARGE', message: expect.stringMatching(/offset 0/) });
  });

  it('passes named codecs, converts the others to uncompressed with the same records', async () => {
    await log.appendBatches({ topic: 't', partitions: [{ partition: 1, batches: encodeBatch({ records: recs('z', 3), compression: 'zstd' }) }] });
    const passed = await log.fetchBatches({ topic: 't', partition: 1, offset: 0, codecs: new Set(['none', 'zstd']) });
    expect(readBatchHeaders(passed.batches[0]!)[0]!.compression).toBe('zstd');
    const converted = await log.fetchBatches({ topic: 't', partition: 1, offset: 1 });
    const [batch] = decodeBatches(converted.batches[0]!);
    expect(batch!.header.compression).toBe('none');
    expect(batch!.records.map((r) => [r.offset, r.timestamp])).toEqual([
      [0, 1000],
      [1, 1001],
      [2, 1002],
    ]);
  });

  it('checks the limits as fetch does', async () => {
    await expect(log.fetchBatches({ topic: 't', partition: 0, offset: 0, maxRecords: 0 })).rejects.toMatchObject({ code: 'INVALID_REQUEST' });
    await expect(log.fetchBatches({ topic: 't', partition: 0, offset: 13 })).rejects.toMatchObject({ code: 'OFFSET_OUT_OF_RANGE' });
  });
});
