/**
 * Garbage collection as an operator sees it, on the memory adapters and a
 * virtual clock: which objects go, exactly when, and what is never touched.
 * An orphan is what a produce that crashed before its index write leaves: an
 * `ingest/` object no entry references.
 */
import { describe, expect, it } from 'vitest';
import { EddyError } from '../../../core/errors.js';
import { seededIds } from '../../../core/ids.js';
import { GC_MARKS_VERSION, Maintenance } from '../../../core/maintenance/index.js';
import type { MetadataStore, ObjectStore } from '../../../core/ports.js';
import { enc, memoryEddy } from '../helpers.js';
import { indexEntries, intercept, objectKeys } from './helpers.js';

const GRACE = 600_000;
const OPTIONS = { gcGraceMs: GRACE, compactionMinAgeMs: 0, retentionMinAgeMs: 0 };

async function world() {
  const eddy = memoryEddy();
  const { topicId } = await eddy.log.createTopic({ name: 'gc', partitions: 1 });
  await eddy.log.produce({ topic: 'gc', records: [{ key: null, value: enc('kept') }] });
  return {
    ...eddy,
    topicId,
    run: (o = {}) => eddy.maintenance({ ...OPTIONS, ...o }).runOnce(),
    /** A run over the same stores with some ports replaced (fault injection). */
    runWith: (ports: { objectStore?: ObjectStore; metadataStore?: MetadataStore }) =>
      new Maintenance({ objectStore: eddy.objectStore, metadataStore: eddy.metadataStore, clock: eddy.clock, ids: seededIds(7), ...ports }, OPTIONS).runOnce(),
  };
}

/** The marks objects under gc/, parsed. */
async function marks(store: ObjectStore): Promise<Array<{ key: string; file: { v: number; markedAt: number; objects: Record<string, number> } }>> {
  const out = [];
  for (const key of await objectKeys(store, 'gc/')) out.push({ key, file: JSON.parse(new TextDecoder().decode(await store.get(key))) as { v: number; markedAt: number; objects: Record<string, number> } });
  return out;
}

