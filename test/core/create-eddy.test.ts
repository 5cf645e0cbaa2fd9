/**
 * `createEddy`, core's one entry point, as a front door uses it: the settings
 * reach the part they configure, a bad one fails at once by name, and the
 * notifier is shared, so a produce wakes a long poll waiting in the same process.
 */
import { describe, expect, it } from 'vitest';
import { memoryComponents } from '../../core/adapters/memory/index.js';
import { seededIds } from '../../core/ids.js';
import { createEddy, createNotifier, EddyError } from '../../core/index.js';
import { enc, VirtualClock } from './helpers.js';

describe('createEddy', () => {
  it('works with no settings: maintenance has its defaults, and a produce wakes a fetch waiting in the same process', async () => {
    const clock = new VirtualClock();
    const eddy = createEddy({ components: memoryComponents(clock, seededIds(1)) });
    expect(eddy.maintenance.options.gcGraceMs).toBe(900_000);
    await eddy.log.createTopic({ name: 't', partitions: 1 });
    const started = clock.now();
    const waiting = eddy.log.fetch({ topic: 't', partition: 0, offset: 0, waitMs: 20_000 });
    await new Promise((resolve) => setImmediate(resolve));
    await eddy.log.produce({ topic: 't', records: [{ key: null, value: enc('hello') }] });
    const got = await waiting;
    expect(got.records.map((r) => r.offset)).toEqual([0]);
    // Woken by the produce, not by re-reading the index every poll interval (250 ms by default).
    expect(clock.now() - started).toBeLessThan(250);
  });

  it('passes each part its settings', async () => {
    const clock = new VirtualClock();
    const eddy = createEddy({
      components: memoryComponents(clock, seededIds(1)),
      settings: { log: { pollIntervalMs: 1000 }, groups: { heartbeatIntervalMs: 1234 }, maintenance: { gcGraceMs: 42, compactionTargetBytes: 4096 } },
    });
    expect(eddy.maintenance.options).toMatchObject({ gcGraceMs: 42, compactionTargetBytes: 4096, concurrency: 8 });
    await eddy.log.createTopic({ name: 't', partitions: 1 });
    const joined = await eddy.groups.heartbeat('g', { memberEpoch: 0, topics: ['t'], sessionTimeoutMs: 45_000 });
    expect(joined.heartbeatIntervalMs).toBe(1234);
    // With nothing appended, the long poll re-reads the index every 1000 ms until its wait is over.
    const started = clock.now();
    const polled = await eddy.log.fetch({ topic: 't', partition: 0, offset: 0, waitMs: 2500 });
    expect(polled.records).toEqual([]);
    expect(clock.sleeps.filter((ms) => ms > 0).every((ms) => ms <= 1000)).toBe(true);
    expect(clock.sleeps).toContain(1000);
    expect(clock.now() - started).toBeGreaterThanOrEqual(2500);
  });

  it('shares an injected notifier: a produce through one Eddy wakes a fetch waiting in another over the same stores', async () => {
    const clock = new VirtualClock();
    const stores = memoryComponents(clock, seededIds(1));
    const notifier = createNotifier(clock);
    const reader = createEddy({ components: { ...stores, notifier }, settings: { log: { pollIntervalMs: 10_000 } } });
    const writer = createEddy({ components: { ...stores, notifier }, settings: { log: { pollIntervalMs: 10_000 } } });
    await writer.log.createTopic({ name: 't', partitions: 1 });
    const started = clock.now();
    const waiting = reader.log.fetch({ topic: 't', partition: 0, offset: 0, waitMs: 20_000 });
    await new Promise((resolve) => setImmediate(resolve));
    await writer.log.produce({ topic: 't', records: [{ key: null, value: enc('hello') }] });
    expect((await waiting).records.map((r) => r.offset)).toEqual([0]);
    expect(clock.now() - started).toBeLessThan(10_000);
  });

  it('refuses a bad setting at once, by name', () => {
    const components = memoryComponents(new VirtualClock(), seededIds(1));
    expect(() => createEddy({ components, settings: { maintenance: { gcGraceMs: -1 } } })).toThrow(EddyError);
    expect(() => createEddy({ components, settings: { maintenance: { gcGraceMs: -1 } } })).toThrow(/gcGraceMs/);
  });
});
