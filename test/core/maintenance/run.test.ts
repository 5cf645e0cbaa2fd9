/**
 * One maintenance run as a whole (`Maintenance.runOnce`): a partition whose
 * index cannot be read to the end is left exactly as it is, the others are
 * maintained, and the report says how long the run took.
 */
import { describe, expect, it } from 'vitest';
import { EddyError } from '../../../core/errors.js';
import { seededIds } from '../../../core/ids.js';
import { Maintenance } from '../../../core/maintenance/index.js';
import type { IndexEntry } from '../../../core/model.js';
import { enc, memoryEddy, readAll } from '../helpers.js';
import { indexEntries, intercept } from './helpers.js';

const OPTIONS = { gcGraceMs: 600_000, compactionMinAgeMs: 0, retentionMinAgeMs: 0 };

describe('a maintenance run', () => {
  it('leaves a partition whose index read fails midway untouched, and maintains the others', async () => {
    const eddy = memoryEddy();
    const { topicId } = await eddy.log.createTopic({ name: 'half', partitions: 2, config: { retentionMs: 10_000 } });
    for (let i = 0; i < 6; i++) await eddy.log.produce({ topic: 'half', records: [0, 1].map((partition) => ({ key: null, value: enc(`v${i}`), partition, timestamp: eddy.clock.now() - (i < 3 ? 60_000 : 0) })) });
    const before = await indexEntries(eddy.metadataStore, topicId, 0);
    // Partition 0's index breaks off after three entries: on that much, the third would look like the head.
    const broken = intercept(eddy.metadataStore, {
      listEntries: (original, t, partition) => {
        if (partition !== 0) return original(t, partition);
        return (async function* () {
          let n = 0;
          for await (const e of original(t, partition)) {
            if (n++ === 3) throw new EddyError('UNAVAILABLE', 'connection reset');
            yield e as IndexEntry;
          }
        })();
      },
    });
    const report = await new Maintenance({ objectStore: eddy.objectStore, metadataStore: broken, clock: eddy.clock, ids: seededIds(1) }, OPTIONS).runOnce();
    expect(report.errors).toEqual(['read index half/0: UNAVAILABLE connection reset']);
    // Partition 1: the three old entries expired, the rest merged.
    expect(report).toMatchObject({ entriesExpired: 3, segmentsWritten: 1, entriesCompacted: 2 });
    expect(await indexEntries(eddy.metadataStore, topicId, 0)).toEqual(before);
    expect((await readAll(eddy.log, 'half', 0)).map(([o]) => o)).toEqual([0, 1, 2, 3, 4, 5]);
    expect((await readAll(eddy.log, 'half', 1, 3)).map(([o]) => o)).toEqual([3, 4, 5]);
  });

  it('reports how long it took, by the clock', async () => {
    const eddy = memoryEddy();
    await eddy.log.createTopic({ name: 't', partitions: 1 });
    for (let i = 0; i < 4; i++) await eddy.log.produce({ topic: 't', records: [{ key: null, value: enc(`${i}`) }] });
    const slow = intercept(eddy.objectStore, { put: async (original, key, bytes) => (await original(key, bytes), eddy.clock.advance(1234)) });
    const report = await new Maintenance({ objectStore: slow, metadataStore: eddy.metadataStore, clock: eddy.clock, ids: seededIds(1) }, OPTIONS).runOnce();
    expect(report).toMatchObject({ segmentsWritten: 1, durationMs: 1234 });
  });
});
