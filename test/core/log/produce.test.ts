/**
 * The produce protocol (core/log/produce.ts) as a producer sees it: where
 * records land, what is refused before anything is written, what an
 * idempotent producer's retries, gaps and epochs get, and what each kind of
 * storage failure is reported as.
 */
import { describe, expect, it } from 'vitest';
import { EddyError } from '../../../core/errors.js';
import type { ProduceRecord, ProduceRequest } from '../../../core/log/produce.js';
import type { IndexEntry } from '../../../core/model.js';
import { partitionForKey } from '@eddy/api';
import { dec, enc, expectCode, intercept, memoryEddy, readAll, type MemoryEddy } from '../helpers.js';

/**
 * Tests of the earlier append protocol's races (read the head, race for the
 * next key), which `appendProtocol: 'head'` still runs; the reserve protocol's
 * own are in reserve.test.ts and reserve.model.test.ts.
 */
const HEAD_PROTOCOL = { log: { appendProtocol: 'head' as const } };

const rec = (value: string, partition?: number, extra: Partial<ProduceRecord> = {}): ProduceRecord => ({ key: null, value: enc(value), partition, ...extra });

async function objectCount(eddy: MemoryEddy): Promise<number> {
  let n = 0;
  for await (const _ of eddy.objectStore.list('')) n++;
  return n;
}

/** An idempotent request of producer `id` with its first sequence per partition. */
function idempotent(topic: string, id: string, epoch: number, sequences: Record<number, number>, records: ProduceRecord[]): ProduceRequest {
  return { topic, records, producer: { producerId: id, producerEpoch: epoch, sequences: new Map(Object.entries(sequences).map(([p, s]) => [Number(p), s])) } };
}

describe('produce: where records land', () => {
  it('answers one result per record in request order, offsets dense per partition', async () => {
    const eddy = memoryEddy();
    await eddy.log.createTopic({ name: 't', partitions: 3 });
    const results = await eddy.log.produce({ topic: 't', records: [rec('a', 2), rec('b', 0), rec('c', 2), rec('d', 1), rec('e', 2)] });
    expect(results).toEqual([
      { partition: 2, offset: 0 },
      { partition: 0, offset: 0 },
      { partition: 2, offset: 1 },
      { partition: 1, offset: 0 },
      { partition: 2, offset: 2 },
    ]);
    const again = await eddy.log.produce({ topic: 't', records: [rec('f', 2), rec('g', 0)] });
    expect(again).toEqual([
      { partition: 2, offset: 3 },
      { partition: 0, offset: 1 },
    ]);
    expect(await readAll(eddy.log, 't', 2)).toEqual([
      [0, 'a'],
      [1, 'c'],
      [2, 'e'],
      [3, 'f'],
    ]);
    // One object per request, whatever the number of partitions.
    expect(await objectCount(eddy)).toBe(2);
  });

  it('sends a keyed record to its murmur2 partition, and an explicit partition wins over the key', async () => {
    const eddy = memoryEddy();
    await eddy.log.createTopic({ name: 't', partitions: 7 });
    const keys = ['alpha', 'beta', 'gamma', 'delta', 'epsilon', 'zeta'];
    const results = await eddy.log.produce({ topic: 't', records: keys.map((k) => ({ key: enc(k), value: enc(k) })) });
    expect(results.map((r) => r.partition)).toEqual(keys.map((k) => partitionForKey(enc(k), 7)));
    expect(new Set(results.map((r) => r.partition)).size).toBeGreaterThan(2);
    const [explicit] = await eddy.log.produce({ topic: 't', records: [{ key: enc('alpha'), value: null, partition: (partitionForKey(enc('alpha'), 7) + 1) % 7 }] });
    expect(explicit!.partition).toBe((partitionForKey(enc('alpha'), 7) + 1) % 7);
  });

  it('spreads keyless records round-robin, continuing where the previous request stopped', async () => {
    for (const seed of [1, 2, 3]) {
      const eddy = memoryEddy({ seed });
      await eddy.log.createTopic({ name: 't', partitions: 3 });
      const first = await eddy.log.produce({ topic: 't', records: [rec('a'), rec('b')] });
      const second = await eddy.log.produce({ topic: 't', records: [rec('c'), rec('d'), rec('e'), rec('f')] });
      const partitions = [...first, ...second].map((r) => r.partition);
      const start = partitions[0]!;
      expect(partitions).toEqual([0, 1, 2, 3, 4, 5].map((i) => (start + i) % 3));
    }
    // The starting partition is random per topic, so many producers do not all start at 0.
    const starts = new Set<number>();
    for (let seed = 1; seed <= 12; seed++) {
      const eddy = memoryEddy({ seed });
      await eddy.log.createTopic({ name: 't', partitions: 3 });
      starts.add((await eddy.log.produce({ topic: 't', records: [rec('a')] }))[0]!.partition);
    }
    expect(starts.size).toBeGreaterThan(1);
  });

  it('keeps the round-robin cursor of one topic apart from another', async () => {
    const eddy = memoryEddy();
    await eddy.log.createTopic({ name: 'a', partitions: 2 });
    await eddy.log.createTopic({ name: 'b', partitions: 2 });
    const a1 = (await eddy.log.produce({ topic: 'a', records: [rec('x')] }))[0]!.partition;
    const b1 = (await eddy.log.produce({ topic: 'b', records: [rec('x')] }))[0]!.partition;
    const a2 = (await eddy.log.produce({ topic: 'a', records: [rec('x')] }))[0]!.partition;
    const b2 = (await eddy.log.produce({ topic: 'b', records: [rec('x')] }))[0]!.partition;
    expect(a2).toBe((a1 + 1) % 2);
    expect(b2).toBe((b1 + 1) % 2);
  });

  it('stamps a record without a timestamp with the append time, and keeps an explicit one', async () => {
    const eddy = memoryEddy();
    await eddy.log.createTopic({ name: 't' });
    eddy.clock.time = 1_800_000_000_123;
    await eddy.log.produce({ topic: 't', records: [rec('now', 0), rec('then', 0, { timestamp: 42 }), rec('zero', 0, { timestamp: 0 })] });
    const r = await eddy.log.fetch({ topic: 't', partition: 0, offset: 0 });
    expect(r.records.map((x) => x.timestamp)).toEqual([1_800_000_000_123, 42, 0]);
    const topicId = (await eddy.log.topic('t')).topicId;
    const entry = (await eddy.metadataStore.headEntry(topicId, 0))!;
    expect(entry.appendedAt).toBe(1_800_000_000_123);
    expect(entry.maxTimestamp).toBe(1_800_000_000_123);
  });
});

