/**
 * Kafka clients and the HTTP API over the same log: kafkajs admin,
 * @platformatic/kafka, gzip batches, and records crossing between the Kafka
 * protocol and the HTTP API with the same offsets, bytes and headers.
 */
import { Consumer, Producer, Admin, stringDeserializers, stringSerializers } from '@platformatic/kafka';
import { CompressionTypes, Kafka, logLevel } from 'kafkajs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { call, eventually, kafkaHost, unique, type KafkaHost } from './helpers.js';

let host: KafkaHost;
let kafka: Kafka;
beforeAll(async () => {
  host = await kafkaHost();
  kafka = new Kafka({ clientId: 'clients-test', brokers: [host.broker], logLevel: logLevel.NOTHING });
});
afterAll(() => host?.stop());

/** Reads a partition from the start with a kafkajs consumer (no group commits needed). */
async function readAll(topic: string, count: number): Promise<Array<{ partition: number; offset: string; key: string | null; value: string | null; headers: Record<string, string> }>> {
  const consumer = kafka.consumer({ groupId: unique('read'), maxWaitTimeInMs: 200 });
  const out: Array<{ partition: number; offset: string; key: string | null; value: string | null; headers: Record<string, string> }> = [];
  await consumer.connect();
  await consumer.subscribe({ topic, fromBeginning: true });
  await consumer.run({
    eachMessage: async ({ partition, message }) => {
      out.push({
        partition,
        offset: message.offset,
        key: message.key?.toString() ?? null,
        value: message.value?.toString() ?? null,
        headers: Object.fromEntries(Object.entries(message.headers ?? {}).map(([k, v]) => [k, String(v)])),
      });
    },
  });
  await eventually(() => (out.length >= count ? true : undefined), 20_000, `${count} records of ${topic}`);
  await consumer.disconnect();
  return out;
}

describe('kafkajs admin', () => {
  it('creates, lists, describes and deletes topics', async () => {
    const admin = kafka.admin();
    await admin.connect();
    const name = unique('adm');
    expect(await admin.createTopics({ topics: [{ topic: name, numPartitions: 3, replicationFactor: 2, configEntries: [{ name: 'retention.ms', value: '3600000' }] }] })).toBe(true);
    expect(await admin.listTopics()).toContain(name);
    const described = await host.runtime.eddy.log.describeTopic(name);
    expect(described.partitions).toBe(3);
    expect(described.config.retentionMs).toBe(3_600_000);
    const configs = await admin.describeConfigs({ resources: [{ type: 2, name }], includeSynonyms: false });
    expect(configs.resources[0]!.configEntries.find((c) => c.configName === 'retention.ms')?.configValue).toBe('3600000');
    await expect(admin.createTopics({ topics: [{ topic: name, configEntries: [{ name: 'cleanup.policy', value: 'compact' }] }] })).rejects.toThrow();
    await admin.createPartitions({ topicPartitions: [{ topic: name, count: 4 }] });
    expect((await host.runtime.eddy.log.describeTopic(name)).partitions).toBe(4);
    await admin.deleteTopics({ topics: [name] });
    expect(await admin.listTopics()).not.toContain(name);
    await admin.disconnect();
  });
});

describe('the Kafka protocol and the HTTP API share one log', () => {
  it('records produced over Kafka (gzip, headers) are read over HTTP with the same offsets and bytes', async () => {
    const topic = unique('k2h');
    await host.runtime.eddy.log.createTopic({ name: topic, partitions: 1 });
    const producer = kafka.producer();
    await producer.connect();
    await producer.send({ topic, compression: CompressionTypes.GZIP, messages: [{ key: 'k1', value: 'first', headers: { trace: 'abc' } }, { key: 'k2', value: 'second' }] });
    await producer.send({ topic, messages: [{ key: 'k3', value: 'third' }] });
    await producer.disconnect();
    const res = await call(host.url, 'GET', `/v1/topics/${topic}/partitions/0/records?offset=0&encoding=utf8`);
    expect(res.status).toBe(200);
    const records = res.body.records as Array<{ offset: number; key: string; value: string; headers: unknown }>;
    expect(records.map((r) => [r.offset, r.key, r.value])).toEqual([
      [0, 'k1', 'first'],
      [1, 'k2', 'second'],
      [2, 'k3', 'third'],
    ]);
    expect(JSON.stringify(records[0]!.headers)).toContain('abc');
  });

  it('records produced over HTTP (headers included) are read by a Kafka consumer with the same offsets', async () => {
    const topic = unique('h2k');
    await host.runtime.eddy.log.createTopic({ name: topic, partitions: 1 });
    const res = await call(host.url, 'POST', `/v1/topics/${topic}/records`, { encoding: 'utf8', records: [{ key: 'a', value: 'one', headers: { h: 'x' } }, { key: 'b', value: 'two' }] });
    expect(res.status).toBe(200);
    const read = await readAll(topic, 2);
    expect(read.map((r) => [r.offset, r.key, r.value])).toEqual([
      ['0', 'a', 'one'],
      ['1', 'b', 'two'],
    ]);
    expect(read[0]!.headers).toEqual({ h: 'x' });
  });
});

describe('@platformatic/kafka', () => {
  it('creates a topic, produces and consumes in a group', async () => {
    const topic = unique('plt');
    const admin = new Admin({ clientId: 'plt-admin', bootstrapBrokers: [host.broker] });
    await admin.createTopics({ topics: [topic], partitions: 2, replicas: 1 });
    await admin.close();
    const producer = new Producer({ clientId: 'plt-producer', bootstrapBrokers: [host.broker], serializers: stringSerializers });
    await producer.send({ messages: [{ topic, key: 'user-123', value: 'hello', headers: { source: 'web' } }] });
    await producer.close();
    const consumer = new Consumer({ groupId: unique('plt-g'), clientId: 'plt-consumer', bootstrapBrokers: [host.broker], deserializers: stringDeserializers });
    const stream = await consumer.consume({ autocommit: true, topics: [topic], sessionTimeout: 10_000, heartbeatInterval: 500, mode: 'earliest' } as Parameters<typeof consumer.consume>[0]);
    let got: { key: string; value: string } | undefined;
    for await (const m of stream) {
      got = { key: m.key, value: m.value };
      break;
    }
    await consumer.close(true);
    expect(got).toEqual({ key: 'user-123', value: 'hello' });
  });
});
