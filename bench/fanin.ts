/**
 * `npm run bench -- --fanin`: many single-record producers on one partition,
 * the serverless shape (a fleet of Lambda invocations, each sending one
 * event). Core runs in this process on the memory adapters; every call to
 * the object store and the metadata store waits a delay drawn from the
 * simulated-AWS distributions of bench/lib/aws-model.ts (S3 PUT p50 30 ms,
 * DynamoDB read p50 4 ms, conditional write p50 5 ms), half before the call
 * takes effect and half after, so concurrent appends race the way they do
 * against DynamoDB: a writer that read the head before another's conditional
 * put landed loses its own and must re-read.
 *
 * It measures both of core's append protocols (docs/design.md §3 and §3.1):
 * `head` (the default: read the head, race for the next key) and `reserve`
 * (one counter update per append). Reported per protocol and level (1, 8, 64 producers): appends/s on the partition,
 * per-append latency, DynamoDB requests per append (every metadata call
 * counts as one request; a conditional put that lost is billed too),
 * lost conditional writes per append, S3 PUTs per append, and appends that
 * failed (core gives up after its bounded retries).
 */
import { performance } from 'node:perf_hooks';
import { memoryComponents } from '../core/adapters/memory/index.js';
import { systemIds } from '../core/ids.js';
import { createEddy, type AppendProtocol } from '../core/index.js';
import { systemClock } from '../core/ports.js';
import { AWS_LATENCY, prng, sample, type Dist } from './lib/aws-model.js';
import { fmt, Latencies, sleep, table } from './lib/stats.js';

/** One fan-in level's result. */
export interface FaninRow {
  readonly protocol: AppendProtocol;
  readonly producers: number;
  readonly appends: number;
  readonly failed: number;
  readonly seconds: number;
  readonly appendsPerS: number;
  readonly p50: number;
  readonly p99: number;
  readonly dynamoPerAppend: number;
  readonly lostConditionalWritesPerAppend: number;
  readonly s3PutsPerAppend: number;
}

/** The targets of the fan-in scenario at 64 producers (issue: many producers, one partition). */
export const FANIN_TARGET = { producers: 64, appendsPerS: 600, p99Ms: 300, dynamoPerAppend: 3 } as const;

/** Which simulated AWS operation a store method is. */
const OBJECT_OPS: Record<string, string> = { put: 's3:PutObject', get: 's3:GetObject', getRange: 's3:GetObject', delete: 's3:DeleteObjects', list: 's3:ListObjectsV2' };
const WRITES = new Set(['appendEntry', 'replaceEntry', 'deleteEntry', 'createTopic', 'updateTopic', 'deleteTopic', 'removeTombstone', 'reserveOffsets', 'createCounter', 'raiseCounter', 'deleteCounter', 'fenceCounter']);

interface Counters {
  dynamo: number;
  lostConditional: number;
  s3Puts: number;
}

/**
 * Wraps a store so that every promise-returning call waits a sampled delay
 * around the real call and is counted. Async iterables (paged listings) are
 * counted once and not delayed: the fan-in path does not list.
 */
function withLatency<T extends object>(store: T, service: 's3' | 'dynamodb', random: () => number, counters: Counters): T {
  return new Proxy(store, {
    get(target, prop, receiver) {
      const value = Reflect.get(target, prop, receiver) as unknown;
      if (typeof value !== 'function' || typeof prop !== 'string') return value;
      const op = service === 's3' ? (OBJECT_OPS[prop] ?? 's3:Other') : WRITES.has(prop) ? 'dynamodb:PutItem' : 'dynamodb:Query';
      const dist: Dist = AWS_LATENCY[op] ?? { p50: 10, p99: 40 };
      return (...args: unknown[]): unknown => {
        if (service === 'dynamodb') counters.dynamo++;
        if (op === 's3:PutObject') counters.s3Puts++;
        const bytes = op === 's3:PutObject' ? ((args[1] as Uint8Array | undefined)?.byteLength ?? 0) : 0;
        const delay = sample(dist, random, bytes);
        const call = (): unknown => (value as (...a: unknown[]) => unknown).apply(target, args);
        if (prop === 'list' || prop === 'listEntries') return call();
        return (async () => {
          await sleep(delay / 2);
          const result = await call();
          if (prop === 'appendEntry' && result === false) counters.lostConditional++;
          await sleep(delay / 2);
          return result;
        })();
      };
    },
  });
}

