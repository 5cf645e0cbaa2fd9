/**
 * The Kafka admin APIs with real clients: DescribeConfigs, AlterConfigs and
 * IncrementalAlterConfigs for the topic configs Eddy has (kafkajs,
 * kafka-python, @platformatic/kafka), and ListGroups, DescribeGroups and
 * DeleteGroups (kafkajs, kafka-python). Each change shows through Eddy's HTTP
 * API too; bad input gets Kafka's error code and changes nothing.
 */
import { existsSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { Admin } from '@platformatic/kafka';
import { Kafka, logLevel, type Consumer } from 'kafkajs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { call, eventually, kafkaHost, run, unique, type KafkaHost } from './helpers.js';

const ADMIN_PY = fileURLToPath(new URL('./fixtures/admin.py', import.meta.url));
/** Debian's python3 has python3-kafka; a pyenv shim earlier on PATH does not. */
const PYTHON = existsSync('/usr/bin/python3') ? '/usr/bin/python3' : 'python3';
/** Kafka's config resource type of a topic. */
const TOPIC = 2;

let host: KafkaHost;
let kafka: Kafka;
beforeAll(async () => {
  host = await kafkaHost();
  kafka = new Kafka({ clientId: 'admin-test', brokers: [host.broker], logLevel: logLevel.NOTHING, retry: { retries: 2, initialRetryTime: 100 } });
});
afterAll(() => host?.stop());

/** Runs one kafka-python admin command and returns its JSON answer. */
async function python<T>(command: string, ...args: string[]): Promise<T> {
  const r = await run(PYTHON, [ADMIN_PY, host.broker, command, ...args], { timeoutMs: 60_000 });
  if (r.code !== 0) throw new Error(`admin.py ${command} exited ${r.code}: ${r.stderr}`);
  return JSON.parse(r.stdout) as T;
}

/** The topic's config as Eddy's HTTP API describes it. */
async function httpConfig(topic: string): Promise<Record<string, unknown>> {
  const res = await call(host.url, 'GET', `/v1/topics/${topic}/description`);
  expect(res.status).toBe(200);
  return (res.body as { config: Record<string, unknown> }).config;
}

/** The four configs as kafkajs's DescribeConfigs shows them. */
async function kafkajsConfigs(topic: string): Promise<Record<string, string>> {
  const admin = kafka.admin();
  await admin.connect();
  try {
    const described = await admin.describeConfigs({ resources: [{ type: TOPIC, name: topic }], includeSynonyms: false });
    const resource = described.resources[0]!;
    expect(resource.errorCode).toBe(0);
    return Object.fromEntries(resource.configEntries.map((c) => [c.configName, c.configValue]));
  } finally {
    await admin.disconnect();
  }
}

async function newTopic(): Promise<string> {
  const topic = unique('cfg');
  await host.runtime.eddy.log.createTopic({ name: topic, partitions: 1 });
  return topic;
}

describe('topic configs', () => {
  it('kafkajs describes and alters retention.ms, retention.bytes, max.message.bytes and cleanup.policy', async () => {
    const topic = await newTopic();
    const before = await kafkajsConfigs(topic);
    expect(Object.keys(before).sort()).toEqual(['cleanup.policy', 'max.message.bytes', 'retention.bytes', 'retention.ms']);
    expect(before['cleanup.policy']).toBe('delete');

    const admin = kafka.admin();
    await admin.connect();
    try {
      await admin.alterConfigs({
        validateOnly: false,
        resources: [
          {
            type: TOPIC,
            name: topic,
            configEntries: [
              { name: 'retention.ms', value: '7200000' },
              { name: 'retention.bytes', value: '1048576000' },
              { name: 'max.message.bytes', value: '524288' },
              { name: 'cleanup.policy', value: 'delete' },
            ],
          },
        ],
      });
      const after = await kafkajsConfigs(topic);
      expect(after).toMatchObject({ 'retention.ms': '7200000', 'retention.bytes': '1048576000', 'max.message.bytes': '524288', 'cleanup.policy': 'delete' });
      expect(await httpConfig(topic)).toMatchObject({ retentionMs: 7_200_000, retentionBytes: 1_048_576_000, maxMessageBytes: 524_288 });

      // Bad input: Kafka's INVALID_CONFIG, and the topic keeps its config.
      const bad = [
        [{ name: 'no.such.config', value: '1' }],
        [{ name: 'retention.ms', value: 'soon' }],
        [{ name: 'max.message.bytes', value: '-5' }],
        [{ name: 'cleanup.policy', value: 'compact' }],
        [
          { name: 'retention.ms', value: '1000' },
          { name: 'no.such.config', value: '1' },
        ],
      ];
      for (const configEntries of bad) {
        await expect(admin.alterConfigs({ validateOnly: false, resources: [{ type: TOPIC, name: topic, configEntries }] }), JSON.stringify(configEntries)).rejects.toMatchObject({ type: 'INVALID_CONFIG' });
      }
      await expect(admin.alterConfigs({ validateOnly: false, resources: [{ type: TOPIC, name: unique('missing'), configEntries: [{ name: 'retention.ms', value: '1000' }] }] })).rejects.toMatchObject({
        type: 'UNKNOWN_TOPIC_OR_PARTITION',
      });
      expect(await kafkajsConfigs(topic)).toEqual(after);
      expect(await httpConfig(topic)).toMatchObject({ retentionMs: 7_200_000, retentionBytes: 1_048_576_000, maxMessageBytes: 524_288 });

      // validateOnly checks and writes nothing.
      await admin.alterConfigs({ validateOnly: true, resources: [{ type: TOPIC, name: topic, configEntries: [{ name: 'retention.ms', value: '60000' }] }] });
      expect((await httpConfig(topic)).retentionMs).toBe(7_200_000);

      // AlterConfigs replaces the whole set: what it does not name goes back to its default.
      await admin.alterConfigs({ validateOnly: false, resources: [{ type: TOPIC, name: topic, configEntries: [{ name: 'retention.ms', value: '60000' }] }] });
      expect(await kafkajsConfigs(topic)).toEqual({ ...before, 'retention.ms': '60000' });
    } finally {
      await admin.disconnect();
    }
  });

  it('@platformatic/kafka alters configs incrementally (SET, DELETE)', async () => {
    const topic = await newTopic();
    const defaults = await kafkajsConfigs(topic);
    const admin = new Admin({ clientId: 'plt-admin', bootstrapBrokers: [host.broker] });
    try {
      await admin.incrementalAlterConfigs({
        resources: [
          {
            resourceType: TOPIC,
            resourceName: topic,
            configs: [
              { name: 'retention.ms', configOperation: 0, value: '3600000' },
              { name: 'retention.bytes', configOperation: 0, value: '2000000' },
              { name: 'cleanup.policy', configOperation: 0, value: 'delete' },
            ],
          },
        ],
      });
      // SET changes only what it names.
      await admin.incrementalAlterConfigs({ resources: [{ resourceType: TOPIC, resourceName: topic, configs: [{ name: 'max.message.bytes', configOperation: 0, value: '100000' }] }] });
      const described = await admin.describeConfigs({ resources: [{ resourceType: TOPIC, resourceName: topic, configurationKeys: [] }] });
      const configs = Object.fromEntries(described[0]!.configs.map((c) => [c.name, c.value]));
      expect(configs).toMatchObject({ 'retention.ms': '3600000', 'retention.bytes': '2000000', 'max.message.bytes': '100000', 'cleanup.policy': 'delete' });
      expect(await httpConfig(topic)).toMatchObject({ retentionMs: 3_600_000, retentionBytes: 2_000_000, maxMessageBytes: 100_000 });

      // Bad input: INVALID_CONFIG (40), nothing changes.
      const bad = [
        [{ name: 'no.such.config', configOperation: 0 as const, value: '1' }],
        [{ name: 'retention.bytes', configOperation: 0 as const, value: '1.5' }],
        [{ name: 'cleanup.policy', configOperation: 0 as const, value: 'compact' }],
        [{ name: 'cleanup.policy', configOperation: 2 as const, value: 'compact' }],
        [
          { name: 'retention.ms', configOperation: 0 as const, value: '5' },
          { name: 'max.message.bytes', configOperation: 0 as const, value: 'big' },
        ],
      ];
      for (const configs of bad) {
        const err = await admin.incrementalAlterConfigs({ resources: [{ resourceType: TOPIC, resourceName: topic, configs }] }).then(
          () => undefined,
          (e: unknown) => e,
        );
        expect(errorCodes(err), JSON.stringify(configs)).toContain(40);
      }
      expect(await httpConfig(topic)).toMatchObject({ retentionMs: 3_600_000, retentionBytes: 2_000_000, maxMessageBytes: 100_000 });

      // DELETE puts one config back to its default.
      await admin.incrementalAlterConfigs({ resources: [{ resourceType: TOPIC, resourceName: topic, configs: [{ name: 'retention.ms', configOperation: 1 }] }] });
      expect(await kafkajsConfigs(topic)).toMatchObject({ 'retention.ms': defaults['retention.ms'], 'retention.bytes': '2000000', 'max.message.bytes': '100000' });
    } finally {
      await admin.close();
    }
  });

  it('kafka-python describes and alters configs', { timeout: 90_000 }, async () => {
    const topic = await newTopic();
    type Described = Array<{ error_code: number; name: string; configs: Record<string, string> }>;
    type Altered = Array<{ error_code: number; error_message: string | null; name: string }>;
    const [before] = await python<Described>('describe_configs', topic);
    expect(before).toMatchObject({ error_code: 0, name: topic });
    expect(before!.configs['cleanup.policy']).toBe('delete');

    const altered = await python<Altered>('alter_configs', topic, JSON.stringify({ 'retention.ms': '900000', 'retention.bytes': '123456789', 'max.message.bytes': '65536', 'cleanup.policy': 'delete' }));
    expect(altered).toEqual([{ error_code: 0, error_message: null, name: topic }]);
    const [after] = await python<Described>('describe_configs', topic);
    expect(after!.configs).toMatchObject({ 'retention.ms': '900000', 'retention.bytes': '123456789', 'max.message.bytes': '65536', 'cleanup.policy': 'delete' });
    expect(await httpConfig(topic)).toMatchObject({ retentionMs: 900_000, retentionBytes: 123_456_789, maxMessageBytes: 65_536 });

    for (const configs of [{ 'no.such.config': '1' }, { 'retention.ms': 'later' }, { 'cleanup.policy': 'compact' }]) {
      const [refused] = await python<Altered>('alter_configs', topic, JSON.stringify(configs));
      expect(refused!.error_code, JSON.stringify(configs)).toBe(40);
      expect(refused!.error_message).toBeTruthy();
    }
    expect(await httpConfig(topic)).toMatchObject({ retentionMs: 900_000, retentionBytes: 123_456_789, maxMessageBytes: 65_536 });
  });
});

/** Kafka error codes anywhere in a @platformatic/kafka error (it nests the response's errors). */
function errorCodes(err: unknown): number[] {
  const codes: number[] = [];
  const seen = new Set<unknown>();
  const walk = (v: unknown): void => {
    if (v === null || typeof v !== 'object' || seen.has(v)) return;
    seen.add(v);
    for (const [k, x] of Object.entries(v as Record<string, unknown>)) {
      if (k === 'errorCode' && typeof x === 'number' && x !== 0) codes.push(x);
      else walk(x);
    }
    if (v instanceof Error) {
      walk((v as Error & { errors?: unknown }).errors);
      walk(v.cause);
    }
  };
  walk(err);
  return codes;
}

describe('consumer groups', () => {
  const consumers: Consumer[] = [];
  afterAll(async () => {
    await Promise.all(consumers.map((c) => c.disconnect().catch(() => undefined)));
  });

  /** A kafkajs group member that has joined and committed an offset. */
  async function liveMember(group: string, topic: string): Promise<Consumer> {
    const consumer = new Kafka({ clientId: 'admin-test', brokers: [host.broker], logLevel: logLevel.NOTHING }).consumer({
      groupId: group,
      heartbeatInterval: 300,
      sessionTimeout: 10_000,
      maxWaitTimeInMs: 300,
    });
    consumers.push(consumer);
    let joined = false;
    let consumed = 0;
    consumer.on(consumer.events.GROUP_JOIN, () => (joined = true));
    await consumer.connect();
    await consumer.subscribe({ topic, fromBeginning: true });
    await consumer.run({ autoCommitInterval: 100, eachMessage: async () => void consumed++ });
    await eventually(() => (joined && consumed > 0 ? true : undefined), 30_000, `${group} to join and consume`);
    return consumer;
  }

  it('lists, describes and deletes groups (kafkajs, kafka-python); a group with live members is not deleted', { timeout: 120_000 }, async () => {
    const topic = unique('grp-t');
    await host.runtime.eddy.log.createTopic({ name: topic, partitions: 2 });
    const producer = kafka.producer();
    await producer.connect();
    await producer.send({ topic, messages: [{ key: 'a', value: '1' }, { key: 'b', value: '2' }] });
    await producer.disconnect();

    const group = unique('grp');
    const consumer = await liveMember(group, topic);
    const admin = kafka.admin();
    await admin.connect();
    try {
      // ListGroups
      expect((await admin.listGroups()).groups).toContainEqual({ groupId: group, protocolType: 'consumer' });
      type Listed = Array<{ group: string; protocol_type: string }>;
      expect(await python<Listed>('list_consumer_groups')).toContainEqual({ group, protocol_type: 'consumer' });

      // DescribeGroups: one member, holding both partitions.
      const { groups } = await admin.describeGroups([group]);
      expect(groups).toHaveLength(1);
      expect(groups[0]).toMatchObject({ groupId: group, errorCode: 0, state: 'Stable', protocolType: 'consumer' });
      expect(groups[0]!.members).toHaveLength(1);
      const memberId = groups[0]!.members[0]!.memberId;
      const http = await call(host.url, 'GET', `/v1/groups/${group}`);
      expect(http.status).toBe(200);
      expect(JSON.stringify(http.body)).toContain(memberId);
      type DescribedGroups = Array<{ group: string; error_code: number; state: string; protocol_type: string; members: string[] }>;
      expect(await python<DescribedGroups>('describe_consumer_groups', group)).toEqual([{ group, error_code: 0, state: 'Stable', protocol_type: 'consumer', members: [memberId] }]);

      // DeleteGroups while a member is live: NON_EMPTY_GROUP (68), nothing deleted.
      await expect(admin.deleteGroups([group])).rejects.toMatchObject({ name: 'KafkaJSDeleteGroupsError', groups: [expect.objectContaining({ groupId: group, errorCode: 68 })] });
      type Deleted = Array<{ group: string; error: string }>;
      expect(await python<Deleted>('delete_consumer_groups', group)).toEqual([{ group, error: 'NonEmptyGroupError' }]);
      expect((await call(host.url, 'GET', `/v1/groups/${group}`)).status).toBe(200);
      const offsets = await call(host.url, 'GET', `/v1/groups/${group}/offsets`);
      expect(offsets.status).toBe(200);
      expect(JSON.stringify(offsets.body)).toContain(topic);

      // Once the member has left, the group is Empty and deleting it removes its state and offsets.
      await consumer.disconnect();
      await eventually(async () => ((await admin.describeGroups([group])).groups[0]!.state === 'Empty' ? true : undefined), 20_000, `${group} to be empty`);
      expect(await admin.deleteGroups([group])).toEqual([{ groupId: group, errorCode: 0 }]);
      expect((await call(host.url, 'GET', `/v1/groups/${group}`)).status).toBe(404);
      expect((await admin.listGroups()).groups.map((g) => g.groupId)).not.toContain(group);
      expect((await call(host.url, 'GET', '/v1/groups')).body).not.toMatchObject({ groups: expect.arrayContaining([expect.objectContaining({ group })]) });
      expect((await admin.describeGroups([group])).groups[0]).toMatchObject({ groupId: group, state: 'Dead' });

      // Deleting a group that does not exist: GROUP_ID_NOT_FOUND (69).
      await expect(admin.deleteGroups([group])).rejects.toMatchObject({ groups: [expect.objectContaining({ groupId: group, errorCode: 69 })] });
    } finally {
      await admin.disconnect();
    }
  });

  it('kafka-python deletes an empty group', { timeout: 90_000 }, async () => {
    const topic = unique('grp-t');
    await host.runtime.eddy.log.createTopic({ name: topic, partitions: 1 });
    const producer = kafka.producer();
    await producer.connect();
    await producer.send({ topic, messages: [{ value: 'x' }] });
    await producer.disconnect();
    const group = unique('grp-py');
    const consumer = await liveMember(group, topic);
    await consumer.disconnect();
    type Deleted = Array<{ group: string; error: string }>;
    expect(await python<Deleted>('delete_consumer_groups', group)).toEqual([{ group, error: 'NoError' }]);
    expect((await call(host.url, 'GET', `/v1/groups/${group}`)).status).toBe(404);
    expect(await python<Deleted>('delete_consumer_groups', group)).toEqual([{ group, error: 'GroupIdNotFoundError' }]);
  });
});
