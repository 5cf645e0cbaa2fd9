/**
 * The consumer (kafkajs shape: `subscribe`, `run({eachMessage|eachBatch})`,
 * `commitOffsets`, `seek`, `pause`/`resume`, `stop`, `disconnect`).
 *
 * With a `groupId` and a subscription it is a group member: partitions come
 * from heartbeats ({@link GroupMembership}); each owned partition runs its own
 * fetch loop ({@link PartitionRunner}); processed offsets are committed
 * periodically, when a partition is revoked (before the release is
 * acknowledged) and on stop. Without a `groupId` it reads assigned (or all
 * subscribed) partitions on its own, with no heartbeats and no commits.
 *
 * Delivery is at least once: a committed offset is the next one to read, and
 * only offsets whose messages the handler finished are committed; after a
 * crash the new owner resumes at the last commit.
 */
import type { EddyApi } from '../types.js';
import { EddyError, isEddyError } from '../errors.js';
import { RetryPolicy } from '../retry.js';
import type { FetchedBytesRecord, GetRecordsBytesOutput, OffsetCommit, TopicPartitions } from '../types.js';
import { Semaphore } from '../util/async.js';
import { Emitter, type Unsubscribe } from '../util/events.js';
import { GroupMembership } from './membership.js';
import { resolveIdleBackoff } from './idle-backoff.js';
import { PartitionRunner, type RunnerContext } from './partition-runner.js';
import type {
  Batch,
  ConsumerEvents,
  ConsumerOptions,
  EachBatchPayload,
  KafkaMessage,
  RunOptions,
  SubscribeOptions,
  TopicPartitionOffset,
  TopicPartitionsSelector,
} from './types.js';

interface ResolvedRunOptions {
  readonly eachMessage: RunOptions['eachMessage'];
  readonly eachBatch: RunOptions['eachBatch'];
  readonly eachBatchAutoResolve: boolean;
  readonly autoCommit: boolean;
  readonly autoCommitInterval: number;
}

/**
 * A consumer. Create with `eddy.consumer({ groupId })`.
 *
 * @example
 * ```ts
 * const consumer = eddy.consumer({ groupId: 'mailer' });
 * await consumer.subscribe({ topics: ['events'], fromBeginning: true });
 * await consumer.run({ eachMessage: async ({ message }) => handle(JSON.parse(message.value.toString())) });
 * // later
 * await consumer.disconnect();
 * ```
 */
export class Consumer {
  /** The consumer group, if any. */
  readonly groupId: string | undefined;
  private readonly sessionTimeoutMs: number;
  private readonly retry: RetryPolicy;
  private readonly runnerContext: RunnerContext;
  private readonly metadataMaxAgeMs: number;
  private readonly events = new Emitter<ConsumerEvents>();
  private readonly reports = new ErrorReports((payload) => this.events.emit('error', payload));
  private readonly runners = new Map<string, PartitionRunner>();
  private readonly pendingSeeks = new Map<string, number>();
  private readonly pausedPartitions = new Set<string>();
  private readonly pausedTopics = new Set<string>();
  private readonly offsetLookups = new Map<string, Promise<Map<number, number>>>();
  private subscriptions: (string | RegExp)[] = [];
  private topics: string[] = [];
  private fromBeginning = false;
  private manualAssignment: TopicPartitions[] | undefined;
  private membership: GroupMembership | undefined;
  private runConfig: ResolvedRunOptions | undefined;
  private concurrency = new Semaphore(1);
  private running = false;
  private stopping = false;
  private disconnected = false;
  private autoCommitTimer: NodeJS.Timeout | undefined;
  private metadataTimer: NodeJS.Timeout | undefined;
  private commitChain: Promise<unknown> = Promise.resolve();
  private autoCommitting = false;

