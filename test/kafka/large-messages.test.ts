/**
 * Issue 18 item 16: `max.message.bytes` above 1 MiB (up to 8 MiB) where the
 * path allows it. kafkajs produces a 3 MiB record into a topic created with
 * max.message.bytes=4194304 and reads it back byte for byte (and so does the
 * HTTP API, whose answer carries it); a record over the topic's limit is
 * refused with Kafka's MESSAGE_TOO_LARGE and nothing is written; a record the
 * HTTP API cannot carry is refused over HTTP with a clear 413 while the
 * Kafka protocol serves it.
 */
import { randomBytes } from 'node:crypto';
import { Kafka, logLevel } from 'kafkajs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { call, eventually, kafkaHost, unique, type KafkaHost } from './helpers.js';

let host: KafkaHost;
let kafka: Kafka;
beforeAll(async () => {
  host = await kafkaHost();
  kafka = new Kafka({ clientId: 'large-messages-test', brokers: [host.broker], logLevel: logLevel.NOTHING });
});
afterAll(() => host?.stop());

const MiB = 1024 * 1024;

async function createTopic(name: string, maxMessageBytes: number): Promise<void> {
  const admin = kafka.admin();
  await admin.connect();
  try {
    expect(await admin.createTopics({ topics: [{ topic: name, numPartitions: 1, configEntries: [{ name: 'max.message.bytes', value: String(maxMessageBytes) }] }] })).toBe(true);
    const described = await admin.describeConfigs({ resources: [{ type: 2, name }], includeSynonyms: false });
    expect(described.resources[0]!.configEntries.find((c) => c.configName === 'max.message.bytes')?.configValue).toBe(String(maxMessageBytes));
  } finally {
    await admin.disconnect();
  }
}

/** Reads the first `count` records of partition 0 with a kafkajs consumer (default fetch sizes: 1 MiB per partition). */
async function readWithKafkajs(topic: string, count: number): Promise<Array<{ offset: string; key: Buffer | null; value: Buffer | null }>> {
  const consumer = kafka.consumer({ groupId: unique('large-read'), maxWaitTimeInMs: 200 });
  const out: Array<{ offset: string; key: Buffer | null; value: Buffer | null }> = [];
  await consumer.connect();
  try {
    await consumer.subscribe({ topic, fromBeginning: true });
    await consumer.run({ eachMessage: async ({ message }) => void out.push({ offset: message.offset, key: message.key, value: message.value }) });
    await eventually(() => (out.length >= count ? true : undefined), 30_000, `${count} records of ${topic}`);
  } finally {
    await consumer.disconnect();
  }
  return out;
}

async function objectCount(): Promise<number> {
  let n = 0;
  for await (const _ of host.components.objectStore.list('')) n++;
  return n;
}

const highWatermark = async (topic: string): Promise<number> => (await host.runtime.eddy.log.describeTopic(topic)).partitionOffsets[0]!.highWatermark;

describe('records above 1 MiB over the Kafka protocol', () => {
  it('kafkajs produces a 3 MiB record into a topic with max.message.bytes=4194304 and reads it back byte-identical; so does the HTTP API', async () => {
    const topic = unique('large');
    await createTopic(topic, 4 * MiB);
    const value = randomBytes(3 * MiB);
    const producer = kafka.producer();
    await producer.connect();
    try {
      const [sent] = await producer.send({ topic, messages: [{ key: 'big', value, partition: 0 }] });
      expect(sent).toMatchObject({ errorCode: 0, baseOffset: '0' });
      await producer.send({ topic, messages: [{ key: 'small', value: 'after', partition: 0 }] });
    } finally {
      await producer.disconnect();
    }

    const read = await readWithKafkajs(topic, 2);
    expect(read.map((r) => r.offset)).toEqual(['0', '1']);
    expect(read[0]!.key?.toString()).toBe('big');
    expect(read[0]!.value!.length).toBe(3 * MiB);
    expect(read[0]!.value!.equals(value)).toBe(true);
    expect(read[1]!.value!.toString()).toBe('after');

    // The HTTP API's answer carries it too (4 MiB of base64 is under its 5.5 MB answer limit), one record per answer.
    const http = await call(host.url, 'GET', `/v1/topics/${topic}/partitions/0/records?offset=0`);
    expect(http.status).toBe(200);
    expect(http.body.records).toHaveLength(1);
    expect(Buffer.from(http.body.records[0].value, 'base64').equals(value)).toBe(true);
    expect(http.body.nextOffset).toBe(1);
  });

  it("refuses a record over the topic's max.message.bytes with MESSAGE_TOO_LARGE, writing nothing", async () => {
    const topic = unique('too-large');
    await createTopic(topic, 4 * MiB);
    const objectsBefore = await objectCount();
    const producer = kafka.producer({ retry: { retries: 0 } });
    await producer.connect();
    try {
      const err = await producer.send({ topic, messages: [{ value: randomBytes(4 * MiB + 1), partition: 0 }] }).then(
        () => undefined,
        (e: unknown) => e as { type?: string; name?: string; message: string },
      );
      expect(err, 'the send must fail').toBeDefined();
      expect(err!.type ?? err!.name).toBe('MESSAGE_TOO_LARGE');
    } finally {
      await producer.disconnect();
    }
    expect(await highWatermark(topic)).toBe(0);
    expect(await objectCount()).toBe(objectsBefore);
  });

  it('a topic may allow up to 8 MiB; a record the HTTP API cannot carry is a clear 413 there and read over Kafka', async () => {
    const topic = unique('huge');
    await createTopic(topic, 8 * MiB);
    const value = randomBytes(5 * MiB);
    const producer = kafka.producer();
    await producer.connect();
    try {
      await producer.send({ topic, messages: [{ value, partition: 0 }] });
    } finally {
      await producer.disconnect();
    }
    // 5 MiB is about 7 MB of base64: more than an HTTP or Lambda answer (6 MB) carries.
    const http = await call(host.url, 'GET', `/v1/topics/${topic}/partitions/0/records?offset=0`);
    expect(http.status).toBe(413);
    expect(http.body.error.code).toBe('MESSAGE_TOO_LARGE');
    expect(http.body.error.message).toMatch(/offset 0 .*Kafka protocol/);
    // The HTTP API cannot take it either: the body is over its 6 MiB.
    const put = await call(host.url, 'POST', `/v1/topics/${topic}/records`, { records: [{ value: value.toString('base64') }] });
    expect(put.status).toBe(413);
    expect(put.body.error.code).toBe('MESSAGE_TOO_LARGE');
    expect(put.body.error.message).toMatch(/6291456 bytes/);
    expect(await highWatermark(topic)).toBe(1);
    // An 8 MiB + 1 topic limit is refused.
    const over = await call(host.url, 'POST', '/v1/topics', { name: unique('over'), config: { maxMessageBytes: 8 * MiB + 1 } });
    expect(over.status).toBe(400);
    expect(over.body.error.message).toContain('8388608');

    const read = await readWithKafkajs(topic, 1);
    expect(read[0]!.value!.equals(value)).toBe(true);
  });
});
