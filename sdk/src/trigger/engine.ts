/**
 * The trigger delivery engine: drives a handler with ordered batches of a
 * topic, the way Lambda's Kinesis event source does, and records progress in
 * an Eddy consumer group. The local runner (`eddy trigger`) and the deployed
 * dispatcher both run this one module, so retry, bisect, partial-batch and
 * dead-letter behaviour cannot drift between them.
 *
 * Per partition: one batch in flight, batches in offset order, at-least-once
 * (the group's offset moves only after the handler succeeded). A failing
 * batch is retried with exponential backoff; with `bisect` it is split in two
 * first, so a poison record ends up alone; after `retries` failed attempts
 * it goes to `deadLetter` with its coordinates and is skipped, and without a
 * dead letter it is retried forever — it blocks its partition, as Kinesis
 * does, and the group's lag shows it.
 *
 * Progress is committed without member fields (a "simple" consumer in Kafka
 * terms): the trigger owns every partition of its group, so the group must
 * have no other live members.
 */
import type { EddyBatchResponse, EddyEvent, EddyRecord } from '@eddy/api';
import type { Eddy } from '../client.js';
import { isEddyError } from '../errors.js';
import type { FetchedRecord } from '../types.js';

/** Where a partition without a committed offset starts. */
export type StartingPosition = 'earliest' | 'latest' | { readonly timestamp: number };

/** Delivers one event: invokes the handler in process, or a Lambda function. Throwing means the batch failed. */
export type Deliver = (event: EddyEvent) => Promise<EddyBatchResponse | void | undefined>;

/**
 * What a {@link Deliver} throws when the handler was never run: the invoke
 * was throttled or refused before the function started (Lambda's
 * `TooManyRequestsException`, a function not found or not ready, access
 * denied). The batch is retried after backoff without using up
 * `retryAttempts`, and is never bisected or dead-lettered for it: as with
 * Lambda's own event source mappings, only the handler's errors count.
 */
export class HandlerNotRunError extends Error {
  override readonly name = 'HandlerNotRunError';
}

/** A batch given up on after its retries, with its coordinates. */
export interface DeadLetter {
  readonly topic: string;
  readonly partition: number;
  readonly groupId: string;
  /** First offset of the skipped batch. */
  readonly startOffset: number;
  /** Last offset of the skipped batch. */
  readonly endOffset: number;
  /** Number of records skipped. */
  readonly batchSize: number;
  /** Attempts made. */
  readonly attempts: number;
  /** The last failure's message. */
  readonly error: string;
  /** When it was given up on (epoch ms). */
  readonly time: number;
}

/** What the engine reports as it goes (for logs and tests). */
export type TriggerEvent =
  | { readonly type: 'partitions'; readonly partitions: number[] }
  | { readonly type: 'delivered'; readonly partition: number; readonly startOffset: number; readonly endOffset: number }
  | { readonly type: 'failed'; readonly partition: number; readonly startOffset: number; readonly endOffset: number; readonly attempt: number; readonly error: string; readonly retryInMs: number }
  | { readonly type: 'dead-lettered'; readonly letter: DeadLetter }
  | { readonly type: 'committed'; readonly partition: number; readonly offset: number };

/** Settings of a trigger (validated by {@link validateTriggerSettings}). */
export interface TriggerSettings {
  readonly topic: string;
  readonly groupId: string;
  /** @default 'latest' */
  readonly startingPosition?: StartingPosition;
  /** Most records per batch. @default 100 */
  readonly batchSize?: number;
  /** How long to gather records before delivering a batch smaller than `batchSize`. @default 0 */
  readonly maxBatchingWindowMs?: number;
  /** Failed attempts after the first before a batch goes to the dead letter; -1 retries forever. @default -1 */
  readonly retryAttempts?: number;
  /** Split a failing batch in two before retrying it. @default false */
  readonly bisectBatchOnError?: boolean;
  /** First retry delay; doubles per attempt. @default 200 */
  readonly backoffMs?: number;
  /** Longest retry delay. @default 10000 */
  readonly maxBackoffMs?: number;
  /** How often new partitions are looked for. @default 5000 */
  readonly partitionRefreshMs?: number;
  /** Long-poll wait of a fetch while idle (the API allows up to 20000). @default 10000 */
  readonly waitMs?: number;
}

/**
 * The calls the engine makes: an {@link Eddy} client fits, and so does any
 * adapter with the same shapes (a dispatcher may serve them from core in
 * process instead of over the wire).
 */
