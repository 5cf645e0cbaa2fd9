/**
 * The Kafka server's settings from the environment (`EDDY_KAFKA_*`, named
 * in `ENV`), validated once: a bad value fails at start with its name.
 */
import { ENV } from '../core/config.js';
import { EddyError } from '../core/errors.js';
import { MAX_PARTITIONS } from '../core/topics.js';

type Env = Readonly<Record<string, string | undefined>>;

/** What the environment says about the Kafka server. */
export interface KafkaEnvSettings {
  /** Listening port; undefined when `EDDY_KAFKA_PORT` is 0 (off). */
  readonly port: number | undefined;
  readonly advertisedHost?: string;
  readonly advertisedPort?: number;
  readonly autoCreateTopics: boolean;
  readonly defaultPartitions: number;
}

function bad(name: string, raw: string, rule: string): EddyError {
  return new EddyError('INVALID_REQUEST', `setting ${name}=${JSON.stringify(raw)} ${rule}`);
}

function port(env: Env, name: string): number | undefined {
  const raw = env[name];
  if (raw === undefined || raw === '') return undefined;
  const n = Number(raw);
  if (!/^\d+$/.test(raw) || n > 65535) throw bad(name, raw, 'is not a port (0-65535)');
  return n;
}

/**
 * Reads the Kafka server's settings.
 * @param defaultPort - the port when `EDDY_KAFKA_PORT` is unset (9092 for the local host and `eddy gateway`).
 */
export function readKafkaSettings(env: Env, defaultPort = 9092): KafkaEnvSettings {
  const p = port(env, ENV.kafkaPort) ?? defaultPort;
  let advertisedHost = env[ENV.kafkaAdvertisedHost] || undefined;
  let advertisedPort = port(env, ENV.kafkaAdvertisedPort);
  const both = env[ENV.kafkaAdvertised];
  if (both) {
    const m = /^(.+):(\d+)$/.exec(both);
    if (!m || Number(m[2]) < 1 || Number(m[2]) > 65535) throw bad(ENV.kafkaAdvertised, both, 'must be host:port');
    advertisedHost = m[1]!.replace(/^\[(.*)\]$/, '$1');
    advertisedPort = Number(m[2]);
  }
  const auto = env[ENV.kafkaAutoCreateTopics] ?? 'true';
  if (auto !== 'true' && auto !== 'false') throw bad(ENV.kafkaAutoCreateTopics, auto, 'must be true or false');
  const partitionsRaw = env[ENV.kafkaDefaultPartitions] ?? '1';
  const defaultPartitions = Number(partitionsRaw);
  if (!/^\d+$/.test(partitionsRaw) || defaultPartitions < 1 || defaultPartitions > MAX_PARTITIONS) throw bad(ENV.kafkaDefaultPartitions, partitionsRaw, `must be an integer from 1 to ${MAX_PARTITIONS}`);
  return {
    port: p === 0 ? undefined : p,
    ...(advertisedHost ? { advertisedHost } : {}),
    ...(advertisedPort ? { advertisedPort } : {}),
    autoCreateTopics: auto === 'true',
    defaultPartitions,
  };
}
