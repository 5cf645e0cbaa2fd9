/** The pure planning parts of maintenance: which entries retention drops and compaction merges. */
import { describe, expect, it } from 'vitest';
import { EddyError } from '../../../core/errors.js';
import { coveredBy } from '../../../core/maintenance/context.js';
import { cutChunks, headMarker, MAINTENANCE_DEFAULTS, planCompaction, planRetention, resolveMaintenanceOptions } from '../../../core/maintenance/index.js';
import { DEFAULT_TOPIC_CONFIG, type IndexEntry, type TopicConfig } from '../../../core/model.js';

const NOW = 1_000_000_000;

/** An entry of `[base, last]`; data in an ingest object unless `marker`. */
function entry(base: number, last: number, over: Partial<IndexEntry> = {}): IndexEntry {
  return {
    topicId: 't',
    partition: 0,
    baseOffset: base,
    lastOffset: last,
    objectKey: `ingest/t/${base}-${last}.eddy`,
    chunks: [{ offsetDelta: 0, position: 12, length: 100, records: last - base + 1, maxTimestamp: NOW - 1000 }],
    bytes: 100,
    maxTimestamp: NOW - 1000,
    appendedAt: NOW - 120_000,
    producers: {},
    ...over,
  };
}
const marker = (base: number, last: number, over: Partial<IndexEntry> = {}) => entry(base, last, { objectKey: null, chunks: [], bytes: 0, ...over });
const config = (over: Partial<TopicConfig>): TopicConfig => ({ ...DEFAULT_TOPIC_CONFIG, ...over });
const bases = (es: readonly IndexEntry[]) => es.map((e) => e.baseOffset);

describe('planRetention', () => {
  it('keeps everything within retention, and plans nothing for an empty partition', () => {
    expect(planRetention(config({}), [], NOW, 0)).toEqual({ drop: [] });
    expect(planRetention(config({}), [entry(0, 0), entry(1, 1)], NOW, 0)).toEqual({ drop: [] });
  });

  it('drops by time oldest first, stopping at the first entry still within retention', () => {
    const es = [entry(0, 4, { maxTimestamp: NOW - 5000 }), entry(5, 5, { maxTimestamp: NOW - 500 }), entry(6, 6, { maxTimestamp: NOW - 5000 }), entry(7, 7)];
    const plan = planRetention(config({ retentionMs: 1000 }), es, NOW, 0);
    expect(bases(plan.drop)).toEqual([0]);
    expect(plan.head).toBeUndefined();
  });

  it('never drops the head: an expired head becomes a head marker', () => {
    const es = [entry(0, 4), entry(5, 9)];
    const plan = planRetention(config({ retentionMs: 1 }), es, NOW, 0);
    expect(bases(plan.drop)).toEqual([0]);
    expect(plan.head).toBe(es[1]);
    const m = headMarker(entry(5, 9, { producers: { p: { epoch: 1, firstSequence: 3, lastSequence: 7, baseOffset: 5 } } }), NOW);
    expect(m).toMatchObject({ baseOffset: 5, lastOffset: 9, objectKey: null, chunks: [], bytes: 0, producers: { p: { lastSequence: 7 } } });
    // A head that is a marker already stays as it is.
    expect(planRetention(config({ retentionMs: 1 }), [marker(0, 9)], NOW, 0)).toEqual({ drop: [] });
  });

  it('drops by size until what is left fits', () => {
    const es = [0, 1, 2, 3, 4].map((i) => entry(i, i));
    expect(bases(planRetention(config({ retentionBytes: 250 }), es, NOW, 0).drop)).toEqual([0, 1, 2]);
    expect(bases(planRetention(config({ retentionBytes: 300 }), es, NOW, 0).drop)).toEqual([0, 1]);
    expect(planRetention(config({ retentionBytes: 1 }), es, NOW, 0).head).toBe(es[4]);
  });

  it('leaves entries appended less than the minimum age ago, even with old timestamps', () => {
    const es = [entry(0, 0, { maxTimestamp: 5 }), entry(1, 1, { maxTimestamp: 5, appendedAt: NOW - 10 }), entry(2, 2, { maxTimestamp: 5 }), entry(3, 3)];
    expect(bases(planRetention(config({}), es, NOW, 60_000).drop)).toEqual([0]);
  });

  it('drops a marker that is no longer the head, whatever the retention', () => {
    const es = [marker(0, 9), entry(10, 10), entry(11, 11)];
    expect(bases(planRetention(config({ retentionMs: -1, retentionBytes: -1 }), es, NOW, 0).drop)).toEqual([0]);
  });

  it('drops the leftovers a dropped entry covers, before the entry itself', () => {
    // A merge wrote [0..9] and stopped before deleting [3..4] and [5..6].
    const covering = entry(0, 9, { objectKey: 'segments/t/0', bytes: 100 });
    const es = [covering, entry(3, 4, { bytes: 20 }), entry(5, 6, { bytes: 20 }), entry(7, 9, { bytes: 30 }), entry(10, 10, { bytes: 10 }), entry(11, 11, { bytes: 10 })];
    expect(coveredBy(es)).toEqual([-1, 0, 0, 0, -1, -1]);
    // 120 bytes are stored (leftovers counted once); 25 fit: [0..9] goes, and every leftover with it.
    // Exactly the 120 bytes stored fit in 120: nothing goes.
    expect(planRetention(config({ retentionBytes: 120 }), es, NOW, 0)).toEqual({ drop: [] });
    const plan = planRetention(config({ retentionBytes: 25 }), es, NOW, 0);
    expect(plan.drop.map((e) => [e.baseOffset, e.lastOffset])).toEqual([
      [3, 4],
      [5, 6],
      [7, 9],
      [0, 9],
    ]);
  });
});

