/**
 * An abandoned range at the end of a partition, read through the Kafka
 * server by real clients. Under the reserve append protocol a writer whose
 * append failed marks its own offsets abandoned (docs/design.md §4); when
 * nothing follows, no stored batch can carry a reader past them, so the
 * Fetch answer holds an empty batch covering them, as a Kafka broker keeps
 * one where compaction removed every record of a batch, for clients that
 * take one. Without it librdkafka (kcat) waits at the range until the next
 * record; kafka-python 2.0.2 cannot take one and waits.
 */
import { existsSync } from 'node:fs';
import { Consumer, stringDeserializers } from '@platformatic/kafka';
import { CompressionTypes, Kafka, logLevel } from 'kafkajs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { abandonedMarker } from '../../core/log/produce.js';
import { emptyBatch } from '../../kafka/handlers/data.js';
import { crc32c } from '../../core/codec/crc32c.js';
import { readBatchHeaders } from '../../core/codec/record-batch.js';
import { eventually, kafkaHost, run, unique, type KafkaHost } from './helpers.js';

/** Debian's python3 has python3-kafka; a pyenv shim earlier on PATH does not. */
const PYTHON = existsSync('/usr/bin/python3') ? '/usr/bin/python3' : 'python3';

let host: KafkaHost;
beforeAll(async () => {
  host = await kafkaHost({ settings: { appendProtocol: 'reserve' } });
});
afterAll(() => host?.stop());

/** A topic holding `a` at 0, then offsets 1–7 reserved and marked abandoned by their writer: the high-water mark is 8. */
async function topicWithAbandonedTail(): Promise<string> {
  const topic = unique('abandoned-tail');
  const { log } = host.runtime.eddy;
  const { topicId } = await log.createTopic({ name: topic, partitions: 1 });
  await log.produce({ topic, records: [{ key: null, value: new TextEncoder().encode('a'), partition: 0 }] });
  const meta = host.components.metadataStore;
  expect(await meta.reserveOffsets(topicId, 0, 7)).toBe(1);
  expect(await meta.appendEntry(abandonedMarker(topicId, 0, 1, 7, Date.now()))).toBe(true);
  expect(await log.partitionOffsets(topic, 0)).toMatchObject({ logStartOffset: 0, highWatermark: 8 });
  return topic;
}

