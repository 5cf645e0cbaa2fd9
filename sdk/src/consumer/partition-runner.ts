/**
 * One assigned partition's fetch-and-process loop.
 *
 * The runner long-polls the partition from `position`, hands each batch to
 * the consumer's handler (one batch at a time, in offset order) and tracks
 * `processed`: the offset after the last message the handler finished, which
 * is what gets committed. `stop()` stops fetching at once (aborting the long
 * poll) and delivering at the next message boundary, and resolves only when
 * the handler is no longer running for this partition, so the caller can
 * commit `processed` knowing it is final.
 */
import type { EddyApi } from '../types.js';
import { isEddyError } from '../errors.js';
import type { RetryPolicy } from '../retry.js';
import type { GetRecordsBytesOutput } from '../types.js';
import { deferred, isAbortError, sleep, type Deferred } from '../util/async.js';
import { IdleBackoff, type IdleBackoffOptions } from './idle-backoff.js';

/** What a runner needs from its consumer. */
export interface RunnerContext {
  /** The client fetches go through. */
  readonly client: EddyApi;
  /** Retries of fetches, and the backoff after a failed batch. */
  readonly retry: RetryPolicy;
  /** Long-poll wait of each fetch. */
  readonly waitMs: number;
  /** Fetch size limit. */
  readonly maxBytes: number;
  /** Fetch record-count limit (server default when undefined). */
  readonly maxRecords: number | undefined;
  /** Client-side backoff after empty fetches (see idle-backoff.ts); off when undefined. */
  readonly idleBackoff?: Required<IdleBackoffOptions> | undefined;
  /** The offset to start from when none is set (committed offset, else the reset policy). */
  initialPosition(runner: PartitionRunner, signal: AbortSignal): Promise<number>;
  /** The reset target after `OFFSET_OUT_OF_RANGE`. */
  resetPosition(runner: PartitionRunner, signal: AbortSignal): Promise<number>;
  /** Hands a fetched batch to the handler; updates the runner's offsets. */
  process(runner: PartitionRunner, fetched: GetRecordsBytesOutput, generation: number): Promise<void>;
  /** Reports a failure the runner recovers from. */
  reportError(error: unknown, runner: PartitionRunner): void;
  /** Called after each successful fetch (failures reported before are over). */
  recovered?(runner: PartitionRunner): void;
}

/** Fetches and processes one partition. */
export class PartitionRunner {
  /** Next offset to fetch; undefined until resolved. */
  position: number | undefined;
  /** Offset after the last processed message: the commit candidate. */
  processed: number | undefined;
  /** Last offset committed (or read as committed) for this partition. */
  committed: number | undefined;
  /** High watermark seen in the last fetch. */
  highWatermark = 0;
  /** Bumped by every seek: a batch fetched under an older generation is stale. */
  generation = 0;
  private pausedFlag = false;
  private stoppedFlag = false;
  private readonly stopController = new AbortController();
  private fetchController: AbortController | undefined;
  private wake: Deferred<void> | undefined;
  private loop: Promise<void> | undefined;
  private readonly idle: IdleBackoff | undefined;

  /**
   * @param ctx - the consumer's services.
   * @param topic - the topic.
   * @param partition - the partition.
   */
  constructor(
    private readonly ctx: RunnerContext,
    readonly topic: string,
    readonly partition: number,
  ) {
    this.idle = ctx.idleBackoff ? new IdleBackoff(ctx.idleBackoff) : undefined;
  }

  /** Key of a topic-partition. */
  static key(topic: string, partition: number): string {
    return `${topic}\u0000${partition}`;
  }

  /** This runner's topic-partition key. */
  get key(): string {
    return PartitionRunner.key(this.topic, this.partition);
  }

  /** Whether the runner is stopping or stopped. */
  get stopped(): boolean {
    return this.stoppedFlag;
  }

  /** Whether fetching is paused. */
  get paused(): boolean {
    return this.pausedFlag;
  }

  /** Starts the loop. */
  start(): void {
    this.loop ??= this.run();
  }

  /** Stops fetching; resolves once no handler runs for this partition any more. */
  async stop(): Promise<void> {
    this.stoppedFlag = true;
    this.stopController.abort();
    this.fetchController?.abort();
    this.wake?.resolve();
    await this.loop;
  }

  /** Stops fetching until {@link resume}; a batch being delivered stops at the next message. */
  pause(): void {
    if (this.pausedFlag) return;
    this.pausedFlag = true;
    this.fetchController?.abort();
  }

  /** Resumes fetching. */
  resume(): void {
    if (!this.pausedFlag) return;
    this.pausedFlag = false;
    this.wake?.resolve();
  }

  /** Moves the next fetch to `offset`; the batch being delivered is abandoned. Processed offsets follow (kafkajs). */
  seek(offset: number): void {
    this.generation++;
    this.position = offset;
    this.processed = offset;
    this.idle?.reset();
    this.fetchController?.abort();
  }

  private async run(): Promise<void> {
    let failures = 0;
    while (!this.stoppedFlag) {
      if (this.pausedFlag) {
        this.wake = deferred<void>();
        await this.wake.promise;
        this.wake = undefined;
        continue;
      }
      const generation = this.generation;
      const fetchController = new AbortController();
      this.fetchController = fetchController;
      const signal = AbortSignal.any([fetchController.signal, this.stopController.signal]);
      try {
        if (this.position === undefined) {
          const start = await this.ctx.initialPosition(this, signal);
          if (generation !== this.generation || this.position !== undefined) continue;
          this.position = start;
          this.processed ??= start;
        }
        const fetched = await this.ctx.client.getRecords(
          {
            topic: this.topic,
            partition: this.partition,
            offset: this.position,
            waitMs: this.idle?.waitMs(this.ctx.waitMs) ?? this.ctx.waitMs,
            maxBytes: this.ctx.maxBytes,
            ...(this.ctx.maxRecords !== undefined ? { maxRecords: this.ctx.maxRecords } : {}),
            encoding: 'bytes',
          },
          { signal, retry: this.ctx.retry },
        );
        if (this.stoppedFlag || this.pausedFlag || generation !== this.generation) continue;
        this.highWatermark = fetched.highWatermark;
        failures = 0;
        this.ctx.recovered?.(this);
        if (fetched.records.length === 0) {
          // Nothing new; retention may have moved the start past our position.
          if (fetched.nextOffset > this.position) this.position = fetched.nextOffset;
          if (this.idle) await sleep(this.idle.afterEmpty(), signal);
          continue;
        }
        this.idle?.reset();
        await this.ctx.process(this, fetched, generation);
      } catch (err) {
        if (this.stoppedFlag) break;
        if (isAbortError(err) && (this.pausedFlag || generation !== this.generation || fetchController.signal.aborted)) continue;
        let failure = err;
        if (isEddyError(err, 'OFFSET_OUT_OF_RANGE')) {
          try {
            const reset = await this.ctx.resetPosition(this, signal);
            if (generation === this.generation) {
              this.position = reset;
              this.processed = reset;
            }
            continue;
          } catch (resetErr) {
            if (this.stoppedFlag) break;
            failure = resetErr;
          }
        }
        this.ctx.reportError(failure, this);
        await sleep(this.ctx.retry.backoff(failures++), this.stopController.signal);
      } finally {
        this.fetchController = undefined;
      }
    }
  }
}
