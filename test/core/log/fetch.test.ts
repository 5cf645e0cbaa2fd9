/**
 * Reading a partition (core/log/fetch.ts) as a consumer sees it: which
 * offsets are refused, which records come back at which offsets, where a
 * batch stops, and what `earliest`, `latest` and a timestamp resolve to.
 */
import { describe, expect, it, vi } from 'vitest';
import { EddyError } from '../../../core/errors.js';
import type { IndexEntry } from '../../../core/model.js';
import { encodeObject } from '../../../core/codec/format.js';
import { decodeBatches, readBatchHeaders } from '../../../core/codec/record-batch.js';
import { ingestKey } from '../../../core/layout.js';
import { FIXTURE_CHUNKS } from '../../fixtures/object-v1.js';
import { dec, enc, expectCode, intercept, memoryEddy, readAll, type MemoryEddy } from '../helpers.js';

/** Produces `values` to partition 0, one produce request per inner array. */
async function produceBatches(eddy: MemoryEddy, topic: string, batches: string[][], timestamp?: (value: string) => number): Promise<void> {
  for (const values of batches) {
    await eddy.log.produce({ topic, records: values.map((v) => ({ key: null, value: enc(v), partition: 0, timestamp: timestamp?.(v) })) });
  }
}

/** A topic whose partition 0 holds v0…v(n-1) compacted into one segment cut into chunks of about `chunkBytes`, plus an uncompacted head. */
async function compactedTopic(eddy: MemoryEddy, n: number, chunkBytes: number): Promise<string> {
  await eddy.log.createTopic({ name: 'seg', partitions: 1 });
  await produceBatches(
    eddy,
    'seg',
    Array.from({ length: n }, (_, i) => [`v${i}`]),
  );
  eddy.clock.advance(120_000);
  const report = await eddy.maintenance({ compactionChunkBytes: chunkBytes, passes: { retention: false, gc: false, tombstones: false } }).runOnce();
  expect(report.errors).toEqual([]);
  return 'seg';
}

