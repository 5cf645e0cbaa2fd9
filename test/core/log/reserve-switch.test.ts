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
import { dec, enc, VirtualClock } from '../helpers.js';

const rec = (v: string) => ({ key: null, value: enc(v), partition: 0 });
const offsets = async (p: Promise<Array<{ offset: number }>>) => (await p).map((r) => r.offset);

function stack() {
  const clock = new VirtualClock();
  const components = { ...memoryComponents(clock, seededIds(7)), notifier: createNotifier(clock) };
  const process = (appendProtocol: 'head' | 'reserve') => createEddy({ components, settings: { log: { appendProtocol, abandonAfterMs: 10_000 } } as EddySettings }).log;
  return { components, process };
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
});
