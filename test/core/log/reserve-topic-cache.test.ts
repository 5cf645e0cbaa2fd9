/**
 * The topic on the append path under the reserve protocol (docs/design.md
 * §3.1): an append uses a copy of the topic record its process read less
 * than `topicCacheMs` ago, so a steady append costs no topic read. What a
 * user must still see: a deleted topic refuses appends at once (never an
 * acknowledged record in a deleted topic), a topic created again under the
 * same name takes the next append, a grown topic takes appends to its new
 * partitions at once, and a config change made elsewhere holds within
 * `topicCacheMs`. Each `createEddy` over the same stores is a new process.
 */
import { describe, expect, it } from 'vitest';
import { memoryComponents } from '../../../core/adapters/memory/index.js';
import { seededIds } from '../../../core/ids.js';
import { encodeBatch } from '../../../core/codec/record-batch.js';
import { createEddy, createNotifier, type AppendProtocol, type Log } from '../../../core/index.js';
import { EddyError } from '../../../core/errors.js';
import type { MetadataStore } from '../../../core/ports.js';
import { enc, expectCode, intercept, readAll, VirtualClock } from '../helpers.js';

const rec = (v: string, partition = 0) => ({ key: null, value: enc(v), partition });

function stack() {
  const clock = new VirtualClock();
  const components = { ...memoryComponents(clock, seededIds(5)), notifier: createNotifier(clock) };
  const reads = { topic: 0 };
  const process = (options: { appendProtocol?: AppendProtocol; topicCacheMs?: number; wrap?: (meta: MetadataStore) => MetadataStore } = {}): Log => {
    const counted = intercept(components.metadataStore, {
      getTopic: (name) => {
        reads.topic++;
        return components.metadataStore.getTopic(name);
      },
    });
    const meta = options.wrap ? options.wrap(counted) : counted;
    return createEddy({ components: { ...components, metadataStore: meta }, settings: { log: { appendProtocol: options.appendProtocol ?? 'reserve', topicCacheMs: options.topicCacheMs } } }).log;
  };
  return { clock, meta: components.metadataStore, reads, process };
}