describe('fetch', () => {
  it('refuses a partition the topic does not have, naming it', async () => {
    const eddy = memoryEddy();
    await eddy.log.createTopic({ name: 't', partitions: 2 });
    for (const partition of [-1, 2, 0.5, Number.NaN]) {
      const err = await expectCode(eddy.log.fetch({ topic: 't', partition, offset: 0 }), 'UNKNOWN_TOPIC_OR_PARTITION');
      expect(err.message).toContain(`partition ${partition} of topic t does not exist (it has 2)`);
    }
    await expectCode(eddy.log.fetch({ topic: 'nope', partition: 0, offset: 0 }), 'UNKNOWN_TOPIC_OR_PARTITION');
    expect((await eddy.log.fetch({ topic: 't', partition: 1, offset: 0 })).records).toEqual([]);
  });

  it('answers an empty batch at the high watermark and refuses an offset beyond it', async () => {
    const eddy = memoryEddy();
    await eddy.log.createTopic({ name: 't' });
    expect(await eddy.log.fetch({ topic: 't', partition: 0, offset: 0 })).toEqual({
      partition: 0,
      logStartOffset: 0,
      highWatermark: 0,
      records: [],
      nextOffset: 0,
    });
    await expectCode(eddy.log.fetch({ topic: 't', partition: 0, offset: 1 }), 'OFFSET_OUT_OF_RANGE');
    await produceBatches(eddy, 't', [['a', 'b', 'c']]);
    expect(await eddy.log.fetch({ topic: 't', partition: 0, offset: 3 })).toMatchObject({ records: [], nextOffset: 3, highWatermark: 3 });
    const err = await expectCode(eddy.log.fetch({ topic: 't', partition: 0, offset: 4 }), 'OFFSET_OUT_OF_RANGE');
    expect(err.message).toBe('offset 4 is out of range for t/0: logStartOffset=0 highWatermark=3');
    const negative = await expectCode(eddy.log.fetch({ topic: 't', partition: 0, offset: -1 }), 'INVALID_REQUEST');
    expect(negative.message).toBe('offset must be a non-negative integer, got -1');
  });

  it('refuses an offset below the log start after retention, and serves from the log start', async () => {
    const eddy = memoryEddy();
    await eddy.log.createTopic({ name: 't', config: { retentionMs: 1000 } });
    await produceBatches(eddy, 't', [['a', 'b'], ['c']]);
    eddy.clock.advance(120_000);
    await produceBatches(eddy, 't', [['d', 'e']]);
    await eddy.maintenance({ passes: { compaction: false, gc: false, tombstones: false } }).runOnce();
    const err = await expectCode(eddy.log.fetch({ topic: 't', partition: 0, offset: 2 }), 'OFFSET_OUT_OF_RANGE');
    expect(err.message).toContain('logStartOffset=3 highWatermark=5');
    expect(await eddy.log.fetch({ topic: 't', partition: 0, offset: 3 })).toMatchObject({
      logStartOffset: 3,
      highWatermark: 5,
      nextOffset: 5,
      records: [
        { offset: 3, value: enc('d') },
        { offset: 4, value: enc('e') },
      ],
    });
  });

  it('reports a partition emptied by retention at its high watermark, and continues its offsets', async () => {
    const eddy = memoryEddy();
    await eddy.log.createTopic({ name: 't', config: { retentionMs: 1000 } });
    await produceBatches(eddy, 't', [['a', 'b'], ['c']]);
    eddy.clock.advance(120_000);
    await eddy.maintenance({ passes: { compaction: false, gc: false, tombstones: false } }).runOnce();
    expect(await eddy.log.partitionOffsets('t', 0)).toEqual({ partition: 0, logStartOffset: 3, highWatermark: 3 });
    expect(await eddy.log.fetch({ topic: 't', partition: 0, offset: 3 })).toMatchObject({ records: [], nextOffset: 3 });
    await expectCode(eddy.log.fetch({ topic: 't', partition: 0, offset: 0 }), 'OFFSET_OUT_OF_RANGE');
    await produceBatches(eddy, 't', [['d']]);
    expect(await readAll(eddy.log, 't', 0, 3)).toEqual([[3, 'd']]);
  });

  it('reads every record of a segment at its own offset, from any offset inside any chunk', async () => {
    // A record `vN` is 22 bytes stored and a chunk header 36: 40-byte chunks hold one record each, 110-byte chunks three.
    for (const chunkBytes of [40, 110]) {
      const e = memoryEddy();
      const topic = await compactedTopic(e, 10, chunkBytes);
      const d = await e.log.describeTopic(topic);
      expect(d.partitionOffsets[0]).toMatchObject({ highWatermark: 10, segments: 2 });
      for (let from = 0; from <= 10; from++) {
        const all = await readAll(e.log, topic, 0, from);
        expect(all).toEqual(Array.from({ length: 10 - from }, (_, i) => [from + i, `v${from + i}`]));
      }
      const one = await e.log.fetch({ topic, partition: 0, offset: 4, maxRecords: 1 });
      expect(one.records.map((r) => [r.offset, dec(r.value)])).toEqual([[4, 'v4']]);
      expect(one.nextOffset).toBe(5);
    }
  });

  it('reads only the chunks a fetch needs', async () => {
    const eddy = memoryEddy();
    const topic = await compactedTopic(eddy, 12, 110);
    const segment = (await eddy.metadataStore.firstEntry((await eddy.log.topic(topic)).topicId, 0))!;
    /** How many chunks of the segment hold any of offsets [from, to]. */
    const chunksHolding = (from: number, to: number) =>
      segment.chunks.filter((c) => {
        const first = segment.baseOffset + c.offsetDelta;
        return first <= to && first + c.records - 1 >= from;
      }).length;
    const reads = vi.spyOn(eddy.objectStore, 'getRange');
    for (const [offset, maxRecords] of [
      [4, 1],
      [4, 2],
      [4, 3],
      [0, 5],
    ] as const) {
      reads.mockClear();
      const r = await eddy.log.fetch({ topic, partition: 0, offset, maxRecords });
      expect(r.records.map((x) => x.offset)).toEqual(Array.from({ length: maxRecords }, (_, i) => offset + i));
      expect(reads).toHaveBeenCalledTimes(chunksHolding(offset, offset + maxRecords - 1));
    }
    // A byte budget met by the first record: one read.
    reads.mockClear();
    const r3 = await eddy.log.fetch({ topic, partition: 0, offset: 3, maxBytes: 1 });
    expect(r3.records.map((x) => x.offset)).toEqual([3]);
    expect(reads).toHaveBeenCalledTimes(1);
  });

  it('stops at maxRecords and returns at least one record however small maxBytes is', async () => {
    const eddy = memoryEddy();
    await eddy.log.createTopic({ name: 't' });
    await produceBatches(eddy, 't', [
      ['0123456789', '0123456789', '0123456789'],
      ['0123456789', '0123456789'],
    ]);
    const page = async (offset: number, limits: { maxRecords?: number; maxBytes?: number }) => {
      const r = await eddy.log.fetch({ topic: 't', partition: 0, offset, ...limits });
      return [r.records.map((x) => x.offset), r.nextOffset];
    };
    expect(await page(0, { maxRecords: 1 })).toEqual([[0], 1]);
    expect(await page(0, { maxRecords: 3 })).toEqual([[0, 1, 2], 3]);
    expect(await page(0, { maxRecords: 4 })).toEqual([[0, 1, 2, 3], 4]);
    expect(await page(1, { maxRecords: 1000 })).toEqual([[1, 2, 3, 4], 5]);
    // maxBytes counts key, value and header bytes: 10 per record here.
    expect(await page(0, { maxBytes: 1 })).toEqual([[0], 1]);
    expect(await page(0, { maxBytes: 10 })).toEqual([[0], 1]);
    expect(await page(0, { maxBytes: 19 })).toEqual([[0], 1]);
    expect(await page(0, { maxBytes: 20 })).toEqual([[0, 1], 2]);
    expect(await page(0, { maxBytes: 40 })).toEqual([[0, 1, 2, 3], 4]);
    expect(await page(2, { maxBytes: 20 })).toEqual([[2, 3], 4]);
  });

  it('counts keys and headers against maxBytes', async () => {
    const eddy = memoryEddy();
    await eddy.log.createTopic({ name: 't' });
    const record = { key: enc('kk'), value: enc('vvvv'), headers: [['h', enc('xyz')]] as Array<[string, Uint8Array]>, partition: 0 };
    await eddy.log.produce({ topic: 't', records: [record, record, record] }); // 2 + 4 + 1 + 3 = 10 bytes each
    const offsets = async (maxBytes: number) => (await eddy.log.fetch({ topic: 't', partition: 0, offset: 0, maxBytes })).records.map((r) => r.offset);
    expect(await offsets(19)).toEqual([0]);
    expect(await offsets(20)).toEqual([0, 1]);
    expect(await offsets(30)).toEqual([0, 1, 2]);
    const nulls = { key: null, value: null, partition: 0 };
    await eddy.log.produce({ topic: 't', records: [nulls, nulls] });
    const r = await eddy.log.fetch({ topic: 't', partition: 0, offset: 3, maxBytes: 1 });
    expect(r.records.map((x) => [x.offset, x.key, x.value])).toEqual([
      [3, null, null],
      [4, null, null],
    ]);
  });

  it('reads past many produce requests in one fetch, up to the defaults', async () => {
    const eddy = memoryEddy();
    await eddy.log.createTopic({ name: 't' });
    await produceBatches(
      eddy,
      't',
      Array.from({ length: 40 }, (_, i) => [`a${i}`, `b${i}`]),
    );
    const r = await eddy.log.fetch({ topic: 't', partition: 0, offset: 1 });
    expect(r.records).toHaveLength(79);
    expect(r.records.map((x) => x.offset)).toEqual(Array.from({ length: 79 }, (_, i) => i + 1));
    expect(r.records.map((x) => dec(x.value))).toEqual(Array.from({ length: 80 }, (_, i) => `${i % 2 ? 'b' : 'a'}${Math.floor(i / 2)}`).slice(1));
    expect(r.nextOffset).toBe(80);
  });

  it('returns at most 1000 records by default', async () => {
    const eddy = memoryEddy();
    await eddy.log.createTopic({ name: 't' });
    await eddy.log.produce({ topic: 't', records: Array.from({ length: 1200 }, () => ({ key: null, value: null, partition: 0 })) });
    const r = await eddy.log.fetch({ topic: 't', partition: 0, offset: 0 });
    expect(r.records).toHaveLength(1000);
    expect(r.nextOffset).toBe(1000);
  });

  it('returns at most 1 MiB of records by default', async () => {
    const eddy = memoryEddy();
    await eddy.log.createTopic({ name: 't' });
    const value = new Uint8Array(300 * 1024);
    for (let i = 0; i < 5; i++) await eddy.log.produce({ topic: 't', records: [{ key: null, value, partition: 0 }] });
    const r = await eddy.log.fetch({ topic: 't', partition: 0, offset: 0 });
    expect(r.records.map((x) => x.offset)).toEqual([0, 1, 2]);
  });

  it('reads only the entries and chunks a fetch needs across many produce requests', async () => {
    const eddy = memoryEddy();
    await eddy.log.createTopic({ name: 't' });
    await produceBatches(eddy, 't', Array.from({ length: 10 }, (_, i) => [`r${i}`]));
    const reads = vi.spyOn(eddy.objectStore, 'getRange');
    const queries = vi.spyOn(eddy.metadataStore, 'entriesFrom');
    const three = await eddy.log.fetch({ topic: 't', partition: 0, offset: 2, maxRecords: 3 });
    expect(three.records.map((r) => r.offset)).toEqual([2, 3, 4]);
    expect(reads).toHaveBeenCalledTimes(3);
    expect(queries).toHaveBeenCalledTimes(1);
    // A byte budget met by the first record: one chunk read, however many entries follow.
    reads.mockClear();
    queries.mockClear();
    const one = await eddy.log.fetch({ topic: 't', partition: 0, offset: 2, maxBytes: 1 });
    expect(one.records.map((r) => r.offset)).toEqual([2]);
    expect(reads).toHaveBeenCalledTimes(1);
    expect(queries).toHaveBeenCalledTimes(1);
    // Everything up to the high watermark: one index query, one read per chunk, nothing more.
    reads.mockClear();
    queries.mockClear();
    const all = await eddy.log.fetch({ topic: 't', partition: 0, offset: 0 });
    expect(all.records).toHaveLength(10);
    expect(all.nextOffset).toBe(10);
    expect(reads).toHaveBeenCalledTimes(10);
    expect(queries).toHaveBeenCalledTimes(1);
  });

  it('ends a batch at a hole in the index instead of skipping offsets', async () => {
    const hidden = { base: -1 };
    const eddy = memoryEddy({
      wrapMeta: (meta) =>
        intercept(meta, {
          entriesFrom: async (topicId, partition, offset, limit) => (await meta.entriesFrom(topicId, partition, offset, limit)).filter((e) => e.baseOffset !== hidden.base),
        }),
    });
    await eddy.log.createTopic({ name: 't' });
    await produceBatches(eddy, 't', [['a', 'b'], ['c'], ['d', 'e'], ['f']]);
    hidden.base = 3;
    const r = await eddy.log.fetch({ topic: 't', partition: 0, offset: 0 });
    expect(r.records.map((x) => [x.offset, dec(x.value)])).toEqual([
      [0, 'a'],
      [1, 'b'],
      [2, 'c'],
    ]);
    expect(r.nextOffset).toBe(3);
    expect((await eddy.log.fetch({ topic: 't', partition: 0, offset: 3 })).records).toEqual([]);
  });

  it('takes each offset once while a covering entry and the entries it replaces both exist', async () => {
    const eddy = memoryEddy();
    await eddy.log.createTopic({ name: 't' });
    await produceBatches(eddy, 't', [['a', 'b'], ['c'], ['d', 'e'], ['f']]);
    const topicId = (await eddy.log.topic('t')).topicId;
    const entries: IndexEntry[] = [];
    for await (const e of eddy.metadataStore.listEntries(topicId, 0)) entries.push(e);
    // What compaction leaves between its index writes: entry 0 now covers 0..4 with the chunks of the three first entries.
    const covering: IndexEntry = {
      ...entries[0]!,
      lastOffset: 4,
      chunks: [entries[0]!.chunks[0]!, { ...entries[1]!.chunks[0]!, offsetDelta: 2 }, { ...entries[2]!.chunks[0]!, offsetDelta: 3 }],
    };
    // Chunks of a covering entry live in one object; here they live in three, so point each at its own.
    const objects = [entries[0]!, entries[1]!, entries[2]!].map((e) => e.objectKey!);
    expect(new Set(objects).size).toBe(3);
    const merged = await mergeInto(eddy, objects, covering);
    expect(await eddy.metadataStore.replaceEntry(entries[0]!, merged)).toBe(true);
    for (const from of [0, 1, 2, 3, 4, 5]) {
      expect(await readAll(eddy.log, 't', 0, from)).toEqual(
        [
          [0, 'a'],
          [1, 'b'],
          [2, 'c'],
          [3, 'd'],
          [4, 'e'],
          [5, 'f'],
        ].slice(from),
      );
    }
  });

  it('reports a chunk whose record count disagrees with the index as DATA_CORRUPT', async () => {
    const eddy = memoryEddy();
    await eddy.log.createTopic({ name: 't' });
    await produceBatches(eddy, 't', [['a', 'b'], ['c']]);
    const topicId = (await eddy.log.topic('t')).topicId;
    const first = (await eddy.metadataStore.firstEntry(topicId, 0))!;
    const lying: IndexEntry = { ...first, chunks: [{ ...first.chunks[0]!, records: 3 }] };
    expect(await eddy.metadataStore.replaceEntry(first, lying)).toBe(true);
    const err = await expectCode(eddy.log.fetch({ topic: 't', partition: 0, offset: 0 }), 'DATA_CORRUPT');
    expect(err.message).toContain('chunk holds 2 records, index says 3');
  });

  it('ends a batch before a chunk that starts after the offset wanted', async () => {
    const eddy = memoryEddy();
    await eddy.log.createTopic({ name: 't' });
    await produceBatches(eddy, 't', [['a', 'b'], ['c']]);
    const topicId = (await eddy.log.topic('t')).topicId;
    const head = (await eddy.metadataStore.headEntry(topicId, 0))!;
    // The second entry's chunk claims to start one offset later than the entry.
    const shifted: IndexEntry = { ...head, lastOffset: 3, chunks: [{ ...head.chunks[0]!, offsetDelta: 1 }] };
    expect(await eddy.metadataStore.replaceEntry(head, shifted)).toBe(true);
    const r = await eddy.log.fetch({ topic: 't', partition: 0, offset: 0 });
    // The chunk starts after the offset wanted: a gap, the batch ends before it.
    expect(r.records.map((x) => x.offset)).toEqual([0, 1]);
    expect(r.nextOffset).toBe(2);
  });
});