describe('produce: refused before anything is written', () => {
  async function refused(eddy: MemoryEddy, request: ProduceRequest, code: string, message: string): Promise<void> {
    const before = await objectCount(eddy);
    const err = await expectCode(eddy.log.produce(request), code);
    expect(err.message).toContain(message);
    expect(await objectCount(eddy)).toBe(before);
    const d = await eddy.log.describeTopic('t');
    expect(d.partitionOffsets.map((p) => p.highWatermark)).toEqual([0, 0]);
  }

  it('refuses empty requests, missing partitions and bad timestamps, naming the record', async () => {
    const eddy = memoryEddy();
    await eddy.log.createTopic({ name: 't', partitions: 2 });
    await refused(eddy, { topic: 't', records: [] }, 'INVALID_REQUEST', 'records must not be empty');
    for (const partition of [-1, 2, 0.5]) {
      await refused(eddy, { topic: 't', records: [rec('ok', 0), rec('bad', partition)] }, 'UNKNOWN_TOPIC_OR_PARTITION', `records[1]: partition ${partition} does not exist (topic t has 2)`);
    }
    for (const timestamp of [-1, 1.5, 2 ** 53, Number.NaN]) {
      await refused(eddy, { topic: 't', records: [rec('ok', 0), rec('bad', 1, { timestamp })] }, 'INVALID_REQUEST', `records[1]: timestamp must be a non-negative integer of ms, got ${timestamp}`);
    }
    await expectCode(eddy.log.produce({ topic: 'missing', records: [rec('x')] }), 'UNKNOWN_TOPIC_OR_PARTITION');
  });

  it('accepts a record of exactly maxMessageBytes and refuses one byte more', async () => {
    const eddy = memoryEddy();
    // A stored record is 8 (timestamp) + 4 + key + 4 + value + 4 (header count) + 8 + name + value per header.
    await eddy.log.createTopic({ name: 't', partitions: 2, config: { maxMessageBytes: 100 } });
    const fits = { key: enc('kk'), value: new Uint8Array(100 - 20 - 2 - 8 - 1 - 3), headers: [['h', enc('abc')]] as Array<[string, Uint8Array]>, partition: 0 };
    await refused(
      eddy,
      { topic: 't', records: [fits, { ...fits, value: new Uint8Array(fits.value.length + 1) }] },
      'MESSAGE_TOO_LARGE',
      'records[1]: 101 bytes exceeds maxMessageBytes 100 of topic t',
    );
    expect(await eddy.log.produce({ topic: 't', records: [fits] })).toEqual([{ partition: 0, offset: 0 }]);
  });

  it('refuses idempotent requests whose records or sequences do not match', async () => {
    const eddy = memoryEddy();
    await eddy.log.createTopic({ name: 't', partitions: 2 });
    await refused(eddy, idempotent('t', 'p', 0, { 0: 0 }, [rec('a', 0), rec('b')]), 'INVALID_REQUEST', 'with producerId every record must carry an explicit partition');
    await refused(eddy, idempotent('t', 'p', 0, { 0: 0 }, [rec('a', 0), rec('b', 1)]), 'INVALID_REQUEST', 'sequences has no entry for partition 1');
    await refused(eddy, idempotent('t', 'p', 0, { 0: 0, 1: 0 }, [rec('a', 0)]), 'INVALID_REQUEST', 'sequences names partition 1, which has no records in this request');
    await refused(eddy, idempotent('t', 'p', 0, { 0: 3 }, [rec('a', 0)]), 'UNKNOWN_PRODUCER_ID', 'unknown producer p in partition 0: sequence 3');
  });
});

