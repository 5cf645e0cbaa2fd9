/**
 * Compaction as a consumer and an operator see it, on the memory adapters and
 * a virtual clock: every record keeps its offset and its stored bytes, time
 * lookups and time retention still see each record's timestamp, the age,
 * size, time and budget limits hold to the unit, corrupt input is refused by
 * name, and a merge that loses a race or runs late changes nothing.
 */
import { describe, expect, it } from 'vitest';
import { seededIds } from '../../../core/ids.js';
import { compactGroup, cutChunks, Maintenance, resolveMaintenanceOptions, type MaintenanceOptions } from '../../../core/maintenance/index.js';
import { emptyReport, MaintenanceContext } from '../../../core/maintenance/context.js';
import type { IndexEntry } from '../../../core/model.js';
import type { MetadataStore, ObjectStore } from '../../../core/ports.js';
import { enc, memoryEddy, readAll } from '../helpers.js';
import { indexEntries, intercept, objectKeys } from './helpers.js';

const GRACE = 600_000;
const OPTIONS: MaintenanceOptions = { gcGraceMs: GRACE, compactionMinAgeMs: 0, retentionMinAgeMs: 0 };

/** A topic with `n` single-record entries (value `v<i>`, timestamps as given or the clock's). */
async function world(n: number, timestamps?: (i: number, now: number) => number) {
  const eddy = memoryEddy();
  const { topicId } = await eddy.log.createTopic({ name: 'c', partitions: 1 });
  for (let i = 0; i < n; i++) {
    await eddy.log.produce({ topic: 'c', records: [{ key: enc(`k${i}`), value: enc(`v${i}`), headers: [['h', enc(`${i}`)]], ...(timestamps ? { timestamp: timestamps(i, eddy.clock.now()) } : {}) }] });
  }
  return {
    ...eddy,
    topicId,
    run: (o: MaintenanceOptions = {}) => eddy.maintenance({ ...OPTIONS, ...o }).runOnce(),
    runWith: (ports: { objectStore?: ObjectStore; metadataStore?: MetadataStore }, o: MaintenanceOptions = {}) =>
      new Maintenance({ objectStore: eddy.objectStore, metadataStore: eddy.metadataStore, clock: eddy.clock, ids: seededIds(9), ...ports }, { ...OPTIONS, ...o }).runOnce(),
    entries: () => indexEntries(eddy.metadataStore, topicId, 0),
    ranges: async () => (await indexEntries(eddy.metadataStore, topicId, 0)).map((e) => [e.baseOffset, e.lastOffset]),
    /** Every stored batch, by base offset, as the Kafka front door serves them. */
    batches: async () => {
      const out = new Map<bigint, number[]>();
      const { highWatermark } = await eddy.log.partitionOffsets('c', 0);
      for (let offset = 0; offset < highWatermark; offset++) {
        for (const bytes of (await eddy.log.readBatches({ topic: 'c', partition: 0, offset, maxBytes: 1 })).batches) {
          // One element may hold several batches back to back: base offset (8 bytes), then the length of the rest (4).
          const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.length);
          for (let at = 0; at < bytes.length; at += 12 + view.getInt32(at + 8)) out.set(view.getBigInt64(at), [...bytes.subarray(at, at + 12 + view.getInt32(at + 8))]);
        }
      }
      return out;
    },
  };
}

