import { describe, expect, it } from 'vitest';
import { Eddy } from '../../src/client.js';
import { partitionForKey } from '../../src/partitioner.js';
import { MAX_REQUEST_BYTES } from '../../src/producer/producer.js';
import type { TransportRequest } from '../../src/transport/types.js';
import { failWith, InProcessEddy, loseResponse, produceBodyOf } from '../support/in-process-eddy.js';

const fastRetry = { retries: 3, initialRetryTimeMs: 1, maxRetryTimeMs: 5 };
const isProduce = (r: TransportRequest): boolean => r.method === 'POST' && r.path.endsWith('/records');

interface ProduceBody {
  records: { key?: string; value: string; partition: number }[];
  producerId?: string;
  producerEpoch?: number;
  sequences?: Record<string, number>;
}

function setup(latencyMs = 2): { server: InProcessEddy; eddy: Eddy } {
  const server = new InProcessEddy();
  server.latencyMs = latencyMs;
  return { server, eddy: new Eddy({ transport: server, retry: fastRetry }) };
}

/** Bytes a produce request takes where the 6 MB limit counts them: JSON text, or a binary body once base64-encoded (API Gateway, Lambda invoke). */
function wireSizes(server: InProcessEddy): number[] {
  return server.log.filter((l) => isProduce(l.request)).map(({ request }) => (request.body instanceof Uint8Array ? Math.ceil(request.body.length / 3) * 4 : Buffer.byteLength(JSON.stringify(request.body))));
}

/** Bytes of each produce request's body as sent: what `batchBytes` counts (JSON as text, binary as bytes). */
function bodySizes(server: InProcessEddy): number[] {
  return server.log.filter((l) => isProduce(l.request)).map(({ request }) => (request.body instanceof Uint8Array ? request.body.length : Buffer.byteLength(JSON.stringify(request.body))));
}

function produceBodies(server: InProcessEddy): ProduceBody[] {
  return server.log.filter((l) => isProduce(l.request)).map((l) => produceBodyOf(l.request) as ProduceBody);
}

