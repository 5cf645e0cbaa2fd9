/**
 * The Kafka produce seam (`log.appendBatches`) as a Kafka client sees it: what
 * each partition of a request answers when its batches are refused, that a
 * refused partition writes nothing while the others are appended, and what the
 * stored batches' timestamps and producer ids mean afterwards.
 */
import { describe, expect, it } from 'vitest';
import { EddyError } from '../../../core/errors.js';
import { crc32c } from '../../../core/codec/crc32c.js';
import { encodeBatch, type BatchRecordInput } from '../../../core/codec/record-batch.js';
import type { PartitionAppendResult } from '../../../core/log/produce.js';
import { enc, intercept, memoryEddy, readAll, withAttributes, type MemoryEddy } from '../helpers.js';

const record = (value: string, timestamp = 1_700_000_000_000): BatchRecordInput => ({ timestamp, key: null, value: enc(value) });

/** A copy of a batch claiming `count` records, CRC made right. */
function withRecordCount(batch: Uint8Array, count: number): Uint8Array {
  const b = batch.slice();
  const view = new DataView(b.buffer, b.byteOffset, b.byteLength);
  view.setInt32(57, count);
  view.setUint32(17, crc32c(b, 21));
  return b;
}

const concat = (...parts: Uint8Array[]): Uint8Array => {
  const out = new Uint8Array(parts.reduce((n, p) => n + p.length, 0));
  let at = 0;
  for (const p of parts) {
    out.set(p, at);
    at += p.length;
  }
  return out;
};

/** The error a partition answered (fails the test if it was appended). */
function errorOf(results: PartitionAppendResult[], partition: number): EddyError {
  const r = results.find((x) => x.partition === partition);
  if (!r || !('error' in r)) throw new Error(`partition ${partition} was not refused: ${JSON.stringify(r)}`);
  return r.error;
}

async function objectCount(eddy: MemoryEddy): Promise<number> {
  let n = 0;
  for await (const _ of eddy.objectStore.list('')) n++;
  return n;
}

describe('appendBatches: refusals', () => {
  it('answers each refused partition with its own code and a message naming it, and appends the others', async () => {
    const eddy = memoryEddy();
    await eddy.log.createTopic({ name: 't', partitions: 8, config: { maxMessageBytes: 1024 } });
    const plain = encodeBatch({ records: [record('ok')] });
    const results = await eddy.log.appendBatches({
      topic: 't',
      partitions: [
        { partition: 0, batches: plain },
        { partition: 1, batches: new Uint8Array(0) },
        { partition: 2, batches: withAttributes(plain, 0x10) },
        { partition: 3, batches: withAttributes(plain, 0x20) },
        { partition: 4, batches: withRecordCount(plain, 0) },
        { partition: 5, batches: encodeBatch({ records: [record('x'.repeat(2000))] }) },
        { partition: 6, batches: concat(encodeBatch({ records: [record('a')], producerId: 9n, producerEpoch: 0, baseSequence: 0 }), encodeBatch({ records: [record('b')], producerId: 9n, producerEpoch: 0, baseSequence: 1 })) },
        { partition: 8, batches: plain },
        { partition: -1, batches: plain },
      ],
    });
    expect(results.find((r) => r.partition === 0)).toEqual({ partition: 0, baseOffset: 0 });
    const expected: Array<[number, string, string]> = [
      [1, 'CORRUPT_MESSAGE', 'no record batch'],
      [2, 'INVALID_REQUEST', 'partition 2: transactional batches are not supported yet'],
      [3, 'INVALID_REQUEST', 'partition 3: transactional batches are not supported yet'],
      [4, 'CORRUPT_MESSAGE', 'records count 0: a batch must hold at least one record'],
      [5, 'MESSAGE_TOO_LARGE', 'exceeds max.message.bytes 1024 of topic t'],
      [6, 'INVALID_REQUEST', 'partition 6: an idempotent producer sends one record batch per partition, got 2'],
      [8, 'UNKNOWN_TOPIC_OR_PARTITION', 'partition 8 of topic t does not exist (it has 8)'],
      [-1, 'UNKNOWN_TOPIC_OR_PARTITION', 'partition -1 of topic t does not exist (it has 8)'],
    ];
    for (const [partition, code, message] of expected) {
      const err = errorOf(results, partition);
      expect(err.code, `partition ${partition}`).toBe(code);
      expect(err.message).toContain(message);
    }
    for (const p of [1, 2, 3, 4, 5, 6]) expect(await readAll(eddy.log, 't', p)).toEqual([]);
    expect(await readAll(eddy.log, 't', 0)).toEqual([[0, 'ok']]);
  });

  it('takes a batch exactly at max.message.bytes and refuses one byte more', async () => {
    const eddy = memoryEddy();
    const probe = encodeBatch({ records: [record('v'.repeat(100))] });
    await eddy.log.createTopic({ name: 't', partitions: 1, config: { maxMessageBytes: probe.length } });
    expect(await eddy.log.appendBatches({ topic: 't', partitions: [{ partition: 0, batches: probe }] })).toEqual([{ partition: 0, baseOffset: 0 }]);
    const over = await eddy.log.appendBatches({ topic: 't', partitions: [{ partition: 0, batches: encodeBatch({ records: [record('v'.repeat(101))] }) }] });
    expect(errorOf(over, 0).code).toBe('MESSAGE_TOO_LARGE');
  });

  it('refuses a partition named twice in one request and appends neither of its batches', async () => {
    const eddy = memoryEddy();
    await eddy.log.createTopic({ name: 't', partitions: 2 });
    const results = await eddy.log.appendBatches({
      topic: 't',
      partitions: [
        { partition: 0, batches: encodeBatch({ records: [record('first')] }) },
        { partition: 1, batches: encodeBatch({ records: [record('other')] }) },
        { partition: 0, batches: encodeBatch({ records: [record('second')] }) },
      ],
    });
    expect(results[1]).toEqual({ partition: 1, baseOffset: 0 });
    for (const i of [0, 2]) {
      expect(results[i]!.partition).toBe(0);
      const err = errorOf([results[i]!], 0);
      expect([err.code, err.message]).toEqual(['INVALID_REQUEST', 'partition 0 appears twice in one request']);
    }
    // Answered as refused, so nothing of it may be stored: a client would send it again.
    expect(await readAll(eddy.log, 't', 0)).toEqual([]);
  });

  it('writes no object when every partition of a request is refused', async () => {
    const eddy = memoryEddy();
    await eddy.log.createTopic({ name: 't', partitions: 1 });
    const results = await eddy.log.appendBatches({ topic: 't', partitions: [{ partition: 0, batches: new Uint8Array(0) }, { partition: 3, batches: encodeBatch({ records: [record('x')] }) }] });
    expect(results.map((r) => 'error' in r)).toEqual([true, true]);
    expect(await objectCount(eddy)).toBe(0);
  });

  it('names every partition that failed when others of the same request were appended', async () => {
    const eddy = memoryEddy({
      wrapMeta: (meta) =>
        intercept(meta, {
          appendEntry: async (entry) => {
            if (entry.partition !== 0) throw new EddyError('UNAVAILABLE', `index of partition ${entry.partition} unavailable`);
            return meta.appendEntry(entry);
          },
        }),
    });
    await eddy.log.createTopic({ name: 't', partitions: 3 });
    const err = await eddy.log
      .produce({ topic: 't', records: [0, 1, 2].map((partition) => ({ key: null, value: enc(`p${partition}`), partition })) })
      .then(
        () => undefined,
        (e: unknown) => e as EddyError,
      );
    expect(err?.code).toBe('UNKNOWN_OUTCOME');
    expect(err?.message).toContain('partitions 0 were appended but 1,2 failed');
  });
});

