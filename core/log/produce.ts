/**
 * The produce protocol of DESIGN.md §2, without DynamoDB transactions:
 *
 * 1. Validate everything first; bad input writes nothing.
 * 2. Encode one object with a chunk per partition and PUT it under a fresh
 *    key. Nothing is visible yet: no index entry references it.
 * 3. Per partition, in parallel: read the index head (consistent), then put
 *    an entry whose base offset is the head's last offset + 1, conditional on
 *    no entry with that base existing. Two appenders that read the same head
 *    race for the same key and exactly one wins, so offsets stay dense and
 *    unique; the loser re-reads and retries with jitter.
 * 4. Acknowledge each record with its offset only after its partition's
 *    entry is stored.
 *
 * A crash after 2 leaves an unreferenced object that GC deletes later.
 */
import { EddyError } from '../errors.js';
import { ingestKey } from '../layout.js';
import type { IndexEntry, ProducerState, TopicRecord } from '../model.js';
import { encodeObject, storedRecordBytes, type StoredRecord } from '../codec/format.js';
import { partitionForKey } from '@eddy/api';
import type { Clock, Ids, MetadataStore, ObjectStore } from '../ports.js';
import { checkAppend } from '../invariants.js';
import { backoffMs } from '../util.js';

/** One record of a produce request, bytes already decoded. */
export interface ProduceRecord {
  readonly key: Uint8Array | null;
  readonly value: Uint8Array | null;
  readonly headers?: ReadonlyArray<readonly [string, Uint8Array]>;
  /** Explicit partition; wins over the key. */
  readonly partition?: number;
  /** Create time in ms; defaults to the append time. */
  readonly timestamp?: number;
}

/** Idempotence fields of a produce request (see docs/api.md). */
export interface ProducerBatch {
  readonly producerId: string;
  readonly producerEpoch: number;
  /** partition → sequence number of the request's first record in that partition. */
  readonly sequences: ReadonlyMap<number, number>;
}

/** A produce request for one topic. */
export interface ProduceRequest {
  readonly topic: string;
  readonly records: readonly ProduceRecord[];
  readonly producer?: ProducerBatch;
}

/** Where one record landed. */
export interface RecordResult {
  readonly partition: number;
  readonly offset: number;
}

/** Most producers whose last batch an index entry remembers; the least recent are forgotten. */
export const MAX_TRACKED_PRODUCERS = 32;
const MAX_APPEND_ATTEMPTS = 64;

interface PartitionBatch {
  readonly partition: number;
  readonly indexes: number[];
  readonly records: StoredRecord[];
  firstSequence?: number;
  /** Offsets of an earlier identical batch: this one is a retry and is not appended again. */
  duplicateOf?: number;
  /** The index head read by the sequence check, reused by the first append attempt. */
  head?: IndexEntry | undefined;
  /** This producer's last batch found further back, when the head no longer tracks it. */
  remembered?: ProducerState;
}

export interface ProduceDeps {
  readonly objects: ObjectStore;
  readonly meta: MetadataStore;
  readonly clock: Clock;
  readonly ids: Ids;
  /** Round-robin cursor per topic id for keyless records. */
  readonly cursors: Map<string, number>;
}

function outOfOrder(partition: number, detail: string): EddyError {
  return new EddyError('OUT_OF_ORDER_SEQUENCE', `out of order sequence in partition ${partition}: ${detail}`);
}

/**
 * Checks a producer batch against the partition's stored producer state.
 * @returns the base offset of the identical earlier batch, or undefined when the batch is new.
 */