describe('Producer batching', () => {
  it('batches many concurrent sends into few requests, keys on their murmur2 partition, in order', async () => {
    const { server, eddy } = setup(5);
    await server.createTopic('t', 4);
    const producer = eddy.producer();
    const sends: Promise<unknown>[] = [];
    for (let i = 0; i < 400; i++) sends.push(producer.send({ topic: 't', messages: [{ key: `k${i % 10}`, value: `k${i % 10}:${i}` }] }));
    const results = (await Promise.all(sends)) as { partition: number; offsets: number[] }[][];
    const requests = produceBodies(server).length;
    expect(requests).toBeGreaterThan(0);
    expect(requests).toBeLessThan(40);
    for (let k = 0; k < 10; k++) {
      const p = partitionForKey(`k${k}`, 4);
      const seen = (await server.values('t', p)).filter((v) => v.startsWith(`k${k}:`)).map((v) => Number(v.split(':')[1]));
      expect(seen).toEqual([...seen].sort((a, b) => a - b));
      expect(seen).toHaveLength(40);
    }
    // Every send got the partition and offset its record really has.
    const stored = await Promise.all([0, 1, 2, 3].map((p) => server.values('t', p)));
    results.forEach((r, i) => {
      const [meta] = r;
      expect(stored[meta!.partition]![meta!.offsets[0]!]).toBe(`k${i % 10}:${i}`);
    });
    await producer.disconnect();
  });

  it('keeps at most one request in flight per partition', async () => {
    const { server, eddy } = setup(0);
    await server.createTopic('t', 3);
    const inFlight = new Map<number, number>();
    let maxSeen = 0;
    server.faults.push((req, apply) => {
      if (!isProduce(req)) return undefined;
      const parts = [...new Set(produceBodyOf(req).records.map((r) => r.partition))];
      for (const p of parts) {
        inFlight.set(p, (inFlight.get(p) ?? 0) + 1);
        maxSeen = Math.max(maxSeen, inFlight.get(p)!);
      }
      return new Promise((r) => setTimeout(r, 5))
        .then(apply)
        .finally(() => parts.forEach((p) => inFlight.set(p, inFlight.get(p)! - 1)));
    });
    const producer = eddy.producer({ lingerMs: 0, batchBytes: 600 });
    await Promise.all(Array.from({ length: 200 }, (_, i) => producer.send({ topic: 't', messages: [{ key: String(i), value: 'x'.repeat(50) }] })));
    expect(maxSeen).toBe(1);
    expect(produceBodies(server).length).toBeGreaterThan(3);
  });

  it('sends one call\'s records together, even with lingerMs 0', async () => {
    const { server, eddy } = setup(0);
    await server.createTopic('t', 1);
    const producer = eddy.producer({ lingerMs: 0 });
    const [meta] = await producer.send({ topic: 't', messages: Array.from({ length: 50 }, (_, i) => ({ value: `v${i}` })) });
    expect(produceBodies(server)).toHaveLength(1);
    expect(meta!.offsets).toEqual(Array.from({ length: 50 }, (_, i) => i));
    expect(await server.values('t', 0)).toEqual(Array.from({ length: 50 }, (_, i) => `v${i}`));
  });

  it('a call whose records span requests fails with the first failed request; its other records still go, and flush waits for them', async () => {
    const { server, eddy } = setup(1);
    await server.createTopic('t', 2);
    // One request per partition (a 600-byte request holds one partition's records); the first one is refused.
    server.faults.push(failWith('INVALID_REQUEST', isProduce, 1));
    const producer = eddy.producer({ lingerMs: 0, batchBytes: 600 });
    const messages = Array.from({ length: 6 }, (_, i) => ({ partition: i % 2, value: 'x'.repeat(60) + i }));
    const sent = producer.send({ topic: 't', messages });
    await expect(sent).rejects.toMatchObject({ code: 'INVALID_REQUEST' });
    await producer.flush();
    const stored = [...(await server.values('t', 0)), ...(await server.values('t', 1))];
    // Exactly one partition's three records were refused, and the other three are stored.
    expect(stored).toHaveLength(3);
    expect(produceBodies(server).length).toBeGreaterThanOrEqual(2);
    expect(producer.stats().bufferedBytes).toBe(0);
  });

  it('keeps each request within batchBytes and carries many partitions per request', async () => {
    const { server, eddy } = setup(3);
    await server.createTopic('t', 8);
    const producer = eddy.producer({ batchBytes: 4000 });
    await Promise.all(Array.from({ length: 120 }, (_, i) => producer.send({ topic: 't', messages: [{ key: `key-${i}`, value: 'v'.repeat(100) }] })));
    const bodies = produceBodies(server);
    for (const size of bodySizes(server)) expect(size).toBeLessThanOrEqual(4000);
    expect(Math.max(...bodies.map((b) => new Set(b.records.map((r) => r.partition)).size))).toBeGreaterThan(1);
    expect(bodies.reduce((n, b) => n + b.records.length, 0)).toBe(120);
  });

  it.each(['binary', 'json'] as const)('fills a %s request to close to batchBytes of body', async (wireFormat) => {
    const { server, eddy } = setup(0);
    await server.createTopic('t', 4);
    const producer = eddy.producer({ batchBytes: 100_000, wireFormat, lingerMs: 50 });
    const value = new Uint8Array(1024).fill(7);
    await producer.send({ topic: 't', messages: Array.from({ length: 1000 }, (_, i) => ({ key: `key-${i % 64}`, value })) });
    const sizes = bodySizes(server);
    for (const size of sizes) expect(size).toBeLessThanOrEqual(100_000);
    // Requests fill up to batchBytes of body (binary counts its bytes, not 4/3 of them; JSON its text), but the
    // partitions' last ones: ~1.05 MB of records take 14 binary requests of ~98 kB (counted at 4/3: 16 of ~73 kB).
    const median = [...sizes].sort((a, b) => a - b)[Math.floor(sizes.length / 2)]!;
    expect(median).toBeGreaterThan(96_000);
    if (wireFormat === 'binary') expect(sizes.length).toBeLessThanOrEqual(Math.ceil(sizes.reduce((a, b) => a + b, 0) / 100_000) + 4);
  });

  it('keeps requests under the 6 MB limit counting base64 overhead, even with batchBytes above it', async () => {
    const { server, eddy } = setup(0);
    await server.createTopic('t', 2);
    const producer = eddy.producer({ batchBytes: 50_000_000 });
    const big = 'x'.repeat(900_000); // 1.2 MB once base64-encoded
    await Promise.all(Array.from({ length: 12 }, (_, i) => producer.send({ topic: 't', messages: [{ value: big, partition: i % 2 }] })));
    const bodies = produceBodies(server);
    for (const size of wireSizes(server)) expect(size).toBeLessThanOrEqual(MAX_REQUEST_BYTES);
    expect(bodies.reduce((n, b) => n + b.records.length, 0)).toBe(12);
    expect(Math.max(...bodies.map((b) => b.records.length))).toBeGreaterThan(1); // still batched
    expect(await server.values('t', 0)).toHaveLength(6);
  });

  it('waits lingerMs for more records before sending', async () => {
    const { server, eddy } = setup(0);
    await server.createTopic('t', 1);
    const producer = eddy.producer({ lingerMs: 80 });
    await producer.send({ topic: 't', messages: [{ value: 'warm-up' }] }); // fills the metadata cache
    const started = Date.now();
    const a = producer.send({ topic: 't', messages: [{ value: 'a' }] });
    await new Promise((r) => setTimeout(r, 20));
    const b = producer.send({ topic: 't', messages: [{ value: 'b' }] });
    await Promise.all([a, b]);
    expect(Date.now() - started).toBeGreaterThanOrEqual(75);
    const bodies = produceBodies(server);
    expect(bodies).toHaveLength(2);
    expect(bodies[1]!.records.map((r) => Buffer.from(r.value, 'base64').toString())).toEqual(['a', 'b']);
  });

  it('disconnect flushes at once, ignoring lingerMs, then refuses sends', async () => {
    const { server, eddy } = setup(0);
    await server.createTopic('t', 1);
    const producer = eddy.producer({ lingerMs: 60_000 });
    await producer.connect();
    const sent = producer.send({ topic: 't', messages: [{ value: 'x' }] });
    await new Promise((r) => setTimeout(r, 10));
    const started = Date.now();
    await producer.disconnect();
    expect(Date.now() - started).toBeLessThan(1000);
    expect((await sent)[0]!.offsets).toEqual([0]);
    await expect(producer.send({ topic: 't', messages: [{ value: 'y' }] })).rejects.toMatchObject({ code: 'INVALID_REQUEST' });
  });

  it('returns kafkajs record metadata with per-message offsets per partition', async () => {
    const { server, eddy } = setup(0);
    await server.createTopic('t', 2);
    const producer = eddy.producer();
    const meta = await producer.send({ topic: 't', messages: [{ value: 'a', partition: 1 }, { value: 'b', partition: 0 }, { value: 'c', partition: 1 }] });
    expect(meta).toEqual([
      { topicName: 't', partition: 0, errorCode: 0, baseOffset: '0', offsets: [0] },
      { topicName: 't', partition: 1, errorCode: 0, baseOffset: '0', offsets: [0, 1] },
    ]);
    const batch = await producer.sendBatch({ topicMessages: [{ topic: 't', messages: [{ value: 'd', partition: 0 }] }, { topic: 't', messages: [{ value: 'e', partition: 1 }] }] });
    expect(batch.map((m) => [m.partition, m.offsets])).toEqual([
      [0, [1]],
      [1, [2]],
    ]);
  });
});