  /**
   * @param client - the client requests go through.
   * @param options - group, session, fetch sizes, retries.
   */
  constructor(
    private readonly client: EddyApi,
    options: ConsumerOptions = {},
  ) {
    if (options.groupId !== undefined && (typeof options.groupId !== 'string' || options.groupId === '')) {
      throw new RangeError(`groupId must be a non-empty string, got ${JSON.stringify(options.groupId)}`);
    }
    this.groupId = options.groupId;
    this.sessionTimeoutMs = options.sessionTimeoutMs ?? 45_000;
    if (!Number.isInteger(this.sessionTimeoutMs) || this.sessionTimeoutMs < 1000) {
      throw new RangeError(`sessionTimeoutMs must be an integer ≥ 1000, got ${this.sessionTimeoutMs}`);
    }
    const waitMs = options.maxWaitTimeMs ?? 5_000;
    if (!Number.isInteger(waitMs) || waitMs < 0 || waitMs > 20_000) throw new RangeError(`maxWaitTimeMs must be an integer in [0, 20000], got ${waitMs}`);
    this.retry = new RetryPolicy(options.retry);
    this.metadataMaxAgeMs = options.metadataMaxAgeMs ?? 300_000;
    this.runnerContext = {
      client,
      retry: this.retry,
      waitMs,
      maxBytes: options.maxBytesPerPartition ?? 1_048_576,
      maxRecords: options.maxRecordsPerFetch,
      idleBackoff: resolveIdleBackoff(options),
      initialPosition: (runner, signal) => this.initialPosition(runner, signal),
      resetPosition: (runner, signal) => this.resetPosition(runner, signal),
      process: (runner, fetched, generation) => this.process(runner, fetched, generation),
      reportError: (error, runner) => this.reports.report(runner.key, { error, topic: runner.topic, partition: runner.partition }),
      recovered: (runner) => this.reports.recovered(runner.key),
    };
  }

  /** Listens to consumer events (`assignment`, `commit`, `error`); returns a function removing the listener. */
  on<K extends keyof ConsumerEvents>(event: K, listener: (payload: ConsumerEvents[K]) => void): Unsubscribe {
    return this.events.on(event, listener);
  }

  /** Present for kafkajs compatibility: the consumer needs no connection. */
  async connect(): Promise<void> {
    this.assertUsable();
  }

  /** Adds topics to the subscription (before `run`). */
  async subscribe(options: SubscribeOptions): Promise<void> {
    this.assertUsable();
    if (this.running) throw new EddyError('INVALID_REQUEST', 'subscribe before run');
    const topics = [...(options.topics ?? []), ...(options.topic !== undefined ? [options.topic] : [])];
    if (topics.length === 0) throw new EddyError('INVALID_REQUEST', 'subscribe needs topics');
    for (const t of topics) if (typeof t !== 'string' && !(t instanceof RegExp)) throw new EddyError('INVALID_REQUEST', `invalid topic ${String(t)}`);
    this.subscriptions.push(...topics);
    this.fromBeginning = options.fromBeginning ?? false;
  }

  /**
   * Reads exactly these partitions, without group membership (no heartbeats).
   * With a `groupId`, positions start at the group's committed offsets and
   * commits carry no member fields (accepted while the group has no live
   * members). May be called again while running to change the assignment.
   */
  async assign(partitions: readonly TopicPartitions[], options: { fromBeginning?: boolean } = {}): Promise<void> {
    this.assertUsable();
    this.manualAssignment = partitions.map((tp) => ({ topic: tp.topic, partitions: [...tp.partitions] }));
    if (options.fromBeginning !== undefined) this.fromBeginning = options.fromBeginning;
    if (this.running) await this.applyAssignment(this.manualAssignment);
  }

