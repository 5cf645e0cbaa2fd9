/**
 * Who checks the CRC32C of stored batches on a fetch: on the binary route the
 * server passes stored batches on unchecked and the SDK checks every batch
 * (as Kafka brokers and clients split it); the JSON route and the Kafka
 * front door check on the server. Either way a corrupt byte is refused with
 * DATA_CORRUPT, never served as records.
 */
import { describe, expect, it } from 'vitest';
import { Eddy } from '../../src/client.js';
import { isEddyError } from '../../src/errors.js';
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
  it('binary route: the server passes the batch on unchecked, the SDK refuses it with DATA_CORRUPT', async () => {
    const { server, binary } = await corrupted();
    // The server does not re-check the CRC32C on this route (the reader does)...
    const served = await server.core.log.fetchBatches({ topic: 'c', partition: 0, offset: 0 });
    expect(served.batches.length).toBeGreaterThan(0);
    // ...and the SDK does, whatever shape the records are asked in: nothing is served as records.
    expect(await codeOf(binary.getRecords({ topic: 'c', partition: 0, offset: 0, encoding: 'bytes' }))).toBe('DATA_CORRUPT');
    expect(await codeOf(binary.getRecords({ topic: 'c', partition: 0, offset: 0 }))).toBe('DATA_CORRUPT');
    await expect(binary.getRecords({ topic: 'c', partition: 0, offset: 0 })).rejects.toThrow(/CRC32C mismatch/);
  });

  it('JSON route and Kafka front door: the server refuses it with DATA_CORRUPT', async () => {
    const { server, json } = await corrupted();
    expect(await codeOf(json.getRecords({ topic: 'c', partition: 0, offset: 0 }))).toBe('DATA_CORRUPT');
    // What the Kafka protocol's Fetch reads.
    expect(await codeOf(server.core.log.readBatches({ topic: 'c', partition: 0, offset: 0 }))).toBe('DATA_CORRUPT');
    await expect(server.core.log.readBatches({ topic: 'c', partition: 0, offset: 0 })).rejects.toThrow(/CRC32C mismatch/);
  });
});
