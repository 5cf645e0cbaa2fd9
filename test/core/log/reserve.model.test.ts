/**
 * A model test of the reserve append protocol (docs/design.md §3–§4): the
 * real core on the memory stores, with every metadata-store call released by
 * fast-check's scheduler in a generated order, so reservations, entry writes,
 * readers' hole checks and abandon markers interleave every way it finds.
 * Readers abandon holes at once (`abandonAfterMs: 0`), the harshest setting:
 * safety must not depend on the timeout, only liveness does.
 *
 * Writers: plain appends; appends whose process dies right after reserving
 * (every later store call fails, so the range stays a hole); appends whose
 * entry puts all fail cleanly, so they mark their own range abandoned while
 * others reserve and write after it; appends whose entry put applies and
 * then fails as a crash would (`INTERNAL`, outcome unknown); idempotent
 * batches sent twice at once; idempotent batches whose first attempt dies
 * after reserving and whose retry runs on a live process.
 *
 * Checked: every acknowledged record is read back exactly once, at its
 * acknowledged offset; no record of a dead attempt appears; index ranges never
 * overlap; each reader's offsets strictly increase and a reader never passes
 * an offset that ends up holding an acknowledged record.
 */
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { memoryComponents } from '../../../core/adapters/memory/index.js';
import { EddyError } from '../../../core/errors.js';
import { createEddy } from '../../../core/index.js';
import type { IndexEntry } from '../../../core/model.js';
import type { Clock, MetadataStore } from '../../../core/ports.js';
import { seededIds } from '../../../core/ids.js';

type WriterKind = 'plain' | 'dying' | 'failing' | 'crashing' | 'idem' | 'idem-dying';

const enc = (s: string): Uint8Array => new TextEncoder().encode(s);
const dec = (b: Uint8Array | null): string => (b ? new TextDecoder().decode(b) : '');

/** Every promise-returning call waits for the scheduler; listings are not used by the paths under test. */
function scheduled(meta: MetadataStore, s: fc.Scheduler): MetadataStore {
  return new Proxy(meta, {
    get(target, prop, receiver) {
      const value = Reflect.get(target, prop, receiver) as unknown;
      if (typeof value !== 'function' || prop === 'listEntries') return value;
      return async (...args: unknown[]) => {
        await s.schedule(Promise.resolve(), String(prop));
        return (value as (...a: unknown[]) => Promise<unknown>).apply(target, args);
      };
    },
  });
}

/** A process that dies right after its reservation: every later store call fails (not retryable). */
function dyingAfterReserve(meta: MetadataStore): MetadataStore {
  let dead = false;
  return new Proxy(meta, {
    get(target, prop, receiver) {
      const value = Reflect.get(target, prop, receiver) as unknown;
      if (typeof value !== 'function') return value;
      return async (...args: unknown[]) => {
        if (dead) throw new EddyError('INTERNAL', 'injected: the process died');
        const out = await (value as (...a: unknown[]) => Promise<unknown>).apply(target, args);
        if (prop === 'reserveOffsets' && out !== undefined) dead = true;
        return out;
      };
    },
  });
}

/** Entry puts with data fail cleanly (the append then marks its own range abandoned). */
function failingPuts(meta: MetadataStore): MetadataStore {
  return new Proxy(meta, {
    get(target, prop, receiver) {
      const value = Reflect.get(target, prop, receiver) as unknown;
      if (typeof value !== 'function') return value;
      return async (...args: unknown[]) => {
        if (prop === 'appendEntry' && (args[0] as IndexEntry).objectKey !== null) throw new EddyError('UNAVAILABLE', 'injected: the put failed');
        const out = await (value as (...a: unknown[]) => Promise<unknown>).apply(target, args);
        return out;
      };
    },
  });
}

/** The first entry put with data applies, then fails as a crash right after it would (outcome unknown). */
function crashingAfterPut(meta: MetadataStore): MetadataStore {
  let crashed = false;
  return new Proxy(meta, {
    get(target, prop, receiver) {
      const value = Reflect.get(target, prop, receiver) as unknown;
      if (typeof value !== 'function') return value;
      return async (...args: unknown[]) => {
        const out = await (value as (...a: unknown[]) => Promise<unknown>).apply(target, args);
        if (prop === 'appendEntry' && !crashed && (args[0] as IndexEntry).objectKey !== null) {
          crashed = true;
          throw new EddyError('INTERNAL', 'injected: crashed right after the put applied');
        }
        return out;
      };
    },
  });
}

function scheduledClock(s: fc.Scheduler): Clock {
  let time = 1_700_000_000_000;
  return {
    now: () => time,
    sleep: async (ms) => {
      await s.schedule(Promise.resolve(), `sleep ${ms}`);
      time += ms;
    },
  };
}

const scenario = fc.record({
  writers: fc.array(fc.record({ kind: fc.constantFrom<WriterKind>('plain', 'plain', 'plain', 'dying', 'dying', 'failing', 'crashing', 'idem', 'idem-dying'), records: fc.integer({ min: 1, max: 3 }) }), { minLength: 1, maxLength: 10 }),
  readers: fc.array(fc.integer({ min: 1, max: 4 }), { minLength: 1, maxLength: 3 }),
});