export type TriggerClient = Pick<Eddy, 'describeTopic' | 'fetchOffsets' | 'listOffsets' | 'getRecords' | 'commitOffsets'>;

/** Components of a trigger. */
export interface TriggerComponents {
  readonly client: TriggerClient;
  readonly deliver: Deliver;
  /** Receives batches given up on; without it a failing batch blocks its partition. */
  readonly deadLetter?: (letter: DeadLetter) => Promise<void>;
  /** Progress reports. */
  readonly onEvent?: (event: TriggerEvent) => void;
  /**
   * Keeps a failing batch's attempt count across {@link Trigger.drain} calls:
   * the deployed dispatcher's invocations end before a long backoff does, and
   * without it `retryAttempts` would restart with every invocation.
   */
  readonly attempts?: AttemptStore;
  /**
   * Called before every delivery (sub-batches and retries included): the
   * deployed dispatcher renews its partition lease here. Resolving false
   * means this runner no longer owns the partition: it stops at once, without
   * delivering or committing anything more.
   */
  readonly beforeDeliver?: (partition: number) => Promise<boolean>;
}

/** What an {@link AttemptStore} recorded for a partition's first undelivered (sub-)batch. */
export interface StoredAttempts {
  /** Failed attempts so far. */
  readonly attempts: number;
  /**
   * Last offset of the failing (sub-)batch: with bisect, a resumed drain
   * retries exactly that range with these attempts instead of a full batch
   * that would be bisected again with its halves back at 0.
   */
  readonly endOffset?: number;
}

/** Where failed attempts of a partition's first undelivered batch are kept between drains. */
export interface AttemptStore {
  /** Failed attempts recorded for the (sub-)batch starting at `offset` of `partition` (0 when none), with its last offset if known. */
  load(partition: number, offset: number): Promise<number | StoredAttempts>;
  /**
   * Records that the (sub-)batch from `offset` to `endOffset` has failed
   * `attempts` times; `attempts` 0 clears the record (the batch was delivered
   * or dead-lettered).
   */
  save(partition: number, offset: number, attempts: number, endOffset?: number): Promise<void>;
}

/** Checks settings once, naming the bad value; returns them with defaults filled in. */
export function validateTriggerSettings(s: TriggerSettings): Required<TriggerSettings> {
  const int = (name: string, v: number, min: number, max = Number.MAX_SAFE_INTEGER): number => {
    if (!Number.isInteger(v) || v < min || v > max) throw new RangeError(`${name} must be an integer from ${min} to ${max}, got ${v}`);
    return v;
  };
  if (!s.topic) throw new RangeError('topic is required');
  if (!s.groupId) throw new RangeError('groupId is required');
  const start = s.startingPosition ?? 'latest';
  if (typeof start === 'object' && !(Number.isInteger(start.timestamp) && start.timestamp >= 0)) throw new RangeError(`startingPosition.timestamp must be epoch milliseconds, got ${start.timestamp}`);
  if (typeof start === 'string' && start !== 'earliest' && start !== 'latest') throw new RangeError(`startingPosition must be earliest, latest or {timestamp}, got ${String(start)}`);
  return {
    topic: s.topic,
    groupId: s.groupId,
    startingPosition: start,
    batchSize: int('batchSize', s.batchSize ?? 100, 1, 10_000),
    maxBatchingWindowMs: int('maxBatchingWindowMs', s.maxBatchingWindowMs ?? 0, 0, 300_000),
    retryAttempts: int('retryAttempts', s.retryAttempts ?? -1, -1, 10_000),
    bisectBatchOnError: s.bisectBatchOnError ?? false,
    backoffMs: int('backoffMs', s.backoffMs ?? 200, 1),
    maxBackoffMs: int('maxBackoffMs', s.maxBackoffMs ?? 10_000, 1),
    partitionRefreshMs: int('partitionRefreshMs', s.partitionRefreshMs ?? 5_000, 100),
    waitMs: int('waitMs', s.waitMs ?? 10_000, 0, 20_000),
  };
}

/** Converts a fetched record (base64 encoding) to the handler's shape. */
export function toEddyRecord(topic: string, partition: number, r: FetchedRecord): EddyRecord {
  return {
    topic,
    partition,
    offset: r.offset,
    timestamp: r.timestamp,
    key: r.key,
    value: r.value === null || r.value === undefined ? null : String(r.value),
    headers: Object.entries(r.headers ?? {}).map(([key, value]) => ({ key, value: value ?? null })),
  };
}