describe('planCompaction', () => {
  const sizing = { compactionTargetBytes: 1000, compactionMaxEntries: 1000, compactionMinAgeMs: 60_000 };

  it('merges every settled entry but the head', () => {
    const es = [0, 1, 2, 3, 4].map((i) => entry(i, i));
    expect(planCompaction(es, NOW, sizing).groups.map(bases)).toEqual([[0, 1, 2, 3]]);
    expect(planCompaction(es.slice(0, 2), NOW, sizing).groups).toEqual([]);
  });

  it('does not merge entries younger than the minimum age, nor across them or a marker', () => {
    const es = [entry(0, 0), entry(1, 1), marker(2, 2), entry(3, 3), entry(4, 4), entry(5, 5, { appendedAt: NOW - 10 }), entry(6, 6), entry(7, 7), entry(8, 8)];
    expect(planCompaction(es, NOW, sizing).groups.map(bases)).toEqual([[0, 1], [3, 4], [6, 7]]);
  });

  it('cuts groups at the target size and the entry limit', () => {
    const es = Array.from({ length: 26 }, (_, i) => entry(i, i));
    expect(planCompaction(es, NOW, sizing).groups.map(bases)).toEqual([
      [0, 1, 2, 3, 4, 5, 6, 7, 8, 9],
      [10, 11, 12, 13, 14, 15, 16, 17, 18, 19],
      [20, 21, 22, 23, 24],
    ]);
    expect(planCompaction(es.slice(0, 8), NOW, { ...sizing, compactionMaxEntries: 3 }).groups.map(bases)).toEqual([
      [0, 1, 2],
      [3, 4, 5],
    ]);
  });

  it('leaves a segment alone until what follows is at least as large (size-tiered)', () => {
    const seg = entry(0, 99, { objectKey: 'segments/t/0', bytes: 500 });
    const small = (i: number) => entry(100 + i, 100 + i, { bytes: 100 });
    expect(planCompaction([seg, small(0), small(1), small(2)], NOW, sizing).groups.map(bases)).toEqual([[100, 101]]);
    expect(planCompaction([seg, ...[0, 1, 2, 3, 4, 5].map(small)], NOW, sizing).groups.map(bases)).toEqual([[0, 100, 101, 102, 103, 104]]);
  });

  it('removes leftovers of an interrupted merge once the covering entry is settled', () => {
    const es = [entry(0, 9, { objectKey: 'segments/t/0', bytes: 1000 }), entry(5, 5), entry(6, 9), entry(10, 10)];
    expect(bases(planCompaction(es, NOW, sizing).leftovers)).toEqual([5, 6]);
    const fresh = [{ ...es[0]!, appendedAt: NOW - 10 }, ...es.slice(1)];
    expect(planCompaction(fresh, NOW, sizing).leftovers).toEqual([]);
  });
});

describe('cutChunks', () => {
  const batch = (n: number) => ({ size: n, bytes: new Uint8Array(n) });

  it('keeps order and cuts at the chunk size, one batch at least per chunk', () => {
    const batches = [10, 20, 30, 2000, 5, 5].map(batch);
    const chunks = cutChunks(batches, 60);
    expect(chunks.flat()).toEqual(batches);
    expect(chunks.map((c) => c.map((b) => b.size))).toEqual([[10, 20, 30], [2000], [5, 5]]);
    for (const c of chunks) if (c.length > 1) expect(c.reduce((n, b) => n + b.size, 0)).toBeLessThanOrEqual(60);
  });
});

describe('maintenance options', () => {
  it('applies defaults', () => {
    expect(resolveMaintenanceOptions()).toEqual({ ...MAINTENANCE_DEFAULTS, passes: { retention: true, compaction: true, gc: true, tombstones: true } });
    expect(resolveMaintenanceOptions({ gcGraceMs: 5, passes: { gc: false } })).toMatchObject({ gcGraceMs: 5, passes: { gc: false, retention: true } });
  });

  it('rejects bad values, naming them', () => {
    for (const bad of [{ gcGraceMs: -1 }, { compactionTargetBytes: 0 }, { concurrency: 1.5 }, { compactionMinAgeMs: Number.NaN }, { compactionMaxEntries: 1 }]) {
      const name = Object.keys(bad)[0]!;
      expect(() => resolveMaintenanceOptions(bad)).toThrow(EddyError);
      expect(() => resolveMaintenanceOptions(bad)).toThrow(name);
    }
  });
});