  /** Starts consuming; resolves once started (partitions arrive asynchronously, see the `assignment` event). */
  async run(options: RunOptions): Promise<void> {
    this.assertUsable();
    if (this.running) throw new EddyError('INVALID_REQUEST', 'consumer is already running');
    if (!options.eachMessage === !options.eachBatch) throw new EddyError('INVALID_REQUEST', 'run needs exactly one of eachMessage or eachBatch');
    if (this.subscriptions.length === 0 && !this.manualAssignment) throw new EddyError('INVALID_REQUEST', 'subscribe or assign before run');
    const concurrently = options.partitionsConsumedConcurrently ?? 1;
    if (!Number.isInteger(concurrently) || concurrently < 1) throw new RangeError(`partitionsConsumedConcurrently must be a positive integer, got ${concurrently}`);
    const autoCommitInterval = options.autoCommitInterval ?? 5_000;
    if (!(autoCommitInterval > 0)) throw new RangeError(`autoCommitInterval must be positive, got ${autoCommitInterval}`);
    this.runConfig = {
      eachMessage: options.eachMessage,
      eachBatch: options.eachBatch,
      eachBatchAutoResolve: options.eachBatchAutoResolve ?? true,
      autoCommit: (options.autoCommit ?? true) && this.groupId !== undefined,
      autoCommitInterval,
    };
    this.concurrency = new Semaphore(concurrently);
    this.topics = await this.resolveTopics();
    this.running = true;
    this.stopping = false;

    if (this.runConfig.autoCommit) {
      this.autoCommitTimer = setInterval(() => {
        // One auto-commit at a time: while commits fail (network down) they must not pile up.
        if (this.autoCommitting) return;
        this.autoCommitting = true;
        this.commitRunners([...this.runners.values()])
          .catch((error: unknown) => this.reports.report('commit', { error }))
          .finally(() => (this.autoCommitting = false));
      }, autoCommitInterval);
    }
    if (this.groupId !== undefined && !this.manualAssignment) {
      this.membership = new GroupMembership({
        client: this.client,
        group: this.groupId,
        sessionTimeoutMs: this.sessionTimeoutMs,
        retry: this.retry,
        topics: () => this.topics,
        reconcile: (assignment) => this.applyAssignment(assignment),
        lose: () => this.loseAll(),
        reportError: (error) => this.reports.report('membership', { error }),
        onHeartbeat: () => this.reports.recovered('membership'),
        onAssignment: (assignment) => this.emitAssignment(assignment),
      });
      this.membership.start();
    } else if (this.manualAssignment) {
      await this.applyAssignment(this.manualAssignment);
      this.emitAssignment(this.manualAssignment);
    } else {
      await this.refreshStandalone();
    }
  }

  /**
   * Stops consuming: stops fetching, waits for in-flight processing, commits
   * processed offsets (with auto-commit) and leaves the group
   * (`memberEpoch: -1`). `run` may be called again afterwards.
   */
  async stop(): Promise<void> {
    if (!this.running || this.stopping) return;
    this.stopping = true;
    clearInterval(this.autoCommitTimer);
    clearTimeout(this.metadataTimer);
    this.autoCommitTimer = undefined;
    this.metadataTimer = undefined;
    const runners = [...this.runners.values()];
    await Promise.all(runners.map((r) => r.stop()));
    if (this.runConfig?.autoCommit) {
      await this.commitRunners(runners).catch((error: unknown) => this.events.emit('error', { error }));
    }
    await this.membership?.leave();
    this.membership = undefined;
    this.runners.clear();
    this.running = false;
    this.stopping = false;
  }

  /** Commits, leaves the group and makes the consumer unusable. */
  async disconnect(): Promise<void> {
    await this.stop();
    this.disconnected = true;
  }

  /**
   * Commits offsets (each the next offset to read). In a group the commit
   * carries the member id and epoch; a stale epoch is refreshed by a
   * heartbeat and the commit retried.
   */
  async commitOffsets(offsets: readonly TopicPartitionOffset[]): Promise<void> {
    if (this.groupId === undefined) throw new EddyError('INVALID_REQUEST', 'commitOffsets needs a groupId');
    const list = offsets.map((o) => ({ topic: o.topic, partition: o.partition, offset: toOffset(o.offset) }));
    await this.commitList(list);
  }

  /** Moves the next fetch of a partition to `offset` (applied when the partition is assigned, if it is not yet). */
  seek(target: TopicPartitionOffset): void {
    const offset = toOffset(target.offset);
    const runner = this.runners.get(PartitionRunner.key(target.topic, target.partition));
    if (runner) runner.seek(offset);
    else this.pendingSeeks.set(PartitionRunner.key(target.topic, target.partition), offset);
  }