/**
 * A running trigger: one delivery loop per partition of the topic, more as
 * the topic grows. `stop()` lets in-flight batches finish and commit.
 */
export class Trigger {
  private readonly settings: Required<TriggerSettings>;
  private readonly controller = new AbortController();
  private readonly loops = new Map<number, Promise<void>>();
  private failure: unknown;

  constructor(
    settings: TriggerSettings,
    private readonly components: TriggerComponents,
  ) {
    this.settings = validateTriggerSettings(settings);
  }

  /** Runs until {@link stop} (or a failure that is not the handler's, which rejects). */
  async run(): Promise<void> {
    const signal = this.controller.signal;
    while (!signal.aborted) {
      try {
        await this.refreshPartitions();
      } catch (err) {
        if (!signal.aborted) {
          this.failure ??= err;
          this.controller.abort();
        }
      }
      await sleep(this.settings.partitionRefreshMs, signal);
    }
    await Promise.allSettled([...this.loops.values()]);
    if (this.failure !== undefined) throw this.failure;
  }

  /**
   * Delivers what `partitions` hold now and returns once each is caught up
   * (a fetch finds nothing) or `deadline` (epoch ms) has passed, leaving the
   * rest for the next call. This is the dispatcher's mode: an invocation woken
   * by an append drains the partitions it was told about and ends, so nothing
   * runs while the topic is idle.
   *
   * `wokenFrom` gives, per partition, the lowest offset of the appends that
   * caused this call: a partition without a committed offset and the
   * `'latest'` starting position starts there rather than at the high-water
   * mark, which is already past those records (a new topic or partition).
   */
  async drain(partitions: readonly number[], deadline: number, wokenFrom?: ReadonlyMap<number, number>): Promise<void> {
    await Promise.all(partitions.map((p) => this.partitionLoop(p, deadline, wokenFrom?.get(p))));
  }

  /** Stops fetching; batches in flight finish and commit first. */
  stop(): void {
    this.controller.abort();
  }

  private async refreshPartitions(): Promise<void> {
    const { topic } = this.settings;
    const described = await this.components.client.describeTopic({ topic }, { signal: this.controller.signal });
    const fresh: number[] = [];
    for (let p = 0; p < described.partitions; p++) {
      if (this.loops.has(p)) continue;
      fresh.push(p);
      this.loops.set(
        p,
        this.partitionLoop(p).catch((err: unknown) => {
          if (this.controller.signal.aborted) return;
          this.failure ??= err;
          this.controller.abort();
        }),
      );
    }
    if (fresh.length) this.components.onEvent?.({ type: 'partitions', partitions: fresh });
  }

  /** Where a partition starts: the group's committed offset, else the starting position. */
  private async startOffset(partition: number, wokenFrom?: number): Promise<number> {
    const { client } = this.components;
    const { topic, groupId, startingPosition } = this.settings;
    const signal = this.controller.signal;
    const committed = await client.fetchOffsets({ group: groupId, topic }, { signal }).catch((err: unknown) => {
      if (isEddyError(err) && err.code === 'GROUP_NOT_FOUND') return { offsets: [] };
      throw err;
    });
    const mine = committed.offsets.find((o) => o.topic === topic && o.partition === partition);
    if (mine && mine.offset >= 0) return mine.offset;
    const at = typeof startingPosition === 'object' ? startingPosition.timestamp : startingPosition;
    let offset = (await client.listOffsets({ topic, partition, at }, { signal })).offset;
    // Woken by appends: 'latest' means from the first of them, not past them.
    if (startingPosition === 'latest' && wokenFrom !== undefined && wokenFrom >= 0) offset = Math.min(offset, wokenFrom);
    // Remember the start at once, so a restart before the first batch does not move it to a later 'latest'.
    await this.commit(partition, offset);
    return offset;
  }