describe('produce: idempotent producers', () => {
  it('answers a retry of the last batch with its original offsets and appends nothing', async () => {
    const eddy = memoryEddy();
    await eddy.log.createTopic({ name: 't', partitions: 2 });
    const batch = idempotent('t', 'p', 0, { 0: 0, 1: 0 }, [rec('a', 0), rec('b', 1), rec('c', 0)]);
    const first = await eddy.log.produce(batch);
    expect(first).toEqual([
      { partition: 0, offset: 0 },
      { partition: 1, offset: 0 },
      { partition: 0, offset: 1 },
    ]);
    await eddy.log.produce({ topic: 't', records: [rec('other', 0), rec('other', 1)] });
    const objects = await objectCount(eddy);
    expect(await eddy.log.produce(batch)).toEqual(first);
    expect(await objectCount(eddy)).toBe(objects); // a full retry costs no PUT
    expect(await readAll(eddy.log, 't', 0)).toEqual([
      [0, 'a'],
      [1, 'c'],
      [2, 'other'],
    ]);
  });

  it('continues at the next sequence and refuses a gap, a partial retry or an older sequence', async () => {
    const eddy = memoryEddy();
    await eddy.log.createTopic({ name: 't' });
    const send = (seq: number, n: number, epoch = 0) => eddy.log.produce(idempotent('t', 'p', epoch, { 0: seq }, Array.from({ length: n }, (_, i) => rec(`s${seq + i}`, 0))));
    expect(await send(0, 3)).toHaveLength(3); // sequences 0..2
    expect(await send(3, 2)).toEqual([
      { partition: 0, offset: 3 },
      { partition: 0, offset: 4 },
    ]); // 3..4
    for (const [seq, n] of [
      [6, 1], // a gap
      [3, 1], // part of the last batch
      [3, 3], // the last batch and more
      [0, 3], // an older batch
      [4, 1], // inside the last batch
    ] as const) {
      const err = await expectCode(send(seq, n), 'OUT_OF_ORDER_SEQUENCE');
      expect(err.message).toBe(`out of order sequence in partition 0: expected sequence 5, got ${seq}`);
    }
    expect(await send(3, 2)).toEqual([
      { partition: 0, offset: 3 },
      { partition: 0, offset: 4 },
    ]);
    expect(await send(5, 1)).toEqual([{ partition: 0, offset: 5 }]);
    expect((await eddy.log.partitionOffsets('t', 0)).highWatermark).toBe(6);
  });

  it('lets a new epoch start over at any sequence and fences the old epoch', async () => {
    const eddy = memoryEddy();
    await eddy.log.createTopic({ name: 't' });
    const send = (epoch: number, seq: number, v: string) => eddy.log.produce(idempotent('t', 'p', epoch, { 0: seq }, [rec(v, 0)]));
    await send(3, 0, 'a');
    await send(3, 1, 'b');
    expect(await send(4, 0, 'c')).toEqual([{ partition: 0, offset: 2 }]);
    expect(await send(5, 7, 'd')).toEqual([{ partition: 0, offset: 3 }]);
    const err = await expectCode(send(4, 1, 'zombie'), 'PRODUCER_FENCED');
    expect(err.message).toBe('producer fenced: epoch 4 is older than 5');
    expect(await send(5, 8, 'e')).toEqual([{ partition: 0, offset: 4 }]);
    expect((await readAll(eddy.log, 't')).map(([, v]) => v)).toEqual(['a', 'b', 'c', 'd', 'e']);
  });

  it('tracks producers per partition and keeps other producers\' state when one appends', async () => {
    const eddy = memoryEddy();
    await eddy.log.createTopic({ name: 't', partitions: 2 });
    const send = (id: string, p: number, seq: number) => eddy.log.produce(idempotent('t', id, 0, { [p]: seq }, [rec(`${id}${seq}`, p)]));
    await send('x', 0, 0);
    await send('y', 0, 0);
    await send('x', 1, 0);
    await send('y', 0, 1);
    // x's last batch in partition 0 is still recognised after y appended twice, and x continues there.
    expect(await send('x', 0, 0)).toEqual([{ partition: 0, offset: 0 }]);
    expect(await send('x', 0, 1)).toEqual([{ partition: 0, offset: 3 }]);
    expect(await send('x', 1, 1)).toEqual([{ partition: 1, offset: 1 }]);
    await expectCode(send('y', 1, 1), 'UNKNOWN_PRODUCER_ID'); // y is unknown in partition 1
  });

  it('remembers 32 producers in the head and finds older ones further back', async () => {
    const eddy = memoryEddy({ settings: HEAD_PROTOCOL });
    await eddy.log.createTopic({ name: 't' });
    const topicId = (await eddy.log.topic('t')).topicId;
    const send = (id: string, seq: number) => eddy.log.produce(idempotent('t', id, 0, { 0: seq }, [rec(`${id}:${seq}`, 0)]));
    await send('old', 0);
    await send('old', 1);
    for (let i = 0; i < 32; i++) await send(`p${i}`, 0);
    const head = (await eddy.metadataStore.headEntry(topicId, 0))!;
    expect(Object.keys(head.producers)).toHaveLength(32);
    expect(head.producers.old).toBeUndefined();
    expect(head.producers.p0).toEqual({ epoch: 0, firstSequence: 0, lastSequence: 0, baseOffset: 2 });
    expect(head.producers.p31).toEqual({ epoch: 0, firstSequence: 0, lastSequence: 0, baseOffset: 33 });
    expect(await send('old', 1)).toEqual([{ partition: 0, offset: 1 }]);
    await expectCode(send('old', 5), 'OUT_OF_ORDER_SEQUENCE');
    expect(await send('old', 2)).toEqual([{ partition: 0, offset: 34 }]);
    // The producer the head forgot is the one that appended least recently.
    const after = (await eddy.metadataStore.headEntry(topicId, 0))!;
    expect(after.producers.old).toBeDefined();
    expect(after.producers.p0).toBeUndefined();
    expect(after.producers.p1).toBeDefined();
  });

  it('answers a late retry of a first batch (sequence 0) with its offset after 32 other producers appended', async () => {
    const eddy = memoryEddy();
    await eddy.log.createTopic({ name: 't' });
    const send = (id: string, seq: number) => eddy.log.produce(idempotent('t', id, 0, { 0: seq }, [rec(`${id}:${seq}`, 0)]));
    await send('first', 0);
    for (let i = 0; i < 32; i++) await send(`p${i}`, 0);
    // The head no longer tracks `first`: the retry is found by the look-back, not appended again.
    expect(await send('first', 0)).toEqual([{ partition: 0, offset: 0 }]);
    const values = (await readAll(eddy.log, 't')).map(([, v]) => v);
    expect(values).toHaveLength(33);
    expect(values.filter((v) => v === 'first:0')).toHaveLength(1);
    // The producer continues where it was; a producer never seen still starts at 0.
    expect(await send('first', 1)).toEqual([{ partition: 0, offset: 33 }]);
    expect(await send('new', 0)).toEqual([{ partition: 0, offset: 34 }]);
  });

  it('searches at most the last 2000 entries for a forgotten producer, a page at a time', async () => {
    const eddy = memoryEddy();
    await eddy.log.createTopic({ name: 't' });
    const send = (id: string, seq: number) => eddy.log.produce(idempotent('t', id, 0, { 0: seq }, [rec(`${id}:${seq}`, 0)]));
    await send('early', 0);
    await send('early', 1);
    await send('late', 0);
    await send('late', 1);
    // 250 other idempotent producers push both out of the head: `late` is 251 entries back (the third page), `early` 253.
    for (let i = 0; i < 250; i++) await send(`p${i}`, 0);
    expect(await send('late', 1)).toEqual([{ partition: 0, offset: 3 }]);
    expect(await send('early', 1)).toEqual([{ partition: 0, offset: 1 }]);
    expect(await send('early', 2)).toEqual([{ partition: 0, offset: 254 }]);
    await expectCode(send('late', 3), 'OUT_OF_ORDER_SEQUENCE');
  });

  it('forgets a producer more than 2000 entries back: it must start a new epoch', async () => {
    const eddy = memoryEddy({ settings: HEAD_PROTOCOL });
    await eddy.log.createTopic({ name: 't' });
    const send = (id: string, epoch: number, seq: number) => eddy.log.produce(idempotent('t', id, epoch, { 0: seq }, [rec(`${id}:${seq}`, 0)]));
    await send('gone', 0, 0);
    await send('gone', 0, 1);
    const topicId = (await eddy.log.topic('t')).topicId;
    // 2001 entries of others, written straight into the index (2001 produces would take too long here):
    // the last batch of `gone` is then 2001 entries behind the head.
    let head = (await eddy.metadataStore.headEntry(topicId, 0))!;
    for (let i = 0; i < 2001; i++) {
      const next: IndexEntry = { ...head, baseOffset: head.lastOffset + 1, lastOffset: head.lastOffset + 1, producers: {} };
      expect(await eddy.metadataStore.appendEntry(next)).toBe(true);
      head = next;
    }
    const err = await expectCode(send('gone', 0, 2), 'UNKNOWN_PRODUCER_ID');
    expect(err.message).toContain('unknown producer gone in partition 0');
    expect(await send('gone', 1, 0)).toEqual([{ partition: 0, offset: 2003 }]);
  });
});

