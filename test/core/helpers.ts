/**
 * Core on the memory adapters, as a user of core sees it: one object with the
 * log, the groups and maintenance, on a clock the test moves and seeded ids.
 * Every test builds its own, so nothing leaks between tests.
 */
import { expect } from 'vitest';
import { memoryComponents, type MemoryMetadataStore, type MemoryObjectStore } from '../../core/adapters/memory/index.js';
import { crc32c } from '../../api/src/crc32c.js';
import { EddyError } from '../../core/errors.js';
import { seededIds } from '../../core/ids.js';
import type { IndexEntry } from '../../core/model.js';
import { createEddy, createNotifier, type Eddy, type EddySettings, type GroupCoordinator, type Log, type Maintenance, type MaintenanceOptions, type MetadataStore, type Notifier } from '../../core/index.js';

/**
 * Virtual time: it moves only when a test advances it or something sleeps,
 * and a sleep costs no real time (it yields once, then time jumps by `ms`).
 * So backoff and long polls run instantly yet keep their meaning.
 */
export class VirtualClock {
  /** Every `sleep` asked for, in order (backoff is observable). */
  readonly sleeps: number[] = [];

  constructor(public time = 1_700_000_000_000) {}

  now(): number {
    return this.time;
  }

  advance(ms: number): void {
    this.time += ms;
  }

  sleep(ms: number): Promise<void> {
    this.sleeps.push(ms);
    return new Promise((resolve) =>
      setImmediate(() => {
        this.time += ms;
        resolve();
      }),
    );
  }
}

/** Core over fresh memory stores. */
export interface MemoryEddy {
  readonly log: Log;
  readonly groups: GroupCoordinator;
  /** A maintenance job over the same stores, with these options. */
  maintenance(options?: MaintenanceOptions): Maintenance;
  readonly clock: VirtualClock;
  /** Wakes long polls in this process; `close()` is what a shutting-down host does. */
  readonly notifier: Notifier;
  readonly objectStore: MemoryObjectStore;
  readonly metadataStore: MemoryMetadataStore;
}

/** Builds core on fresh memory stores; `wrapMeta` may intercept the metadata store (fault injection). */
export function memoryEddy(options: { seed?: number; settings?: EddySettings; wrapMeta?: (meta: MetadataStore) => MetadataStore } = {}): MemoryEddy {
  const clock = new VirtualClock();
  const stores = memoryComponents(clock, seededIds(options.seed ?? 20_261_203));
  const components = {
    ...stores,
    metadataStore: options.wrapMeta ? options.wrapMeta(stores.metadataStore) : stores.metadataStore,
    // One notifier, so a maintenance job built later wakes the same long polls.
    notifier: createNotifier(clock),
  };
  const eddy: Eddy = createEddy({ components, settings: options.settings });
  return {
    log: eddy.log,
    groups: eddy.groups,
    maintenance: (o) => createEddy({ components, settings: { ...options.settings, maintenance: o } }).maintenance,
    clock,
    notifier: components.notifier,
    objectStore: stores.objectStore,
    metadataStore: stores.metadataStore,
  };
}

/** Replaces some methods of a metadata store, keeping the rest. */
export function intercept(meta: MetadataStore, overrides: Partial<MetadataStore>): MetadataStore {
  return new Proxy(meta, {
    get(target, prop, receiver) {
      if (Object.hasOwn(overrides, prop)) return (overrides as Record<string | symbol, unknown>)[prop];
      const v = Reflect.get(target, prop, receiver) as unknown;
      return typeof v === 'function' ? (v as (...a: unknown[]) => unknown).bind(target) : v;
    },
  });
}

export const enc = (s: string): Uint8Array => new TextEncoder().encode(s);
export const dec = (b: Uint8Array | null): string | null => (b === null ? null : new TextDecoder().decode(b));

/** Awaits `p`, expecting an {@link EddyError} with `code`; returns it. */
export async function expectCode(p: Promise<unknown>, code: string): Promise<EddyError> {
  const err = await p.then(
    () => undefined,
    (e: unknown) => e,
  );
  expect(err, `expected ${code}, but the call succeeded`).toBeInstanceOf(EddyError);
  expect((err as EddyError).code).toBe(code);
  return err as EddyError;
}

/** Every record of a partition from `from`, as [offset, value] pairs. */
export async function readAll(log: Log, topic: string, partition = 0, from = 0): Promise<Array<[number, string | null]>> {
  const out: Array<[number, string | null]> = [];
  let offset = from;
  for (;;) {
    const r = await log.fetch({ topic, partition, offset });
    out.push(...r.records.map((x): [number, string | null] => [x.offset, dec(x.value)]));
    if (r.records.length === 0 || r.nextOffset >= r.highWatermark) return out;
    offset = r.nextOffset;
  }
}

/** Every index entry of partition 0 of a topic, markers included, in offset order. */
export async function entries(meta: MetadataStore, topicId: string): Promise<IndexEntry[]> {
  const out: IndexEntry[] = [];
  for await (const e of meta.listEntries(topicId, 0)) out.push(e);
  return out;
}

/** A copy of a record batch with attribute bits set and its CRC32C made right again, as a client would send it. */
export function withAttributes(batch: Uint8Array, bits: number): Uint8Array {
  const b = batch.slice();
  const view = new DataView(b.buffer, b.byteOffset, b.byteLength);
  view.setInt16(21, view.getInt16(21) | bits);
  view.setUint32(17, crc32c(b, 21));
  return b;
}
