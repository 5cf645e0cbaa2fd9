/**
 * Maintenance never works across a hole (a range reserved and not written
 * yet, docs/design.md §3): retention and compaction see only the entries
 * below the first hole, so the entry that ends at a hole stays, and nothing
 * above it is removed or merged until the hole is written or abandoned.
 */
import { describe, expect, it } from 'vitest';
import { contiguousPrefix } from '../../../core/maintenance/index.js';
import type { IndexEntry } from '../../../core/model.js';
import { enc, memoryEddy } from '../helpers.js';
import { indexEntries } from './helpers.js';

const e = (baseOffset: number, lastOffset: number): IndexEntry => ({
  topicId: 't',
  partition: 0,
  baseOffset,
  lastOffset,
  objectKey: 'k',
  chunks: [],
  bytes: 1,
  maxTimestamp: 1,
  appendedAt: 1,
  producers: {},
});
const ranges = (entries: readonly IndexEntry[]) => entries.map((x) => [x.baseOffset, x.lastOffset]);

describe('the contiguous run maintenance works on', () => {
  it('is every entry when there is no hole, and nothing of nothing', () => {
    expect(contiguousPrefix([])).toEqual([]);
    expect(ranges(contiguousPrefix([e(0, 2), e(3, 3), e(4, 9)]))).toEqual([
      [0, 2],
      [3, 3],
      [4, 9],
    ]);
    // A partition whose log start moved: the run starts wherever the first entry does.
    expect(ranges(contiguousPrefix([e(7, 8), e(9, 9)]))).toEqual([
      [7, 8],
      [9, 9],
    ]);
  });

  it('ends at the first hole, however many entries follow it', () => {
    expect(ranges(contiguousPrefix([e(0, 2), e(4, 4), e(5, 5)]))).toEqual([[0, 2]]);
    expect(ranges(contiguousPrefix([e(0, 0), e(1, 1), e(3, 3)]))).toEqual([
      [0, 0],
      [1, 1],
    ]);
    expect(ranges(contiguousPrefix([e(5, 5), e(7, 7)]))).toEqual([[5, 5]]);
  });

  it('counts a covering entry and the entries it replaces as one run (a compaction mid-way), and a hole after them still ends it', () => {
    const mid = [e(0, 5), e(0, 1), e(2, 3), e(4, 5), e(6, 6), e(8, 8)];
    expect(ranges(contiguousPrefix(mid))).toEqual([
      [0, 5],
      [0, 1],
      [2, 3],
      [4, 5],
      [6, 6],
    ]);
  });
});

describe('maintenance of a partition with a hole', () => {
  it('retention removes nothing above the hole and keeps the range of the entry that ends at it', async () => {
    const eddy = memoryEddy({ settings: { log: { appendProtocol: 'reserve' } } });
    const { topicId } = await eddy.log.createTopic({ name: 'r', config: { retentionMs: 1_000 } });
    const produce = (v: string) => eddy.log.produce({ topic: 'r', records: [{ key: null, value: enc(v), partition: 0 }] });
    await produce('a');
    await produce('b');
    expect(await eddy.metadataStore.reserveOffsets(topicId, 0, 1)).toBe(2); // a writer reserves 2 and has not written yet
    await produce('d');
    eddy.clock.advance(5_000); // every record is past retention, the hole is not abandoned (no read)
    const report = await eddy.maintenance({ compactionMinAgeMs: 0, retentionMinAgeMs: 0, passes: { gc: false, tombstones: false } }).runOnce();
    expect(report.errors).toEqual([]);
    const left = await indexEntries(eddy.metadataStore, topicId, 0);
    // Below the hole: the expired records go, the last entry below it stays as a marker of its range
    // (no hole lies below a partition's first entry). Above it: the expired record at 3 is untouched.
    expect(left.map((x) => [x.baseOffset, x.lastOffset, x.objectKey !== null])).toEqual([
      [1, 1, false],
      [3, 3, true],
    ]);
    expect(await eddy.log.partitionOffsets('r', 0)).toEqual({ partition: 0, logStartOffset: 2, highWatermark: 2 });
  });
});