  /** Stops fetching the given partitions (all of a topic's when `partitions` is omitted) until resumed. */
  pause(selectors: readonly TopicPartitionsSelector[]): void {
    for (const s of selectors) {
      if (!s.partitions) this.pausedTopics.add(s.topic);
      else for (const p of s.partitions) this.pausedPartitions.add(PartitionRunner.key(s.topic, p));
    }
    for (const r of this.runners.values()) if (this.isPaused(r.topic, r.partition)) r.pause();
  }

  /** Resumes partitions paused with {@link pause}. */
  resume(selectors: readonly TopicPartitionsSelector[]): void {
    for (const s of selectors) {
      if (!s.partitions) {
        this.pausedTopics.delete(s.topic);
        for (const key of [...this.pausedPartitions]) if (key.startsWith(`${s.topic}\u0000`)) this.pausedPartitions.delete(key);
      } else {
        for (const p of s.partitions) this.pausedPartitions.delete(PartitionRunner.key(s.topic, p));
      }
    }
    for (const r of this.runners.values()) if (!this.isPaused(r.topic, r.partition)) r.resume();
  }

  /** The paused selections. */
  paused(): TopicPartitionsSelector[] {
    const out: TopicPartitionsSelector[] = [...this.pausedTopics].map((topic) => ({ topic }));
    const byTopic = new Map<string, number[]>();
    for (const key of this.pausedPartitions) {
      const [topic, p] = key.split('\u0000') as [string, string];
      if (this.pausedTopics.has(topic)) continue;
      byTopic.set(topic, [...(byTopic.get(topic) ?? []), Number(p)]);
    }
    for (const [topic, partitions] of byTopic) out.push({ topic, partitions: partitions.sort((a, b) => a - b) });
    return out;
  }

  /** The partitions this consumer currently owns and reads. */
  assignment(): TopicPartitions[] {
    return groupByTopic([...this.runners.values()].filter((r) => !r.stopped));
  }

  /** The group member id and epoch, when joined. */
  member(): { memberId: string; memberEpoch: number } | undefined {
    const m = this.membership;
    return m?.memberId !== undefined ? { memberId: m.memberId, memberEpoch: m.epoch } : undefined;
  }

  private assertUsable(): void {
    if (this.disconnected) throw new EddyError('INVALID_REQUEST', 'consumer is disconnected');
  }

  private isPaused(topic: string, partition: number): boolean {
    return this.pausedTopics.has(topic) || this.pausedPartitions.has(PartitionRunner.key(topic, partition));
  }

  private emitAssignment(assignment: TopicPartitions[]): void {
    const m = this.membership;
    this.events.emit('assignment', { memberId: m?.memberId ?? null, memberEpoch: m?.epoch ?? 0, assignment });
  }

  /** Names of subscribed topics, patterns matched against existing topics. */
  private async resolveTopics(): Promise<string[]> {
    const names = new Set(this.subscriptions.filter((t): t is string => typeof t === 'string'));
    const patterns = this.subscriptions.filter((t): t is RegExp => t instanceof RegExp);
    if (patterns.length > 0) {
      const { topics } = await this.client.listTopics({ retry: this.retry });
      for (const t of topics) if (patterns.some((re) => new RegExp(re.source, re.flags.replace('g', '')).test(t.name))) names.add(t.name);
    }
    for (const tp of this.manualAssignment ?? []) names.add(tp.topic);
    return [...names];
  }

  /** A standalone consumer reads every partition of its subscribed topics, re-read periodically. */
  private async refreshStandalone(): Promise<void> {
    try {
      this.topics = await this.resolveTopics();
      const described = await Promise.all(this.topics.map((topic) => this.client.describeTopic({ topic }, { retry: this.retry })));
      const assignment = described.map((d) => ({ topic: d.name, partitions: Array.from({ length: d.partitions }, (_, i) => i) }));
      if (!this.running || this.stopping) return;
      await this.applyAssignment(assignment);
      this.emitAssignment(assignment);
      this.reports.recovered('metadata');
    } catch (error) {
      this.reports.report('metadata', { error });
    } finally {
      if (this.running && !this.stopping) {
        this.metadataTimer = setTimeout(() => void this.refreshStandalone(), this.metadataMaxAgeMs);
      }
    }
  }

