/**
 * Adaptive linger: how long a producer lets records wait for others to share
 * their request, adjusted to the traffic.
 *
 * On AWS every produce request costs about the same whatever its size (an
 * API Gateway request, a Lambda invocation, an S3 PUT, index writes), so a
 * producer that sends many small requests pays many times over. The policy:
 * - after a request that was small (below {@link FILL_RATIO} of the batch
 *   limit) while more records had queued behind it (the partition kept
 *   receiving while one request was in flight: a trickle), the linger
 *   doubles, up to the cap;
 * - after a request that filled its batch, the linger resets to its minimum
 *   (more waiting would not make requests larger, only slower);
 * - after a small request with nothing queued behind it (the traffic
 *   stopped), the linger halves, down to the minimum.
 *
 * At a steady rate the linger settles where a request fills the batch limit
 * or at the cap: the cost model (`npm run bench -- --cost`, bench/cost.ts)
 * models exactly this from {@link AWS_PRODUCER_DEFAULTS}. `flush()` and
 * `disconnect()` always send at once, whatever the linger.
 */
import { MAX_REQUEST_BYTES } from './limits.js';

/** A request at least this share of the batch limit counts as full. */
export const FILL_RATIO = 0.9;

/** Producer defaults on the local host and custom transports: low latency, requests cost nothing. */
export const LOCAL_PRODUCER_DEFAULTS = {
  /** Fixed linger, ms. */
  lingerMs: 5,
  /** Target request size, bytes. */
  batchBytes: 1_048_576,
} as const;

/** Producer defaults on an AWS transport: requests are filled, at some latency (bench/cost.ts models both). */
export const AWS_PRODUCER_DEFAULTS = {
  /** The linger an adaptive producer starts from and returns to, ms. */
  lingerMs: 5,
  /** The most the adaptive linger grows to, ms. */
  maxLingerMs: 1000,
  /** Target request size, bytes: the largest request the service accepts. */
  batchBytes: MAX_REQUEST_BYTES,
} as const;

/** Settings of {@link AdaptiveLinger}. */
export interface AdaptiveLingerOptions {
  /** The linger to start from and reset to, ms. @default {@link AWS_PRODUCER_DEFAULTS}.lingerMs */
  readonly minMs?: number;
  /** The cap, ms. @default {@link AWS_PRODUCER_DEFAULTS}.maxLingerMs */
  readonly maxMs?: number;
}

/** One topic's adaptive linger (the policy in this module's description). */
export class AdaptiveLinger {
  /** The linger to start from and reset to, ms. */
  readonly minMs: number;
  /** The cap, ms. */
  readonly maxMs: number;
  private current: number;

  /** @param options - minimum and cap. */
  constructor(options: AdaptiveLingerOptions = {}) {
    this.minMs = options.minMs ?? AWS_PRODUCER_DEFAULTS.lingerMs;
    this.maxMs = options.maxMs ?? AWS_PRODUCER_DEFAULTS.maxLingerMs;
    if (!Number.isFinite(this.minMs) || this.minMs < 0) throw new RangeError(`adaptive linger minimum must be a non-negative number, got ${this.minMs}`);
    if (!Number.isFinite(this.maxMs) || this.maxMs < this.minMs) throw new RangeError(`adaptive linger cap must be a number ≥ its minimum (${this.minMs}), got ${this.maxMs}`);
    this.current = this.minMs;
  }

  /** The linger to apply now, ms. */
  get ms(): number {
    return this.current;
  }

  /**
   * Adjusts the linger after a request completed.
   * @param requestBytes - the request's size.
   * @param batchBytes - the batch limit it was built against.
   * @param queuedBehind - whether records of its partitions queued while it was in flight.
   */
  afterRequest(requestBytes: number, batchBytes: number, queuedBehind: boolean): void {
    if (requestBytes >= FILL_RATIO * batchBytes) this.current = this.minMs;
    else if (queuedBehind) this.current = Math.min(this.maxMs, Math.max(1, this.current) * 2);
    else this.current = Math.max(this.minMs, this.current / 2);
  }
}
