/**
 * Who checks the CRC32C of stored batches on a fetch: the server does, unless
 * a binary reader declares in its Accept header (`crc=client`) that it checks
 * every batch itself — the SDK does, so the server passes stored batches on
 * unchecked to it (as Kafka brokers and clients split it). A plain binary
 * reader, the JSON route and the Kafka front door are checked on the server.
 * Either way a corrupt byte is refused with DATA_CORRUPT, never served as
 * records.
 */
import { describe, expect, it } from 'vitest';
import { Eddy } from '../../src/client.js';
import { isEddyError } from '../../src/errors.js';
import { BATCHES_MEDIA_TYPE, SDK_ACCEPT } from '../../src/wire.js';
import { InProcessEddy } from '../support/in-process-eddy.js';

const VALUE = new Uint8Array(300).fill(0xab);

async function corrupted(): Promise<{ server: InProcessEddy; binary: Eddy; json: Eddy }> {
  const server = new InProcessEddy();
  const binary = new Eddy({ transport: server, retry: { retries: 0 } });
  const json = new Eddy({ transport: server, retry: { retries: 0 }, wireFormat: 'json' });
  expect(binary.wireFormat).toBe('binary');
  await binary.createTopic({ name: 'c', partitions: 1 });
  await binary.putRecords({ topic: 'c', records: [0, 1, 2].map((i) => ({ key: new Uint8Array([i]), value: VALUE, partition: 0 })) });
  const good = await binary.getRecords({ topic: 'c', partition: 0, offset: 0, encoding: 'bytes' });
  expect(good.records.map((r) => r.value)).toEqual([VALUE, VALUE, VALUE]);
  // One byte of the second record's value, flipped in the stored object.
  let tampered = 0;
  for await (const { key } of server.objects.list('')) {
    server.objects.tamper(key, (bytes) => {
      const at = Buffer.from(bytes).indexOf(Buffer.from(VALUE), 0) + VALUE.length + 40;
      if (bytes[at] === 0xab) {
        bytes[at] = 0xaa;
        tampered++;
      }
    });
  }
  expect(tampered).toBe(1);
  return { server, binary, json };
}

async function codeOf(p: Promise<unknown>): Promise<string | undefined> {
  try {
    await p;
  } catch (err) {
    // The SDK's EddyError, or core's (the same codes) for what core answers directly.
    return isEddyError(err) ? err.code : (err as { code?: string }).code;
  }
  return undefined;
}

describe('a corrupt stored byte', () => {
  it('binary route, SDK: the server passes the batch on unchecked, the SDK refuses it with DATA_CORRUPT', async () => {
    const { server, binary } = await corrupted();
    expect(SDK_ACCEPT).toMatch(/; crc=client$/);
    // The server does not re-check the CRC32C for a reader that says it checks it (the SDK's Accept)...
    const served = await server.request({ method: 'GET', path: '/v1/topics/c/partitions/0/records', query: { offset: '0' }, accept: SDK_ACCEPT }, { timeoutMs: 5_000 });
    expect(served.status).toBe(200);
    expect(served.body).toBeInstanceOf(Uint8Array);
    expect((await server.core.log.fetchBatches({ topic: 'c', partition: 0, offset: 0 }, { readerChecksCrc: true })).batches.length).toBeGreaterThan(0);
    // ...and the SDK does, whatever shape the records are asked in: nothing is served as records.
    expect(await codeOf(binary.getRecords({ topic: 'c', partition: 0, offset: 0, encoding: 'bytes' }))).toBe('DATA_CORRUPT');
    expect(await codeOf(binary.getRecords({ topic: 'c', partition: 0, offset: 0 }))).toBe('DATA_CORRUPT');
    await expect(binary.getRecords({ topic: 'c', partition: 0, offset: 0 })).rejects.toThrow(/CRC32C mismatch/);
  });

  it('binary route, a reader that does not declare crc=client: the server refuses it with DATA_CORRUPT', async () => {
    const { server } = await corrupted();
    for (const accept of [BATCHES_MEDIA_TYPE, `${BATCHES_MEDIA_TYPE}; codecs="gzip"`, `${BATCHES_MEDIA_TYPE}; crc=server`]) {
      // What the JSON route answers for DATA_CORRUPT: 500 and the error envelope.
      const res = await server.request({ method: 'GET', path: '/v1/topics/c/partitions/0/records', query: { offset: '0' }, accept }, { timeoutMs: 5_000 });
      expect(res, accept).toMatchObject({ status: 500, body: { error: { code: 'DATA_CORRUPT', message: expect.stringMatching(/CRC32C mismatch/) } } });
    }
    expect(await codeOf(server.core.log.fetchBatches({ topic: 'c', partition: 0, offset: 0 }))).toBe('DATA_CORRUPT');
  });

  it('JSON route and Kafka front door: the server refuses it with DATA_CORRUPT', async () => {
    const { server, json } = await corrupted();
    expect(await codeOf(json.getRecords({ topic: 'c', partition: 0, offset: 0 }))).toBe('DATA_CORRUPT');
    // What the Kafka protocol's Fetch reads.
    expect(await codeOf(server.core.log.readBatches({ topic: 'c', partition: 0, offset: 0 }))).toBe('DATA_CORRUPT');
    await expect(server.core.log.readBatches({ topic: 'c', partition: 0, offset: 0 })).rejects.toThrow(/CRC32C mismatch/);
  });
});
