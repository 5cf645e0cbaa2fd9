/**
 * The produce protocol (docs/design.md), without DynamoDB transactions:
 *
 * 1. Validate everything first; bad input writes nothing. Records (the HTTP
 *    API) become one uncompressed Kafka RecordBatch v2 per partition; batches
 *    from Kafka clients are checked (framing, CRC32C) and kept as sent.
 * 2. Put one object with a chunk (that partition's batch) per partition
 *    under a fresh key. Nothing is visible yet: no index entry references it.
 * 3. Per partition, in parallel: read the index head (consistent), then put
 *    an entry whose base offset is the head's last offset + 1, conditional on
 *    no entry with that base existing. Two appenders that read the same head
 *    race for the same key and exactly one wins, so offsets stay dense and
 *    unique; the loser re-reads and retries with jitter.
 * 4. Acknowledge each record with its offset only after its partition's
 *    entry is stored.
 *
 * A crash after 2 leaves an unreferenced object that GC deletes later.
 *
 * With `appendProtocol: 'reserve'` step 3 is instead: reserve the offsets
 * with one atomic update of the partition's counter, then put the entry at
 * the reserved base (`appendReserved` below; docs/design.md §3.1).
 */
import { EddyError, toEddyError } from '../errors.js';
import { ingestKey } from '../layout.js';
import type { IndexEntry, PartitionCounter, ProducerState, TopicRecord } from '../model.js';
import { encodeBatchObject } from '../codec/format.js';
import { decodeBatch, encodeBatch, readBatchHeaders } from '../codec/record-batch.js';
import { partitionForKey } from '@eddy/api';
import type { Clock, Ids, MetadataStore, ObjectStore } from '../ports.js';
import { checkAppend, checkReserved } from '../invariants.js';
import { backoffMs } from '../util.js';

