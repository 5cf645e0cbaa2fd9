/**
 * The binary wire format (application/vnd.eddy.batches) end to end against
 * the local host, over both transports: what the SDK sends and reads by
 * default, next to JSON clients (curl-style HTTP) that see no change, and
 * batches a Kafka client compressed, read by the SDK.
 */
import { CompressionTypes, Kafka, logLevel } from 'kafkajs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { BATCHES_MEDIA_TYPE, decodeFetchAnswer, encodeBatch, encodeProduceRequest, readBatchHeaders } from '@eddy/api';
import { SDK_ACCEPT } from '../../src/wire.js';
import { Eddy } from '../../src/client.js';
import { unique } from '../support/helpers.js';
import { client, TRANSPORTS } from '../support/transports.js';
import { call, testHost, type TestHost } from '../../../test/helpers/host.js';

let host: TestHost;
beforeAll(async () => {
  host = await testHost({ kafkaPort: 0 });
});
afterAll(async () => {
  await host.cleanup();
});

const b64 = (s: string): string => Buffer.from(s).toString('base64');
const text = (s: unknown): string | null => (s === null ? null : Buffer.from(s as string, 'base64').toString());

describe.each(TRANSPORTS)('binary records over %s', (kind) => {
  it('round-trips keys, values, headers, null keys, tombstones and timestamps; JSON readers see the same records', async () => {
    const eddy = client(kind, host.url);
    expect(eddy.wireFormat).toBe('binary');
    const topic = unique('bin');
    await eddy.createTopic({ name: topic, partitions: 2 });
    const out = await eddy.putRecords({
      topic,
      records: [
        { key: b64('k1'), value: b64('v1'), headers: { h: b64('x') }, partition: 1, timestamp: 1_700_000_000_123 },
        { key: null, value: null, partition: 0, timestamp: 1_700_000_000_124 },
        { key: b64('k3'), value: b64(''), partition: 1, timestamp: 1_700_000_000_125 },
      ],
    });
    expect(out.results).toEqual([
      { partition: 1, offset: 0 },
      { partition: 0, offset: 0 },
      { partition: 1, offset: 1 },
    ]);
    const read = await eddy.getRecords({ topic, partition: 1, offset: 0 });
    const json = await client(kind, host.url, { wireFormat: 'json' }).getRecords({ topic, partition: 1, offset: 0 });
    expect(read).toEqual(json);
    expect(read.records.map((r) => [r.offset, r.timestamp, text(r.key), text(r.value), r.headers])).toEqual([
      [0, 1_700_000_000_123, 'k1', 'v1', { h: b64('x') }],
      [1, 1_700_000_000_125, 'k3', '', {}],
    ]);
    const tomb = await eddy.getRecords({ topic, partition: 0, offset: 0, encoding: 'utf8' });
    expect(tomb.records).toEqual([{ offset: 0, timestamp: 1_700_000_000_124, key: null, value: null, headers: {} }]);
    // utf8 and json encodings shape the answer as the server does, base64 when the bytes cannot be shown.
    await eddy.putRecords({ topic, encoding: 'json', records: [{ value: { n: 1 }, partition: 0 }, { value: new Uint8Array([0xff]), partition: 0 }] });
    const [viaBinary, viaJson] = await Promise.all([eddy, client(kind, host.url, { wireFormat: 'json' })].map((c) => c.getRecords({ topic, partition: 0, offset: 1, encoding: 'json' })));
    expect(viaBinary!.records.map((r) => [r.value, r.encoding])).toEqual([
      [{ n: 1 }, undefined],
      ['/w==', 'base64'],
    ]);
    expect(viaBinary!.records.map(({ timestamp: _t, ...r }) => r)).toEqual(viaJson!.records.map(({ timestamp: _t, ...r }) => r));
  });

  it('an idempotent retry answers the same offsets; the producer sends binary batches', async () => {
    const eddy = client(kind, host.url);
    const topic = unique('bin-idem');
    await eddy.createTopic({ name: topic, partitions: 1 });
    const input = { topic, records: [{ value: b64('a'), partition: 0 }, { value: b64('b'), partition: 0 }], producerId: 'p-bin', producerEpoch: 0, sequences: { '0': 0 } };
    const first = await eddy.putRecords(input);
    expect(await eddy.putRecords(input)).toEqual(first);
    expect((await eddy.describeTopic({ topic })).partitionOffsets[0]!.highWatermark).toBe(2);
    const producer = eddy.producer();
    const sent = await producer.send({ topic, messages: [{ value: 'c' }, { value: 'd' }] });
    expect(sent).toEqual([{ topicName: topic, partition: 0, errorCode: 0, baseOffset: '2', offsets: [2, 3] }]);
    await producer.disconnect();
  });

  it('reads from an offset inside a stored batch, and maxRecords bounds the answer', async () => {
    const eddy = client(kind, host.url);
    const topic = unique('bin-mid');
    await eddy.createTopic({ name: topic, partitions: 1 });
    await eddy.putRecords({ topic, encoding: 'utf8', records: ['a', 'b', 'c', 'd', 'e'].map((v) => ({ value: v, partition: 0 })) });
    const read = await eddy.getRecords({ topic, partition: 0, offset: 2, maxRecords: 2, encoding: 'utf8' });
    expect(read.records.map((r) => [r.offset, r.value])).toEqual([
      [2, 'c'],
      [3, 'd'],
    ]);
    expect(read.nextOffset).toBe(4);
    expect(read.highWatermark).toBe(5);
  });
});