describe('appendBatches: what is stored', () => {
  it('finds a record by timestamp in the later of two batches appended together', async () => {
    const eddy = memoryEddy();
    await eddy.log.createTopic({ name: 't', partitions: 1 });
    // An earlier append, so the lookup has an entry to pass over.
    await eddy.log.appendBatches({ topic: 't', partitions: [{ partition: 0, batches: encodeBatch({ records: [record('old', 50)] }) }] });
    const two = concat(encodeBatch({ records: [record('early', 100)] }), encodeBatch({ records: [record('late', 300)] }), encodeBatch({ records: [record('mid', 200)] }));
    expect(await eddy.log.appendBatches({ topic: 't', partitions: [{ partition: 0, batches: two }] })).toEqual([{ partition: 0, baseOffset: 1 }]);
    expect(await eddy.log.listOffset('t', 0, { timestamp: 250 })).toMatchObject({ offset: 2, timestamp: 300 });
    expect(await eddy.log.listOffset('t', 0, { timestamp: 301 })).toMatchObject({ offset: 4 });
  });

  it('keeps batches that carry no timestamp for the retention time from their append', async () => {
    const eddy = memoryEddy();
    await eddy.log.createTopic({ name: 't', partitions: 1, config: { retentionMs: 60_000 } });
    await eddy.log.appendBatches({ topic: 't', partitions: [{ partition: 0, batches: encodeBatch({ records: [{ timestamp: -1, key: null, value: enc('undated') }] }) }] });
    await eddy.log.appendBatches({ topic: 't', partitions: [{ partition: 0, batches: encodeBatch({ records: [record('dated', eddy.clock.now())] }) }] });
    const retention = eddy.maintenance({ retentionMinAgeMs: 0, passes: { compaction: false, gc: false, tombstones: false } });
    eddy.clock.advance(30_000);
    expect((await retention.runOnce()).errors).toEqual([]);
    expect(await readAll(eddy.log, 't')).toEqual([
      [0, 'undated'],
      [1, 'dated'],
    ]);
    eddy.clock.advance(31_000);
    expect((await retention.runOnce()).errors).toEqual([]);
    expect((await eddy.log.partitionOffsets('t', 0)).logStartOffset).toBe(2);
  });

  it('treats producer id 0 as an idempotent producer: its retried batch is answered, not appended again', async () => {
    const eddy = memoryEddy();
    await eddy.log.createTopic({ name: 't', partitions: 1 });
    const batch = encodeBatch({ records: [record('once')], producerId: 0n, producerEpoch: 0, baseSequence: 0 });
    expect(await eddy.log.appendBatches({ topic: 't', partitions: [{ partition: 0, batches: batch }] })).toEqual([{ partition: 0, baseOffset: 0 }]);
    expect(await eddy.log.appendBatches({ topic: 't', partitions: [{ partition: 0, batches: batch }] })).toEqual([{ partition: 0, baseOffset: 0 }]);
    expect(await readAll(eddy.log, 't')).toEqual([[0, 'once']]);
  });
});

describe('produce: records with null header values', () => {
  it('stores and serves a null header value', async () => {
    const eddy = memoryEddy();
    await eddy.log.createTopic({ name: 't', partitions: 1 });
    await eddy.log.produce({ topic: 't', records: [{ key: null, value: enc('v'), partition: 0, headers: [['trace', null], ['k', enc('x')]] }] });
    const [r] = (await eddy.log.fetch({ topic: 't', partition: 0, offset: 0 })).records;
    expect(r!.headers).toEqual([
      ['trace', null],
      ['k', enc('x')],
    ]);
  });
});
