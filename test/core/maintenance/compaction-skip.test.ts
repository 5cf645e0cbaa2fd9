/**
 * Compaction leaves entries that are already large alone (`compactionSkipBytes`):
 * a fetch reads such an entry with one ranged GET, so merging it would only
 * cost a GET, a PUT and index writes. Memory adapters.
 */
import { randomBytes } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { memoryComponents } from '../../../core/adapters/memory/index.js';
import { seededIds } from '../../../core/ids.js';
import { createEddy } from '../../../core/index.js';
import { resolveMaintenanceOptions } from '../../../core/maintenance/options.js';
import { indexEntries, objectKeys, readAll, testClock } from './helpers.js';

const KIB = 1024;

async function world(compactionSkipBytes?: number) {
  const clock = testClock();
  const c = memoryComponents(clock, seededIds(7));
  const eddy = createEddy({ components: c, settings: { maintenance: { compactionMinAgeMs: 0, retentionMinAgeMs: 0, ...(compactionSkipBytes !== undefined ? { compactionSkipBytes } : {}) } } });
  const { topicId } = await eddy.log.createTopic({ name: 't', partitions: 1 });
  // Random bytes, so that a compressing topic could not shrink them; the first byte tags the record.
  const produce = (size: number, tag: number) => {
    const value = randomBytes(size);
    value[0] = tag;
    return eddy.log.produce({ topic: 't', records: [{ key: null, value, partition: 0 }] });
  };
  return { c, eddy, topicId, produce };
}

describe('compaction skips entries that are already large', () => {
  it('defaults to 512 KiB and rejects a bad value by name', () => {
    expect(resolveMaintenanceOptions().compactionSkipBytes).toBe(512 * KIB);
    expect(() => resolveMaintenanceOptions({ compactionSkipBytes: 0 })).toThrow(/compactionSkipBytes/);
  });

  it('writes no segment for a run of large entries, and the records read back unchanged', async () => {
    const { c, eddy, topicId, produce } = await world();
    for (let i = 0; i < 4; i++) await produce(600 * KIB, i);
    const before = await indexEntries(c.metadataStore, topicId, 0);
    const report = await eddy.maintenance.runOnce();
    expect(report.errors).toEqual([]);
    expect(report.segmentsWritten).toBe(0);
    expect(await indexEntries(c.metadataStore, topicId, 0)).toEqual(before);
    expect(await objectKeys(c.objectStore, 'segments/')).toEqual([]);
    const got = await readAll(eddy.log, 't', 0, 0, 1);
    expect(got.map((r) => [r.offset, r.value?.length, r.value?.[0]])).toEqual([0, 1, 2, 3].map((i) => [i, 600 * KIB, i]));
  });

  it('still merges the small entries on either side of a large one, never across it', async () => {
    const { c, eddy, topicId, produce } = await world();
    await produce(KIB, 0);
    await produce(KIB, 1);
    await produce(600 * KIB, 2);
    await produce(KIB, 3);
    await produce(KIB, 4);
    await produce(KIB, 5); // the head: never merged
    const report = await eddy.maintenance.runOnce();
    expect(report.errors).toEqual([]);
    expect(report.segmentsWritten).toBe(2);
    const entries = await indexEntries(c.metadataStore, topicId, 0);
    expect(entries.map((e) => [e.baseOffset, e.lastOffset])).toEqual([
      [0, 1],
      [2, 2],
      [3, 4],
      [5, 5],
    ]);
    expect((await readAll(eddy.log, 't', 0)).map((r) => r.value?.[0])).toEqual([0, 1, 2, 3, 4, 5]);
  });

  it('merges large entries when the threshold is raised above them', async () => {
    const { eddy, produce } = await world(1024 * KIB);
    for (let i = 0; i < 4; i++) await produce(600 * KIB, i);
    const report = await eddy.maintenance.runOnce();
    expect(report.errors).toEqual([]);
    expect(report.segmentsWritten).toBeGreaterThan(0);
  });
});
