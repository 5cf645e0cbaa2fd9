/**
 * The queue workload over the Kafka protocol, with real Kafka clients:
 * kafkajs idempotent producers and a kafkajs consumer group against Eddy's
 * Kafka server, through a {@link KafkaProxy} that cuts connections, while
 * the storage faults and crash points of the main arm run. Recorded as the
 * same {@link History} the checker reads.
 *
 * - Producers send unique values `<producer>:<n>` one send at a time, each
 *   send 1–4 values to one partition (offsets `baseOffset + i`). kafkajs
 *   retries a send with the same producer id and sequence numbers, so a
 *   retry of a send whose answer was lost must not be written twice. Only
 *   acknowledged sends count as `ok`; a send that fails is `info` (its
 *   outcome is unknown), and the producer is replaced by a new one (a new
 *   producer id), as a Kafka client must after giving up on a sequence.
 * - Two group members consume and auto-commit; mid-phase one stops (commits,
 *   leaves) and a new one joins. A member that kafkajs does not restart after
 *   a crash (a non-retriable error) is replaced, as a supervisor would. kafkajs is an eager client: on a rebalance
 *   it gives every partition up, recorded as an empty assignment.
 * - Faults stop; the group drains to the high watermarks; the final read of
 *   every partition (through the SDK) is the ground truth.
 */
import { Eddy } from '@eddy/sdk';
import { Kafka, logLevel, type Consumer, type LogEntry, type Producer } from 'kafkajs';
import type { History } from './history.js';
import type { KafkaProxy } from './kafka-proxy.js';
import { between, hashString, mix, mulberry32 } from './prng.js';
import { offsetsOf, readAll, type IndexProbe } from './workload.js';

/** Options of {@link runKafkaWorkload}. */
export interface KafkaWorkloadOptions {
  /** The service (local host) URL, for topic creation, offsets and the final read. */
  readonly url: string;
  /** `host:port` of the Kafka proxy. */
  readonly broker: string;
  readonly proxy: KafkaProxy;
  readonly seed: number;
  readonly topic: string;
  readonly group: string;
  readonly partitions: number;
  readonly producers: number;
  readonly keys: number;
  readonly faultMs: number;
  readonly sendPauseMs: readonly [number, number];
  readonly drainTimeoutMs: number;
  readonly history: History;
  /** Prefix of process names. @default "k-" */
  readonly prefix?: string;
  readonly log?: (line: string) => void;
  /** The stored index, for a protocol whose offsets may be abandoned (as the HTTP workload's `index` option). */
  readonly index?: IndexProbe;
}

/** What the workload observed besides the history. */
export interface KafkaWorkloadResult {
  readonly highWatermarks: number[];
  readonly drained: boolean;
  /** Sends that failed after kafkajs's retries (their producer was replaced). */
  readonly failedSends: number;
  /** Consumer crashes kafkajs recovered from. */
  readonly consumerCrashes: number;
}

const sleep = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));

/** The group coordinator's APIs, by kafkajs's names (FindCoordinator is `GroupCoordinator`), whose requests the history records per member. */
const GROUP_APIS = new Set(['GroupCoordinator', 'JoinGroup', 'SyncGroup', 'Heartbeat', 'LeaveGroup', 'OffsetCommit', 'OffsetFetch']);

/** How long the drain waits for commits to reach the end before it sends one more record to each lagging partition. */
const NUDGE_AFTER_MS = 10_000;

/** Patient retries, as for the SDK clients of the other arms. */
const RETRY = { retries: 8, initialRetryTime: 50, maxRetryTime: 1_000 };

