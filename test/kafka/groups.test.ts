/**
 * Consumer groups over the Kafka protocol with kafkajs (an eager client):
 * Eddy assigns, members split the partitions without ever sharing one, a
 * leaving member hands over, a restarted consumer resumes at its committed
 * offset, and the lag shows in `eddy groups describe`.
 */
import { Kafka, logLevel, type Consumer, type EachMessagePayload } from 'kafkajs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { parseTable, runCli } from '../cli/helpers.js';
import { eventually, kafkaHost, unique, type KafkaHost } from './helpers.js';

let host: KafkaHost;
let kafka: Kafka;
const consumers: Consumer[] = [];

beforeAll(async () => {
  host = await kafkaHost();
  kafka = new Kafka({ clientId: 'groups-test', brokers: [host.broker], logLevel: logLevel.NOTHING });
});
afterAll(async () => {
  await Promise.all(consumers.map((c) => c.disconnect().catch(() => undefined)));
  await host?.stop();
});

async function produce(topic: string, count: number, from = 0): Promise<void> {
  const producer = kafka.producer();
  await producer.connect();
  await producer.send({ topic, messages: Array.from({ length: count }, (_, i) => ({ key: `k${from + i}`, value: `v${from + i}` })) });
  await producer.disconnect();
}

/** A member whose assignment timeline is recorded; eager: it holds nothing from a rebalance's start to its join. */
interface Member {
  consumer: Consumer;
  held: number[];
  seen: Array<{ partition: number; offset: number; value: string }>;
}

/** Partitions currently held by two members at once, over every member: must stay empty. */
const overlaps: string[] = [];

async function member(group: string, topic: string, others: Member[]): Promise<Member> {
  // One Kafka instance per member, as in separate processes: kafkajs shares committed offsets between consumers of one instance.
  const client = new Kafka({ clientId: 'groups-test', brokers: [host.broker], logLevel: logLevel.NOTHING });
  const consumer = client.consumer({ groupId: group, heartbeatInterval: 300, sessionTimeout: 10_000, maxWaitTimeInMs: 300, retry: { retries: 10, initialRetryTime: 100 } });
  consumers.push(consumer);
  const m: Member = { consumer, held: [], seen: [] };
  consumer.on(consumer.events.REBALANCING, () => (m.held = []));
  // A stopping consumer stops fetching before it leaves the group.
  consumer.on(consumer.events.STOP, () => (m.held = []));
  consumer.on(consumer.events.GROUP_JOIN, (e) => {
    m.held = [...(e.payload.memberAssignment[topic] ?? [])];
    for (const o of others) for (const p of o.held) if (o !== m && m.held.includes(p)) overlaps.push(`partition ${p}`);
  });
  await consumer.connect();
  await consumer.subscribe({ topic, fromBeginning: true });
  await consumer.run({
    eachMessage: async ({ partition, message }: EachMessagePayload) => {
      m.seen.push({ partition, offset: Number(message.offset), value: message.value!.toString() });
    },
  });
  others.push(m);
  return m;
}

describe('consumer groups over Kafka (kafkajs)', () => {
  it('two members split the partitions, never sharing one; a leaving member hands its partitions over', { timeout: 60_000 }, async () => {
    const topic = unique('kg-split');
    const group = unique('kg');
    await host.runtime.eddy.log.createTopic({ name: topic, partitions: 4 });
    const members: Member[] = [];
    const a = await member(group, topic, members);
    await eventually(() => (a.held.length === 4 ? true : undefined), 20_000, 'the first member to get every partition');
    const b = await member(group, topic, members);
    await eventually(() => (a.held.length === 2 && b.held.length === 2 ? true : undefined), 30_000, 'the members to split the partitions');
    expect([...a.held, ...b.held].sort()).toEqual([0, 1, 2, 3]);
    const described = await host.runtime.eddy.groups.describeGroup(group);
    expect(described.members).toHaveLength(2);

    await produce(topic, 40);
    await eventually(() => (a.seen.length + b.seen.length === 40 ? true : undefined), 20_000, 'every record to be consumed');
    for (const r of a.seen) expect(a.held).toContain(r.partition);
    for (const r of b.seen) expect(b.held).toContain(r.partition);

    await b.consumer.disconnect();
    await eventually(() => (a.held.length === 4 ? true : undefined), 30_000, 'the remaining member to take over');
    await produce(topic, 20, 40);
    await eventually(() => (a.seen.length + b.seen.length === 60 ? true : undefined), 20_000, 'records after the hand-over');
    // Nothing read twice: the leaving member committed before it left, and the new owner started there.
    const values = [...a.seen, ...b.seen].map((r) => r.value);
    expect(new Set(values).size).toBe(60);
    expect(overlaps).toEqual([]);
  });

  it('a restarted consumer resumes at its committed offset, and the lag shows in `eddy groups describe`', { timeout: 90_000 }, async () => {
    const topic = unique('kg-resume');
    const group = unique('kg');
    await host.runtime.eddy.log.createTopic({ name: topic, partitions: 1 });
    await produce(topic, 10);
    const first = await member(group, topic, []);
    await eventually(() => (first.seen.length === 10 ? true : undefined), 20_000, 'the first ten records');
    await first.consumer.disconnect();
    expect((await host.runtime.eddy.groups.fetchOffsets(group)).offsets).toMatchObject([{ topic, partition: 0, offset: 10, lag: 0 }]);

    await produce(topic, 5, 10);
    const cli = await runCli(['groups', 'describe', group], { endpoint: host.url });
    expect(cli.code, cli.stderr).toBe(0);
    expect(parseTable(cli.stdout, 'TOPIC')).toEqual([{ TOPIC: topic, PARTITION: '0', 'CURRENT-OFFSET': '10', 'LOG-END-OFFSET': '15', LAG: '5', MEMBER: '-' }]);

    const second = await member(group, topic, []);
    await eventually(() => (second.seen.length === 5 ? true : undefined), 20_000, 'the five new records');
    expect(second.seen.map((r) => r.offset)).toEqual([10, 11, 12, 13, 14]);
    expect(second.seen.map((r) => r.value)).toEqual(['v10', 'v11', 'v12', 'v13', 'v14']);
  });
});
