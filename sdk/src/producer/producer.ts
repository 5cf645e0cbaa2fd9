/**
 * The batching producer (kafkajs shape: `send`, `sendBatch`, `disconnect`).
 *
 * Data path: `send` encodes each message once, picks its partition (explicit,
 * murmur2 of the key, or round-robin), reserves its wire size from a bounded
 * memory budget (awaiting when full: back-pressure) and queues it per
 * topic-partition. A topic's queues are drained into one request carrying
 * many partitions when a partition has waited `lingerMs`, when enough bytes
 * are queued for a full request, or on flush.
 *
 * Ordering and idempotence: at most one request is in flight per partition.
 * So a retried request is always the partition's latest batch, which the
 * server recognises as a duplicate (same producer id, epoch and sequence
 * range) and answers with the offsets of the first append; and records of a
 * key keep their order even across retries.
 */
import { randomUUID } from 'node:crypto';
import type { EddyApi } from '../types.js';
import { EddyError, isEddyError, shouldRetry } from '../errors.js';
import { createDefaultPartitioner, type Partitioner } from '../partitioner.js';
import { RetryPolicy, type RetryOptions } from '../retry.js';
import type { PutRecordsInput, PutRecordsOutput } from '../types.js';
import { Semaphore, sleep } from '../util/async.js';
import { encodeMessage, jsonSerializer, wireRecord, type EncodedMessage, type Message, type ProducerEncoding, type Serializer } from './message.js';
import { MetadataCache } from './metadata.js';
import { BINARY_PARTITION_OVERHEAD_BYTES, MAX_BINARY_REQUEST_BYTES, MAX_REQUEST_BYTES } from './limits.js';
import { AdaptiveLinger, AWS_PRODUCER_DEFAULTS, FILL_RATIO, LOCAL_PRODUCER_DEFAULTS } from './linger.js';
import type { TransportProfile } from '../transport/profile.js';
import type { WireFormat } from '../wire.js';

export { MAX_BINARY_REQUEST_BYTES, MAX_REQUEST_BYTES };

/** Fixed bytes of a produce request besides its records, and per partition in JSON (sequences); binary: `BINARY_PARTITION_OVERHEAD_BYTES`. */
const REQUEST_OVERHEAD_BYTES = 256;
const PER_PARTITION_OVERHEAD_BYTES = 24;

/** Options of {@link Producer}. */
export interface ProducerOptions {
  /**
   * Which defaults apply: `local` (fixed `lingerMs` 5, `batchBytes` 1 MiB: low
   * latency) or `aws` (adaptive linger from 5 ms up to 1 s, `batchBytes`
   * {@link MAX_REQUEST_BYTES}: full requests, since each one is billed). See
   * `LOCAL_PRODUCER_DEFAULTS` and `AWS_PRODUCER_DEFAULTS`.
   * @default from the client's transport: `aws` for HTTPS to a non-local endpoint and for Lambda invoke of the regional API, else `local`
   */
  readonly profile?: TransportProfile;
  /** How long a record may wait for others to share its request; with `adaptiveLinger`, the linger it starts from. @default 5 */
  readonly lingerMs?: number;
  /**
   * Grow the linger while requests are small and records queue behind the
   * one in flight, up to `maxMs`; reset it when a request fills (see
   * `AdaptiveLinger`). `true` uses a cap of 1000 ms.
   * @default true with the `aws` profile when `lingerMs` is not given, else false
   */
  readonly adaptiveLinger?: boolean | { readonly maxMs: number };
  /**
   * Target size of one produce request (records of many partitions of a topic), in the bytes sent:
   * at most {@link MAX_REQUEST_BYTES} in JSON, {@link MAX_BINARY_REQUEST_BYTES} in binary.
   * @default 1048576 (`local`), the largest (`aws`)
   */
  readonly batchBytes?: number;
  /** Bytes of records buffered or in flight before `send` waits (back-pressure). @default 33554432 */
  readonly maxBufferedBytes?: number;
  /** Idempotent produce (producer id, epoch, per-partition sequences): retries never duplicate. @default true */
  readonly idempotent?: boolean;
  /** Retries of retryable failures (`UNKNOWN_OUTCOME` only when idempotent). @default {@link DEFAULT_RETRY} */
  readonly retry?: RetryOptions;
  /** Wire encoding of keys, values and header values in JSON requests. @default 'base64' */
  readonly encoding?: ProducerEncoding;
  /**
   * How requests carry records: `binary` (one RecordBatch v2 per partition,
   * `application/vnd.eddy.batches`) or `json`. A record without a timestamp
   * gets this process's clock in binary, the server's in JSON.
   * @default the client's `wireFormat` with `eddy.producer()`, else 'binary'
   */
  readonly wireFormat?: WireFormat;
  /** Serializes values that are neither strings nor bytes. @default {@link jsonSerializer} */
  readonly serializer?: Serializer;
  /** Picks partitions of records without an explicit one. @default Kafka's murmur2 partitioner, round-robin without key */
  readonly partitioner?: Partitioner;
  /** Age after which cached partition counts are refreshed. @default 300000 */
  readonly metadataMaxAgeMs?: number;
  /** Idempotent producer id (1–64 chars `[A-Za-z0-9._-]`). @default a random `p-<uuid>` */
  readonly producerId?: string;
}

