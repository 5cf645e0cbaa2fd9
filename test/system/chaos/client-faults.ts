/**
 * Seeded faults between the SDK and the service: a wrapper around an SDK
 * {@link Transport}. Storage faults (storage-faults.ts) test how the handlers
 * cope with S3 and DynamoDB; these test how the SDK copes with the network
 * and with handlers that die or time out — the faults that make an
 * idempotent producer necessary at all:
 *
 * - `refused`: the request never leaves (`UNAVAILABLE`, nothing applied);
 * - `lost-response`: the request is processed, its answer is lost
 *   (`UNKNOWN_OUTCOME`, like a reset connection or an API Gateway 504);
 * - `timeout`: the caller gives up after a short while with `UNKNOWN_OUTCOME`
 *   while the request keeps running on the server (a zombie), so a retry can
 *   race the original.
 *
 * Decisions are keyed per client name and request kind
 * (`<client>:POST records`, …), so a seed fixes each client's schedule.
 */
import { EddyError, type Transport, type TransportRequest, type TransportRequestOptions, type TransportResponse } from '@eddy/sdk';
import { between, keyedRandom, StreamCounters } from './prng.js';

/** Probabilities per request. */
export interface ClientFaultRates {
  readonly refused: number;
  readonly lostResponse: number;
  readonly timeout: number;
  /** How long a timed-out request is waited for before giving up, in ms. */
  readonly timeoutMs: readonly [number, number];
}

/** The default profile. */
export const DEFAULT_CLIENT_RATES: ClientFaultRates = { refused: 0.02, lostResponse: 0.03, timeout: 0.02, timeoutMs: [1, 60] };

/** Kinds of client faults. */
export type ClientFaultKind = 'refused' | 'lost-response' | 'timeout';

/** Counters of client faults. */
export interface ClientFaultStats {
  readonly requests: number;
  readonly byKind: Record<ClientFaultKind, number>;
}

/** The kind of an API request, for stream names: method plus the route's last literal segment. */
function requestKind(req: TransportRequest): string {
  const segments = req.path.split('/').filter((s) => s !== '' && s !== 'v1');
  const literal = [...segments].reverse().find((s) => ['records', 'offsets', 'heartbeat', 'reset', 'topics', 'groups'].includes(s)) ?? 'other';
  return `${req.method} ${literal}`;
}

/** Client-side fault injection; one instance per run, one wrapped transport per client. */
export class ClientFaults {
  /** Whether faults are injected now. */
  enabled = true;
  private readonly counters = new StreamCounters();
  private requests = 0;
  private readonly byKind: Record<ClientFaultKind, number> = { refused: 0, 'lost-response': 0, timeout: 0 };
  private readonly zombies = new Set<Promise<unknown>>();

  /**
   * @param seed - fixes the schedule.
   * @param rates - fault probabilities.
   * @param only - restricts faults to requests this returns true for. @default every request
   */
  constructor(
    readonly seed: number,
    public rates: ClientFaultRates = DEFAULT_CLIENT_RATES,
    private readonly only: (req: TransportRequest) => boolean = () => true,
  ) {}

  /** Counters so far. */
  stats(): ClientFaultStats {
    return { requests: this.requests, byKind: { ...this.byKind } };
  }

  /** Waits for requests abandoned by `timeout` faults to finish on the server. */
  async settle(): Promise<void> {
    while (this.zombies.size > 0) await Promise.allSettled([...this.zombies]);
  }

  /** Wraps `inner` for the client called `name`. */
  wrap(inner: Transport, name: string): KillableTransport {
    return new KillableTransport(inner, (req, options) => this.request(inner, name, req, options));
  }

  private async request(inner: Transport, name: string, req: TransportRequest, options: TransportRequestOptions): Promise<TransportResponse> {
    if (!this.enabled || !this.only(req)) return inner.request(req, options);
    this.requests++;
    const stream = `${name}:${requestKind(req)}`;
    const n = this.counters.next(stream);
    const random = keyedRandom(this.seed, stream, n);
    const u = random();
    const { refused, lostResponse, timeout } = this.rates;
    if (u < refused) {
      this.byKind.refused++;
      throw new EddyError('UNAVAILABLE', `${req.method} ${req.path}: not sent (chaos: connection refused)`);
    }
    if (u < refused + lostResponse) {
      this.byKind['lost-response']++;
      await inner.request(req, options).catch(() => undefined);
      throw new EddyError('UNKNOWN_OUTCOME', `${req.method} ${req.path}: connection failed after sending, outcome unknown (chaos: response lost)`);
    }
    if (u < refused + lostResponse + timeout) {
      this.byKind.timeout++;
      // The original keeps running (no signal: nobody cancels a Lambda that is already running).
      const zombie = inner.request(req, { timeoutMs: options.timeoutMs }).catch(() => undefined);
      this.zombies.add(zombie);
      void zombie.finally(() => this.zombies.delete(zombie));
      await new Promise((r) => setTimeout(r, between(random, this.rates.timeoutMs[0], this.rates.timeoutMs[1])));
      throw new EddyError('UNKNOWN_OUTCOME', `${req.method} ${req.path}: timed out after sending, outcome unknown (chaos: still running on the server)`);
    }
    return inner.request(req, options);
  }
}

/**
 * A transport with a kill switch: once killed, every request fails as a dead
 * process's would (nothing reaches the server). Used to crash a consumer
 * without letting it leave its group.
 */
export class KillableTransport implements Transport {
  private killed = false;

  constructor(
    private readonly inner: Transport,
    private readonly send: (req: TransportRequest, options: TransportRequestOptions) => Promise<TransportResponse>,
  ) {}

  /** Whether {@link kill} was called. */
  get dead(): boolean {
    return this.killed;
  }

  /** Stops all traffic from now on. */
  kill(): void {
    this.killed = true;
  }

  /** @inheritdoc */
  async request(req: TransportRequest, options: TransportRequestOptions): Promise<TransportResponse> {
    if (this.killed) throw new EddyError('UNAVAILABLE', `${req.method} ${req.path}: not sent (chaos: the process is dead)`);
    const res = await this.send(req, options);
    if (this.killed) throw new EddyError('UNKNOWN_OUTCOME', `${req.method} ${req.path}: the process died before reading the answer`);
    return res;
  }

  /** @inheritdoc */
  close(): void {
    this.inner.close?.();
  }
}