describe('reserve protocol: model of concurrent reservers, dying writers, fillers and readers', () => {
  it('loses, duplicates and moves no acknowledged record; readers never pass a hole', async () => {
    await fc.assert(
      fc.asyncProperty(fc.scheduler(), scenario, async (s, { writers, readers }) => {
        const clock = scheduledClock(s);
        const stores = memoryComponents(clock, seededIds(5));
        const base = stores.metadataStore;
        const meta = scheduled(base, s);
        const settings = { log: { appendProtocol: 'reserve' as const, abandonAfterMs: 0 } };
        const live = createEddy({ components: { ...stores, metadataStore: meta }, settings }).log;
        const dying = (): ReturnType<typeof createEddy>['log'] => createEddy({ components: { ...stores, metadataStore: dyingAfterReserve(meta) }, settings }).log;
        await s.waitFor(live.createTopic({ name: 't', partitions: 1 }));

        /** value → acknowledged offset of its first record. */
        const acked = new Map<string, number>();
        const dead = new Set<string>();
        const maybe = new Set<string>();
        const records = (w: number, n: number) => Array.from({ length: n }, (_, i) => ({ key: null, value: enc(`w${w}r${i}`), partition: 0 }));
        const ack = (w: number, n: number, offsets: Array<{ offset: number }>) => {
          for (let i = 0; i < n; i++) acked.set(`w${w}r${i}`, offsets[i]!.offset);
        };
        const tasks = writers.map(async ({ kind, records: n }, w) => {
          const producer = { producerId: `p${w}`, producerEpoch: 0, sequences: new Map([[0, 0]]) };
          if (kind === 'plain') ack(w, n, await live.produce({ topic: 't', records: records(w, n) }));
          else if (kind === 'dying') {
            // The first append of a partition reserves nothing (it writes offset 0, then creates the counter): it does not die.
            const out = await dying()
              .produce({ topic: 't', records: records(w, n) })
              .catch((err: unknown) => {
                expect(err).toBeInstanceOf(EddyError);
                return undefined;
              });
            if (out) ack(w, n, out);
            else for (let i = 0; i < n; i++) dead.add(`w${w}r${i}`);
          } else if (kind === 'failing') {
            await expect(createEddy({ components: { ...stores, metadataStore: failingPuts(meta) }, settings }).log.produce({ topic: 't', records: records(w, n) })).rejects.toBeInstanceOf(EddyError);
            for (let i = 0; i < n; i++) dead.add(`w${w}r${i}`);
          } else if (kind === 'crashing') {
            // Its outcome is unknown to the caller; if the append answers, its offsets must hold its records.
            for (let i = 0; i < n; i++) maybe.add(`w${w}r${i}`);
            const out = await createEddy({ components: { ...stores, metadataStore: crashingAfterPut(meta) }, settings })
              .log.produce({ topic: 't', records: records(w, n) })
              .catch(() => undefined);
            if (out) ack(w, n, out);
          } else if (kind === 'idem') {
            const [a, b] = await Promise.all([live.produce({ topic: 't', records: records(w, n), producer }), live.produce({ topic: 't', records: records(w, n), producer })]);
            expect(a).toEqual(b);
            ack(w, n, a);
          } else {
            for (let i = 0; i < n; i++) maybe.add(`w${w}r${i}`);
            await dying()
              .produce({ topic: 't', records: records(w, n), producer })
              .catch(() => undefined);
            ack(w, n, await live.produce({ topic: 't', records: records(w, n), producer }));
          }
        });
        const seen = readers.map(() => new Map<number, string>());
        const positions = readers.map(() => 0);
        const readerTasks = readers.map(async (maxRecords, r) => {
          let last = -1;
          for (let round = 0; round < 12; round++) {
            const out = await live.fetch({ topic: 't', partition: 0, offset: positions[r]!, maxRecords });
            for (const rec of out.records) {
              expect(rec.offset).toBeGreaterThan(last);
              last = rec.offset;
              seen[r]!.set(rec.offset, dec(rec.value));
            }
            expect(out.nextOffset).toBeGreaterThanOrEqual(positions[r]!);
            positions[r] = out.nextOffset;
          }
        });
        await s.waitFor(Promise.all([...tasks, ...readerTasks]));

        // A final reader, after every writer finished: it abandons what is left below later entries.
        const final = new Map<number, string>();
        let at = 0;
        for (;;) {
          const out = await s.waitFor(live.fetch({ topic: 't', partition: 0, offset: at, maxRecords: 100 }));
          for (const rec of out.records) final.set(rec.offset, dec(rec.value));
          if (out.nextOffset === at) break;
          at = out.nextOffset;
        }
        const values = [...final.values()];
        expect(new Set(values).size).toBe(values.length); // nothing twice
        for (const [value, offset] of acked) expect(final.get(offset)).toBe(value); // nothing lost or moved
        for (const value of values) {
          expect(dead.has(value)).toBe(false); // no record of a dead attempt
          expect(acked.has(value) || maybe.has(value)).toBe(true);
        }
        const topicId = (await s.waitFor(live.topic('t'))).topicId;
        const entries: IndexEntry[] = [];
        for await (const e of base.listEntries(topicId, 0)) entries.push(e);
        for (let i = 1; i < entries.length; i++) expect(entries[i]!.baseOffset).toBeGreaterThan(entries[i - 1]!.lastOffset); // no overlap
        seen.forEach((m, r) => {
          for (const [offset, value] of m) expect(final.get(offset)).toBe(value);
          // Never passed a hole: every acknowledged record below the reader's position was read by it.
          for (const [value, offset] of acked) if (offset < positions[r]!) expect(m.get(offset), `reader ${r} passed ${value}@${offset}`).toBe(value);
        });
      }),
      { numRuns: 400, interruptAfterTimeLimit: 90_000 },
    );
  }, 120_000);
});