/** Messages for one topic (kafkajs `ProducerRecord`). */
export interface ProducerRecord {
  /** The topic. */
  readonly topic: string;
  /** The messages, in order. */
  readonly messages: readonly Message[];
}

/** Messages for many topics (kafkajs `ProducerBatch`). */
export interface ProducerBatch {
  /** One entry per topic. */
  readonly topicMessages: readonly ProducerRecord[];
}

/** Where the messages of one `send` landed in one partition (kafkajs `RecordMetadata`, plus per-message offsets). */
export interface RecordMetadata {
  /** The topic. */
  readonly topicName: string;
  /** The partition. */
  readonly partition: number;
  /** Always 0 (failures reject instead), as in kafkajs. */
  readonly errorCode: 0;
  /** Offset of this call's first message in the partition, as a string (kafkajs). */
  readonly baseOffset: string;
  /** Offsets of this call's messages in the partition, in message order. */
  readonly offsets: number[];
}

/** Counters of a producer's activity. */
export interface ProducerStats {
  /** Messages accepted by `send`. */
  readonly messages: number;
  /** Produce requests built (retries not counted). */
  readonly batches: number;
  /** Produce request attempts, retries included. */
  readonly requests: number;
  /** Retried attempts. */
  readonly retries: number;
  /** Bytes buffered or in flight now. */
  readonly bufferedBytes: number;
  /** The longest linger of any topic now, ms (the adaptive linger's current value, else `lingerMs`). */
  readonly lingerMs: number;
}

interface PendingRecord {
  readonly message: EncodedMessage;
  readonly partition: number;
  readonly enqueuedAt: number;
  /** The send call the record came in, and its place there. */
  readonly call: SendCall;
  readonly index: number;
}

/**
 * One `send` call's records. Its promise settles once for all of them (one
 * promise per call, not one per record): with their offsets when every one
 * is acknowledged, or with the first failure at once. `settled` resolves
 * when no record of the call is pending any more, for `flush`.
 */
class SendCall {
  readonly offsets: number[];
  readonly result: Promise<number[]>;
  readonly settled: Promise<void>;
  private pending: number;
  private failed = false;
  private resolveResult!: (offsets: number[]) => void;
  private rejectResult!: (err: unknown) => void;
  private resolveSettled!: () => void;

