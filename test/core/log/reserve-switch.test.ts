/**
 * Switching a deployment's append protocol reserve → head → reserve
 * (docs/design.md §3.1): the head protocol never touches the offset counter,
 * so a process's first reserve append to a partition raises the counter to
 * the head first. Each `createEddy` over the same stores is a new process.
 */
import { describe, expect, it } from 'vitest';
import { memoryComponents } from '../../../core/adapters/memory/index.js';
import { seededIds } from '../../../core/ids.js';
import { createEddy, createNotifier, type EddySettings } from '../../../core/index.js';
import { EddyError } from '../../../core/errors.js';
import type { MetadataStore } from '../../../core/ports.js';
import { dec, enc, expectCode, intercept, VirtualClock } from '../helpers.js';

const rec = (v: string) => ({ key: null, value: enc(v), partition: 0 });
const offsets = async (p: Promise<Array<{ offset: number }>>) => (await p).map((r) => r.offset);

function stack() {
  const clock = new VirtualClock();
  const components = { ...memoryComponents(clock, seededIds(7)), notifier: createNotifier(clock) };
  const process = (appendProtocol: 'head' | 'reserve', wrap: (meta: MetadataStore) => MetadataStore = (m) => m) =>
    createEddy({ components: { ...components, metadataStore: wrap(components.metadataStore) }, settings: { log: { appendProtocol, abandonAfterMs: 10_000 } } as EddySettings }).log;
  return { components, process };
}

/** reserve writes `before` records to each partition, then head writes `after` more: the state a switch back finds. */
async function switchedBack(partitions: number, before: number, after: number) {
  const s = stack();
  const first = s.process('reserve');
  const { topicId } = await first.createTopic({ name: 't', partitions });
  for (let p = 0; p < partitions; p++) {
    for (let i = 0; i < before; i++) await first.produce({ topic: 't', records: [{ ...rec(`r${i}`), partition: p }] });
    await s.process('head').produce({ topic: 't', records: Array.from({ length: after }, (_, i) => ({ ...rec(`h${i}`), partition: p })) });
  }
  return { ...s, topicId };
}