function checkSequence(batch: PartitionBatch, producer: ProducerBatch, head: IndexEntry | undefined): number | undefined {
  const first = batch.firstSequence!;
  const last = first + batch.records.length - 1;
  const state = head?.producers[producer.producerId] ?? batch.remembered;
  if (!state) {
    // Kafka's rule for an unknown producer: only a fresh sequence starts it.
    // Anything else may be the retry of a batch we no longer remember, and
    // appending it could duplicate it.
    if (first !== 0) {
      throw new EddyError(
        'UNKNOWN_PRODUCER_ID',
        `unknown producer ${producer.producerId} in partition ${batch.partition}: sequence ${first} continues a batch this partition no longer remembers; start a new producerEpoch at sequence 0`,
      );
    }
    return undefined;
  }
  if (producer.producerEpoch > state.epoch) return undefined;
  if (producer.producerEpoch < state.epoch) {
    throw new EddyError('PRODUCER_FENCED', `producer fenced: epoch ${producer.producerEpoch} is older than ${state.epoch}`);
  }
  if (first === state.firstSequence && last === state.lastSequence) return state.baseOffset;
  if (first === state.lastSequence + 1) return undefined;
  throw outOfOrder(batch.partition, `expected sequence ${state.lastSequence + 1}, got ${first}`);
}

function nextProducers(head: IndexEntry | undefined, producer: ProducerBatch | undefined, batch: PartitionBatch, baseOffset: number): Record<string, ProducerState> {
  const carried = { ...(head?.producers ?? {}) };
  if (!producer) return carried;
  carried[producer.producerId] = {
    epoch: producer.producerEpoch,
    firstSequence: batch.firstSequence!,
    lastSequence: batch.firstSequence! + batch.records.length - 1,
    baseOffset,
  };
  const ids = Object.keys(carried);
  if (ids.length > MAX_TRACKED_PRODUCERS) {
    ids.sort((a, b) => carried[b]!.baseOffset - carried[a]!.baseOffset);
    for (const id of ids.slice(MAX_TRACKED_PRODUCERS)) delete carried[id];
  }
  return carried;
}

/** How many index entries behind the head a producer's forgotten state is searched for. */
export const PRODUCER_LOOKBACK_ENTRIES = 2000;

/**
 * Finds a producer's last batch in older index entries, for a producer the
 * head no longer tracks (more than {@link MAX_TRACKED_PRODUCERS} others wrote
 * since). Every entry a producer appended carries its own state, so the
 * newest entry mentioning it holds its last batch. Bounded; rare path.
 */
async function lookBackForProducer(meta: MetadataStore, head: IndexEntry, producerId: string): Promise<ProducerState | undefined> {
  let before = head.baseOffset;
  for (let scanned = 0; scanned < PRODUCER_LOOKBACK_ENTRIES; ) {
    const page = await meta.entriesBefore(head.topicId, head.partition, before, 100);
    for (const e of page) {
      const state = e.producers[producerId];
      if (state) return state;
    }
    if (page.length < 100) return undefined;
    scanned += page.length;
    before = page[page.length - 1]!.baseOffset;
  }
  return undefined;
}