/**
 * Runs `producers` concurrent producers, each appending one record of
 * `valueBytes` per request to partition 0 of a one-partition topic, until
 * `durationMs` has passed (appends in flight then finish).
 */
export async function measureFanin(producers: number, durationMs: number, protocol: AppendProtocol = 'head', seed = 11, valueBytes = 1024): Promise<FaninRow> {
  const counters: Counters = { dynamo: 0, lostConditional: 0, s3Puts: 0 };
  const base = memoryComponents(systemClock, systemIds);
  const random = prng(seed);
  const eddy = createEddy({
    components: { ...base, objectStore: withLatency(base.objectStore, 's3', random, counters), metadataStore: withLatency(base.metadataStore, 'dynamodb', random, counters) },
    settings: { log: { appendProtocol: protocol } },
  });
  await eddy.log.createTopic({ name: 'fanin', partitions: 1 });
  const value = new Uint8Array(valueBytes).fill(120);
  const before = { ...counters };
  const lat = new Latencies();
  let appends = 0;
  let failed = 0;
  const started = performance.now();
  const end = started + durationMs;
  await Promise.all(
    Array.from({ length: producers }, async (_, p) => {
      const key = new TextEncoder().encode(`producer-${p}`);
      while (performance.now() < end) {
        const t0 = performance.now();
        try {
          await eddy.log.produce({ topic: 'fanin', records: [{ key, value, partition: 0 }] });
          lat.add(performance.now() - t0);
          appends++;
        } catch {
          failed++;
        }
      }
    }),
  );
  const seconds = (performance.now() - started) / 1000;
  const per = (n: number): number => (appends + failed === 0 ? Number.NaN : n / (appends + failed));
  return {
    protocol,
    producers,
    appends,
    failed,
    seconds,
    appendsPerS: appends / seconds,
    p50: lat.p(50),
    p99: lat.p(99),
    dynamoPerAppend: per(counters.dynamo - before.dynamo),
    lostConditionalWritesPerAppend: per(counters.lostConditional - before.lostConditional),
    s3PutsPerAppend: per(counters.s3Puts - before.s3Puts),
  };
}

/** The fan-in table. */
export function faninTable(rows: readonly FaninRow[]): string {
  return table(
    ['protocol', 'producers', 'appends/s', 'append p50 ms', 'p99 ms', 'DynamoDB requests / append', 'lost conditional writes / append', 'S3 PUTs / append', 'appends (failed)', 'seconds'],
    rows.map((r) => [r.protocol, String(r.producers), fmt(r.appendsPerS), fmt(r.p50), fmt(r.p99), fmt(r.dynamoPerAppend, 3), fmt(r.lostConditionalWritesPerAppend, 3), fmt(r.s3PutsPerAppend, 3), `${r.appends} (${r.failed})`, fmt(r.seconds)]),
  );
}

/** Goal rows for the 64-producer level of the reserve protocol against {@link FANIN_TARGET}. */
export function faninGoals(rows: readonly FaninRow[]): string[][] {
  const r = rows.find((x) => x.producers === FANIN_TARGET.producers && x.protocol === 'reserve');
  if (!r) return [];
  const t = FANIN_TARGET;
  return [
    [`reserve, ${t.producers} producers: ≥ ${t.appendsPerS} appends/s per partition`, `${fmt(r.appendsPerS)} appends/s`, `${fmt(r.appendsPerS / t.appendsPerS, 2)}×`, r.appendsPerS >= t.appendsPerS ? 'met' : 'NOT met'],
    [`reserve, ${t.producers} producers: append p99 ≤ ${t.p99Ms} ms`, `${fmt(r.p99)} ms`, `${fmt(r.p99 / t.p99Ms, 2)}×`, r.p99 <= t.p99Ms ? 'met' : 'NOT met'],
    [`reserve, ${t.producers} producers: ≤ ${t.dynamoPerAppend} DynamoDB requests per append`, `${fmt(r.dynamoPerAppend, 3)}`, `${fmt(r.dynamoPerAppend / t.dynamoPerAppend, 2)}×`, r.dynamoPerAppend <= t.dynamoPerAppend ? 'met' : 'NOT met'],
  ];
}