describe('Producer values', () => {
  it('serializes objects as JSON, keeps bytes and headers, a record batch on the wire (binary, the default)', async () => {
    const { server, eddy } = setup(0);
    await server.createTopic('t', 1);
    const producer = eddy.producer();
    const before = Date.now();
    await producer.send({ topic: 't', messages: [{ key: 'u1', value: { type: 'user_registered', id: 1 }, headers: { h: 'v', b: new Uint8Array([0xff]) } }, { value: new Uint8Array([0, 1, 2]) }] });
    const body = produceBodies(server)[0]!;
    expect(server.log[server.log.length - 1]!.request.contentType).toBe('application/vnd.eddy.batches');
    expect(JSON.parse(Buffer.from(body.records[0]!.value, 'base64').toString())).toEqual({ type: 'user_registered', id: 1 });
    const stored = await server.records('t', 0);
    expect(Buffer.from(stored[0]!.headers.b!, 'base64')).toEqual(Buffer.from([0xff]));
    expect(Buffer.from(stored[1]!.value, 'base64')).toEqual(Buffer.from([0, 1, 2]));
    // Without a timestamp a record gets the producer's clock, stamped at send (a retry repeats it).
    const timestamps = (await eddy.getRecords({ topic: 't', partition: 0, offset: 0 })).records.map((r) => r.timestamp);
    for (const ts of timestamps) expect(ts).toBeGreaterThanOrEqual(before);
  });

  it("serializes objects as JSON, keeps bytes and headers, base64 on the wire (wireFormat: 'json')", async () => {
    const { server } = setup(0);
    const eddy = new Eddy({ transport: server, retry: fastRetry, wireFormat: 'json' });
    await server.createTopic('t', 1);
    const producer = eddy.producer();
    await producer.send({ topic: 't', messages: [{ key: 'u1', value: { type: 'user_registered', id: 1 }, headers: { h: 'v', b: new Uint8Array([0xff]) } }, { value: new Uint8Array([0, 1, 2]) }] });
    const body = produceBodies(server)[0]!;
    expect((body as unknown as { encoding: string }).encoding).toBe('base64');
    expect(JSON.parse(Buffer.from(body.records[0]!.value, 'base64').toString())).toEqual({ type: 'user_registered', id: 1 });
    const stored = await server.records('t', 0);
    expect(Buffer.from(stored[0]!.headers.b!, 'base64')).toEqual(Buffer.from([0xff]));
    expect(Buffer.from(stored[1]!.value, 'base64')).toEqual(Buffer.from([0, 1, 2]));
  });

  it("uses a custom serializer and the utf8 encoding (wireFormat: 'json')", async () => {
    const { server, eddy } = setup(0);
    await server.createTopic('t', 1);
    const producer = eddy.producer({ wireFormat: 'json', encoding: 'utf8', serializer: (v) => `custom:${JSON.stringify(v)}` });
    await producer.send({ topic: 't', messages: [{ value: { a: 1 } }] });
    expect(produceBodies(server)[0]!.records[0]!.value).toBe('custom:{"a":1}');
    expect(await server.values('t', 0)).toEqual(['custom:{"a":1}']);
    await expect(producer.send({ topic: 't', messages: [{ value: new Uint8Array([0xff]) }] })).rejects.toMatchObject({ code: 'INVALID_REQUEST' });
  });

  it('rejects bad messages before sending anything', async () => {
    const { server, eddy } = setup(0);
    await server.createTopic('t', 2, 100);
    const producer = eddy.producer();
    await expect(producer.send({ topic: 't', messages: [{ value: 'ok' }, { value: null as never }] })).rejects.toMatchObject({ code: 'INVALID_REQUEST' });
    await expect(producer.send({ topic: 't', messages: [{ value: 'x'.repeat(101) }] })).rejects.toMatchObject({ code: 'MESSAGE_TOO_LARGE' });
    await expect(producer.send({ topic: 't', messages: [{ value: 'x', partition: 5 }] })).rejects.toMatchObject({ code: 'UNKNOWN_TOPIC_OR_PARTITION' });
    await expect(producer.send({ topic: 'missing', messages: [{ value: 'x' }] })).rejects.toMatchObject({ code: 'UNKNOWN_TOPIC_OR_PARTITION' });
    expect(produceBodies(server)).toHaveLength(0);
  });

  it('re-reads the partition count when an explicit partition is beyond the cached one', async () => {
    const { server, eddy } = setup(0);
    await server.createTopic('t', 1);
    const producer = eddy.producer();
    await producer.send({ topic: 't', messages: [{ value: 'a' }] });
    await eddy.alterTopic({ topic: 't', partitions: 3 });
    const meta = await producer.send({ topic: 't', messages: [{ value: 'b', partition: 2 }] });
    expect(meta[0]!.partition).toBe(2);
  });
});

