/**
 * Must-hold (1) and (5): 5,000 keyed records sent through one producer with
 * many concurrent `send` calls are consumed by a two-member group — every
 * record exactly once, per-key order kept — while the producer makes far
 * fewer requests than `send` calls. Runs over HTTPS and over Lambda invoke.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Consumer } from '../../src/consumer/consumer.js';
import { partitionForKey } from '../../src/partitioner.js';
import { unique, waitFor } from '../support/helpers.js';
import { client, TRANSPORTS } from '../support/transports.js';
import { testHost, type TestHost } from '../../../test/helpers/host.js';

let host: TestHost;
beforeAll(async () => {
  host = await testHost();
});
afterAll(async () => {
  await host.cleanup();
});

const RECORDS = 5_000;
const KEYS = 100;
const PARTITIONS = 4;

describe.each(TRANSPORTS)('producer and group consumer over %s', (kind) => {
  it(
    'delivers 5,000 keyed records to a two-member group, in key order, batched',
    async () => {
      const topic = unique('sdk-pc');
      const group = unique('sdk-pc-g');
      const admin = client(kind, host.url);
      await admin.createTopic({ name: topic, partitions: PARTITIONS });

      let produceRequests = 0;
      const producerClient = client(kind, host.url, {
        hooks: { onRequest: (r) => void (r.method === 'POST' && r.path.endsWith('/records') && produceRequests++) },
      });
      const producer = producerClient.producer();

      type Seen = { member: string; key: string; seq: number; partition: number; offset: number };
      const seen: Seen[] = [];
      const consumers: Consumer[] = [];
      const start = async (member: string): Promise<Consumer> => {
        const c = client(kind, host.url).consumer({ groupId: group, sessionTimeoutMs: 10_000, maxWaitTimeMs: 1_000 });
        consumers.push(c);
        await c.subscribe({ topics: [topic], fromBeginning: true });
        await c.run({
          autoCommitInterval: 500,
          eachMessage: async ({ partition, message }) => {
            const { key, seq } = JSON.parse(message.value.toString()) as { key: string; seq: number };
            expect(message.key?.toString()).toBe(key);
            seen.push({ member, key, seq, partition, offset: Number(message.offset) });
          },
        });
        return c;
      };

      try {
        const first = await start('a');
        // Produce with many concurrent sends; the second member joins halfway and the group
        // rebalances (cooperatively: the first member hands partitions over) before the second half.
        const sends: Promise<unknown>[] = [];
        for (let i = 0; i < RECORDS; i++) {
          const key = `user-${i % KEYS}`;
          sends.push(producer.send({ topic, messages: [{ key, value: { key, seq: Math.floor(i / KEYS) } }] }));
          if (i === RECORDS / 2) {
            await Promise.all(sends.splice(0));
            const second = await start('b');
            await waitFor(() => second.assignment().length > 0 && first.assignment()[0]!.partitions.length < PARTITIONS, 30_000, 'the rebalance');
          }
        }
        await Promise.all(sends);
        await producer.disconnect();

        await waitFor(() => seen.length >= RECORDS, 90_000, `${RECORDS} records consumed (have ${seen.length})`);
        await waitFor(() => consumers.every((c) => c.assignment().length > 0), 30_000, 'both members to own partitions');
        await new Promise((r) => setTimeout(r, 500)); // let any duplicate show up
        expect(first.assignment()[0]!.partitions.length + consumers[1]!.assignment()[0]!.partitions.length).toBe(PARTITIONS);

        // Every record exactly once.
        expect(seen).toHaveLength(RECORDS);
        expect(new Set(seen.map((s) => `${s.key}/${s.seq}`)).size).toBe(RECORDS);
        // Per key: on its murmur2 partition, in send order, at increasing offsets.
        for (let k = 0; k < KEYS; k++) {
          const key = `user-${k}`;
          const mine = seen.filter((s) => s.key === key);
          expect(new Set(mine.map((s) => s.partition))).toEqual(new Set([partitionForKey(key, PARTITIONS)]));
          const byOffset = [...mine].sort((x, y) => x.offset - y.offset);
          expect(byOffset.map((s) => s.seq)).toEqual(Array.from({ length: RECORDS / KEYS }, (_, i) => i));
        }
        // Within each member, each partition is processed in offset order.
        for (const member of ['a', 'b']) {
          for (let p = 0; p < PARTITIONS; p++) {
            const offsets = seen.filter((s) => s.member === member && s.partition === p).map((s) => s.offset);
            expect(offsets).toEqual([...offsets].sort((x, y) => x - y));
          }
        }
        expect(new Set(seen.map((s) => s.member))).toEqual(new Set(['a', 'b']));
        // Far fewer requests than sends.
        expect(produceRequests).toBeGreaterThan(0);
        expect(produceRequests).toBeLessThan(RECORDS / 10);
        expect(producer.stats().messages).toBe(RECORDS);
      } finally {
        await Promise.all(consumers.map((c) => c.disconnect()));
      }
      // Both left and committed everything.
      const offsets = await admin.fetchOffsets({ group, topic });
      expect(offsets.offsets.reduce((n, o) => n + o.offset, 0)).toBe(RECORDS);
      expect(offsets.offsets.every((o) => o.lag === 0)).toBe(true);
    },
    180_000,
  );
});