/** Validates a request against its topic and splits it into per-partition batches. Writes nothing. */
export function planProduce(topic: TopicRecord, request: ProduceRequest, now: number, cursors: Map<string, number>, random: () => number): PartitionBatch[] {
  if (request.records.length === 0) throw new EddyError('INVALID_REQUEST', 'records must not be empty');
  const byPartition = new Map<number, PartitionBatch>();
  let cursor = cursors.get(topic.topicId) ?? Math.floor(random() * topic.partitions);
  request.records.forEach((r, i) => {
    let partition: number;
    if (r.partition !== undefined) {
      if (!Number.isInteger(r.partition) || r.partition < 0 || r.partition >= topic.partitions) {
        throw new EddyError('UNKNOWN_TOPIC_OR_PARTITION', `records[${i}]: partition ${r.partition} does not exist (topic ${topic.name} has ${topic.partitions})`);
      }
      partition = r.partition;
    } else if (r.key !== null) {
      partition = partitionForKey(r.key, topic.partitions);
    } else {
      partition = cursor++ % topic.partitions;
    }
    const timestamp = r.timestamp ?? now;
    if (!Number.isSafeInteger(timestamp) || timestamp < 0) {
      throw new EddyError('INVALID_REQUEST', `records[${i}]: timestamp must be a non-negative integer of ms, got ${timestamp}`);
    }
    const stored: StoredRecord = { timestamp, key: r.key, value: r.value, headers: r.headers ?? [] };
    const size = storedRecordBytes(stored);
    if (size > topic.config.maxMessageBytes) {
      throw new EddyError('MESSAGE_TOO_LARGE', `records[${i}]: ${size} bytes exceeds maxMessageBytes ${topic.config.maxMessageBytes} of topic ${topic.name}`);
    }
    let batch = byPartition.get(partition);
    if (!batch) byPartition.set(partition, (batch = { partition, indexes: [], records: [] }));
    batch.indexes.push(i);
    batch.records.push(stored);
  });
  cursors.set(topic.topicId, cursor % topic.partitions);
  const batches = [...byPartition.values()];
  const producer = request.producer;
  if (producer) {
    if (request.records.some((r) => r.partition === undefined)) {
      throw new EddyError('INVALID_REQUEST', 'with producerId every record must carry an explicit partition');
    }
    for (const b of batches) {
      const seq = producer.sequences.get(b.partition);
      if (seq === undefined) throw new EddyError('INVALID_REQUEST', `sequences has no entry for partition ${b.partition}`);
      b.firstSequence = seq;
    }
    for (const p of producer.sequences.keys()) {
      if (!byPartition.has(p)) throw new EddyError('INVALID_REQUEST', `sequences names partition ${p}, which has no records in this request`);
    }
  }
  return batches;
}

/** Runs the produce protocol; see the module comment. */
export async function produce(deps: ProduceDeps, topic: TopicRecord, request: ProduceRequest): Promise<RecordResult[]> {
  const now = deps.clock.now();
  const batches = planProduce(topic, request, now, deps.cursors, deps.ids.random);
  const producer = request.producer;

  // Idempotent requests check sequences before writing anything, so an
  // out-of-order batch writes nothing and a full retry costs no PUT.
  if (producer) {
    await Promise.all(
      batches.map(async (b) => {
        const head = await deps.meta.headEntry(topic.topicId, b.partition);
        b.head = head;
        if (head && !head.producers[producer.producerId] && b.firstSequence !== 0) {
          const remembered = await lookBackForProducer(deps.meta, head, producer.producerId);
          if (remembered) b.remembered = remembered;
        }
        const dup = checkSequence(b, producer, head);
        if (dup !== undefined) b.duplicateOf = dup;
      }),
    );
  }

  const fresh = batches.filter((b) => b.duplicateOf === undefined);
  const bases = new Map<number, number>();
  if (fresh.length > 0) {
    const { bytes, chunks } = encodeObject(fresh.map((b) => ({ partition: b.partition, records: b.records })));
    const objectKey = ingestKey(topic.topicId, deps.ids.unique());
    try {
      await deps.objects.put(objectKey, bytes);
    } catch (err) {
      // Whatever happened to the PUT, no index entry references the object,
      // so nothing is visible: a retry is always safe.
      if (err instanceof EddyError && err.code === 'UNKNOWN_OUTCOME') throw new EddyError('UNAVAILABLE', err.message, { cause: err });
      throw err;
    }

    const settled = await Promise.allSettled(
      fresh.map(async (b, i) => {
        const chunk = chunks[i]!;
        const base = await appendChunk(deps, topic.topicId, b, producer, objectKey, {
          offsetDelta: 0,
          position: chunk.position,
          length: chunk.length,
          records: chunk.records,
          maxTimestamp: chunk.maxTimestamp,
        });
        bases.set(b.partition, base);
      }),
    );
    const failed = settled.flatMap((s, i) => (s.status === 'rejected' ? [{ partition: fresh[i]!.partition, reason: s.reason as unknown }] : []));
    if (failed.length > 0) {
      // An ambiguous partition makes the whole answer ambiguous: never report
      // another partition's clean failure ("nothing applied") in its place.
      const first = failed.find((f) => f.reason instanceof EddyError && f.reason.code === 'UNKNOWN_OUTCOME')?.reason ?? failed[0]!.reason;
      if (bases.size === 0 && !batches.some((b) => b.duplicateOf !== undefined)) throw first;
      throw new EddyError(
        'UNKNOWN_OUTCOME',
        `partitions ${[...bases.keys()].join(',')} were appended but ${failed.map((f) => f.partition).join(',')} failed (${first instanceof Error ? first.message : String(first)}); retry with idempotence to avoid duplicates`,
        { cause: first },
      );
    }
  }

  const results = new Array<RecordResult>(request.records.length);
  for (const b of batches) {
    const base = b.duplicateOf ?? bases.get(b.partition)!;
    b.indexes.forEach((recordIndex, i) => (results[recordIndex] = { partition: b.partition, offset: base + i }));
  }
  return results;
}