describe('Producer retries and idempotence', () => {
  it('retries a request whose response was lost; the server sees the same batch and does not duplicate', async () => {
    const { server, eddy } = setup(0);
    await server.createTopic('t', 2);
    server.faults.push(loseResponse(isProduce, 2));
    const producer = eddy.producer();
    const meta = await producer.send({ topic: 't', messages: [{ value: 'a', partition: 0 }, { value: 'b', partition: 1 }] });
    expect(await server.values('t', 0)).toEqual(['a']);
    expect(await server.values('t', 1)).toEqual(['b']);
    expect(meta.map((m) => m.offsets)).toEqual([[0], [0]]);
    const bodies = produceBodies(server);
    expect(bodies).toHaveLength(3);
    expect(new Set(bodies.map((b) => JSON.stringify(b))).size).toBe(1);
    expect(bodies[0]).toMatchObject({ producerId: producer.producerId, producerEpoch: 0, sequences: { '0': 0, '1': 0 } });
    // The next batch continues the sequence.
    await producer.send({ topic: 't', messages: [{ value: 'c', partition: 0 }] });
    expect(produceBodies(server)[3]!.sequences).toEqual({ '0': 1 });
    expect(producer.stats()).toMatchObject({ retries: 2, batches: 2, requests: 4 });
  });

  it('without idempotence reports UNKNOWN_OUTCOME instead of retrying', async () => {
    const { server, eddy } = setup(0);
    await server.createTopic('t', 1);
    server.faults.push(loseResponse(isProduce));
    const producer = eddy.producer({ idempotent: false });
    await expect(producer.send({ topic: 't', messages: [{ value: 'a' }] })).rejects.toMatchObject({ code: 'UNKNOWN_OUTCOME' });
    expect(produceBodies(server)).toHaveLength(1);
    expect(produceBodies(server)[0]).not.toHaveProperty('producerId');
    expect(await server.values('t', 0)).toEqual(['a']);
  });

  it('retries only retryable codes', async () => {
    const { server, eddy } = setup(0);
    await server.createTopic('t', 1);
    server.faults.push(failWith('THROTTLED', isProduce, 2));
    const producer = eddy.producer();
    await producer.send({ topic: 't', messages: [{ value: 'a' }] });
    expect(produceBodies(server)).toHaveLength(3);
    server.faults.push(failWith('INVALID_REQUEST', isProduce, 1));
    await expect(producer.send({ topic: 't', messages: [{ value: 'b' }] })).rejects.toMatchObject({ code: 'INVALID_REQUEST' });
    expect(produceBodies(server)).toHaveLength(4);
  });

  it('gives back the sequence numbers of a batch that definitely failed', async () => {
    const { server, eddy } = setup(0);
    await server.createTopic('t', 1);
    const producer = eddy.producer();
    await producer.send({ topic: 't', messages: [{ value: 'a' }] });
    server.faults.push(failWith('MESSAGE_TOO_LARGE', isProduce, 1));
    await expect(producer.send({ topic: 't', messages: [{ value: 'b' }] })).rejects.toMatchObject({ code: 'MESSAGE_TOO_LARGE' });
    await producer.send({ topic: 't', messages: [{ value: 'c' }] });
    expect(await server.values('t', 0)).toEqual(['a', 'c']);
    expect(produceBodies(server).map((b) => b.sequences)).toEqual([{ '0': 0 }, { '0': 1 }, { '0': 1 }]);
  });

  it('raises the epoch after a batch whose outcome stayed unknown, restarting sequences', async () => {
    const { server, eddy } = setup(0);
    await server.createTopic('t', 1);
    const producer = eddy.producer({ retry: { retries: 1, initialRetryTimeMs: 1 } });
    await producer.send({ topic: 't', messages: [{ value: 'a' }] });
    server.faults.push(loseResponse(isProduce, 2));
    await expect(producer.send({ topic: 't', messages: [{ value: 'b' }] })).rejects.toMatchObject({ code: 'UNKNOWN_OUTCOME' });
    expect(producer.producerEpoch).toBe(1);
    await producer.send({ topic: 't', messages: [{ value: 'c' }] });
    expect(produceBodies(server).at(-1)).toMatchObject({ producerEpoch: 1, sequences: { '0': 0 } });
    expect(await server.values('t', 0)).toEqual(['a', 'b', 'c']);
  });

  it('resends under a new epoch when the server no longer knows the producer (topic recreated)', async () => {
    const { server, eddy } = setup(0);
    await server.createTopic('t', 1);
    const producer = eddy.producer();
    await producer.send({ topic: 't', messages: [{ value: 'a' }] });
    await server.createTopic('t', 1); // deleted and recreated: the server no longer knows this producer
    const meta = await producer.send({ topic: 't', messages: [{ value: 'b' }] });
    expect(meta[0]!.offsets).toEqual([0]);
    expect(producer.producerEpoch).toBe(1);
    await producer.send({ topic: 't', messages: [{ value: 'c' }] });
    expect(await server.values('t', 0)).toEqual(['b', 'c']);
    expect(produceBodies(server).map((b) => [b.producerEpoch, b.sequences])).toEqual([
      [0, { '0': 0 }],
      [0, { '0': 1 }], // refused: unknown producer
      [1, { '0': 0 }],
      [1, { '0': 1 }],
    ]);
  });

  it('never resends a refused batch under a new epoch if an earlier attempt may have been applied', async () => {
    const { server, eddy } = setup(0);
    await server.createTopic('t', 1);
    const producer = eddy.producer({ retry: { retries: 3, initialRetryTimeMs: 1 } });
    const outOfOrder = { status: 409, body: { error: { code: 'OUT_OF_ORDER_SEQUENCE', message: 'out of order sequence in partition 0', retryable: false } } };
    let produces = 0;
    // Attempt 1 applies but its answer is lost; attempt 2 is refused for its sequencing.
    server.faults.push((req) => (isProduce(req) && ++produces === 2 ? Promise.resolve(outOfOrder) : undefined), loseResponse(isProduce, 1));
    const err = await producer.send({ topic: 't', messages: [{ value: 'a' }] }).catch((e: unknown) => e);
    expect(err).toMatchObject({ code: 'UNKNOWN_OUTCOME' });
    expect(produces).toBe(2);
    expect(await server.values('t', 0)).toEqual(['a']);
  });

  it('reports UNKNOWN_OUTCOME, not the last clean failure, when an earlier attempt may have been applied', async () => {
    const { server, eddy } = setup(0);
    await server.createTopic('t', 1);
    const producer = eddy.producer({ retry: { retries: 1, initialRetryTimeMs: 1 } });
    server.faults.push(loseResponse(isProduce, 1), failWith('UNAVAILABLE', isProduce, 5));
    const err = await producer.send({ topic: 't', messages: [{ value: 'a' }] }).catch((e: unknown) => e);
    expect(err).toMatchObject({ name: 'EddyError', code: 'UNKNOWN_OUTCOME' });
    expect((err as Error).cause).toMatchObject({ code: 'UNAVAILABLE' });
    expect(await server.values('t', 0)).toEqual(['a']); // it was applied
    expect(producer.producerEpoch).toBe(1);
  });

  it('refreshes metadata and retries after UNKNOWN_TOPIC_OR_PARTITION when the partition exists', async () => {
    const { server, eddy } = setup(0);
    await server.createTopic('t', 2);
    const producer = eddy.producer();
    await producer.send({ topic: 't', messages: [{ value: 'a', partition: 1 }] });
    server.faults.push(failWith('UNKNOWN_TOPIC_OR_PARTITION', isProduce, 1));
    await producer.send({ topic: 't', messages: [{ value: 'b', partition: 1 }] });
    expect(await server.values('t', 1)).toEqual(['a', 'b']);
    expect(server.requests('GET', /^\/v1\/topics\/t\/description$/)).toHaveLength(2);
  });
});