describe('produce: storage failures', () => {
  it('reports a PUT with an unknown outcome as UNAVAILABLE: nothing references the object', async () => {
    const eddy = memoryEddy();
    await eddy.log.createTopic({ name: 't' });
    const put = eddy.objectStore.put.bind(eddy.objectStore);
    eddy.objectStore.put = async (key, bytes) => {
      await put(key, bytes);
      throw new EddyError('UNKNOWN_OUTCOME', 'injected: timed out after the PUT');
    };
    const err = await expectCode(eddy.log.produce({ topic: 't', records: [rec('a')] }), 'UNAVAILABLE');
    expect(err.message).toBe('injected: timed out after the PUT');
    expect(err.cause).toBeInstanceOf(EddyError);
    eddy.objectStore.put = async () => {
      throw new EddyError('THROTTLED', 'injected: slow down');
    };
    await expectCode(eddy.log.produce({ topic: 't', records: [rec('a')] }), 'THROTTLED');
    eddy.objectStore.put = put;
    expect(await eddy.log.produce({ topic: 't', records: [rec('a')] })).toEqual([{ partition: 0, offset: 0 }]);
  });

  it('retries an append that lost a race for its offset, after a backoff', async () => {
    let steal = 2;
    const eddy = memoryEddy({
      settings: HEAD_PROTOCOL,
      wrapMeta: (meta) =>
        intercept(meta, {
          appendEntry: async (entry) => {
            if (steal-- > 0) {
              // Another producer takes this offset first.
              await meta.appendEntry({ ...entry, objectKey: `ingest/other-${steal}`, lastOffset: entry.baseOffset, chunks: [{ ...entry.chunks[0]!, records: 1 }] });
              return false;
            }
            return meta.appendEntry(entry);
          },
        }),
    });
    await eddy.log.createTopic({ name: 't' });
    expect(await eddy.log.produce({ topic: 't', records: [rec('mine', 0)] })).toEqual([{ partition: 0, offset: 2 }]);
    expect(eddy.clock.sleeps).toHaveLength(2);
  });

  it('gives up on a partition after 9 retryable failures, saying nothing was applied', async () => {
    let calls = 0;
    const eddy = memoryEddy({
      settings: HEAD_PROTOCOL,
      wrapMeta: (meta) =>
        intercept(meta, {
          appendEntry: async () => {
            calls++;
            throw new EddyError('THROTTLED', 'injected throttle');
          },
        }),
    });
    await eddy.log.createTopic({ name: 't' });
    const err = await expectCode(eddy.log.produce({ topic: 't', records: [rec('a')] }), 'THROTTLED');
    expect(err.message).toBe('injected throttle');
    expect(calls).toBe(9);
    // Backoff grows and is capped, with full jitter below it.
    expect(eddy.clock.sleeps).toHaveLength(8);
    eddy.clock.sleeps.forEach((ms, attempt) => {
      expect(Number.isInteger(ms)).toBe(true);
      expect(ms).toBeGreaterThanOrEqual(0);
      expect(ms).toBeLessThan(Math.min(200, 5 * 2 ** Math.min(attempt, 6)));
    });
    expect(Math.max(...eddy.clock.sleeps)).toBeGreaterThan(40);
  });

  it('fails at once on a non-retryable index error', async () => {
    let calls = 0;
    const eddy = memoryEddy({
      settings: HEAD_PROTOCOL,
      wrapMeta: (meta) =>
        intercept(meta, {
          appendEntry: async () => {
            calls++;
            throw new EddyError('INTERNAL', 'injected bug');
          },
        }),
    });
    await eddy.log.createTopic({ name: 't' });
    await expectCode(eddy.log.produce({ topic: 't', records: [rec('a')] }), 'INTERNAL');
    expect(calls).toBe(1);
    const plain = memoryEddy({ settings: HEAD_PROTOCOL, wrapMeta: (meta) => intercept(meta, { appendEntry: () => Promise.reject(new TypeError('boom')) }) });
    await plain.log.createTopic({ name: 't' });
    await expect(plain.log.produce({ topic: 't', records: [rec('a')] })).rejects.toThrow('boom');
    expect((await plain.log.partitionOffsets('t', 0)).highWatermark).toBe(0);
  });

  it('gives up after 64 lost races it cannot tell from its own write, as UNKNOWN_OUTCOME', async () => {
    const eddy = memoryEddy({ settings: HEAD_PROTOCOL, wrapMeta: (meta) => intercept(meta, { appendEntry: async () => false, entriesFrom: async () => [] }) });
    await eddy.log.createTopic({ name: 't' });
    const err = await expectCode(eddy.log.produce({ topic: 't', records: [rec('a', 0)] }), 'UNKNOWN_OUTCOME');
    // Each lost race may have been our own write seen as a conflict, and no read can confirm it here.
    expect(err.message).toBe('partition 0: an earlier index write may have applied, then: partition 0: too much contention appending to the index, retry');
    expect(eddy.clock.sleeps).toHaveLength(64);
  });

  it('gives up after 64 races lost to other producers, as UNKNOWN_OUTCOME: the last lost race is not read back', async () => {
    const eddy = memoryEddy({
      settings: HEAD_PROTOCOL,
      wrapMeta: (meta) =>
        intercept(meta, {
          appendEntry: async (entry) => {
            await meta.appendEntry({ ...entry, objectKey: 'ingest/other', lastOffset: entry.baseOffset, chunks: [{ ...entry.chunks[0]!, records: 1 }] });
            return false;
          },
        }),
    });
    await eddy.log.createTopic({ name: 't' });
    const err = await expectCode(eddy.log.produce({ topic: 't', records: [rec('a', 0)] }), 'UNKNOWN_OUTCOME');
    expect(err.message).toContain('too much contention appending to the index');
    expect((await eddy.log.partitionOffsets('t', 0)).highWatermark).toBe(64);
  });

  it('recognises its own entry after an append that applied but reported a lost race', async () => {
    let first = true;
    const eddy = memoryEddy({
      wrapMeta: (meta) =>
        intercept(meta, {
          appendEntry: async (entry) => {
            const ok = await meta.appendEntry(entry);
            if (first) {
              first = false;
              return false; // the SDK retried a write that had applied: it sees its own item
            }
            return ok;
          },
        }),
    });
    await eddy.log.createTopic({ name: 't' });
    await eddy.log.produce({ topic: 't', records: [rec('x', 0)] });
    first = true;
    expect(await eddy.log.produce({ topic: 't', records: [rec('once', 0), rec('twice?', 0)] })).toEqual([
      { partition: 0, offset: 1 },
      { partition: 0, offset: 2 },
    ]);
    expect(await readAll(eddy.log, 't')).toEqual([
      [0, 'x'],
      [1, 'once'],
      [2, 'twice?'],
    ]);
  });

  it('keeps looking for its own write when another producer took the next offset meanwhile', async () => {
    // Attempt 1 applies but times out; before the retry reads, someone appends after it.
    let step = 0;
    const eddy = memoryEddy({
      settings: HEAD_PROTOCOL,
      wrapMeta: (meta) =>
        intercept(meta, {
          appendEntry: async (entry) => {
            step++;
            if (step === 1) {
              await meta.appendEntry(entry);
              await meta.appendEntry({ ...entry, baseOffset: entry.lastOffset + 1, lastOffset: entry.lastOffset + 1, objectKey: 'ingest/other', chunks: [{ ...entry.chunks[0]!, records: 1 }] });
              throw new EddyError('UNKNOWN_OUTCOME', 'injected: timed out after applying');
            }
            return meta.appendEntry(entry);
          },
        }),
    });
    await eddy.log.createTopic({ name: 't' });
    expect(await eddy.log.produce({ topic: 't', records: [rec('mine', 0)] })).toEqual([{ partition: 0, offset: 0 }]);
    expect(step).toBe(1);
    expect((await eddy.log.partitionOffsets('t', 0)).highWatermark).toBe(2);
  });

  it('appends again when its timed-out write did not apply and someone else holds that offset', async () => {
    let armed = false;
    let step = 0;
    // The store wrapper reads `eddy` at call time, once it is built.
    const eddy: MemoryEddy = memoryEddy({
      settings: HEAD_PROTOCOL,
      wrapMeta: (meta) =>
        intercept(meta, {
          appendEntry: async (entry) => {
            if (armed) step++;
            if (step === 1) {
              // Our write is lost; another producer's lands at the same offset; we hear a timeout.
              await eddy.objectStore.put('ingest/other', await eddy.objectStore.get(entry.objectKey!));
              await meta.appendEntry({ ...entry, objectKey: 'ingest/other' });
              throw new EddyError('UNKNOWN_OUTCOME', 'injected: timed out');
            }
            return meta.appendEntry(entry);
          },
        }),
    });
    await eddy.log.createTopic({ name: 't' });
    await eddy.log.produce({ topic: 't', records: [rec('zero', 0)] });
    armed = true;
    expect(await eddy.log.produce({ topic: 't', records: [rec('mine', 0)] })).toEqual([{ partition: 0, offset: 2 }]);
    expect(step).toBe(2);
    expect((await readAll(eddy.log, 't')).map(([o, v]) => `${o}:${v}`)).toEqual(['0:zero', '1:mine', '2:mine']);
  });

  it('does not take an entry of the same object at another position for its own', async () => {
    // Two partitions of one request share one object; a lost race must not confirm a partition by the other's chunk.
    const eddy = memoryEddy({
      wrapMeta: (meta) =>
        intercept(meta, {
          appendEntry: async (entry) => (entry.partition === 1 && entry.baseOffset === 0 ? false : meta.appendEntry(entry)),
          entriesFrom: async (topicId, partition, offset, limit) => {
            const found = await meta.entriesFrom(topicId, partition, offset, limit);
            if (partition !== 1 || found.length > 0) return found;
            // Partition 1 has nothing at 0; show partition 0's entry there, which shares the object key but not the position.
            return (await meta.entriesFrom(topicId, 0, 0, 1)).map((e) => ({ ...e, partition: 1 }));
          },
          headEntry: async (topicId, partition) => meta.headEntry(topicId, partition),
        }),
    });
    await eddy.log.createTopic({ name: 't', partitions: 2 });
    const err = await expectCode(eddy.log.produce({ topic: 't', records: [rec('a', 0), rec('b', 1)] }), 'UNKNOWN_OUTCOME');
    expect(err.message).toContain('partitions 0 were appended but 1 failed');
  });

  it('reports a multi-partition failure as UNKNOWN_OUTCOME once any partition was appended, naming them', async () => {
    const eddy = memoryEddy({
      wrapMeta: (meta) =>
        intercept(meta, {
          appendEntry: async (entry) => {
            if (entry.partition === 2) throw new EddyError('INTERNAL', 'injected crash');
            return meta.appendEntry(entry);
          },
        }),
    });
    await eddy.log.createTopic({ name: 't', partitions: 3 });
    const err = await expectCode(eddy.log.produce({ topic: 't', records: [rec('a', 0), rec('b', 1), rec('c', 2)] }), 'UNKNOWN_OUTCOME');
    expect(err.message).toBe('partitions 0,1 were appended but 2 failed (injected crash); retry with idempotence to avoid duplicates');
    expect((err.cause as EddyError).code).toBe('INTERNAL');
  });

  it('reports a clean failure as it is when no partition was appended', async () => {
    const eddy = memoryEddy({ wrapMeta: (meta) => intercept(meta, { appendEntry: () => Promise.reject(new EddyError('INVALID_REQUEST', 'injected refusal')) }) });
    await eddy.log.createTopic({ name: 't', partitions: 2 });
    const err = await expectCode(eddy.log.produce({ topic: 't', records: [rec('a', 0), rec('b', 1)] }), 'INVALID_REQUEST');
    expect(err.message).toBe('injected refusal');
  });

  it('prefers the ambiguous failure when every partition failed, one of them ambiguously', async () => {
    const eddy = memoryEddy({
      wrapMeta: (meta) =>
        intercept(meta, {
          appendEntry: (entry) => Promise.reject(entry.partition === 0 ? new EddyError('INVALID_REQUEST', 'clean') : new EddyError('UNKNOWN_OUTCOME', 'ambiguous')),
          entriesFrom: () => Promise.reject(new EddyError('INVALID_REQUEST', 'cannot read')),
        }),
    });
    await eddy.log.createTopic({ name: 't', partitions: 2 });
    await expectCode(eddy.log.produce({ topic: 't', records: [rec('a', 0), rec('b', 1)] }), 'UNKNOWN_OUTCOME');
  });

  it('reports a failure of a request that was partly a retry as UNKNOWN_OUTCOME', async () => {
    let fail = false;
    const eddy = memoryEddy({
      wrapMeta: (meta) => intercept(meta, { appendEntry: async (entry) => (fail && entry.partition === 1 ? Promise.reject(new EddyError('INVALID_REQUEST', 'injected')) : meta.appendEntry(entry)) }),
    });
    await eddy.log.createTopic({ name: 't', partitions: 2 });
    await eddy.log.produce(idempotent('t', 'p', 0, { 0: 0 }, [rec('a', 0)]));
    fail = true;
    // Partition 0 is a retry of what is stored; partition 1 fails cleanly. The request as a whole is partly in the log.
    const err = await expectCode(eddy.log.produce(idempotent('t', 'p', 0, { 0: 0, 1: 0 }, [rec('a', 0), rec('b', 1)])), 'UNKNOWN_OUTCOME');
    // The retried partition counts as appended: its records are in the log.
    expect(err.message).toBe('partitions 0 were appended but 1 failed (injected); retry with idempotence to avoid duplicates');
    fail = false;
    expect(await eddy.log.produce(idempotent('t', 'p', 0, { 0: 0, 1: 0 }, [rec('a', 0), rec('b', 1)]))).toEqual([
      { partition: 0, offset: 0 },
      { partition: 1, offset: 0 },
    ]);
  });

  it('answers a duplicate found on the retry read with the original offsets', async () => {
    // A batch whose first append timed out after applying, retried by the client while its first request still runs.
    let once = true;
    let release: () => void = () => {};
    const gate = new Promise<void>((resolve) => (release = resolve));
    const eddy = memoryEddy({
      wrapMeta: (meta) =>
        intercept(meta, {
          appendEntry: async (entry) => {
            if (once) {
              once = false;
              await gate;
              return false;
            }
            return meta.appendEntry(entry);
          },
        }),
    });
    await eddy.log.createTopic({ name: 't' });
    const batch = idempotent('t', 'p', 0, { 0: 0 }, [rec('a', 0)]);
    const slow = eddy.log.produce(batch);
    await new Promise((resolve) => setImmediate(resolve));
    const fast = await eddy.log.produce(batch);
    release();
    expect(await slow).toEqual(fast);
    expect(await readAll(eddy.log, 't')).toEqual([[0, 'a']]);
  });
});

