/**
 * The deployed trigger dispatcher (docs/triggers.md): woken by DynamoDB
 * Streams records of new index entries (the stream is only a doorbell) or by
 * the one-minute sweep, it delivers each affected partition of each trigger
 * with the SDK's delivery engine — the same `Trigger` module `eddy trigger`
 * runs — reading the log and committing the trigger's group through Eddy's
 * own API served in process (no extra Lambda invocation per batch).
 *
 * One batch in flight per partition across all invocations: a partition is
 * delivered only under its lease (`lease.ts`), a conditional item in the
 * groups table; an invocation that finds it held marks it pending and skips
 * it, and the holder, whose release then fails, drains once more.
 */
import { randomUUID } from 'node:crypto';
import {
  DISPATCHER_TRIGGERS_ENV,
  TRIGGER_METRICS,
  type DispatcherDestination,
  type DispatcherTrigger,
  type EddyBatchResponse,
  type EddyEvent,
} from '@eddy/api';
import { Eddy, HandlerNotRunError, Trigger, isEddyError, type AttemptStore, type DeadLetter, type Transport, type TriggerEvent } from '@eddy/sdk';
import { serve } from '../http/handler.js';
import type { Logger } from '../http/log.js';
import type { Runtime } from '../http/runtime.js';
import type { PartitionLeases } from './lease.js';

/** What a {@link FunctionInvoker} throws for an invoke refused before the function ran (never counted as an attempt). */
export { HandlerNotRunError };

/** Invokes a user's function synchronously; rejects when the function failed (threw, timed out). */
export type FunctionInvoker = (functionArn: string, event: EddyEvent, timeoutMs: number) => Promise<unknown>;

/** What goes to `onFailure`: the batch's coordinates, like Lambda's Kinesis failure records. */
export interface DeadLetterMessage {
  readonly requestContext: { readonly condition: 'RetryAttemptsExhausted'; readonly functionArn: string; readonly approximateInvokeCount: number };
  readonly eddyBatchInfo: DeadLetter;
  readonly trigger: string;
  readonly timestamp: string;
}

/** Sends a dead letter to an SQS queue or SNS topic. */
export type DestinationSender = (destination: DispatcherDestination, message: DeadLetterMessage) => Promise<void>;

/** Components of a dispatcher. */
export interface DispatcherOptions {
  /** Eddy's core: the API is served from it in process. */
  readonly runtime: Runtime;
  readonly triggers: readonly DispatcherTrigger[];
  readonly leases: PartitionLeases;
  readonly invoke: FunctionInvoker;
  readonly sendDeadLetter: DestinationSender;
  /** Where EMF metric lines go. @default stdout */
  readonly emit?: (line: string) => void;
  /** How long one invocation starts new batches. @default 60000 */
  readonly budgetMs?: number;
  /** Extra lease time beyond the budget and the handler's timeout. @default 30000 */
  readonly leaseMarginMs?: number;
  /** Engine retry backoff (tests shorten it). @default the engine's (200 ms doubling, at most 10 s) */
  readonly backoffMs?: number;
  readonly maxBackoffMs?: number;
}

/** What one invocation did (also its return value, for logs and tests). */
export interface DispatchReport {
  readonly kind: 'stream' | 'sweep';
  /** `<trigger id>#<partition>` delivered under this invocation's lease. */
  readonly drained: string[];
  /** Partitions skipped because another invocation held their lease. */
  readonly busy: string[];
  /** Partitions that failed for a reason other than the handler (logged; the sweep re-drives them). */
  readonly errors: string[];
  readonly batches: number;
  readonly deadLettered: number;
  /** Lag per trigger after the invocation, as published to CloudWatch (the sweep only). */
  readonly lag: Record<string, { records: number; oldestAgeMs: number }>;
}

type MutableReport = { -readonly [K in keyof DispatchReport]: DispatchReport[K] };

/** A DynamoDB Streams record, as much of it as the dispatcher reads. */
interface StreamRecord {
  readonly eventName?: string;
  readonly dynamodb?: { readonly Keys?: { readonly pk?: { readonly S?: string }; readonly sk?: { readonly S?: string } }; readonly NewImage?: { readonly n?: { readonly S?: string } } };
}

/** Reads the trigger list the CDK construct put in the environment; fails naming what is wrong. */
export function triggersFromEnv(env: Readonly<Record<string, string | undefined>>): DispatcherTrigger[] {
  const raw = env[DISPATCHER_TRIGGERS_ENV];
  if (raw === undefined || raw === '') return [];
  const parsed = JSON.parse(raw) as unknown;
  if (!Array.isArray(parsed)) throw new Error(`${DISPATCHER_TRIGGERS_ENV} must be a JSON array`);
  for (const t of parsed as DispatcherTrigger[]) {
    if (typeof t?.topic !== 'string' || typeof t.groupId !== 'string' || typeof t.functionArn !== 'string') {
      throw new Error(`${DISPATCHER_TRIGGERS_ENV}: every trigger needs topic, groupId and functionArn, got ${JSON.stringify(t).slice(0, 200)}`);
    }
  }
  return parsed as DispatcherTrigger[];
}