/** Every record served by readBatches from `from` to the high watermark, read `maxBytes` at a time, with the base offset of each batch served. */
async function readAllBatches(eddy: MemoryEddy, topic: string, from: number, maxBytes?: number): Promise<{ records: Array<[number, string | null]>; bases: number[]; calls: number }> {
  const records: Array<[number, string | null]> = [];
  const bases: number[] = [];
  let offset = from;
  let calls = 0;
  for (;;) {
    const r = await eddy.log.readBatches({ topic, partition: 0, offset, maxBytes });
    calls++;
    if (r.batches.length === 0) return { records, bases, calls };
    for (const b of r.batches) {
      for (const batch of decodeBatches(b)) {
        bases.push(batch.header.baseOffset);
        for (const x of batch.records) if (x.offset >= offset) records.push([x.offset, dec(x.value)]);
      }
    }
    offset = records.at(-1)![0] + 1;
    if (offset >= r.highWatermark) return { records, bases, calls };
  }
}

describe('read batches (the Kafka path)', () => {
  it('refuses an unknown partition and offsets outside the log, and answers nothing at the high watermark', async () => {
    const eddy = memoryEddy();
    await eddy.log.createTopic({ name: 't', config: { retentionMs: 1000 } });
    await produceBatches(eddy, 't', [['a', 'b'], ['c']]);
    eddy.clock.advance(120_000);
    await produceBatches(eddy, 't', [['d']]);
    await eddy.maintenance({ passes: { compaction: false, gc: false, tombstones: false } }).runOnce();
    expect(await eddy.log.partitionOffsets('t', 0)).toMatchObject({ logStartOffset: 3, highWatermark: 4 });
    const err = await expectCode(eddy.log.readBatches({ topic: 't', partition: 0, offset: 5 }), 'OFFSET_OUT_OF_RANGE');
    expect(err.message).toContain('offset 5 is out of range');
    await expectCode(eddy.log.readBatches({ topic: 't', partition: 0, offset: 2 }), 'OFFSET_OUT_OF_RANGE');
    await expectCode(eddy.log.readBatches({ topic: 't', partition: 1, offset: 0 }), 'UNKNOWN_TOPIC_OR_PARTITION');
    await expectCode(eddy.log.readBatches({ topic: 't', partition: -1, offset: 0 }), 'UNKNOWN_TOPIC_OR_PARTITION');
    expect(await eddy.log.readBatches({ topic: 't', partition: 0, offset: 4 })).toEqual({ partition: 0, logStartOffset: 3, highWatermark: 4, batches: [], nextOffset: 4 });
    const at3 = await eddy.log.readBatches({ topic: 't', partition: 0, offset: 3 });
    expect(at3.batches.flatMap((b) => decodeBatches(b).flatMap((x) => x.records.map((r) => [r.offset, dec(r.value)])))).toEqual([[3, 'd']]);
  });

  it('serves every chunk of a segment at its own offsets, from any offset, whatever the byte budget', async () => {
    for (const chunkBytes of [40, 110]) {
      const e = memoryEddy();
      const topic = await compactedTopic(e, 10, chunkBytes);
      await produceBatches(e, topic, [['h0', 'h1']]);
      const want = [...Array.from({ length: 10 }, (_, i): [number, string] => [i, `v${i}`]), [10, 'h0'] as [number, string], [11, 'h1'] as [number, string]];
      for (const maxBytes of [undefined, 1, 0, 100]) {
        for (let from = 0; from <= 12; from++) {
          const { records, bases } = await readAllBatches(e, topic, from, maxBytes);
          expect(records).toEqual(want.slice(from));
          // Batches come whole and in order: each starts at or before the first offset it serves, never twice.
          expect(bases).toEqual([...bases].sort((a, b) => a - b));
          expect(new Set(bases).size).toBe(bases.length);
        }
      }
    }
  });

  it('reads one chunk per call when the byte budget is smaller than a chunk, and every chunk wanted in one call by default', async () => {
    const eddy = memoryEddy();
    const topic = await compactedTopic(eddy, 12, 110);
    const segment = (await eddy.metadataStore.firstEntry((await eddy.log.topic(topic)).topicId, 0))!;
    expect(segment.chunks.length).toBeGreaterThan(2);
    const reads = vi.spyOn(eddy.objectStore, 'getRange');
    const one = await eddy.log.readBatches({ topic, partition: 0, offset: 4, maxBytes: 1 });
    expect(one.batches).toHaveLength(1);
    expect(reads).toHaveBeenCalledTimes(1);
    const second = segment.chunks.find((c) => c.offsetDelta <= 4 && c.offsetDelta + c.records > 4)!;
    expect(readBatchHeaders(one.batches[0]!)[0]).toMatchObject({ baseOffset: segment.baseOffset + second.offsetDelta, recordCount: second.records });
    reads.mockClear();
    // The segment's chunks, then the entries produced after it (the uncompacted head), each read once.
    const all = await eddy.log.readBatches({ topic, partition: 0, offset: 0 });
    const bases = all.batches.map((b) => readBatchHeaders(b)[0]!.baseOffset);
    expect(bases.slice(0, segment.chunks.length)).toEqual(segment.chunks.map((c) => segment.baseOffset + c.offsetDelta));
    expect(bases.slice(segment.chunks.length)).toEqual(Array.from({ length: 12 - segment.lastOffset - 1 }, (_, i) => segment.lastOffset + 1 + i));
    expect(reads).toHaveBeenCalledTimes(all.batches.length);
    // A budget of exactly the first chunk's bytes stops after it.
    reads.mockClear();
    const exact = await eddy.log.readBatches({ topic, partition: 0, offset: 0, maxBytes: segment.chunks[0]!.length });
    expect(exact.batches).toHaveLength(1);
    expect(reads).toHaveBeenCalledTimes(1);
  });

  it('reads past more than 16 index entries in one call, and stops at a byte budget across entries', async () => {
    const eddy = memoryEddy();
    await eddy.log.createTopic({ name: 't' });
    await produceBatches(eddy, 't', Array.from({ length: 40 }, (_, i) => [`r${i}`]));
    const queries = vi.spyOn(eddy.metadataStore, 'entriesFrom');
    const reads = vi.spyOn(eddy.objectStore, 'getRange');
    const all = await eddy.log.readBatches({ topic: 't', partition: 0, offset: 0 });
    expect(all.batches.map((b) => readBatchHeaders(b)[0]!.baseOffset)).toEqual(Array.from({ length: 40 }, (_, i) => i));
    // 16 entries per index query, one read per chunk, and no query past the high watermark.
    expect(queries).toHaveBeenCalledTimes(3);
    expect(reads).toHaveBeenCalledTimes(40);
    const size = all.batches[0]!.length;
    reads.mockClear();
    queries.mockClear();
    const first = await eddy.log.readBatches({ topic: 't', partition: 0, offset: 0, maxBytes: 1 });
    expect(first.batches).toHaveLength(1);
    expect(reads).toHaveBeenCalledTimes(1);
    expect(queries).toHaveBeenCalledTimes(1);
    const some = await eddy.log.readBatches({ topic: 't', partition: 0, offset: 5, maxBytes: size * 3 });
    expect(some.batches.map((b) => readBatchHeaders(b)[0]!.baseOffset)).toEqual([5, 6, 7]);
    const fewer = await eddy.log.readBatches({ topic: 't', partition: 0, offset: 5, maxBytes: size * 3 - 1 });
    expect(fewer.batches.map((b) => readBatchHeaders(b)[0]!.baseOffset)).toEqual([5, 6, 7]);
    const more = await eddy.log.readBatches({ topic: 't', partition: 0, offset: 5, maxBytes: size * 3 + 1 });
    expect(more.batches.map((b) => readBatchHeaders(b)[0]!.baseOffset)).toEqual([5, 6, 7, 8]);
  });

  it('ends at a hole in the index instead of skipping offsets', async () => {
    const hidden = { base: -1 };
    const eddy = memoryEddy({
      wrapMeta: (meta) =>
        intercept(meta, {
          entriesFrom: async (topicId, partition, offset, limit) => (await meta.entriesFrom(topicId, partition, offset, limit)).filter((e) => e.baseOffset !== hidden.base),
        }),
    });
    await eddy.log.createTopic({ name: 't' });
    await produceBatches(eddy, 't', [['a', 'b'], ['c'], ['d', 'e'], ['f']]);
    hidden.base = 3;
    const r = await eddy.log.readBatches({ topic: 't', partition: 0, offset: 0 });
    expect(r.batches.map((b) => readBatchHeaders(b)[0]!.baseOffset)).toEqual([0, 2]);
    expect((await eddy.log.readBatches({ topic: 't', partition: 0, offset: 3 })).batches).toEqual([]);
  });

  it('ends before a chunk that starts after the offset wanted', async () => {
    const eddy = memoryEddy();
    await eddy.log.createTopic({ name: 't' });
    await produceBatches(eddy, 't', [['a', 'b'], ['c']]);
    const topicId = (await eddy.log.topic('t')).topicId;
    const head = (await eddy.metadataStore.headEntry(topicId, 0))!;
    const shifted: IndexEntry = { ...head, lastOffset: 3, chunks: [{ ...head.chunks[0]!, offsetDelta: 1 }] };
    expect(await eddy.metadataStore.replaceEntry(head, shifted)).toBe(true);
    const r = await eddy.log.readBatches({ topic: 't', partition: 0, offset: 0 });
    expect(r.batches.map((b) => readBatchHeaders(b)[0]!.baseOffset)).toEqual([0]);
    // Read from inside the shifted chunk: it is served at the offset its delta says.
    const inside = await eddy.log.readBatches({ topic: 't', partition: 0, offset: 3 });
    expect(inside.batches.map((b) => readBatchHeaders(b)[0]!.baseOffset)).toEqual([3]);
  });

  it('serves each batch once while a covering entry and the entries it replaces both exist', async () => {
    const eddy = memoryEddy();
    await eddy.log.createTopic({ name: 't' });
    await produceBatches(eddy, 't', [['a', 'b'], ['c'], ['d', 'e'], ['f']]);
    const topicId = (await eddy.log.topic('t')).topicId;
    const entries: IndexEntry[] = [];
    for await (const e of eddy.metadataStore.listEntries(topicId, 0)) entries.push(e);
    const covering: IndexEntry = {
      ...entries[0]!,
      lastOffset: 4,
      chunks: [entries[0]!.chunks[0]!, { ...entries[1]!.chunks[0]!, offsetDelta: 2 }, { ...entries[2]!.chunks[0]!, offsetDelta: 3 }],
    };
    const merged = await mergeInto(eddy, [entries[0]!, entries[1]!, entries[2]!].map((e) => e.objectKey!), covering);
    expect(await eddy.metadataStore.replaceEntry(entries[0]!, merged)).toBe(true);
    const r = await eddy.log.readBatches({ topic: 't', partition: 0, offset: 0 });
    expect(r.batches.map((b) => readBatchHeaders(b)[0]!.baseOffset)).toEqual([0, 2, 3, 5]);
    expect(r.batches.flatMap((b) => decodeBatches(b).flatMap((x) => x.records.map((y) => [y.offset, dec(y.value)])))).toEqual([
      [0, 'a'],
      [1, 'b'],
      [2, 'c'],
      [3, 'd'],
      [4, 'e'],
      [5, 'f'],
    ]);
    const from4 = await eddy.log.readBatches({ topic: 't', partition: 0, offset: 4 });
    expect(from4.batches.map((b) => readBatchHeaders(b)[0]!.baseOffset)).toEqual([3, 5]);
  });

  it('reports a chunk whose record count disagrees with the index as DATA_CORRUPT', async () => {
    const eddy = memoryEddy();
    await eddy.log.createTopic({ name: 't' });
    await produceBatches(eddy, 't', [['a', 'b'], ['c']]);
    const topicId = (await eddy.log.topic('t')).topicId;
    const first = (await eddy.metadataStore.firstEntry(topicId, 0))!;
    expect(await eddy.metadataStore.replaceEntry(first, { ...first, chunks: [{ ...first.chunks[0]!, records: 3 }] })).toBe(true);
    const err = await expectCode(eddy.log.readBatches({ topic: 't', partition: 0, offset: 0 }), 'DATA_CORRUPT');
    expect(err.message).toBe('stored data is corrupt: chunk holds 2 records, index says 3');
  });

  it('reports a stored batch whose CRC32C does not match as DATA_CORRUPT (the stored data is bad, not the request)', async () => {
    const eddy = memoryEddy();
    await eddy.log.createTopic({ name: 't' });
    await produceBatches(eddy, 't', [['abc']]);
    const first = (await eddy.metadataStore.firstEntry((await eddy.log.topic('t')).topicId, 0))!;
    const bytes = await eddy.objectStore.get(first.objectKey!);
    const chunk = first.chunks[0]!;
    bytes[chunk.position + chunk.length - 1]! ^= 0xff; // the last byte of the value
    await eddy.objectStore.put(first.objectKey!, bytes);
    const err = await expectCode(eddy.log.readBatches({ topic: 't', partition: 0, offset: 0 }), 'DATA_CORRUPT');
    expect(err.message).toMatch(/^stored data is corrupt: record batch at byte 0: CRC32C mismatch/);
    await expectCode(eddy.log.fetch({ topic: 't', partition: 0, offset: 0 }), 'DATA_CORRUPT');
  });
});