describe('an abandoned range at the end of a partition, through the Kafka server', () => {
  it('the empty batch is a RecordBatch v2 header with no record, covering the range, its CRC32C right', () => {
    const bytes = emptyBatch(1, 8);
    const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
    expect(bytes.length).toBe(61);
    expect(view.getBigInt64(0)).toBe(1n); // baseOffset
    expect(view.getInt32(8)).toBe(61 - 12); // batchLength
    expect(view.getInt8(16)).toBe(2); // magic
    expect(view.getUint32(17)).toBe(crc32c(bytes, 21));
    expect(view.getInt32(23)).toBe(6); // lastOffsetDelta: offsets 1..7
    expect(view.getInt32(57)).toBe(0); // recordCount
    // Eddy's own reader takes no empty batch from a producer.
    expect(() => readBatchHeaders(bytes)).toThrow(/at least one record/);
  });

  it('kcat (librdkafka) reads from inside the range to the end of the partition and exits (-e)', async () => {
    const topic = await topicWithAbandonedTail();
    const out = await run('kcat', ['-b', host.broker, '-C', '-t', topic, '-p', '0', '-o', '1', '-e', '-f', '%o %s\\n'], { timeoutMs: 15_000 });
    // Killed on the timeout (no exit code) when the reader waits at offset 1.
    expect(out.code, out.stderr).toBe(0);
    expect(out.stdout).toBe('');
    expect(out.stderr).toMatch(/Reached end of topic .* at offset 8/);
    // From the start: the record before the range, then the end.
    const all = await run('kcat', ['-b', host.broker, '-C', '-t', topic, '-p', '0', '-o', 'beginning', '-e', '-q', '-f', '%o %s\\n'], { timeoutMs: 15_000 });
    expect(all.code, all.stderr).toBe(0);
    expect(all.stdout).toBe('0 a\n');
  });

  it('kafka-python 2.0.2 gets no empty batch (its poll() would raise IndexError): it waits at the range, then reads the next record at 8', async () => {
    const topic = await topicWithAbandonedTail();
    const script = `
import sys, time
from kafka import KafkaConsumer, KafkaProducer, TopicPartition
broker, topic = sys.argv[1], sys.argv[2]
tp = TopicPartition(topic, 0)
c = KafkaConsumer(bootstrap_servers=broker, enable_auto_commit=False, api_version=(2, 5, 0))
c.assign([tp])
c.seek(tp, 1)
deadline = time.time() + 2
while c.position(tp) < 8 and time.time() < deadline:
    c.poll(timeout_ms=200)
print("position", c.position(tp), flush=True)
p = KafkaProducer(bootstrap_servers=broker, api_version=(2, 5, 0))
p.send(topic, key=b"k", value=b"z", partition=0).get(timeout=10)
p.close()
got = []
deadline = time.time() + 10
while not got and time.time() < deadline:
    for recs in c.poll(timeout_ms=200).values():
        got += [(r.offset, r.value.decode()) for r in recs]
print("records", got, flush=True)
c.close()
`;
    const out = await run(PYTHON, ['-c', script, host.broker, topic], { timeoutMs: 40_000 });
    expect(out.code, out.stderr).toBe(0);
    expect(out.stdout).toBe("position 1\nrecords [(8, 'z')]\n");
  });

  it('kafkajs reads the record before the range and the one after it, at their offsets', async () => {
    const topic = await topicWithAbandonedTail();
    const kafka = new Kafka({ clientId: 'abandoned-tail', brokers: [host.broker], logLevel: logLevel.NOTHING });
    const consumer = kafka.consumer({ groupId: unique('g'), maxWaitTimeInMs: 200 });
    const producer = kafka.producer();
    const seen: Array<[string, string]> = [];
    try {
      await consumer.connect();
      await consumer.subscribe({ topic, fromBeginning: true });
      await consumer.run({ eachMessage: async ({ message }) => void seen.push([message.offset, message.value!.toString()]) });
      await eventually(() => (seen.length >= 1 ? true : undefined), 15_000, 'the record at 0');
      await producer.connect();
      await producer.send({ topic, compression: CompressionTypes.None, messages: [{ key: 'k', value: 'z', partition: 0 }] });
      await eventually(() => (seen.length >= 2 ? true : undefined), 15_000, 'the record at 8');
      expect(seen).toEqual([
        ['0', 'a'],
        ['8', 'z'],
      ]);
    } finally {
      await consumer.disconnect();
      await producer.disconnect();
    }
  });

  it('@platformatic/kafka reads the record before the range and the one after it, at their offsets', async () => {
    const topic = await topicWithAbandonedTail();
    const consumer = new Consumer({ groupId: unique('plt-g'), clientId: 'plt-abandoned', bootstrapBrokers: [host.broker], deserializers: stringDeserializers, maxWaitTime: 200 });
    const kafka = new Kafka({ clientId: 'abandoned-tail', brokers: [host.broker], logLevel: logLevel.NOTHING });
    const producer = kafka.producer();
    const seen: Array<[string, string]> = [];
    try {
      const stream = await consumer.consume({ autocommit: false, topics: [topic], sessionTimeout: 10_000, heartbeatInterval: 500, mode: 'earliest' } as Parameters<typeof consumer.consume>[0]);
      const reading = (async () => {
        for await (const m of stream) {
          seen.push([String(m.offset), m.value]);
          if (seen.length >= 2) break;
        }
      })();
      await eventually(() => (seen.length >= 1 ? true : undefined), 15_000, 'the record at 0');
      await producer.connect();
      await producer.send({ topic, messages: [{ key: 'k', value: 'z', partition: 0 }] });
      await eventually(() => (seen.length >= 2 ? true : undefined), 15_000, 'the record at 8');
      await reading;
      expect(seen).toEqual([
        ['0', 'a'],
        ['8', 'z'],
      ]);
    } finally {
      await consumer.close(true);
      await producer.disconnect();
    }
  });
});
