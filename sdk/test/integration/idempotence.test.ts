/**
 * Must-hold (2): a produce whose answer is lost after the server applied it
 * (connection reset or time-out, injected by a proxy) is retried by the
 * idempotent producer without creating a duplicate; a non-idempotent
 * producer reports UNKNOWN_OUTCOME instead of guessing. Over both transports.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Eddy } from '../../src/client.js';
import { startFaultProxy, isProduce, type FaultProxy } from '../support/fault-proxy.js';
import { closedPortUrl, unique } from '../support/helpers.js';
import { client, TRANSPORTS } from '../support/transports.js';
import { testHost, type TestHost } from '../../../test/helpers/host.js';

let host: TestHost;
let proxy: FaultProxy;
beforeAll(async () => {
  host = await testHost();
  proxy = await startFaultProxy(host.url);
});
afterAll(async () => {
  await proxy.close();
  await host.cleanup();
});

/** Every value of a topic, per partition, read straight from the host. */
async function readAll(eddy: Eddy, topic: string, partitions: number): Promise<string[][]> {
  const out: string[][] = [];
  for (let partition = 0; partition < partitions; partition++) {
    const got = await eddy.getRecords({ topic, partition, offset: 0, maxRecords: 1000 });
    out.push(got.records.map((r) => Buffer.from(r.value as string, 'base64').toString()));
  }
  return out;
}

/** Fails the first `n` produce requests with `fault`, passes the rest. */
function failFirstProduces(n: number, fault: 'reset-after-apply' | 'delay-after-apply'): void {
  let left = n;
  proxy.rule = (method, path) => (isProduce(method, path) && left-- > 0 ? fault : undefined);
}

describe.each(TRANSPORTS)('idempotent produce over %s', (kind) => {
  const retry = { retries: 5, initialRetryTimeMs: 20, maxRetryTimeMs: 100 };

  it('retries after the connection is reset once the server applied the request, without duplicates', async () => {
    const direct = client(kind, host.url);
    const topic = unique('sdk-idem');
    await direct.createTopic({ name: topic, partitions: 2 });
    const producer = client(kind, proxy.url, { retry }).producer({ retry });
    failFirstProduces(2, 'reset-after-apply');
    const before = proxy.forwarded.length;

    const messages = Array.from({ length: 20 }, (_, i) => ({ value: `m${i}`, partition: i % 2 }));
    const meta = await producer.send({ topic, messages });

    const produces = proxy.forwarded.slice(before).filter((f) => isProduce(f.method, f.path));
    expect(produces.map((f) => f.fault)).toEqual(['reset-after-apply', 'reset-after-apply', undefined]);
    expect(produces.every((f) => f.status === 200)).toBe(true); // the server applied (or deduplicated) every attempt
    const stored = await readAll(direct, topic, 2);
    expect(stored).toEqual([messages.filter((m) => m.partition === 0).map((m) => m.value), messages.filter((m) => m.partition === 1).map((m) => m.value)]);
    expect(meta.map((m) => m.offsets)).toEqual([
      [0, 1, 2, 3, 4, 5, 6, 7, 8, 9],
      [0, 1, 2, 3, 4, 5, 6, 7, 8, 9],
    ]);

    // The producer carries on with the next sequence numbers.
    await producer.send({ topic, messages: [{ value: 'next', partition: 0 }] });
    expect((await readAll(direct, topic, 2))[0]).toHaveLength(11);
    await producer.disconnect();
  });

  it('retries after a time-out once the server applied the request, without duplicates', async () => {
    const direct = client(kind, host.url);
    const topic = unique('sdk-idem-timeout');
    await direct.createTopic({ name: topic });
    const producer = client(kind, proxy.url, { retry, requestTimeoutMs: 1_000 }).producer({ retry });
    proxy.delayMs = 2_500;
    failFirstProduces(1, 'delay-after-apply');
    const meta = await producer.send({ topic, messages: [{ key: 'k', value: 'once' }] });
    expect(meta[0]!.offsets).toEqual([0]);
    expect(await readAll(direct, topic, 1)).toEqual([['once']]);
    await producer.disconnect();
  });

  it('a non-idempotent producer reports UNKNOWN_OUTCOME and does not retry', async () => {
    const direct = client(kind, host.url);
    const topic = unique('sdk-nonidem');
    await direct.createTopic({ name: topic });
    const producer = client(kind, proxy.url, { retry }).producer({ retry, idempotent: false });
    failFirstProduces(1, 'reset-after-apply');
    const before = proxy.forwarded.length;
    const err = await producer.send({ topic, messages: [{ value: 'maybe' }] }).catch((e: unknown) => e);
    expect(err).toMatchObject({ name: 'EddyError', code: 'UNKNOWN_OUTCOME', retryable: true });
    expect(proxy.forwarded.slice(before).filter((f) => isProduce(f.method, f.path))).toHaveLength(1);
    // It was applied: exactly why the outcome is reported as unknown rather than failed.
    expect(await readAll(direct, topic, 1)).toEqual([['maybe']]);
    await producer.disconnect();
  });

  it('a refused connection is UNAVAILABLE and retried (nothing was sent)', async () => {
    const closed = await closedPortUrl();
    const dead = client(kind, closed, { retry: { retries: 2, initialRetryTimeMs: 1, maxRetryTimeMs: 2 } });
    let attempts = 0;
    const counted = client(kind, closed, { retry: { retries: 2, initialRetryTimeMs: 1, maxRetryTimeMs: 2 }, hooks: { onRequest: () => void attempts++ } });
    await expect(dead.putRecords({ topic: 't', records: [{ value: 'eA==' }] })).rejects.toMatchObject({ code: 'UNAVAILABLE' });
    await expect(counted.listTopics()).rejects.toMatchObject({ code: 'UNAVAILABLE' });
    expect(attempts).toBe(3);
  });
});
