/** A clock tests move by hand, for session timeouts and other deadlines. */
import type { Clock } from '../../core/ports.js';

/**
 * Time stands still until {@link ManualClock.advance}. `sleep` waits in real
 * time but does not advance the clock: backoff between retries behaves as in
 * production (spreading concurrent writers out), yet cannot expire a session.
 */
export class ManualClock implements Clock {
  constructor(private time = 1_700_000_000_000) {}

  now(): number {
    return this.time;
  }

  /** Moves time forward by `ms`. */
  advance(ms: number): void {
    this.time += ms;
  }

  sleep(ms: number): Promise<void> {
    return new Promise((resolve) => setTimeout(resolve, ms));
  }
}
