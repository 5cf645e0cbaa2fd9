/**
 * The Kafka protocol server: a stateless front door over core.
 *
 * ```ts
 * const server = await startKafkaServer({ core: eddy, host: '127.0.0.1', port: 9092 });
 * ```
 *
 * It keeps nothing but per-connection caches: any number of gateways against
 * the same tables and bucket serve any partition of any topic, and each one
 * tells its clients it is the cluster's only broker (node id 0), leader of
 * every partition and coordinator of every group.
 */
import { createServer, type Server, type Socket } from 'node:net';
import type { AddressInfo } from 'node:net';
import { Connection } from './connection.js';
import type { GatewaySettings, KafkaLogger } from './context.js';
import type { KafkaCore } from './core.js';
import { TopicIds } from './topic-ids.js';

/** Largest request frame accepted by default: 100 MiB, Kafka's `socket.request.max.bytes`. */
export const DEFAULT_MAX_FRAME_BYTES = 100 * 1024 * 1024;

/** Options of {@link startKafkaServer}. */
export interface KafkaServerOptions {
  /** Core: `createEddy(...)` or anything with its `log` and `groups`. */
  readonly core: KafkaCore;
  /** Address to listen on. @default "127.0.0.1" */
  readonly host?: string;
  /** Port; 0 picks a free one. @default 9092 */
  readonly port?: number;
  /** Host clients are told to connect to. @default the listening host */
  readonly advertisedHost?: string;
  /** Port clients are told to connect to. @default the listening port */
  readonly advertisedPort?: number;
  /** @default true */
  readonly autoCreateTopics?: boolean;
  /** @default 1 */
  readonly defaultPartitions?: number;
  /** @default 20000 */
  readonly maxFetchWaitMs?: number;
  /** @default 100 MiB */
  readonly maxFrameBytes?: number;
  /** @default a logger that writes nothing */
  readonly log?: KafkaLogger;
}

/** A running Kafka server. */
export interface KafkaServer {
  /** The listening port. */
  readonly port: number;
  /** What Metadata tells clients. */
  readonly settings: GatewaySettings;
  /** Stops accepting, lets each connection finish the request it is handling, closes them. */
  close(): Promise<void>;
}

const SILENT: KafkaLogger = { info: () => undefined, warn: () => undefined, error: () => undefined };

/** Starts a Kafka protocol server. */
export async function startKafkaServer(options: KafkaServerOptions): Promise<KafkaServer> {
  const host = options.host ?? '127.0.0.1';
  const log = options.log ?? SILENT;
  const connections = new Set<Connection>();
  const topicIds = new TopicIds();
  const server: Server = createServer((socket: Socket) => {
    const connection = new Connection(socket, { core: options.core, settings, log, maxFrameBytes: options.maxFrameBytes ?? DEFAULT_MAX_FRAME_BYTES, topicIds });
    connections.add(connection);
    socket.once('close', () => connections.delete(connection));
  });
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(options.port ?? 9092, host, () => {
      server.off('error', reject);
      resolve();
    });
  });
  server.on('error', (err) => log.error('kafka: server error', { error: String(err) }));
  const port = (server.address() as AddressInfo).port;
  const settings: GatewaySettings = {
    advertisedHost: options.advertisedHost ?? host,
    advertisedPort: options.advertisedPort ?? port,
    nodeId: 0,
    clusterId: 'eddy',
    autoCreateTopics: options.autoCreateTopics ?? true,
    defaultPartitions: options.defaultPartitions ?? 1,
    maxFetchWaitMs: options.maxFetchWaitMs ?? 20_000,
  };
  return {
    port,
    settings,
    async close() {
      const closed = new Promise<void>((resolve) => server.close(() => resolve()));
      await Promise.all([...connections].map((c) => c.drain()));
      await closed;
    },
  };
}
