/**
 * Core's small helpers (core/util.ts): `mapLimit` keeps at most `limit` calls
 * in flight and answers in input order; `backoffMs` is full-jitter exponential
 * backoff, capped.
 */
import { describe, expect, it } from 'vitest';
import { backoffMs, mapLimit } from '../../core/util.js';

describe('mapLimit', () => {
  it('never has more than `limit` calls in flight, uses all of them, and answers in input order', async () => {
    let inFlight = 0;
    let most = 0;
    const items = Array.from({ length: 10 }, (_, i) => i);
    const out = await mapLimit(items, 3, async (item, index) => {
      inFlight++;
      most = Math.max(most, inFlight);
      // Later items finish first, so completion order differs from input order.
      await new Promise((resolve) => setTimeout(resolve, 10 - item));
      inFlight--;
      return `${item}@${index}`;
    });
    expect(most).toBe(3);
    expect(out).toEqual(items.map((i) => `${i}@${i}`));
  });

  it('runs fewer calls than the limit when there are fewer items, and none for none', async () => {
    let calls = 0;
    expect(await mapLimit([7, 8], 16, async (x) => (calls++, x * 2))).toEqual([14, 16]);
    expect(calls).toBe(2);
    expect(await mapLimit([], 4, async () => 1)).toEqual([]);
  });
});

describe('backoffMs', () => {
  it('doubles the ceiling each attempt from the base, caps it, and scales it by the random draw', () => {
    expect(backoffMs(0, 10, 200, () => 0.999)).toBe(9);
    expect(backoffMs(3, 10, 200, () => 0.5)).toBe(40);
    expect(backoffMs(10, 10, 200, () => 0.5)).toBe(100);
    expect(backoffMs(4, 10, 200, () => 0)).toBe(0);
  });
});
