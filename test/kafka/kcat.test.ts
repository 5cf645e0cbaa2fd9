/**
 * kcat (librdkafka) against the Kafka server: metadata, keyed produce,
 * consume, and a group consumer whose offsets land in core.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { partitionForKey } from '@eddy/api';
import { call, kafkaHost, run, unique, type KafkaHost } from './helpers.js';

let host: KafkaHost;
beforeAll(async () => {
  host = await kafkaHost();
});
afterAll(() => host?.stop());

const kcat = (args: string[], input?: string) => run('kcat', ['-b', host.broker, ...args], { ...(input !== undefined ? { input } : {}), timeoutMs: 20_000 });

describe('kcat', () => {
  it('-L lists the gateway as the only broker and leader of every partition', async () => {
    const topic = unique('kc-meta');
    await host.runtime.eddy.log.createTopic({ name: topic, partitions: 3 });
    const out = await kcat(['-L', '-t', topic]);
    expect(out.code).toBe(0);
    expect(out.stdout).toContain(`broker 0 at ${host.broker} (controller)`);
    expect(out.stdout).toContain(`topic "${topic}" with 3 partitions:`);
    for (const p of [0, 1, 2]) expect(out.stdout).toContain(`partition ${p}, leader 0, replicas: 0, isrs: 0`);
  });

  it('-P with keys puts each key where Kafka\'s murmur2 partitioner does; -C reads them back in order', async () => {
    const topic = unique('kc-keys');
    await host.runtime.eddy.log.createTopic({ name: topic, partitions: 3 });
    const keys = Array.from({ length: 24 }, (_, i) => `user-${i}`);
    // librdkafka's default partitioner is CRC32-based; murmur2_random is the Java client's (and kafkajs's).
    const produced = await kcat(['-P', '-t', topic, '-K', ':', '-X', 'partitioner=murmur2_random'], keys.map((k, i) => `${k}:value-${i}\n`).join(''));
    expect(produced.stderr).toBe('');
    expect(produced.code).toBe(0);
    const consumed = await kcat(['-C', '-t', topic, '-e', '-q', '-f', '%p %o %k %s\\n']);
    expect(consumed.code).toBe(0);
    const rows = consumed.stdout.trim().split('\n').map((l) => l.split(' '));
    expect(rows).toHaveLength(keys.length);
    for (const [p, , key, value] of rows) {
      expect(Number(p)).toBe(partitionForKey(Buffer.from(key!), 3));
      expect(value).toBe(`value-${key!.slice(5)}`);
    }
    // Within a partition, offsets are dense from 0 and follow the send order.
    for (const p of ['0', '1', '2']) {
      const mine = rows.filter((r) => r[0] === p);
      expect(mine.map((r) => Number(r[1]))).toEqual(mine.map((_, i) => i));
      expect(mine.map((r) => keys.indexOf(r[2]!))).toEqual([...mine.map((r) => keys.indexOf(r[2]!))].sort((a, b) => a - b));
    }
  });

  it('-G consumes as a group member and commits where core (and the HTTP API) see it', async () => {
    const topic = unique('kc-group');
    const group = unique('kc-g');
    await host.runtime.eddy.log.createTopic({ name: topic, partitions: 2 });
    const produced = await kcat(['-P', '-t', topic, '-K', ':'], 'a:1\nb:2\nc:3\nd:4\n');
    expect(produced.code).toBe(0);
    const consumed = await kcat(['-G', group, topic, '-e', '-q', '-X', 'auto.offset.reset=earliest', '-f', '%k=%s\\n']);
    expect(consumed.code).toBe(0);
    expect(consumed.stdout.trim().split('\n').sort()).toEqual(['a=1', 'b=2', 'c=3', 'd=4']);
    const { offsets } = await host.runtime.eddy.groups.fetchOffsets(group);
    expect(offsets.reduce((n, o) => n + o.offset, 0)).toBe(4);
    expect(offsets.every((o) => o.lag === 0)).toBe(true);
  });

  it.each(['gzip', 'snappy', 'lz4', 'zstd'])('-z %s: compressed batches are stored, served and read back (over HTTP too)', async (codec) => {
    const topic = unique(`kc-${codec}`);
    await host.runtime.eddy.log.createTopic({ name: topic, partitions: 1 });
    const lines = Array.from({ length: 50 }, (_, i) => `k${i}:${'payload-'.repeat(8)}${i}\n`).join('');
    const produced = await kcat(['-P', '-t', topic, '-K', ':', '-z', codec, '-X', 'linger.ms=50'], lines);
    expect(produced.stderr).toBe('');
    expect(produced.code).toBe(0);
    const consumed = await kcat(['-C', '-t', topic, '-e', '-q', '-f', '%o %k %s\\n']);
    const rows = consumed.stdout.trim().split('\n');
    expect(rows).toHaveLength(50);
    rows.forEach((row, i) => expect(row).toBe(`${i} k${i} ${'payload-'.repeat(8)}${i}`));
    const http = await call(host.url, 'GET', `/v1/topics/${topic}/partitions/0/records?offset=0&encoding=utf8&maxRecords=100`);
    expect(http.body.records.map((r: { key: string }) => r.key)).toEqual(Array.from({ length: 50 }, (_, i) => `k${i}`));
  });
});
