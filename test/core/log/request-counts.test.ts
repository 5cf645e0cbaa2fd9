/**
 * The cost model counts requests: this pins how many S3 and DynamoDB calls
 * each operation makes against the real AWS SDK clients, so it cannot regress
 * unnoticed. Counts are per attempt (the counting middleware sits below the
 * SDK's retries).
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createLog, type Log } from '../../helpers/core.js';
import { standinKind } from '../../helpers/standins.js';

const kind = standinKind();
let engine: Log;
let reserveEngine: Log;
const enc = (s: string) => new TextEncoder().encode(s);

beforeAll(async () => {
  await kind.setup();
  engine = createLog(kind.components());
  reserveEngine = createLog(kind.components(), { appendProtocol: 'reserve' });
});
afterAll(() => kind.teardown());

function measure(): () => Record<string, number> {
  kind.counter!.reset();
  return () => kind.counter!.snapshot();
}

describe('requests per operation (AWS adapters on the stand-ins)', () => {
  it('produce: one S3 PUT whatever the partition count; per partition one head read and one conditional put', async () => {
    for (const partitions of [1, 4, 16]) {
      const topic = `count-${partitions}-${Date.now()}`;
      await engine.createTopic({ name: topic, partitions });
      const done = measure();
      await engine.produce({ topic, records: Array.from({ length: partitions * 3 }, (_, i) => ({ key: null, value: enc(`v${i}`), partition: i % partitions })) });
      const counts = done();
      expect(counts['s3:PutObject']).toBe(1);
      expect(counts['dynamodb:GetItem']).toBe(1); // the topic
      expect(counts['dynamodb:Query']).toBe(partitions); // index heads
      expect(counts['dynamodb:PutItem']).toBe(partitions); // conditional appends
      expect(Object.keys(counts).sort()).toEqual(['dynamodb:GetItem', 'dynamodb:PutItem', 'dynamodb:Query', 's3:PutObject']);
    }
  });

  it('idempotent produce costs the same requests, and a retried batch costs no PUT', async () => {
    const topic = `count-idem-${Date.now()}`;
    await engine.createTopic({ name: topic, partitions: 2 });
    const request = {
      topic,
      records: [0, 1].map((p) => ({ key: null, value: enc('v'), partition: p })),
      producer: { producerId: 'p1', producerEpoch: 0, sequences: new Map([[0, 0], [1, 0]]) },
    };
    let done = measure();
    const first = await engine.produce(request);
    expect(done()).toMatchObject({ 's3:PutObject': 1, 'dynamodb:Query': 2, 'dynamodb:PutItem': 2 });
    done = measure();
    expect(await engine.produce(request)).toEqual(first);
    const retry = done();
    expect(retry['s3:PutObject']).toBeUndefined();
    expect(retry['dynamodb:PutItem']).toBeUndefined();
  });

  // The reserve protocol (docs/design.md §3): an append reserves its offsets with one counter update
  // (UpdateItem) and writes its entry (PutItem): no head read and no lost races, and no topic read
  // either while this process's copy of the topic is fresh (§3.1, "The topic on the append path").
  // The first append to a partition also reads the (empty) head, writes its entry at 0 and creates
  // the counter (the topic is read again only when that creation is refused: a fenced, deleted topic).
  it('reserve protocol produce: one S3 PUT whatever the partition count; per partition one counter update and one conditional put', async () => {
    for (const partitions of [1, 4, 16]) {
      const topic = `count-${partitions}-${Date.now()}`;
      await reserveEngine.createTopic({ name: topic, partitions });
      const request = { topic, records: Array.from({ length: partitions * 3 }, (_, i) => ({ key: null, value: enc(`v${i}`), partition: i % partitions })) };
      let done = measure();
      await reserveEngine.produce(request);
      const first = done();
      expect(first['s3:PutObject']).toBe(1);
      // The topic, then per partition the process's first counter read
      // (checked against the head before its first reservation, docs/design.md §3.1; none yet).
      expect(first['dynamodb:GetItem']).toBe(1 + partitions);
      expect(first['dynamodb:UpdateItem']).toBe(partitions); // refused: no counter yet
      expect(first['dynamodb:Query']).toBe(partitions); // the empty heads
      expect(first['dynamodb:PutItem']).toBe(2 * partitions); // the entry at 0, then the counter
      done = measure();
      await reserveEngine.produce(request);
      const counts = done();
      expect(counts['s3:PutObject']).toBe(1);
      expect(counts['dynamodb:UpdateItem']).toBe(partitions); // reservations
      expect(counts['dynamodb:PutItem']).toBe(partitions); // conditional appends
      expect(Object.keys(counts).sort()).toEqual(['dynamodb:PutItem', 'dynamodb:UpdateItem', 's3:PutObject']); // no read: the topic is cached
    }
  });

  it('reserve protocol: a new process checks the counter against the head once per partition, then the steady 2 requests', async () => {
    const topic = `count-new-process-${Date.now()}`;
    await reserveEngine.createTopic({ name: topic, partitions: 1 });
    const request = { topic, records: [{ key: null, value: enc('v'), partition: 0 }] };
    await reserveEngine.produce(request);
    const fresh = createLog(kind.components(), { appendProtocol: 'reserve' });
    let done = measure();
    await fresh.produce(request);
    // The topic, the counter and the head (docs/design.md §3.1): no write, the counter is past the head.
    expect(done()).toEqual({ 's3:PutObject': 1, 'dynamodb:GetItem': 2, 'dynamodb:Query': 1, 'dynamodb:UpdateItem': 1, 'dynamodb:PutItem': 1 });
    done = measure();
    await fresh.produce(request);
    expect(done()).toEqual({ 's3:PutObject': 1, 'dynamodb:UpdateItem': 1, 'dynamodb:PutItem': 1 });
  });

  it('reserve → head → reserve: the new reserve process raises the counter to the head with one conditional put', async () => {
    const topic = `count-switch-${Date.now()}`;
    await reserveEngine.createTopic({ name: topic, partitions: 1 });
    const one = (v: string) => ({ topic, records: [{ key: null, value: enc(v), partition: 0 }] });
    await reserveEngine.produce(one('a'));
    await engine.produce({ topic, records: ['b', 'c', 'd'].map((v) => ({ key: null, value: enc(v), partition: 0 })) });
    const fresh = createLog(kind.components(), { appendProtocol: 'reserve' });
    const done = measure();
    expect(await fresh.produce(one('e'))).toEqual([{ partition: 0, offset: 4 }]);
    // The topic and the counter; the head, the raise (a PutItem on n = its old value), the head again; then the steady reservation and entry.
    expect(done()).toEqual({ 's3:PutObject': 1, 'dynamodb:GetItem': 2, 'dynamodb:Query': 2, 'dynamodb:UpdateItem': 1, 'dynamodb:PutItem': 2 });
    const out = await fresh.fetch({ topic, partition: 0, offset: 0 });
    expect(out.records.map((r) => [r.offset, new TextDecoder().decode(r.value!)])).toEqual(['a', 'b', 'c', 'd', 'e'].map((v, i) => [i, v]));
  });

  it('reserve protocol idempotent produce adds one counter read per partition, and a retried batch costs no PUT', async () => {
    const topic = `count-idem-${Date.now()}`;
    await reserveEngine.createTopic({ name: topic, partitions: 2 });
    const request = (seq: number) => ({
      topic,
      records: [0, 1].map((p) => ({ key: null, value: enc('v'), partition: p })),
      producer: { producerId: 'p1', producerEpoch: 0, sequences: new Map([[0, seq], [1, seq]]) },
    });
    await reserveEngine.produce(request(0));
    let done = measure();
    const second = await reserveEngine.produce(request(1));
    // Per partition: the counter read (sequence check), the conditional counter update, the entry (the topic is cached).
    expect(done()).toEqual({ 's3:PutObject': 1, 'dynamodb:GetItem': 2, 'dynamodb:UpdateItem': 2, 'dynamodb:PutItem': 2 });
    done = measure();
    expect(await reserveEngine.produce(request(1))).toEqual(second);
    const retry = done();
    expect(retry['s3:PutObject']).toBeUndefined();
    expect(retry['dynamodb:PutItem']).toBeUndefined();
    expect(retry['dynamodb:UpdateItem']).toBeUndefined();
  });

  it('fetch: index reads plus one ranged GET per chunk read', async () => {
    const topic = `count-fetch-${Date.now()}`;
    await engine.createTopic({ name: topic, partitions: 1 });
    for (let i = 0; i < 3; i++) await engine.produce({ topic, records: [{ key: null, value: enc(`v${i}`) }] });
    const done = measure();
    const r = await engine.fetch({ topic, partition: 0, offset: 0 });
    expect(r.records).toHaveLength(3);
    const counts = done();
    expect(counts['s3:GetObject']).toBe(3);
    expect(counts['dynamodb:GetItem']).toBe(1);
    // first + head (offsets), containing entry + following entries
    expect(counts['dynamodb:Query']).toBe(4);
    expect(counts['s3:PutObject']).toBeUndefined();
  });

  it('fetch at the head: the bounds read the head entry, which plans the read (no second index read)', async () => {
    const topic = `count-fetch-h-${Date.now()}`;
    await engine.createTopic({ name: topic, partitions: 1 });
    for (let i = 0; i < 3; i++) await engine.produce({ topic, records: [{ key: null, value: enc(`v${i}`) }] });
    const done = measure();
    const r = await engine.fetch({ topic, partition: 0, offset: 2 });
    expect(r.records.map((x) => x.offset)).toEqual([2]);
    const counts = done();
    expect(counts).toEqual({ 'dynamodb:GetItem': 1, 'dynamodb:Query': 2, 's3:GetObject': 1 }); // first + head
    const binary = measure();
    const b = await engine.readBatches({ topic, partition: 0, offset: 2 });
    expect(b.batches).toHaveLength(1);
    expect(binary()).toEqual({ 'dynamodb:GetItem': 1, 'dynamodb:Query': 2, 's3:GetObject': 1 });
  });

  it('reserve protocol fetch: the bounds read the newest 64 entries in one Query, which plan the read', async () => {
    const topic = `count-fetch-r-${Date.now()}`;
    await reserveEngine.createTopic({ name: topic, partitions: 1 });
    for (let i = 0; i < 3; i++) await reserveEngine.produce({ topic, records: [{ key: null, value: enc(`v${i}`) }] });
    const done = measure();
    const r = await reserveEngine.fetch({ topic, partition: 0, offset: 0 });
    expect(r.records).toHaveLength(3);
    const counts = done();
    expect(counts['s3:GetObject']).toBe(3);
    expect(counts['dynamodb:GetItem']).toBe(1);
    // first + the newest 64; they reach offset 0, so no containing/following Queries.
    expect(counts['dynamodb:Query']).toBe(2);
  });
});