  constructor(count: number) {
    this.offsets = new Array<number>(count);
    this.pending = count;
    this.result = new Promise<number[]>((resolve, reject) => {
      this.resolveResult = resolve;
      this.rejectResult = reject;
    });
    // Observed by send's await; this keeps a failure while later records wait for memory from counting as unhandled.
    this.result.catch(() => undefined);
    this.settled = new Promise<void>((resolve) => (this.resolveSettled = resolve));
  }

  acknowledged(index: number, offset: number): void {
    this.offsets[index] = offset;
    this.done(1);
  }

  fail(err: unknown): void {
    if (!this.failed) {
      this.failed = true;
      this.rejectResult(err);
    }
    this.done(1);
  }

  /** Records of the call that were never queued (send stopped early). */
  dropped(count: number, err: unknown): void {
    if (count > 0) this.fail(err);
    if (count > 1) this.done(count - 1);
  }

  private done(n: number): void {
    this.pending -= n;
    if (this.pending > 0) return;
    if (!this.failed) this.resolveResult(this.offsets);
    this.resolveSettled();
  }
}

interface TopicQueues {
  readonly topic: string;
  readonly queues: Map<number, PendingRecord[]>;
  readonly queuedBytes: Map<number, number>;
  readonly inFlight: Set<number>;
  /** The topic's adaptive linger, when enabled. */
  readonly linger: AdaptiveLinger | undefined;
  timer: NodeJS.Timeout | undefined;
  timerAt: number;
  cursor: number;
}

interface SequenceState {
  epoch: number;
  next: number;
}

interface Batch {
  readonly topic: TopicQueues;
  readonly records: Map<number, PendingRecord[]>;
  /** Epoch and sequences the batch is sent with (changed only when the server refuses its sequencing). */
  epoch: number;
  sequences: Record<string, number>;
  readonly bytes: number;
  /** Whether the batch limit cut the request (records were left behind), so it counts as full. */
  readonly full: boolean;
}

/** The server's answers to a batch whose sequencing it cannot accept (docs/api.md). */
const SEQUENCE_REJECTED = ['OUT_OF_ORDER_SEQUENCE', 'UNKNOWN_PRODUCER_ID'] as const;

class BatchFailure {
  constructor(
    readonly error: unknown,
    readonly outcomeUnknown: boolean,
  ) {}
}

/**
 * A batching, idempotent producer. Create with `eddy.producer(options)`.
 *
 * @example
 * ```ts
 * const producer = eddy.producer();
 * await producer.send({ topic: 'events', messages: [{ key: 'user-1', value: { type: 'user_registered' } }] });
 * await producer.disconnect();
 * ```
 */
export class Producer {
  /** The idempotent producer id sent with every request (when idempotent). */
  readonly producerId: string;
  /** Whether requests carry idempotence fields. */
  readonly idempotent: boolean;
  private epoch = 0;
  private readonly lingerMs: number;
  private readonly adaptiveMaxMs: number | undefined;
  private readonly batchBytes: number;
  /** The largest request: {@link MAX_REQUEST_BYTES} in JSON, `MAX_BINARY_REQUEST_BYTES` in binary (sent base64 by API Gateway and Lambda invoke). */
  private readonly maxRequestBytes: number;
  /** Bytes a partition adds to a request besides its records. */
  private readonly partitionOverhead: number;
  private readonly encoding: ProducerEncoding;
  private readonly wireFormat: WireFormat;
  private readonly serializer: Serializer;
  private readonly partitioner: Partitioner;
  private readonly retry: RetryPolicy;
  private readonly memory: Semaphore;
  private readonly metadata: MetadataCache;
  private readonly topics = new Map<string, TopicQueues>();
  private readonly sequences = new Map<string, SequenceState>();
  private readonly outstanding = new Set<Promise<unknown>>();
  private flushing = 0;
  private closed = false;
  private counters = { messages: 0, batches: 0, requests: 0, retries: 0 };

