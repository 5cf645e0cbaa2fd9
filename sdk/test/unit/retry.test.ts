import { describe, expect, it } from 'vitest';
import { EddyError, type ErrorCode } from '../../src/errors.js';
import { RetryPolicy } from '../../src/retry.js';

describe('RetryPolicy backoff', () => {
  it('grows exponentially up to the cap', () => {
    const p = new RetryPolicy({ initialRetryTimeMs: 100, multiplier: 2, maxRetryTimeMs: 1000 });
    expect([0, 1, 2, 3, 4, 5].map((a) => p.ceiling(a))).toEqual([100, 200, 400, 800, 1000, 1000]);
  });

  it('applies full jitter: uniform in [0, ceiling)', () => {
    expect(new RetryPolicy({ initialRetryTimeMs: 100 }, () => 0).backoff(3)).toBe(0);
    expect(new RetryPolicy({ initialRetryTimeMs: 100 }, () => 0.5).backoff(3)).toBe(400);
    expect(new RetryPolicy({ initialRetryTimeMs: 100 }, () => 0.999).backoff(0)).toBe(99);
  });

  it('rejects invalid settings, naming them', () => {
    expect(() => new RetryPolicy({ retries: -1 })).toThrow(/retries/);
    expect(() => new RetryPolicy({ maxRetryTimeMs: Number.NaN })).toThrow(/maxRetryTimeMs/);
  });
});

describe('RetryPolicy.run', () => {
  const fast = (retries = 3): RetryPolicy => new RetryPolicy({ retries, initialRetryTimeMs: 1, maxRetryTimeMs: 2 });
  const failing = (codes: ErrorCode[]) => {
    let calls = 0;
    const fn = async (): Promise<string> => {
      const code = codes[calls++];
      if (code) throw new EddyError(code, code);
      return 'ok';
    };
    return { fn, calls: () => calls };
  };

  it('retries retryable codes until success', async () => {
    const f = failing(['THROTTLED', 'UNAVAILABLE']);
    await expect(fast().run(f.fn, false)).resolves.toBe('ok');
    expect(f.calls()).toBe(3);
  });

  it('gives up after `retries` retries with the last error', async () => {
    const f = failing(['UNAVAILABLE', 'UNAVAILABLE', 'THROTTLED', 'UNAVAILABLE']);
    await expect(fast(2).run(f.fn, false)).rejects.toMatchObject({ code: 'THROTTLED' });
    expect(f.calls()).toBe(3);
  });

  it.each<ErrorCode>(['INVALID_REQUEST', 'UNKNOWN_TOPIC_OR_PARTITION', 'STALE_MEMBER_EPOCH', 'INTERNAL', 'DATA_CORRUPT'])('never retries %s', async (code) => {
    const f = failing([code]);
    await expect(fast().run(f.fn, true)).rejects.toMatchObject({ code });
    expect(f.calls()).toBe(1);
  });

  it('retries UNKNOWN_OUTCOME only for idempotent requests', async () => {
    const a = failing(['UNKNOWN_OUTCOME']);
    await expect(fast().run(a.fn, false)).rejects.toMatchObject({ code: 'UNKNOWN_OUTCOME' });
    expect(a.calls()).toBe(1);
    const b = failing(['UNKNOWN_OUTCOME']);
    await expect(fast().run(b.fn, true)).resolves.toBe('ok');
    expect(b.calls()).toBe(2);
  });

  it('does not let a later clean failure hide that an earlier attempt may have been applied', async () => {
    const f = failing(['UNKNOWN_OUTCOME', 'UNAVAILABLE', 'UNAVAILABLE']);
    const err = await fast(2).run(f.fn, true).catch((e: unknown) => e);
    expect(err).toMatchObject({ code: 'UNKNOWN_OUTCOME' });
    expect((err as Error).cause).toMatchObject({ code: 'UNAVAILABLE' });
    // A final error that is not a claim about the write is kept as it is.
    const g = failing(['UNKNOWN_OUTCOME', 'OFFSET_OUT_OF_RANGE']);
    await expect(fast(2).run(g.fn, true)).rejects.toMatchObject({ code: 'OFFSET_OUT_OF_RANGE' });
  });

  it("reports a read's last error as it is: a read applies nothing", async () => {
    const f = failing(['UNKNOWN_OUTCOME', 'UNKNOWN_TOPIC_OR_PARTITION']);
    await expect(fast(2).run(f.fn, true, undefined, true)).rejects.toMatchObject({ code: 'UNKNOWN_TOPIC_OR_PARTITION' });
  });

  it('never retries errors that are not EddyErrors (bugs)', async () => {
    let calls = 0;
    await expect(
      fast().run(async () => {
        calls++;
        throw new TypeError('bug');
      }, true),
    ).rejects.toThrow('bug');
    expect(calls).toBe(1);
  });

  it('stops retrying when aborted', async () => {
    const controller = new AbortController();
    let calls = 0;
    const p = new RetryPolicy({ retries: 10, initialRetryTimeMs: 50, maxRetryTimeMs: 50 }, () => 0.99).run(async () => {
      calls++;
      if (calls === 1) setTimeout(() => controller.abort(), 5);
      throw new EddyError('UNAVAILABLE', 'down');
    }, true, controller.signal);
    await expect(p).rejects.toMatchObject({ code: 'UNAVAILABLE' });
    expect(calls).toBe(1);
  });
});
