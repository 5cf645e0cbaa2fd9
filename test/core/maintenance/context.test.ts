/**
 * What a run shares between its passes, seen from outside: how failures are
 * reported, and that a merge notices any change to any of its members made
 * by another writer while it worked (the re-read of step 3).
 */
import { describe, expect, it } from 'vitest';
import { EddyError } from '../../../core/errors.js';
import { seededIds } from '../../../core/ids.js';
import { Maintenance, type MaintenanceOptions } from '../../../core/maintenance/index.js';
import type { IndexEntry } from '../../../core/model.js';
import type { MetadataStore, ObjectStore } from '../../../core/ports.js';
import { enc, memoryEddy, readAll } from '../helpers.js';
import { indexEntries, intercept } from './helpers.js';

const OPTIONS: MaintenanceOptions = { gcGraceMs: 600_000, compactionMinAgeMs: 0, retentionMinAgeMs: 0 };

describe('a run\'s report of failures', () => {
  it('names where and why, as "where: CODE message", and keeps at most 20', async () => {
    const eddy = memoryEddy();
    await eddy.log.createTopic({ name: 'many', partitions: 25 });
    const failing = intercept(eddy.metadataStore, {
      listEntries: (original, topicId, partition) => {
        if (partition === 0) throw new EddyError('UNAVAILABLE', 'throttled');
        if (partition === 1) throw new Error('socket hang up');
        if (partition === 2) throw 'a bare string';
        if (partition < 25) throw new EddyError('UNAVAILABLE', `p${partition}`);
        return original(topicId, partition);
      },
    });
    const report = await new Maintenance({ objectStore: eddy.objectStore, metadataStore: failing, clock: eddy.clock, ids: seededIds(1) }, { ...OPTIONS, concurrency: 1 }).runOnce();
    expect(report.errors).toHaveLength(20);
    expect(report.errors.slice(0, 4)).toEqual(['read index many/0: UNAVAILABLE throttled', 'read index many/1: socket hang up', 'read index many/2: a bare string', 'read index many/3: UNAVAILABLE p3']);
    expect(report.errors[19]).toBe('read index many/19: UNAVAILABLE p19');
  });
});

describe('a merge re-reads its members before its index write', () => {
  /**
   * Entries: two large ones (A, skipped by the first run), a segment S of
   * several chunks (the ten small ones, merged by the first run), the head. The
   * second run merges A…S…: S is a middle member.
   */
  async function world() {
    const eddy = memoryEddy();
    const { topicId } = await eddy.log.createTopic({ name: 'm', partitions: 1 });
    const produce = (value: Uint8Array) => eddy.log.produce({ topic: 'm', records: [{ key: null, value }] });
    for (let i = 0; i < 2; i++) await produce(new Uint8Array(300).fill(i));
    for (let i = 0; i < 10; i++) await produce(enc(`small ${i}`));
    await produce(enc('head'));
    const run = (ports: { objectStore?: ObjectStore; metadataStore?: MetadataStore } = {}, o: MaintenanceOptions = {}) =>
      new Maintenance({ objectStore: eddy.objectStore, metadataStore: eddy.metadataStore, clock: eddy.clock, ids: seededIds(5), ...ports }, { ...OPTIONS, ...o }).runOnce();
    expect(await run({}, { compactionSkipBytes: 200, compactionChunkBytes: 150 })).toMatchObject({ segmentsWritten: 1, entriesCompacted: 10 });
    const entries = await indexEntries(eddy.metadataStore, topicId, 0);
    expect(entries.map((e) => [e.baseOffset, e.lastOffset])).toEqual([
      [0, 0],
      [1, 1],
      [2, 11],
      [12, 12],
    ]);
    expect(entries[2]!.chunks.length).toBeGreaterThanOrEqual(3);
    return { eddy, topicId, run, segment: entries[2]! };
  }

  const changes: Record<string, (s: IndexEntry) => IndexEntry> = {
    'its last offset': (s) => ({ ...s, lastOffset: s.lastOffset - 1 }),
    'its object': (s) => ({ ...s, objectKey: `${s.objectKey!}.moved` }),
    'its append time': (s) => ({ ...s, appendedAt: s.appendedAt + 1 }),
    'its size': (s) => ({ ...s, bytes: s.bytes + 1 }),
    'its number of chunks': (s) => ({ ...s, chunks: s.chunks.slice(0, -1) }),
    'a chunk\'s offset': (s) => ({ ...s, chunks: s.chunks.map((c, i) => (i === 1 ? { ...c, offsetDelta: c.offsetDelta + 1 } : c)) }),
    'a chunk\'s position': (s) => ({ ...s, chunks: s.chunks.map((c, i) => (i === 1 ? { ...c, position: c.position + 1 } : c)) }),
    'a chunk\'s length': (s) => ({ ...s, chunks: s.chunks.map((c, i) => (i === 1 ? { ...c, length: c.length + 1 } : c)) }),
    'a chunk\'s record count': (s) => ({ ...s, chunks: s.chunks.map((c, i) => (i === 1 ? { ...c, records: c.records + 1 } : c)) }),
  };
  for (const [what, change] of Object.entries(changes)) {
    it(`abandons the merge when another writer changed ${what} of a middle member meanwhile, leaving that change in place`, async () => {
      const { eddy, topicId, run, segment } = await world();
      const expected = await readAll(eddy.log, 'm');
      const rewritten = change(segment);
      let done = false;
      const racing = intercept(eddy.objectStore, {
        put: async (original, key, bytes) => {
          await original(key, bytes);
          if (key.startsWith('segments/') && !done) {
            done = true;
            expect(await eddy.metadataStore.replaceEntry(segment, rewritten)).toBe(true);
          }
        },
      });
      expect(await run({ objectStore: racing })).toMatchObject({ segmentsWritten: 0, segmentsAbandoned: 1, errors: [] });
      const after = await indexEntries(eddy.metadataStore, topicId, 0);
      expect(after.map((e) => e.baseOffset)).toEqual([0, 1, 2, 12]);
      expect(after[2]).toEqual(rewritten);
      // Put back, the next run merges as planned.
      expect(await eddy.metadataStore.replaceEntry(rewritten, segment)).toBe(true);
      expect(await run()).toMatchObject({ segmentsWritten: 1, segmentsAbandoned: 0, errors: [] });
      expect(await readAll(eddy.log, 'm')).toEqual(expected);
    });
  }
});
