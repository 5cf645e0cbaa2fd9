/**
 * The queue workload (after Jepsen's Kafka test), driven through the SDK as
 * users drive it, recorded as a {@link History}:
 *
 * 1. Fault phase: several producers (SDK batching producers, one instance
 *    each) send unique values `<producer>:<n>` under random keys over a few
 *    partitions, several sends in flight each; a consumer group of 2–3
 *    members polls and auto-commits. Mid-phase one member is stopped
 *    (commits, leaves) and restarted, and another is killed (its network
 *    dies: no commit, no leave, its session expires) and replaced — both
 *    force rebalances while records flow.
 * 2. Faults stop. Producers flush and every send completes.
 * 3. Drain: the group reads until it has been handed every offset below each
 *    partition's high watermark and has committed up to it.
 * 4. Final read of every partition from its first offset: the ground truth.
 *
 * Even-numbered producers and members talk HTTP, odd-numbered ones the
 * Lambda Invoke API.
 *
 * Everything a run decides (keys, pauses, which member stops when) comes from
 * the seed; only the interleaving with the server is left to timing.
 */
import { Eddy, HttpTransport, isEddyError, LambdaTransport, type Consumer, type Producer, type RequestEvent } from '@eddy/sdk';
import type { ClientFaults, KillableTransport } from './client-faults.js';
import type { History } from './history.js';
import { between, hashString, mix, mulberry32, type Random } from './prng.js';
import type { StorageFaults } from './storage-faults.js';

/** Options of {@link runWorkload}. */
export interface WorkloadOptions {
  /** The service (local host) URL. */
  readonly url: string;
  readonly seed: number;
  readonly topic: string;
  /** The consumer group; without one nobody consumes (the final read still happens). */
  readonly group?: string;
  readonly partitions: number;
  readonly producers: number;
  /** Distinct keys. */
  readonly keys: number;
  /** Length of the fault phase in ms. */
  readonly faultMs: number;
  /** Pause between two sends of a producer, in ms. */
  readonly sendPauseMs: readonly [number, number];
  /** Sends a producer keeps in flight. */
  readonly maxInFlight: number;
  /** Producer option `idempotent`. */
  readonly idempotent: boolean;
  /** Per producer overrides of `idempotent` and the number of retries (its length then gives the number of producers). */
  readonly producerSpecs?: ReadonlyArray<{ readonly idempotent: boolean; readonly retries: number }>;
  /** Resend a value whose send failed with an unknown outcome (at-least-once without idempotence; the control arm). */
  readonly resendUnknown: boolean;
  /** Group members (2 or 3). */
  readonly consumers: number;
  /** Stop and restart one member, kill and replace another, mid-phase. */
  readonly churn: boolean;
  /** How long the drain may take before unseen records are reported. */
  readonly drainTimeoutMs: number;
  readonly storageFaults: StorageFaults;
  readonly clientFaults: ClientFaults;
  readonly history: History;
  /** Prefix of process names (`p0`, `c1`, …) so several arms can share a history file. */
  readonly prefix?: string;
  /** Progress lines. */
  readonly log?: (line: string) => void;
  /**
   * The index as the server stores it, for a protocol whose offsets may be
   * abandoned (the reserve protocol): the drain then waits for every offset
   * below the index end to be handed or abandoned, and the final read reads
   * to the index end and records the abandoned ranges.
   */
  readonly index?: IndexProbe;
}

/** What the harness can tell from the stored index of one topic's partition. */
export interface IndexProbe {
  /** Ranges `[first, last]` of abandoned offsets (markers of the reserve protocol). */
  abandoned(topic: string, partition: number): Promise<Array<readonly [number, number]>>;
  /** The offset after the partition's newest entry (0 when empty). */
  end(topic: string, partition: number): Promise<number>;
}

/** The set of offsets the ranges cover. */
export function offsetsOf(ranges: ReadonlyArray<readonly [number, number]>): Set<number> {
  const out = new Set<number>();
  for (const [first, last] of ranges) for (let o = first; o <= last; o++) out.add(o);
  return out;
}