  /**
   * Makes the running partitions equal `assignment`: starts the added ones
   * at once; stops the revoked ones, waits for their in-flight processing,
   * then commits their processed offsets. Resolves when all that is done.
   */
  private async applyAssignment(assignment: readonly TopicPartitions[]): Promise<void> {
    const wanted = new Map<string, { topic: string; partition: number }>();
    for (const tp of assignment) for (const partition of tp.partitions) wanted.set(PartitionRunner.key(tp.topic, partition), { topic: tp.topic, partition });
    const revoked = [...this.runners.values()].filter((r) => !wanted.has(r.key));
    if (!this.stopping) {
      for (const [key, { topic, partition }] of wanted) {
        if (this.runners.has(key)) continue;
        const runner = new PartitionRunner(this.runnerContext, topic, partition);
        const seek = this.pendingSeeks.get(key);
        if (seek !== undefined) {
          this.pendingSeeks.delete(key);
          runner.seek(seek);
        }
        if (this.isPaused(topic, partition)) runner.pause();
        this.runners.set(key, runner);
        runner.start();
      }
    }
    if (revoked.length === 0) return;
    await Promise.all(revoked.map((r) => r.stop()));
    try {
      if (this.runConfig?.autoCommit) await this.commitRunners(revoked);
    } finally {
      for (const r of revoked) if (this.runners.get(r.key) === r) this.runners.delete(r.key);
    }
  }

  /** Stops every partition without committing (the membership was lost). */
  private async loseAll(): Promise<void> {
    const runners = [...this.runners.values()];
    await Promise.all(runners.map((r) => r.stop()));
    for (const r of runners) if (this.runners.get(r.key) === r) this.runners.delete(r.key);
    if (runners.length > 0) this.emitAssignment([]);
  }

  private async initialPosition(runner: PartitionRunner, signal: AbortSignal): Promise<number> {
    if (this.groupId !== undefined) {
      const committed = (await this.committedOffsets(runner.topic, signal)).get(runner.partition);
      if (committed !== undefined) {
        runner.committed = committed;
        return committed;
      }
    }
    return this.resetPosition(runner, signal);
  }

  /** The group's committed offsets of a topic; concurrent lookups (one rebalance) share one request. */
  private committedOffsets(topic: string, signal: AbortSignal): Promise<Map<number, number>> {
    let lookup = this.offsetLookups.get(topic);
    if (!lookup) {
      lookup = this.client
        .fetchOffsets({ group: this.groupId!, topic }, { retry: this.retry })
        .then((out) => {
          const map = new Map<number, number>();
          for (const o of out.offsets) if (o.topic === topic && typeof o.offset === 'number' && o.offset >= 0) map.set(o.partition, o.offset);
          return map;
        })
        .catch((err: unknown) => {
          // A group that never committed may not exist yet.
          if (isEddyError(err, 'GROUP_NOT_FOUND')) return new Map<number, number>();
          throw err;
        })
        .finally(() => this.offsetLookups.delete(topic));
      this.offsetLookups.set(topic, lookup);
    }
    return abortable(lookup, signal);
  }

  private async resetPosition(runner: PartitionRunner, signal: AbortSignal): Promise<number> {
    const out = await this.client.listOffsets(
      { topic: runner.topic, partition: runner.partition, at: this.fromBeginning ? 'earliest' : 'latest' },
      { signal, retry: this.retry },
    );
    return out.offset;
  }

