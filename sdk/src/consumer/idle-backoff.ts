/**
 * Idle backoff: what a caught-up consumer does on an AWS transport when a
 * partition has nothing new, so that no fetch Lambda stays billed while it
 * waits.
 *
 * A long poll through the fetch Lambda bills the Lambda for the whole wait:
 * the SDK's default (`maxWaitTimeMs` 5000, polling again at once) costs
 * ~$37 per idle partition-month (docs/benchmarks.md). With idle backoff, the
 * first fetch that comes back empty switches the partition to idle: it then
 * sleeps on the client (nothing billed) and fetches with `waitMs`
 * {@link IDLE_BACKOFF_DEFAULTS}.waitMs, the sleep doubling from `minSleepMs`
 * to `maxSleepMs` after each empty fetch. The first fetch that returns
 * records ends it: the partition goes back to the configured long poll. The
 * latency it costs: a record appended to an idle partition is fetched up to
 * `maxSleepMs` later. The cost model (`npm run bench -- --cost`) models
 * exactly these constants.
 */

/** Idle backoff on an AWS transport: settles at one short fetch every `maxSleepMs`. */
export const IDLE_BACKOFF_DEFAULTS = {
  /** The long-poll wait of fetches while idle, ms (the fetch Lambda is billed for it). */
  waitMs: 0,
  /** The sleep after the first empty fetch, ms. */
  minSleepMs: 1000,
  /** The longest sleep, ms. */
  maxSleepMs: 10_000,
} as const;

/** Settings of {@link IdleBackoff}; each defaults to {@link IDLE_BACKOFF_DEFAULTS}. */
export interface IdleBackoffOptions {
  /** The long-poll wait of fetches while idle, ms (0–20000). */
  readonly waitMs?: number;
  /** The sleep after the first empty fetch, ms. */
  readonly minSleepMs?: number;
  /** The longest sleep, ms. */
  readonly maxSleepMs?: number;
}

/** Consumer options of idle backoff (part of `ConsumerOptions`). */
export interface IdleBackoffConsumerOptions {
  /**
   * Which defaults apply: `aws` turns {@link IdleBackoffConsumerOptions.idleBackoff} on.
   * @default from the client's transport (`Eddy.profile`), else `local`
   */
  readonly profile?: 'aws' | 'local';
  /**
   * Sleep on the client after empty fetches instead of long-polling again
   * (see `IdleBackoff`); `true` uses {@link IDLE_BACKOFF_DEFAULTS}.
   * @default true with the `aws` profile, else false
   */
  readonly idleBackoff?: boolean | IdleBackoffOptions;
}

/** The idle backoff settings a consumer's options ask for, or undefined when it is off. */
export function resolveIdleBackoff(options: IdleBackoffConsumerOptions): Required<IdleBackoffOptions> | undefined {
  if (options.profile !== undefined && options.profile !== 'aws' && options.profile !== 'local') throw new RangeError(`profile must be 'aws' or 'local', got ${String(options.profile)}`);
  const given = options.idleBackoff ?? options.profile === 'aws';
  if (given === false) return undefined;
  if (given !== true && (typeof given !== 'object' || given === null)) throw new RangeError(`idleBackoff must be a boolean or { waitMs, minSleepMs, maxSleepMs }, got ${String(given)}`);
  const o = given === true ? {} : given;
  const resolved = {
    waitMs: o.waitMs ?? IDLE_BACKOFF_DEFAULTS.waitMs,
    minSleepMs: o.minSleepMs ?? IDLE_BACKOFF_DEFAULTS.minSleepMs,
    maxSleepMs: o.maxSleepMs ?? Math.max(o.minSleepMs ?? 0, IDLE_BACKOFF_DEFAULTS.maxSleepMs),
  };
  if (!Number.isInteger(resolved.waitMs) || resolved.waitMs < 0 || resolved.waitMs > 20_000) throw new RangeError(`idleBackoff.waitMs must be an integer in [0, 20000], got ${resolved.waitMs}`);
  if (!Number.isFinite(resolved.minSleepMs) || resolved.minSleepMs <= 0) throw new RangeError(`idleBackoff.minSleepMs must be a positive number, got ${resolved.minSleepMs}`);
  if (!Number.isFinite(resolved.maxSleepMs) || resolved.maxSleepMs < resolved.minSleepMs) throw new RangeError(`idleBackoff.maxSleepMs must be a number ≥ minSleepMs (${resolved.minSleepMs}), got ${resolved.maxSleepMs}`);
  return resolved;
}

/** One partition's idle state: whether it is idle, and how long to sleep next. */
export class IdleBackoff {
  private nextSleepMs = 0;

  /** @param options - the resolved settings ({@link resolveIdleBackoff}). */
  constructor(private readonly options: Required<IdleBackoffOptions>) {}

  /** Whether the partition is idle (its last fetch was empty). */
  get idle(): boolean {
    return this.nextSleepMs > 0;
  }

  /** The long-poll wait for the next fetch: the configured one, or the idle one while idle. */
  waitMs(configured: number): number {
    return this.idle ? Math.min(configured, this.options.waitMs) : configured;
  }

  /** After an empty fetch: the client-side sleep before the next one, ms (doubling, capped). */
  afterEmpty(): number {
    const ms = this.nextSleepMs === 0 ? this.options.minSleepMs : this.nextSleepMs;
    this.nextSleepMs = Math.min(this.options.maxSleepMs, ms * 2);
    return ms;
  }

  /** After a fetch with records (or a seek): back to the configured long poll. */
  reset(): void {
    this.nextSleepMs = 0;
  }
}
