/**
 * Reclaiming deleted topics, on the memory adapters and a virtual clock: a
 * deleted topic's objects and index items go exactly a grace period after the
 * deletion, every one of them, and nothing of any other topic.
 */
import { describe, expect, it } from 'vitest';
import { EddyError } from '../../../core/errors.js';
import { seededIds } from '../../../core/ids.js';
import { Maintenance } from '../../../core/maintenance/index.js';
import type { MetadataStore, ObjectStore } from '../../../core/ports.js';
import { enc, memoryEddy, readAll } from '../helpers.js';
import { indexEntries, intercept, objectKeys } from './helpers.js';

const GRACE = 600_000;
const OPTIONS = { gcGraceMs: GRACE, compactionMinAgeMs: 0, retentionMinAgeMs: 0 };

function world() {
  const eddy = memoryEddy();
  return {
    ...eddy,
    run: () => eddy.maintenance(OPTIONS).runOnce(),
    runWith: (ports: { objectStore?: ObjectStore; metadataStore?: MetadataStore }) =>
      new Maintenance({ objectStore: eddy.objectStore, metadataStore: eddy.metadataStore, clock: eddy.clock, ids: seededIds(7), ...ports }, OPTIONS).runOnce(),
  };
}

describe('reclaiming deleted topics', () => {
  it('reclaims every object and index item of every partition exactly a grace period after the deletion', async () => {
    const w = world();
    const gone = await w.log.createTopic({ name: 'gone', partitions: 3 });
    for (let i = 0; i < 4; i++) await w.log.produce({ topic: 'gone', records: [0, 1, 2].map((p) => ({ key: null, value: enc(`x${i}.${p}`), partition: p })) });
    await w.log.createTopic({ name: 'kept', partitions: 1 });
    await w.log.produce({ topic: 'kept', records: [{ key: null, value: enc('k') }] });
    const goneObjects = async () => (await objectKeys(w.objectStore)).filter((k) => k.includes(gone.topicId));
    const sizes = (await Promise.all((await goneObjects()).map((k) => w.objectStore.get(k)))).reduce((n, b) => n + b.length, 0);
    expect(await goneObjects()).toHaveLength(4);
    const deletedAt = w.clock.now();
    await w.log.deleteTopic('gone');

    w.clock.time = deletedAt + GRACE - 1;
    expect(await w.run()).toMatchObject({ topicsReclaimed: 0, objectsDeleted: 0, errors: [] });
    expect(await goneObjects()).toHaveLength(4);
    expect(await w.metadataStore.listTombstones()).toHaveLength(1);

    w.clock.time = deletedAt + GRACE;
    expect(await w.run()).toMatchObject({ topicsReclaimed: 1, objectsDeleted: 4, bytesReclaimed: sizes, errors: [] });
    expect(await goneObjects()).toEqual([]);
    for (let p = 0; p < 3; p++) expect(await indexEntries(w.metadataStore, gone.topicId, p)).toEqual([]);
    expect(await w.metadataStore.listTombstones()).toEqual([]);
    expect(await readAll(w.log, 'kept')).toEqual([[0, 'k']]);
    expect(await w.run()).toMatchObject({ topicsReclaimed: 0, objectsDeleted: 0 });
  });

  it('reads each partition\'s index once and deletes each index item with one request', async () => {
    const w = world();
    const gone = await w.log.createTopic({ name: 'gone', partitions: 3 });
    for (let i = 0; i < 2; i++) await w.log.produce({ topic: 'gone', records: [0, 1, 2].map((p) => ({ key: null, value: enc(`x${i}`), partition: p })) });
    await w.log.deleteTopic('gone');
    w.clock.advance(GRACE);
    const calls: string[] = [];
    const counted = intercept(w.metadataStore, {
      listEntries: (original, topicId, partition) => (calls.push(`list ${partition}`), original(topicId, partition)),
      deleteEntry: (original, e) => (calls.push(`delete ${e.partition}@${e.baseOffset}`), original(e)),
    });
    expect(await w.runWith({ metadataStore: counted })).toMatchObject({ topicsReclaimed: 1, errors: [] });
    expect(calls).toEqual(['list 0', 'delete 0@0', 'delete 0@1', 'list 1', 'delete 1@0', 'delete 1@1', 'list 2', 'delete 2@0', 'delete 2@1']);
    for (let p = 0; p < 3; p++) expect(await indexEntries(w.metadataStore, gone.topicId, p)).toEqual([]);
  });

  it('deletes a large topic in requests of at most 1000 objects, every object counted', async () => {
    const w = world();
    const gone = await w.log.createTopic({ name: 'big', partitions: 1 });
    await w.log.produce({ topic: 'big', records: [{ key: null, value: enc('x') }] });
    // Orphans of 2,500 crashed produces, each 3 bytes.
    for (let i = 0; i < 2500; i++) await w.objectStore.put(`ingest/${gone.topicId}/o${String(i).padStart(4, '0')}.eddy`, new Uint8Array(3));
    let total = 0;
    let bytes = 0;
    for await (const o of w.objectStore.list('')) {
      total++;
      bytes += o.size;
    }
    await w.log.deleteTopic('big');
    w.clock.advance(GRACE);
    const requests: number[] = [];
    const counted = intercept(w.objectStore, { delete: (original, keys) => (requests.push(keys.length), original(keys)) });
    const report = await w.runWith({ objectStore: counted });
    expect(report).toMatchObject({ topicsReclaimed: 1, objectsDeleted: total, errors: [] });
    expect(report.bytesReclaimed).toBe(bytes);
    expect(requests).toEqual([1000, 1000, total - 2000]);
    expect(await objectKeys(w.objectStore)).toEqual([]);
  });

  it('leaves a tombstone whose topic is still live alone, with its data', async () => {
    const w = world();
    const live = await w.log.createTopic({ name: 'live', partitions: 1 });
    await w.log.produce({ topic: 'live', records: [{ key: null, value: enc('still here') }] });
    // A deletion that did not complete: a tombstone for a topic id that is still live.
    await w.log.createTopic({ name: 'decoy', partitions: 1 });
    expect(await w.metadataStore.deleteTopic((await w.metadataStore.getTopic('decoy'))!, { topicId: live.topicId, name: 'live', partitions: 1, deletedAt: w.clock.now() })).toBe(true);
    w.clock.advance(3 * GRACE);
    expect(await w.run()).toMatchObject({ topicsReclaimed: 0, objectsDeleted: 0, errors: [] });
    expect(await readAll(w.log, 'live')).toEqual([[0, 'still here']]);
    expect((await w.metadataStore.listTombstones()).map((t) => t.topicId)).toEqual([live.topicId]);
  });

  it('reports a topic it could not reclaim, goes on with the others, and finishes it on the next run', async () => {
    const w = world();
    const a = await w.log.createTopic({ name: 'a', partitions: 1 });
    const b = await w.log.createTopic({ name: 'b', partitions: 2 });
    await w.log.produce({ topic: 'a', records: [{ key: null, value: enc('a') }] });
    await w.log.produce({ topic: 'b', records: [0, 1].map((partition) => ({ key: null, value: enc('b'), partition })) });
    await w.log.deleteTopic('a');
    await w.log.deleteTopic('b');
    w.clock.advance(GRACE);
    // Partition 1 of b cannot be read this time.
    const flaky = intercept(w.metadataStore, {
      listEntries: (original, topicId, partition) => {
        if (topicId === b.topicId && partition === 1) throw new EddyError('UNAVAILABLE', 'throttled');
        return original(topicId, partition);
      },
    });
    const first = await w.runWith({ metadataStore: flaky });
    expect(first.topicsReclaimed).toBe(1);
    expect(first.errors).toEqual([`reclaim deleted topic b (${b.topicId}): UNAVAILABLE throttled`]);
    expect((await w.metadataStore.listTombstones()).map((t) => t.topicId)).toEqual([b.topicId]);
    expect(await indexEntries(w.metadataStore, a.topicId, 0)).toEqual([]);
    expect(await indexEntries(w.metadataStore, b.topicId, 1)).toHaveLength(1);

    expect(await w.run()).toMatchObject({ topicsReclaimed: 1, errors: [] });
    expect(await indexEntries(w.metadataStore, b.topicId, 1)).toEqual([]);
    expect(await w.metadataStore.listTombstones()).toEqual([]);
    expect(await objectKeys(w.objectStore)).toEqual([]);
  });
});
