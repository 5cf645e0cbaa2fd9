/**
 * Retention as a user sees it, on the memory adapters and a virtual clock:
 * exactly the old entries go (by time and by bytes, to the millisecond and
 * the byte), the log start moves to the first kept offset, an expired head
 * leaves a marker that keeps the high-water mark, and a concurrent change
 * stops the pass instead of being overwritten.
 */
import { describe, expect, it } from 'vitest';
import { seededIds } from '../../../core/ids.js';
import { Maintenance } from '../../../core/maintenance/index.js';
import type { IndexEntry } from '../../../core/model.js';
import type { MetadataStore } from '../../../core/ports.js';
import { enc, expectCode, memoryEddy, readAll } from '../helpers.js';
import { indexEntries, intercept } from './helpers.js';

const OPTIONS = { gcGraceMs: 600_000, compactionMinAgeMs: 0, retentionMinAgeMs: 0 };

/** A topic with one entry per timestamp given (one record each, value = index). */
async function world(timestamps: number[], config: { retentionMs?: number; retentionBytes?: number } = {}) {
  const eddy = memoryEddy();
  const { topicId } = await eddy.log.createTopic({ name: 'r', partitions: 1, config });
  for (const [i, timestamp] of timestamps.entries()) await eddy.log.produce({ topic: 'r', records: [{ key: null, value: enc(`v${i}`), timestamp }] });
  const entries = await indexEntries(eddy.metadataStore, topicId, 0);
  return {
    ...eddy,
    topicId,
    entries,
    run: (o = {}) => eddy.maintenance({ ...OPTIONS, ...o }).runOnce(),
    runWith: (metadataStore: MetadataStore, o = {}) => new Maintenance({ objectStore: eddy.objectStore, metadataStore, clock: eddy.clock, ids: seededIds(7) }, { ...OPTIONS, ...o }).runOnce(),
    offsets: async () => (await eddy.log.describeTopic('r')).partitionOffsets[0]!,
    stored: async () => (await indexEntries(eddy.metadataStore, topicId, 0)).map((e) => [e.baseOffset, e.objectKey !== null]),
  };
}