/** The Eddy API served in process, as a transport for the SDK client (the same routes the fetch and groups functions serve). */
export function inProcessTransport(rt: Runtime): Transport {
  return {
    async request(req) {
      const res = await serve(rt, 'any', { method: req.method, path: req.path, query: { ...(req.query ?? {}) }, body: req.body });
      // What a Lambda or HTTP caller would see: plain JSON.
      return { status: res.statusCode, body: res.body === null || res.body === undefined ? null : (JSON.parse(JSON.stringify(res.body)) as unknown) };
    },
  };
}

/** Whether `event` is the sweep's scheduled payload. */
function isSweep(event: unknown): boolean {
  return typeof event === 'object' && event !== null && (event as { eddySweep?: unknown }).eddySweep === true;
}

function streamRecords(event: unknown): StreamRecord[] | undefined {
  const records = (event as { Records?: unknown } | null)?.Records;
  return Array.isArray(records) ? (records as StreamRecord[]) : undefined;
}

/** Keeps only `batchItemFailures` of the shape Lambda accepts; anything else means the batch succeeded. */
function batchResponse(value: unknown): EddyBatchResponse | undefined {
  const failures = (value as { batchItemFailures?: unknown } | null)?.batchItemFailures;
  if (!Array.isArray(failures)) return undefined;
  return { batchItemFailures: failures.map((f) => ({ itemIdentifier: String((f as { itemIdentifier?: unknown } | null)?.itemIdentifier) })) };
}

/** The dispatcher: `handle(event, remainingMs)` serves one invocation. */
export class Dispatcher {
  private readonly client: Eddy;
  private readonly byTopic = new Map<string, DispatcherTrigger[]>();

  constructor(private readonly options: DispatcherOptions) {
    // Retries are the engine's business (backoff per batch); the client retries transient storage errors only.
    this.client = new Eddy({ transport: inProcessTransport(options.runtime) });
    for (const t of options.triggers) this.byTopic.set(t.topic, [...(this.byTopic.get(t.topic) ?? []), t]);
  }

  private get log(): Logger {
    return this.options.runtime.logger;
  }

  /** Handles a DynamoDB Streams batch or the sweep. Never throws for a handler's failure: the sweep re-drives. */
  async handle(event: unknown, remainingMs = 900_000): Promise<DispatchReport> {
    const started = Date.now();
    const budget = this.options.budgetMs ?? 60_000;
    const sweep = isSweep(event);
    const report: MutableReport = { kind: sweep ? 'sweep' : 'stream', drained: [], busy: [], errors: [], batches: 0, deadLettered: 0, lag: {} };
    let targets: { trigger: DispatcherTrigger; partition: number; wokenFrom?: number }[];
    if (sweep) {
      targets = await this.lagging(report);
    } else {
      const records = streamRecords(event);
      if (!records) throw new Error('dispatcher: unrecognised event: expected DynamoDB Streams records or {"eddySweep":true}');
      // Per topic and partition, the lowest base offset woken (the index item's sk): where a partition
      // without a committed offset starts under 'latest', so the records that woke it are not skipped.
      const woken = new Map<string, Map<number, number | undefined>>();
      for (const r of records) {
        const topic = r.dynamodb?.NewImage?.n?.S;
        const pk = r.dynamodb?.Keys?.pk?.S;
        if (r.eventName !== 'INSERT' || topic === undefined || pk === undefined) continue;
        const partition = Number(pk.slice(pk.lastIndexOf('#') + 1));
        if (!Number.isInteger(partition)) continue;
        const sk = Number(r.dynamodb?.Keys?.sk?.S);
        const parts = woken.get(topic) ?? new Map<number, number | undefined>();
        const seen = parts.has(partition) ? parts.get(partition) : Number.POSITIVE_INFINITY;
        parts.set(partition, Number.isSafeInteger(sk) && sk >= 0 && seen !== undefined ? Math.min(seen, sk) : undefined);
        woken.set(topic, parts);
      }
      targets = [...woken].flatMap(([topic, parts]) =>
        (this.byTopic.get(topic) ?? []).flatMap((trigger) => [...parts].map(([partition, from]) => ({ trigger, partition, ...(from !== undefined ? { wokenFrom: from } : {}) }))),
      );
    }
    await Promise.all(
      targets.map(async ({ trigger, partition, wokenFrom }) => {
        // Leave room for the last batch's window and handler to finish before this invocation's own timeout.
        const deadline = started + Math.min(budget, remainingMs - trigger.maxBatchingWindowMs - trigger.handlerTimeoutMs - 10_000);
        const name = `${trigger.id}#${partition}`;
        try {
          await this.drainPartition(trigger, partition, deadline, report, wokenFrom);
        } catch (err) {
          report.errors.push(name);
          this.log.error('trigger partition failed', { trigger: trigger.id, partition, error: err instanceof Error ? err.message : String(err) });
        }
      }),
    );
    // The sweep publishes every trigger's lag each minute: enough for the alarm, and wake-ups stay lean.
    for (const trigger of sweep ? this.options.triggers : []) {
      try {
        const lag = await this.lagOf(trigger);
        report.lag[trigger.id] = lag;
        this.emitMetric(trigger, lag);
      } catch (err) {
        this.log.warn('trigger lag unknown', { trigger: trigger.id, error: err instanceof Error ? err.message : String(err) });
      }
    }
    // Wake-ups are frequent: logged at info only when something needs a reader (log ingestion is billed per GB).
    const notable = sweep || report.errors.length > 0 || report.deadLettered > 0;
    this.log.log(notable ? 'info' : 'debug', 'dispatch', { ...report, ms: Date.now() - started });
    return report;
  }

