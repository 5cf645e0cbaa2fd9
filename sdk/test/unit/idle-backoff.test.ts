import { afterEach, describe, expect, it } from 'vitest';
import { Eddy } from '../../src/client.js';
import type { Consumer } from '../../src/consumer/consumer.js';
import { IdleBackoff, IDLE_BACKOFF_DEFAULTS, resolveIdleBackoff } from '../../src/consumer/idle-backoff.js';
import { InProcessEddy } from '../support/in-process-eddy.js';
import { waitFor } from '../support/helpers.js';

const consumers: Consumer[] = [];
afterEach(async () => {
  await Promise.all(consumers.splice(0).map((c) => c.disconnect().catch(() => undefined)));
});

describe('IdleBackoff policy', () => {
  it('sleeps 1 s after the first empty fetch, doubling to 10 s, fetching with a 0 ms wait while idle; a record resets it', () => {
    const b = new IdleBackoff(resolveIdleBackoff({ profile: 'aws' })!);
    expect(b.waitMs(5000)).toBe(5000);
    const sleeps = Array.from({ length: 7 }, () => b.afterEmpty());
    expect(sleeps).toEqual([1000, 2000, 4000, 8000, 10_000, 10_000, 10_000]);
    expect(b.waitMs(5000)).toBe(IDLE_BACKOFF_DEFAULTS.waitMs);
    b.reset();
    expect(b.idle).toBe(false);
    expect(b.waitMs(5000)).toBe(5000);
    expect(b.afterEmpty()).toBe(1000);
  });

  it('is on for the aws profile only, unless asked for; bad settings are refused', () => {
    expect(resolveIdleBackoff({ profile: 'aws' })).toEqual({ waitMs: 0, minSleepMs: 1000, maxSleepMs: 10_000 });
    expect(resolveIdleBackoff({ profile: 'local' })).toBeUndefined();
    expect(resolveIdleBackoff({})).toBeUndefined();
    expect(resolveIdleBackoff({ profile: 'aws', idleBackoff: false })).toBeUndefined();
    expect(resolveIdleBackoff({ idleBackoff: { minSleepMs: 20_000 } })).toEqual({ waitMs: 0, minSleepMs: 20_000, maxSleepMs: 20_000 });
    expect(() => resolveIdleBackoff({ idleBackoff: { minSleepMs: 10, maxSleepMs: 5 } })).toThrow(/maxSleepMs/);
    expect(() => resolveIdleBackoff({ idleBackoff: { waitMs: -1 } })).toThrow(/waitMs/);
    expect(() => resolveIdleBackoff({ profile: 'cloud' as 'aws' })).toThrow(/profile/);
    expect(() => new Eddy({ transport: new InProcessEddy() }).consumer({ idleBackoff: { maxSleepMs: 0 } })).toThrow(RangeError);
  });
});

describe('Consumer with idle backoff', () => {
  const fetches = (eddyServer: InProcessEddy): Array<{ at: number; waitMs: number }> =>
    eddyServer.log.filter((l) => l.request.method === 'GET' && l.request.path.endsWith('/records')).map((l) => ({ at: l.at, waitMs: Number(l.request.query?.waitMs ?? 0) }));

  it('stops long-polling a caught-up partition, sleeps on the client with growing pauses, and resumes on the first record', async () => {
    const eddyServer = new InProcessEddy();
    await eddyServer.createTopic('t', 1);
    const eddy = new Eddy({ transport: eddyServer });
    const c = eddy.consumer({ profile: 'aws', maxWaitTimeMs: 100, idleBackoff: { minSleepMs: 100, maxSleepMs: 400 } });
    consumers.push(c);
    const seen: string[] = [];
    await c.subscribe({ topics: ['t'], fromBeginning: true });
    await c.run({ eachMessage: async (p) => void seen.push(p.message.value.toString()) });
    await waitFor(() => fetches(eddyServer).length >= 5);
    const idle = fetches(eddyServer);
    // The first fetch long-polls as configured; later ones do not wait on the server.
    expect(idle[0]!.waitMs).toBe(100);
    expect(idle.slice(1).every((f) => f.waitMs === 0)).toBe(true);
    // The client-side pauses grow: 100, 200, 400 ms (timers only ever fire late, so these are lower bounds).
    const gaps = idle.slice(1).map((f, i) => f.at - idle[i]!.at);
    expect(gaps[1]!).toBeGreaterThanOrEqual(190);
    expect(gaps[2]!).toBeGreaterThanOrEqual(390);
    await eddyServer.append('t', 0, ['hello']);
    await waitFor(() => seen.length === 1);
    const n = fetches(eddyServer).length;
    await waitFor(() => fetches(eddyServer).length > n);
    // After records, the next fetch long-polls again.
    expect(fetches(eddyServer)[n]!.waitMs).toBe(100);
  });

  it('keeps long-polling with the local profile', async () => {
    const eddyServer = new InProcessEddy();
    await eddyServer.createTopic('t', 1);
    const c = new Eddy({ transport: eddyServer }).consumer({ maxWaitTimeMs: 30 });
    consumers.push(c);
    await c.subscribe({ topics: ['t'] });
    await c.run({ eachMessage: async () => undefined });
    await waitFor(() => fetches(eddyServer).length >= 4);
    expect(fetches(eddyServer).every((f) => f.waitMs === 30)).toBe(true);
  });
});
