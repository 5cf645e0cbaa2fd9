/**
 * Topic administration: CreateTopics, DeleteTopics, CreatePartitions and the
 * configuration APIs, for the topic configs Eddy has.
 */
import { EddyError } from '../../core/errors.js';
import { DEFAULT_TOPIC_CONFIG, type TopicConfig } from '../../core/model.js';
import { resolveTopicConfig, validatePartitionCount, validateTopicName } from '../../core/topics.js';
import { mapLimit } from '../../core/util.js';
import type { RequestContext } from '../context.js';
import { KAFKA_ERRORS, errorMessage, kafkaErrorCode } from '../errors.js';
import { topicUuid } from './util.js';

const E = KAFKA_ERRORS;
const ZERO_UUID = '00000000-0000-0000-0000-000000000000';

/** Kafka's config resource types. */
const RESOURCE = { TOPIC: 2, BROKER: 4 } as const;
/** Kafka's ConfigSource values. */
const SOURCE = { DYNAMIC_TOPIC_CONFIG: 1, DEFAULT_CONFIG: 5 } as const;
/** Kafka's ConfigType values. */
const TYPE = { STRING: 2, INT: 3, LONG: 5, LIST: 7 } as const;

/** The Kafka topic configs Eddy keeps, and the field of {@link TopicConfig} each one is. */
const NUMERIC: Record<string, { field: keyof TopicConfig; type: number }> = {
  'retention.ms': { field: 'retentionMs', type: TYPE.LONG },
  'retention.bytes': { field: 'retentionBytes', type: TYPE.LONG },
  'max.message.bytes': { field: 'maxMessageBytes', type: TYPE.INT },
};

/**
 * Configs applications commonly set that mean nothing without brokers, with
 * the one value Eddy's behaviour matches; accepted (and ignored) at that value.
 */
const IGNORED: Record<string, string | undefined> = {
  'min.insync.replicas': undefined,
  'unclean.leader.election.enable': undefined,
  'segment.bytes': undefined,
  'segment.ms': undefined,
  'compression.type': 'producer',
  'message.timestamp.type': 'CreateTime',
};

function invalidConfig(message: string): EddyError {
  return new EddyError('INVALID_REQUEST', message);
}

/** Turns Kafka config entries into a patch of Eddy's topic config; anything Eddy cannot honour is INVALID_CONFIG. */
export function configPatch(entries: ReadonlyArray<{ name: string; value: string | null }>): Partial<TopicConfig> {
  const patch: Record<string, number> = {};
  for (const { name, value } of entries) {
    const numeric = NUMERIC[name];
    if (numeric) {
      if (value === null) {
        patch[numeric.field] = DEFAULT_TOPIC_CONFIG[numeric.field];
        continue;
      }
      const n = Number(value);
      if (!/^-?\d+$/.test(value) || !Number.isSafeInteger(n)) throw invalidConfig(`${name}=${JSON.stringify(value)} is not an integer`);
      patch[numeric.field] = n;
    } else if (name === 'cleanup.policy') {
      if (value !== null && value !== 'delete') throw invalidConfig(`cleanup.policy=${JSON.stringify(value)} is not supported: Eddy deletes by retention only (no compaction yet)`);
    } else if (name in IGNORED) {
      const required = IGNORED[name];
      if (required !== undefined && value !== null && value !== required) throw invalidConfig(`${name}=${JSON.stringify(value)} is not supported (only ${required})`);
    } else {
      throw invalidConfig(`config ${name} is not supported by Eddy (supported: retention.ms, retention.bytes, max.message.bytes, cleanup.policy=delete)`);
    }
  }
  // Validate the values with core's own rules, so a bad one is refused before anything is written.
  resolveTopicConfig(patch as Partial<TopicConfig>);
  return patch as Partial<TopicConfig>;
}

/** A config API error: core's INVALID_REQUEST means a bad config value there. */
function configErrorCode(err: unknown): number {
  return err instanceof EddyError && err.code === 'INVALID_REQUEST' ? E.INVALID_CONFIG : kafkaErrorCode(err);
}

/** A topic's configs as Kafka describes them. */
function describeConfigEntries(config: TopicConfig) {
  const entries = Object.entries(NUMERIC).map(([name, { field, type }]) => {
    const isDefault = config[field] === DEFAULT_TOPIC_CONFIG[field];
    return { name, value: String(config[field]), isDefault, type };
  });
  entries.push({ name: 'cleanup.policy', value: 'delete', isDefault: true, type: TYPE.LIST });
  return entries;
}

// ---------------------------------------------------------------- CreateTopics

interface CreateTopicsRequest {
  topics: Array<{
    name: string;
    numPartitions: number;
    replicationFactor: number;
    assignments: Array<{ partitionIndex: number; brokerIds: number[] }>;
    configs: Array<{ name: string; value: string | null }>;
  }>;
  validateOnly?: boolean;
}