  /**
   * @param client - the client requests go through.
   * @param options - batching, idempotence, retries, encoding.
   */
  constructor(
    private readonly client: EddyApi,
    options: ProducerOptions = {},
  ) {
    const aws = options.profile === 'aws';
    if (options.profile !== undefined && options.profile !== 'aws' && options.profile !== 'local') throw new RangeError(`profile must be 'aws' or 'local', got ${String(options.profile)}`);
    const defaults = aws ? AWS_PRODUCER_DEFAULTS : LOCAL_PRODUCER_DEFAULTS;
    this.lingerMs = nonNegative('lingerMs', options.lingerMs ?? defaults.lingerMs);
    const adaptive = options.adaptiveLinger ?? (aws && options.lingerMs === undefined);
    if (adaptive !== false && adaptive !== true && !(typeof adaptive === 'object' && adaptive !== null)) throw new RangeError(`adaptiveLinger must be a boolean or { maxMs }, got ${String(adaptive)}`);
    this.adaptiveMaxMs = adaptive === false ? undefined : adaptive === true ? Math.max(this.lingerMs, AWS_PRODUCER_DEFAULTS.maxLingerMs) : adaptive.maxMs;
    if (this.adaptiveMaxMs !== undefined) new AdaptiveLinger({ minMs: this.lingerMs, maxMs: this.adaptiveMaxMs }); // validates the cap now, not at the first send
    this.memory = new Semaphore(positive('maxBufferedBytes', options.maxBufferedBytes ?? 32 * 1024 * 1024));
    this.idempotent = options.idempotent ?? true;
    this.encoding = options.encoding ?? 'base64';
    if (this.encoding !== 'base64' && this.encoding !== 'utf8') throw new RangeError(`encoding must be 'base64' or 'utf8', got ${String(this.encoding)}`);
    this.wireFormat = options.wireFormat ?? 'binary';
    if (this.wireFormat !== 'binary' && this.wireFormat !== 'json') throw new RangeError(`wireFormat must be 'binary' or 'json', got ${String(this.wireFormat)}`);
    const binary = this.wireFormat === 'binary';
    this.maxRequestBytes = binary ? MAX_BINARY_REQUEST_BYTES : MAX_REQUEST_BYTES;
    this.partitionOverhead = binary ? BINARY_PARTITION_OVERHEAD_BYTES : PER_PARTITION_OVERHEAD_BYTES;
    this.batchBytes = Math.min(positive('batchBytes', options.batchBytes ?? defaults.batchBytes), this.maxRequestBytes);
    this.serializer = options.serializer ?? jsonSerializer;
    this.partitioner = options.partitioner ?? createDefaultPartitioner();
    this.retry = new RetryPolicy(options.retry);
    this.metadata = new MetadataCache(client, nonNegative('metadataMaxAgeMs', options.metadataMaxAgeMs ?? 300_000));
    this.producerId = options.producerId ?? `p-${randomUUID()}`;
    if (!/^[A-Za-z0-9._-]{1,64}$/.test(this.producerId)) throw new RangeError(`producerId must match [A-Za-z0-9._-]{1,64}, got ${JSON.stringify(this.producerId)}`);
  }

  /** The current idempotent producer epoch (raised after a batch whose outcome stayed unknown). */
  get producerEpoch(): number {
    return this.epoch;
  }

  /** Activity counters (for metrics and tests). */
  stats(): ProducerStats {
    let lingerMs = this.lingerMs;
    for (const t of this.topics.values()) lingerMs = Math.max(lingerMs, t.linger?.ms ?? this.lingerMs);
    return { ...this.counters, bufferedBytes: this.memory.capacity - this.memory.free, lingerMs };
  }

  /** Present for kafkajs compatibility: the producer needs no connection. */
  async connect(): Promise<void> {
    this.assertOpen();
  }

