/**
 * Under the reserve append protocol (docs/design.md §3) a hole — a range
 * reserved and not written yet — holds back every view a client has of the
 * partition: the high-water mark of `partitionOffsets` and `describeTopic`,
 * `latest`, record and batch reads, and the binary route. After the
 * configured `abandonAfterMs` a read abandons the hole and every view moves on.
 * Under the default head protocol there are no holes, and the high-water mark
 * costs one index entry read.
 */
import { describe, expect, it, vi } from 'vitest';
import { dec, enc, intercept, memoryEddy } from '../helpers.js';

const rec = (v: string) => ({ key: null, value: enc(v), partition: 0 });

/** A reserve-protocol partition holding a at 0, a hole at 1 (a writer reserved it and died), c at 2. */
async function withHole(abandonAfterMs?: number) {
  const eddy = memoryEddy({ settings: { log: { appendProtocol: 'reserve', ...(abandonAfterMs !== undefined ? { abandonAfterMs } : {}) } } });
  const { topicId } = await eddy.log.createTopic({ name: 't' });
  await eddy.log.produce({ topic: 't', records: [rec('a')] });
  expect(await eddy.metadataStore.reserveOffsets(topicId, 0, 1)).toBe(1);
  expect(await eddy.log.produce({ topic: 't', records: [rec('c')] })).toEqual([{ partition: 0, offset: 2 }]);
  return eddy;
}

describe('reserve protocol: what clients see of a hole', () => {
  it('every view of the partition stops at the hole while it is young', async () => {
    const eddy = await withHole();
    expect(await eddy.log.partitionOffsets('t', 0)).toEqual({ partition: 0, logStartOffset: 0, highWatermark: 1 });
    expect((await eddy.log.describeTopic('t')).partitionOffsets).toEqual([{ partition: 0, logStartOffset: 0, highWatermark: 1, segments: 2 }]);
    expect(await eddy.log.listOffset('t', 0, 'latest')).toEqual({ partition: 0, offset: 1 });
    expect((await eddy.log.fetch({ topic: 't', partition: 0, offset: 0 })).records.map((r) => dec(r.value))).toEqual(['a']);
    expect((await eddy.log.readBatches({ topic: 't', partition: 0, offset: 1 })).batches).toEqual([]);
    expect(await eddy.log.fetchBatches({ topic: 't', partition: 0, offset: 1 })).toMatchObject({ highWatermark: 1, nextOffset: 1, batches: [] });
  });

  it('waits the default 10 s before abandoning a hole', async () => {
    const eddy = await withHole();
    eddy.clock.advance(9_999);
    expect((await eddy.log.fetch({ topic: 't', partition: 0, offset: 1 })).records).toEqual([]);
    eddy.clock.advance(1);
    expect((await eddy.log.fetch({ topic: 't', partition: 0, offset: 1 })).records.map((r) => [r.offset, dec(r.value)])).toEqual([[2, 'c']]);
    expect(await eddy.log.partitionOffsets('t', 0)).toMatchObject({ highWatermark: 3 });
  });

  it('abandons a hole after the configured abandonAfterMs, on the binary route too', async () => {
    const eddy = await withHole(1_000);
    eddy.clock.advance(999);
    expect((await eddy.log.fetchBatches({ topic: 't', partition: 0, offset: 1 })).batches).toEqual([]);
    eddy.clock.advance(1);
    const out = await eddy.log.fetchBatches({ topic: 't', partition: 0, offset: 1 });
    expect([out.batches.length, out.nextOffset, out.highWatermark]).toEqual([1, 3, 3]);
    expect(await eddy.log.listOffset('t', 0, 'latest')).toEqual({ partition: 0, offset: 3 });
    expect((await eddy.log.describeTopic('t')).partitionOffsets[0]).toMatchObject({ highWatermark: 3 });
  });
});

describe('head protocol: the high-water mark', () => {
  it('reads one index entry, the head, for the high-water mark', async () => {
    const limits: number[] = [];
    const eddy = memoryEddy({
      wrapMeta: (meta) =>
        intercept(meta, {
          entriesBefore: vi.fn(async (topicId: string, partition: number, before: number, limit: number) => {
            limits.push(limit);
            return meta.entriesBefore(topicId, partition, before, limit);
          }),
        }),
    });
    await eddy.log.createTopic({ name: 't' });
    for (const v of ['a', 'b', 'c']) await eddy.log.produce({ topic: 't', records: [rec(v)] });
    limits.length = 0;
    expect(await eddy.log.partitionOffsets('t', 0)).toMatchObject({ highWatermark: 3 });
    await eddy.log.describeTopic('t');
    await eddy.log.fetch({ topic: 't', partition: 0, offset: 0 });
    await eddy.log.readBatches({ topic: 't', partition: 0, offset: 0 });
    await eddy.log.listOffset('t', 0, 'latest');
    expect(limits).toEqual([1, 1, 1, 1, 1]);
  });
});
