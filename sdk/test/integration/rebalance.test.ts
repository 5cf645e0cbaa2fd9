/**
 * Must-hold (3): a group member killed mid-batch. The survivor takes over
 * the dead member's partitions after its session expires and processes
 * every record the dead member had not committed; and on the normal path
 * (a member joining, partitions moving cooperatively) no record whose offset
 * was committed is processed twice. Over both transports.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Eddy } from '../../src/client.js';
import type { Consumer } from '../../src/consumer/consumer.js';
import { HttpTransport } from '../../src/transport/http.js';
import { LambdaTransport } from '../../src/transport/lambda.js';
import { KillableTransport, unique, waitFor } from '../support/helpers.js';
import { client, TRANSPORTS, type TransportKind } from '../support/transports.js';
import { testHost, type TestHost } from '../../../test/helpers/host.js';

let host: TestHost;
beforeAll(async () => {
  host = await testHost();
});
afterAll(async () => {
  await host.cleanup();
});

const PARTITIONS = 4;
const PER_PARTITION = 300;
const SESSION_TIMEOUT_MS = 3_000;

function killableClient(kind: TransportKind, url: string): { eddy: Eddy; transport: KillableTransport } {
  const inner = kind === 'http' ? new HttpTransport({ endpoint: url }) : new LambdaTransport({ endpoint: url });
  const transport = new KillableTransport(inner);
  return { eddy: new Eddy({ transport, retry: { retries: 2, initialRetryTimeMs: 10, maxRetryTimeMs: 50 } }), transport };
}

describe.each(TRANSPORTS)('group rebalance and crash over %s', (kind) => {
  it(
    'the survivor processes everything the killed member left uncommitted; committed records are never processed twice',
    async () => {
      const topic = unique('sdk-crash');
      const group = unique('sdk-crash-g');
      const admin = client(kind, host.url);
      await admin.createTopic({ name: topic, partitions: PARTITIONS });
      const producer = admin.producer();
      const produce = async (from: number, to: number): Promise<void> => {
        for (let p = 0; p < PARTITIONS; p++) {
          await producer.send({ topic, messages: Array.from({ length: to - from }, (_, i) => ({ value: `${p}:${from + i}`, partition: p })) });
        }
      };
      await produce(0, PER_PARTITION / 2);

      const processedBy = { a: [] as string[], b: [] as string[] };
      const committedByA = new Map<number, number>();
      const a = killableClient(kind, host.url);
      let killed = false;
      let releaseA!: () => void;
      const aHang = new Promise<void>((r) => (releaseA = r));
      let crashAfter = Infinity;
      const options = { groupId: group, sessionTimeoutMs: SESSION_TIMEOUT_MS, maxWaitTimeMs: 500, maxRecordsPerFetch: 20 };
      const consumerA = a.eddy.consumer(options);
      const consumerB = client(kind, host.url).consumer(options);
      const started: Consumer[] = [];
      consumerA.on('commit', ({ offsets }) => {
        if (!killed) for (const o of offsets) committedByA.set(o.partition, o.offset);
      });
      const slow = (): Promise<void> => new Promise((r) => setTimeout(r, 5));

      try {
        await consumerA.subscribe({ topics: [topic], fromBeginning: true });
        await consumerA.run({
          autoCommitInterval: 100,
          eachMessage: async ({ message }) => {
            if (killed) return aHang; // a dead process processes nothing more
            if (processedBy.a.length >= crashAfter) {
              // Crash mid-batch: the process dies while handling this message.
              killed = true;
              a.transport.kill();
              return aHang;
            }
            await slow();
            processedBy.a.push(message.value.toString());
          },
        });
        started.push(consumerA);
        await waitFor(() => processedBy.a.length >= 50, 30_000, 'A to make progress alone');

        // Normal path: B joins; partitions move cooperatively while A keeps processing.
        await consumerB.subscribe({ topics: [topic], fromBeginning: true });
        await consumerB.run({
          autoCommitInterval: 100,
          eachMessage: async ({ message }) => {
            await slow();
            processedBy.b.push(message.value.toString());
          },
        });
        started.push(consumerB);
        await waitFor(() => consumerB.assignment().length > 0 && consumerA.assignment()[0]!.partitions.length < PARTITIONS, 30_000, 'the rebalance');
        const normalPathDuplicates = processedBy.b.filter((v) => processedBy.a.includes(v));
        expect(normalPathDuplicates).toEqual([]);

        // Crash A in the middle of its next batch, with more records to come.
        const aPartitions = consumerA.assignment()[0]!.partitions;
        crashAfter = processedBy.a.length + 5;
        await produce(PER_PARTITION / 2, PER_PARTITION);
        await producer.disconnect();
        await waitFor(() => killed, 30_000, 'A to crash');
        // Give A's last in-flight commit time to land before reading what it committed.
        await new Promise((r) => setTimeout(r, 300));
        const serverCommitted = new Map((await admin.fetchOffsets({ group, topic })).offsets.map((o) => [o.partition, o.offset]));
        for (const p of aPartitions) expect(serverCommitted.get(p) ?? 0).toBeGreaterThanOrEqual(committedByA.get(p) ?? 0);

        // The survivor ends up with every partition and processes everything.
        const all = Array.from({ length: PARTITIONS }, (_, p) => Array.from({ length: PER_PARTITION }, (_, i) => `${p}:${i}`)).flat();
        await waitFor(() => all.every((v) => processedBy.a.includes(v) || processedBy.b.includes(v)), 60_000, 'every record processed');
        expect(consumerB.assignment()[0]!.partitions).toHaveLength(PARTITIONS);

        // B processed every record A had not committed, and nothing A had committed.
        for (const p of aPartitions) {
          const committed = serverCommitted.get(p) ?? 0;
          const uncommitted = Array.from({ length: PER_PARTITION - committed }, (_, i) => `${p}:${committed + i}`);
          expect(uncommitted.filter((v) => !processedBy.b.includes(v))).toEqual([]);
          const reprocessedCommitted = processedBy.b.filter((v) => v.startsWith(`${p}:`) && Number(v.split(':')[1]) < committed);
          expect(reprocessedCommitted).toEqual([]);
        }
        // The only records processed twice are ones A processed but had not committed when it died.
        const twice = processedBy.b.filter((v) => processedBy.a.includes(v));
        for (const v of twice) {
          const [p, i] = v.split(':').map(Number) as [number, number];
          expect(aPartitions).toContain(p);
          expect(i).toBeGreaterThanOrEqual(serverCommitted.get(p) ?? 0);
        }
        // Per partition, B processed in offset order.
        for (let p = 0; p < PARTITIONS; p++) {
          const seq = processedBy.b.filter((v) => v.startsWith(`${p}:`)).map((v) => Number(v.split(':')[1]));
          expect(seq).toEqual([...seq].sort((x, y) => x - y));
        }
      } finally {
        releaseA();
        await Promise.all(started.map((c) => c.disconnect()));
      }
      // The survivor committed everything when it left.
      const final = await admin.fetchOffsets({ group, topic });
      expect(final.offsets.map((o) => o.offset)).toEqual(Array.from({ length: PARTITIONS }, () => PER_PARTITION));
    },
    120_000,
  );
});