describe('chunks of the first release (format 1)', () => {
  /** A topic whose partition 0 starts with an object exactly as the first release wrote it: one chunk of 2 records, the index claiming `records`. */
  async function firstRelease(records: number): Promise<MemoryEddy> {
    const eddy = memoryEddy();
    const { topicId } = await eddy.log.createTopic({ name: 'v1' });
    const { bytes, chunks } = encodeObject([{ partition: 0, records: FIXTURE_CHUNKS[0]!.records }]);
    const key = ingestKey(topicId, 'first-release');
    await eddy.objectStore.put(key, bytes);
    const c = chunks[0]!;
    expect(c.records).toBe(2);
    await eddy.metadataStore.appendEntry({
      topicId,
      partition: 0,
      baseOffset: 0,
      lastOffset: records - 1,
      objectKey: key,
      chunks: [{ offsetDelta: 0, position: c.position, length: c.length, records, maxTimestamp: c.maxTimestamp }],
      bytes: c.length,
      maxTimestamp: c.maxTimestamp,
      appendedAt: 1,
      producers: {},
    });
    return eddy;
  }

  it('reads its records at their offsets, as records and as batches', async () => {
    const eddy = await firstRelease(2);
    await eddy.log.produce({ topic: 'v1', records: [{ key: null, value: enc('after') }] });
    expect((await eddy.log.fetch({ topic: 'v1', partition: 0, offset: 1 })).records.map((r) => r.offset)).toEqual([1, 2]);
    const served = await eddy.log.readBatches({ topic: 'v1', partition: 0, offset: 1 });
    expect(served.batches.flatMap((b) => decodeBatches(b).flatMap((x) => x.records.map((r) => r.offset)))).toEqual([0, 1, 2]);
  });

  it('reports a chunk whose record count disagrees with the index as DATA_CORRUPT', async () => {
    const eddy = await firstRelease(3);
    const err = await expectCode(eddy.log.fetch({ topic: 'v1', partition: 0, offset: 0 }), 'DATA_CORRUPT');
    expect(err.message).toBe('stored data is corrupt: chunk holds 2 records, index says 3');
    await expectCode(eddy.log.readBatches({ topic: 'v1', partition: 0, offset: 0 }), 'DATA_CORRUPT');
  });
});

