/**
 * The reserve append protocol's hole handling, step by step
 * (docs/design.md §3.1): a hole stops readers until the entry above it is
 * `abandonAfterMs` old, then one abandoned marker per offset lets them pass;
 * a writer whose range was abandoned reserves again; a failed append abandons
 * exactly its own range, and the counter never moves back (not even under a
 * put that applied and then failed); an idempotent retry writes the batch its
 * dead first attempt reserved.
 */
import { describe, expect, it } from 'vitest';
import { EddyError } from '../../../core/errors.js';
import { entries, intercept, memoryEddy } from '../helpers.js';

const RESERVE = { log: { appendProtocol: 'reserve' as const, abandonAfterMs: 10_000 } };
const enc = (s: string) => new TextEncoder().encode(s);
const rec = (v: string) => ({ key: null, value: enc(v), partition: 0 });
const dec = (b: Uint8Array | null) => (b ? new TextDecoder().decode(b) : '');

describe('reserve protocol: holes', () => {
  it('a hole stops readers and the high-water mark until the entry above it is old, then it is abandoned and skipped', async () => {
    const eddy = memoryEddy({ settings: RESERVE });
    const { topicId } = await eddy.log.createTopic({ name: 't' });
    await eddy.log.produce({ topic: 't', records: [rec('a')] });
    // A writer reserves offset 1 and dies before writing its entry.
    expect(await eddy.metadataStore.reserveOffsets(topicId, 0, 1)).toBe(1);
    expect(await eddy.log.produce({ topic: 't', records: [rec('c')] })).toEqual([{ partition: 0, offset: 2 }]);

    let out = await eddy.log.fetch({ topic: 't', partition: 0, offset: 0 });
    expect(out.records.map((r) => [r.offset, dec(r.value)])).toEqual([[0, 'a']]);
    expect(out.nextOffset).toBe(1);
    expect(out.highWatermark).toBe(1);
    expect((await eddy.log.listOffset('t', 0, 'latest')).offset).toBe(1);
    out = await eddy.log.fetch({ topic: 't', partition: 0, offset: 1 });
    expect(out.records).toEqual([]);
    expect(out.nextOffset).toBe(1);

    eddy.clock.advance(10_000);
    out = await eddy.log.fetch({ topic: 't', partition: 0, offset: 1 });
    expect(out.records.map((r) => [r.offset, dec(r.value)])).toEqual([[2, 'c']]);
    expect(out.nextOffset).toBe(3);
    expect(out.highWatermark).toBe(3);
    const marker = (await entries(eddy.metadataStore, topicId)).find((e) => e.baseOffset === 1)!;
    expect(marker).toMatchObject({ baseOffset: 1, lastOffset: 1, objectKey: null, abandoned: true });
  });

  it('a writer whose range a reader abandoned reserves again: acknowledged once, at the new offset', async () => {
    let stolen = false;
    const eddy = memoryEddy({
      settings: RESERVE,
      wrapMeta: (meta) =>
        intercept(meta, {
          appendEntry: async (entry) => {
            if (!stolen && entry.objectKey !== null && entry.baseOffset === 1) {
              // A reader abandons offset 1 just before the writer's put lands.
              stolen = true;
              await meta.appendEntry({ ...entry, lastOffset: 1, objectKey: null, chunks: [], bytes: 0, producers: {}, abandoned: true });
            }
            return meta.appendEntry(entry);
          },
        }),
    });
    await eddy.log.createTopic({ name: 't' });
    await eddy.log.produce({ topic: 't', records: [rec('a')] });
    expect(await eddy.log.produce({ topic: 't', records: [rec('slow')] })).toEqual([{ partition: 0, offset: 2 }]);
    const out = await eddy.log.fetch({ topic: 't', partition: 0, offset: 0 });
    expect(out.records.map((r) => [r.offset, dec(r.value)])).toEqual([
      [0, 'a'],
      [2, 'slow'],
    ]);
  });

  it('an append whose puts all fail abandons its own range (the counter never takes it back): readers pass at once', async () => {
    let failing = true;
    const eddy = memoryEddy({
      settings: RESERVE,
      wrapMeta: (meta) =>
        intercept(meta, {
          appendEntry: async (entry) => {
            if (failing && entry.objectKey !== null && entry.baseOffset === 1) throw new EddyError('UNAVAILABLE', 'injected');
            return meta.appendEntry(entry);
          },
        }),
    });
    const { topicId } = await eddy.log.createTopic({ name: 't' });
    await eddy.log.produce({ topic: 't', records: [rec('a')] });
    await expect(eddy.log.produce({ topic: 't', records: [rec('lost')] })).rejects.toMatchObject({ code: 'UNAVAILABLE' });
    failing = false;
    expect(await eddy.metadataStore.readCounter(topicId, 0)).toMatchObject({ next: 2 }); // never given back
    expect((await entries(eddy.metadataStore, topicId)).find((e) => e.baseOffset === 1)).toMatchObject({ lastOffset: 1, objectKey: null, abandoned: true });
    expect(await eddy.log.produce({ topic: 't', records: [rec('b')] })).toEqual([{ partition: 0, offset: 2 }]);
    const out = await eddy.log.fetch({ topic: 't', partition: 0, offset: 0 }); // no clock advance needed
    expect(out.records.map((r) => [r.offset, dec(r.value)])).toEqual([
      [0, 'a'],
      [2, 'b'],
    ]);
  });

  it('a failed append marks exactly the range it reserved, never a later acknowledged record', async () => {
    // Offsets 1..3 are reserved by an append whose puts all fail cleanly. It
    // once gave the range back (releaseOffsets) and, when that answer was lost
    // after it applied, marked all of 1..3 although others had reserved inside
    // it meanwhile: the marker covered their acknowledged records. The
    // counter now never moves back, so the range stays the appender's own.
    let acked: Array<{ partition: number; offset: number }> | undefined;
    const eddy = memoryEddy({
      settings: RESERVE,
      wrapMeta: (meta) =>
        intercept(meta, {
          appendEntry: async (entry) => {
            if (entry.objectKey !== null && entry.baseOffset === 1 && entry.lastOffset === 3) throw new EddyError('UNAVAILABLE', 'injected');
            if (entry.abandoned && entry.baseOffset === 1 && acked === undefined) {
              // Just before the failed append marks its range: one writer reserves and is slow, another is acknowledged.
              await meta.reserveOffsets(entry.topicId, 0, 1);
              acked = await eddy.log.produce({ topic: 't', records: [rec('acked')] });
            }
            return meta.appendEntry(entry);
          },
        }),
    });
    const { topicId } = await eddy.log.createTopic({ name: 't' });
    await eddy.log.produce({ topic: 't', records: [rec('a')] });
    await expect(eddy.log.produce({ topic: 't', records: [rec('x1'), rec('x2'), rec('x3')] })).rejects.toBeInstanceOf(EddyError);
    expect(acked).toBeDefined();
    const stored = await entries(eddy.metadataStore, topicId);
    for (let i = 1; i < stored.length; i++) expect(stored[i]!.baseOffset, 'index ranges overlap').toBeGreaterThan(stored[i - 1]!.lastOffset);
    eddy.clock.advance(10_000);
    const out = await eddy.log.fetch({ topic: 't', partition: 0, offset: 0, maxRecords: 10 });
    const read = new Map(out.records.map((r) => [r.offset, dec(r.value)]));
    expect(read.get(acked![0]!.offset)).toBe('acked');
  });

  it('the counter never moves back under a stored entry: a put that applied and then failed (a crash, INTERNAL) keeps its range', async () => {
    // Found by the chaos suite's reserve run (crash right after an index write
    // applied): the failed append gave its range back although its entry was
    // stored, and later reservations were handed offsets inside that entry.
    let crashed = false;
    const eddy = memoryEddy({
      settings: RESERVE,
      wrapMeta: (meta) =>
        intercept(meta, {
          appendEntry: async (entry) => {
            const applied = await meta.appendEntry(entry);
            if (!crashed && entry.objectKey !== null && entry.baseOffset === 1) {
              crashed = true;
              throw new EddyError('INTERNAL', 'injected: the handler crashed right after its index write applied');
            }
            return applied;
          },
        }),
    });
    const { topicId } = await eddy.log.createTopic({ name: 't' });
    await eddy.log.produce({ topic: 't', records: [rec('a')] });
    await eddy.log.produce({ topic: 't', records: [rec('x1'), rec('x2'), rec('x3')] }).catch(() => undefined);
    expect((await eddy.metadataStore.readCounter(topicId, 0))!.next).toBeGreaterThanOrEqual(4);
    const y = await eddy.log.produce({ topic: 't', records: [rec('y')] });
    const z = await eddy.log.produce({ topic: 't', records: [rec('z')] });
    const stored = await entries(eddy.metadataStore, topicId);
    for (let i = 1; i < stored.length; i++) expect(stored[i]!.baseOffset, 'index ranges overlap').toBeGreaterThan(stored[i - 1]!.lastOffset);
    const out = await eddy.log.fetch({ topic: 't', partition: 0, offset: 0, maxRecords: 10 });
    const read = new Map(out.records.map((r) => [r.offset, dec(r.value)]));
    expect([read.get(y[0]!.offset), read.get(z[0]!.offset)]).toEqual(['y', 'z']);
    expect(out.records.map((r) => dec(r.value))).toEqual(['a', 'x1', 'x2', 'x3', 'y', 'z']);
  });

  it('an idempotent retry writes the batch its dead first attempt reserved, at the reserved offset', async () => {
    const eddy = memoryEddy({ settings: RESERVE });
    const { topicId } = await eddy.log.createTopic({ name: 't' });
    await eddy.log.produce({ topic: 't', records: [rec('a')] });
    const producer = { producerId: 'p', producerEpoch: 0, sequences: new Map([[0, 0]]) };
    // The first attempt reserves (recording the batch in the counter) and dies before its put.
    const base = eddy.metadataStore;
    const state = { epoch: 0, firstSequence: 0, lastSequence: 0, baseOffset: -1 };
    expect(await base.reserveOffsets(topicId, 0, 1, { producerId: 'p', state, expected: undefined, evict: [] })).toBe(1);
    expect(await eddy.log.produce({ topic: 't', records: [rec('once')], producer })).toEqual([{ partition: 0, offset: 1 }]);
    expect(await eddy.log.produce({ topic: 't', records: [rec('once')], producer })).toEqual([{ partition: 0, offset: 1 }]);
    const out = await eddy.log.fetch({ topic: 't', partition: 0, offset: 0 });
    expect(out.records.map((r) => [r.offset, dec(r.value)])).toEqual([
      [0, 'a'],
      [1, 'once'],
    ]);
  });
});
