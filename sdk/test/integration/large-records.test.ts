/**
 * Issue 18 item 16 through the SDK: a topic may allow records above 1 MiB
 * (max.message.bytes up to 8 MiB). A 3 MiB record goes through the producer
 * and comes back byte for byte, over HTTP and over Lambda invoke (whose
 * request is limited to 6 MiB, its answer to 6 MB: JSON with base64 bytes).
 */
import { randomBytes } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { isEddyError } from '../../src/errors.js';
import { unique } from '../support/helpers.js';
import { client, startTestHost, TRANSPORTS, type TestHost } from '../support/local-host.js';

let host: TestHost;
beforeAll(async () => {
  host = await startTestHost();
});
afterAll(async () => {
  await host.stop();
});

const MiB = 1024 * 1024;

describe.each(TRANSPORTS)('records above 1 MiB over %s', (kind) => {
  it('a 3 MiB record is produced and fetched byte-identical; one over the topic limit is MESSAGE_TOO_LARGE', async () => {
    const eddy = client(kind, host.url);
    const topic = unique('sdk-large');
    const created = await eddy.createTopic({ name: topic, config: { maxMessageBytes: 4 * MiB } });
    expect(created.config.maxMessageBytes).toBe(4 * MiB);
    const value = randomBytes(3 * MiB);
    const producer = eddy.producer();
    try {
      const [sent] = await producer.send({ topic, messages: [{ key: 'big', value }] });
      expect(sent).toMatchObject({ partition: 0, errorCode: 0 });
      const tooLarge = await producer.send({ topic, messages: [{ value: randomBytes(4 * MiB + 1) }] }).then(
        () => undefined,
        (err: unknown) => err,
      );
      expect(isEddyError(tooLarge, 'MESSAGE_TOO_LARGE'), String(tooLarge)).toBe(true);
    } finally {
      await producer.disconnect();
    }
    const { records, highWatermark } = await eddy.getRecords({ topic, partition: 0, offset: 0 });
    expect(highWatermark).toBe(1);
    expect(records).toHaveLength(1);
    expect(Buffer.from(records[0]!.value as string, 'base64').equals(value)).toBe(true);
  });
});