/**
 * Appends one chunk to a partition's index and returns its base offset.
 * Retries lost races; recognises its own entry after an ambiguous failure
 * (the object key is unique to this request), so an internal retry never
 * appends the same chunk twice.
 */
async function appendChunk(
  deps: ProduceDeps,
  topicId: string,
  batch: PartitionBatch,
  producer: ProducerBatch | undefined,
  objectKey: string,
  chunk: IndexEntry['chunks'][number],
): Promise<number> {
  let ambiguous: EddyError | undefined;
  /**
   * Bases where an attempt of ours may have landed: a conditional put that
   * timed out, or one the AWS SDK retried after it had applied and so saw its
   * own item as a lost race. The object key is unique to this request, so an
   * entry there with our key and position is ours.
   */
  const pending = new Set<number>();
  try {
    for (let attempt = 0; attempt < MAX_APPEND_ATTEMPTS; attempt++) {
      // A stale head only costs a failed conditional put and a re-read.
      const head = attempt === 0 && 'head' in batch ? batch.head : await deps.meta.headEntry(topicId, batch.partition);
      for (const base of pending) {
        const at = head?.baseOffset === base ? head : (await deps.meta.entriesFrom(topicId, batch.partition, base, 1))[0];
        if (at?.baseOffset !== base) continue;
        if (at.objectKey === objectKey && at.chunks[0]?.position === chunk.position) return base;
        pending.delete(base); // someone else holds that base, so ours can never land there
      }
      if (producer) {
        const dup = checkSequence(batch, producer, head);
        if (dup !== undefined) return dup;
      }
      const baseOffset = head ? head.lastOffset + 1 : 0;
      const entry: IndexEntry = {
        topicId,
        partition: batch.partition,
        baseOffset,
        lastOffset: baseOffset + batch.records.length - 1,
        objectKey,
        chunks: [chunk],
        bytes: chunk.length,
        maxTimestamp: chunk.maxTimestamp,
        appendedAt: deps.clock.now(),
        producers: nextProducers(head, producer, batch, baseOffset),
      };
      checkAppend(head, entry);
      try {
        if (await deps.meta.appendEntry(entry)) return baseOffset;
        pending.add(baseOffset);
      } catch (err) {
        if (!(err instanceof EddyError) || !err.retryable) throw err;
        if (err.code === 'UNKNOWN_OUTCOME') {
          ambiguous = err;
          pending.add(baseOffset);
        }
        if (attempt >= 8) throw err;
      }
      await deps.clock.sleep(backoffMs(Math.min(attempt, 6), 5, 200, deps.ids.random));
    }
    throw ambiguous ?? new EddyError('UNAVAILABLE', `partition ${batch.partition}: too much contention appending to the index, retry`);
  } catch (err) {
    // Once an attempt may have landed, no later failure can say "nothing was
    // applied": the caller must treat the outcome as unknown.
    if (pending.size > 0 && !(err instanceof EddyError && err.code === 'UNKNOWN_OUTCOME')) {
      throw new EddyError('UNKNOWN_OUTCOME', `partition ${batch.partition}: an earlier index write may have applied, then: ${err instanceof Error ? err.message : String(err)}`, {
        cause: err,
      });
    }
    throw err;
  }
}
