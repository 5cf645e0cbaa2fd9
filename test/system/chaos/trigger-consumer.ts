/**
 * The chaos workload's trigger consumer: the deployed dispatcher, in process,
 * under storage faults, with a handler that throws at random and dispatcher
 * invocations killed at random (their handler call never returns: no commit,
 * no lease release, as when Lambda kills a container). Two dispatcher
 * "containers" take stream wake-ups and a sweep runs beside them, so
 * invocations overlap. Checked: every acknowledged record delivered (0 lost),
 * first deliveries of each partition in offset order, and never two handler
 * calls of one partition at once.
 *
 * Kept apart from workload.ts (the SDK queue workload) so either can change
 * without the other.
 */
import type { DispatcherTrigger, EddyEvent } from '@eddy/api';
import { Eddy } from '@eddy/sdk';
import { awsComponents } from '../../../core/adapters/aws/index.js';
import { createLogger } from '../../../lambdas/http/log.js';
import { createRuntime } from '../../../lambdas/http/runtime.js';
import { Dispatcher, inProcessTransport } from '../../../lambdas/trigger/dispatcher.js';
import { DynamoPartitionLeases } from '../../../lambdas/trigger/lease.js';
import { testStandins } from '../../helpers/standins.js';
import { mulberry32 } from './prng.js';
import { DEFAULT_STORAGE_RATES, StorageFaults } from './storage-faults.js';

/** Options of {@link runTriggerChaos}. */
export interface TriggerChaosOptions {
  readonly seed: number;
  readonly partitions: number;
  /** Produce requests (1–5 records each). */
  readonly produces: number;
  /** Probability that a handler call throws. */
  readonly throwRate: number;
  /** Probability that a handler call kills its dispatcher invocation. */
  readonly killRate: number;
  /** How long the consumer may take to catch up once faults stop. */
  readonly drainTimeoutMs: number;
}

/** What the run saw and what the checks found. */
export interface TriggerChaosResult {
  readonly acknowledged: number;
  readonly handlerCalls: number;
  readonly thrown: number;
  readonly killed: number;
  readonly storageFailures: number;
  readonly storageRequests: number;
  /** Acknowledged records never delivered. */
  readonly lost: string[];
  /** Partitions whose first deliveries went backwards: `p: a after b`. */
  readonly reordered: string[];
  /** Overlapping handler calls of one partition. */
  readonly overlaps: string[];
  readonly drained: boolean;
}

interface Call {
  readonly partition: number;
  readonly offsets: number[];
  readonly start: number;
  end: number;
  readonly ok: boolean;
}

