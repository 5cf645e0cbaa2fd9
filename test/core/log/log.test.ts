/**
 * The log's own rules (core/log/log.ts) as a consumer notices them: the
 * fetch limits every front door shares, the long poll (at once when there
 * are records, woken by an append, bounded by its wait, seeing other
 * processes' appends within one poll interval), and producer ids.
 */
import { describe, expect, it } from 'vitest';
import { createEddy } from '../../../core/index.js';
import { enc, expectCode, memoryEddy } from '../helpers.js';

describe('fetch limits', () => {
  it('refuses offsets, sizes and waits outside the limits, naming the first one broken', async () => {
    const eddy = memoryEddy();
    await eddy.log.createTopic({ name: 't' });
    const cases: Array<[Record<string, number>, string]> = [
      [{ offset: -1 }, 'offset must be a non-negative integer, got -1'],
      [{ offset: 1.5 }, 'offset must be a non-negative integer, got 1.5'],
      [{ offset: 2 ** 53 }, 'offset must be a non-negative integer, got 9007199254740992'],
      [{ waitMs: -1 }, 'waitMs must be from 0 to 20000, got -1'],
      [{ waitMs: 20_001 }, 'waitMs must be from 0 to 20000, got 20001'],
      [{ waitMs: 0.5 }, 'waitMs must be from 0 to 20000, got 0.5'],
      [{ maxBytes: 0 }, 'maxBytes must be from 1 to 4194304, got 0'],
      [{ maxBytes: 4 * 1024 * 1024 + 1 }, 'maxBytes must be from 1 to 4194304, got 4194305'],
      [{ maxBytes: 1.5 }, 'maxBytes must be from 1 to 4194304, got 1.5'],
      [{ maxRecords: 0 }, 'maxRecords must be from 1 to 10000, got 0'],
      [{ maxRecords: 10_001 }, 'maxRecords must be from 1 to 10000, got 10001'],
      [{ maxRecords: 2.5 }, 'maxRecords must be from 1 to 10000, got 2.5'],
    ];
    for (const [limits, message] of cases) {
      const err = await expectCode(eddy.log.fetch({ topic: 't', partition: 0, offset: 0, ...limits }), 'INVALID_REQUEST');
      expect(err.message).toBe(message);
    }
    // The bounds themselves are accepted.
    const edge = await eddy.log.fetch({ topic: 't', partition: 0, offset: 0, waitMs: 0, maxBytes: 4 * 1024 * 1024, maxRecords: 10_000 });
    expect(edge.records).toEqual([]);
    expect((await eddy.log.fetch({ topic: 't', partition: 0, offset: 0, maxBytes: 1, maxRecords: 1 })).records).toEqual([]);
  });
});

