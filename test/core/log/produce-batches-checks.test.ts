/**
 * What the binary produce route (`log.produceBatches`) and the Kafka door's
 * append (`log.appendBatches`) refuse, and what they answer when partitions
 * of one request end differently: every refusal names the partition and what
 * was wrong and writes nothing; a request that appended some partitions but
 * not all answers UNKNOWN_OUTCOME naming both sets.
 */
import { beforeEach, describe, expect, it } from 'vitest';
import { encodeBatch } from '../../../core/codec/record-batch.js';
import { EddyError } from '../../../core/errors.js';
import type { Log } from '../../../core/index.js';
import { enc, expectCode, intercept, memoryEddy, withAttributes } from '../helpers.js';

const one = (value = 'a', timestamp = 1_000) => encodeBatch({ records: [{ timestamp, key: null, value: enc(value) }] });

let log: Log;
const hw = async (topic = 't', partitions = 2) => Promise.all(Array.from({ length: partitions }, async (_, p) => (await log.partitionOffsets(topic, p)).highWatermark));

beforeEach(async () => {
  log = memoryEddy().log;
  await log.createTopic({ name: 't', partitions: 2, config: { maxMessageBytes: 500 } });
});

describe('produceBatches refuses a bad partition batch by name and writes nothing', () => {
  const refuse = async (partitions: Parameters<Log['produceBatches']>[0]['partitions'], code: string, message: RegExp, producer?: { producerId: string; producerEpoch: number }) => {
    await expect(log.produceBatches({ topic: 't', producer, partitions })).rejects.toMatchObject({ code, message: expect.stringMatching(message) });
    expect(await hw()).toEqual([0, 0]);
  };

  it('a partition the topic does not have: negative, fractional or past the last', async () => {
    for (const partition of [-1, 0.5, 2]) await refuse([{ partition, batch: one() }], 'UNKNOWN_TOPIC_OR_PARTITION', new RegExp(`partition ${partition} does not exist \\(topic t has 2\\)`));
  });

  it('transactional and control batches, and a producerId in the batch header', async () => {
    await refuse([{ partition: 0, batch: withAttributes(one(), 0x10) }], 'INVALID_REQUEST', /partition 0: transactional and control/);
    await refuse([{ partition: 1, batch: withAttributes(one(), 0x20) }], 'INVALID_REQUEST', /partition 1: transactional and control/);
    const idempotentHeader = encodeBatch({ producerId: 7n, producerEpoch: 0, baseSequence: 0, records: [{ timestamp: 1, key: null, value: enc('a') }] });
    await refuse([{ partition: 0, batch: idempotentHeader }], 'INVALID_REQUEST', /partition 0: the batch header's producerId must be -1 .* got 7/);
  });

  it('a record without a timestamp', async () => {
    const batch = encodeBatch({ records: [{ timestamp: 5, key: null, value: enc('a') }, { timestamp: -1, key: null, value: enc('b') }] });
    await refuse([{ partition: 1, batch }], 'INVALID_REQUEST', /partition 1: record 1 has no timestamp \(-1\)/);
  });

  it('a record larger than maxMessageBytes; one exactly that size is taken', async () => {
    // A record counts 20 bytes besides its value (timestamp and length fields).
    const sized = (n: number) => encodeBatch({ records: [{ timestamp: 1, key: null, value: new Uint8Array(n) }] });
    await refuse([{ partition: 0, batch: sized(481) }], 'MESSAGE_TOO_LARGE', /partition 0: record 0 of 501 bytes exceeds maxMessageBytes 500 of topic t/);
    expect(await log.produceBatches({ topic: 't', partitions: [{ partition: 0, batch: sized(480) }] })).toEqual([{ partition: 0, baseOffset: 0, records: 1 }]);
  });

  it('an idempotent request without a whole base sequence ≥ 0, and a sequence without a producer', async () => {
    const producer = { producerId: 'p', producerEpoch: 0 };
    for (const sequence of [undefined, -1, 1.5]) await refuse([{ partition: 0, sequence, batch: one() }], 'INVALID_REQUEST', /partition 0: an idempotent request needs a base sequence ≥ 0/, producer);
    await refuse([{ partition: 1, sequence: 0, batch: one() }], 'INVALID_REQUEST', /partition 1: a base sequence needs a producerId/);
  });

  it('a partition named twice, and a request of no partition', async () => {
    await refuse([{ partition: 1, batch: one() }, { partition: 1, batch: one('b') }], 'INVALID_REQUEST', /partition 1 appears twice in one request/);
    await refuse([], 'INVALID_REQUEST', /no partition/);
  });
});

describe('the largest timestamp of a batch is what a timestamp lookup finds', () => {
  const timestamps = [1_000, 5_000, 2_000];
  const records = timestamps.map((timestamp, i) => ({ timestamp, key: null, value: enc(`r${i}`) }));

  it('produceBatches: the record at 5000 sits in the middle of its batch', async () => {
    await log.produceBatches({ topic: 't', partitions: [{ partition: 0, batch: encodeBatch({ records }) }] });
    expect(await log.listOffset('t', 0, { timestamp: 4_000 })).toEqual({ partition: 0, offset: 1, timestamp: 5_000 });
    expect(await log.listOffset('t', 0, { timestamp: 5_001 })).toEqual({ partition: 0, offset: 3 });
  });

  it('appendBatches (the Kafka door): the later timestamp is in the first of two batches', async () => {
    const first = encodeBatch({ records: [records[0]!, records[1]!] });
    const second = encodeBatch({ baseOffset: 2, records: [records[2]!] });
    const bytes = new Uint8Array(first.length + second.length);
    bytes.set(first);
    bytes.set(second, first.length);
    expect(await log.appendBatches({ topic: 't', partitions: [{ partition: 1, batches: bytes }] })).toEqual([{ partition: 1, baseOffset: 0 }]);
    expect(await log.listOffset('t', 1, { timestamp: 4_000 })).toEqual({ partition: 1, offset: 1, timestamp: 5_000 });
  });
});

describe('produceBatches when partitions end differently', () => {
  /** Core whose index writes fail, forever, for the partitions `fail` names. */
  const failing = async (fail: Map<number, () => Error>) => {
    const eddy = memoryEddy({
      wrapMeta: (meta) =>
        intercept(meta, {
          appendEntry: async (entry) => {
            const error = fail.get(entry.partition);
            if (error) throw error();
            return meta.appendEntry(entry);
          },
        }),
    });
    await eddy.log.createTopic({ name: 'm', partitions: 3 });
    log = eddy.log;
    return eddy.log;
  };
  const all = [0, 1, 2].map((partition) => ({ partition, batch: one(`p${partition}`) }));

  it('some appended, one failed: UNKNOWN_OUTCOME names which were appended and which failed', async () => {
    const core = await failing(new Map([[1, () => new EddyError('UNAVAILABLE', 'index throttled')]]));
    const err = await expectCode(core.produceBatches({ topic: 'm', partitions: all }), 'UNKNOWN_OUTCOME');
    expect(err).toMatchObject({ code: 'UNKNOWN_OUTCOME', message: expect.stringMatching(/^partitions 0,2 were appended but 1 failed \(index throttled\); retry with idempotence/) });
    expect(err.cause).toMatchObject({ code: 'UNAVAILABLE' });
    expect(await hw('m', 3)).toEqual([1, 0, 1]);
  });

  it('none appended: the request fails as its partition whose outcome is unknown, if any, else as the first', async () => {
    let core = await failing(new Map([
      [0, () => new EddyError('INVALID_REQUEST', 'refused at 0')],
      [1, () => new EddyError('UNKNOWN_OUTCOME', 'timed out at 1')],
      [2, () => new EddyError('INVALID_REQUEST', 'refused at 2')],
    ]));
    await expect(core.produceBatches({ topic: 'm', partitions: all })).rejects.toMatchObject({ code: 'UNKNOWN_OUTCOME', message: expect.stringMatching(/timed out at 1/) });
    core = await failing(new Map([
      [0, () => new EddyError('INVALID_REQUEST', 'refused at 0')],
      [1, () => new EddyError('INVALID_REQUEST', 'refused at 1')],
    ]));
    await expect(core.produceBatches({ topic: 'm', partitions: all.slice(0, 2) })).rejects.toMatchObject({ code: 'INVALID_REQUEST', message: 'refused at 0' });
    expect(await hw('m', 3)).toEqual([0, 0, 0]);
  });
});
