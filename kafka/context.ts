/**
 * What every request handler runs with: core, the gateway's options, and the
 * connection it came in on.
 */
import type { KafkaCore } from './core.js';
import type { TopicIds } from './topic-ids.js';

/** A structured logger (the local host's and the Lambda handlers' shape). */
export interface KafkaLogger {
  info(msg: string, fields?: Record<string, unknown>): void;
  warn(msg: string, fields?: Record<string, unknown>): void;
  error(msg: string, fields?: Record<string, unknown>): void;
}

/** Settings of a gateway, validated once at start. */
export interface GatewaySettings {
  /** Host clients are told to connect to (Metadata, FindCoordinator). */
  readonly advertisedHost: string;
  /** Port clients are told to connect to. */
  readonly advertisedPort: number;
  /** The node id of the one broker every gateway claims to be. @default 0 */
  readonly nodeId: number;
  /** Returned in Metadata. @default "eddy" */
  readonly clusterId: string;
  /** Create a topic a Metadata request names when it does not exist (Kafka's `auto.create.topics.enable`). @default true */
  readonly autoCreateTopics: boolean;
  /** Partitions of an auto-created topic, and of CreateTopics asking for the default (Kafka's `num.partitions`). @default 1 */
  readonly defaultPartitions: number;
  /** Longest long poll of one Fetch, whatever the client asks. @default 20000 */
  readonly maxFetchWaitMs: number;
}

/** The member state a connection remembers between group requests (a cache: every gateway can rebuild it from core). */
export interface CachedMember {
  readonly topics: string[];
  readonly sessionTimeoutMs: number;
  /** The epoch and assignment of core's last answer to this member. */
  readonly epoch: number;
  readonly assignment: ReadonlyArray<{ topic: string; partitions: number[] }>;
  /** Joined with ConsumerGroupHeartbeat (KIP-848) rather than JoinGroup. */
  readonly consumerProtocol: boolean;
}

/** Per-connection state. */
export interface ConnectionState {
  readonly clientHost: string;
  clientId: string | null;
  /**
   * What the client said it is in ApiVersions v3+ (KIP-511, Kafka 2.4); unset
   * for older clients. Only such clients get empty batches in Fetch answers
   * (kafka/handlers/data.ts `emptyBatch`).
   */
  clientSoftware?: { readonly name: string; readonly version: string };
  /** Group members seen on this connection, by `group \0 memberId`. */
  readonly members: Map<string, CachedMember>;
}

/** Everything a handler gets. */
export interface RequestContext {
  readonly core: KafkaCore;
  readonly settings: GatewaySettings;
  readonly connection: ConnectionState;
  readonly log: KafkaLogger;
  readonly apiVersion: number;
  /** The gateway's topic id cache. */
  readonly topicIds: TopicIds;
}

/** Key of a member in {@link ConnectionState.members}. */
export function memberKey(group: string, memberId: string): string {
  return `${group}\u0000${memberId}`;
}