describe('reserve protocol: switching back from head', () => {
  it('reserve → head → reserve: every record readable once, at dense distinct offsets', async () => {
    const { components, process } = stack();
    const first = process('reserve');
    const { topicId } = await first.createTopic({ name: 't' });
    expect(await first.produce({ topic: 't', records: [rec('a')] })).toEqual([{ partition: 0, offset: 0 }]);
    expect(await first.produce({ topic: 't', records: [rec('b')] })).toEqual([{ partition: 0, offset: 1 }]);
    const head = process('head');
    expect(await offsets(head.produce({ topic: 't', records: [rec('c'), rec('d'), rec('e')] }))).toEqual([2, 3, 4]);
    expect(await head.produce({ topic: 't', records: [rec('f')] })).toEqual([{ partition: 0, offset: 5 }]);
    const again = process('reserve');
    expect(await again.produce({ topic: 't', records: [rec('g')] })).toEqual([{ partition: 0, offset: 6 }]);
    expect(await again.produce({ topic: 't', records: [rec('h')] })).toEqual([{ partition: 0, offset: 7 }]);
    const out = await again.fetch({ topic: 't', partition: 0, offset: 0 });
    expect(out.records.map((r) => [r.offset, dec(r.value)])).toEqual(['a', 'b', 'c', 'd', 'e', 'f', 'g', 'h'].map((v, i) => [i, v]));
    expect((await components.metadataStore.readCounter(topicId, 0))?.next).toBe(8);
  });

  it('an idempotent producer that wrote under head goes on in sequence, and its retry is a duplicate', async () => {
    const { process } = stack();
    const first = process('reserve');
    await first.createTopic({ name: 't' });
    const p = (seq: number) => ({ producerId: 'p', producerEpoch: 0, sequences: new Map([[0, seq]]) });
    expect(await first.produce({ topic: 't', records: [rec('a')], producer: p(0) })).toEqual([{ partition: 0, offset: 0 }]);
    expect(await first.produce({ topic: 't', records: [rec('b')], producer: p(1) })).toEqual([{ partition: 0, offset: 1 }]);
    const head = process('head');
    expect(await offsets(head.produce({ topic: 't', records: [rec('c'), rec('d')], producer: p(2) }))).toEqual([2, 3]);
    const again = process('reserve');
    // A retry of the batch written under head is answered with its offsets, not written again.
    expect(await offsets(again.produce({ topic: 't', records: [rec('c'), rec('d')], producer: p(2) }))).toEqual([2, 3]);
    expect(await again.produce({ topic: 't', records: [rec('e')], producer: p(4) })).toEqual([{ partition: 0, offset: 4 }]);
    const out = await again.fetch({ topic: 't', partition: 0, offset: 0 });
    expect(out.records.map((r) => [r.offset, dec(r.value)])).toEqual(['a', 'b', 'c', 'd', 'e'].map((v, i) => [i, v]));
  });

  it('raiseCounter never moves the counter backwards and is a no-op once a reservation moved it', async () => {
    const { components } = stack();
    const meta = components.metadataStore;
    await meta.createCounter('t1', 0, { next: 5, producers: {} });
    expect(await meta.reserveOffsets('t1', 0, 1)).toBe(5); // a concurrent appender reserved after the read of 5
    expect(await meta.raiseCounter('t1', 0, 5, { next: 9, producers: {} })).toBe(false);
    expect(await meta.raiseCounter('t1', 0, 6, { next: 6, producers: {} })).toBe(false); // not above: no write
    expect(await meta.raiseCounter('t1', 0, 6, { next: 3, producers: {} })).toBe(false);
    expect((await meta.readCounter('t1', 0))?.next).toBe(6);
    expect(await meta.raiseCounter('t1', 0, 6, { next: 9, producers: {} })).toBe(true);
    expect(await meta.reserveOffsets('t1', 0, 1)).toBe(9);
    expect(await meta.raiseCounter('t2', 0, 0, { next: 9, producers: {} })).toBe(false); // no counter: nothing to raise
  });
  it('raises the counter of every partition it appends to, not only the first one', async () => {
    const { process } = await switchedBack(2, 2, 3);
    const again = process('reserve');
    expect(await again.produce({ topic: 't', records: [{ ...rec('x'), partition: 0 }] })).toEqual([{ partition: 0, offset: 5 }]);
    expect(await again.produce({ topic: 't', records: [{ ...rec('y'), partition: 1 }] })).toEqual([{ partition: 1, offset: 5 }]);
    const out = await again.fetch({ topic: 't', partition: 1, offset: 0 });
    expect(out.records.map((r) => dec(r.value))).toEqual(['r0', 'r1', 'h0', 'h1', 'h2', 'y']);
  });

  it('checks the head once per process and partition: later appends of the process read no head', async () => {
    const { process } = await switchedBack(1, 1, 1);
    let headReads = 0;
    const again = process('reserve', (meta) => intercept(meta, { headEntry: async (...a) => (headReads++, meta.headEntry(...a)) }));
    expect(await again.produce({ topic: 't', records: [rec('x')] })).toEqual([{ partition: 0, offset: 2 }]);
    const first = headReads; // the check before the raise, and once more after it
    expect(first).toBeGreaterThan(0);
    expect(await again.produce({ topic: 't', records: [rec('y')] })).toEqual([{ partition: 0, offset: 3 }]);
    expect(await again.produce({ topic: 't', records: [rec('z')] })).toEqual([{ partition: 0, offset: 4 }]);
    expect(headReads).toBe(first);
  });

  it('gives up with a retryable UNAVAILABLE when every raise loses a race, and writes nothing', async () => {
    const { process, components, topicId } = await switchedBack(1, 1, 2);
    let raises = 0;
    const again = process('reserve', (meta) => intercept(meta, { raiseCounter: async () => (raises++, false) }));
    const err = await expectCode(again.produce({ topic: 't', records: [rec('x')] }), 'UNAVAILABLE');
    expect(err).toBeInstanceOf(EddyError);
    expect(err.message).toMatch(/partition 0: could not raise the offset counter/);
    expect(raises).toBeGreaterThan(1);
    expect((await components.metadataStore.readCounter(topicId, 0))?.next).toBe(1);
    const out = await again.fetch({ topic: 't', partition: 0, offset: 0 });
    expect(out.records.map((r) => dec(r.value))).toEqual(['r0', 'h0', 'h1']);
  });
});
