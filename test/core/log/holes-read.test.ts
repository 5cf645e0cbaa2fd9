/**
 * Reads across holes and abandoned markers (core/log/fetch.ts), on the record
 * path (fetch) and the Kafka path (readBatches), as a consumer sees them: a
 * long run of markers is read past, a read abandons at most 64 holes before it
 * answers, a hole written while a read looked at it is read rather than
 * abandoned, records below an old hole are answered before it is abandoned,
 * and a read that waits at a young hole costs a few index queries, not dozens.
 */
import { describe, expect, it } from 'vitest';
import { fetchRecords, readBatches } from '../../../core/log/fetch.js';
import { abandonedMarker } from '../../../core/log/produce.js';
import { decodeBatches } from '../../../core/codec/record-batch.js';
import { dec, enc, entries, intercept, memoryEddy, type MemoryEddy } from '../helpers.js';

const RESERVE = { log: { appendProtocol: 'reserve' as const } };
const rec = (v: string) => ({ key: null, value: enc(v), partition: 0 });

/** 'a' at 0, `holes` one-offset holes (writers that reserved and died), 'z' after them. */
async function holes(eddy: MemoryEddy, n: number): Promise<string> {
  const { topicId } = await eddy.log.createTopic({ name: 't' });
  await eddy.log.produce({ topic: 't', records: [rec('a')] });
  for (let i = 0; i < n; i++) await eddy.metadataStore.reserveOffsets(topicId, 0, 1);
  expect(await eddy.log.produce({ topic: 't', records: [rec('z')] })).toEqual([{ partition: 0, offset: n + 1 }]);
  return topicId;
}

const fetched = async (eddy: MemoryEddy, offset: number) => (await eddy.log.fetch({ topic: 't', partition: 0, offset })).records.map((r) => [r.offset, dec(r.value)]);
const batched = async (eddy: MemoryEddy, offset: number) =>
  (await eddy.log.readBatches({ topic: 't', partition: 0, offset })).batches.flatMap((b) => decodeBatches(b).flatMap((x) => x.records.map((r) => [r.offset, dec(r.value)])));