describe('retention', () => {
  it('by time drops exactly the entries whose newest record is older than retentionMs, to the millisecond', async () => {
    const now = 1_700_000_000_000;
    const RET = 10_000;
    const w = await world([now - RET - 5000, now - RET - 1, now - RET, now - RET + 1, now], { retentionMs: RET });
    const report = await w.run({ passes: { compaction: false } });
    expect(report).toMatchObject({ entriesExpired: 2, bytesExpired: w.entries[0]!.bytes + w.entries[1]!.bytes, errors: [] });
    expect(await w.offsets()).toMatchObject({ logStartOffset: 2, highWatermark: 5, segments: 3 });
    expect(await readAll(w.log, 'r', 0, 2)).toEqual([
      [2, 'v2'],
      [3, 'v3'],
      [4, 'v4'],
    ]);
    await expectCode(w.log.fetch({ topic: 'r', partition: 0, offset: 1 }), 'OFFSET_OUT_OF_RANGE');
    // A millisecond later the entry at the cutoff is old too.
    w.clock.advance(1);
    expect(await w.run({ passes: { compaction: false } })).toMatchObject({ entriesExpired: 1 });
    expect(await w.offsets()).toMatchObject({ logStartOffset: 3 });
  });

  it('keeps records forever with retentionMs -1, and any amount of bytes with retentionBytes -1', async () => {
    const w = await world([1, 2, 3], { retentionMs: -1, retentionBytes: -1 });
    w.clock.advance(365 * 24 * 3_600_000);
    expect(await w.run({ passes: { compaction: false } })).toMatchObject({ entriesExpired: 0, bytesExpired: 0 });
    expect(await readAll(w.log, 'r')).toEqual([
      [0, 'v0'],
      [1, 'v1'],
      [2, 'v2'],
    ]);
  });

  it('by bytes keeps the newest entries that fit, to the byte', async () => {
    const now = 1_700_000_000_000;
    const w = await world([now, now, now, now, now]);
    const sizes = w.entries.map((e) => e.bytes);
    const last3 = sizes[2]! + sizes[3]! + sizes[4]!;
    // Exactly the size of the three newest: those three stay.
    await w.log.alterTopic('r', { config: { retentionBytes: last3 } });
    expect(await w.run({ passes: { compaction: false } })).toMatchObject({ entriesExpired: 2, bytesExpired: sizes[0]! + sizes[1]! });
    expect(await w.offsets()).toMatchObject({ logStartOffset: 2, highWatermark: 5 });
    // One byte less: one more goes.
    await w.log.alterTopic('r', { config: { retentionBytes: last3 - 1 } });
    expect(await w.run({ passes: { compaction: false } })).toMatchObject({ entriesExpired: 1, bytesExpired: sizes[2]! });
    expect(await w.offsets()).toMatchObject({ logStartOffset: 3, highWatermark: 5 });
  });

  it('turns an expired head into a marker made at the run, which keeps the high-water mark and is dropped, uncounted, once something follows it', async () => {
    const w = await world([1, 2], { retentionMs: 1000 });
    const head = w.entries[1]!;
    w.clock.advance(5000);
    const runAt = w.clock.now();
    expect(await w.run()).toMatchObject({ entriesExpired: 2, bytesExpired: w.entries[0]!.bytes + head.bytes, segmentsWritten: 0, errors: [] });
    const [marker] = await indexEntries(w.metadataStore, w.topicId, 0);
    expect(marker).toEqual({ ...head, objectKey: null, chunks: [], bytes: 0, appendedAt: runAt });
    expect(await w.offsets()).toMatchObject({ logStartOffset: 2, highWatermark: 2, segments: 0 });
    // Running again changes nothing: a marker that is the head stays.
    expect(await w.run()).toMatchObject({ entriesExpired: 0, bytesExpired: 0 });
    expect(await w.stored()).toEqual([[1, false]]);
    await w.log.produce({ topic: 'r', records: [{ key: null, value: enc('next'), timestamp: w.clock.now() }] });
    expect(await w.run()).toMatchObject({ entriesExpired: 0, bytesExpired: 0, errors: [] });
    expect(await w.stored()).toEqual([[2, true]]);
    expect(await readAll(w.log, 'r', 0, 2)).toEqual([[2, 'next']]);
  });

  it('leaves entries appended less than retentionMinAgeMs ago, to the millisecond', async () => {
    const w = await world([1, 2, 3], { retentionMs: 1000 });
    const appended = w.entries[0]!.appendedAt;
    w.clock.time = appended + 59_999;
    expect(await w.run({ retentionMinAgeMs: 60_000, passes: { compaction: false } })).toMatchObject({ entriesExpired: 0 });
    w.clock.time = appended + 60_000;
    expect(await w.run({ retentionMinAgeMs: 60_000, passes: { compaction: false } })).toMatchObject({ entriesExpired: 3 });
    expect(await w.offsets()).toMatchObject({ logStartOffset: 3, highWatermark: 3, segments: 0 });
  });

  it('compacts, in the same run, what retention kept', async () => {
    const now = 1_700_000_000_000;
    const w = await world([now - 20_000, now - 20_000, now, now, now, now], { retentionMs: 10_000 });
    expect(await w.run()).toMatchObject({ entriesExpired: 2, segmentsWritten: 1, entriesCompacted: 3, segmentsAbandoned: 0, errors: [] });
    expect(await w.stored()).toEqual([
      [2, true],
      [5, true],
    ]);
    expect(await readAll(w.log, 'r', 0, 2)).toEqual([2, 3, 4, 5].map((o) => [o, `v${o}`]));
  });

  it('stops at an entry another writer changed, deletes nothing past it, and leaves the partition to the next run', async () => {
    const now = 1_700_000_000_000;
    const w = await world([now - 20_000, now - 20_000, now - 20_000, now, now, now], { retentionMs: 10_000 });
    // Between this run's index read and its delete of entry 1, another writer rewrites it.
    let raced = false;
    const racing = intercept(w.metadataStore, {
      deleteEntry: async (original, e: IndexEntry) => {
        if (e.baseOffset === 1 && !raced) {
          raced = true;
          expect(await w.metadataStore.replaceEntry(e, { ...e, appendedAt: e.appendedAt + 1 })).toBe(true);
        }
        return original(e);
      },
    });
    const report = await w.runWith(racing);
    // Nothing else is tried on the partition this run: no merge of what retention meant to drop.
    expect(report).toMatchObject({ entriesExpired: 1, segmentsWritten: 0, segmentsAbandoned: 0, errors: [] });
    expect((await w.stored()).map(([b]) => b)).toEqual([1, 2, 3, 4, 5]);
    w.clock.advance(1); // the rewritten entry was appended a millisecond "later"
    const next = await w.run();
    expect(next).toMatchObject({ entriesExpired: 2, segmentsWritten: 1, errors: [] });
    expect(await readAll(w.log, 'r', 0, 3)).toEqual([3, 4, 5].map((o) => [o, `v${o}`]));
  });

  it('leaves a head another writer changed as it is, and does not count it', async () => {
    const w = await world([1], { retentionMs: 1000 });
    w.clock.advance(5000);
    const racing = intercept(w.metadataStore, {
      replaceEntry: async (original, prev: IndexEntry, next: IndexEntry) => {
        expect(await w.metadataStore.replaceEntry(prev, { ...prev, appendedAt: prev.appendedAt + 1 })).toBe(true);
        return original(prev, next);
      },
    });
    expect(await w.runWith(racing)).toMatchObject({ entriesExpired: 0, bytesExpired: 0, errors: [] });
    expect(await readAll(w.log, 'r')).toEqual([[0, 'v0']]);
    expect(await w.run()).toMatchObject({ entriesExpired: 1 });
    expect(await w.offsets()).toMatchObject({ logStartOffset: 1, highWatermark: 1, segments: 0 });
  });
});
