/**
 * The log engine's contract: runs unchanged against the memory adapters and
 * the AWS adapters on dynalite + s3rver, so the two cannot drift.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createLog, type Components, type Log } from '../../helpers/core.js';
import type { LogOptions } from '../../../core/index.js';
import { EddyError } from '../../../core/errors.js';
import type { MetadataStore, ObjectStore } from '../../../core/ports.js';
import { partitionForKey } from '@eddy/api';
import type { AdapterKind } from '../../helpers/standins.js';

const enc = (s: string) => new TextEncoder().encode(s);
const dec = (b: Uint8Array | null) => (b === null ? null : new TextDecoder().decode(b));
let n = 0;
const uniqueTopic = (label: string) => `${label}-${Date.now().toString(36)}-${n++}`;

async function expectCode(p: Promise<unknown>, code: string): Promise<EddyError> {
  try {
    await p;
  } catch (err) {
    expect(err).toBeInstanceOf(EddyError);
    expect((err as EddyError).code).toBe(code);
    return err as EddyError;
  }
  throw new Error(`expected ${code}, but the call succeeded`);
}

async function countObjects(store: ObjectStore): Promise<number> {
  let count = 0;
  for await (const _ of store.list('')) count++;
  return count;
}

async function readAll(engine: Log, topic: string, partition: number, from = 0) {
  const out: Array<{ offset: number; value: string | null }> = [];
  let offset = from;
  for (;;) {
    const r = await engine.fetch({ topic, partition, offset, maxRecords: 500 });
    out.push(...r.records.map((x) => ({ offset: x.offset, value: dec(x.value) })));
    if (r.nextOffset >= r.highWatermark) return out;
    offset = r.nextOffset;
  }
}

/** Wraps a metadata store so the first `n` appends apply and then report an ambiguous failure (a timeout after the write). */
function ambiguousAppends(meta: MetadataStore, n: number): MetadataStore {
  let left = n;
  return new Proxy(meta, {
    get(target, prop, receiver) {
      if (prop === 'appendEntry') {
        return async (entry: Parameters<MetadataStore['appendEntry']>[0]) => {
          const ok = await target.appendEntry(entry);
          if (ok && left-- > 0) throw new EddyError('UNKNOWN_OUTCOME', 'injected: timeout after the write applied');
          return ok;
        };
      }
      const v = Reflect.get(target, prop, receiver) as unknown;
      return typeof v === 'function' ? (v as (...a: unknown[]) => unknown).bind(target) : v;
    },
  });
}

/** Wraps a metadata store so `appendEntry` throws, simulating a crash between the S3 PUT and the index write. */
function failingAppends(meta: MetadataStore, error: EddyError): MetadataStore {
  return new Proxy(meta, {
    get(target, prop, receiver) {
      if (prop === 'appendEntry') return async () => Promise.reject(error);
      const v = Reflect.get(target, prop, receiver) as unknown;
      return typeof v === 'function' ? (v as (...a: unknown[]) => unknown).bind(target) : v;
    },
  });
}

