/**
 * The in-process {@link Notifier}: appends in this process wake the
 * long-polling reads of this process. Waits are bounded by the caller's poll
 * interval, so a waiter in another process (another Lambda container) still
 * sees an append within one interval.
 */
import type { Clock, Notifier } from './ports.js';

/** Creates an in-process notifier; timeouts run on `clock.sleep`. */
export function createNotifier(clock: Clock): Notifier {
  const waiters = new Map<string, Set<() => void>>();
  let closed = false;
  const keyOf = (topicId: string, partition: number): string => `${topicId}\u0000${partition}`;
  return {
    get closed() {
      return closed;
    },
    wait(topicId, partition, ms) {
      if (closed || ms <= 0) return Promise.resolve();
      const key = keyOf(topicId, partition);
      return new Promise<void>((resolve) => {
        let set = waiters.get(key);
        if (!set) waiters.set(key, (set = new Set()));
        let done = false;
        const wake = (): void => {
          // Stryker disable next-line ConditionalExpression: equivalent; a second run only repeats an idempotent delete and resolve (the set it would drop is no longer the key's, or still holds others)
          if (done) return;
          // Stryker disable next-line BooleanLiteral: equivalent, as above
          done = true;
          set!.delete(wake);
          // Stryker disable next-line ConditionalExpression,EqualityOperator,LogicalOperator: dropping the emptied set only frees memory (one left behind is reused by the next wait); that one wait ending does not drop the others is test/core/notifier.test.ts 'answers a wait whose deadline passes…'
          if (set!.size === 0 && waiters.get(key) === set) waiters.delete(key);
          resolve();
        };
        set.add(wake);
        void clock.sleep(ms).then(wake);
      });
    },
    notify(topicId, partitions) {
      for (const p of partitions) for (const wake of [...(waiters.get(keyOf(topicId, p)) ?? [])]) wake();
    },
    close() {
      closed = true;
      for (const set of [...waiters.values()]) for (const wake of [...set]) wake();
    },
  };
}
