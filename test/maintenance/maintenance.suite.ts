/**
 * Maintenance behaviour: runs unchanged against the memory adapters and the
 * AWS adapters on dynalite + s3rver (like test/contract). Each test gets its
 * own empty store, because a maintenance run sweeps the whole store.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createLog, type Components } from '../helpers/core.js';
import { EddyError } from '../../core/errors.js';
import { seededIds } from '../../core/ids.js';
import { Maintenance, type MaintenanceOptions, type MaintenanceReport } from '../../core/maintenance/index.js';
import type { IndexEntry } from '../../core/model.js';
import { dec, enc, expectCode, gate, indexEntries, intercept, objectKeys, readAll, testClock, type MaintenanceKind } from './helpers.js';

const GRACE = 10 * 60_000;
const MINUTE = 60_000;

export function maintenanceSuite(kind: MaintenanceKind): void {
  describe(`maintenance: ${kind.name}`, () => {
    beforeAll(() => kind.setup());
    afterAll(() => kind.teardown());

    async function world(options: MaintenanceOptions = {}, seed = 1) {
      const clock = testClock();
      const c = await kind.fresh(clock, seededIds(seed));
      const engine = createLog(c);
      const maintenance = new Maintenance(c, { gcGraceMs: GRACE, compactionMinAgeMs: 0, retentionMinAgeMs: 0, ...options });
      return { clock, c, engine, maintenance };
    }

    /** Every entry's object exists: GC never deleted a referenced object. */
    async function expectReferencedObjectsExist(c: Components, topicId: string, partitions: number): Promise<void> {
      const stored = new Set(await objectKeys(c.objectStore));
      for (let p = 0; p < partitions; p++) {
        for (const e of await indexEntries(c.metadataStore, topicId, p)) if (e.objectKey !== null) expect(stored, `object of ${p}@${e.baseOffset}`).toContain(e.objectKey);
      }
    }

    it('retention by time empties a partition but keeps its high-water mark: 416 below it, and the next produce continues', async () => {
      const { clock, c, engine, maintenance } = await world();
      const { topicId } = await engine.createTopic({ name: 'timed', partitions: 2, config: { retentionMs: MINUTE } });
      for (let i = 0; i < 3; i++) {
        await engine.produce({ topic: 'timed', records: [0, 1].map((j) => ({ key: null, value: enc(`v${i}.${j}`), partition: 0 })) });
      }
      await engine.produce({ topic: 'timed', records: [{ key: null, value: enc('old'), partition: 1 }] });
      clock.advance(MINUTE + 1000);
      await engine.produce({ topic: 'timed', records: [{ key: null, value: enc('fresh'), partition: 1 }] });

      const report = await maintenance.runOnce();
      expect(report).toMatchObject({ topics: 1, entriesExpired: 4, errors: [] });
      expect((await engine.describeTopic('timed')).partitionOffsets).toEqual([
        { partition: 0, logStartOffset: 6, highWatermark: 6, segments: 0 },
        { partition: 1, logStartOffset: 1, highWatermark: 2, segments: 1 },
      ]);
      const err = await expectCode(engine.fetch({ topic: 'timed', partition: 0, offset: 0 }), 'OFFSET_OUT_OF_RANGE');
      expect(err.status).toBe(416);
      expect(err.message).toContain('logStartOffset=6');
      expect(await engine.fetch({ topic: 'timed', partition: 0, offset: 6 })).toMatchObject({ records: [], nextOffset: 6, highWatermark: 6, logStartOffset: 6 });
      expect(await engine.listOffset('timed', 0, 'earliest')).toEqual({ partition: 0, offset: 6 });
      expect((await readAll(engine, 'timed', 1)).map((r) => [r.offset, dec(r.value)])).toEqual([[1, 'fresh']]);

      // Offsets stay dense from 0 and continue after the partition was emptied (issue 2).
      expect(await engine.produce({ topic: 'timed', records: [{ key: null, value: enc('after'), partition: 0 }] })).toEqual([{ partition: 0, offset: 6 }]);
      expect((await readAll(engine, 'timed', 0)).map((r) => [r.offset, dec(r.value)])).toEqual([[6, 'after']]);

      // The head marker, no longer the head, goes on the next run; nothing else moves.
      const again = await maintenance.runOnce();
      expect(again.entriesExpired).toBe(0);
      expect((await indexEntries(c.metadataStore, topicId, 0)).map((e) => [e.baseOffset, e.objectKey !== null])).toEqual([[6, true]]);
      expect((await engine.describeTopic('timed')).partitionOffsets[0]).toEqual({ partition: 0, logStartOffset: 6, highWatermark: 7, segments: 1 });
    });

    it('retention by size drops the oldest entries until the partition fits', async () => {
      const { engine, maintenance, c } = await world();
      const { topicId } = await engine.createTopic({ name: 'sized', partitions: 1 });
      for (let i = 0; i < 10; i++) await engine.produce({ topic: 'sized', records: [{ key: null, value: new Uint8Array(100).fill(i), partition: 0 }] });
      const bytes = (await indexEntries(c.metadataStore, topicId, 0))[0]!.bytes;
      await engine.alterTopic('sized', { config: { retentionBytes: Math.floor(3.5 * bytes) } });

      const report = await maintenance.runOnce();
      expect(report).toMatchObject({ entriesExpired: 7, bytesExpired: 7 * bytes });
      expect((await engine.describeTopic('sized')).partitionOffsets[0]).toMatchObject({ logStartOffset: 7, highWatermark: 10 });
      expect((await readAll(engine, 'sized', 0)).map((r) => [r.offset, r.value![0]])).toEqual([
        [7, 7],
        [8, 8],
        [9, 9],
      ]);
      await expectCode(engine.fetch({ topic: 'sized', partition: 0, offset: 6 }), 'OFFSET_OUT_OF_RANGE');
    });

    it('keeps the idempotent producer state in the head marker of an emptied partition', async () => {
      const { engine, maintenance } = await world();
      await engine.createTopic({ name: 'idem', partitions: 1 });
      const batch = (seq: number) => ({
        topic: 'idem',
        records: [0, 1].map((i) => ({ key: null, value: enc(`s${seq + i}`), partition: 0, timestamp: 1_000 })),
        producer: { producerId: 'p1', producerEpoch: 0, sequences: new Map([[0, seq]]) },
      });
      expect(await engine.produce(batch(0))).toEqual([0, 1].map((offset) => ({ partition: 0, offset })));
      const report = await maintenance.runOnce(); // timestamp 1000 is far older than 7 days
      expect(report.entriesExpired).toBe(1);
      expect((await engine.describeTopic('idem')).partitionOffsets[0]).toMatchObject({ logStartOffset: 2, highWatermark: 2, segments: 0 });
      // A retry of the expired batch is still recognised, and the next batch continues.
      expect(await engine.produce(batch(0))).toEqual([0, 1].map((offset) => ({ partition: 0, offset })));
      expect(await engine.produce(batch(2))).toEqual([2, 3].map((offset) => ({ partition: 0, offset })));
    });

    it('compacts 60 single-record produces into segments: at most a quarter of the entries, every record identical', async () => {
      const { clock, c, engine, maintenance } = await world();
      const { topicId } = await engine.createTopic({ name: 'small', partitions: 3 });
      const base = clock.now();
      for (let i = 0; i < 60; i++) {
        const headers: Array<[string, Uint8Array]> = i % 2 === 0 ? [['h', enc(`${i}`)], ['bin', new Uint8Array([i, 0, 255])]] : [];
        await engine.produce({
          topic: 'small',
          records: [{ key: i % 5 === 0 ? null : enc(`k${i}`), value: i % 7 === 0 ? null : new Uint8Array(i * 13).fill(i), headers, partition: i % 3, timestamp: base - 60_000 + i * 10 }],
        });
      }
      const before = await Promise.all([0, 1, 2].map((p) => readAll(engine, 'small', p)));
      const byTime = await engine.listOffset('small', 1, { timestamp: base - 60_000 + 305 });
      const segmentsBefore = (await engine.describeTopic('small')).partitionOffsets.map((p) => p.segments);
      expect(segmentsBefore).toEqual([20, 20, 20]);
      const merged = (await Promise.all([0, 1, 2].map((p) => indexEntries(c.metadataStore, topicId, p)))).flatMap((es) => es.slice(0, -1));

      const report = await maintenance.runOnce();
      expect(report).toMatchObject({ segmentsWritten: 3, entriesCompacted: 57, segmentsAbandoned: 0, errors: [] });
      expect(report.bytesMerged).toBe(merged.reduce((n, e) => n + e.bytes, 0));
      const after = (await engine.describeTopic('small')).partitionOffsets;
      after.forEach((p, i) => {
        expect(p.segments).toBeLessThanOrEqual(segmentsBefore[i]! / 4);
        expect(p).toMatchObject({ logStartOffset: 0, highWatermark: 20 });
      });
      const reread = await Promise.all([0, 1, 2].map((p) => readAll(engine, 'small', p)));
      expect(reread).toEqual(before);
      expect(reread.flat()).toHaveLength(60);
      expect(await engine.listOffset('small', 1, { timestamp: base - 60_000 + 305 })).toEqual(byTime);
      const segment = (await indexEntries(c.metadataStore, topicId, 0))[0]!;
      expect(segment).toMatchObject({ baseOffset: 0, lastOffset: 18 });
      expect(segment.objectKey).toMatch(new RegExp(`^segments/${topicId}/00000/0{20}-`));

      // Two grace periods later GC has deleted the merged ingest objects, and only those.
      for (let i = 0; i < 2; i++) {
        clock.advance(GRACE + MINUTE);
        await maintenance.runOnce();
      }
      expect(await objectKeys(c.objectStore, 'ingest/')).toHaveLength(3); // the heads' objects
      expect(await objectKeys(c.objectStore, 'segments/')).toHaveLength(3);
      expect(await Promise.all([0, 1, 2].map((p) => readAll(engine, 'small', p)))).toEqual(before);
    });

    it('cuts a segment into chunks so that a fetch reads only the byte range it needs', async () => {
      const { c, engine, maintenance } = await world({ compactionChunkBytes: 400 });
      const { topicId } = await engine.createTopic({ name: 'ranges', partitions: 1 });
      for (let i = 0; i < 40; i++) await engine.produce({ topic: 'ranges', records: [{ key: null, value: new Uint8Array(50).fill(i) }] });
      await maintenance.runOnce();
      const [segment] = await indexEntries(c.metadataStore, topicId, 0);
      expect(segment!.chunks.length).toBeGreaterThan(5);
      expect(segment!.chunks.every((ch) => ch.length <= 400)).toBe(true);
      const reads: Array<{ key: string; length: number }> = [];
      const watched = createLog({ ...c, objectStore: intercept(c.objectStore, { getRange: (original, key, position, length) => (reads.push({ key, length }), original(key, position, length)) }) });
      const got = await watched.fetch({ topic: 'ranges', partition: 0, offset: 17, maxRecords: 1 });
      expect(got.records.map((r) => [r.offset, r.value![0]])).toEqual([[17, 17]]);
      expect(reads).toEqual([{ key: segment!.objectKey, length: expect.any(Number) }]);
      expect(reads[0]!.length).toBeLessThanOrEqual(400);
    });

    it('leaves entries younger than compactionMinAgeMs alone', async () => {
      const { clock, engine, maintenance } = await world({ compactionMinAgeMs: MINUTE });
      await engine.createTopic({ name: 'young', partitions: 1 });
      for (let i = 0; i < 10; i++) await engine.produce({ topic: 'young', records: [{ key: null, value: enc(`${i}`) }] });
      expect(await maintenance.runOnce()).toMatchObject({ segmentsWritten: 0 });
      expect((await engine.describeTopic('young')).partitionOffsets[0]!.segments).toBe(10);
      clock.advance(MINUTE + 1000);
      expect(await maintenance.runOnce()).toMatchObject({ segmentsWritten: 1, entriesCompacted: 9 });
      expect((await engine.describeTopic('young')).partitionOffsets[0]!.segments).toBe(2);
    });

    it('starts no new merge once the run has spent its compaction budget, and merges the rest on a later run', async () => {
      const { clock, c, engine, maintenance } = await world({ compactionMaxEntries: 10, compactionBudgetMs: 1000 });
      await engine.createTopic({ name: 'budget', partitions: 1 });
      for (let i = 0; i < 30; i++) await engine.produce({ topic: 'budget', records: [{ key: null, value: enc(`r${i}`) }] });
      const expected = (await readAll(engine, 'budget', 0)).map((r) => [r.offset, dec(r.value)]);
      // The first merge takes longer than the budget.
      const slow = intercept(c.objectStore, { put: async (original, key, bytes) => (await original(key, bytes), clock.advance(2000)) });
      const first = await new Maintenance({ ...c, objectStore: slow }, maintenance.options).runOnce();
      expect(first).toMatchObject({ segmentsWritten: 1, entriesCompacted: 10, mergesDeferred: 2, errors: [] });
      const second = await maintenance.runOnce();
      expect(second).toMatchObject({ mergesDeferred: 0, errors: [] });
      expect(second.segmentsWritten).toBeGreaterThan(0);
      expect((await engine.describeTopic('budget')).partitionOffsets[0]!.segments).toBeLessThanOrEqual(4);
      expect((await readAll(engine, 'budget', 0)).map((r) => [r.offset, dec(r.value)])).toEqual(expected);
    });

    it('survives a compaction that stops between its index writes: readers see the overlap correctly, the next run removes it', async () => {
      const { c, engine, maintenance } = await world();
      const { topicId } = await engine.createTopic({ name: 'crash', partitions: 1 });
      for (let i = 0; i < 20; i++) await engine.produce({ topic: 'crash', records: [{ key: null, value: enc(`r${i}`) }] });
      const expected = (await readAll(engine, 'crash', 0)).map((r) => [r.offset, dec(r.value)]);
      let deletes = 0;
      const crashing = intercept(c.metadataStore, {
        deleteEntry: (original, e) => (++deletes > 3 ? Promise.reject(new EddyError('UNAVAILABLE', 'injected crash')) : original(e)),
      });
      const broken = new Maintenance({ ...c, metadataStore: crashing }, maintenance.options);
      const report = await broken.runOnce();
      expect(report).toMatchObject({ segmentsWritten: 1 });
      expect(report.errors.join()).toContain('injected crash');
      const overlapping = await indexEntries(c.metadataStore, topicId, 0);
      expect(overlapping[0]).toMatchObject({ baseOffset: 0, lastOffset: 18 });
      expect(overlapping.length).toBe(20 - 3); // three of the covered entries were deleted before the crash
      expect((await readAll(engine, 'crash', 0)).map((r) => [r.offset, dec(r.value)])).toEqual(expected);
      expect((await readAll(engine, 'crash', 0, 0, 1)).map((r) => [r.offset, dec(r.value)])).toEqual(expected);
      for (let from = 0; from < 20; from += 3) {
        const r = await engine.fetch({ topic: 'crash', partition: 0, offset: from, maxRecords: 2 });
        expect(r.records.map((x) => x.offset)).toEqual([from, from + 1].filter((o) => o < 20));
      }

      const cleanup = await maintenance.runOnce();
      expect(cleanup).toMatchObject({ leftoversRemoved: 15, errors: [] }); // entries 4..18
      expect((await indexEntries(c.metadataStore, topicId, 0)).map((e) => [e.baseOffset, e.lastOffset])).toEqual([
        [0, 18],
        [19, 19],
      ]);
      expect((await readAll(engine, 'crash', 0)).map((r) => [r.offset, dec(r.value)])).toEqual(expected);
    });

    // What may change a covered entry between the merge's read and its index write:
    const races = {
      // retention (or another run's merge) removed the first entry;
      'the first entry was deleted': async (meta: Components['metadataStore'], entries: IndexEntry[]) => meta.deleteEntry(entries[0]!),
      // an entry inside the group was rewritten (only the re-read catches this: the replace is conditional on the first entry only).
      'a middle entry was rewritten': async (meta: Components['metadataStore'], entries: IndexEntry[]) => meta.replaceEntry(entries[5]!, { ...entries[5]!, appendedAt: entries[5]!.appendedAt + 1 }),
    };
    for (const [race, interfere] of Object.entries(races)) {
      it(`abandons a merge when ${race} after the merge read it: the segment becomes an orphan, no record is lost`, async () => {
        const { clock, c, engine, maintenance } = await world();
        const { topicId } = await engine.createTopic({ name: 'raced', partitions: 1 });
        for (let i = 0; i < 20; i++) await engine.produce({ topic: 'raced', records: [{ key: null, value: enc(`r${i}`) }] });
        const entries = await indexEntries(c.metadataStore, topicId, 0);
        const expected = (await readAll(engine, 'raced', 0)).map((r) => [r.offset, dec(r.value)]);
        let orphan = '';
        // The interference lands between the segment PUT and the index write.
        const racing = intercept(c.objectStore, {
          put: async (original, key, bytes) => {
            await original(key, bytes);
            if (key.startsWith('segments/') && !orphan) {
              orphan = key;
              expect(await interfere(c.metadataStore, entries)).toBe(true);
            }
          },
        });
        const report = await new Maintenance({ ...c, objectStore: racing }, maintenance.options).runOnce();
        expect(report).toMatchObject({ segmentsWritten: 0, segmentsAbandoned: 1, errors: [] });
        const stillThere = (await readAll(engine, 'raced', 0)).map((r) => [r.offset, dec(r.value)]);
        expect(stillThere).toEqual(expected.slice(expected.length - stillThere.length));
        expect((await indexEntries(c.metadataStore, topicId, 0)).map((e) => e.objectKey)).not.toContain(orphan);
        expect(await objectKeys(c.objectStore, 'segments/')).toEqual([orphan]);

        // The orphan is never referenced; GC deletes it two grace periods on. The retry merges.
        for (let i = 0; i < 2; i++) {
          clock.advance(GRACE + MINUTE);
          await maintenance.runOnce();
        }
        expect(await objectKeys(c.objectStore, 'segments/')).not.toContain(orphan);
        expect((await engine.describeTopic('raced')).partitionOffsets[0]!.segments).toBe(2);
        expect((await readAll(engine, 'raced', 0)).map((r) => [r.offset, dec(r.value)])).toEqual(stillThere);
      });
    }

    it('deletes the object of a produce whose index write never happened after the grace period, not before', async () => {
      const { clock, c, engine, maintenance } = await world();
      const { topicId } = await engine.createTopic({ name: 'orphans', partitions: 1 });
      await engine.produce({ topic: 'orphans', records: [{ key: null, value: enc('kept') }] });
      const before = await objectKeys(c.objectStore);
      const crashed = createLog({ ...c, metadataStore: intercept(c.metadataStore, { appendEntry: () => Promise.reject(new EddyError('UNAVAILABLE', 'crash before the index write')) }) });
      await expectCode(crashed.produce({ topic: 'orphans', records: [{ key: null, value: enc('lost') }] }), 'UNAVAILABLE');
      const orphan = (await objectKeys(c.objectStore)).filter((k) => !before.includes(k));
      expect(orphan).toHaveLength(1);

      const steps: Array<[number, Partial<MaintenanceReport>, boolean]> = [
        [0, { objectsMarked: 0, objectsDeleted: 0 }, true],
        [GRACE - MINUTE, { objectsMarked: 0, objectsDeleted: 0 }, true], // too young to judge
        [2 * MINUTE, { objectsMarked: 1, objectsDeleted: 0 }, true], // old and unreferenced: marked
        [GRACE - 2 * MINUTE, { objectsMarked: 1, objectsDeleted: 0 }, true], // marked too recently
        [2 * MINUTE, { objectsMarked: 0, objectsDeleted: 1 }, false], // a grace period after the mark
      ];
      for (const [advance, expected, present] of steps) {
        clock.advance(advance);
        expect(await maintenance.runOnce()).toMatchObject({ ...expected, errors: [] });
        expect((await objectKeys(c.objectStore, 'ingest/')).includes(orphan[0]!)).toBe(present);
      }
      expect((await readAll(engine, 'orphans', 0)).map((r) => dec(r.value))).toEqual(['kept']);
      await expectReferencedObjectsExist(c, topicId, 1);
      expect(await objectKeys(c.objectStore, 'gc/')).toEqual([]);
    });

    it('keeps the bytes of an entry retired a moment ago for a fetch that already read the entry (trap 3)', async () => {
      const { clock, c, engine, maintenance } = await world();
      const { topicId } = await engine.createTopic({ name: 'inflight', partitions: 1 });
      for (let i = 0; i < 10; i++) await engine.produce({ topic: 'inflight', records: [{ key: null, value: enc(`r${i}`) }] });
      const reached = gate();
      const resume = gate();
      let pause = true;
      const slowReader = createLog({
        ...c,
        metadataStore: intercept(c.metadataStore, {
          entriesFrom: async (original, ...args) => {
            const entries = await original(...args);
            if (pause) {
              pause = false;
              reached.open();
              await resume.promise;
            }
            return entries;
          },
        }),
      });
      const fetching = slowReader.fetch({ topic: 'inflight', partition: 0, offset: 0, maxRecords: 100 });
      await reached.promise; // the fetch holds the ten ingest entries and has not read their bytes yet
      clock.advance(GRACE + MINUTE); // the ingest objects are old now

      expect(await maintenance.runOnce()).toMatchObject({ segmentsWritten: 1, entriesCompacted: 9, objectsDeleted: 0 });
      // Unreferenced and old: an object-age-only GC would delete them here, under the fetch.
      expect(await maintenance.runOnce()).toMatchObject({ objectsMarked: 9, objectsDeleted: 0 });
      resume.open();
      expect((await fetching).records.map((r) => dec(r.value))).toEqual(Array.from({ length: 10 }, (_, i) => `r${i}`));

      clock.advance(GRACE + MINUTE);
      expect(await maintenance.runOnce()).toMatchObject({ objectsDeleted: 9, objectsMarked: 0 });
      expect(await objectKeys(c.objectStore, 'ingest/')).toHaveLength(1);
      expect((await readAll(engine, 'inflight', 0)).map((r) => dec(r.value))).toEqual(Array.from({ length: 10 }, (_, i) => `r${i}`));
      await expectReferencedObjectsExist(c, topicId, 1);
    });

    it('never deletes a referenced object or loses an entry, with two runs at once', async () => {
      const { clock, c, engine, maintenance } = await world({ compactionTargetBytes: 600 });
      const { topicId } = await engine.createTopic({ name: 'twice', partitions: 2 });
      const sent: string[][] = [[], []];
      const produceSome = async (n: number) => {
        for (let i = 0; i < n; i++) {
          const p = i % 2;
          const value = `v${sent[p]!.length}-p${p}`;
          await engine.produce({ topic: 'twice', records: [{ key: null, value: enc(value), partition: p }] });
          sent[p]!.push(value);
        }
      };
      const crashed = createLog({ ...c, metadataStore: intercept(c.metadataStore, { appendEntry: () => Promise.reject(new EddyError('UNAVAILABLE', 'crash')) }) });
      await expectCode(crashed.produce({ topic: 'twice', records: [{ key: null, value: enc('orphan'), partition: 0 }] }), 'UNAVAILABLE');
      const totals = { segmentsWritten: 0, segmentsAbandoned: 0, objectsDeleted: 0 };
      for (let round = 0; round < 4; round++) {
        await produceSome(16);
        const reports = await Promise.all([maintenance.runOnce(), maintenance.runOnce()]);
        for (const r of reports) {
          expect(r.errors).toEqual([]);
          totals.segmentsWritten += r.segmentsWritten;
          totals.segmentsAbandoned += r.segmentsAbandoned;
          totals.objectsDeleted += r.objectsDeleted;
        }
        await expectReferencedObjectsExist(c, topicId, 2);
        for (const p of [0, 1]) expect((await readAll(engine, 'twice', p)).map((r) => dec(r.value))).toEqual(sent[p]);
        clock.advance(GRACE + MINUTE);
      }
      await maintenance.runOnce(); // settles what the last pair of runs left
      expect(totals.segmentsWritten).toBeGreaterThanOrEqual(4);
      expect(totals.objectsDeleted).toBeGreaterThan(0);
      const d = await engine.describeTopic('twice');
      expect(d.partitionOffsets.map((p) => p.highWatermark)).toEqual([32, 32]);
      // No entry is fully covered by another once the runs settle.
      for (const p of [0, 1]) {
        const entries = await indexEntries(c.metadataStore, topicId, p);
        entries.slice(1).forEach((e, i) => expect(e.baseOffset).toBeGreaterThan(entries[i]!.lastOffset));
      }
    });

    it('reclaims a deleted topic\'s objects and index items after the grace period, and nothing of a recreated topic', async () => {
      const { clock, c, engine, maintenance } = await world();
      const old = await engine.createTopic({ name: 'gone', partitions: 3 });
      await engine.produce({ topic: 'gone', records: Array.from({ length: 9 }, (_, i) => ({ key: null, value: enc(`x${i}`), partition: i % 3 })) });
      await engine.produce({ topic: 'gone', records: [{ key: null, value: enc('y'), partition: 1 }] });
      await engine.createTopic({ name: 'kept', partitions: 1 });
      await engine.produce({ topic: 'kept', records: [{ key: null, value: enc('k') }] });
      await engine.deleteTopic('gone');
      const fresh = await engine.createTopic({ name: 'gone', partitions: 1 });
      await engine.produce({ topic: 'gone', records: [{ key: null, value: enc('new') }] });
      const oldObjects = async () => (await objectKeys(c.objectStore)).filter((k) => k.includes(old.topicId));
      expect(await oldObjects()).toHaveLength(2);

      expect(await maintenance.runOnce()).toMatchObject({ topicsReclaimed: 0 });
      expect(await oldObjects()).toHaveLength(2);
      clock.advance(GRACE + MINUTE);
      expect(await maintenance.runOnce()).toMatchObject({ topicsReclaimed: 1, objectsDeleted: 2, errors: [] });
      expect(await oldObjects()).toEqual([]);
      for (let p = 0; p < 3; p++) expect(await indexEntries(c.metadataStore, old.topicId, p)).toEqual([]);
      expect(await c.metadataStore.listTombstones()).toEqual([]);
      expect((await readAll(engine, 'gone', 0)).map((r) => dec(r.value))).toEqual(['new']);
      expect((await readAll(engine, 'kept', 0)).map((r) => dec(r.value))).toEqual(['k']);
      await expectReferencedObjectsExist(c, fresh.topicId, 1);
    });

    it.each(kind.seeds ?? [20261126])('serves correct, complete data to produces and fetches running during compaction and GC (seeded interleaving, seed %i)', async (seed) => {
      const rnd = seededIds(seed ^ 0x5eed).random;
      const { clock, c, engine, maintenance } = await world({ compactionTargetBytes: 2_000, compactionChunkBytes: 300 }, seed);
      const { topicId } = await engine.createTopic({ name: 'busy', partitions: 2 });
      const acked = new Map<string, string>(); // "p:offset" → value
      const seen: Array<{ p: number; offset: number; value: string | null }> = [];
      const totals = { segmentsWritten: 0, objectsDeleted: 0, entriesCompacted: 0 };
      let produced = 0;
      const producer = async (n: number) => {
        for (let i = 0; i < n; i++) {
          const p = rnd() < 0.5 ? 0 : 1;
          const count = 1 + Math.floor(rnd() * 3);
          const values = Array.from({ length: count }, () => `m${produced++}`);
          const results = await engine.produce({ topic: 'busy', records: values.map((v) => ({ key: enc(v), value: enc(v), partition: p })) });
          results.forEach((r, j) => acked.set(`${r.partition}:${r.offset}`, values[j]!));
        }
      };
      let fetches = 0;
      // Readers hold the index entries they read for a while before reading the
      // bytes (a random number of turns), so fetches straddle merges and GC.
      const slowReader = createLog({
        ...c,
        metadataStore: intercept(c.metadataStore, {
          entriesFrom: async (original, ...args) => {
            const entries = await original(...args);
            for (let i = Math.floor(rnd() * rnd() * 3000); i > 0; i--) await Promise.resolve();
            return entries;
          },
        }),
      });
      const reader = async (p: number, slow = false) => {
        const { highWatermark } = await engine.partitionOffsets('busy', p);
        let offset = Math.floor(rnd() * (highWatermark + 1));
        const start = offset;
        const got: number[] = [];
        while (offset < highWatermark) {
          const r = await (slow ? slowReader : engine).fetch({ topic: 'busy', partition: p, offset, maxRecords: 1 + Math.floor(rnd() * 8) });
          fetches++;
          // Below a high-water mark already seen, a fetch always makes progress: never a hole.
          expect(r.records.length, `fetch ${p}:${offset}`).toBeGreaterThan(0);
          for (const rec of r.records) {
            got.push(rec.offset);
            seen.push({ p, offset: rec.offset, value: dec(rec.value) });
          }
          offset = r.nextOffset;
        }
        // Each offset once, in order, none skipped, up to (at least) the high-water mark read first.
        expect(got).toEqual(Array.from({ length: got.length }, (_, i) => start + i));
        expect(got.length).toBeGreaterThanOrEqual(highWatermark - start);
      };
      const maintain = async () => {
        const r = await maintenance.runOnce();
        expect(r.errors).toEqual([]);
        totals.segmentsWritten += r.segmentsWritten;
        totals.objectsDeleted += r.objectsDeleted;
        totals.entriesCompacted += r.entriesCompacted;
      };
      for (let round = 0; round < 8; round++) {
        // Producers and readers keep going for as long as this round's maintenance runs (one or two at once).
        let busy = true;
        // One run, two at once, or two back to back (the second sees what the first retired).
        const shape = Math.floor(rnd() * 3);
        const runs = shape === 0 ? [maintain()] : shape === 1 ? [maintain(), maintain()] : [maintain().then(maintain)];
        const until = async (step: () => Promise<void>, atLeast: number) => {
          for (let i = 0; busy || i < atLeast; i++) await step();
        };
        await Promise.all([
          Promise.all(runs).finally(() => (busy = false)),
          until(() => producer(1), 4),
          until(() => producer(1), 2),
          until(() => reader(0), 1),
          until(() => reader(1), 1),
          until(() => reader(Math.floor(rnd() * 2), true), 1),
          until(() => reader(Math.floor(rnd() * 2), true), 1),
        ]);
        for (const s of seen) expect(acked.get(`${s.p}:${s.offset}`), `${s.p}:${s.offset}`).toBe(s.value);
        seen.length = 0;
        await expectReferencedObjectsExist(c, topicId, 2);
        // Past the grace period between rounds (no operation spans two): what this
        // round retired is old in the next, where an object-age-only GC would delete
        // it under the readers' feet.
        clock.advance(GRACE + MINUTE);
      }
      expect(totals.segmentsWritten).toBeGreaterThan(2);
      expect(totals.objectsDeleted).toBeGreaterThan(0);
      expect(fetches).toBeGreaterThan(50);
      for (const p of [0, 1]) {
        const all = await readAll(engine, 'busy', p, 0);
        const expected = [...acked].filter(([k]) => k.startsWith(`${p}:`)).map(([k, v]) => [Number(k.slice(2)), v] as const).sort((a, b) => a[0] - b[0]);
        expect(all.map((r) => [r.offset, dec(r.value)])).toEqual(expected);
        expect(all.map((r) => dec(r.key))).toEqual(expected.map(([, v]) => v));
      }
    }, 120_000);
  });
}