export function logContract(kind: AdapterKind, log?: LogOptions): void {
  describe(`log engine contract: ${kind.name}${log?.appendProtocol ? ` (${log.appendProtocol} protocol)` : ''}`, () => {
    let c: Components;
    let engine: Log;
    beforeAll(async () => {
      await kind.setup();
      c = kind.components();
      engine = createLog(c, log);
    });
    afterAll(() => kind.teardown());

    it('creates, lists, describes, alters and deletes topics', async () => {
      const name = uniqueTopic('admin');
      const created = await engine.createTopic({ name, partitions: 3, config: { retentionMs: 60_000 } });
      expect(created).toMatchObject({ name, partitions: 3, config: { retentionMs: 60_000, retentionBytes: -1, maxMessageBytes: 1048576 } });
      expect(created.partitionOffsets).toEqual([0, 1, 2].map((partition) => ({ partition, logStartOffset: 0, highWatermark: 0, segments: 0 })));
      await expectCode(engine.createTopic({ name }), 'TOPIC_ALREADY_EXISTS');
      expect(await engine.listTopics()).toContainEqual({ name, partitions: 3 });
      const altered = await engine.alterTopic(name, { partitions: 5, config: { maxMessageBytes: 1000 } });
      expect(altered).toMatchObject({ partitions: 5, config: { retentionMs: 60_000, maxMessageBytes: 1000 } });
      expect(altered.partitionOffsets).toHaveLength(5);
      await expectCode(engine.alterTopic(name, { partitions: 2 }), 'INVALID_PARTITIONS');
      await engine.deleteTopic(name);
      await expectCode(engine.describeTopic(name), 'UNKNOWN_TOPIC_OR_PARTITION');
      expect((await engine.listTopics()).map((t) => t.name)).not.toContain(name);
    });

    it('a process that appended before a deletion appends nothing after it; the name created again takes its appends', async () => {
      const name = uniqueTopic('deleted');
      const { topicId } = await engine.createTopic({ name, partitions: 2 });
      await engine.produce({ topic: name, records: [{ key: null, value: enc('before'), partition: 0 }] });
      const admin = createLog(c, log);
      await admin.deleteTopic(name);
      // Partition 0 has a counter under the reserve protocol, partition 1 none yet: both refuse.
      for (const partition of [0, 1]) await expectCode(engine.produce({ topic: name, records: [{ key: null, value: enc('after'), partition }] }), 'UNKNOWN_TOPIC_OR_PARTITION');
      for (const partition of [0, 1]) expect(await c.metadataStore.readCounter(topicId, partition)).toBeUndefined();
      await admin.createTopic({ name, partitions: 2 });
      expect(await engine.produce({ topic: name, records: [{ key: null, value: enc('again'), partition: 0 }] })).toEqual([{ partition: 0, offset: 0 }]);
    });

    it('enforces Kafka topic names, partition bounds and config', async () => {
      for (const bad of ['', '.', '..', 'a b', 'ü', 'x'.repeat(250), 'a/b']) await expectCode(engine.createTopic({ name: bad }), 'INVALID_TOPIC');
      for (const p of [0, -1, 1001, 1.5]) await expectCode(engine.createTopic({ name: uniqueTopic('p'), partitions: p }), 'INVALID_PARTITIONS');
      // max.message.bytes may be raised to 8 MiB (the Kafka protocol carries such records), not beyond.
      await expectCode(engine.createTopic({ name: uniqueTopic('cfg'), config: { maxMessageBytes: 8 * 1024 * 1024 + 1 } }), 'INVALID_REQUEST');
      expect(await engine.createTopic({ name: uniqueTopic('cfg'), config: { maxMessageBytes: 8 * 1024 * 1024 } })).toMatchObject({ config: { maxMessageBytes: 8 * 1024 * 1024 } });
      await expectCode(engine.createTopic({ name: uniqueTopic('cfg'), config: { retentionMs: 0 } }), 'INVALID_REQUEST');
      expect(await createLog(c, log).createTopic({ name: 'a.b_c-D9', partitions: 1000 })).toMatchObject({ partitions: 1000 });
    });

    it('returns bytes, keys, headers and timestamps exactly as sent (binary too)', async () => {
      const topic = uniqueTopic('roundtrip');
      await engine.createTopic({ name: topic, partitions: 2 });
      const binary = new Uint8Array(256).map((_, i) => i);
      const sent = [
        { key: binary, value: binary, headers: [['bin', binary]] as Array<[string, Uint8Array]>, partition: 1, timestamp: 1_234 },
        { key: null, value: enc(''), headers: [['ü-name', enc('välue')], ['empty', new Uint8Array()]] as Array<[string, Uint8Array]>, partition: 1, timestamp: 0 },
        { key: enc('k'), value: null, partition: 1 },
      ];
      const before = Date.now();
      const results = await engine.produce({ topic, records: sent });
      expect(results).toEqual([0, 1, 2].map((offset) => ({ partition: 1, offset })));
      const got = await engine.fetch({ topic, partition: 1, offset: 0 });
      expect(got.records).toHaveLength(3);
      expect(got.records[0]).toMatchObject({ offset: 0, timestamp: 1_234, key: binary, value: binary, headers: [['bin', binary]] });
      expect(got.records[1]).toMatchObject({ offset: 1, timestamp: 0, key: null, value: new Uint8Array(), headers: sent[1]!.headers });
      expect(got.records[2]!.value).toBeNull();
      expect(got.records[2]!.timestamp).toBeGreaterThanOrEqual(before);
      expect(got).toMatchObject({ nextOffset: 3, highWatermark: 3, logStartOffset: 0 });
    });

    it('assigns dense offsets from 0: keys by murmur2, keyless round-robin, explicit partition wins', async () => {
      const topic = uniqueTopic('dense');
      await engine.createTopic({ name: topic, partitions: 4 });
      const keys = ['a', 'b', 'c', 'd', 'e', 'f', 'g', 'h'];
      const results = await engine.produce({ topic, records: keys.map((k) => ({ key: enc(k), value: enc(k) })) });
      results.forEach((r, i) => expect(r.partition).toBe(partitionForKey(enc(keys[i]!), 4)));
      const keyless = await engine.produce({ topic, records: Array.from({ length: 8 }, (_, i) => ({ key: null, value: enc(`n${i}`) })) });
      const counts = [0, 0, 0, 0];
      keyless.forEach((r) => counts[r.partition]!++);
      expect(counts).toEqual([2, 2, 2, 2]);
      const explicit = await engine.produce({ topic, records: [{ key: enc('a'), value: enc('x'), partition: 3 }] });
      expect(explicit[0]!.partition).toBe(3);
      for (let p = 0; p < 4; p++) {
        const all = await readAll(engine, topic, p);
        expect(all.map((r) => r.offset)).toEqual(all.map((_, i) => i));
      }
    });

    it('keeps every acknowledged record exactly once, in each producer\'s order, under 32 concurrent produces', async () => {
      const topic = uniqueTopic('race');
      await engine.createTopic({ name: topic, partitions: 1 });
      const producers = 32;
      const perProducer = 5;
      const acked = new Map<string, number>();
      await Promise.all(
        Array.from({ length: producers }, async (_, p) => {
          for (let i = 0; i < perProducer; i++) {
            const value = `p${p}-${i}`;
            const [r] = await engine.produce({ topic, records: [{ key: null, value: enc(value), partition: 0 }] });
            acked.set(value, r!.offset);
          }
        }),
      );
      expect(acked.size).toBe(producers * perProducer);
      const all = await readAll(engine, topic, 0);
      expect(all.map((r) => r.offset)).toEqual(Array.from({ length: producers * perProducer }, (_, i) => i));
      for (const [value, offset] of acked) expect(all[offset]!.value).toBe(value);
      for (let p = 0; p < producers; p++) {
        const mine = all.filter((r) => r.value!.startsWith(`p${p}-`)).map((r) => r.value);
        expect(mine).toEqual(Array.from({ length: perProducer }, (_, i) => `p${p}-${i}`));
      }
      // 160 contended appends on one partition: minutes, not seconds, on a loaded machine with the stand-ins.
    }, 180_000);

    it('leaves no visible record when the index write fails after the S3 PUT', async () => {
      const topic = uniqueTopic('crash');
      await engine.createTopic({ name: topic, partitions: 1 });
      await engine.produce({ topic, records: [{ key: null, value: enc('before') }] });
      const broken = createLog({ ...c, metadataStore: failingAppends(c.metadataStore, new EddyError('UNAVAILABLE', 'injected')) }, log);
      const objectsBefore = await countObjects(c.objectStore);
      await expectCode(broken.produce({ topic, records: [{ key: null, value: enc('lost') }] }), 'UNAVAILABLE');
      expect(await countObjects(c.objectStore)).toBe(objectsBefore + 1); // the orphan GC will reclaim
      expect(await readAll(engine, topic, 0)).toEqual([{ offset: 0, value: 'before' }]);
      const [next] = await engine.produce({ topic, records: [{ key: null, value: enc('after') }] });
      // The reserve protocol never gives offsets back: offset 1 stays a hole (its marker failed too) that a reader
      // abandons once the entry above it is abandonAfterMs old (0 here), then skips.
      expect(next!.offset).toBe(log?.appendProtocol === 'reserve' ? 2 : 1);
      expect(await readAll(createLog(c, { ...log, abandonAfterMs: 0 }), topic, 0, 1)).toEqual([{ offset: next!.offset, value: 'after' }]);
    });

    it('recognises its own append after an ambiguous index write: no duplicate, no gap', async () => {
      const topic = uniqueTopic('ambiguous');
      await engine.createTopic({ name: topic, partitions: 1 });
      const flaky = createLog({ ...c, metadataStore: ambiguousAppends(c.metadataStore, 1) }, log);
      const [r] = await flaky.produce({ topic, records: [{ key: null, value: enc('once') }] });
      expect(r).toEqual({ partition: 0, offset: 0 });
      await engine.produce({ topic, records: [{ key: null, value: enc('next') }] });
      expect(await readAll(engine, topic, 0)).toEqual([
        { offset: 0, value: 'once' },
        { offset: 1, value: 'next' },
      ]);
    });

    it('reports a multi-partition produce as UNKNOWN_OUTCOME when one partition is ambiguous and another failed cleanly', async () => {
      const topic = uniqueTopic('mixed-failure');
      await engine.createTopic({ name: topic, partitions: 2 });
      const meta = c.metadataStore;
      let ambiguousDone = false;
      const mixed = new Proxy(meta, {
        get(target, prop, receiver) {
          if (prop === 'appendEntry') {
            return async (entry: Parameters<MetadataStore['appendEntry']>[0]) => {
              if (entry.partition === 0) throw new EddyError('UNAVAILABLE', 'injected clean failure');
              await target.appendEntry(entry);
              ambiguousDone = true;
              throw new EddyError('UNKNOWN_OUTCOME', 'injected: applied, then timed out');
            };
          }
          if (prop === 'headEntry' || prop === 'entriesFrom') {
            // After the ambiguous write, every read fails: the partition can never confirm it.
            return async (...args: unknown[]) =>
              ambiguousDone ? Promise.reject(new EddyError('UNAVAILABLE', 'injected read failure')) : (target[prop] as (...a: unknown[]) => Promise<unknown>).apply(target, args);
          }
          const v = Reflect.get(target, prop, receiver) as unknown;
          return typeof v === 'function' ? (v as (...a: unknown[]) => unknown).bind(target) : v;
        },
      });
      const flaky = createLog({ ...c, metadataStore: mixed }, log);
      await expectCode(
        flaky.produce({ topic, records: [{ key: null, value: enc('a'), partition: 0 }, { key: null, value: enc('b'), partition: 1 }] }),
        'UNKNOWN_OUTCOME',
      );
    });

    it('deduplicates an idempotent producer\'s retried batch and rejects sequence gaps and fenced epochs', async () => {
      const topic = uniqueTopic('idempotent');
      await engine.createTopic({ name: topic, partitions: 2 });
      const batch = (seq0: number, seq1: number, epoch = 0, tag = 'a') => ({
        topic,
        records: [
          { key: null, value: enc(`${tag}0`), partition: 0 },
          { key: null, value: enc(`${tag}1`), partition: 0 },
          { key: null, value: enc(`${tag}2`), partition: 1 },
        ],
        producer: { producerId: 'prod-1', producerEpoch: epoch, sequences: new Map([[0, seq0], [1, seq1]]) },
      });
      const first = await engine.produce(batch(0, 0));
      expect(first).toEqual([{ partition: 0, offset: 0 }, { partition: 0, offset: 1 }, { partition: 1, offset: 0 }]);
      await engine.produce({ topic, records: [{ key: null, value: enc('other'), partition: 0 }] });
      expect(await engine.produce(batch(0, 0))).toEqual(first); // a retry: same offsets, nothing appended
      expect((await readAll(engine, topic, 0)).map((r) => r.value)).toEqual(['a0', 'a1', 'other']);
      await expectCode(engine.produce(batch(5, 1)), 'OUT_OF_ORDER_SEQUENCE'); // gap in partition 0
      const second = await engine.produce(batch(2, 1, 0, 'b'));
      expect(second).toEqual([{ partition: 0, offset: 3 }, { partition: 0, offset: 4 }, { partition: 1, offset: 1 }]);
      const bumped = await engine.produce(batch(0, 0, 1, 'c')); // a new epoch restarts sequences
      expect(bumped[0]!.offset).toBe(5);
      const fenced = await expectCode(engine.produce(batch(3, 2, 0, 'd')), 'PRODUCER_FENCED');
      expect(fenced.message).toContain('fenced');
      await expectCode(engine.produce({ ...batch(0, 0), records: [{ key: null, value: enc('x') }] }), 'INVALID_REQUEST'); // no explicit partition
    });

    it('remembers an idempotent producer that more than 32 others have pushed out of the head', async () => {
      const topic = uniqueTopic('lookback');
      await engine.createTopic({ name: topic, partitions: 1 });
      const send = (id: string, seq: number) =>
        engine.produce({ topic, records: [{ key: null, value: enc(`${id}:${seq}`), partition: 0 }], producer: { producerId: id, producerEpoch: 0, sequences: new Map([[0, seq]]) } });
      await send('slow', 0);
      const [kept] = await send('slow', 1);
      for (let i = 0; i < 40; i++) await send(`busy-${i}`, 0);
      expect(await send('slow', 1)).toEqual([kept]); // a late retry is still recognised
      const [next] = await send('slow', 2); // and the producer simply continues
      expect(next!.offset).toBe(42);
      await expectCode(send('never-seen', 7), 'UNKNOWN_PRODUCER_ID'); // an unknown producer must start at 0
    });

    it('recognises a late retry of a first batch (sequence 0) after more than 32 other producers appended', async () => {
      const topic = uniqueTopic('lookback-first');
      await engine.createTopic({ name: topic, partitions: 1 });
      const send = (id: string, seq: number) =>
        engine.produce({ topic, records: [{ key: null, value: enc(`${id}:${seq}`), partition: 0 }], producer: { producerId: id, producerEpoch: 0, sequences: new Map([[0, seq]]) } });
      const [first] = await send('first', 0);
      for (let i = 0; i < 33; i++) await send(`busy-${i}`, 0);
      expect(await send('first', 0)).toEqual([first]); // not appended a second time
      const values = (await readAll(engine, topic, 0)).map((r) => r.value);
      expect(values).toHaveLength(34);
      expect(values.filter((v) => v === 'first:0')).toHaveLength(1);
      expect(await send('first', 1)).toEqual([{ partition: 0, offset: 34 }]);
    });

    it('reports a corrupted object as DATA_CORRUPT, never as data', async () => {
      const topic = uniqueTopic('corrupt');
      await engine.createTopic({ name: topic, partitions: 1 });
      await engine.produce({ topic, records: [{ key: enc('k'), value: enc('precious value') }] });
      const prefix = `ingest/${(await engine.describeTopic(topic)).topicId}/`;
      let key = '';
      for await (const o of c.objectStore.list(prefix)) key = o.key;
      const bytes = await c.objectStore.get(key);
      bytes[bytes.length - 3]! ^= 0x20;
      await c.objectStore.put(key, bytes);
      await expectCode(engine.fetch({ topic, partition: 0, offset: 0 }), 'DATA_CORRUPT');
      await c.objectStore.delete([key]);
      await expectCode(engine.fetch({ topic, partition: 0, offset: 0 }), 'DATA_CORRUPT');
    });

    it('rejects bad input before anything is written', async () => {
      const topic = uniqueTopic('bad');
      await engine.createTopic({ name: topic, partitions: 2, config: { maxMessageBytes: 100 } });
      const before = await countObjects(c.objectStore);
      const good = { key: null, value: enc('ok') };
      await expectCode(engine.produce({ topic, records: [good, { key: null, value: new Uint8Array(200) }] }), 'MESSAGE_TOO_LARGE');
      await expectCode(engine.produce({ topic, records: [good, { ...good, partition: 2 }] }), 'UNKNOWN_TOPIC_OR_PARTITION');
      await expectCode(engine.produce({ topic, records: [good, { ...good, timestamp: -5 }] }), 'INVALID_REQUEST');
      await expectCode(engine.produce({ topic, records: [] }), 'INVALID_REQUEST');
      await expectCode(engine.produce({ topic: 'bad name', records: [good] }), 'INVALID_TOPIC');
      await expectCode(engine.produce({ topic: uniqueTopic('missing'), records: [good] }), 'UNKNOWN_TOPIC_OR_PARTITION');
      expect(await countObjects(c.objectStore)).toBe(before);
      const d = await engine.describeTopic(topic);
      expect(d.partitionOffsets.map((p) => p.highWatermark)).toEqual([0, 0]);
    });

    it('answers fetches at the edges: empty at the end, 416 past it, maxRecords and maxBytes', async () => {
      const topic = uniqueTopic('edges');
      await engine.createTopic({ name: topic, partitions: 1 });
      for (let i = 0; i < 4; i++) await engine.produce({ topic, records: [0, 1, 2].map((j) => ({ key: null, value: new Uint8Array(100).fill(i * 3 + j) })) });
      const end = await engine.fetch({ topic, partition: 0, offset: 12 });
      expect(end).toMatchObject({ records: [], nextOffset: 12, highWatermark: 12 });
      const err = await expectCode(engine.fetch({ topic, partition: 0, offset: 13 }), 'OFFSET_OUT_OF_RANGE');
      expect(err.message).toContain('logStartOffset=0');
      await expectCode(engine.fetch({ topic, partition: 1, offset: 0 }), 'UNKNOWN_TOPIC_OR_PARTITION');
      const some = await engine.fetch({ topic, partition: 0, offset: 4, maxRecords: 5 });
      expect(some.records.map((r) => r.offset)).toEqual([4, 5, 6, 7, 8]);
      expect(some.records.map((r) => r.value![0])).toEqual([4, 5, 6, 7, 8]);
      const small = await engine.fetch({ topic, partition: 0, offset: 1, maxBytes: 250 });
      expect(small.records.map((r) => r.offset)).toEqual([1, 2]);
      const tiny = await engine.fetch({ topic, partition: 0, offset: 1, maxBytes: 1 });
      expect(tiny.records.map((r) => r.offset)).toEqual([1]);
    });

    it('lists offsets: earliest, latest and the first offset at or after a timestamp', async () => {
      const topic = uniqueTopic('times');
      await engine.createTopic({ name: topic, partitions: 1 });
      await engine.produce({ topic, records: [10, 20, 20, 30].map((timestamp, i) => ({ key: null, value: enc(`v${i}`), timestamp })) });
      await engine.produce({ topic, records: [{ key: null, value: enc('v4'), timestamp: 40 }] });
      expect(await engine.listOffset(topic, 0, 'earliest')).toEqual({ partition: 0, offset: 0 });
      expect(await engine.listOffset(topic, 0, 'latest')).toEqual({ partition: 0, offset: 5 });
      expect(await engine.listOffset(topic, 0, { timestamp: 15 })).toEqual({ partition: 0, offset: 1, timestamp: 20 });
      expect(await engine.listOffset(topic, 0, { timestamp: 35 })).toEqual({ partition: 0, offset: 4, timestamp: 40 });
      expect(await engine.listOffset(topic, 0, { timestamp: 41 })).toEqual({ partition: 0, offset: 5 });
    });

    it('never shows old data after a topic is deleted and recreated', async () => {
      const topic = uniqueTopic('recreate');
      await engine.createTopic({ name: topic, partitions: 1 });
      await engine.produce({ topic, records: [1, 2, 3].map((i) => ({ key: null, value: enc(`old${i}`) })) });
      await engine.deleteTopic(topic);
      await expectCode(engine.fetch({ topic, partition: 0, offset: 0 }), 'UNKNOWN_TOPIC_OR_PARTITION');
      await engine.createTopic({ name: topic, partitions: 1 });
      const fresh = await engine.fetch({ topic, partition: 0, offset: 0 });
      expect(fresh).toMatchObject({ records: [], highWatermark: 0, logStartOffset: 0 });
      const [r] = await engine.produce({ topic, records: [{ key: null, value: enc('new') }] });
      expect(r!.offset).toBe(0);
      expect(await readAll(engine, topic, 0)).toEqual([{ offset: 0, value: 'new' }]);
    });

    it('counts segments per partition in describe', async () => {
      const topic = uniqueTopic('segments');
      await engine.createTopic({ name: topic, partitions: 2 });
      for (let i = 0; i < 3; i++) await engine.produce({ topic, records: [{ key: null, value: enc('x'), partition: 0 }, { key: null, value: enc('y'), partition: 1 }] });
      await engine.produce({ topic, records: [{ key: null, value: enc('x'), partition: 0 }] });
      const d = await engine.describeTopic(topic);
      expect(d.partitionOffsets).toEqual([
        { partition: 0, logStartOffset: 0, highWatermark: 4, segments: 4 },
        { partition: 1, logStartOffset: 0, highWatermark: 3, segments: 3 },
      ]);
    });
  });
}