  /**
   * Sends messages to a topic. Resolves once every message is acknowledged,
   * with one {@link RecordMetadata} per partition touched; rejects with the
   * {@link EddyError} of the first failed batch. Waits while the buffer is
   * full.
   */
  async send(record: ProducerRecord): Promise<RecordMetadata[]> {
    this.assertOpen();
    const { topic, messages } = record;
    if (typeof topic !== 'string' || topic === '') throw new EddyError('INVALID_REQUEST', 'topic is required');
    if (!Array.isArray(messages)) throw new EddyError('INVALID_REQUEST', 'messages must be an array');
    if (messages.length === 0) return [];

    // Encode everything before buffering anything: a bad message fails this call alone.
    const encoded = messages.map((m) => encodeMessage(m, this.encoding, this.serializer, this.wireFormat));
    // The cache hit path has no await, so calls that are not awaited keep their call order.
    const meta = this.metadata.peek(topic) ?? (await this.metadata.get(topic));
    let count = meta.partitions;
    if (messages.some((m) => m.partition !== undefined && m.partition >= count)) count = (await this.metadata.refresh(topic)).partitions;
    const partitions = this.place(topic, messages, encoded, count);
    for (const m of encoded) this.checkSize(topic, m, meta.maxMessageBytes);

    const call = new SendCall(encoded.length);
    const t = this.queuesOf(topic);
    this.outstanding.add(call.settled);
    void call.settled.then(() => this.outstanding.delete(call.settled));
    let queued = 0;
    try {
      for (; queued < encoded.length; queued++) {
        const message = encoded[queued]!;
        if (!this.memory.tryAcquire(message.wireBytes)) {
          // Send what is queued before waiting: memory comes back as requests complete.
          this.drain(t);
          await this.memory.acquire(message.wireBytes);
        }
        this.enqueue(t, partitions[queued]!, message, call, queued);
      }
    } catch (err) {
      call.dropped(encoded.length - queued, err);
      throw err;
    } finally {
      this.counters.messages += queued;
      this.drain(t);
    }
    const offsets = await call.result;
    return recordMetadata(topic, partitions, offsets);
  }

  /** Sends messages to several topics; they share batches with concurrent sends. */
  async sendBatch(batch: ProducerBatch): Promise<RecordMetadata[]> {
    const all = await Promise.all(batch.topicMessages.map((r) => this.send(r)));
    return all.flat();
  }

  /** Sends everything buffered now (ignoring `lingerMs`) and waits until it is acknowledged or failed. */
  async flush(): Promise<void> {
    this.flushing++;
    try {
      const snapshot = [...this.outstanding];
      for (const t of this.topics.values()) this.drain(t);
      await Promise.allSettled(snapshot);
    } finally {
      this.flushing--;
    }
  }

  /** Flushes, then refuses further sends. */
  async disconnect(): Promise<void> {
    this.closed = true;
    await this.flush();
  }

  private assertOpen(): void {
    if (this.closed) throw new EddyError('INVALID_REQUEST', 'producer is disconnected');
  }

  /** The partition of each message. */
  private place(topic: string, messages: readonly Message[], encoded: EncodedMessage[], count: number): number[] {
    return messages.map((m, i) => {
      if (m.partition !== undefined) {
        if (!Number.isInteger(m.partition) || m.partition < 0 || m.partition >= count) {
          throw new EddyError('UNKNOWN_TOPIC_OR_PARTITION', `topic ${topic} has no partition ${m.partition} (${count} partitions)`);
        }
        return m.partition;
      }
      const p = this.partitioner({ topic, partitionCount: count, key: encoded[i]!.keyBytes });
      if (!Number.isInteger(p) || p < 0 || p >= count) throw new RangeError(`partitioner returned ${p} for ${count} partitions`);
      return p;
    });
  }