describe('reading past markers and holes', () => {
  for (const [path, read] of [
    ['fetch', fetched],
    ['readBatches', batched],
  ] as const) {
    it(`${path}: abandons at most 64 holes per read; the next read goes on, and later reads pass the 65 markers (more than a page of 16)`, async () => {
      const eddy = memoryEddy({ settings: RESERVE });
      const topicId = await holes(eddy, 65);
      eddy.clock.advance(10_000);
      expect(await read(eddy, 1)).toEqual([]);
      expect((await entries(eddy.metadataStore, topicId)).filter((e) => e.abandoned).length).toBe(64);
      expect(await read(eddy, 1)).toEqual([[66, 'z']]);
      expect((await entries(eddy.metadataStore, topicId)).filter((e) => e.abandoned).length).toBe(65);
      // Every hole is a marker now: a read from any of them passes the rest, page after page.
      expect(await read(eddy, 1)).toEqual([[66, 'z']]);
      expect(await read(eddy, 40)).toEqual([[66, 'z']]);
      expect(await eddy.log.partitionOffsets('t', 0)).toMatchObject({ highWatermark: 67 });
    });

    it(`${path}: answers the records below an old hole, and abandons it only when a read starts there`, async () => {
      const eddy = memoryEddy({ settings: RESERVE });
      const topicId = await holes(eddy, 1);
      eddy.clock.advance(10_000);
      expect(await read(eddy, 0)).toEqual([[0, 'a']]);
      expect((await entries(eddy.metadataStore, topicId)).some((e) => e.abandoned)).toBe(false);
      expect(await read(eddy, 1)).toEqual([[2, 'z']]);
    });
  }

  it('an abandoned range at the end of the partition (a writer that marked its own range): every read path goes on past it', async () => {
    const eddy = memoryEddy({ settings: RESERVE });
    const { topicId } = await eddy.log.createTopic({ name: 't' });
    await eddy.log.produce({ topic: 't', records: [rec('a')] });
    expect(await eddy.metadataStore.reserveOffsets(topicId, 0, 7)).toBe(1);
    expect(await eddy.metadataStore.appendEntry(abandonedMarker(topicId, 0, 1, 7, eddy.clock.now()))).toBe(true);
    expect(await eddy.log.partitionOffsets('t', 0)).toMatchObject({ highWatermark: 8 });
    // Nothing follows the marker, so no batch can carry a reader past it: the answers must say where to go on.
    expect(await eddy.log.fetch({ topic: 't', partition: 0, offset: 1 })).toMatchObject({ records: [], nextOffset: 8 });
    expect(await eddy.log.fetchBatches({ topic: 't', partition: 0, offset: 1 })).toMatchObject({ batches: [], nextOffset: 8, highWatermark: 8 });
    expect(await eddy.log.fetchBatches({ topic: 't', partition: 0, offset: 4 })).toMatchObject({ batches: [], nextOffset: 8 });
    expect(await eddy.log.readBatches({ topic: 't', partition: 0, offset: 1 })).toMatchObject({ batches: [], nextOffset: 8 });
    // A long poll does not wait when the answer moves the reader on: it answers at once (a wait would move the virtual clock).
    const start = eddy.clock.now();
    expect(await eddy.log.readBatches({ topic: 't', partition: 0, offset: 1, waitMs: 20_000 })).toMatchObject({ batches: [], nextOffset: 8 });
    expect(await eddy.log.fetchBatches({ topic: 't', partition: 0, offset: 1, waitMs: 20_000 })).toMatchObject({ batches: [], nextOffset: 8 });
    expect(await eddy.log.fetch({ topic: 't', partition: 0, offset: 1, waitMs: 20_000 })).toMatchObject({ records: [], nextOffset: 8 });
    expect(eddy.clock.now()).toBe(start);
    // From below it, the batch before the marker carries the reader to the marker, and the next read past it.
    expect(await eddy.log.fetchBatches({ topic: 't', partition: 0, offset: 0 })).toMatchObject({ nextOffset: 1 });
    await eddy.log.produce({ topic: 't', records: [rec('z')] });
    expect(await fetched(eddy, 1)).toEqual([[8, 'z']]);
    expect(await batched(eddy, 1)).toEqual([[8, 'z']]);
  });

  it('the abandoned marker covers the one offset and holds nothing', async () => {
    const eddy = memoryEddy({ settings: RESERVE });
    const topicId = await holes(eddy, 1);
    eddy.clock.advance(10_000);
    await fetched(eddy, 1);
    const marker = (await entries(eddy.metadataStore, topicId)).find((e) => e.abandoned)!;
    expect(marker).toEqual({ topicId, partition: 0, baseOffset: 1, lastOffset: 1, objectKey: null, chunks: [], bytes: 0, maxTimestamp: -1, appendedAt: eddy.clock.now(), producers: {}, abandoned: true });
  });

  it('reads a hole that was written while the read looked at it, without abandoning it', async () => {
    // The reader's bounds and plan do not see the entry at 1 yet; when it checks the hole, the writer has written it.
    let hide = true;
    let hideFromBounds = false;
    const eddy = memoryEddy({
      settings: RESERVE,
      wrapMeta: (meta) =>
        intercept(meta, {
          entriesFrom: async (topicId, partition, offset, limit) => {
            const out = await meta.entriesFrom(topicId, partition, offset, limit);
            if (!hide || limit !== 16) return out;
            hide = false;
            return out.filter((e) => e.baseOffset !== 1);
          },
          // The bounds' newest entries plan the first read (entriesFromRecent): they miss it too.
          entriesBefore: async (topicId, partition, before, limit) => {
            const out = await meta.entriesBefore(topicId, partition, before, limit);
            if (!hideFromBounds) return out;
            hideFromBounds = false;
            return out.filter((e) => e.baseOffset !== 1);
          },
        }),
    });
    const { topicId } = await eddy.log.createTopic({ name: 't' });
    for (const v of ['a', 'b', 'c']) await eddy.log.produce({ topic: 't', records: [rec(v)] });
    hideFromBounds = true;
    // Young entries: a real hole would stop the read here.
    expect(await fetched(eddy, 1)).toEqual([
      [1, 'b'],
      [2, 'c'],
    ]);
    expect((await entries(eddy.metadataStore, topicId)).some((e) => e.abandoned)).toBe(false);
  });

  it('a read waiting at a young hole makes a few index queries, not one per abandon attempt', async () => {
    let queries = 0;
    const eddy = memoryEddy({
      settings: RESERVE,
      wrapMeta: (meta) =>
        intercept(meta, {
          entriesFrom: async (...args) => {
            queries++;
            return meta.entriesFrom(...args);
          },
        }),
    });
    await holes(eddy, 1);
    queries = 0;
    expect(await fetched(eddy, 1)).toEqual([]);
    expect(queries).toBeLessThanOrEqual(3);
    queries = 0;
    expect(await batched(eddy, 1)).toEqual([]);
    expect(queries).toBeLessThanOrEqual(3);
  });

  it('without a clock, a read only waits at a hole: it never abandons one', async () => {
    const eddy = memoryEddy({ settings: RESERVE });
    const topicId = await holes(eddy, 1);
    eddy.clock.advance(60_000);
    const topic = await eddy.log.topic('t');
    const deps = { objects: eddy.objectStore, meta: eddy.metadataStore, hwmWindow: 64 };
    expect((await fetchRecords(deps, topic, { topic: 't', partition: 0, offset: 1 })).records).toEqual([]);
    expect((await readBatches(deps, topic, { topic: 't', partition: 0, offset: 1 })).batches).toEqual([]);
    expect((await entries(eddy.metadataStore, topicId)).some((e) => e.abandoned)).toBe(false);
  });
});
