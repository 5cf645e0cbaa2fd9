/**
 * A user's journey through the SDK, endpoint-agnostic: against the local host
 * by default, or against a deployment when EDDY_ENDPOINT is set
 * (`localstack/e2e.sh`, or a real stack: `EDDY_ENDPOINT=https://… npm run test:e2e`;
 * the SDK signs with the standard AWS credential chain).
 */
import { Eddy } from '@eddy/sdk';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { testHost, unique } from '../../helpers/host.js';

let eddy: Eddy;
let cleanup: () => Promise<void> = async () => undefined;

beforeAll(async () => {
  const remote = process.env.EDDY_ENDPOINT;
  if (remote) {
    eddy = new Eddy({ endpoint: remote });
  } else {
    const host = await testHost();
    eddy = new Eddy({ endpoint: host.url });
    cleanup = () => host.cleanup();
  }
}, 120_000);
afterAll(async () => {
  await eddy?.close();
  await cleanup();
});

describe('journey: topic → keyed JSON events → consumer group → lag → cleanup', () => {
  it('delivers every event once, in per-key order, and reports zero lag after commit', async () => {
    const topic = unique('journey');
    const groupId = unique('journey-group');
    await eddy.createTopic({ name: topic, partitions: 3 });
    const producer = eddy.producer({ lingerMs: 5 });
    const users = ['u1', 'u2', 'u3', 'u4', 'u5'];
    const sent = await Promise.all(
      Array.from({ length: 60 }, (_, i) =>
        producer.send({ topic, messages: [{ key: users[i % users.length]!, value: JSON.stringify({ event: 'user_registered', user: users[i % users.length], seq: i }) }] }),
      ),
    );
    await producer.disconnect();
    expect(sent.flat()).toHaveLength(60);

    const consumer = eddy.consumer({ groupId });
    await consumer.connect();
    await consumer.subscribe({ topics: [topic], fromBeginning: true });
    const seen: Array<{ user: string; seq: number }> = [];
    const done = new Promise<void>((resolve) => {
      void consumer.run({
        eachMessage: async ({ message }) => {
          seen.push(JSON.parse(Buffer.from(message.value!).toString('utf8')) as { user: string; seq: number });
          if (seen.length === 60) resolve();
        },
      });
    });
    await done;
    await consumer.disconnect();

    expect(seen).toHaveLength(60);
    for (const u of users) {
      const seqs = seen.filter((e) => e.user === u).map((e) => e.seq);
      expect(seqs).toEqual([...seqs].sort((a, b) => a - b));
    }
    const offsets = await eddy.fetchOffsets({ group: groupId });
    expect(offsets.offsets.reduce((n, o) => n + o.lag, 0)).toBe(0);
    await eddy.deleteGroup({ group: groupId });
    await eddy.deleteTopic({ topic });
  }, 120_000);
});