describe('Producer back-pressure', () => {
  it('never buffers more than maxBufferedBytes; send waits for room', async () => {
    const { server, eddy } = setup(5);
    await server.createTopic('t', 1);
    const producer = eddy.producer({ maxBufferedBytes: 1000, lingerMs: 0 });
    let peak = 0;
    server.faults.push((req) => {
      if (isProduce(req)) peak = Math.max(peak, producer.stats().bufferedBytes);
      return undefined;
    });
    const sends = Array.from({ length: 50 }, (_, i) => producer.send({ topic: 't', messages: [{ value: `${i}`.padEnd(100, '.') }] }));
    await Promise.all(sends);
    expect(peak).toBeGreaterThan(0);
    expect(peak).toBeLessThanOrEqual(1000);
    expect(producer.stats().bufferedBytes).toBe(0);
    expect((await server.values('t', 0)).map((v) => Number(v.replace(/\.+$/, '')))).toEqual(Array.from({ length: 50 }, (_, i) => i));
  });

  it('rejects a message that can never fit the buffer', async () => {
    const { server, eddy } = setup(0);
    await server.createTopic('t', 1);
    const producer = eddy.producer({ maxBufferedBytes: 100 });
    await expect(producer.send({ topic: 't', messages: [{ value: 'x'.repeat(200) }] })).rejects.toMatchObject({ code: 'MESSAGE_TOO_LARGE' });
  });

  it('validates its options', () => {
    const { eddy } = setup(0);
    expect(() => eddy.producer({ lingerMs: -1 })).toThrow(/lingerMs/);
    expect(() => eddy.producer({ batchBytes: 0 })).toThrow(/batchBytes/);
    expect(() => eddy.producer({ producerId: 'bad id!' })).toThrow(/producerId/);
  });
});
