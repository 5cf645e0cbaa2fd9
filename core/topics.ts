/**
 * Topic rules: Kafka's name rules, partition bounds and per-topic config.
 */
import { EddyError } from './errors.js';
import { DEFAULT_TOPIC_CONFIG, type TopicConfig, type TopicRecord } from './model.js';
import type { MetadataStore } from './ports.js';

/** Most partitions a topic may have. */
export const MAX_PARTITIONS = 1000;
/**
 * Largest `maxMessageBytes` a topic may set: 8 MiB (the default stays 1 MiB).
 * What a path can carry is smaller for some: the Kafka protocol carries the
 * full 8 MiB; the HTTP API and direct Lambda invoke carry a request body of
 * at most 6 MiB and an answer of at most 5.5 MB, JSON with base64 bytes, so
 * records up to a little over 4 MiB can be produced and about 3.9 MiB fetched
 * there (docs/design.md §10, docs/kafka.md).
 */
export const MAX_MESSAGE_BYTES_LIMIT = 8 * 1024 * 1024;

const NAME = /^[a-zA-Z0-9._-]{1,249}$/;

/** Throws `INVALID_TOPIC` unless `name` is a legal Kafka topic name. */
export function validateTopicName(name: unknown): asserts name is string {
  if (typeof name !== 'string' || !NAME.test(name) || name === '.' || name === '..') {
    const shown = typeof name === 'string' ? JSON.stringify(name.length > 80 ? `${name.slice(0, 80)}…` : name) : String(name);
    throw new EddyError('INVALID_TOPIC', `invalid topic name ${shown}: use 1-249 characters of [a-zA-Z0-9._-], not "." or ".."`);
  }
}

/** Throws `INVALID_PARTITIONS` unless `n` is an integer in [1, 1000]. */
export function validatePartitionCount(n: unknown): asserts n is number {
  if (typeof n !== 'number' || !Number.isInteger(n) || n < 1 || n > MAX_PARTITIONS) {
    throw new EddyError('INVALID_PARTITIONS', `partitions must be an integer from 1 to ${MAX_PARTITIONS}, got ${String(n)}`);
  }
}

/** Merges a partial config over `base`, validating every field. */
export function resolveTopicConfig(patch: Partial<TopicConfig> | undefined, base: TopicConfig = DEFAULT_TOPIC_CONFIG): TopicConfig {
  const merged = { ...base, ...(patch ?? {}) };
  const check = (field: keyof TopicConfig, ok: (v: number) => boolean, rule: string): void => {
    const v = merged[field];
    if (typeof v !== 'number' || !Number.isSafeInteger(v) || !ok(v)) {
      throw new EddyError('INVALID_REQUEST', `config.${field} ${rule}, got ${JSON.stringify(v)}`);
    }
  };
  check('retentionMs', (v) => v === -1 || v >= 1, 'must be -1 (forever) or a positive integer of ms');
  check('retentionBytes', (v) => v === -1 || v >= 1, 'must be -1 (unlimited) or a positive integer of bytes');
  check('maxMessageBytes', (v) => v >= 1 && v <= MAX_MESSAGE_BYTES_LIMIT, `must be an integer from 1 to ${MAX_MESSAGE_BYTES_LIMIT}`);
  for (const key of Object.keys(patch ?? {})) {
    if (!(key in DEFAULT_TOPIC_CONFIG)) throw new EddyError('INVALID_REQUEST', `unknown config key ${JSON.stringify(key)}`);
  }
  return { retentionMs: merged.retentionMs, retentionBytes: merged.retentionBytes, maxMessageBytes: merged.maxMessageBytes };
}

/** Reads a topic by name or throws `UNKNOWN_TOPIC_OR_PARTITION` (`INVALID_TOPIC` for an illegal name). */
export async function getTopic(meta: MetadataStore, name: string): Promise<TopicRecord> {
  validateTopicName(name);
  const topic = await meta.getTopic(name);
  if (!topic) throw new EddyError('UNKNOWN_TOPIC_OR_PARTITION', `topic ${name} does not exist`);
  return topic;
}
