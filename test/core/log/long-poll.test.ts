/**
 * Long polls as a waiting consumer sees them: a read that waits is answered
 * by the append that gives it something to read, on the record path (fetch)
 * and on the Kafka path (readBatches), and not by the passing of time.
 *
 * The clock here never lets a sleep end on its own, so a waiting read can
 * only be answered by the notifier: a read that forgot to be woken, or that
 * went back to sleep with records in hand, never answers and the test says so.
 */
import { describe, expect, it } from 'vitest';
import { createEddy, createNotifier, type Log } from '../../../core/index.js';
import { memoryComponents } from '../../../core/adapters/memory/index.js';
import { encodeBatch } from '../../../core/codec/record-batch.js';
import { seededIds } from '../../../core/ids.js';
import type { Clock } from '../../../core/ports.js';
import { enc, expectCode } from '../helpers.js';

/** Time stands still and every sleep lasts until the test ends. */
const stoppedClock: Clock = { now: () => 1_700_000_000_000, sleep: () => new Promise<void>(() => undefined) };

function stoppedLog(): Log {
  const components = { ...memoryComponents(stoppedClock, seededIds(7)), notifier: createNotifier(stoppedClock) };
  // A poll interval longer than any wait: only a notification can end a wait early.
  return createEddy({ components, settings: { log: { pollIntervalMs: 60_000 } } }).log;
}

/** `p`'s answer, or 'still waiting' if it has none after a few real seconds. */
async function answerOf<T>(p: Promise<T>): Promise<T | 'still waiting'> {
  let timer: NodeJS.Timeout | undefined;
  const late = new Promise<'still waiting'>((resolve) => (timer = setTimeout(() => resolve('still waiting'), 5_000)));
  try {
    return await Promise.race([p, late]);
  } finally {
    clearTimeout(timer);
  }
}

/** Lets queued callbacks run, so a read has started waiting. */
const settle = async (): Promise<void> => {
  for (let i = 0; i < 20; i++) await new Promise((resolve) => setImmediate(resolve));
};

const batch = (value: string): Uint8Array => encodeBatch({ records: [{ timestamp: 1_700_000_000_000, key: null, value: enc(value) }] });

describe('long poll', () => {
  it('a Kafka-path read waiting on an empty partition is answered by the batch appended to it', async () => {
    const log = stoppedLog();
    await log.createTopic({ name: 't', partitions: 2 });
    const waiting = log.readBatches({ topic: 't', partition: 1, offset: 0, waitMs: 20_000 });
    await settle();
    await log.appendBatches({ topic: 't', partitions: [{ partition: 1, batches: batch('late') }] });
    const answer = await answerOf(waiting);
    expect(answer).not.toBe('still waiting');
    expect(answer !== 'still waiting' && answer.batches.length).toBe(1);
  });

  it('a Kafka-path append to one partition does not answer a read waiting on another', async () => {
    const log = stoppedLog();
    await log.createTopic({ name: 't', partitions: 2 });
    const waiting = log.readBatches({ topic: 't', partition: 0, offset: 0, waitMs: 20_000 });
    await settle();
    await log.appendBatches({ topic: 't', partitions: [{ partition: 1, batches: batch('elsewhere') }] });
    await settle();
    // Still waiting; the append it waits for answers it.
    await log.appendBatches({ topic: 't', partitions: [{ partition: 0, batches: batch('mine') }] });
    const answer = await answerOf(waiting);
    expect(answer !== 'still waiting' && answer.batches.length).toBe(1);
  });

  it('a record read waiting on an empty partition is answered by the record produced to it', async () => {
    const log = stoppedLog();
    await log.createTopic({ name: 't' });
    const waiting = log.fetch({ topic: 't', partition: 0, offset: 0, waitMs: 20_000 });
    await settle();
    await log.produce({ topic: 't', records: [{ key: null, value: enc('late'), partition: 0 }] });
    const answer = await answerOf(waiting);
    expect(answer !== 'still waiting' && answer.records.map((r) => r.offset)).toEqual([0]);
  });

  it('a Kafka-path read refuses a wait it cannot honour, before reading anything', async () => {
    const log = stoppedLog();
    await log.createTopic({ name: 't' });
    for (const waitMs of [-1, 20_001, 0.5]) {
      const err = await expectCode(log.readBatches({ topic: 't', partition: 0, offset: 0, waitMs }), 'INVALID_REQUEST');
      expect(err.message).toContain(`waitMs must be from 0 to 20000, got ${waitMs}`);
    }
    expect((await log.readBatches({ topic: 't', partition: 0, offset: 0, waitMs: 0 })).batches).toEqual([]);
  });

  it('a binary-route read waiting on an empty partition is answered by the batch produced to it on that route', async () => {
    const log = stoppedLog();
    await log.createTopic({ name: 't', partitions: 2 });
    const waiting = log.fetchBatches({ topic: 't', partition: 1, offset: 0, waitMs: 20_000 });
    await settle();
    await log.produceBatches({ topic: 't', partitions: [{ partition: 1, batch: batch('late') }] });
    const answer = await answerOf(waiting);
    expect(answer !== 'still waiting' && [answer.batches.length, answer.nextOffset]).toEqual([1, 1]);
  });

  it('a binary-route read refuses limits it cannot honour before waiting', async () => {
    const log = stoppedLog();
    await log.createTopic({ name: 't' });
    const err = await expectCode(log.fetchBatches({ topic: 't', partition: 0, offset: 0, waitMs: 20_001 }), 'INVALID_REQUEST');
    expect(err.message).toContain('waitMs must be from 0 to 20000, got 20001');
    await expectCode(log.fetchBatches({ topic: 't', partition: 0, offset: 0, maxRecords: 10_001 }), 'INVALID_REQUEST');
  });
});

describe('topic listing', () => {
  it('lists topics by name, whatever order they were created in', async () => {
    const log = stoppedLog();
    for (const name of ['orders', 'audit', 'zeta', 'billing']) await log.createTopic({ name });
    expect((await log.listTopics()).map((t) => t.name)).toEqual(['audit', 'billing', 'orders', 'zeta']);
  });
});
