/**
 * Retry policy: exponential backoff with full jitter
 * (delay = random(0, min(maxRetryTimeMs, initialRetryTimeMs · multiplier^attempt))),
 * applied only to retryable error codes; `UNKNOWN_OUTCOME` only for
 * idempotent requests (see {@link shouldRetry}).
 */
import { EddyError, shouldRetry } from './errors.js';
import { sleep } from './util/async.js';

/** How failed requests are retried. */
export interface RetryOptions {
  /** Retries after the first attempt (0 disables retrying). @default 5 */
  readonly retries?: number;
  /** Upper bound of the first backoff. @default 100 */
  readonly initialRetryTimeMs?: number;
  /** Cap of any backoff. @default 10000 */
  readonly maxRetryTimeMs?: number;
  /** Growth of the backoff bound per attempt. @default 2 */
  readonly multiplier?: number;
}

/** The defaults of {@link RetryOptions}. */
export const DEFAULT_RETRY: Required<RetryOptions> = {
  retries: 5,
  initialRetryTimeMs: 100,
  maxRetryTimeMs: 10_000,
  multiplier: 2,
};

/** A validated retry policy. */
export class RetryPolicy {
  /** Retries after the first attempt. */
  readonly retries: number;
  /** Upper bound of the first backoff. */
  readonly initialRetryTimeMs: number;
  /** Cap of any backoff. */
  readonly maxRetryTimeMs: number;
  /** Growth of the backoff bound per attempt. */
  readonly multiplier: number;

  /**
   * @param options - the policy; missing fields take {@link DEFAULT_RETRY}.
   * @param random - source of jitter in [0, 1). @default Math.random
   */
  constructor(
    options: RetryOptions = {},
    private readonly random: () => number = Math.random,
  ) {
    const o = { ...DEFAULT_RETRY, ...options };
    for (const [name, value] of Object.entries(o)) {
      if (!Number.isFinite(value) || value < 0) throw new RangeError(`retry.${name} must be a non-negative number, got ${value}`);
    }
    if (!Number.isInteger(o.retries)) throw new RangeError(`retry.retries must be an integer, got ${o.retries}`);
    this.retries = o.retries;
    this.initialRetryTimeMs = o.initialRetryTimeMs;
    this.maxRetryTimeMs = o.maxRetryTimeMs;
    this.multiplier = o.multiplier;
  }

  /** Upper bound of the backoff before retry number `attempt` (0-based). */
  ceiling(attempt: number): number {
    return Math.min(this.maxRetryTimeMs, this.initialRetryTimeMs * this.multiplier ** attempt);
  }

  /** A full-jitter backoff before retry number `attempt` (0-based). */
  backoff(attempt: number): number {
    return Math.floor(this.random() * this.ceiling(attempt));
  }

  /**
   * Runs `fn` until it succeeds, retrying failures that {@link shouldRetry}
   * allows, at most {@link retries} times, sleeping a backoff in between.
   * @param fn - the operation; receives the 0-based attempt number.
   * @param idempotent - whether repeating `fn` is safe when its outcome is unknown.
   * @param signal - stops waiting and retrying when aborted.
   * @param readOnly - a read: no attempt can have applied anything, so the last error is reported as it is.
   */
  async run<T>(fn: (attempt: number) => Promise<T>, idempotent: boolean, signal?: AbortSignal, readOnly = false): Promise<T> {
    let outcomeUnknown = false;
    for (let attempt = 0; ; attempt++) {
      try {
        return await fn(attempt);
      } catch (err) {
        const last = outcomeUnknown && !readOnly ? keepUnknownOutcome(err) : err;
        if (err instanceof EddyError && err.outcome === 'unknown') outcomeUnknown = true;
        if (attempt >= this.retries || !shouldRetry(err, idempotent) || signal?.aborted) throw last;
        await sleep(this.backoff(attempt), signal);
        if (signal?.aborted) throw last;
      }
    }
  }
}

/**
 * The error to report when an earlier attempt may have been applied: a clean
 * failure of a later attempt (`UNAVAILABLE`: "nothing was sent") must not
 * hide that, or the caller could resend and duplicate.
 */
function keepUnknownOutcome(err: unknown): unknown {
  // Only an error claiming that nothing was applied contradicts what an earlier attempt left open.
  if (!(err instanceof EddyError) || err.outcome !== 'none') return err;
  return new EddyError('UNKNOWN_OUTCOME', `${err.message} (after an earlier attempt whose outcome is unknown: it may have been applied)`, { cause: err });
}

/** A policy that never retries. */
export const NO_RETRY = new RetryPolicy({ retries: 0 });
