/**
 * Seeded network faults between Kafka clients and Eddy's Kafka server: a TCP
 * proxy that, while enabled, cuts connections at random points.
 *
 * - `refused`: a chunk of requests from the client is dropped and the
 *   connection closed before it reaches the server (nothing applied);
 * - `lost-response`: a chunk of answers from the server is dropped and the
 *   connection closed: the server did the work, the client never hears of
 *   it — the fault that makes an idempotent producer's retry a duplicate
 *   unless the server deduplicates it.
 *
 * The Kafka server must advertise the proxy's port, so that clients reach
 * every broker address (Metadata, FindCoordinator) through it.
 */
import { createConnection, createServer, type Server, type Socket } from 'node:net';
import type { AddressInfo } from 'node:net';
import { mulberry32, type Random } from './prng.js';

/** Probabilities per chunk of bytes. */
export interface KafkaProxyRates {
  readonly refused: number;
  readonly lostResponse: number;
}

/** The chaos workload's default. */
export const DEFAULT_KAFKA_PROXY_RATES: KafkaProxyRates = { refused: 0.03, lostResponse: 0.05 };

/** Counters of the proxy. */
export interface KafkaProxyStats {
  readonly connections: number;
  readonly chunks: number;
  readonly byKind: { refused: number; 'lost-response': number };
  /** Lost responses on a connection whose last request was a Produce: retries an idempotent producer must not duplicate. */
  readonly lostProduceResponses: number;
}

/** A fault-injecting TCP proxy in front of a Kafka server. */
export class KafkaProxy {
  /** Whether faults are injected. */
  enabled = false;
  /** The server's port; set before clients connect. */
  target = 0;
  private readonly random: Random;
  private readonly server: Server;
  private readonly sockets = new Set<Socket>();
  private stats_ = { connections: 0, chunks: 0, byKind: { refused: 0, 'lost-response': 0 }, lostProduceResponses: 0 };

  private constructor(
    seed: number,
    readonly rates: KafkaProxyRates,
  ) {
    this.random = mulberry32(seed);
    this.server = createServer((client) => this.accept(client));
  }

  /** Starts a proxy on a free port of 127.0.0.1. */
  static async start(seed: number, rates: KafkaProxyRates = DEFAULT_KAFKA_PROXY_RATES): Promise<KafkaProxy> {
    const proxy = new KafkaProxy(seed, rates);
    await new Promise<void>((resolve) => proxy.server.listen(0, '127.0.0.1', resolve));
    return proxy;
  }

  /** The proxy's port. */
  get port(): number {
    return (this.server.address() as AddressInfo).port;
  }

  /** Counters so far. */
  stats(): KafkaProxyStats {
    return { ...this.stats_, byKind: { ...this.stats_.byKind } };
  }

  private accept(client: Socket): void {
    this.stats_.connections++;
    const upstream = createConnection({ host: '127.0.0.1', port: this.target });
    this.sockets.add(client).add(upstream);
    const cut = (): void => {
      client.destroy();
      upstream.destroy();
    };
    client.once('close', () => (this.sockets.delete(client), upstream.destroy()));
    upstream.once('close', () => (this.sockets.delete(upstream), client.destroy()));
    client.on('error', cut);
    upstream.on('error', cut);
    // The API key of the last request the client sent (frames: int32 size, int16 api key, ...).
    let lastApiKey = -1;
    let header = Buffer.alloc(0);
    let remaining = 0;
    const track = (chunk: Buffer): void => {
      let at = 0;
      while (at < chunk.length) {
        if (remaining > 0) {
          const n = Math.min(remaining, chunk.length - at);
          remaining -= n;
          at += n;
          continue;
        }
        const take = Math.min(6 - header.length, chunk.length - at);
        header = Buffer.concat([header, chunk.subarray(at, at + take)]);
        at += take;
        if (header.length < 6) return;
        remaining = header.readInt32BE(0) - 2;
        lastApiKey = header.readInt16BE(4);
        header = Buffer.alloc(0);
      }
    };
    const forward = (from: Socket, to: Socket, rate: () => number, kind: 'refused' | 'lost-response'): void => {
      from.on('data', (chunk: Buffer) => {
        this.stats_.chunks++;
        if (this.enabled && this.random() < rate()) {
          this.stats_.byKind[kind]++;
          if (kind === 'lost-response' && lastApiKey === 0) this.stats_.lostProduceResponses++;
          cut();
          return;
        }
        if (kind === 'refused') track(chunk);
        if (!to.write(chunk)) {
          from.pause();
          to.once('drain', () => from.resume());
        }
      });
    };
    forward(client, upstream, () => this.rates.refused, 'refused');
    forward(upstream, client, () => this.rates.lostResponse, 'lost-response');
  }

  /** Closes the proxy and every connection through it. */
  async close(): Promise<void> {
    for (const s of this.sockets) s.destroy();
    await new Promise<void>((resolve) => this.server.close(() => resolve()));
  }
}