  private checkSize(topic: string, m: EncodedMessage, maxMessageBytes: number): void {
    if (m.payloadBytes > maxMessageBytes) {
      throw new EddyError('MESSAGE_TOO_LARGE', `a message of ${m.payloadBytes} bytes exceeds ${topic}'s maxMessageBytes ${maxMessageBytes}`);
    }
    const limit = Math.min(this.maxRequestBytes - REQUEST_OVERHEAD_BYTES - this.partitionOverhead, this.memory.capacity);
    if (m.wireBytes > limit) {
      throw new EddyError('MESSAGE_TOO_LARGE', `a message of ${m.wireBytes} wire bytes exceeds the limit of ${limit} (request size or maxBufferedBytes)`);
    }
  }

  private queuesOf(topic: string): TopicQueues {
    let t = this.topics.get(topic);
    if (!t) {
      const linger = this.adaptiveMaxMs === undefined ? undefined : new AdaptiveLinger({ minMs: this.lingerMs, maxMs: this.adaptiveMaxMs });
      t = { topic, queues: new Map(), queuedBytes: new Map(), inFlight: new Set(), linger, timer: undefined, timerAt: Infinity, cursor: 0 };
      this.topics.set(topic, t);
    }
    return t;
  }

  /** Queues one record of a send call; the caller drains the topic. */
  private enqueue(t: TopicQueues, partition: number, message: EncodedMessage, call: SendCall, index: number): void {
    let queue = t.queues.get(partition);
    if (!queue) {
      queue = [];
      t.queues.set(partition, queue);
    }
    queue.push({ message, partition, enqueuedAt: Date.now(), call, index });
    t.queuedBytes.set(partition, (t.queuedBytes.get(partition) ?? 0) + message.wireBytes);
  }

  /**
   * Sends the topic's queued records that are ready. A partition is ready
   * when its oldest record waited `lingerMs`, when it holds a full request,
   * or on flush; a request also carries every other idle partition's
   * records (free riders cost nothing). Partitions with a request in flight
   * wait for it.
   */
  private drain(t: TopicQueues): void {
    const now = Date.now();
    for (;;) {
      const idle: number[] = [];
      let ready = this.flushing > 0;
      let idleBytes = 0;
      let deadline = Infinity;
      for (const [p, q] of t.queues) {
        if (q.length === 0 || t.inFlight.has(p)) continue;
        idle.push(p);
        idleBytes += t.queuedBytes.get(p) ?? 0;
        const due = q[0]!.enqueuedAt + (t.linger?.ms ?? this.lingerMs);
        if (due <= now) ready = true;
        else deadline = Math.min(deadline, due);
      }
      if (idle.length === 0) return this.schedule(t, Infinity);
      if (!ready && idleBytes < this.batchBytes) return this.schedule(t, deadline);
      const batch = this.buildBatch(t, idle);
      void this.dispatch(batch);
    }
  }

  private schedule(t: TopicQueues, at: number): void {
    if (at === t.timerAt) return;
    if (t.timer) clearTimeout(t.timer);
    t.timer = undefined;
    t.timerAt = at;
    if (at === Infinity) return;
    t.timer = setTimeout(
      () => {
        t.timer = undefined;
        t.timerAt = Infinity;
        this.drain(t);
      },
      Math.max(0, at - Date.now()),
    );
  }

