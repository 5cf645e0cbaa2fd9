/** Small async primitives shared by the producer and the consumer. */

/** A promise with its resolve and reject functions exposed. */
export interface Deferred<T> {
  /** The promise. */
  readonly promise: Promise<T>;
  /** Resolves it. */
  resolve(value: T): void;
  /** Rejects it. */
  reject(reason: unknown): void;
}

/** Creates a {@link Deferred}. */
export function deferred<T>(): Deferred<T> {
  let resolve!: (value: T) => void;
  let reject!: (reason: unknown) => void;
  const promise = new Promise<T>((res, rej) => {
    resolve = res;
    reject = rej;
  });
  return { promise, resolve, reject };
}

/**
 * Waits `ms` milliseconds; resolves early (without throwing) when `signal`
 * aborts, so loops can check their own state afterwards.
 */
export function sleep(ms: number, signal?: AbortSignal): Promise<void> {
  if (signal?.aborted || ms <= 0) return Promise.resolve();
  return new Promise((resolve) => {
    const done = (): void => {
      clearTimeout(timer);
      signal?.removeEventListener('abort', done);
      resolve();
    };
    const timer = setTimeout(done, ms);
    signal?.addEventListener('abort', done, { once: true });
  });
}

/** True when `err` is the rejection of an aborted operation. */
export function isAbortError(err: unknown): boolean {
  return err instanceof Error && (err.name === 'AbortError' || err.name === 'TimeoutError');
}

/**
 * A FIFO counting semaphore over a budget of units (bytes, slots).
 * Waiters are served strictly in arrival order, so a large request is never
 * starved by a stream of small ones, and callers that acquire in order keep
 * their order.
 */
export class Semaphore {
  private available: number;
  private readonly waiters: { units: number; wake: () => void }[] = [];

  /** @param capacity - total units. */
  constructor(readonly capacity: number) {
    this.available = capacity;
  }

  /** Units currently free. */
  get free(): number {
    return this.available;
  }

  /** Takes `units` now if they are free and nobody is queued; false otherwise. */
  tryAcquire(units: number): boolean {
    if (this.waiters.length > 0 || units > this.available) return false;
    this.available -= units;
    return true;
  }

  /** Waits until `units` are free (in FIFO order), then takes them. */
  async acquire(units: number): Promise<void> {
    if (units > this.capacity) throw new RangeError(`cannot acquire ${units} units of ${this.capacity}`);
    if (this.tryAcquire(units)) return;
    await new Promise<void>((wake) => this.waiters.push({ units, wake }));
  }

  /** Returns `units` and wakes the waiters that now fit, in order. */
  release(units: number): void {
    this.available = Math.min(this.capacity, this.available + units);
    while (this.waiters.length > 0) {
      const head = this.waiters[0]!;
      if (head.units > this.available) break;
      this.available -= head.units;
      this.waiters.shift();
      head.wake();
    }
  }

  /** Runs `fn` holding one unit. */
  async run<T>(fn: () => Promise<T>): Promise<T> {
    await this.acquire(1);
    try {
      return await fn();
    } finally {
      this.release(1);
    }
  }
}