/** Runs the workload; see the module comment. */
export async function runKafkaWorkload(o: KafkaWorkloadOptions): Promise<KafkaWorkloadResult> {
  const prefix = o.prefix ?? 'k-';
  const log = o.log ?? (() => undefined);
  const { history } = o;
  const admin = new Eddy({ endpoint: o.url, retry: { retries: 8, initialRetryTimeMs: 50, maxRetryTimeMs: 1_000 }, requestTimeoutMs: 30_000 });
  await admin.createTopic({ name: o.topic, partitions: o.partitions });
  // One Kafka instance per process, as separate applications would have.
  // kafkajs's own warnings and errors go into the history as notes, for a post-mortem.
  const logCreator = (): ((entry: LogEntry) => void) => (entry) => {
    const { timestamp: _, logger: __, ...rest } = entry.log;
    history.note(`kafkajs:${entry.label}`, `${entry.namespace}: ${JSON.stringify(rest).slice(0, 400)}`);
  };
  // Consumers log at INFO (joins with their assignments, restarts), producers at WARN.
  const client = (name: string, level = logLevel.WARN): Kafka =>
    new Kafka({ clientId: name, brokers: [o.broker], logLevel: level, logCreator, retry: RETRY, requestTimeout: 20_000, connectionTimeout: 5_000 });

  // ---- consumers ---------------------------------------------------------
  const delivered = Array.from({ length: o.partitions }, () => new Set<number>());
  const members: Array<{ name: string; consumer: Consumer }> = [];
  let consumerCrashes = 0;
  let stopping = false;
  const startMember = async (name: string): Promise<void> => {
    const consumer = client(name, logLevel.INFO).consumer({ groupId: o.group, sessionTimeout: 10_000, heartbeatInterval: 300, maxWaitTimeInMs: 300, retry: RETRY });
    // Every group request a member completed (or timed out), with its correlation id: a member stuck between two is visible.
    consumer.on(consumer.events.REQUEST, (e) => {
      if (GROUP_APIS.has(e.payload.apiName)) history.note(name, `${e.payload.apiName} v${e.payload.apiVersion} #${e.payload.correlationId} answered in ${e.payload.duration} ms`);
    });
    consumer.on(consumer.events.REQUEST_TIMEOUT, (e) => void history.note(name, `${e.payload.apiName} #${e.payload.correlationId} timed out`));
    consumer.on(consumer.events.REBALANCING, () => void history.add({ process: name, type: 'info', f: 'assign', partitions: [] }));
    consumer.on(consumer.events.STOP, () => void history.add({ process: name, type: 'info', f: 'assign', partitions: [] }));
    consumer.on(consumer.events.CRASH, (e) => {
      consumerCrashes++;
      history.add({ process: name, type: 'info', f: 'assign', partitions: [] });
      // kafkajs restarts a consumer after a retriable error only; after any other it stays down, and a
      // supervisor would start a new process: so does the workload (while the run still needs consumers).
      if (!e.payload.restart && !stopping) {
        history.note('nemesis', `${name} crashed for good (${String(e.payload.error)}); replacing it by ${name}r`);
        void startMember(`${name}r`).catch(() => undefined);
      }
    });
    consumer.on(consumer.events.GROUP_JOIN, (e) => void history.add({ process: name, type: 'info', f: 'assign', partitions: [...(e.payload.memberAssignment[o.topic] ?? [])] }));
    consumer.on(consumer.events.COMMIT_OFFSETS, (e) => {
      const offsets = e.payload.topics.filter((t) => t.topic === o.topic).flatMap((t) => t.partitions.map((p) => ({ partition: Number(p.partition), offset: Number(p.offset) })));
      history.add({ process: name, type: 'ok', f: 'commit', offsets });
    });
    // Under connection cuts, connecting itself can fail: a supervisor would start the process again.
    for (let attempt = 1; ; attempt++) {
      try {
        await consumer.connect();
        await consumer.subscribe({ topic: o.topic, fromBeginning: true });
        break;
      } catch (err) {
        history.note('nemesis', `${name} could not connect (attempt ${attempt}: ${String(err)}); retrying`);
        await consumer.disconnect().catch(() => undefined);
        if (stopping || attempt >= 50) throw err;
        await sleep(100);
      }
    }
    await consumer.run({
      autoCommitInterval: 250,
      eachMessage: async ({ partition, message }) => {
        const offset = Number(message.offset);
        history.add({ process: name, type: 'ok', f: 'poll', partition, offset, value: message.value!.toString('utf8') });
        delivered[partition]!.add(offset);
      },
    });
    members.push({ name, consumer });
  };
  for (let i = 0; i < 2; i++) await startMember(`${prefix}c${i}`);

  // ---- producers ---------------------------------------------------------
  const deadline = Date.now() + o.faultMs;
  o.proxy.enabled = true;
  history.note('nemesis', 'start-kafka-faults');
  let failedSends = 0;
  const produceLoop = async (index: number): Promise<void> => {
    const name = `${prefix}p${index}`;
    const random = mulberry32(mix(o.seed, hashString(name)));
    const kafka = client(name);
    const fresh = async (): Promise<Producer> => {
      for (;;) {
        const p = kafka.producer({ idempotent: true, maxInFlightRequests: 1, retry: RETRY, allowAutoTopicCreation: false });
        try {
          await p.connect();
          return p;
        } catch {
          await p.disconnect().catch(() => undefined);
          await sleep(100);
        }
      }
    };
    let producer = await fresh();
    let n = 0;
    while (Date.now() < deadline) {
      const partition = between(random, 0, o.partitions - 1);
      const messages = Array.from({ length: between(random, 1, 6) }, () => ({ key: `k${between(random, 0, o.keys - 1)}`, value: `${name}:${n++}`, partition }));
      const values = messages.map((m) => m.value);
      for (const m of messages) history.add({ process: name, type: 'invoke', f: 'send', value: m.value, key: m.key });
      try {
        const [meta] = await producer.send({ topic: o.topic, acks: -1, messages });
        const base = Number(meta!.baseOffset);
        values.forEach((value, i) => history.add({ process: name, type: 'ok', f: 'send', value, partition: meta!.partition, offset: base + i }));
      } catch (err) {
        failedSends++;
        for (const value of values) history.add({ process: name, type: 'info', f: 'send', value, error: err instanceof Error ? `${err.name}: ${err.message}` : String(err) });
        await producer.disconnect().catch(() => undefined);
        producer = await fresh();
      }
      await sleep(between(random, o.sendPauseMs[0], o.sendPauseMs[1]));
    }
    await producer.disconnect().catch(() => undefined);
  };

  // ---- churn: one member stops (commits, leaves), another joins -----------
  const churn = async (): Promise<void> => {
    await sleep(o.faultMs * 0.4);
    const stopped = members[1]!;
    history.note('nemesis', `stop ${stopped.name}`);
    log(`  kafka: stopping ${stopped.name} (commits and leaves)`);
    await stopped.consumer.disconnect().catch(() => undefined);
    await sleep(o.faultMs * 0.2);
    history.note('nemesis', `start ${prefix}c2`);
    await startMember(`${prefix}c2`);
  };

  await Promise.all([...Array.from({ length: o.producers }, (_, i) => produceLoop(i)), churn()]);

  // ---- faults off, drain -------------------------------------------------
  o.proxy.enabled = false;
  history.note('nemesis', 'stop-kafka-faults');
  log('  kafka: faults off; every send completed; draining');
  const described = await admin.describeTopic({ topic: o.topic });
  const highWatermarks = [...described.partitionOffsets].sort((a, b) => a.partition - b.partition).map((p) => p.highWatermark);
  const index = o.index;
  if (index) for (let p = 0; p < o.partitions; p++) highWatermarks[p] = Math.max(highWatermarks[p]!, await index.end(o.topic, p));
  const abandoned = Array.from({ length: o.partitions }, () => new Set<number>());
  const refresh = async (): Promise<void> => {
    if (index) for (let p = 0; p < o.partitions; p++) abandoned[p] = offsetsOf(await index.abandoned(o.topic, p));
  };
  const allDelivered = (): boolean => highWatermarks.every((hwm, p) => [...Array(hwm).keys()].every((off) => delivered[p]!.has(off) || abandoned[p]!.has(off)));
  const until = Date.now() + o.drainTimeoutMs;
  let drained = false;
  await refresh();
  const waitDelivered = async (): Promise<void> => {
    for (let n = 1; !allDelivered() && Date.now() < until; n++) {
      await sleep(100);
      if (n % 10 === 0) await refresh();
    }
  };
  await waitDelivered();
  // kafkajs commits only after it processes records: a member whose last commit failed while it was
  // caught up commits again only when a record arrives, as on a live topic. If commits are still
  // behind 10 s after every record was delivered, one more record per lagging partition stands in
  // for that traffic (acknowledged and checked like every other send).
  const deliveredAt = Date.now();
  let nudged = false;
  while (Date.now() < until) {
    const committed = await admin.fetchOffsets({ group: o.group, topic: o.topic }).catch(() => undefined);
    const lagging = committed ? highWatermarks.flatMap((hwm, p) => ((committed.offsets.find((c) => c.partition === p)?.offset ?? 0) >= hwm ? [] : [p])) : undefined;
    if (lagging?.length === 0) {
      drained = allDelivered();
      break;
    }
    if (lagging && !nudged && Date.now() - deliveredAt > NUDGE_AFTER_MS) {
      nudged = true;
      history.note('nemesis', `commits behind on partitions ${lagging.join(', ')}: one more record to each`);
      log(`  kafka: commits behind on partitions ${lagging.join(', ')}; one more record to each`);
      const nudge = client(`${prefix}nudge`).producer({ idempotent: true, maxInFlightRequests: 1, retry: RETRY, allowAutoTopicCreation: false });
      await nudge.connect();
      for (const partition of lagging) {
        const value = `${prefix}nudge:${partition}`;
        history.add({ process: `${prefix}nudge`, type: 'invoke', f: 'send', value, key: 'nudge' });
        const [meta] = await nudge.send({ topic: o.topic, acks: -1, messages: [{ key: 'nudge', value, partition }] });
        const offset = Number(meta!.baseOffset);
        history.add({ process: `${prefix}nudge`, type: 'ok', f: 'send', value, partition, offset });
        highWatermarks[partition] = Math.max(highWatermarks[partition]!, offset + 1);
      }
      await nudge.disconnect();
      await waitDelivered();
      continue;
    }
    await sleep(200);
  }
  log(drained ? '  kafka: drained' : '  kafka: drain timed out');
  history.note('nemesis', drained ? 'drained' : 'drain timed out');
  stopping = true;
  await Promise.all(members.map((m) => Promise.race([m.consumer.disconnect().catch(() => undefined), sleep(15_000)])));

  await readAll(admin, o.topic, o.partitions, described.partitionOffsets, history, prefix, index);
  admin.close();
  return { highWatermarks, drained, failedSends, consumerCrashes };
}
