/**
 * A fetch plans its first reads from the newest entries its bounds read
 * (core/log/fetch.ts `entriesFromRecent`) instead of asking the index again.
 * Whenever those entries reach the offset, they must answer exactly what
 * `entriesFrom` answers: same entries, same order, same limit — over any
 * index (dense runs, markers, holes, overlapping compacted entries) and any
 * window, including a window cut short as a DynamoDB page can be.
 */
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { MemoryMetadataStore } from '../../../core/adapters/memory/metadata-store.js';
import { entriesFromRecent } from '../../../core/log/fetch.js';
import type { IndexEntry } from '../../../core/model.js';

const entry = (baseOffset: number, lastOffset: number, marker: boolean): IndexEntry => ({
  topicId: 't',
  partition: 0,
  baseOffset,
  lastOffset,
  objectKey: marker ? null : `o${baseOffset}`,
  chunks: marker ? [] : [{ offsetDelta: 0, records: lastOffset - baseOffset + 1, position: 0, length: 10, format: 2, maxTimestamp: 0 }],
  bytes: marker ? 0 : 10,
  maxTimestamp: 0,
  appendedAt: 0,
  producers: {},
});

/** Entries in offset order: each a run of 1–5 offsets, after a hole of 0–3 offsets, some of them markers. */
const index = fc.array(fc.record({ gap: fc.oneof(fc.constant(0), fc.constant(0), fc.integer({ min: 1, max: 3 })), size: fc.integer({ min: 1, max: 5 }), marker: fc.boolean() }), { minLength: 0, maxLength: 40 }).map((runs) => {
  const out: IndexEntry[] = [];
  let next = 0;
  for (const r of runs) {
    next += r.gap;
    out.push(entry(next, next + r.size - 1, r.marker));
    next += r.size;
  }
  return out;
});

describe('entriesFromRecent', () => {
  it('answers what entriesFrom answers whenever the newest entries reach the offset, and is undefined only when they do not', async () => {
    await fc.assert(
      fc.asyncProperty(index, fc.integer({ min: 1, max: 70 }), fc.integer({ min: 0, max: 220 }), fc.integer({ min: 1, max: 20 }), async (entries, window, offset, limit) => {
        const meta = new MemoryMetadataStore();
        for (const e of entries) expect(await meta.appendEntry(e)).toBe(true);
        const recent = await meta.entriesBefore('t', 0, Number.MAX_SAFE_INTEGER, window);
        const got = entriesFromRecent(recent, offset, limit);
        const reaches = recent.length > 0 && recent[recent.length - 1]!.baseOffset <= offset;
        if (!reaches) {
          expect(got).toBeUndefined();
          return;
        }
        expect(got).toEqual(await meta.entriesFrom('t', 0, offset, limit));
      }),
      { numRuns: 500 },
    );
  });

  it('with overlapping entries (a compaction mid-way), takes the last one starting at or below the offset, as entriesFrom does', async () => {
    const meta = new MemoryMetadataStore();
    for (const e of [entry(0, 9, false), entry(5, 7, false), entry(8, 9, false), entry(10, 12, false)]) await meta.appendEntry(e);
    const recent = await meta.entriesBefore('t', 0, Number.MAX_SAFE_INTEGER, 64);
    for (const offset of [0, 4, 5, 6, 8, 9, 10, 12, 13]) expect(entriesFromRecent(recent, offset, 3)).toEqual(await meta.entriesFrom('t', 0, offset, 3));
    expect(entriesFromRecent([], 0, 3)).toBeUndefined();
  });
});