/**
 * CreateTopics. The replication factor is accepted and ignored: S3 and
 * DynamoDB replicate every write, so a topic is as durable as it gets.
 */
export async function createTopics(req: CreateTopicsRequest, ctx: RequestContext): Promise<unknown> {
  const topics = await mapLimit(req.topics, 8, async (t) => {
    const partitions = t.assignments.length > 0 ? t.assignments.length : t.numPartitions === -1 ? ctx.settings.defaultPartitions : t.numPartitions;
    const result = (errorCode: number, message: string | null, topicId = ZERO_UUID, config?: TopicConfig) => ({
      name: t.name,
      topicId,
      errorCode,
      errorMessage: message,
      topicConfigErrorCode: 0,
      numPartitions: errorCode === E.NONE ? partitions : -1,
      replicationFactor: errorCode === E.NONE ? 1 : -1,
      configs: config
        ? describeConfigEntries(config).map((c) => ({ name: c.name, value: c.value, readOnly: false, configSource: c.isDefault ? SOURCE.DEFAULT_CONFIG : SOURCE.DYNAMIC_TOPIC_CONFIG, isSensitive: false }))
        : null,
    });
    try {
      if (t.replicationFactor === 0 || t.replicationFactor < -1) return result(E.INVALID_REPLICATION_FACTOR, `replication factor must be -1 or positive, got ${t.replicationFactor}`);
      validateTopicName(t.name);
      validatePartitionCount(partitions);
      let patch: Partial<TopicConfig>;
      try {
        patch = configPatch(t.configs);
      } catch (err) {
        return result(configErrorCode(err), errorMessage(err));
      }
      if (req.validateOnly) {
        const exists = await ctx.core.log.topic(t.name).then(
          () => true,
          (err: unknown) => {
            if (err instanceof EddyError && err.code === 'UNKNOWN_TOPIC_OR_PARTITION') return false;
            throw err;
          },
        );
        if (exists) return result(E.TOPIC_ALREADY_EXISTS, `topic ${t.name} already exists`);
        return result(E.NONE, null, ZERO_UUID, resolveTopicConfig(patch));
      }
      const created = await ctx.core.log.createTopic({ name: t.name, partitions, config: patch });
      return result(E.NONE, null, topicUuid(created.topicId), created.config);
    } catch (err) {
      return result(kafkaErrorCode(err), errorMessage(err));
    }
  });
  return { throttleTimeMs: 0, topics };
}

// ---------------------------------------------------------------- DeleteTopics

interface DeleteTopicsRequest {
  topicNames?: string[];
  topics?: Array<{ name: string | null; topicId: string }>;
}

async function nameOfTopicId(ctx: RequestContext, id: string): Promise<string | undefined> {
  return (await ctx.topicIds.resolve(ctx.core, id))?.name;
}

/** DeleteTopics, by name (all versions) or by topic id (v6). */
export async function deleteTopics(req: DeleteTopicsRequest, ctx: RequestContext): Promise<unknown> {
  const wanted = ctx.apiVersion >= 6 ? (req.topics ?? []) : (req.topicNames ?? []).map((name) => ({ name, topicId: ZERO_UUID }));
  const responses = await mapLimit(wanted, 8, async (w) => {
    const row = (name: string | null, topicId: string, errorCode: number, message: string | null = null) => ({ name, topicId, errorCode, errorMessage: message });
    try {
      const name = w.name ?? (await nameOfTopicId(ctx, w.topicId));
      if (name === undefined) return row(null, w.topicId, E.UNKNOWN_TOPIC_ID, `no topic has id ${w.topicId}`);
      const topic = await ctx.core.log.topic(name);
      await ctx.core.log.deleteTopic(name);
      return row(name, topicUuid(topic.topicId), E.NONE);
    } catch (err) {
      return row(w.name, w.topicId, kafkaErrorCode(err), errorMessage(err));
    }
  });
  return { throttleTimeMs: 0, responses };
}

// ---------------------------------------------------------------- CreatePartitions

interface CreatePartitionsRequest {
  topics: Array<{ name: string; count: number }>;
  validateOnly: boolean;
}

/** CreatePartitions: partitions only grow (Kafka refuses the same count too). */
export async function createPartitions(req: CreatePartitionsRequest, ctx: RequestContext): Promise<unknown> {
  const results = await mapLimit(req.topics, 8, async (t) => {
    try {
      const topic = await ctx.core.log.topic(t.name);
      if (t.count <= topic.partitions) {
        return { name: t.name, errorCode: E.INVALID_PARTITIONS, errorMessage: `topic ${t.name} has ${topic.partitions} partitions; the count may only grow, asked for ${t.count}` };
      }
      validatePartitionCount(t.count);
      if (!req.validateOnly) await ctx.core.log.alterTopic(t.name, { partitions: t.count });
      return { name: t.name, errorCode: E.NONE, errorMessage: null };
    } catch (err) {
      return { name: t.name, errorCode: kafkaErrorCode(err), errorMessage: errorMessage(err) };
    }
  });
  return { throttleTimeMs: 0, results };
}

