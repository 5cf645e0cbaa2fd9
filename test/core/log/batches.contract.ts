/**
 * The raw-batch seam's contract (Kafka record batches in, stored bytes out),
 * run unchanged against the memory adapters and the AWS adapters on
 * dynalite + s3rver.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { encodeObject } from '../../../core/codec/format.js';
import { decodeBatches, encodeBatch, readBatchHeaders } from '../../../core/codec/record-batch.js';
import type { EddyError } from '../../../core/errors.js';
import { createEddy, type Components, type Log, type LogOptions } from '../../../core/index.js';
import { ingestKey } from '../../../core/layout.js';
import type { AdapterKind } from '../../helpers/standins.js';
import { FIXTURE_CHUNKS } from '../../fixtures/object-v1.js';

const enc = (s: string) => new TextEncoder().encode(s);
const dec = (b: Uint8Array | null) => (b === null ? null : new TextDecoder().decode(b));
let n = 0;
const uniqueTopic = (label: string) => `${label}-${Date.now().toString(36)}-${n++}`;

const records = (prefix: string, count: number) =>
  Array.from({ length: count }, (_, i) => ({ timestamp: 1_700_000_000_000 + i, key: i % 2 ? null : enc(`k${i}`), value: i === 1 ? null : enc(`${prefix}-${i}`), headers: [['h', i === 2 ? null : enc('v')] as const] }));

export function batchesContract(kind: AdapterKind, options?: LogOptions): void {
  describe(`raw batch seam: ${kind.name}${options?.appendProtocol ? ` (${options.appendProtocol} protocol)` : ''}`, () => {
    let c: Components;
    let log: Log;
    beforeAll(async () => {
      await kind.setup();
      c = kind.components();
      log = createEddy({ components: c, ...(options ? { settings: { log: options } } : {}) }).log;
    });
    afterAll(() => kind.teardown());

    it('stores a Kafka batch unchanged and serves it with its offsets, readable as records too', async () => {
      const topic = uniqueTopic('raw');
      await log.createTopic({ name: topic, partitions: 2 });
      await log.produce({ topic, records: [{ key: null, value: enc('first'), partition: 1 }] });
      const gzip = encodeBatch({ records: records('gz', 4), compression: 'gzip' });
      const plain = encodeBatch({ records: records('plain', 3) });
      const results = await log.appendBatches({ topic, partitions: [{ partition: 1, batches: gzip }, { partition: 0, batches: plain }] });
      expect(results).toEqual([{ partition: 1, baseOffset: 1 }, { partition: 0, baseOffset: 0 }]);

      const served = await log.readBatches({ topic, partition: 1, offset: 2 });
      expect(served).toMatchObject({ partition: 1, logStartOffset: 0, highWatermark: 5 });
      // The batch holding offset 2 starts at 1 (a batch is never cut) and keeps the producer's compressed bytes.
      const bytes = served.batches.at(-1)!;
      expect(readBatchHeaders(bytes)[0]).toMatchObject({ baseOffset: 1, recordCount: 4, compression: 'gzip' });
      expect(Buffer.from(bytes.subarray(8)).equals(Buffer.from(gzip.subarray(8)))).toBe(true);
      const decoded = decodeBatches(bytes).flatMap((b) => b.records);
      expect(decoded.map((r) => [r.offset, dec(r.key), dec(r.value), r.headers.map(([k, v]) => [k, dec(v)])])).toEqual([
        [1, 'k0', 'gz-0', [['h', 'v']]],
        [2, null, null, [['h', 'v']]],
        [3, 'k2', 'gz-2', [['h', null]]],
        [4, null, 'gz-3', [['h', 'v']]],
      ]);

      const fetched = await log.fetch({ topic, partition: 1, offset: 0 });
      expect(fetched.records.map((r) => [r.offset, dec(r.value), r.timestamp >= 1_700_000_000_000])).toEqual([
        [0, 'first', true],
        [1, 'gz-0', true],
        [2, null, true],
        [3, 'gz-2', true],
        [4, 'gz-3', true],
      ]);
    });

    it('answers each partition on its own: a corrupt batch or an unknown partition writes nothing there', async () => {
      const topic = uniqueTopic('perpart');
      await log.createTopic({ name: topic, partitions: 2 });
      const good = encodeBatch({ records: records('ok', 2) });
      const bad = encodeBatch({ records: records('bad', 2) });
      bad[bad.length - 1] = bad[bad.length - 1]! ^ 0xff; // past the CRC's start: the checksum no longer matches
      const results = await log.appendBatches({
        topic,
        partitions: [
          { partition: 0, batches: bad },
          { partition: 1, batches: good },
          { partition: 7, batches: good },
        ],
      });
      expect(results[1]).toEqual({ partition: 1, baseOffset: 0 });
      expect((results[0] as { error: EddyError }).error.code).toBe('CORRUPT_MESSAGE');
      expect((results[2] as { error: EddyError }).error.code).toBe('UNKNOWN_TOPIC_OR_PARTITION');
      expect((await log.partitionOffsets(topic, 0)).highWatermark).toBe(0);
      expect((await log.partitionOffsets(topic, 1)).highWatermark).toBe(2);
    });

    it('deduplicates an idempotent producer batch by the ids in its header, and refuses gaps and fenced epochs', async () => {
      const topic = uniqueTopic('idem');
      await log.createTopic({ name: topic, partitions: 1 });
      const pid = await log.initProducerId();
      expect(await log.initProducerId()).not.toBe(pid);
      const batch = (seq: number, epoch = 0) => encodeBatch({ records: records(`s${seq}`, 2), producerId: pid, producerEpoch: epoch, baseSequence: seq });
      const send = async (b: Uint8Array) => (await log.appendBatches({ topic, partitions: [{ partition: 0, batches: b }] }))[0]!;
      expect(await send(batch(0))).toEqual({ partition: 0, baseOffset: 0 });
      expect(await send(batch(0))).toEqual({ partition: 0, baseOffset: 0 }); // a retry: same offsets, not appended again
      expect(await send(batch(2))).toEqual({ partition: 0, baseOffset: 2 });
      expect(((await send(batch(7))) as { error: EddyError }).error.code).toBe('OUT_OF_ORDER_SEQUENCE');
      expect(await send(batch(0, 1))).toEqual({ partition: 0, baseOffset: 4 }); // a new epoch starts at 0
      expect(((await send(batch(4, 0))) as { error: EddyError }).error.code).toBe('PRODUCER_FENCED');
      expect((await log.partitionOffsets(topic, 0)).highWatermark).toBe(6);
    });

    it('recognises a late retry of a producer\'s first batch (sequence 0) after more than 32 other producers appended', async () => {
      const topic = uniqueTopic('idem-late');
      await log.createTopic({ name: topic, partitions: 1 });
      const send = async (pid: bigint, seq: number) =>
        (await log.appendBatches({ topic, partitions: [{ partition: 0, batches: encodeBatch({ records: records(`${pid}:${seq}`, 1), producerId: pid, producerEpoch: 0, baseSequence: seq }) }] }))[0]!;
      const pid = await log.initProducerId();
      expect(await send(pid, 0)).toEqual({ partition: 0, baseOffset: 0 });
      for (let i = 0; i < 33; i++) await send(await log.initProducerId(), 0);
      expect(await send(pid, 0)).toEqual({ partition: 0, baseOffset: 0 }); // the head forgot it; the look-back did not
      expect((await log.partitionOffsets(topic, 0)).highWatermark).toBe(34);
      expect(await send(pid, 1)).toEqual({ partition: 0, baseOffset: 34 });
    });

    it('serves chunks of the first release (format 1) as record batches and as records', async () => {
      const topic = uniqueTopic('v1');
      const { topicId } = await log.createTopic({ name: topic, partitions: 1 });
      // An object and index entry exactly as the first release wrote them.
      const { bytes, chunks } = encodeObject([{ partition: 0, records: FIXTURE_CHUNKS[0]!.records }]);
      const key = ingestKey(topicId, 'first-release');
      await c.objectStore.put(key, bytes);
      const chunk = chunks[0]!;
      await c.metadataStore.appendEntry({
        topicId,
        partition: 0,
        baseOffset: 0,
        lastOffset: 1,
        objectKey: key,
        chunks: [{ offsetDelta: 0, position: chunk.position, length: chunk.length, records: chunk.records, maxTimestamp: chunk.maxTimestamp }],
        bytes: chunk.length,
        maxTimestamp: chunk.maxTimestamp,
        appendedAt: 1,
        producers: {},
      });
      await log.produce({ topic, records: [{ key: null, value: enc('after') }] });
      const served = await log.readBatches({ topic, partition: 0, offset: 0 });
      const got = served.batches.flatMap((b) => decodeBatches(b).flatMap((x) => x.records));
      expect(got.map((r) => [r.offset, dec(r.key), r.value === null ? null : Buffer.from(r.value).toString('hex')])).toEqual([
        [0, 'user-1', Buffer.from('{"event":"user_registered"}').toString('hex')],
        [1, null, '00ff01fe'],
        [2, null, Buffer.from('after').toString('hex')],
      ]);
      const fetched = await log.fetch({ topic, partition: 0, offset: 0 });
      expect(fetched.records.map((r) => r.offset)).toEqual([0, 1, 2]);
      expect(fetched.records[0]!.headers.map(([k, v]) => [k, dec(v)])).toEqual([['source', 'web']]);
    });

    it('refuses an offset outside the log, and waits for a batch when asked to', async () => {
      const topic = uniqueTopic('wait');
      await log.createTopic({ name: topic, partitions: 1 });
      await expect(log.readBatches({ topic, partition: 0, offset: 1 })).rejects.toMatchObject({ code: 'OFFSET_OUT_OF_RANGE' });
      expect((await log.readBatches({ topic, partition: 0, offset: 0 })).batches).toEqual([]);
      const waiting = log.readBatches({ topic, partition: 0, offset: 0, waitMs: 10_000 });
      await new Promise((r) => setTimeout(r, 50));
      await log.appendBatches({ topic, partitions: [{ partition: 0, batches: encodeBatch({ records: records('late', 1) }) }] });
      expect((await waiting).batches).toHaveLength(1);
    });
  });
}