describe('partition offsets', () => {
  it('are 0 and 0 for a fresh partition and follow produces', async () => {
    const eddy = memoryEddy();
    await eddy.log.createTopic({ name: 't', partitions: 2 });
    expect(await eddy.log.partitionOffsets('t', 1)).toEqual({ partition: 1, logStartOffset: 0, highWatermark: 0 });
    await eddy.log.produce({ topic: 't', records: [{ key: null, value: enc('x'), partition: 1 }, { key: null, value: enc('y'), partition: 1 }] });
    expect(await eddy.log.partitionOffsets('t', 1)).toEqual({ partition: 1, logStartOffset: 0, highWatermark: 2 });
    expect(await eddy.log.partitionOffsets('t', 0)).toEqual({ partition: 0, logStartOffset: 0, highWatermark: 0 });
    await expectCode(eddy.log.partitionOffsets('t', 2), 'UNKNOWN_TOPIC_OR_PARTITION');
  });
});

describe('list offsets', () => {
  it('resolves earliest to the log start and latest to the high watermark', async () => {
    const eddy = memoryEddy();
    await eddy.log.createTopic({ name: 't', config: { retentionMs: 1000 } });
    expect(await eddy.log.listOffset('t', 0, 'earliest')).toEqual({ partition: 0, offset: 0 });
    expect(await eddy.log.listOffset('t', 0, 'latest')).toEqual({ partition: 0, offset: 0 });
    await produceBatches(eddy, 't', [['a', 'b'], ['c']]);
    eddy.clock.advance(120_000);
    await produceBatches(eddy, 't', [['d', 'e', 'f']]);
    await eddy.maintenance({ passes: { compaction: false, gc: false, tombstones: false } }).runOnce();
    const reads = vi.spyOn(eddy.objectStore, 'getRange');
    expect(await eddy.log.listOffset('t', 0, 'earliest')).toEqual({ partition: 0, offset: 3 });
    expect(await eddy.log.listOffset('t', 0, 'latest')).toEqual({ partition: 0, offset: 6 });
    // Both come from the index alone: no record is read.
    expect(reads).not.toHaveBeenCalled();
    await expectCode(eddy.log.listOffset('t', 1, 'latest'), 'UNKNOWN_TOPIC_OR_PARTITION');
  });

  it('reads only the chunk holding the answer to a timestamp lookup', async () => {
    const eddy = memoryEddy();
    await eddy.log.createTopic({ name: 'seg', partitions: 1 });
    await produceBatches(
      eddy,
      'seg',
      Array.from({ length: 10 }, (_, i) => [`v${i}`]),
      (v) => 100 + 10 * Number(v.slice(1)),
    );
    eddy.clock.advance(120_000);
    await eddy.maintenance({ compactionChunkBytes: 110, passes: { retention: false, gc: false, tombstones: false } }).runOnce();
    await eddy.log.produce({ topic: 'seg', records: [{ key: null, value: enc('late'), partition: 0, timestamp: 500 }] });
    const reads = vi.spyOn(eddy.objectStore, 'getRange');
    // Chunks [0-2] [3-5] [6-8] of the segment, then the entries of v9 and `late`: 165 is in the third chunk.
    expect(await eddy.log.listOffset('seg', 0, { timestamp: 165 })).toEqual({ partition: 0, offset: 7, timestamp: 170 });
    expect(reads).toHaveBeenCalledTimes(1);
    reads.mockClear();
    expect(await eddy.log.listOffset('seg', 0, { timestamp: 400 })).toEqual({ partition: 0, offset: 10, timestamp: 500 });
    expect(reads).toHaveBeenCalledTimes(1);
    reads.mockClear();
    expect(await eddy.log.listOffset('seg', 0, { timestamp: 501 })).toEqual({ partition: 0, offset: 11 });
    expect(reads).not.toHaveBeenCalled();
  });

  it('resolves a timestamp to the first record at or after it, across entries and chunks', async () => {
    const eddy = memoryEddy();
    // Timestamps 100, 110, …: v_i at 100 + 10 i; one record per produce, then compacted into 3-record chunks.
    await eddy.log.createTopic({ name: 'seg', partitions: 1 });
    await produceBatches(
      eddy,
      'seg',
      Array.from({ length: 10 }, (_, i) => [`v${i}`]),
      (v) => 100 + 10 * Number(v.slice(1)),
    );
    eddy.clock.advance(120_000);
    await eddy.maintenance({ compactionChunkBytes: 110, passes: { retention: false, gc: false, tombstones: false } }).runOnce();
    expect((await eddy.log.describeTopic('seg')).partitionOffsets[0]!.segments).toBe(2);
    const at = async (timestamp: number) => eddy.log.listOffset('seg', 0, { timestamp });
    expect(await at(0)).toEqual({ partition: 0, offset: 0, timestamp: 100 });
    expect(await at(100)).toEqual({ partition: 0, offset: 0, timestamp: 100 });
    expect(await at(101)).toEqual({ partition: 0, offset: 1, timestamp: 110 });
    expect(await at(120)).toEqual({ partition: 0, offset: 2, timestamp: 120 });
    expect(await at(121)).toEqual({ partition: 0, offset: 3, timestamp: 130 });
    expect(await at(155)).toEqual({ partition: 0, offset: 6, timestamp: 160 });
    expect(await at(180)).toEqual({ partition: 0, offset: 8, timestamp: 180 });
    expect(await at(181)).toEqual({ partition: 0, offset: 9, timestamp: 190 });
    expect(await at(190)).toEqual({ partition: 0, offset: 9, timestamp: 190 });
    expect(await at(191)).toEqual({ partition: 0, offset: 10 });
  });

  it('finds a timestamp within a multi-record entry whose earlier records are older, and out of timestamp order', async () => {
    const eddy = memoryEddy();
    await eddy.log.createTopic({ name: 't' });
    await eddy.log.produce({ topic: 't', records: [50, 10, 70, 20].map((timestamp) => ({ key: null, value: enc(`${timestamp}`), partition: 0, timestamp })) });
    await eddy.log.produce({ topic: 't', records: [{ key: null, value: enc('30'), partition: 0, timestamp: 30 }] });
    expect(await eddy.log.listOffset('t', 0, { timestamp: 15 })).toEqual({ partition: 0, offset: 0, timestamp: 50 });
    expect(await eddy.log.listOffset('t', 0, { timestamp: 60 })).toEqual({ partition: 0, offset: 2, timestamp: 70 });
    expect(await eddy.log.listOffset('t', 0, { timestamp: 71 })).toEqual({ partition: 0, offset: 5 });
  });

  it('never resolves a timestamp to an offset retention removed', async () => {
    const eddy = memoryEddy();
    await eddy.log.createTopic({ name: 't', config: { retentionMs: 1000 } });
    const now = eddy.clock.now();
    await eddy.log.produce({ topic: 't', records: [{ key: null, value: enc('old'), partition: 0, timestamp: now }] });
    eddy.clock.advance(120_000);
    await eddy.log.produce({ topic: 't', records: [{ key: null, value: enc('new'), partition: 0, timestamp: now + 120_000 }] });
    await eddy.maintenance({ passes: { compaction: false, gc: false, tombstones: false } }).runOnce();
    expect(await eddy.log.listOffset('t', 0, { timestamp: 0 })).toEqual({ partition: 0, offset: 1, timestamp: now + 120_000 });
  });

  it('starts a timestamp lookup at the log start when retention left a head marker in front', async () => {
    const eddy = memoryEddy();
    await eddy.log.createTopic({ name: 't' });
    await produceBatches(eddy, 't', [['a', 'b'], ['c'], ['d']], () => 500);
    const topicId = (await eddy.log.topic('t')).topicId;
    const entries: IndexEntry[] = [];
    for await (const e of eddy.metadataStore.listEntries(topicId, 0)) entries.push(e);
    // The first entry becomes a marker of [0, 1] holding no data, as retention leaves one: the log starts at 2.
    expect(await eddy.metadataStore.replaceEntry(entries[0]!, { ...entries[0]!, objectKey: null, chunks: [], bytes: 0 })).toBe(true);
    expect(await eddy.log.listOffset('t', 0, { timestamp: 0 })).toEqual({ partition: 0, offset: 2, timestamp: 500 });
    expect(await eddy.log.listOffset('t', 0, 'earliest')).toEqual({ partition: 0, offset: 2 });
  });

  it('refuses a missing topic', async () => {
    const eddy = memoryEddy();
    const err = await expectCode(eddy.log.listOffset('missing', 0, 'earliest'), 'UNKNOWN_TOPIC_OR_PARTITION');
    expect(err).toBeInstanceOf(EddyError);
    expect(err.message).toBe('topic missing does not exist');
  });
});

/** Rewrites the chunks `covering` refers to into one object, as compaction would, and returns the entry pointing at it. */
async function mergeInto(eddy: MemoryEddy, objectKeys: string[], covering: IndexEntry): Promise<IndexEntry> {
  const parts: Uint8Array[] = [];
  const chunks = [];
  let position = 0;
  for (let i = 0; i < covering.chunks.length; i++) {
    const c = covering.chunks[i]!;
    const bytes = await eddy.objectStore.getRange(objectKeys[i]!, c.position, c.length);
    parts.push(bytes);
    chunks.push({ ...c, position });
    position += bytes.length;
  }
  const all = new Uint8Array(position);
  let at = 0;
  for (const p of parts) {
    all.set(p, at);
    at += p.length;
  }
  await eddy.objectStore.put('segments/test-merge', all);
  return { ...covering, objectKey: 'segments/test-merge', chunks, bytes: position };
}