  private async partitionLoop(partition: number, deadline?: number, wokenFrom?: number): Promise<void> {
    const { client } = this.components;
    const { topic, batchSize, maxBatchingWindowMs, waitMs } = this.settings;
    const signal = this.controller.signal;
    let position = await this.startOffset(partition, wokenFrom);
    while (!signal.aborted && (deadline === undefined || Date.now() < deadline)) {
      let fetched;
      try {
        // Draining does not long-poll: the next append wakes the dispatcher again.
        fetched = await client.getRecords({ topic, partition, offset: position, maxRecords: batchSize, waitMs: deadline === undefined ? waitMs : 0, encoding: 'base64' }, { signal });
      } catch (err) {
        if (signal.aborted) return;
        if (isEddyError(err) && err.code === 'OFFSET_OUT_OF_RANGE') {
          // Retention removed records the trigger had not delivered: Kinesis skips to the trim horizon too.
          position = (await client.listOffsets({ topic, partition, at: 'earliest' }, { signal })).offset;
          await this.commit(partition, position);
          continue;
        }
        throw err;
      }
      const records = fetched.records.map((r) => toEddyRecord(topic, partition, r));
      if (records.length === 0) {
        if (deadline !== undefined) return;
        position = Math.max(position, fetched.nextOffset);
        continue;
      }
      if (records.length < batchSize && maxBatchingWindowMs > 0) {
        // Gather for the window, then top the batch up; one fetch keeps the request count bounded.
        await sleep(maxBatchingWindowMs, signal);
        // Draining: a batch must not start after the deadline (the lease is sized by it).
        if (deadline !== undefined && Date.now() >= deadline) return;
        const more = await client
          .getRecords({ topic, partition, offset: fetched.nextOffset, maxRecords: batchSize - records.length, encoding: 'base64' }, { signal })
          .catch(() => undefined);
        if (more) records.push(...more.records.map((r) => toEddyRecord(topic, partition, r)));
      }
      // A batch in flight finishes even when stopping: its progress is committed before exit.
      const done = await this.process(partition, records, deadline);
      if (done.lost) return;
      position = done.next;
      // Draining: a retry that does not fit before the deadline is the next wake-up's job.
      if (done.deferred) return;
    }
  }