// ---------------------------------------------------------------- DescribeConfigs

interface DescribeConfigsRequest {
  resources: Array<{ resourceType: number; resourceName: string; configurationKeys: string[] | null }>;
}

/** DescribeConfigs: a topic's retention and size limits; a broker has none to show. */
export async function describeConfigs(req: DescribeConfigsRequest, ctx: RequestContext): Promise<unknown> {
  const results = await mapLimit(req.resources, 8, async (r) => {
    const base = { resourceType: r.resourceType, resourceName: r.resourceName };
    if (r.resourceType === RESOURCE.BROKER) return { ...base, errorCode: E.NONE, errorMessage: null, configs: [] };
    if (r.resourceType !== RESOURCE.TOPIC) return { ...base, errorCode: E.INVALID_REQUEST, errorMessage: `resource type ${r.resourceType} is not supported (topics only)`, configs: [] };
    try {
      const topic = await ctx.core.log.topic(r.resourceName);
      // Null or empty names every config (Kafka's broker reads an empty list as "all", and @platformatic/kafka sends one).
      const keys = r.configurationKeys && r.configurationKeys.length > 0 ? new Set(r.configurationKeys) : undefined;
      const configs = describeConfigEntries(topic.config)
        .filter((c) => !keys || keys.has(c.name))
        .map((c) => ({
          name: c.name,
          value: c.value,
          readOnly: c.name === 'cleanup.policy',
          isDefault: c.isDefault,
          configSource: c.isDefault ? SOURCE.DEFAULT_CONFIG : SOURCE.DYNAMIC_TOPIC_CONFIG,
          isSensitive: false,
          synonyms: [],
          configType: c.type,
          documentation: null,
        }));
      return { ...base, errorCode: E.NONE, errorMessage: null, configs };
    } catch (err) {
      return { ...base, errorCode: kafkaErrorCode(err), errorMessage: errorMessage(err), configs: [] };
    }
  });
  return { throttleTimeMs: 0, results };
}

// ---------------------------------------------------------------- AlterConfigs / IncrementalAlterConfigs

interface AlterConfigsRequest {
  resources: Array<{ resourceType: number; resourceName: string; configs: Array<{ name: string; value: string | null; configOperation?: number }> }>;
  validateOnly: boolean;
}

/** Kafka's incremental operations. */
const OP = { SET: 0, DELETE: 1, APPEND: 2, SUBTRACT: 3 } as const;

async function alter(req: AlterConfigsRequest, ctx: RequestContext, incremental: boolean): Promise<unknown> {
  const responses = await mapLimit(req.resources, 8, async (r) => {
    const base = { resourceType: r.resourceType, resourceName: r.resourceName };
    if (r.resourceType !== RESOURCE.TOPIC) return { ...base, errorCode: E.INVALID_REQUEST, errorMessage: `resource type ${r.resourceType} is not supported (topics only)` };
    try {
      let entries: Array<{ name: string; value: string | null }>;
      if (incremental) {
        entries = r.configs.map((c) => {
          if (c.configOperation === OP.DELETE) return { name: c.name, value: null };
          if (c.configOperation !== OP.SET) throw invalidConfig(`operation ${c.configOperation} on ${c.name} is not supported (SET and DELETE only)`);
          return { name: c.name, value: c.value };
        });
      } else {
        // AlterConfigs replaces the whole set: every config not named goes back to its default.
        const named = new Set(r.configs.map((c) => c.name));
        entries = [...r.configs.map((c) => ({ name: c.name, value: c.value })), ...Object.keys(NUMERIC).filter((n) => !named.has(n)).map((name) => ({ name, value: null }))];
      }
      const patch = configPatch(entries);
      const topic = await ctx.core.log.topic(r.resourceName);
      resolveTopicConfig(patch, topic.config);
      if (!req.validateOnly) await ctx.core.log.alterTopic(r.resourceName, { config: patch });
      return { ...base, errorCode: E.NONE, errorMessage: null };
    } catch (err) {
      return { ...base, errorCode: configErrorCode(err), errorMessage: errorMessage(err) };
    }
  });
  return { throttleTimeMs: 0, responses };
}

/** AlterConfigs (replaces a topic's whole config). */
export function alterConfigs(req: AlterConfigsRequest, ctx: RequestContext): Promise<unknown> {
  return alter(req, ctx, false);
}

/** IncrementalAlterConfigs (SET and DELETE). */
export function incrementalAlterConfigs(req: AlterConfigsRequest, ctx: RequestContext): Promise<unknown> {
  return alter(req, ctx, true);
}