/** What the workload observed besides the history. */
export interface WorkloadResult {
  /** High watermark per partition after the drain. */
  readonly highWatermarks: number[];
  /** Whether the group was handed every record and committed to the end before the drain timeout. */
  readonly drained: boolean;
  /** Errors consumers recovered from (heartbeats, commits, fetches). */
  readonly consumerErrors: number;
  /** Produce request attempts and retries made by the SDK producers. */
  readonly producerRequests: number;
  readonly producerRetries: number;
}

const sleep = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));

/** Retry policy of the workload's clients: patient, as a production client under a storm would be. */
const RETRY = { retries: 8, initialRetryTimeMs: 50, maxRetryTimeMs: 1_000 } as const;

/** Whether a failed send definitely applied nothing (the API's outcome `none`). */
export function definitelyFailed(err: unknown): boolean {
  return isEddyError(err) && err.outcome === 'none';
}

function errorName(err: unknown): string {
  return isEddyError(err) ? err.code : err instanceof Error ? `${err.name}: ${err.message}` : String(err);
}

/** Odd-numbered clients go through the Lambda Invoke API, even ones over HTTP: both transports' error mapping is exercised. */
function baseTransport(url: string, index: number): HttpTransport | LambdaTransport {
  return index % 2 === 0 ? new HttpTransport({ endpoint: url }) : new LambdaTransport({ endpoint: url });
}

interface Member {
  readonly name: string;
  readonly consumer: Consumer;
  readonly transport: KillableTransport;
}