  /** Delivers a fetched batch to the handler, tracking processed offsets. */
  private async process(runner: PartitionRunner, fetched: GetRecordsBytesOutput, generation: number): Promise<void> {
    const run = this.runConfig!;
    await this.concurrency.run(async () => {
      const stale = (): boolean => runner.stopped || runner.paused || runner.generation !== generation;
      if (stale()) return;
      const from = runner.position ?? 0;
      const records = fetched.records.filter((r) => r.offset >= from);
      if (records.length === 0) {
        runner.position = Math.max(from, fetched.nextOffset);
        return;
      }
      const pause = (): (() => void) => {
        this.pause([{ topic: runner.topic, partitions: [runner.partition] }]);
        return () => this.resume([{ topic: runner.topic, partitions: [runner.partition] }]);
      };
      if (run.eachMessage) {
        for (const record of records) {
          if (stale()) return;
          try {
            await run.eachMessage({ topic: runner.topic, partition: runner.partition, message: toKafkaMessage(record), heartbeat: async () => undefined, pause });
          } catch (err) {
            if (runner.generation === generation) runner.position = record.offset;
            throw err;
          }
          // A seek during the handler moved the position; this message's result must not overwrite it.
          if (runner.generation !== generation) return;
          runner.processed = record.offset + 1;
          runner.position = record.offset + 1;
        }
        return;
      }
      const messages = records.map(toKafkaMessage);
      const last = records[records.length - 1]!.offset;
      const batch = makeBatch(runner.topic, runner.partition, fetched.highWatermark, messages);
      const payload: EachBatchPayload = {
        batch,
        resolveOffset: (offset) => {
          if (runner.generation === generation) runner.processed = toOffset(offset) + 1;
        },
        heartbeat: async () => undefined,
        commitOffsetsIfNecessary: async () => {
          if (run.autoCommit) await this.commitRunners([...this.runners.values()]);
        },
        uncommittedOffsets: () => this.uncommitted([...this.runners.values()]),
        isRunning: () => this.running && !this.stopping,
        isStale: stale,
        pause,
      };
      try {
        await run.eachBatch!(payload);
      } catch (err) {
        if (runner.generation === generation) runner.position = runner.processed ?? from;
        throw err;
      }
      if (runner.generation !== generation) return;
      if (run.eachBatchAutoResolve) runner.processed = last + 1;
      runner.position = runner.processed ?? from;
    });
  }

  private uncommitted(runners: readonly PartitionRunner[]): OffsetCommit[] {
    return runners
      .filter((r) => r.processed !== undefined && r.processed !== r.committed)
      .map((r) => ({ topic: r.topic, partition: r.partition, offset: r.processed! }));
  }

  /** Commits the runners' processed offsets that changed since their last commit. */
  private async commitRunners(runners: readonly PartitionRunner[]): Promise<void> {
    if (this.groupId === undefined) return;
    const offsets = this.uncommitted(runners);
    if (offsets.length > 0) await this.commitList(offsets);
  }

  /** Commits offsets, one commit at a time (so an older commit never lands after a newer one). */
  private commitList(offsets: OffsetCommit[]): Promise<void> {
    const next = this.commitChain.catch(() => undefined).then(() => this.commitNow(offsets));
    this.commitChain = next;
    return next;
  }

  private async commitNow(offsets: OffsetCommit[]): Promise<void> {
    for (let attempt = 0; ; attempt++) {
      const m = this.membership;
      // A group member never commits without member fields: that would be an administrative
      // commit, accepted whenever the group looks empty, even for partitions it lost.
      if (m && m.memberId === undefined) throw new EddyError('UNKNOWN_MEMBER_ID', `not a member of group ${this.groupId} (joining or rejoining): commit refused`);
      const member = m?.memberId !== undefined ? { memberId: m.memberId, memberEpoch: m.epoch } : {};
      try {
        await this.client.commitOffsets({ group: this.groupId!, ...member, offsets }, { retry: this.retry });
      } catch (err) {
        // The server raised our epoch after our last heartbeat answer: learn it and commit again.
        if (m && isEddyError(err, 'STALE_MEMBER_EPOCH') && attempt < 3) {
          await m.sync();
          continue;
        }
        // Expired or removed: the next heartbeat learns it too and rejoins; send it now.
        if (m && isEddyError(err, 'UNKNOWN_MEMBER_ID')) m.heartbeatNow();
        throw err;
      }
      for (const o of offsets) {
        const r = this.runners.get(PartitionRunner.key(o.topic, o.partition));
        if (r) r.committed = o.offset;
      }
      this.reports.recovered('commit');
      this.events.emit('commit', { offsets });
      return;
    }
  }
}