describe('produce: what the index remembers', () => {
  it('stores each record once, at its offset, with its own bytes', async () => {
    const eddy = memoryEddy();
    await eddy.log.createTopic({ name: 't' });
    const headers: Array<[string, Uint8Array]> = [
      ['a', enc('1')],
      ['b', new Uint8Array()],
    ];
    await eddy.log.produce({ topic: 't', records: [{ key: enc('k'), value: enc('v'), headers, partition: 0 }, rec('w', 0)] });
    const r = await eddy.log.fetch({ topic: 't', partition: 0, offset: 0 });
    expect(r.records.map((x) => [x.offset, dec(x.key), dec(x.value), x.headers.map(([n, v]) => `${n}=${dec(v)}`)])).toEqual([
      [0, 'k', 'v', ['a=1', 'b=']],
      [1, null, 'w', []],
    ]);
  });

  it('writes an index entry that covers the records, their bytes and their newest timestamp', async () => {
    const eddy = memoryEddy();
    await eddy.log.createTopic({ name: 't', partitions: 2 });
    await eddy.log.produce({ topic: 't', records: [rec('a', 1, { timestamp: 7 }), rec('bb', 1, { timestamp: 9 }), rec('c', 1, { timestamp: 8 }), rec('z', 0)] });
    const topicId = (await eddy.log.topic('t')).topicId;
    const e = (await eddy.metadataStore.headEntry(topicId, 1))!;
    expect(e).toMatchObject({ baseOffset: 0, lastOffset: 2, maxTimestamp: 9, producers: {} });
    expect(e.chunks).toHaveLength(1);
    expect(e.chunks[0]).toMatchObject({ offsetDelta: 0, records: 3, maxTimestamp: 9 });
    expect(e.bytes).toBe(e.chunks[0]!.length);
    const bytes = await eddy.objectStore.get(e.objectKey!);
    expect(e.chunks[0]!.position + e.chunks[0]!.length).toBeLessThanOrEqual(bytes.length);
    expect(e.objectKey).toMatch(new RegExp(`^ingest/${topicId}/`));
  });
});