/** One record of a produce request, bytes already decoded. */
export interface ProduceRecord {
  readonly key: Uint8Array | null;
  /** `null` is a tombstone. */
  readonly value: Uint8Array | null;
  /** Header values may be null, as in Kafka. */
  readonly headers?: ReadonlyArray<readonly [string, Uint8Array | null]>;
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

/** Already-encoded Kafka record batches for some partitions of one topic (the Kafka front door). */
export interface AppendBatchesRequest {
  readonly topic: string;
  /** Per partition, the bytes of one or more RecordBatch v2 exactly as a Kafka Produce request carries them. */
  readonly partitions: ReadonlyArray<{ readonly partition: number; readonly batches: Uint8Array }>;
}

/** What happened to one partition of an {@link AppendBatchesRequest}: its base offset, or why not. */
export type PartitionAppendResult = { readonly partition: number; readonly baseOffset: number } | { readonly partition: number; readonly error: EddyError };

/** Most producers whose last batch an index entry remembers; the least recent are forgotten. */
export const MAX_TRACKED_PRODUCERS = 32;
const MAX_APPEND_ATTEMPTS = 64;

/** An idempotent producer's claim on one partition's batch. */
interface BatchProducer {
  readonly producerId: string;
  readonly producerEpoch: number;
  readonly firstSequence: number;
}

/** One partition's part of an append: its records, encoded as one chunk. */
interface PartitionBatch {
  readonly partition: number;
  /** Request indexes of its records (the records path), in order. */
  readonly indexes: number[];
  /** Records before encoding (the records path). */
  readonly records: StoredRecord[];
  /** The chunk as stored: one or more RecordBatch v2. */
  chunk?: Uint8Array;
  /** Records in the chunk. */
  count: number;
  maxTimestamp: number;
  producer?: BatchProducer;
  /** Offsets of an earlier identical batch: this one is a retry and is not appended again. */
  duplicateOf?: number;
  /** The index head read by the sequence check, reused by the first append attempt. */
  head?: IndexEntry | undefined;
  /** This producer's last batch found further back, when the head no longer tracks it. */
  remembered?: ProducerState;
  /** The counter read by the sequence check (reserve protocol), reused by the first append attempt. */
  counter?: PartitionCounter | undefined;
}

/** A record on its way into a batch (header values may be null, unlike chunk format 1). */
interface StoredRecord {
  readonly timestamp: number;
  readonly key: Uint8Array | null;
  readonly value: Uint8Array | null;
  readonly headers: ReadonlyArray<readonly [string, Uint8Array | null]>;
}

export interface ProduceDeps {
  readonly objects: ObjectStore;
  readonly meta: MetadataStore;
  readonly clock: Clock;
  readonly ids: Ids;
  /** Round-robin cursor per topic id for keyless records. */
  readonly cursors: Map<string, number>;
  /**
   * `reserve` (default): offsets come from the partition's counter (docs/design.md §3).
   * `head`: the earlier protocol, read the head and race for the next key.
   * Every process writing to the same tables must use the same one.
   */
  readonly appendProtocol?: AppendProtocol;
  /**
   * Reserve protocol: `<topicId>#<partition>` of the partitions whose counter
   * this process has checked against the head (docs/design.md §3.1), owned
   * by the process's {@link Log}. Without it every append checks.
   */
  readonly counterChecked?: Set<string>;
}

/** Which append protocol a process runs (docs/design.md §3). */
export type AppendProtocol = 'reserve' | 'head';

function outOfOrder(partition: number, detail: string): EddyError {
  return new EddyError('OUT_OF_ORDER_SEQUENCE', `out of order sequence in partition ${partition}: ${detail}`);
}

const utf8 = new TextEncoder();

/**
 * Bytes a record counts against a topic's `maxMessageBytes`: timestamp,
 * key, value and headers with their length fields (the measure of the
 * first release, so limits mean what they meant).
 */
function recordBytes(r: StoredRecord): number {
  let n = 8 + 4 + (r.key?.length ?? 0) + 4 + (r.value?.length ?? 0) + 4;
  for (const [name, value] of r.headers) n += 8 + utf8.encode(name).length + (value?.length ?? 0);
  return n;
}

/**
 * Checks a producer batch against the partition's stored producer state.
 * @returns the base offset of the identical earlier batch, or undefined when the batch is new.
 */
function checkSequence(batch: PartitionBatch, head: IndexEntry | undefined): number | undefined {
  return checkState(batch, head?.producers[batch.producer!.producerId] ?? batch.remembered);
}

/** {@link checkSequence} against a producer's stored state. */
function checkState(batch: PartitionBatch, state: ProducerState | undefined): number | undefined {
  const producer = batch.producer!;
  const first = producer.firstSequence;
  const last = first + batch.count - 1;
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

function nextProducers(head: IndexEntry | undefined, batch: PartitionBatch, baseOffset: number): Record<string, ProducerState> {
  const carried = { ...(head?.producers ?? {}) };
  const producer = batch.producer;
  if (!producer) return carried;
  carried[producer.producerId] = {
    epoch: producer.producerEpoch,
    firstSequence: producer.firstSequence,
    lastSequence: producer.firstSequence + batch.count - 1,
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
  return lookBack(meta, head.topicId, head.partition, head.baseOffset, producerId);
}

async function lookBack(meta: MetadataStore, topicId: string, partition: number, from: number, producerId: string): Promise<ProducerState | undefined> {
  let before = from;
  for (let scanned = 0; scanned < PRODUCER_LOOKBACK_ENTRIES; ) {
    const page = await meta.entriesBefore(topicId, partition, before, 100);
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
    const size = recordBytes(stored);
    if (size > topic.config.maxMessageBytes) {
      throw new EddyError('MESSAGE_TOO_LARGE', `records[${i}]: ${size} bytes exceeds maxMessageBytes ${topic.config.maxMessageBytes} of topic ${topic.name}`);
    }
    let batch = byPartition.get(partition);
    if (!batch) byPartition.set(partition, (batch = { partition, indexes: [], records: [], count: 0, maxTimestamp: 0 }));
    batch.indexes.push(i);
    batch.records.push(stored);
    batch.count++;
    if (timestamp > batch.maxTimestamp) batch.maxTimestamp = timestamp;
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
      b.producer = { producerId: producer.producerId, producerEpoch: producer.producerEpoch, firstSequence: seq };
    }
    for (const p of producer.sequences.keys()) {
      if (!byPartition.has(p)) throw new EddyError('INVALID_REQUEST', `sequences names partition ${p}, which has no records in this request`);
    }
  }
  return batches;
}

/**
 * Runs the produce protocol for records (see the module comment): each
 * partition's records become one uncompressed RecordBatch v2, stored the way
 * a Kafka client's batch is. All or nothing as far as the caller can tell: a
 * failure after any partition was appended is `UNKNOWN_OUTCOME`.
 */
export async function produce(deps: ProduceDeps, topic: TopicRecord, request: ProduceRequest): Promise<RecordResult[]> {
  const batches = planProduce(topic, request, deps.clock.now(), deps.cursors, deps.ids.random);
  for (const b of batches) {
    // Eddy's own idempotence fields live in the index entry; the batch header's int64 producer id is Kafka's.
    b.chunk = encodeBatch({ records: b.records });
  }
  const outcome = await appendPartitions(deps, topic, batches, { checksAllOrNothing: true });
  const failed = batches.flatMap((b) => {
    const o = outcome.get(b.partition)!;
    return 'error' in o ? [{ partition: b.partition, reason: o.error }] : [];
  });
  if (failed.length > 0) {
    const appended = batches.filter((b) => 'baseOffset' in outcome.get(b.partition)!);
    // An ambiguous partition makes the whole answer ambiguous: never report
    // another partition's clean failure ("nothing applied") in its place.
    const first = failed.find((f) => f.reason.code === 'UNKNOWN_OUTCOME')?.reason ?? failed[0]!.reason;
    if (appended.length === 0) throw first;
    throw new EddyError(
      'UNKNOWN_OUTCOME',
      `partitions ${appended.map((b) => b.partition).join(',')} were appended but ${failed.map((f) => f.partition).join(',')} failed (${first.message}); retry with idempotence to avoid duplicates`,
      { cause: first },
    );
  }
  const results = new Array<RecordResult>(request.records.length);
  for (const b of batches) {
    const base = (outcome.get(b.partition) as { baseOffset: number }).baseOffset;
    b.indexes.forEach((recordIndex, i) => (results[recordIndex] = { partition: b.partition, offset: base + i }));
  }
  return results;
}

/**
 * Validates one partition's incoming record batches (framing, CRC, counts,
 * size, one producer) into a batch to append. Throws what the partition answers.
 */
function planBatches(topic: TopicRecord, partition: number, bytes: Uint8Array, now: number): PartitionBatch {
  if (!Number.isInteger(partition) || partition < 0 || partition >= topic.partitions) {
    throw new EddyError('UNKNOWN_TOPIC_OR_PARTITION', `partition ${partition} of topic ${topic.name} does not exist (it has ${topic.partitions})`);
  }
  // Refuses empty bytes and batches of no records (CORRUPT_MESSAGE) itself.
  const headers = readBatchHeaders(bytes);
  let count = 0;
  let maxTimestamp = -1;
  for (const h of headers) {
    if (h.isTransactional || h.isControl) throw new EddyError('INVALID_REQUEST', `partition ${partition}: transactional batches are not supported yet`);
    if (h.length > topic.config.maxMessageBytes) {
      throw new EddyError('MESSAGE_TOO_LARGE', `partition ${partition}: a record batch of ${h.length} bytes exceeds max.message.bytes ${topic.config.maxMessageBytes} of topic ${topic.name}`);
    }
    count += h.recordCount;
    if (h.maxTimestamp > maxTimestamp) maxTimestamp = h.maxTimestamp;
  }
  const first = headers[0]!;
  const batch: PartitionBatch = { partition, indexes: [], records: [], chunk: bytes, count, maxTimestamp: maxTimestamp >= 0 ? maxTimestamp : now };
  if (first.producerId >= 0n) {
    // Kafka sends one batch per partition per request from an idempotent producer.
    if (headers.length > 1) throw new EddyError('INVALID_REQUEST', `partition ${partition}: an idempotent producer sends one record batch per partition, got ${headers.length}`);
    batch.producer = { producerId: first.producerId.toString(), producerEpoch: first.producerEpoch, firstSequence: first.baseSequence };
  }
  return batch;
}

/**
 * Appends already-encoded Kafka record batches, partition by partition:
 * each partition succeeds or fails on its own, as Kafka answers them, and a
 * partition whose batches are invalid writes nothing.
 */
export async function appendBatches(deps: ProduceDeps, topic: TopicRecord, request: AppendBatchesRequest): Promise<PartitionAppendResult[]> {
  const now = deps.clock.now();
  const planned: PartitionBatch[] = [];
  const refused = new Map<number, EddyError>();
  // A partition named twice is refused whole: every answer for it is the
  // refusal, so none of its batches may be stored.
  const named = new Map<number, number>();
  for (const { partition } of request.partitions) named.set(partition, (named.get(partition) ?? 0) + 1);
  for (const { partition, batches } of request.partitions) {
    try {
      if (named.get(partition)! > 1) throw new EddyError('INVALID_REQUEST', `partition ${partition} appears twice in one request`);
      planned.push(planBatches(topic, partition, batches, now));
    } catch (err) {
      refused.set(partition, toEddyError(err));
    }
  }
  const outcome = planned.length > 0 ? await appendPartitions(deps, topic, planned) : new Map<number, PartitionOutcome>();
  return request.partitions.map(({ partition }) => {
    const error = refused.get(partition);
    if (error) return { partition, error };
    const o = outcome.get(partition)!;
    return 'error' in o ? { partition, error: o.error } : { partition, baseOffset: o.baseOffset };
  });
}

type PartitionOutcome = { readonly baseOffset: number } | { readonly error: EddyError };

/**
 * Steps 2–4 of the protocol for planned batches (each with its chunk):
 * idempotence checks, one S3 PUT for every fresh chunk, then each
 * partition's conditional index append, in parallel.
 */
async function appendPartitions(deps: ProduceDeps, topic: TopicRecord, batches: PartitionBatch[], options: { checksAllOrNothing?: boolean } = {}): Promise<Map<number, PartitionOutcome>> {
  const outcome = new Map<number, PartitionOutcome>();
  // Idempotent batches check sequences before writing anything, so an
  // out-of-order batch writes nothing and a full retry costs no PUT.
  await Promise.all(
    batches.map(async (b) => {
      const producer = b.producer;
      if (!producer) return;
      try {
        if (deps.appendProtocol !== 'head') {
          const dup = await precheckReserved(deps, topic.topicId, b);
          if (dup !== undefined) {
            b.duplicateOf = dup;
            outcome.set(b.partition, { baseOffset: dup });
          }
          return;
        }
        const head = await deps.meta.headEntry(topic.topicId, b.partition);
        b.head = head;
        // Sequence 0 too: it may be the late retry of a first batch that more
        // than MAX_TRACKED_PRODUCERS others have since pushed out of the head.
        if (head && !head.producers[producer.producerId]) {
          const remembered = await lookBackForProducer(deps.meta, head, producer.producerId);
          if (remembered) b.remembered = remembered;
        }
        const dup = checkSequence(b, head);
        if (dup !== undefined) {
          b.duplicateOf = dup;
          outcome.set(b.partition, { baseOffset: dup });
        }
      } catch (err) {
        outcome.set(b.partition, { error: toEddyError(err) });
      }
    }),
  );

  if (options.checksAllOrNothing) {
    // The records path answers for the whole request: a refused sequence in
    // one partition writes nothing in any.
    for (const o of outcome.values()) if ('error' in o) throw o.error;
  }
  const fresh = batches.filter((b) => !outcome.has(b.partition));
  if (fresh.length === 0) return outcome;
  const { bytes, positions } = encodeBatchObject(fresh.map((b) => b.chunk!));
  const objectKey = ingestKey(topic.topicId, deps.ids.unique());
  try {
    await deps.objects.put(objectKey, bytes);
  } catch (err) {
    // Whatever happened to the PUT, no index entry references the object,
    // so nothing is visible: a retry is always safe.
    let e = toEddyError(err);
    if (e.code === 'UNKNOWN_OUTCOME') e = new EddyError('UNAVAILABLE', e.message, { cause: e });
    for (const b of fresh) outcome.set(b.partition, { error: e });
    return outcome;
  }
  await Promise.all(
    fresh.map(async (b, i) => {
      const at = positions[i]!;
      try {
        const append = deps.appendProtocol === 'head' ? appendChunk : appendReserved;
        const baseOffset = await append(deps, topic, b, objectKey, {
          format: 2,
          offsetDelta: 0,
          position: at.position,
          length: at.length,
          records: b.count,
          maxTimestamp: b.maxTimestamp,
        });
        outcome.set(b.partition, { baseOffset });
      } catch (err) {
        outcome.set(b.partition, { error: toEddyError(err) });
      }
    }),
  );
  return outcome;
}


/**
 * Appends one chunk to a partition's index and returns its base offset.
 * Retries lost races; recognises its own entry after an ambiguous failure
 * (the object key is unique to this request), so an internal retry never
 * appends the same chunk twice.
 */
async function appendChunk(deps: ProduceDeps, topic: TopicRecord, batch: PartitionBatch, objectKey: string, chunk: IndexEntry['chunks'][number]): Promise<number> {
  const topicId = topic.topicId;
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
      if (batch.producer) {
        const dup = checkSequence(batch, head);
        if (dup !== undefined) return dup;
      }
      const baseOffset = head ? head.lastOffset + 1 : 0;
      const entry: IndexEntry = {
        topicId,
        partition: batch.partition,
        baseOffset,
        lastOffset: baseOffset + batch.count - 1,
        objectKey,
        chunks: [chunk],
        bytes: chunk.length,
        maxTimestamp: chunk.maxTimestamp,
        appendedAt: deps.clock.now(),
        producers: nextProducers(head, batch, baseOffset),
        topicName: topic.name,
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

// ---------------------------------------------------------------------------
// The reserve protocol (docs/design.md §3): offsets come from one atomic
// counter update per append, so concurrent appenders never race for a key.

/** Most reservations one append makes before giving up (a reservation is lost only when a reader abandoned it). */
const MAX_RESERVATIONS = 16;
/** Attempts at writing an entry into a range this appender owns. */
const MAX_PUT_ATTEMPTS = 6;

type Chunk = IndexEntry['chunks'][number];

/** Where an idempotent producer's recorded batch stands in the index. */
type Settled = 'stored' | 'hole' | 'abandoned';

/**
 * Is the batch recorded at `base` stored? Stored when an entry with records
 * (or a retention marker) covers `base`; abandoned when a reader's marker
 * took it; a hole when it lies above the last entry below it (its writer is
 * still writing, or died). No hole ever precedes a partition's first entry
 * (the first entry is written before the counter exists, and maintenance never
 * removes the last entry below a hole), so no entry at or below `base` means
 * retention removed it: stored.
 */
async function settle(meta: MetadataStore, topicId: string, partition: number, base: number): Promise<Settled> {
  const [at] = await meta.entriesFrom(topicId, partition, base, 1);
  if (!at || at.baseOffset > base) return 'stored';
  if (at.lastOffset < base) return 'hole';
  return at.abandoned ? 'abandoned' : 'stored';
}

/** The producer's state: the counter's, else its newest entry's (it was evicted from the counter). */
async function producerState(meta: MetadataStore, topicId: string, batch: PartitionBatch, counter: PartitionCounter | undefined): Promise<ProducerState | undefined> {
  const id = batch.producer!.producerId;
  const tracked = counter?.producers[id];
  if (tracked || !counter) return tracked;
  return lookBack(meta, topicId, batch.partition, counter.next, id);
}

/**
 * The sequence check of the reserve protocol, before anything is written:
 * refuses a fenced or out-of-order batch, and answers a retry whose batch is
 * stored with its offsets (no PUT). A retry whose batch is not stored yet goes
 * on to the append, which writes it at its recorded base or re-reserves.
 */
async function precheckReserved(deps: ProduceDeps, topicId: string, batch: PartitionBatch): Promise<number | undefined> {
  const counter = await counterCaughtUp(deps, topicId, batch.partition, await deps.meta.readCounter(topicId, batch.partition));
  batch.counter = counter;
  let state = await producerState(deps.meta, topicId, batch, counter);
  if (!counter) {
    const head = await deps.meta.headEntry(topicId, batch.partition);
    state = head?.producers[batch.producer!.producerId] ?? (head ? await lookBackForProducer(deps.meta, head, batch.producer!.producerId) : undefined);
  }
  const dup = checkState(batch, state);
  if (dup === undefined) return undefined;
  return (await settle(deps.meta, topicId, batch.partition, dup)) === 'stored' ? dup : undefined;
}

function entryAt(topic: TopicRecord, batch: PartitionBatch, objectKey: string, chunk: Chunk, base: number, now: number): IndexEntry {
  const producer = batch.producer;
  return {
    topicId: topic.topicId,
    partition: batch.partition,
    baseOffset: base,
    lastOffset: base + batch.count - 1,
    objectKey,
    chunks: [chunk],
    bytes: chunk.length,
    maxTimestamp: chunk.maxTimestamp,
    appendedAt: now,
    // Each entry carries only its own producer's batch: the look-back for a
    // producer the counter no longer tracks finds it there.
    producers: producer
      ? { [producer.producerId]: { epoch: producer.producerEpoch, firstSequence: producer.firstSequence, lastSequence: producer.firstSequence + batch.count - 1, baseOffset: base } }
      : {},
    topicName: topic.name,
  };
}

/** An abandoned-range marker over `[base, last]`. */
export function abandonedMarker(topicId: string, partition: number, base: number, last: number, now: number): IndexEntry {
  return { topicId, partition, baseOffset: base, lastOffset: last, objectKey: null, chunks: [], bytes: 0, maxTimestamp: -1, appendedAt: now, producers: {}, abandoned: true };
}

/**
 * What a writer that gave up does with its range: `mark` it abandoned, or,
 * for a partition's `first` entry (no range was reserved), nothing when no
 * attempt can have applied.
 */
type GiveBack = 'mark' | 'first';

class PutState {
  /** An attempt may have applied: no later failure may say "nothing applied". */
  ambiguous: EddyError | undefined;
}

/**
 * Writes `entry` into a range this appender owns (reserved, or the first
 * entry of a partition). True once our entry is stored there; false when
 * another entry holds the base (a reader abandoned the range). Retries
 * retryable failures at the same base; an ambiguous or lost put is resolved
 * by reading the base (the object key is unique to this request). When it
 * gives up, it abandons its own range with one marker, so readers need not
 * wait for it. It never gives the range back to the counter (the counter
 * only moves forward: a give-back could move it under an entry that did land,
 * or, answered ambiguously or resent by the SDK, under a later reservation);
 * if even the marker fails, the range is a hole readers abandon later.
 */
async function putOwned(deps: ProduceDeps, entry: IndexEntry, put: PutState, giveBack: GiveBack = 'mark'): Promise<boolean> {
  const ours = async (): Promise<boolean> => {
    const [at] = await deps.meta.entriesFrom(entry.topicId, entry.partition, entry.baseOffset, 1);
    return at?.baseOffset === entry.baseOffset && at.objectKey === entry.objectKey && at.chunks[0]?.position === entry.chunks[0]?.position;
  };
  let last: unknown;
  /** Every failure so far promised that nothing was applied (outcome `none`). */
  let clean = true;
  for (let attempt = 0; attempt < MAX_PUT_ATTEMPTS; attempt++) {
    let taken = false;
    try {
      if (await deps.meta.appendEntry(entry)) return true;
      // Taken, or the AWS SDK retried our own applied put: look.
      taken = true;
      return await ours();
    } catch (err) {
      last = err;
      // A crash or a timeout after the put applied (INTERNAL, UNKNOWN_OUTCOME,
      // anything untranslated) may have left our entry stored.
      if (taken || !(err instanceof EddyError) || err.outcome !== 'none') clean = false;
      if (err instanceof EddyError && err.code === 'UNKNOWN_OUTCOME') put.ambiguous = err;
      if (!(err instanceof EddyError) || !err.retryable) break;
    }
    await deps.clock.sleep(backoffMs(attempt, 10, 200, deps.ids.random));
  }
  // A partition's first entry is no reservation: when nothing of ours can be
  // there, the next first appender writes offset 0 itself.
  if (giveBack === 'first' && clean) throw last;
  try {
    // Give the range up ourselves, exactly the range we reserved (the counter
    // never hands it out again): exactly one of this marker and our entry is stored.
    if (await deps.meta.appendEntry(abandonedMarker(entry.topicId, entry.partition, entry.baseOffset, entry.lastOffset, deps.clock.now()))) put.ambiguous = undefined;
    else if (await ours()) return true;
    else put.ambiguous = undefined; // a reader's marker holds the base: ours can never land
  } catch {
    // The range stays a hole; a reader abandons it once later entries are old enough.
  }
  throw last;
}

/**
 * The counter, raised to the head if the head protocol appended past it
 * (docs/design.md §3.1: a deployment switched reserve → head → reserve).
 * Once per process and partition: it reads the head and, when the counter's
 * `next` is below the head's `lastOffset + 1`, replaces the counter with the
 * head's (`next` after the head, the head's producers, as {@link startCounter}
 * migrates a partition) on condition that `next` is still what was read. A
 * reservation made meanwhile fails that condition and the check starts over;
 * a counter at or past the head is left alone, so the counter never moves
 * backwards. In steady state the counter is never below the head (every
 * entry and abandoned marker lies in a reserved range), so this is a read of
 * the head per process and partition, and no write. Without a counter there
 * is nothing to raise ({@link startCounter} creates it after the head).
 */
async function counterCaughtUp(deps: ProduceDeps, topicId: string, partition: number, counter: PartitionCounter | undefined): Promise<PartitionCounter | undefined> {
  const key = `${topicId}#${partition}`;
  if (deps.counterChecked?.has(key)) return counter;
  for (let attempt = 0; counter; attempt++) {
    const head = await deps.meta.headEntry(topicId, partition);
    if (!head || counter.next > head.lastOffset) break;
    if (attempt >= MAX_RESERVATIONS) throw new EddyError('UNAVAILABLE', `partition ${partition}: could not raise the offset counter to the head, retry`);
    const raised: PartitionCounter = { next: head.lastOffset + 1, producers: head.producers };
    counter = (await deps.meta.raiseCounter(topicId, partition, counter.next, raised)) ? raised : await deps.meta.readCounter(topicId, partition);
  }
  if (counter) deps.counterChecked?.add(key);
  return counter;
}

/**
 * Creates a partition's counter. On an empty partition the appender first
 * writes its own entry at offset 0 (racing any other first appender for that
 * key), then creates the counter after it: so no reservation, and no hole,
 * ever precedes the first entry. Otherwise the counter starts after the head
 * (partitions written by the earlier protocol migrate this way), with the
 * head's producers. Returns 0 if our entry became the first one.
 */
async function startCounter(deps: ProduceDeps, topic: TopicRecord, batch: PartitionBatch, objectKey: string, chunk: Chunk, put: PutState): Promise<number | undefined> {
  let head = await deps.meta.headEntry(topic.topicId, batch.partition);
  let won = false;
  if (!head) {
    if (batch.producer && batch.producer.firstSequence !== 0) checkState(batch, undefined); // throws UNKNOWN_PRODUCER_ID
    const first = entryAt(topic, batch, objectKey, chunk, 0, deps.clock.now());
    checkReserved(first, 0, batch.count);
    won = await putOwned(deps, first, put, 'first');
    head = won ? first : await deps.meta.headEntry(topic.topicId, batch.partition);
  }
  if (head) {
    const created = await deps.meta.createCounter(topic.topicId, batch.partition, { next: head.lastOffset + 1, producers: head.producers });
    // Not created: another first appender did, or the topic was deleted (and
    // `topic` is a cached copy) and its counter is fenced, where no
    // reservation can ever succeed (docs/design.md §3.1). Say so, rather
    // than retrying until UNAVAILABLE. (Created: any later deletion fences it.)
    if (!created && (await deps.meta.getTopic(topic.name))?.topicId !== topic.topicId) {
      throw new EddyError('UNKNOWN_TOPIC_OR_PARTITION', `topic ${topic.name} was deleted while partition ${batch.partition} was being written`);
    }
    // Created after the head (by us or a concurrent first appender): nothing to raise.
    deps.counterChecked?.add(`${topic.topicId}#${batch.partition}`);
  }
  return won ? 0 : undefined;
}

/**
 * The reserve protocol's append of one chunk (docs/design.md §3, steps 4–5):
 * reserve a range with one counter update, write the entry at its base.
 * Idempotent producers record their batch in the same counter update,
 * conditional on their own previous state only.
 */
async function appendReserved(deps: ProduceDeps, topic: TopicRecord, batch: PartitionBatch, objectKey: string, chunk: Chunk): Promise<number> {
  const { topicId } = topic;
  const put = new PutState();
  if (!deps.counterChecked?.has(`${topicId}#${batch.partition}`)) {
    batch.counter = await counterCaughtUp(deps, topicId, batch.partition, 'counter' in batch ? batch.counter : await deps.meta.readCounter(topicId, batch.partition));
  }
  try {
    for (let attempt = 0; attempt < MAX_RESERVATIONS; attempt++) {
      let counter: PartitionCounter | undefined;
      let base: number | undefined;
      if (batch.producer) {
        counter = attempt === 0 && 'counter' in batch ? batch.counter : await deps.meta.readCounter(topicId, batch.partition);
        if (!counter) {
          const first = await startCounter(deps, topic, batch, objectKey, chunk, put);
          if (first !== undefined) return first;
          continue;
        }
        const state = await producerState(deps.meta, topicId, batch, counter);
        const dup = checkState(batch, state);
        const tracked = counter.producers[batch.producer.producerId];
        if (dup !== undefined) {
          const where = await settle(deps.meta, topicId, batch.partition, dup);
          if (where === 'stored') return dup;
          if (where === 'hole') {
            // Our batch was reserved at `dup` and is not written yet: write it
            // there (its first writer may be gone). Same batch, same range:
            // whichever of the two puts wins, the offsets are the same.
            const entry = entryAt(topic, batch, objectKey, chunk, dup, deps.clock.now());
            checkReserved(entry, dup, batch.count);
            if (await putOwned(deps, entry, put)) return dup;
            continue;
          }
          // Abandoned: reserve again, only if the counter still records it there.
          base = tracked ? await deps.meta.reserveOffsets(topicId, batch.partition, batch.count, { producerId: batch.producer.producerId, state: tracked, expected: tracked, evict: [] }) : undefined;
          if (base === undefined && !tracked) {
            base = await reserveProducer(deps, topicId, batch, counter, undefined);
          }
        } else {
          base = await reserveProducer(deps, topicId, batch, counter, tracked);
        }
        if (base === undefined) continue; // this producer's state changed meanwhile (a concurrent retry): check again
      } else {
        base = await deps.meta.reserveOffsets(topicId, batch.partition, batch.count);
        if (base === undefined) {
          const first = await startCounter(deps, topic, batch, objectKey, chunk, put);
          if (first !== undefined) return first;
          continue;
        }
      }
      const entry = entryAt(topic, batch, objectKey, chunk, base, deps.clock.now());
      checkReserved(entry, base, batch.count);
      if (await putOwned(deps, entry, put)) return base;
      // A reader abandoned our range before we wrote it: nothing of ours is there; reserve again.
    }
    throw new EddyError('UNAVAILABLE', `partition ${batch.partition}: could not write a reserved range, retry`);
  } catch (err) {
    if (put.ambiguous && !(err instanceof EddyError && err.code === 'UNKNOWN_OUTCOME')) {
      throw new EddyError('UNKNOWN_OUTCOME', `partition ${batch.partition}: an earlier index write may have applied, then: ${err instanceof Error ? err.message : String(err)}`, { cause: err });
    }
    throw err;
  }
}

/** Reserves a range for a new batch of an idempotent producer, recording it in the counter; undefined if its state changed. */
function reserveProducer(deps: ProduceDeps, topicId: string, batch: PartitionBatch, counter: PartitionCounter, expected: ProducerState | undefined): Promise<number | undefined> {
  const p = batch.producer!;
  const evict: string[] = [];
  if (!expected) {
    const others = Object.entries(counter.producers).sort((a, b) => a[1].baseOffset - b[1].baseOffset);
    for (let i = 0; others.length - i >= MAX_TRACKED_PRODUCERS; i++) evict.push(others[i]![0]);
  }
  return deps.meta.reserveOffsets(topicId, batch.partition, batch.count, {
    producerId: p.producerId,
    state: { epoch: p.producerEpoch, firstSequence: p.firstSequence, lastSequence: p.firstSequence + batch.count - 1, baseOffset: -1 },
    expected,
    evict,
  });
}

/** One RecordBatch v2 per partition with Eddy's own idempotence fields: the binary HTTP route (docs/api.md). */
export interface ProduceBatchesRequest {
  readonly topic: string;
  /** Per partition (each at most once): exactly one RecordBatch v2, and its first record's sequence when idempotent. */
  readonly partitions: ReadonlyArray<{ readonly partition: number; readonly batch: Uint8Array; readonly sequence?: number }>;
  /** Idempotence, as the JSON route's `producerId`/`producerEpoch`; then every partition carries its `sequence`. */
  readonly producer?: { readonly producerId: string; readonly producerEpoch: number };
}

/** Where one partition's batch of a {@link ProduceBatchesRequest} landed. */
export interface PartitionBatchResult {
  readonly partition: number;
  /** Offset of the batch's first record. */
  readonly baseOffset: number;
  /** Records in the batch (offsets `baseOffset` … `baseOffset + records - 1`). */
  readonly records: number;
}

/**
 * Validates one partition's batch of the binary route as the records path
 * validates records: partition range, framing and CRC32C, every record's
 * size against `maxMessageBytes` and its timestamp; writes nothing.
 */
function planRecordBatch(topic: TopicRecord, entry: ProduceBatchesRequest['partitions'][number], request: ProduceBatchesRequest): PartitionBatch {
  const { partition, batch: bytes, sequence } = entry;
  if (!Number.isInteger(partition) || partition < 0 || partition >= topic.partitions) {
    throw new EddyError('UNKNOWN_TOPIC_OR_PARTITION', `partition ${partition} does not exist (topic ${topic.name} has ${topic.partitions})`);
  }
  const { header, records } = decodeBatch(bytes);
  if (header.isTransactional || header.isControl) throw new EddyError('INVALID_REQUEST', `partition ${partition}: transactional and control batches are not accepted here`);
  if (header.producerId !== -1n) {
    throw new EddyError('INVALID_REQUEST', `partition ${partition}: the batch header's producerId must be -1 (idempotence travels in the envelope), got ${header.producerId}`);
  }
  let maxTimestamp = 0;
  for (let i = 0; i < records.length; i++) {
    const r = records[i]!;
    if (r.timestamp < 0) throw new EddyError('INVALID_REQUEST', `partition ${partition}: record ${i} has no timestamp (${r.timestamp}); every record of this route carries one`);
    const size = recordBytes(r);
    if (size > topic.config.maxMessageBytes) {
      throw new EddyError('MESSAGE_TOO_LARGE', `partition ${partition}: record ${i} of ${size} bytes exceeds maxMessageBytes ${topic.config.maxMessageBytes} of topic ${topic.name}`);
    }
    if (r.timestamp > maxTimestamp) maxTimestamp = r.timestamp;
  }
  const planned: PartitionBatch = { partition, indexes: [], records: [], chunk: bytes, count: records.length, maxTimestamp };
  if (request.producer) {
    if (sequence === undefined || !Number.isInteger(sequence) || sequence < 0) throw new EddyError('INVALID_REQUEST', `partition ${partition}: an idempotent request needs a base sequence ≥ 0 for every partition`);
    planned.producer = { producerId: request.producer.producerId, producerEpoch: request.producer.producerEpoch, firstSequence: sequence };
  } else if (sequence !== undefined) {
    throw new EddyError('INVALID_REQUEST', `partition ${partition}: a base sequence needs a producerId`);
  }
  return planned;
}

/**
 * The produce protocol for the binary route: each partition's batch, checked
 * by {@link planRecordBatch}, is stored exactly as sent (chunk format 2).
 * All or nothing as {@link produce}: a refused partition writes nothing in
 * any, and a failure after any partition was appended is `UNKNOWN_OUTCOME`.
 */
export async function produceBatches(deps: ProduceDeps, topic: TopicRecord, request: ProduceBatchesRequest): Promise<PartitionBatchResult[]> {
  if (request.partitions.length === 0) throw new EddyError('INVALID_REQUEST', 'the request carries no partition');
  const seen = new Set<number>();
  const batches = request.partitions.map((entry) => {
    if (seen.has(entry.partition)) throw new EddyError('INVALID_REQUEST', `partition ${entry.partition} appears twice in one request`);
    seen.add(entry.partition);
    return planRecordBatch(topic, entry, request);
  });
  const outcome = await appendPartitions(deps, topic, batches, { checksAllOrNothing: true });
  const failed = batches.filter((b) => 'error' in outcome.get(b.partition)!);
  if (failed.length > 0) {
    const reasons = failed.map((b) => (outcome.get(b.partition) as { error: EddyError }).error);
    const first = reasons.find((e) => e.code === 'UNKNOWN_OUTCOME') ?? reasons[0]!;
    const appended = batches.filter((b) => 'baseOffset' in outcome.get(b.partition)!);
    if (appended.length === 0) throw first;
    throw new EddyError(
      'UNKNOWN_OUTCOME',
      `partitions ${appended.map((b) => b.partition).join(',')} were appended but ${failed.map((b) => b.partition).join(',')} failed (${first.message}); retry with idempotence to avoid duplicates`,
      { cause: first },
    );
  }
  return batches.map((b) => ({ partition: b.partition, baseOffset: (outcome.get(b.partition) as { baseOffset: number }).baseOffset, records: b.count }));
}