describe('garbage collection', () => {
  it('deletes an orphan exactly two grace periods after it was written: marked at one, deleted at the next', async () => {
    const w = await world();
    const t0 = w.clock.now();
    const orphan = `ingest/${w.topicId}/orphan.eddy`;
    await w.objectStore.put(orphan, new Uint8Array(123));

    // Younger than the grace period: not even marked.
    w.clock.time = t0 + GRACE - 1;
    expect(await w.run()).toMatchObject({ objectsMarked: 0, objectsDeleted: 0, errors: [] });
    expect(await objectKeys(w.objectStore, 'gc/')).toEqual([]);

    // Exactly a grace period old: marked, with the run's time, in one marks object.
    w.clock.time = t0 + GRACE;
    expect(await w.run()).toMatchObject({ objectsMarked: 1, objectsDeleted: 0, errors: [] });
    const first = await marks(w.objectStore);
    expect(first).toEqual([{ key: expect.stringMatching(new RegExp(`^gc/0*${t0 + GRACE}-`)), file: { v: GC_MARKS_VERSION, markedAt: t0 + GRACE, objects: { [orphan]: t0 + GRACE } } }]);

    // One millisecond short of a grace period after the mark: kept, the mark keeps its first time.
    w.clock.time = t0 + 2 * GRACE - 1;
    expect(await w.run()).toMatchObject({ objectsMarked: 1, objectsDeleted: 0, bytesReclaimed: 0, errors: [] });
    const second = await marks(w.objectStore);
    expect(second).toHaveLength(1); // the run replaced the marks object it read
    expect(second[0]!.key).not.toBe(first[0]!.key);
    expect(second[0]!.file).toEqual({ v: GC_MARKS_VERSION, markedAt: t0 + 2 * GRACE - 1, objects: { [orphan]: t0 + GRACE } });
    expect(await objectKeys(w.objectStore, 'ingest/')).toContain(orphan);

    // A grace period after the mark: deleted, its size reported, and no marks object is left.
    w.clock.time = t0 + 2 * GRACE;
    expect(await w.run()).toMatchObject({ objectsMarked: 0, objectsDeleted: 1, bytesReclaimed: 123, errors: [] });
    expect(await objectKeys(w.objectStore, 'ingest/')).not.toContain(orphan);
    expect(await objectKeys(w.objectStore, 'gc/')).toEqual([]);
    // The referenced object of the produce is still there, and readable.
    expect((await w.log.fetch({ topic: 'gc', partition: 0, offset: 0 })).records.map((r) => new TextDecoder().decode(r.value!))).toEqual(['kept']);
  });

  it('never deletes an object an entry references, however old', async () => {
    const w = await world();
    const [entry] = await indexEntries(w.metadataStore, w.topicId, 0);
    for (let i = 0; i < 4; i++) {
      w.clock.advance(GRACE);
      expect(await w.run()).toMatchObject({ objectsMarked: 0, objectsDeleted: 0, errors: [] });
    }
    expect(await objectKeys(w.objectStore)).toEqual([entry!.objectKey]);
  });

  it('collects orphaned segments too, but never objects outside ingest/ and segments/', async () => {
    const w = await world();
    await w.objectStore.put(`segments/${w.topicId}/00000/00000000000000000000-lost.eddy`, new Uint8Array(7));
    await w.objectStore.put('other/file', new Uint8Array(5));
    w.clock.advance(GRACE);
    expect(await w.run()).toMatchObject({ objectsMarked: 1 });
    w.clock.advance(GRACE);
    expect(await w.run()).toMatchObject({ objectsDeleted: 1, bytesReclaimed: 7, errors: [] });
    expect(await objectKeys(w.objectStore, 'segments/')).toEqual([]);
    expect(await objectKeys(w.objectStore, 'other/')).toEqual(['other/file']);
  });

  it('takes the earliest mark of an object across marks objects, and skips marks it cannot use', async () => {
    const w = await world();
    const t0 = w.clock.now();
    const orphan = `ingest/${w.topicId}/orphan.eddy`;
    await w.objectStore.put(orphan, new Uint8Array(10));
    const other = `ingest/${w.topicId}/other.eddy`;
    await w.objectStore.put(other, new Uint8Array(10));
    // Two runs at once each wrote a marks object; one saw the orphan earlier.
    w.clock.time = t0 + 3 * GRACE - 1;
    const file = (markedAt: number, objects: Record<string, unknown>) => enc(JSON.stringify({ v: GC_MARKS_VERSION, markedAt, objects }));
    await w.objectStore.put('gc/a.json', file(t0 + 2 * GRACE, { [orphan]: t0 + 2 * GRACE, [other]: 'not a time' }));
    await w.objectStore.put('gc/b.json', file(t0 + GRACE, { [orphan]: t0 + GRACE }));
    await w.objectStore.put('gc/c.json', file(t0 + 2 * GRACE, { [orphan]: t0 + 2 * GRACE + 1 }));
    // A later run reads all three: only the earliest mark (t0 + GRACE) is a grace period old, and it decides.
    const report = await w.run();
    expect(report).toMatchObject({ objectsDeleted: 1, objectsMarked: 1, errors: [] });
    const keys = await objectKeys(w.objectStore, 'ingest/');
    expect(keys).not.toContain(orphan);
    // `other` had no usable mark: it is marked now, not deleted.
    expect(keys).toContain(other);
    expect((await marks(w.objectStore)).map((m) => m.file.objects)).toEqual([{ [other]: t0 + 3 * GRACE - 1 }]);
  });

  it('reports a marks object it cannot read, deletes it, and goes on', async () => {
    const w = await world();
    const orphan = `ingest/${w.topicId}/orphan.eddy`;
    await w.objectStore.put(orphan, new Uint8Array(10));
    await w.objectStore.put('gc/0-broken.json', enc('{ not json'));
    await w.objectStore.put('gc/1-future.json', enc(JSON.stringify({ v: GC_MARKS_VERSION + 1, markedAt: 0, objects: { [orphan]: 0 } })));
    await w.objectStore.put('gc/2-noobjects.json', enc(JSON.stringify({ v: GC_MARKS_VERSION, markedAt: 0, objects: null })));
    await w.objectStore.put('gc/3-nomap.json', enc(JSON.stringify({ v: GC_MARKS_VERSION, markedAt: 0 })));
    w.clock.advance(2 * GRACE);
    const report = await w.run();
    // None of those marks counts: the orphan is only marked now.
    expect(report).toMatchObject({ objectsDeleted: 0, objectsMarked: 1 });
    expect(report.errors).toHaveLength(4);
    expect(report.errors[0]).toMatch(/^gc marks gc\/0-broken\.json: /);
    expect(report.errors[1]).toBe(`gc marks gc/1-future.json: unknown marks format ${GC_MARKS_VERSION + 1}`);
    expect(report.errors[2]).toBe('gc marks gc/2-noobjects.json: unknown marks format 1');
    expect(report.errors[3]).toBe('gc marks gc/3-nomap.json: unknown marks format 1');
    // The unusable marks objects were deleted with the rest; one new one holds the orphan.
    expect((await marks(w.objectStore)).map((m) => m.file.objects)).toEqual([{ [orphan]: w.clock.now() }]);
  });

  it('skips a marks object another run deleted after the listing, but deletes nothing when the marks cannot be read', async () => {
    const w = await world();
    const orphan = `ingest/${w.topicId}/orphan.eddy`;
    await w.objectStore.put(orphan, new Uint8Array(10));
    w.clock.advance(GRACE);
    await w.run(); // marked
    w.clock.advance(GRACE);
    const listed = await marks(w.objectStore);
    expect(listed).toHaveLength(1);
    const { key } = listed[0]!;
    // Listed, then deleted by a concurrent run before this one reads it (the store answers as for any missing object).
    const gone = intercept(w.objectStore, { get: (original, k) => (k === key ? Promise.reject(new EddyError('DATA_CORRUPT', `object ${k} not found`)) : original(k)) });
    // Its mark is lost with it, so the orphan is marked again rather than deleted; no error.
    expect(await w.runWith({ objectStore: gone })).toMatchObject({ objectsDeleted: 0, objectsMarked: 1, errors: [] });
    w.clock.advance(GRACE);
    // Any other failure to read the marks stops GC for this run.
    const failing = intercept(w.objectStore, { get: (original, k) => (k.startsWith('gc/') ? Promise.reject(new EddyError('UNAVAILABLE', 'S3 is down')) : original(k)) });
    const failed = await w.runWith({ objectStore: failing });
    expect(failed).toMatchObject({ objectsDeleted: 0 });
    expect(failed.errors).toEqual(['gc: UNAVAILABLE S3 is down']);
    expect(await objectKeys(w.objectStore, 'ingest/')).toContain(orphan);
    expect(await w.run()).toMatchObject({ objectsDeleted: 1, errors: [] });
  });

  it('deletes nothing in a run where an index could not be read, and says why', async () => {
    const w = await world();
    await w.log.createTopic({ name: 'other', partitions: 2 });
    const orphan = `ingest/${w.topicId}/orphan.eddy`;
    await w.objectStore.put(orphan, new Uint8Array(10));
    w.clock.advance(GRACE);
    await w.run();
    w.clock.advance(GRACE);
    const broken = intercept(w.metadataStore, {
      listEntries: (original, topicId, partition) => {
        if (partition === 1) throw new EddyError('UNAVAILABLE', 'index unreadable');
        return original(topicId, partition);
      },
    });
    const report = await w.runWith({ metadataStore: broken });
    expect(report).toMatchObject({ objectsDeleted: 0, objectsMarked: 0 });
    expect(report.errors).toEqual(['read index other/1: UNAVAILABLE index unreadable']);
    expect(await objectKeys(w.objectStore, 'ingest/')).toContain(orphan);
    expect(await w.run()).toMatchObject({ objectsDeleted: 1, errors: [] });
  });

  it('goes on without GC when the objects cannot be listed', async () => {
    const w = await world();
    await w.log.alterTopic('gc', { config: { retentionMs: 1000 } });
    w.clock.advance(GRACE);
    const unlistable = intercept(w.objectStore, {
      list: (original, prefix) => {
        if (prefix !== 'gc/') throw new EddyError('UNAVAILABLE', 'cannot list');
        return original(prefix);
      },
    });
    const report = await w.runWith({ objectStore: unlistable });
    // Retention still ran; GC did not (no marks written for the object retention unreferenced).
    expect(report).toMatchObject({ entriesExpired: 1, objectsMarked: 0 });
    expect(report.errors).toEqual(['gc: list objects: UNAVAILABLE cannot list']);
    expect(await objectKeys(w.objectStore, 'gc/')).toEqual([]);
  });

  it('collects what is left under a topic that no longer exists at all (its tombstone already gone)', async () => {
    const w = await world();
    // Written under a reclaimed topic's prefix by a produce that outlived the grace period.
    const stray = 'ingest/0000-reclaimed-topic/late.eddy';
    await w.objectStore.put(stray, new Uint8Array(9));
    w.clock.advance(GRACE);
    expect(await w.run()).toMatchObject({ objectsMarked: 1, errors: [] });
    w.clock.advance(GRACE);
    expect(await w.run()).toMatchObject({ objectsDeleted: 1, bytesReclaimed: 9, errors: [] });
    expect(await objectKeys(w.objectStore, 'ingest/0000')).toEqual([]);
  });

  it('leaves the objects of a deleted topic to the topic reclaim, and collects orphans of a topic whose deletion did not complete', async () => {
    const w = await world();
    const gone = await w.log.createTopic({ name: 'gone', partitions: 1 });
    await w.log.produce({ topic: 'gone', records: [{ key: null, value: enc('x') }] });
    await w.log.deleteTopic('gone');
    // A tombstone for a topic that is still live (its deletion did not complete), with an orphan.
    const live = (await w.metadataStore.getTopic('gc'))!;
    await w.log.createTopic({ name: 'decoy', partitions: 1 });
    const decoy = (await w.metadataStore.getTopic('decoy'))!;
    expect(await w.metadataStore.deleteTopic(decoy, { topicId: live.topicId, name: 'gc', partitions: 1, deletedAt: w.clock.now() })).toBe(true);
    const orphan = `ingest/${w.topicId}/orphan.eddy`;
    await w.objectStore.put(orphan, new Uint8Array(10));
    const goneObjects = async () => (await objectKeys(w.objectStore)).filter((k) => k.includes(gone.topicId));
    expect(await goneObjects()).toHaveLength(1);
    for (let i = 0; i < 3; i++) {
      w.clock.advance(GRACE);
      const report = await w.run({ passes: { tombstones: false } });
      expect(report.errors).toEqual([]);
      expect(report.objectsMarked).toBe(i === 0 ? 1 : 0);
    }
    expect(await goneObjects()).toHaveLength(1);
    expect(await objectKeys(w.objectStore, 'ingest/')).not.toContain(orphan);
  });
});