describe('compaction', () => {
  it('keeps every record\'s offset, key, value, headers, timestamp and stored batch bytes', async () => {
    const w = await world(12, (i, now) => now - 50_000 + ((i * 7) % 12) * 1000);
    const records = await w.log.fetch({ topic: 'c', partition: 0, offset: 0, maxRecords: 100 });
    const batches = await w.batches();
    expect(await w.run({ compactionChunkBytes: 200 })).toMatchObject({ segmentsWritten: 1, entriesCompacted: 11, leftoversRemoved: 0, segmentsAbandoned: 0, errors: [] });
    expect(await w.ranges()).toEqual([
      [0, 10],
      [11, 11],
    ]);
    expect(await w.log.fetch({ topic: 'c', partition: 0, offset: 0, maxRecords: 100 })).toEqual(records);
    expect(batches.size).toBe(12);
    expect(await w.batches()).toEqual(batches);
  });

  it('keeps each chunk\'s newest timestamp: offset lookups by time and time retention answer as before', async () => {
    // Timestamps out of order, so a chunk's newest record is not its last one.
    const stamps = [50, 10, 40, 30, 20, 90, 60, 70, 10, 80, 5, 100];
    const w = await world(stamps.length, (i, now) => now - 200_000 + stamps[i]! * 1000);
    const base = w.clock.now() - 200_000;
    const lookups = async () => Promise.all(stamps.map((s) => w.log.listOffset('c', 0, { timestamp: base + s * 1000 })));
    const before = await lookups();
    expect(await w.run({ compactionChunkBytes: 250 })).toMatchObject({ segmentsWritten: 1, errors: [] });
    const [segment] = await w.entries();
    expect(segment!.chunks.length).toBeGreaterThan(2);
    expect(segment!.maxTimestamp).toBe(base + 90_000); // the newest of offsets 0..10
    expect(await lookups()).toEqual(before);
    // The merged segment's newest record (90) is 110 s old: 111 s retention keeps all of it, 109 s drops it.
    await w.log.alterTopic('c', { config: { retentionMs: 111_000 } });
    expect(await w.run({ passes: { compaction: false } })).toMatchObject({ entriesExpired: 0 });
    await w.log.alterTopic('c', { config: { retentionMs: 109_000 } });
    expect(await w.run({ passes: { compaction: false } })).toMatchObject({ entriesExpired: 1, errors: [] });
    expect((await w.log.describeTopic('c')).partitionOffsets[0]).toMatchObject({ logStartOffset: 11, highWatermark: 12 });
  });

  it('merges entries exactly compactionMinAgeMs old, not a millisecond younger', async () => {
    const w = await world(5);
    const appended = (await w.entries())[0]!.appendedAt;
    w.clock.time = appended + 59_999;
    expect(await w.run({ compactionMinAgeMs: 60_000 })).toMatchObject({ segmentsWritten: 0 });
    w.clock.time = appended + 60_000;
    expect(await w.run({ compactionMinAgeMs: 60_000 })).toMatchObject({ segmentsWritten: 1, entriesCompacted: 4 });
  });

  it('never merges an entry of exactly compactionSkipBytes, and merges one a byte smaller', async () => {
    const w = await world(5);
    const size = (await w.entries())[0]!.bytes;
    expect(await w.run({ compactionSkipBytes: size })).toMatchObject({ segmentsWritten: 0 });
    expect(await w.run({ compactionSkipBytes: size + 1 })).toMatchObject({ segmentsWritten: 1, entriesCompacted: 4 });
  });

  it('removes an interrupted merge\'s leftovers once its covering entry is exactly compactionMinAgeMs old', async () => {
    const w = await world(10);
    // A merge that stopped after its covering entry, before deleting the entries it covers.
    const crashing = intercept(w.metadataStore, { deleteEntry: () => Promise.reject(new Error('crash')) });
    expect(await w.runWith({ metadataStore: crashing })).toMatchObject({ segmentsWritten: 1 });
    expect(await w.ranges()).toHaveLength(10);
    const covering = (await w.entries())[0]!;
    w.clock.time = covering.appendedAt + 59_999;
    expect(await w.run({ compactionMinAgeMs: 60_000 })).toMatchObject({ leftoversRemoved: 0 });
    w.clock.time = covering.appendedAt + 60_000;
    expect(await w.run({ compactionMinAgeMs: 60_000 })).toMatchObject({ leftoversRemoved: 8, errors: [] });
    expect(await w.ranges()).toEqual([
      [0, 8],
      [9, 9],
    ]);
    expect(await readAll(w.log, 'c')).toEqual(Array.from({ length: 10 }, (_, i) => [i, `v${i}`]));
  });

  it('also removes a leftover a merge finds inside its range when another writer kept it from being removed first', async () => {
    const w = await world(8);
    const crashing = intercept(w.metadataStore, { deleteEntry: () => Promise.reject(new Error('crash')) });
    await w.runWith({ metadataStore: crashing }); // [0..6] written, [1]..[6] left over
    for (let i = 8; i < 30; i++) await w.log.produce({ topic: 'c', records: [{ key: enc(`k${i}`), value: enc(`v${i}`), headers: [['h', enc(`${i}`)]] }] });
    // Another writer touches leftovers [3] and [4] just as this run tries to remove them, so the removals lose.
    const raced = new Set<number>();
    const racing = intercept(w.metadataStore, {
      deleteEntry: async (original, e: IndexEntry) => {
        if ((e.baseOffset === 3 || e.baseOffset === 4) && !raced.has(e.baseOffset)) {
          raced.add(e.baseOffset);
          expect(await w.metadataStore.replaceEntry(e, { ...e, appendedAt: e.appendedAt - 1 })).toBe(true);
        }
        return original(e);
      },
    });
    const report = await w.runWith({ metadataStore: racing });
    // Four removed up front, the two touched ones by the merge that covers them.
    expect(report).toMatchObject({ leftoversRemoved: 6, segmentsWritten: 1, entriesCompacted: 23, errors: [] });
    expect(await w.ranges()).toEqual([
      [0, 28],
      [29, 29],
    ]);
    expect(await readAll(w.log, 'c')).toEqual(Array.from({ length: 30 }, (_, i) => [i, `v${i}`]));
  });

  it('abandons a merge whose index write would land later than half the grace period after its PUT', async () => {
    for (const [delay, written] of [
      [GRACE / 2, true],
      [GRACE / 2 + 1, false],
    ] as const) {
      const w = await world(5);
      const before = await w.ranges();
      const slow = intercept(w.objectStore, { put: async (original, key, bytes) => (await original(key, bytes), w.clock.advance(delay)) });
      const report = await w.runWith({ objectStore: slow });
      expect(report).toMatchObject({ segmentsWritten: written ? 1 : 0, segmentsAbandoned: written ? 0 : 1, errors: [] });
      expect(await w.ranges()).toEqual(written ? [[0, 3], [4, 4]] : before);
      expect(await objectKeys(w.objectStore, 'segments/')).toHaveLength(1);
      expect(await readAll(w.log, 'c')).toEqual(Array.from({ length: 5 }, (_, i) => [i, `v${i}`]));
    }
  });

  it('starts a merge up to exactly compactionBudgetMs into the run, and none after', async () => {
    const w = await world(13);
    // Each merge's PUT takes 500 ms; groups of at most 3 entries: four of them.
    const slow = intercept(w.objectStore, { put: async (original, key, bytes) => (await original(key, bytes), w.clock.advance(500)) });
    const report = await w.runWith({ objectStore: slow }, { compactionMaxEntries: 3, compactionBudgetMs: 1000 });
    expect(report).toMatchObject({ segmentsWritten: 3, entriesCompacted: 9, mergesDeferred: 1, errors: [] });
  });

  it('never merges across a missing index entry (a hole): only the records below it, keeping the entry that ends at it, and no offset moves', async () => {
    const w = await world(8);
    const entries = await w.entries();
    expect(await w.metadataStore.deleteEntry(entries[4]!)).toBe(true);
    const report = await w.run();
    expect(report).toMatchObject({ segmentsWritten: 1, entriesCompacted: 3, errors: [] });
    // The hole at 4 is left for its writer (or a reader's abandon marker); nothing above it is touched.
    expect(await w.ranges()).toEqual([
      [0, 2],
      [3, 3],
      [5, 5],
      [6, 6],
      [7, 7],
    ]);
  });

  it('refuses to merge an entry that claims more offsets than its chunks hold, and says which', async () => {
    const w = await world(4);
    const entries = await w.entries();
    // The last entry before the head claims offset 3 too, which only the head holds.
    expect(await w.metadataStore.replaceEntry(entries[2]!, { ...entries[2]!, lastOffset: 3 })).toBe(true);
    const report = await w.run();
    expect(report.errors).toEqual([`c/0: DATA_CORRUPT stored data is corrupt: entries 0..3 of ${w.topicId}/0 hold records up to 2 only`]);
    expect(await objectKeys(w.objectStore, 'segments/')).toEqual([]);
  });

  it('remembers the 1000 most recent producers of the entries it merges', async () => {
    const w = await world(4);
    const entries = await w.entries();
    // Three earlier merges each remembered 600 producers (p<n> last wrote at offset n).
    const state = (n: number) => ({ epoch: 0, firstSequence: 0, lastSequence: 0, baseOffset: n });
    for (const [i, e] of entries.slice(0, 3).entries()) {
      const producers = Object.fromEntries(Array.from({ length: 600 }, (_, j) => [`p${i * 600 + j}`, state(i * 600 + j)]));
      expect(await w.metadataStore.replaceEntry(e, { ...e, producers })).toBe(true);
    }
    expect(await w.run()).toMatchObject({ segmentsWritten: 1, errors: [] });
    const [segment] = await w.entries();
    expect(Object.keys(segment!.producers).sort()).toEqual(Array.from({ length: 1000 }, (_, j) => `p${800 + j}`).sort());
    expect(segment!.producers.p1799).toEqual(state(1799));
  });

  it('re-reads a merge\'s range with a single index query', async () => {
    const w = await world(12);
    const queries: string[] = [];
    const counted = intercept(w.metadataStore, {
      entriesFrom: (original, topicId, partition, offset, limit) => (queries.push(`entriesFrom ${offset}`), original(topicId, partition, offset, limit)),
    });
    expect(await w.runWith({ metadataStore: counted })).toMatchObject({ segmentsWritten: 1, entriesCompacted: 11 });
    expect(queries).toEqual(['entriesFrom 0']);
  });

  it('tells a direct caller whether the merge became visible', async () => {
    const w = await world(4);
    const group = (await w.entries()).slice(0, 3);
    const ctx = () => new MaintenanceContext(w.objectStore, w.metadataStore, w.clock, seededIds(3), resolveMaintenanceOptions(OPTIONS), emptyReport(), w.clock.now());
    expect(await compactGroup(ctx(), group)).toBe(true);
    expect(await compactGroup(ctx(), group)).toBe(false); // its entries are gone now
  });

  it('cuts nothing into no chunks', () => {
    expect(cutChunks([], 100)).toEqual([]);
  });
});