  /**
   * Delivers `records` (one partition, in order) until every record is
   * delivered or dead-lettered; commits as it goes; returns the next offset,
   * and whether a retry was deferred because it would not fit before `deadline`.
   */
  private async process(partition: number, records: EddyRecord[], deadline?: number): Promise<{ next: number; deferred: boolean; lost?: boolean }> {
    const { topic, groupId, retryAttempts, bisectBatchOnError } = this.settings;
    // A work list of sub-batches in offset order; each carries its failed attempts.
    const loaded = (await this.components.attempts?.load(partition, records[0]!.offset)) ?? 0;
    const stored: StoredAttempts = typeof loaded === 'number' ? { attempts: loaded } : loaded;
    // Resuming a failing sub-batch: exactly its range, with its attempts (bisect does not start over).
    if (stored.attempts > 0 && stored.endOffset !== undefined && records.some((r) => r.offset > stored.endOffset!)) {
      records = records.filter((r) => r.offset <= stored.endOffset!);
    }
    const queue: { records: EddyRecord[]; attempts: number; stored?: boolean }[] = [{ records, attempts: stored.attempts, stored: stored.attempts > 0 }];
    // Consecutive deliveries that never ran the handler: their own backoff, not attempts.
    let notRun = 0;
    // Once the stored batch is delivered or dead-lettered its count is cleared (no write when nothing was stored).
    const settled = async (item: { records: EddyRecord[]; stored?: boolean }): Promise<void> => {
      if (item.stored) await this.components.attempts?.save(partition, item.records[0]!.offset, 0);
    };
    while (queue.length) {
      const item = queue[0]!;
      const first = item.records[0]!;
      const last = item.records[item.records.length - 1]!;
      // Draining: no sub-batch starts after the deadline; the next wake-up goes on from here.
      if (deadline !== undefined && Date.now() >= deadline) {
        if (item.attempts > 0) await this.components.attempts?.save(partition, first.offset, item.attempts, last.offset);
        return { next: first.offset, deferred: true };
      }
      if (this.components.beforeDeliver && !(await this.components.beforeDeliver(partition))) return { next: first.offset, deferred: true, lost: true };
      let error: string;
      try {
        const response = await this.components.deliver({ eventSource: 'eddy', topic, partition, groupId, records: item.records });
        notRun = 0;
        const failed = failedOffsets(response, item.records);
        if (failed === undefined) {
          queue.shift();
          this.components.onEvent?.({ type: 'delivered', partition, startOffset: first.offset, endOffset: last.offset });
          await this.commit(partition, last.offset + 1);
          await settled(item);
          continue;
        }
        // Partial success: what comes before the lowest failure is done; retry from it.
        const done = item.records.filter((r) => r.offset < failed);
        if (done.length) await this.commit(partition, failed);
        item.records = item.records.filter((r) => r.offset >= failed);
        error = `handler reported offset ${failed} as failed`;
      } catch (err) {
        error = err instanceof Error ? err.message : String(err);
        if (err instanceof HandlerNotRunError) {
          // Not an attempt: same batch again after backoff, no bisect, no dead letter.
          notRun++;
          const retryInMs = Math.min(this.settings.maxBackoffMs, this.settings.backoffMs * 2 ** Math.min(notRun - 1, 20));
          this.components.onEvent?.({ type: 'failed', partition, startOffset: first.offset, endOffset: last.offset, attempt: item.attempts, error, retryInMs });
          if (deadline !== undefined && Date.now() + retryInMs > deadline) {
            if (item.attempts > 0) await this.components.attempts?.save(partition, first.offset, item.attempts, last.offset);
            return { next: first.offset, deferred: true };
          }
          await sleep(retryInMs, this.controller.signal);
          if (this.controller.signal.aborted) return { next: first.offset, deferred: false };
          continue;
        }
      }
      item.attempts++;
      const cur = item.records;
      if (bisectBatchOnError && cur.length > 1) {
        // Splitting does not use up retries (as in Lambda's Kinesis event source).
        const half = Math.ceil(cur.length / 2);
        // The stored record now describes the first half (same start): it is saved again or cleared with it.
        queue.splice(0, 1, { records: cur.slice(0, half), attempts: 0, stored: item.stored }, { records: cur.slice(half), attempts: 0 });
        continue;
      }
      const startOffset = cur[0]!.offset;
      const endOffset = cur[cur.length - 1]!.offset;
      const exhausted = retryAttempts >= 0 && item.attempts > retryAttempts;
      if (exhausted && this.components.deadLetter) {
        const letter: DeadLetter = { topic, partition, groupId, startOffset, endOffset, batchSize: cur.length, attempts: item.attempts, error, time: Date.now() };
        await this.components.deadLetter(letter);
        this.components.onEvent?.({ type: 'dead-lettered', letter });
        queue.shift();
        await this.commit(partition, endOffset + 1);
        await settled(item);
        continue;
      }
      const retryInMs = Math.min(this.settings.maxBackoffMs, this.settings.backoffMs * 2 ** Math.min(item.attempts - 1, 20));
      this.components.onEvent?.({ type: 'failed', partition, startOffset, endOffset, attempt: item.attempts, error, retryInMs });
      // Without a dead letter an exhausted batch keeps blocking its partition; stopping leaves it uncommitted.
      // A draining dispatcher that cannot wait that long ends here; the next wake-up retries.
      if (deadline !== undefined && Date.now() + retryInMs > deadline) {
        await this.components.attempts?.save(partition, startOffset, item.attempts, endOffset);
        return { next: startOffset, deferred: true };
      }
      await sleep(retryInMs, this.controller.signal);
      if (this.controller.signal.aborted) return { next: startOffset, deferred: false };
    }
    return { next: records[records.length - 1]!.offset + 1, deferred: false };
  }

  private async commit(partition: number, offset: number): Promise<void> {
    const { topic, groupId } = this.settings;
    // Not tied to the stop signal: progress made before a stop must still be recorded.
    await this.components.client.commitOffsets({ group: groupId, offsets: [{ topic, partition, offset }] });
    this.components.onEvent?.({ type: 'committed', partition, offset });
  }
}

/** The lowest failed offset a handler reported within `records`, or undefined when all succeeded. */
function failedOffsets(response: EddyBatchResponse | void | undefined, records: readonly EddyRecord[]): number | undefined {
  const failures = response?.batchItemFailures;
  if (!failures || failures.length === 0) return undefined;
  const first = records[0]!.offset;
  let lowest: number | undefined;
  for (const f of failures) {
    const n = Number(f.itemIdentifier);
    // An identifier that names no record of the batch fails the whole batch, as Lambda does.
    const o = Number.isInteger(n) && records.some((r) => r.offset === n) ? n : first;
    lowest = lowest === undefined ? o : Math.min(lowest, o);
  }
  return lowest;
}

function sleep(ms: number, signal: AbortSignal): Promise<void> {
  return new Promise((resolve) => {
    if (signal.aborted) return resolve();
    const t = setTimeout(done, ms);
    function done(): void {
      clearTimeout(t);
      signal.removeEventListener('abort', done);
      resolve();
    }
    signal.addEventListener('abort', done, { once: true });
  });
}