/** Parses an offset given as number or numeric string. */
function toOffset(offset: string | number): number {
  const n = typeof offset === 'number' ? offset : Number(offset);
  if (!Number.isSafeInteger(n) || n < 0) throw new EddyError('INVALID_REQUEST', `invalid offset ${String(offset)}`);
  return n;
}

/** A Buffer over the same memory (no copy). */
function asBuffer(b: Uint8Array): Buffer {
  return Buffer.isBuffer(b) ? b : Buffer.from(b.buffer, b.byteOffset, b.byteLength);
}

/** Converts a fetched record (bytes) into a kafkajs message; a null header value is left out, a tombstone's value is empty. */
function toKafkaMessage(r: FetchedBytesRecord): KafkaMessage {
  const headers: Record<string, Buffer> = {};
  for (const [k, v] of r.headers) if (v !== null) headers[k] = asBuffer(v);
  return {
    key: r.key === null ? null : asBuffer(r.key),
    value: r.value === null ? Buffer.alloc(0) : asBuffer(r.value),
    headers,
    timestamp: String(r.timestamp),
    offset: String(r.offset),
  };
}

function makeBatch(topic: string, partition: number, highWatermark: number, messages: KafkaMessage[]): Batch {
  const first = messages[0]?.offset ?? null;
  const lastOffset = (): string => messages[messages.length - 1]?.offset ?? String(highWatermark - 1);
  return {
    topic,
    partition,
    highWatermark: String(highWatermark),
    messages,
    isEmpty: () => messages.length === 0,
    firstOffset: () => first,
    lastOffset,
    offsetLag: () => String(Math.max(0, highWatermark - 1 - Number(lastOffset()))),
    offsetLagLow: () => String(Math.max(0, highWatermark - 1 - Number(first ?? highWatermark - 1))),
  };
}

function groupByTopic(runners: readonly PartitionRunner[]): TopicPartitions[] {
  const map = new Map<string, number[]>();
  for (const r of runners) map.set(r.topic, [...(map.get(r.topic) ?? []), r.partition]);
  return [...map].map(([topic, partitions]) => ({ topic, partitions: partitions.sort((a, b) => a - b) }));
}

/** Rejects when `signal` aborts, without cancelling the shared promise. */
function abortable<T>(promise: Promise<T>, signal: AbortSignal): Promise<T> {
  if (signal.aborted) return Promise.reject(signal.reason);
  return new Promise<T>((resolve, reject) => {
    const onAbort = (): void => reject(signal.reason);
    signal.addEventListener('abort', onAbort, { once: true });
    promise.then(
      (v) => {
        signal.removeEventListener('abort', onAbort);
        resolve(v);
      },
      (e: unknown) => {
        signal.removeEventListener('abort', onAbort);
        reject(e);
      },
    );
  });
}

/**
 * Emits each failure once per source and state change: a source (a
 * partition's fetch loop, the group membership, commits) failing again the
 * same way (same code and message) is not reported again until it has
 * worked in between. A deleted topic made a consumer warn about it two
 * dozen times in 15 s; now it says so once per partition, and again only if
 * something changes.
 */
class ErrorReports {
  private readonly last = new Map<string, string>();

  constructor(private readonly emit: (payload: ConsumerEvents['error']) => void) {}

  /** Emits `payload` unless `source`'s last report was the same failure. */
  report(source: string, payload: ConsumerEvents['error']): void {
    const e = payload.error;
    const signature = e instanceof EddyError ? `${e.code}:${e.message}` : e instanceof Error ? `${e.name}:${e.message}` : String(e);
    if (this.last.get(source) === signature) return;
    this.last.set(source, signature);
    this.emit(payload);
  }

  /** `source` worked: its next failure is reported whatever it is. */
  recovered(source: string): void {
    this.last.delete(source);
  }
}