describe('reserve protocol: the topic on the append path', () => {
  it('an append uses the topic its process read less than topicCacheMs ago, then reads it again', async () => {
    const { clock, reads, process } = stack();
    const log = process({ topicCacheMs: 1_000 });
    await log.createTopic({ name: 't' });
    for (const v of ['a', 'b', 'c']) await log.produce({ topic: 't', records: [rec(v)] });
    expect(reads.topic).toBe(1);
    clock.advance(999);
    await log.produce({ topic: 't', records: [rec('d')] });
    expect(reads.topic).toBe(1);
    clock.advance(1);
    await log.produce({ topic: 't', records: [rec('e')] });
    expect(reads.topic).toBe(2);
    expect(await readAll(log, 't')).toEqual(['a', 'b', 'c', 'd', 'e'].map((v, i) => [i, v]));
  });

  it('the head protocol, and topicCacheMs 0, read the topic for every append', async () => {
    for (const options of [{ appendProtocol: 'head' as const }, { topicCacheMs: 0 }]) {
      const { reads, process } = stack();
      const log = process(options);
      await log.createTopic({ name: 't' });
      await log.produce({ topic: 't', records: [rec('a')] });
      const before = reads.topic;
      for (const v of ['b', 'c']) await log.produce({ topic: 't', records: [rec(v)] });
      expect(reads.topic - before).toBe(2);
    }
  });

  it('a topic deleted by another process refuses the next append at once, acknowledges nothing and leaves no usable offset counter', async () => {
    const { meta, process } = stack();
    const writer = process();
    const { topicId } = await writer.createTopic({ name: 't', partitions: 2 });
    await writer.produce({ topic: 't', records: [rec('a', 0), rec('b', 1)] });
    await process().deleteTopic('t');
    expect(await meta.readCounter(topicId, 0)).toBeUndefined();
    expect(await meta.readCounter(topicId, 1)).toBeUndefined();
    const err = await expectCode(writer.produce({ topic: 't', records: [rec('late', 1)] }), 'UNKNOWN_TOPIC_OR_PARTITION');
    expect(err.message).toMatch(/topic t/);
    const index: number[] = [];
    for (const p of [0, 1]) for await (const e of meta.listEntries(topicId, p)) index.push(e.lastOffset);
    expect(index).toEqual([0, 0]); // the records appended before the deletion, nothing after
    expect(await meta.readCounter(topicId, 1)).toBeUndefined();
  });

  it('a topic deleted and created again under the same name takes the next append', async () => {
    const { process } = stack();
    const writer = process();
    await writer.createTopic({ name: 't' });
    await writer.produce({ topic: 't', records: [rec('old')] });
    const admin = process();
    await admin.deleteTopic('t');
    await admin.createTopic({ name: 't' });
    expect(await writer.produce({ topic: 't', records: [rec('new')] })).toEqual([{ partition: 0, offset: 0 }]);
    expect(await readAll(admin, 't')).toEqual([[0, 'new']]);
  });

  it('a partition added by another process takes appends at once; the Kafka door and the binary route too', async () => {
    const { process } = stack();
    const writer = process();
    await writer.createTopic({ name: 't', partitions: 1 });
    await writer.produce({ topic: 't', records: [rec('a', 0)] });
    await process().alterTopic('t', { partitions: 4 });
    const batch = encodeBatch({ records: [{ timestamp: 1, key: null, value: enc('c') }] });
    // The Kafka door answers each partition on its own, without a second try: the copy must be refreshed first.
    expect(await writer.appendBatches({ topic: 't', partitions: [{ partition: 1, batches: batch }] })).toEqual([{ partition: 1, baseOffset: 0 }]);
    await process().alterTopic('t', { partitions: 5 });
    expect(await writer.produce({ topic: 't', records: [rec('b', 4)] })).toEqual([{ partition: 4, offset: 0 }]);
    expect(await writer.produceBatches({ topic: 't', partitions: [{ partition: 2, batch }] })).toEqual([{ partition: 2, baseOffset: 0, records: 1 }]);
  });

  it('a config change made by another process holds for appends within topicCacheMs', async () => {
    const { clock, process } = stack();
    const writer = process({ topicCacheMs: 5_000 });
    await writer.createTopic({ name: 't', config: { maxMessageBytes: 1_000 } });
    await writer.produce({ topic: 't', records: [rec('a')] });
    await process().alterTopic('t', { config: { maxMessageBytes: 100 } });
    const big = 'x'.repeat(200);
    // Within the window the copy still says 1000, as a Kafka broker's metadata lags an alter.
    expect(await writer.produce({ topic: 't', records: [rec(big)] })).toEqual([{ partition: 0, offset: 1 }]);
    clock.advance(5_000);
    await expectCode(writer.produce({ topic: 't', records: [rec(big)] }), 'MESSAGE_TOO_LARGE');
    // The same process's own alter is seen at once.
    expect(await writer.produce({ topic: 't', records: [rec('small')] })).toEqual([{ partition: 0, offset: 2 }]);
    await writer.alterTopic('t', { config: { maxMessageBytes: 1_000 } });
    expect(await writer.produce({ topic: 't', records: [rec(big)] })).toEqual([{ partition: 0, offset: 3 }]);
  });

  it("two processes holding a copy: once deleteTopic returned neither appends, even while the other is at a partition's first append", async () => {
    const { meta, process } = stack();
    let other: Log | undefined = undefined;
    let otherResult: unknown;
    let armed = false;
    const first = process({
      wrap: (m) =>
        intercept(m, {
          // Between the first appender's counter creation and whatever follows it, the other appends.
          createCounter: async (topicId, partition, counter) => {
            const created = await m.createCounter(topicId, partition, counter);
            if (armed) otherResult = await other!.produce({ topic: 't', records: [rec('late-other')] }).catch((e: unknown) => e);
            return created;
          },
        }),
    });
    other = process();
    const { topicId } = await first.createTopic({ name: 't' });
    await first.produce({ topic: 't', records: [rec('x')] });
    await other.produce({ topic: 't', records: [rec('y')] }); // both hold a copy now
    await process().deleteTopic('t');
    armed = true;
    await expectCode(first.produce({ topic: 't', records: [rec('late-first')] }), 'UNKNOWN_TOPIC_OR_PARTITION');
    expect(otherResult).toBeInstanceOf(EddyError);
    expect((otherResult as EddyError).code).toBe('UNKNOWN_TOPIC_OR_PARTITION');
    const index: number[] = [];
    for await (const e of meta.listEntries(topicId, 0)) index.push(e.lastOffset);
    expect(index).toEqual([0, 1]);
    expect(await meta.readCounter(topicId, 0)).toBeUndefined();
  });

  it("a failure at a partition's first append after a deletion leaves nothing another process can append through", async () => {
    const { meta, process } = stack();
    let fail = false;
    const first = process({
      wrap: (m) =>
        intercept(m, {
          getTopic: async (name) => {
            if (fail) throw new EddyError('UNAVAILABLE', 'throttled');
            return m.getTopic(name);
          },
        }),
    });
    const other = process();
    const { topicId } = await first.createTopic({ name: 't' });
    await first.produce({ topic: 't', records: [rec('x')] });
    await other.produce({ topic: 't', records: [rec('y')] });
    await process().deleteTopic('t');
    fail = true;
    const err = await first.produce({ topic: 't', records: [rec('late-first')] }).catch((e: unknown) => e as EddyError);
    expect(err).toBeInstanceOf(EddyError);
    await expectCode(other.produce({ topic: 't', records: [rec('late-other')] }), 'UNKNOWN_TOPIC_OR_PARTITION');
    expect(await meta.readCounter(topicId, 0)).toBeUndefined();
  });

  it("a deletion racing a partition's first append: whatever the append answers, the deleted topic takes no later append", async () => {
    const { meta, process } = stack();
    const admin = process();
    let deleteNow = false;
    const writer = process({
      wrap: (m) =>
        intercept(m, {
          // The deletion lands right after the first entry's counter is created.
          createCounter: async (topicId, partition, counter) => {
            const created = await m.createCounter(topicId, partition, counter);
            if (deleteNow) await admin.deleteTopic('t');
            return created;
          },
        }),
    });
    const other = process();
    const { topicId } = await writer.createTopic({ name: 't', partitions: 2 });
    await other.produce({ topic: 't', records: [rec('a', 1)] }); // the other holds a copy; partition 0 stays empty
    deleteNow = true;
    // Concurrent with the deletion, so either answer is right; afterwards nothing lands.
    await writer.produce({ topic: 't', records: [rec('racing', 0)] }).catch(() => undefined);
    deleteNow = false;
    await expectCode(other.produce({ topic: 't', records: [rec('late', 0)] }), 'UNKNOWN_TOPIC_OR_PARTITION');
    await expectCode(other.produce({ topic: 't', records: [rec('late', 1)] }), 'UNKNOWN_TOPIC_OR_PARTITION');
    expect(await meta.readCounter(topicId, 0)).toBeUndefined();
    expect(await meta.readCounter(topicId, 1)).toBeUndefined();
  });
});