  /** Takes whole-record prefixes of idle partitions' queues, up to `batchBytes`, rotating the starting partition for fairness. */
  private buildBatch(t: TopicQueues, idle: number[]): Batch {
    idle.sort((a, b) => a - b);
    const start = t.cursor++ % idle.length;
    const order = [...idle.slice(start), ...idle.slice(0, start)];
    const records = new Map<number, PendingRecord[]>();
    let bytes = REQUEST_OVERHEAD_BYTES;
    let full = false;
    for (const p of order) {
      const q = t.queues.get(p)!;
      let taken = 0;
      let partitionBytes = this.partitionOverhead;
      while (taken < q.length) {
        const size = q[taken]!.message.wireBytes;
        // A request always carries at least one record; its size was checked against the limit in send.
        if (bytes + partitionBytes + size > this.batchBytes && (records.size > 0 || taken > 0)) break;
        partitionBytes += size;
        taken++;
      }
      if (taken === 0) {
        full = true;
        break;
      }
      records.set(p, q.splice(0, taken));
      t.queuedBytes.set(p, (t.queuedBytes.get(p) ?? 0) - (partitionBytes - this.partitionOverhead));
      t.inFlight.add(p);
      bytes += partitionBytes;
      if (q.length > 0) {
        full = true;
        break; // the request is full
      }
    }
    const batch: Batch = { topic: t, records, epoch: this.epoch, sequences: {}, bytes, full: full || bytes >= FILL_RATIO * this.batchBytes };
    if (this.idempotent) this.assignSequences(batch);
    this.counters.batches++;
    return batch;
  }

  /** Gives the batch the next sequence numbers of each of its partitions in the current epoch. */
  private assignSequences(batch: Batch): void {
    batch.epoch = this.epoch;
    batch.sequences = {};
    for (const [p, rs] of batch.records) {
      const key = `${batch.topic.topic}\u0000${p}`;
      let s = this.sequences.get(key);
      if (!s || s.epoch !== this.epoch) {
        s = { epoch: this.epoch, next: 0 };
        this.sequences.set(key, s);
      }
      batch.sequences[String(p)] = s.next;
      s.next += rs.length;
    }
  }

  /**
   * Moves a batch the server refused for its sequencing (and so did not
   * apply) to a new epoch, where each of its partitions starts at sequence 0:
   * the server accepts that from a producer it forgot (topic recreated,
   * producer state aged out) as well as from one it knows (KIP-360).
   */
  private resequence(batch: Batch): void {
    if (this.epoch === batch.epoch) this.epoch++;
    this.assignSequences(batch);
  }

  private async dispatch(batch: Batch): Promise<void> {
    const { topic: t, records } = batch;
    const ordered = [...records.values()].flat();
    const wire = ordered.map((r) => wireRecord(r.message, r.partition));
    const input = (): PutRecordsInput => ({
      topic: t.topic,
      encoding: this.encoding,
      wireFormat: this.wireFormat,
      records: wire,
      ...(this.idempotent ? { producerId: this.producerId, producerEpoch: batch.epoch, sequences: batch.sequences } : {}),
    });
    try {
      const out = await this.sendWithRetries(batch, input);
      if (!Array.isArray(out.results) || out.results.length !== ordered.length) {
        throw new BatchFailure(new EddyError('INTERNAL', `produce answered ${out.results?.length} results for ${ordered.length} records`), true);
      }
      ordered.forEach((r, i) => r.call.acknowledged(r.index, out.results[i]!.offset));
    } catch (caught) {
      const failure = caught instanceof BatchFailure ? caught : new BatchFailure(caught, true);
      if (this.idempotent) this.afterFailedBatch(batch, failure.outcomeUnknown, failure.error);
      const error = failure.outcomeUnknown ? unknownOutcome(failure.error) : failure.error;
      for (const r of ordered) r.call.fail(error);
    } finally {
      this.memory.release(ordered.reduce((n, r) => n + r.message.wireBytes, 0));
      for (const p of records.keys()) t.inFlight.delete(p);
      if (t.linger) {
        const queuedBehind = [...records.keys()].some((p) => (t.queues.get(p)?.length ?? 0) > 0);
        t.linger.afterRequest(batch.full ? this.batchBytes : batch.bytes, this.batchBytes, queuedBehind);
      }
      this.drain(t);
    }
  }

