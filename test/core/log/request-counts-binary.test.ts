/**
 * The binary route's requests (log.produceBatches, log.fetchBatches) against
 * the real AWS SDK clients on the stand-ins: the same cost model as the JSON
 * route's (request-counts.test.ts), one S3 PUT per produce whatever the
 * partition count, and a retried idempotent batch costing no PUT.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { encodeBatch } from '../../../core/codec/record-batch.js';
import { createLog, type Log } from '../../helpers/core.js';
import { standinKind } from '../../helpers/standins.js';

const kind = standinKind();
let engine: Log;
const enc = (s: string) => new TextEncoder().encode(s);
const batch = (n: number) => encodeBatch({ records: Array.from({ length: n }, (_, i) => ({ timestamp: 1_700_000_000_000 + i, key: null, value: enc(`v${i}`) })) });

beforeAll(async () => {
  await kind.setup();
  engine = createLog(kind.components());
});
afterAll(() => kind.teardown());

function measure(): () => Record<string, number> {
  kind.counter!.reset();
  return () => kind.counter!.snapshot();
}

describe('requests per binary operation (AWS adapters on the stand-ins)', () => {
  it('produceBatches: one S3 PUT whatever the partition count; per partition one head read and one conditional put', async () => {
    for (const partitions of [1, 4]) {
      const topic = `bin-count-${partitions}-${Date.now()}`;
      await engine.createTopic({ name: topic, partitions });
      const done = measure();
      await engine.produceBatches({ topic, partitions: Array.from({ length: partitions }, (_, p) => ({ partition: p, batch: batch(3) })) });
      const counts = done();
      expect(counts).toEqual({ 's3:PutObject': 1, 'dynamodb:GetItem': 1, 'dynamodb:Query': partitions, 'dynamodb:PutItem': partitions });
    }
  });

  it('an idempotent retry costs no PUT and no index write; a bad batch costs nothing past the topic read', async () => {
    const topic = `bin-count-idem-${Date.now()}`;
    await engine.createTopic({ name: topic, partitions: 2 });
    const request = { topic, producer: { producerId: 'p1', producerEpoch: 0 }, partitions: [0, 1].map((p) => ({ partition: p, sequence: 0, batch: batch(2) })) };
    let done = measure();
    const first = await engine.produceBatches(request);
    expect(done()).toMatchObject({ 's3:PutObject': 1, 'dynamodb:Query': 2, 'dynamodb:PutItem': 2 });
    done = measure();
    expect(await engine.produceBatches(request)).toEqual(first);
    const retry = done();
    expect(retry['s3:PutObject']).toBeUndefined();
    expect(retry['dynamodb:PutItem']).toBeUndefined();
    const bad = batch(1);
    bad[bad.length - 1]! ^= 1;
    done = measure();
    await expect(engine.produceBatches({ topic, partitions: [{ partition: 0, batch: bad }] })).rejects.toMatchObject({ code: 'CORRUPT_MESSAGE' });
    expect(done()).toEqual({ 'dynamodb:GetItem': 1 });
  });

  it('fetchBatches: the reads of readBatches, no more', async () => {
    const topic = `bin-count-fetch-${Date.now()}`;
    await engine.createTopic({ name: topic, partitions: 1 });
    await engine.produceBatches({ topic, partitions: [{ partition: 0, batch: batch(5) }] });
    const done = measure();
    const out = await engine.fetchBatches({ topic, partition: 0, offset: 2 });
    expect(out.nextOffset).toBe(5);
    const counts = done();
    expect(counts['s3:GetObject']).toBe(1);
    expect(Object.keys(counts).filter((k) => !k.startsWith('dynamodb:') && k !== 's3:GetObject')).toEqual([]);
  });
});