/** Runs the workload; see the module comment. */
export async function runWorkload(o: WorkloadOptions): Promise<WorkloadResult> {
  const prefix = o.prefix ?? '';
  const log = o.log ?? (() => undefined);
  const history = o.history;
  const admin = new Eddy({ endpoint: o.url, retry: RETRY, requestTimeoutMs: 30_000 });
  await admin.createTopic({ name: o.topic, partitions: o.partitions });

  // ---- consumers ---------------------------------------------------------
  const delivered = Array.from({ length: o.partitions }, () => new Set<number>());
  const members: Member[] = [];
  let consumerErrors = 0;
  const startMember = async (name: string): Promise<Member> => {
    const transport = o.clientFaults.wrap(baseTransport(o.url, members.length), name);
    const eddy = new Eddy({ transport, retry: RETRY, requestTimeoutMs: 20_000 });
    const consumer = eddy.consumer({ groupId: o.group!, sessionTimeoutMs: 6_000, maxWaitTimeMs: 300, retry: RETRY });
    consumer.on('assignment', ({ assignment }) => {
      if (transport.dead) return;
      history.add({ process: name, type: 'info', f: 'assign', partitions: assignment.filter((a) => a.topic === o.topic).flatMap((a) => a.partitions) });
    });
    consumer.on('commit', ({ offsets }) => {
      if (transport.dead) return;
      history.add({ process: name, type: 'ok', f: 'commit', offsets: offsets.filter((c) => c.topic === o.topic).map((c) => ({ partition: c.partition, offset: c.offset })) });
    });
    consumer.on('error', () => void consumerErrors++);
    await consumer.subscribe({ topics: [o.topic], fromBeginning: true });
    await consumer.run({
      autoCommitInterval: 250,
      eachMessage: async ({ partition, message }) => {
        // A dead process handles nothing (and so commits nothing past this point).
        if (transport.dead) throw new Error('chaos: this consumer is dead');
        const offset = Number(message.offset);
        history.add({ process: name, type: 'ok', f: 'poll', partition, offset, value: message.value.toString('utf8') });
        delivered[partition]!.add(offset);
      },
    });
    const m = { name, consumer, transport };
    members.push(m);
    return m;
  };
  const group = o.group;
  if (group) for (let i = 0; i < o.consumers; i++) await startMember(`${prefix}c${i}`);

  // ---- producers ---------------------------------------------------------
  const producers: Producer[] = [];
  const deadline = Date.now() + o.faultMs;
  o.storageFaults.enabled = true;
  o.clientFaults.enabled = true;
  history.note('nemesis', 'start-faults');
  log(`  faults on for ${o.faultMs} ms`);

  const produceLoop = async (index: number): Promise<void> => {
    const name = `${prefix}p${index}`;
    const random: Random = mulberry32(mix(o.seed, hashString(name)));
    const transport = o.clientFaults.wrap(baseTransport(o.url, index), name);
    const spec = o.producerSpecs?.[index];
    // Every produce attempt goes into the history too: which values, and how it ended (status or error code).
    const hooks = {
      onResponse: (ev: RequestEvent): void => {
        if (ev.request.method !== 'POST' || !ev.request.path.endsWith('/records')) return;
        const records = (ev.request.body as { records?: Array<{ value?: unknown }> } | undefined)?.records ?? [];
        const values = records.map((r) => (typeof r.value === 'string' ? Buffer.from(r.value, 'base64').toString('utf8') : String(r.value)));
        history.add({ process: name, type: 'info', f: 'attempt', result: ev.error ? ev.error.code : String(ev.status), values });
      },
    };
    const producer = new Eddy({ transport, retry: RETRY, requestTimeoutMs: 20_000, hooks }).producer({
      idempotent: spec?.idempotent ?? o.idempotent,
      lingerMs: 10,
      retry: spec ? { ...RETRY, retries: spec.retries } : RETRY,
      producerId: `${name}-${o.seed}`,
    });
    producers.push(producer);
    const inFlight = new Set<Promise<void>>();
    const send = async (value: string, key: string): Promise<void> => {
      for (let resend = 0; ; resend++) {
        history.add({ process: name, type: 'invoke', f: 'send', value, key });
        try {
          const [meta] = await producer.send({ topic: o.topic, messages: [{ key, value }] });
          history.add({ process: name, type: 'ok', f: 'send', value, partition: meta!.partition, offset: meta!.offsets[0]! });
          return;
        } catch (err) {
          const definite = definitelyFailed(err);
          history.add({ process: name, type: definite ? 'fail' : 'info', f: 'send', value, error: errorName(err) });
          if (definite || !o.resendUnknown || resend >= 5) return;
        }
      }
    };
    for (let n = 0; Date.now() < deadline; n++) {
      const p = send(`${name}:${n}`, `k${between(random, 0, o.keys - 1)}`);
      // The first send alone: it fetches the topic's metadata, after which sends keep their call order.
      if (n === 0) await p;
      inFlight.add(p);
      void p.finally(() => inFlight.delete(p));
      while (inFlight.size >= o.maxInFlight) await Promise.race(inFlight);
      await sleep(between(random, o.sendPauseMs[0], o.sendPauseMs[1]));
    }
    await producer.flush();
    await Promise.all(inFlight);
  };

  // ---- the nemesis's consumer churn --------------------------------------
  const churn = async (): Promise<void> => {
    if (!group || !o.churn || members.length < 2) return;
    const at = (fraction: number): Promise<void> => sleep(Math.max(0, deadline - o.faultMs + fraction * o.faultMs - Date.now()));
    const stopped = members[1]!;
    await at(0.3);
    history.note('nemesis', `stop ${stopped.name}`);
    log(`  stopping ${stopped.name} (commits and leaves)`);
    await stopped.consumer.stop().catch(() => undefined);
    await at(0.45);
    history.note('nemesis', `restart ${stopped.name} as ${stopped.name}b`);
    await startMember(`${stopped.name}b`);
    if (members.length < 4 || o.consumers < 3) return;
    const killed = members[2]!;
    await at(0.55);
    history.note('nemesis', `kill ${killed.name}`);
    log(`  killing ${killed.name} (no commit, no leave)`);
    killed.transport.kill();
    await at(0.75);
    history.note('nemesis', `replace ${killed.name} by ${killed.name}b`);
    await startMember(`${killed.name}b`);
  };

  await Promise.all([...Array.from({ length: o.producerSpecs?.length ?? o.producers }, (_, i) => produceLoop(i)), churn()]);

  // ---- faults off, drain -------------------------------------------------
  o.storageFaults.enabled = false;
  o.clientFaults.enabled = false;
  history.note('nemesis', 'stop-faults');
  await o.clientFaults.settle();
  log('  faults off; every send completed; draining');
  const described = await admin.describeTopic({ topic: o.topic });
  const highWatermarks = [...described.partitionOffsets].sort((a, b) => a.partition - b.partition).map((p) => p.highWatermark);
  const index = o.index;
  if (index) {
    // Holes below the index end are abandoned by readers, not filled: drain to the end of the index.
    for (let p = 0; p < o.partitions; p++) highWatermarks[p] = Math.max(highWatermarks[p]!, await index.end(o.topic, p));
  }
  let drained = !group;
  if (group) {
    const until = Date.now() + o.drainTimeoutMs;
    const abandoned = Array.from({ length: o.partitions }, () => new Set<number>());
    const allDelivered = (): boolean => highWatermarks.every((hwm, p) => {
      for (let off = 0; off < hwm; off++) if (!delivered[p]!.has(off) && !abandoned[p]!.has(off)) return false;
      return true;
    });
    const refresh = async (): Promise<void> => {
      if (index) for (let p = 0; p < o.partitions; p++) abandoned[p] = offsetsOf(await index.abandoned(o.topic, p));
    };
    await refresh();
    for (let n = 1; !allDelivered() && Date.now() < until; n++) {
      await sleep(100);
      if (n % 10 === 0) await refresh();
    }
    while (Date.now() < until) {
      const committed = await admin.fetchOffsets({ group, topic: o.topic }).catch(() => undefined);
      if (committed && highWatermarks.every((hwm, p) => (committed.offsets.find((c) => c.partition === p)?.offset ?? 0) >= hwm)) {
        drained = allDelivered();
        break;
      }
      await sleep(200);
    }
    log(drained ? '  drained: the group was handed every record and committed to the end' : '  drain timed out');
    history.note('nemesis', drained ? 'drained' : 'drain timed out');
    await Promise.all(members.map((m) => Promise.race([m.consumer.disconnect().catch(() => undefined), sleep(15_000)])));
  }

  // ---- the final read: ground truth --------------------------------------
  await readAll(admin, o.topic, o.partitions, described.partitionOffsets, history, prefix, index);
  admin.close();
  const stats = producers.map((p) => p.stats());
  return {
    highWatermarks,
    drained,
    consumerErrors,
    producerRequests: stats.reduce((n, s) => n + s.requests, 0),
    producerRetries: stats.reduce((n, s) => n + s.retries, 0),
  };
}

