/**
 * The in-process notifier as a long-polling read sees it: woken by an append
 * to its own partition, by its deadline, or by shutdown, whichever is first.
 */
import { describe, expect, it } from 'vitest';
import { createNotifier } from '../../core/index.js';
import type { Clock } from '../../core/ports.js';

/** A clock whose sleeps end only when the test says so: a deadline passes exactly when the test lets it. */
class ManualClock implements Clock {
  readonly sleeps: { ms: number; end: () => void }[] = [];

  now(): number {
    return 0;
  }

  sleep(ms: number): Promise<void> {
    return new Promise((resolve) => this.sleeps.push({ ms, end: resolve }));
  }

  /** Lets the deadline of every sleep of `ms` pass. */
  pass(ms: number): void {
    for (const s of this.sleeps.filter((x) => x.ms === ms)) s.end();
  }
}

/** Lets every pending promise callback run. */
const settle = (): Promise<void> => new Promise((resolve) => setImmediate(resolve));

/** A wait whose answer the test can look at without awaiting it. */
const track = (p: Promise<void>): { readonly answered: boolean } => {
  const state = { answered: false };
  void p.then(() => (state.answered = true));
  return state;
};

describe('notifier', () => {
  it('wakes a wait on an append to its partition, not on appends to other partitions or topics', async () => {
    const n = createNotifier(new ManualClock());
    const w = track(n.wait('t1', 0, 60_000));
    n.notify('t1', [1, 2]);
    n.notify('t2', [0]);
    await settle();
    expect(w.answered).toBe(false);
    n.notify('t1', [3, 0]);
    await settle();
    expect(w.answered).toBe(true);
  });

  it('wakes every wait on the partition with one append', async () => {
    const n = createNotifier(new ManualClock());
    const a = track(n.wait('t1', 0, 60_000));
    const b = track(n.wait('t1', 0, 60_000));
    const c = track(n.wait('t1', 0, 60_000));
    n.notify('t1', [0]);
    await settle();
    expect([a.answered, b.answered, c.answered]).toEqual([true, true, true]);
  });

  it('answers a wait whose deadline passes without an append, and leaves the other waits on the partition to the next append', async () => {
    const clock = new ManualClock();
    const n = createNotifier(clock);
    const short = track(n.wait('t1', 0, 1_000));
    const long = track(n.wait('t1', 0, 60_000));
    const late = track(n.wait('t1', 0, 30_000));
    clock.pass(1_000);
    await settle();
    expect([short.answered, long.answered, late.answered]).toEqual([true, false, false]);
    clock.pass(30_000);
    await settle();
    expect([long.answered, late.answered]).toEqual([false, true]);
    // The append still finds the wait left on the partition.
    n.notify('t1', [0]);
    await settle();
    expect(long.answered).toBe(true);
  });

  it('a partition waited on again after its waits ended is woken as before', async () => {
    const clock = new ManualClock();
    const n = createNotifier(clock);
    const first = track(n.wait('t1', 0, 1_000));
    n.notify('t1', [0]);
    clock.pass(1_000); // its deadline passing after the append changes nothing
    await settle();
    expect(first.answered).toBe(true);
    const again = track(n.wait('t1', 0, 60_000));
    n.notify('t1', [0]);
    await settle();
    expect(again.answered).toBe(true);
  });

  it('a wait of zero or less answers at once without sleeping', async () => {
    const clock = new ManualClock();
    const n = createNotifier(clock);
    const zero = track(n.wait('t1', 0, 0));
    const negative = track(n.wait('t1', 0, -5));
    await settle();
    expect([zero.answered, negative.answered]).toEqual([true, true]);
    expect(clock.sleeps).toEqual([]);
  });

  it('closing answers every pending wait at once, and later waits return at once', async () => {
    const clock = new ManualClock();
    const n = createNotifier(clock);
    const a = track(n.wait('t1', 0, 60_000));
    const b = track(n.wait('t1', 0, 60_000));
    const c = track(n.wait('t2', 3, 60_000));
    expect(n.closed).toBe(false);
    n.close();
    expect(n.closed).toBe(true);
    await settle();
    expect([a.answered, b.answered, c.answered]).toEqual([true, true, true]);
    const sleepsBefore = clock.sleeps.length;
    const after = track(n.wait('t1', 0, 60_000));
    await settle();
    expect(after.answered).toBe(true);
    expect(clock.sleeps.length).toBe(sleepsBefore);
  });
});