  /**
   * Partitions of every trigger that lag or were never started: what the
   * sweep re-drives. Under `'latest'` a never-started partition is left to
   * its stream wake-up, which starts it at the first record that woke it: the
   * sweep cannot tell where that is, and starting it at the high-water mark
   * would skip records whose wake-up is still on its way.
   */
  private async lagging(report: { errors: string[] }): Promise<{ trigger: DispatcherTrigger; partition: number }[]> {
    const out: { trigger: DispatcherTrigger; partition: number }[] = [];
    for (const trigger of this.options.triggers) {
      try {
        const { partitions } = await this.client.describeTopic({ topic: trigger.topic });
        const committed = await this.committed(trigger);
        for (let p = 0; p < partitions; p++) {
          const c = committed.get(p);
          if (c === undefined ? trigger.startingPosition !== 'latest' : c.lag > 0) out.push({ trigger, partition: p });
        }
      } catch (err) {
        if (isEddyError(err) && err.code === 'UNKNOWN_TOPIC_OR_PARTITION') continue; // a trigger on a topic not created yet
        report.errors.push(trigger.id);
        this.log.error('trigger sweep failed', { trigger: trigger.id, error: err instanceof Error ? err.message : String(err) });
      }
    }
    return out;
  }

  private async committed(trigger: DispatcherTrigger): Promise<Map<number, { offset: number; lag: number }>> {
    const out = await this.client.fetchOffsets({ group: trigger.groupId, topic: trigger.topic }).catch((err: unknown) => {
      if (isEddyError(err) && err.code === 'GROUP_NOT_FOUND') return { offsets: [] };
      throw err;
    });
    return new Map(out.offsets.filter((o) => o.topic === trigger.topic && o.offset >= 0).map((o) => [o.partition, { offset: o.offset, lag: o.lag }]));
  }

  /**
   * Delivers one partition under its lease until caught up, blocked by a
   * failing batch, or `deadline`. A wake-up that finds the lease held marks
   * it pending instead; the holder's release then fails and it drains once
   * more, so the woken records never wait for the sweep.
   */
  private async drainPartition(trigger: DispatcherTrigger, partition: number, deadline: number, report: MutableReport, wokenFrom?: number): Promise<void> {
    const { leases } = this.options;
    const key = { group: trigger.groupId, topic: trigger.topic, partition };
    const owner = randomUUID();
    const name = `${trigger.id}#${partition}`;
    const margin = this.options.leaseMarginMs ?? 30_000;
    const until = deadline + trigger.maxBatchingWindowMs + trigger.handlerTimeoutMs + margin;
    let held = await leases.acquire(key, owner, until, Date.now());
    if (!held) {
      // Held and now marked: its holder looks again before letting go. Not held after all: take it.
      if (await leases.markPending(key, Date.now())) {
        report.busy.push(name);
        return;
      }
      held = await leases.acquire(key, owner, until, Date.now());
      if (!held) {
        report.busy.push(name);
        return;
      }
    }
    report.drained.push(name);
    const attempts = leases.attempts(key, owner, held);
    // Before every delivery: still ours, and for long enough to cover that delivery. Lost: stop, deliver and commit nothing more.
    let lost = false;
    const renew = async (): Promise<boolean> => {
      lost = !(await leases.renew(key, owner, Date.now() + trigger.maxBatchingWindowMs + trigger.handlerTimeoutMs + margin));
      if (lost) this.log.warn('trigger lease lost', { trigger: trigger.id, partition });
      return !lost;
    };
    for (;;) {
      let last: TriggerEvent['type'] | undefined;
      try {
        await this.engine(trigger, attempts, renew, (e) => {
          last = e.type;
          if (e.type === 'delivered') report.batches++;
          if (e.type === 'dead-lettered') report.deadLettered++;
          if (e.type === 'failed') this.log.warn('trigger batch failed', { trigger: trigger.id, partition, startOffset: e.startOffset, endOffset: e.endOffset, attempt: e.attempt, error: e.error });
          if (e.type === 'dead-lettered') this.log.warn('trigger batch dead-lettered', { trigger: trigger.id, ...e.letter });
        }).drain([partition], deadline, wokenFrom !== undefined ? new Map([[partition, wokenFrom]]) : undefined);
      } catch (err) {
        // Abandoning: let go even if a wake-up marked it pending, so the next wake-up (or the sweep) can drain.
        await leases.abandon(key, owner).catch(() => undefined);
        throw err;
      }
      if (lost || (await leases.release(key, owner))) return;
      // Woken meanwhile. Blocked by a failing batch or out of time: the sweep takes over; let go for real.
      if (last === 'failed' || Date.now() >= deadline) {
        await leases.abandon(key, owner);
        return;
      }
    }
  }