/**
 * The final read of every partition from its first offset, through the SDK:
 * the ground truth the checker compares everything with.
 */
export async function readAll(
  admin: Eddy,
  topic: string,
  partitions: number,
  bounds: ReadonlyArray<{ partition: number; logStartOffset: number }>,
  history: History,
  prefix: string,
  index?: IndexProbe,
): Promise<void> {
  for (let p = 0; p < partitions; p++) {
    const records: Array<{ offset: number; value: string }> = [];
    let offset = bounds.find((x) => x.partition === p)!.logStartOffset;
    const logStartOffset = offset;
    let highWatermark: number;
    // With an index probe, read to the index end: a read stops at a hole until it is old enough to abandon (10 s).
    const end = index ? await index.end(topic, p) : 0;
    const until = Date.now() + 60_000;
    for (;;) {
      const out = await admin.getRecords({ topic, partition: p, offset, encoding: 'utf8', maxRecords: 1000 });
      for (const r of out.records) records.push({ offset: r.offset, value: String(r.value) });
      highWatermark = out.highWatermark;
      if (index && out.nextOffset < end && Date.now() < until) {
        if (out.nextOffset === offset) await sleep(250);
        offset = out.nextOffset;
        continue;
      }
      if (out.nextOffset >= out.highWatermark || out.records.length === 0) break;
      offset = out.nextOffset;
    }
    const abandoned = index ? { abandoned: await index.abandoned(topic, p) } : {};
    history.add({ process: `${prefix}checker`, type: 'ok', f: 'read-all', partition: p, logStartOffset, highWatermark, records, ...abandoned });
  }
}