describe('long poll', () => {
  it('answers at once when there are records, without waiting', async () => {
    const eddy = memoryEddy();
    await eddy.log.createTopic({ name: 't' });
    await eddy.log.produce({ topic: 't', records: [{ key: null, value: enc('a'), partition: 0 }] });
    const start = eddy.clock.now();
    const r = await eddy.log.fetch({ topic: 't', partition: 0, offset: 0, waitMs: 20_000 });
    expect(r.records).toHaveLength(1);
    expect(eddy.clock.now()).toBe(start);
    expect(eddy.clock.sleeps).toEqual([]);
  });

  it('waits the whole waitMs for an empty partition, re-reading every poll interval', async () => {
    const eddy = memoryEddy({ settings: { log: { pollIntervalMs: 300 } } });
    await eddy.log.createTopic({ name: 't' });
    const start = eddy.clock.now();
    const r = await eddy.log.fetch({ topic: 't', partition: 0, offset: 0, waitMs: 1000 });
    expect(r).toMatchObject({ records: [], nextOffset: 0, highWatermark: 0 });
    expect(eddy.clock.sleeps).toEqual([300, 300, 300, 100]);
    expect(eddy.clock.now()).toBe(start + 1000);
    // Without waitMs, no wait at all.
    eddy.clock.sleeps.length = 0;
    await eddy.log.fetch({ topic: 't', partition: 0, offset: 0 });
    expect(eddy.clock.sleeps).toEqual([]);
  });

  it('polls every 250 ms by default', async () => {
    const eddy = memoryEddy();
    await eddy.log.createTopic({ name: 't' });
    await eddy.log.fetch({ topic: 't', partition: 0, offset: 0, waitMs: 600 });
    expect(eddy.clock.sleeps).toEqual([250, 250, 100]);
  });

  it('is woken by an append in this process before its poll interval ends', async () => {
    const eddy = memoryEddy({ settings: { log: { pollIntervalMs: 20_000 } } });
    await eddy.log.createTopic({ name: 't', partitions: 2 });
    const start = eddy.clock.now();
    const waiting = eddy.log.fetch({ topic: 't', partition: 1, offset: 0, waitMs: 20_000 });
    await eddy.log.produce({ topic: 't', records: [{ key: null, value: enc('wake'), partition: 1 }] });
    const r = await waiting;
    expect(r.records.map((x) => x.offset)).toEqual([0]);
    expect(eddy.clock.now()).toBe(start);
  });

  it('is not woken by an append to another partition', async () => {
    const eddy = memoryEddy({ settings: { log: { pollIntervalMs: 500 } } });
    await eddy.log.createTopic({ name: 't', partitions: 2 });
    const start = eddy.clock.now();
    const waiting = eddy.log.fetch({ topic: 't', partition: 1, offset: 0, waitMs: 500 });
    await eddy.log.produce({ topic: 't', records: [{ key: null, value: enc('elsewhere'), partition: 0 }] });
    expect((await waiting).records).toEqual([]);
    expect(eddy.clock.now()).toBe(start + 500);
  });

  it('sees an append by another process within one poll interval', async () => {
    const eddy = memoryEddy({ settings: { log: { pollIntervalMs: 400 } } });
    await eddy.log.createTopic({ name: 't' });
    // Another process: the same stores, its own notifier.
    const other = createEddy({ components: { objectStore: eddy.objectStore, metadataStore: eddy.metadataStore, clock: eddy.clock, ids: { unique: () => 'other-1', random: () => 0.5 } } });
    const start = eddy.clock.now();
    const waiting = eddy.log.fetch({ topic: 't', partition: 0, offset: 0, waitMs: 20_000 });
    await other.log.produce({ topic: 't', records: [{ key: null, value: enc('remote'), partition: 0 }] });
    const r = await waiting;
    expect(r.records.map((x) => x.offset)).toEqual([0]);
    expect(eddy.clock.now()).toBe(start + 400);
  });

  it('answers at once with what there is once the notifier is closed (shutdown)', async () => {
    const eddy = memoryEddy();
    await eddy.log.createTopic({ name: 't' });
    eddy.notifier.close();
    const start = eddy.clock.now();
    expect((await eddy.log.fetch({ topic: 't', partition: 0, offset: 0, waitMs: 20_000 })).records).toEqual([]);
    expect(eddy.clock.now()).toBe(start);
  });

  it('refuses a bad fetch before waiting, and a missing partition too', async () => {
    const eddy = memoryEddy();
    await eddy.log.createTopic({ name: 't' });
    await expectCode(eddy.log.fetch({ topic: 't', partition: 1, offset: 0, waitMs: 1000 }), 'UNKNOWN_TOPIC_OR_PARTITION');
    await expectCode(eddy.log.fetch({ topic: 't', partition: 0, offset: 5, waitMs: 1000 }), 'OFFSET_OUT_OF_RANGE');
    await expectCode(eddy.log.fetch({ topic: 'missing', partition: 0, offset: 0, waitMs: 1000 }), 'UNKNOWN_TOPIC_OR_PARTITION');
    expect(eddy.clock.sleeps).toEqual([]);
  });
});

describe('producer ids', () => {
  it('hands out a new id each time', async () => {
    const eddy = memoryEddy();
    const ids = [await eddy.log.initProducerId(), await eddy.log.initProducerId(), await eddy.log.initProducerId()];
    expect(new Set(ids).size).toBe(3);
    for (const id of ids) expect(typeof id).toBe('bigint');
  });
});
