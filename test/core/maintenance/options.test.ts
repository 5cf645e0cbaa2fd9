/**
 * Maintenance settings as a deployer sets them: each option's smallest
 * accepted value is accepted, the next one down is refused with
 * `INVALID_REQUEST` naming the option, the value and the bound; and the
 * passes can be switched off one by one.
 */
import { describe, expect, it } from 'vitest';
import { EddyError } from '../../../core/errors.js';
import { MAINTENANCE_DEFAULTS, resolveMaintenanceOptions, type MaintenanceOptions } from '../../../core/maintenance/index.js';
import { enc, memoryEddy } from '../helpers.js';
import { objectKeys } from './helpers.js';

const MINIMUM: Record<keyof typeof MAINTENANCE_DEFAULTS, number> = {
  gcGraceMs: 0,
  compactionTargetBytes: 1,
  compactionChunkBytes: 1,
  compactionMaxEntries: 2,
  compactionSkipBytes: 1,
  compactionMinAgeMs: 0,
  compactionBudgetMs: 0,
  retentionMinAgeMs: 0,
  concurrency: 1,
};

function refusal(options: MaintenanceOptions): EddyError {
  try {
    resolveMaintenanceOptions(options);
  } catch (err) {
    if (err instanceof EddyError) return err;
    throw err;
  }
  throw new Error(`${JSON.stringify(options)} was accepted`);
}

describe('maintenance options', () => {
  it('defaults every option, and the documented defaults are these', () => {
    expect(MAINTENANCE_DEFAULTS).toEqual({
      gcGraceMs: 900_000,
      compactionTargetBytes: 8 * 1024 * 1024,
      compactionChunkBytes: 1024 * 1024,
      compactionMaxEntries: 1000,
      compactionSkipBytes: 512 * 1024,
      compactionMinAgeMs: 60_000,
      compactionBudgetMs: 120_000,
      retentionMinAgeMs: 60_000,
      concurrency: 8,
    });
    expect(resolveMaintenanceOptions({})).toEqual({ ...MAINTENANCE_DEFAULTS, passes: { retention: true, compaction: true, gc: true, tombstones: true } });
  });

  for (const [name, min] of Object.entries(MINIMUM) as Array<[keyof typeof MAINTENANCE_DEFAULTS, number]>) {
    it(`${name}: accepts ${min} and any larger integer, refuses ${min - 1}, fractions, non-numbers and unsafe integers`, () => {
      expect(resolveMaintenanceOptions({ [name]: min })[name]).toBe(min);
      expect(resolveMaintenanceOptions({ [name]: min + 7 })[name]).toBe(min + 7);
      for (const bad of [min - 1, min + 0.5, '5', Number.NaN, Number.MAX_SAFE_INTEGER + 1]) {
        const err = refusal({ [name]: bad } as MaintenanceOptions);
        expect(err.code).toBe('INVALID_REQUEST');
        expect(err.message).toBe(`maintenance option ${name}=${JSON.stringify(bad)} must be an integer ≥ ${min}`);
      }
    });
  }

  it('switches passes off one by one, the others staying on', () => {
    expect(resolveMaintenanceOptions({ passes: { gc: false } }).passes).toEqual({ retention: true, compaction: true, gc: false, tombstones: true });
    expect(resolveMaintenanceOptions({ passes: { retention: false, tombstones: false } }).passes).toEqual({ retention: false, compaction: true, gc: true, tombstones: false });
  });

  it('a run does only the passes switched on', async () => {
    const eddy = memoryEddy();
    const base = { gcGraceMs: 1000, compactionMinAgeMs: 0, retentionMinAgeMs: 0 };
    const { topicId } = await eddy.log.createTopic({ name: 't', partitions: 1, config: { retentionMs: 10_000 } });
    for (let i = 0; i < 6; i++) {
      await eddy.log.produce({ topic: 't', records: [{ key: null, value: enc(`${i}`), timestamp: eddy.clock.now() - (i < 2 ? 20_000 : 0) }] });
    }
    await eddy.objectStore.put(`ingest/${topicId}/orphan.eddy`, new Uint8Array(4));
    await eddy.log.createTopic({ name: 'gone', partitions: 1 });
    await eddy.log.deleteTopic('gone');
    eddy.clock.advance(1000);
    const none = { retention: false, compaction: false, gc: false, tombstones: false };
    expect(await eddy.maintenance({ ...base, passes: none }).runOnce()).toMatchObject({ topics: 1, entriesExpired: 0, segmentsWritten: 0, objectsMarked: 0, topicsReclaimed: 0, errors: [] });
    expect(await eddy.metadataStore.listTombstones()).toHaveLength(1);
    expect(await eddy.maintenance({ ...base, passes: { ...none, tombstones: true } }).runOnce()).toMatchObject({ entriesExpired: 0, segmentsWritten: 0, objectsMarked: 0, topicsReclaimed: 1 });
    expect(await eddy.maintenance({ ...base, passes: { ...none, gc: true } }).runOnce()).toMatchObject({ entriesExpired: 0, segmentsWritten: 0, objectsMarked: 1 });
    expect(await eddy.maintenance({ ...base, passes: { ...none, retention: true } }).runOnce()).toMatchObject({ entriesExpired: 2, segmentsWritten: 0 });
    expect(await eddy.maintenance({ ...base, passes: { ...none, compaction: true } }).runOnce()).toMatchObject({ entriesExpired: 0, segmentsWritten: 1, entriesCompacted: 3 });
    expect((await eddy.log.describeTopic('t')).partitionOffsets[0]).toMatchObject({ logStartOffset: 2, highWatermark: 6, segments: 2 });
    expect(await objectKeys(eddy.objectStore, 'gc/')).toHaveLength(1);
  });
});