/** Runs the trigger arm; see the module comment. */
export async function runTriggerChaos(o: TriggerChaosOptions): Promise<TriggerChaosResult> {
  const s = await testStandins();
  const faults = new StorageFaults(o.seed, DEFAULT_STORAGE_RATES, s.settings.logTable);
  faults.enabled = false;
  faults.install(s.clients);
  const rt = createRuntime({ settings: s.settings, components: awsComponents(s.settings, { clients: s.clients }), logger: createLogger('error', () => undefined) });
  const client = new Eddy({ transport: inProcessTransport(rt), retry: { retries: 8, maxRetryTimeMs: 500 } });
  const leases = new DynamoPartitionLeases(s.clients.dynamodb, s.settings.groupsTable);
  const random = mulberry32(o.seed);
  const topic = `trigger-chaos-${o.seed}`;
  const handlerTimeoutMs = 400;
  const trigger: DispatcherTrigger = {
    id: `${topic}/g`,
    topic,
    groupId: `${topic}-g`,
    functionArn: 'arn:aws:lambda:us-east-1:123456789012:function:chaos',
    handlerTimeoutMs,
    startingPosition: 'earliest',
    batchSize: 7,
    maxBatchingWindowMs: 0,
    retryAttempts: -1,
    bisectBatchOnError: true,
    reportBatchItemFailures: true,
  };
  const calls: Call[] = [];
  let thrown = 0;
  let killed = 0;
  const delivered = new Map<string, number>();
  const firstOrder = new Map<number, number[]>();
  const invoke = async (_arn: string, event: EddyEvent): Promise<unknown> => {
    const call: Call = { partition: event.partition, offsets: event.records.map((r) => r.offset), start: performance.now(), end: Number.POSITIVE_INFINITY, ok: false };
    calls.push(call);
    const roll = random();
    if (roll < o.killRate) {
      killed++;
      // Lambda would stop the handler at its timeout; the dispatcher that called it is gone for good.
      call.end = call.start + handlerTimeoutMs;
      return new Promise(() => undefined);
    }
    await new Promise((r) => setTimeout(r, 1 + Math.floor(random() * 10)));
    call.end = performance.now();
    if (roll < o.killRate + o.throwRate) {
      thrown++;
      throw new Error('chaos: handler threw');
    }
    (call as { ok: boolean }).ok = true;
    for (const r of event.records) {
      const k = `${r.partition}:${r.offset}`;
      if (!delivered.has(k)) (firstOrder.get(r.partition) ?? firstOrder.set(r.partition, []).get(r.partition)!).push(r.offset);
      delivered.set(k, (delivered.get(k) ?? 0) + 1);
    }
    return undefined;
  };
  const container = (): Dispatcher =>
    new Dispatcher({ runtime: rt, triggers: [trigger], leases, invoke, sendDeadLetter: async () => undefined, emit: () => undefined, budgetMs: 1_500, leaseMarginMs: 300, backoffMs: 20, maxBackoffMs: 100 });
  const containers = [container(), container()];
  const invocations: Promise<unknown>[] = [];
  const wake = (partitions: number[]): void => {
    const d = containers[Math.floor(random() * containers.length)]!;
    const records = partitions.map((p) => ({ eventName: 'INSERT', dynamodb: { Keys: { pk: { S: `chaos#${String(p).padStart(5, '0')}` } }, NewImage: { n: { S: topic } } } }));
    // A killed invocation never settles; the others may fail under storage faults (the sweep re-drives).
    invocations.push(d.handle({ Records: records }).catch(() => undefined));
  };
  // A killed sweep never settles either: wait for one at most a few seconds.
  const sweep = (): Promise<unknown> =>
    Promise.race([containers[0]!.handle({ eddySweep: true }).catch(() => undefined), new Promise((r) => setTimeout(r, 3_000))]);

  const debug = (m: string): void => void (process.env.EDDY_CHAOS_DEBUG && process.stderr.write(`[trigger-chaos ${new Date().toISOString()}] ${m}\n`));
  await client.createTopic({ name: topic, partitions: o.partitions });
  debug('topic created');
  const acknowledged: string[] = [];
  faults.enabled = true;
  // The schedule, one sweep at a time (EventBridge would overlap a slow one; the lease makes that safe, but it costs the run time).
  let sweeping = true;
  const sweeper = (async () => {
    while (sweeping) {
      await sweep();
      await new Promise((r) => setTimeout(r, 300));
    }
  })();
  try {
    for (let i = 0; i < o.produces; i++) {
      const partition = Math.floor(random() * o.partitions);
      const n = 1 + Math.floor(random() * 5);
      try {
        const out = await client.putRecords({ topic, records: Array.from({ length: n }, (_, j) => ({ value: btoa(`v${i}-${j}`), partition })) });
        for (const r of out.results) acknowledged.push(`${r.partition}:${r.offset}`);
      } catch {
        // Not acknowledged: nothing is promised about it.
      }
      debug(`produce ${i}`);
      wake([partition]);
      await new Promise((r) => setTimeout(r, Math.floor(random() * 15)));
    }
  } finally {
    faults.enabled = false;
  }
  const stats = faults.stats();
  debug('faults off; draining');
  // Faults off: the consumer must catch up (kills keep happening, so only the sweep's takeovers finish some partitions).
  const deadline = Date.now() + o.drainTimeoutMs;
  let drained = false;
  while (Date.now() < deadline) {
    await sweep();
    const { offsets } = await client.fetchOffsets({ group: trigger.groupId, topic }).catch(() => ({ offsets: [] as { lag: number; partition: number }[] }));
    if (offsets.length === o.partitions && offsets.every((x) => x.lag === 0)) {
      drained = true;
      break;
    }
    debug(`lag ${JSON.stringify(offsets.map((x) => x.lag))}`);
    await new Promise((r) => setTimeout(r, 200));
  }
  sweeping = false;
  await sweeper;

  const lost = acknowledged.filter((k) => !delivered.has(k));
  const reordered: string[] = [];
  for (const [p, order] of firstOrder) {
    for (let i = 1; i < order.length; i++) if (order[i]! < order[i - 1]!) reordered.push(`${p}: ${order[i]} after ${order[i - 1]}`);
  }
  const overlaps: string[] = [];
  for (let p = 0; p < o.partitions; p++) {
    const mine = calls.filter((c) => c.partition === p).sort((a, b) => a.start - b.start);
    for (let i = 1; i < mine.length; i++) if (mine[i]!.start < mine[i - 1]!.end) overlaps.push(`${p}: [${mine[i]!.offsets.join(',')}] began before [${mine[i - 1]!.offsets.join(',')}] ended`);
  }
  await s.cleanup();
  return { acknowledged: acknowledged.length, handlerCalls: calls.length, thrown, killed, storageFailures: stats.failures, storageRequests: stats.requests, lost, reordered, overlaps, drained };
}