describe('JSON clients over HTTP (curl-style)', () => {
  it('see JSON answers, unchanged, next to binary writers', async () => {
    const eddy = new Eddy({ endpoint: host.url });
    const topic = unique('bin-curl');
    await eddy.createTopic({ name: topic, partitions: 1 });
    await eddy.putRecords({ topic, encoding: 'utf8', records: [{ key: 'k', value: 'hello', partition: 0, timestamp: 1_700_000_000_000 }] });
    const res = await fetch(`${host.url}/v1/topics/${topic}/partitions/0/records?offset=0&encoding=utf8`);
    expect(res.headers.get('content-type')).toBe('application/json');
    expect(await res.json()).toEqual({ records: [{ offset: 0, timestamp: 1_700_000_000_000, key: 'k', value: 'hello', headers: {} }], nextOffset: 1, highWatermark: 1, logStartOffset: 0 });
    const produced = await call(host.url, 'POST', `/v1/topics/${topic}/records`, { encoding: 'utf8', records: [{ value: 'json' }] });
    expect(produced).toMatchObject({ status: 200, body: { results: [{ partition: 0, offset: 1 }] } });
  });

  it('a bad binary body over HTTP is 400 naming what is wrong, and writes nothing', async () => {
    const eddy = new Eddy({ endpoint: host.url });
    const topic = unique('bin-bad');
    await eddy.createTopic({ name: topic, partitions: 1 });
    const batch = encodeBatch({ records: [{ timestamp: 1, key: null, value: new Uint8Array([1]) }] });
    batch[batch.length - 1]! ^= 1;
    const res = await fetch(`${host.url}/v1/topics/${topic}/records`, { method: 'POST', headers: { 'content-type': BATCHES_MEDIA_TYPE }, body: encodeProduceRequest({ partitions: [{ partition: 0, batch }] }) });
    expect(res.status).toBe(400);
    expect(await res.json()).toMatchObject({ error: { code: 'CORRUPT_MESSAGE', message: expect.stringContaining('CRC32C') } });
    expect((await eddy.describeTopic({ topic })).partitionOffsets[0]!.highWatermark).toBe(0);
  });
});

describe('batches a Kafka client compressed', () => {
  it('a gzip batch from kafkajs is read by the SDK (passed through), a fetch inside it skips the records before', async () => {
    const topic = unique('bin-gzip');
    const kafka = new Kafka({ clientId: 'binary-test', brokers: [`127.0.0.1:${host.kafkaPort}`], logLevel: logLevel.NOTHING });
    const admin = kafka.admin();
    await admin.connect();
    await admin.createTopics({ topics: [{ topic, numPartitions: 1 }] });
    await admin.disconnect();
    const producer = kafka.producer();
    await producer.connect();
    await producer.send({ topic, compression: CompressionTypes.GZIP, messages: ['one', 'two', 'three'].map((v, i) => ({ key: `k${i}`, value: v, headers: { trace: `t${i}` } })) });
    await producer.disconnect();
    // What the SDK asks for: gzip passed through as stored.
    const raw = await fetch(`${host.url}/v1/topics/${topic}/partitions/0/records?offset=0`, { headers: { accept: SDK_ACCEPT } });
    expect(raw.headers.get('content-type')).toBe(BATCHES_MEDIA_TYPE);
    expect(readBatchHeaders(decodeFetchAnswer(new Uint8Array(await raw.arrayBuffer())).batches).map((h) => h.compression)).toEqual(['gzip']);
    for (const kind of TRANSPORTS) {
      const eddy = client(kind, host.url);
      const all = await eddy.getRecords({ topic, partition: 0, offset: 0, encoding: 'utf8' });
      expect(all.records.map((r) => [r.offset, r.key, r.value, r.headers])).toEqual([
        [0, 'k0', 'one', { trace: 't0' }],
        [1, 'k1', 'two', { trace: 't1' }],
        [2, 'k2', 'three', { trace: 't2' }],
      ]);
      expect((await eddy.getRecords({ topic, partition: 0, offset: 1, encoding: 'utf8' })).records.map((r) => r.value)).toEqual(['two', 'three']);
    }
  });
});