  /**
   * After a failed idempotent batch: if nothing was applied, give its
   * sequence numbers back (no other batch of these partitions was built
   * meanwhile: one in flight per partition). If it may have been applied, or
   * the server rejected our sequencing (out of order, unknown producer —
   * e.g. the topic was recreated — or fenced by a newer epoch), raise the epoch: every
   * partition then starts afresh at sequence 0, which the server accepts
   * from a known producer at a higher epoch and from an unknown one alike.
   */
  private afterFailedBatch(batch: Batch, outcomeUnknown: boolean, error: unknown): void {
    if (outcomeUnknown || isEddyError(error, 'INVALID_REQUEST', ...SEQUENCE_REJECTED, 'PRODUCER_FENCED')) {
      if (this.epoch === batch.epoch) this.epoch++;
      return;
    }
    for (const [p, rs] of batch.records) {
      const s = this.sequences.get(`${batch.topic.topic}\u0000${p}`);
      if (s && s.epoch === batch.epoch && s.next === batch.sequences[String(p)]! + rs.length) s.next -= rs.length;
    }
  }

  /**
   * Sends a batch, retrying what may be retried. Every attempt repeats the
   * same records with the same epoch and sequences (so the server can
   * recognise a duplicate), except once after the server refused the
   * sequencing of a batch none of whose attempts can have been applied.
   */
  private async sendWithRetries(batch: Batch, input: () => PutRecordsInput): Promise<PutRecordsOutput> {
    let outcomeUnknown = false;
    let resequenced = false;
    for (let attempt = 0; ; attempt++) {
      this.counters.requests++;
      if (attempt > 0) this.counters.retries++;
      try {
        return await this.client.putRecords(input(), { retry: false });
      } catch (err) {
        if (!isEddyError(err) || err.outcome === 'unknown') outcomeUnknown = true;
        if (this.idempotent && !outcomeUnknown && !resequenced && isEddyError(err, ...SEQUENCE_REJECTED)) {
          resequenced = true;
          this.resequence(batch);
          continue;
        }
        let retry = attempt < this.retry.retries && shouldRetry(err, this.idempotent);
        if (attempt < this.retry.retries && isEddyError(err, 'UNKNOWN_TOPIC_OR_PARTITION')) {
          // The cached partition count may be stale (topic recreated): retry only if every partition still exists.
          this.metadata.invalidate(batch.topic.topic);
          const meta = await this.metadata.refresh(batch.topic.topic).catch(() => undefined);
          retry = meta !== undefined && [...batch.records.keys()].every((p) => p < meta.partitions);
        }
        if (!retry) throw new BatchFailure(err, outcomeUnknown);
        await sleep(this.retry.backoff(attempt));
      }
    }
  }
}

/**
 * The error to report for a batch that may have been applied: the last
 * attempt's own error when it says so, else `UNKNOWN_OUTCOME` wrapping it —
 * a clean failure of a retry must not hide that an earlier attempt may have
 * been applied (resending would duplicate).
 */
function unknownOutcome(error: unknown): unknown {
  if (!isEddyError(error) || error.outcome !== 'none') return error;
  return new EddyError('UNKNOWN_OUTCOME', `${error.message} (after an earlier attempt whose outcome is unknown: the records may have been appended)`, { cause: error });
}

function recordMetadata(topic: string, partitions: number[], offsets: number[]): RecordMetadata[] {
  const byPartition = new Map<number, number[]>();
  partitions.forEach((p, i) => {
    const list = byPartition.get(p) ?? [];
    list.push(offsets[i]!);
    byPartition.set(p, list);
  });
  return [...byPartition.entries()]
    .sort(([a], [b]) => a - b)
    .map(([partition, list]) => ({ topicName: topic, partition, errorCode: 0, baseOffset: String(list[0]), offsets: list }));
}

function nonNegative(name: string, v: number): number {
  if (!Number.isFinite(v) || v < 0) throw new RangeError(`${name} must be a non-negative number, got ${v}`);
  return v;
}

function positive(name: string, v: number): number {
  if (!Number.isFinite(v) || v <= 0) throw new RangeError(`${name} must be a positive number, got ${v}`);
  return v;
}