  /** The SDK's delivery engine for one trigger, delivering by invoking its function. */
  private engine(trigger: DispatcherTrigger, attempts: AttemptStore, beforeDeliver: () => Promise<boolean>, onEvent: (e: TriggerEvent) => void): Trigger {
    return new Trigger(
      {
        topic: trigger.topic,
        groupId: trigger.groupId,
        startingPosition: trigger.startingPosition,
        batchSize: trigger.batchSize,
        maxBatchingWindowMs: trigger.maxBatchingWindowMs,
        retryAttempts: trigger.retryAttempts,
        bisectBatchOnError: trigger.bisectBatchOnError,
        ...(this.options.backoffMs !== undefined ? { backoffMs: this.options.backoffMs } : {}),
        ...(this.options.maxBackoffMs !== undefined ? { maxBackoffMs: this.options.maxBackoffMs } : {}),
      },
      {
        client: this.client,
        deliver: async (event) => {
          const answer = await this.options.invoke(trigger.functionArn, event, trigger.handlerTimeoutMs);
          return trigger.reportBatchItemFailures ? batchResponse(answer) : undefined;
        },
        ...(trigger.onFailure
          ? {
              deadLetter: async (letter: DeadLetter) => {
                await this.options.sendDeadLetter(trigger.onFailure!, {
                  requestContext: { condition: 'RetryAttemptsExhausted', functionArn: trigger.functionArn, approximateInvokeCount: letter.attempts },
                  eddyBatchInfo: letter,
                  trigger: trigger.id,
                  timestamp: new Date(letter.time).toISOString(),
                });
              },
            }
          : {}),
        attempts,
        beforeDeliver,
        onEvent: (e) => {
          if (e.type !== 'committed') onEvent(e);
        },
      },
    );
  }

  /** Records not yet delivered and the age of the oldest of them, over the topic's partitions. */
  private async lagOf(trigger: DispatcherTrigger): Promise<{ records: number; oldestAgeMs: number }> {
    let records = 0;
    let oldest: number | undefined;
    for (const [partition, c] of await this.committed(trigger)) {
      if (c.lag <= 0) continue;
      records += c.lag;
      const next = await this.client.getRecords({ topic: trigger.topic, partition, offset: c.offset, maxRecords: 1, encoding: 'base64' }).catch(() => undefined);
      const ts = next?.records[0]?.timestamp;
      if (ts !== undefined) oldest = Math.min(oldest ?? ts, ts);
    }
    return { records, oldestAgeMs: oldest === undefined ? 0 : Math.max(0, Date.now() - oldest) };
  }

  /** One CloudWatch embedded-metric-format line per trigger: metrics from logs, no PutMetricData call. */
  private emitMetric(trigger: DispatcherTrigger, lag: { records: number; oldestAgeMs: number }): void {
    const m = TRIGGER_METRICS;
    const line = JSON.stringify({
      _aws: {
        Timestamp: Date.now(),
        CloudWatchMetrics: [
          {
            Namespace: m.namespace,
            Dimensions: [[m.dimension]],
            Metrics: [
              { Name: m.lagRecords, Unit: 'Count' },
              { Name: m.oldestAgeMs, Unit: 'Milliseconds' },
            ],
          },
        ],
      },
      [m.dimension]: trigger.id,
      [m.lagRecords]: lag.records,
      [m.oldestAgeMs]: lag.oldestAgeMs,
    });
    (this.options.emit ?? ((l: string) => process.stdout.write(`${l}\n`)))(line);
  }
}
