/**
 * The AWS cost model (`npm run bench -- --cost`): a measured run's requests
 * per operation, turned into dollars at list prices, next to Kinesis Data
 * Streams for the same load.
 *
 * Prices: us-east-1 list prices as of 2026-11, on-demand, no free tier, no
 * volume tiers, no savings plans. Checked against AWS's pricing pages and
 * third-party summaries where the pages render their numbers dynamically;
 * treat them as inputs to change, not facts (`PRICES` below is the one place).
 *
 * What is measured (per produce request, per fetch, per maintenance pass):
 * S3 PUT/GET/LIST counts, DynamoDB read/write request units computed from
 * the items, request and response body bytes, and Lambda billed ms (handler
 * time per invocation rounded up to 1 ms; with the simulated-AWS latencies,
 * so that waits on S3 and DynamoDB are billed as they would be in a region).
 * What is modeled: how those per-request figures scale with throughput and
 * batch size, API Gateway's 512 KB metering increments, storage for the
 * retention period, and consumer polling.
 */
import { AWS_PRODUCER_DEFAULTS, IDLE_BACKOFF_DEFAULTS } from '@eddy/sdk';
import { MAINTENANCE_DEFAULTS } from '../core/maintenance/options.js';
import { fmt, table, usd } from './lib/stats.js';

/** Entries at least this large are not compacted (core's default `compactionSkipBytes`). */
export const COMPACTION_SKIP_BYTES = MAINTENANCE_DEFAULTS.compactionSkipBytes;

/** List prices, us-east-1, 2026-11. */
export const PRICES = {
  asOf: '2026-11',
  region: 'us-east-1',
  s3PutPer1000: 0.005,
  s3GetPer1000: 0.0004,
  s3ListPer1000: 0.005,
  s3StorageGBMonth: 0.023,
  dynamoWritePerMillionWRU: 0.625,
  dynamoReadPerMillionRRU: 0.125,
  lambdaPerMillionRequests: 0.2,
  /** arm64, per GB-second. */
  lambdaGBSecond: 0.0000133334,
  apiGatewayHttpPerMillion: 1.0,
  /** HTTP API requests are metered in 512 KB increments. */
  apiGatewayMeterBytes: 512 * 1024,
  kinesisOnDemand: { streamHour: 0.04, ingestPerGB: 0.08, retrievalPerGB: 0.04 },
  kinesisProvisioned: { shardHour: 0.015, perMillionPayloadUnits: 0.014, payloadUnitBytes: 25 * 1024 },
} as const;

const HOURS = 730;
const SECONDS = HOURS * 3600;
const GB = 1e9;

/** Per-operation averages measured on the local host. */
export interface MeasuredCosts {
  readonly memoryGB: number;
  readonly produce: {
    readonly requests: number;
    /** Record payload (key + value) bytes per request. */
    readonly payloadBytes: number;
    /** HTTP body bytes per request (base64 + JSON). */
    readonly bodyBytes: number;
    readonly s3Puts: number;
    readonly s3PutBytes: number;
    readonly rru: number;
    readonly wru: number;
    readonly billedMs: number;
    readonly dynamoRequests: number;
  };
  readonly fetch: {
    readonly requests: number;
    readonly payloadBytes: number;
    readonly responseBytes: number;
    readonly s3Gets: number;
    readonly rru: number;
    readonly billedMs: number;
  };
  /** One maintenance pass after the produce phase, per ingest object compacted. */
  readonly maintenance: {
    /** Ingest objects the pass compacted. */
    readonly ingestObjects: number;
    /** Ingest objects the produce phase wrote (compacted or skipped); absent = all were compacted. */
    readonly producedObjects?: number;
    readonly s3Gets: number;
    readonly s3Puts: number;
    readonly s3Lists: number;
    readonly rru: number;
    readonly wru: number;
    readonly billedMs: number;
  };
  /** Mean and max index item size written, bytes. */
  readonly indexItemBytes: number;
  readonly maxItemBytes: number;
}

interface Breakdown {
  readonly apiGateway: number;
  readonly lambda: number;
  readonly s3: number;
  readonly dynamo: number;
}
const sum = (b: Breakdown): number => b.apiGateway + b.lambda + b.s3 + b.dynamo;

const lambdaCost = (m: MeasuredCosts, invocations: number, billedMsEach: number): number =>
  invocations * (PRICES.lambdaPerMillionRequests / 1e6 + (billedMsEach / 1000) * m.memoryGB * PRICES.lambdaGBSecond);
const apiUnits = (bytes: number): number => Math.max(1, Math.ceil(bytes / PRICES.apiGatewayMeterBytes));

/** Cost of ingesting one GB (10^9 payload bytes) in requests of `payloadPerRequest` bytes, compaction included. */
export function eddyIngestPerGB(m: MeasuredCosts, payloadPerRequest: number): Breakdown & { compaction: number; requests: number } {
  const p = m.produce;
  const n = GB / payloadPerRequest;
  const bodyBytes = (p.bodyBytes / p.payloadBytes) * payloadPerRequest;
  const mt = m.maintenance;
  const perObject = mt.ingestObjects > 0 ? 1 / mt.ingestObjects : 0;
  const compaction =
    n *
    compactedShare(m, payloadPerRequest) *
    perObject *
    ((mt.s3Gets * PRICES.s3GetPer1000) / 1000 +
      (mt.s3Puts * PRICES.s3PutPer1000) / 1000 +
      (mt.s3Lists * PRICES.s3ListPer1000) / 1000 +
      (mt.rru * PRICES.dynamoReadPerMillionRRU) / 1e6 +
      (mt.wru * PRICES.dynamoWritePerMillionWRU) / 1e6 +
      (mt.billedMs / 1000) * m.memoryGB * PRICES.lambdaGBSecond);
  return {
    apiGateway: n * apiUnits(bodyBytes) * (PRICES.apiGatewayHttpPerMillion / 1e6),
    lambda: lambdaCost(m, n, p.billedMs),
    s3: n * p.s3Puts * (PRICES.s3PutPer1000 / 1000),
    dynamo: n * ((p.rru * PRICES.dynamoReadPerMillionRRU) / 1e6 + (p.wru * PRICES.dynamoWritePerMillionWRU) / 1e6),
    compaction,
    requests: n,
  };
}

/**
 * The share of ingest objects of `payloadPerRequest` bytes that compaction
 * merges: at the measured request size, what the measured pass merged (the
 * rest it skipped); at other sizes, all of them when their object is smaller
 * than core's `compactionSkipBytes` (512 KiB), none when it is not.
 */
export function compactedShare(m: MeasuredCosts, payloadPerRequest: number): number {
  const p = m.produce;
  const mt = m.maintenance;
  if (Math.abs(payloadPerRequest - p.payloadBytes) < 1 && mt.producedObjects) return Math.min(1, mt.ingestObjects / mt.producedObjects);
  const objectBytes = payloadPerRequest * (p.s3PutBytes / p.payloadBytes);
  return objectBytes < COMPACTION_SKIP_BYTES ? 1 : 0;
}

/** Cost of reading one GB from the backlog with full fetches (as measured: `maxBytes` 4 MiB). */
export function eddyReadPerGB(m: MeasuredCosts): Breakdown & { requests: number } {
  const f = m.fetch;
  const n = GB / f.payloadBytes;
  return {
    apiGateway: n * apiUnits(f.responseBytes) * (PRICES.apiGatewayHttpPerMillion / 1e6),
    lambda: lambdaCost(m, n, f.billedMs),
    s3: n * f.s3Gets * (PRICES.s3GetPer1000 / 1000),
    dynamo: (n * f.rru * PRICES.dynamoReadPerMillionRRU) / 1e6,
    requests: n,
  };
}

/**
 * Cost per partition-month of a consumer that is caught up and tails new
 * records (a fetch per poll finds little data). Two polling policies:
 * - `long-poll`: the SDK consumer's default (`maxWaitTimeMs` 5000); the
 *   fetch Lambda is billed while it waits, and across containers it re-reads
 *   the index every 250 ms, so a partition with steady traffic keeps one
 *   fetch running all the time and answers up to 4 fetches a second;
 * - `poll 1 s`: `waitMs` 0 and a client-side sleep of 1 s between fetches.
 */
export function eddyTailPerPartitionMonth(m: MeasuredCosts, policy: 'long-poll' | 'poll 1 s'): number {
  const f = m.fetch;
  // Index reads of one short fetch at the head: the topic item + the bounds (2 queries), whose head entry plans the read: ~3 RRU.
  const shortFetch = (PRICES.apiGatewayHttpPerMillion + PRICES.lambdaPerMillionRequests) / 1e6 + (f.s3Gets > 0 ? PRICES.s3GetPer1000 / 1000 : 0) + (3 * PRICES.dynamoReadPerMillionRRU) / 1e6;
  if (policy === 'long-poll') {
    const fetches = 4 * SECONDS;
    return fetches * shortFetch + SECONDS * m.memoryGB * PRICES.lambdaGBSecond;
  }
  const fetches = SECONDS;
  return fetches * shortFetch + fetches * (Math.min(f.billedMs, 100) / 1000) * m.memoryGB * PRICES.lambdaGBSecond;
}

/** S3 storage cost per GB ingested for a retention of `days`. */
export function eddyStoragePerGB(m: MeasuredCosts, days: number): number {
  const stored = m.produce.s3PutBytes / m.produce.payloadBytes; // object bytes per payload byte
  return stored * PRICES.s3StorageGBMonth * (days / (HOURS / 24));
}

/** Kinesis on-demand, per month, at `mbps` MB/s in and the same out (one consumer), 1 KiB-rounded records of `recordBytes`. */
export function kinesisOnDemandMonth(mbps: number, recordBytes: number): { ingest: number; read: number; fixed: number } {
  const gb = (mbps * 1e6 * SECONDS) / GB;
  const billedGB = gb * (Math.ceil(recordBytes / 1024) * 1024) / recordBytes;
  return { ingest: billedGB * PRICES.kinesisOnDemand.ingestPerGB, read: gb * PRICES.kinesisOnDemand.retrievalPerGB, fixed: HOURS * PRICES.kinesisOnDemand.streamHour };
}

/** Kinesis provisioned, per month: shards for 1 MiB/s or 1,000 records/s in per shard at 80% utilisation, one PUT payload unit per record. */
export function kinesisProvisionedMonth(mbps: number, recordBytes: number): { shards: number; shardHours: number; payloadUnits: number } {
  const bytes = mbps * 1e6;
  const records = bytes / recordBytes;
  const shards = Math.max(1, Math.ceil(Math.max(bytes / 1_048_576, records / 1000) / 0.8));
  const units = records * Math.ceil(recordBytes / PRICES.kinesisProvisioned.payloadUnitBytes) * SECONDS;
  return { shards, shardHours: shards * HOURS * PRICES.kinesisProvisioned.shardHour, payloadUnits: (units / 1e6) * PRICES.kinesisProvisioned.perMillionPayloadUnits };
}

/**
 * Payload per produce request of one SDK producer sending `mbps` MB/s over
 * `partitions` partitions (the producer's drain rule, sdk/src/producer): a
 * partition is sent when its oldest record has waited `lingerMs` and it has
 * no request in flight, together with every other idle partition. So a
 * request carries what arrived during `lingerMs` (all partitions) or, when a
 * request takes longer than that, what one partition received while its
 * previous request was in flight: max(rate·linger, rate·latency/partitions),
 * up to the batch limit; latency depends on the size (a fixpoint).
 */
export function producerPayload(mbps: number, partitions: number, lingerMs: number, maxPayloadBytes: number, requestMs: (payloadBytes: number) => number): number {
  const rate = mbps * 1e6;
  let payload = Math.min(maxPayloadBytes, Math.max(1032, (rate * lingerMs) / 1000));
  for (let i = 0; i < 30; i++) {
    const next = Math.min(maxPayloadBytes, Math.max(1032, (rate * lingerMs) / 1000, (rate * requestMs(payload)) / 1000 / partitions));
    if (Math.abs(next - payload) < 1) break;
    payload = next;
  }
  return payload;
}

/**
 * Payload per produce request of one SDK producer with an adaptive linger (a
 * model of the policy, not of code in the SDK): while a partition's request
 * is in flight and the last request was smaller than the batch limit, the
 * linger doubles, up to `maxLingerMs`; a full request shrinks it again. At a
 * steady rate it settles where a request fills the batch limit or the
 * linger reaches its cap, so a request carries
 * max(rate·linger, what arrived during the request in flight), up to the
 * batch limit. The linger reached is the latency it costs: a record waits up
 * to that long (half of it on average) before its request starts.
 */
export function adaptiveLinger(mbps: number, partitions: number, maxLingerMs: number, maxPayloadBytes: number, requestMs: (payloadBytes: number) => number): { payloadBytes: number; lingerMs: number } {
  const rate = mbps * 1e6;
  const lingerMs = Math.min(maxLingerMs, (maxPayloadBytes / rate) * 1000);
  return { payloadBytes: producerPayload(mbps, partitions, lingerMs, maxPayloadBytes, requestMs), lingerMs };
}

/** Consumer policies for a partition with no new records, see {@link eddyIdlePerPartitionMonth}. */
export type IdlePolicy = 'long-poll 5 s' | 'poll 1 s' | 'SDK idle backoff';

/** The SDK consumer's idle backoff on AWS, as the cost model reads it (sdk/src/consumer/idle-backoff.ts). */
export const IDLE_BACKOFF = IDLE_BACKOFF_DEFAULTS;

/**
 * Cost per partition-month of a caught-up consumer on a partition that
 * receives nothing (the idle case the tailing figure above does not cover):
 * - `long-poll 5 s`: the SDK consumer's default; the fetch Lambda is billed
 *   for the whole wait and re-reads the index every 250 ms (one Query of
 *   ~1 RRU) across containers, then the client polls again at once;
 * - `poll 1 s`: `waitMs` 0 and a sleep of 1 s between fetches;
 * - `SDK idle backoff`: the SDK consumer's default on an AWS transport
 *   ({@link IDLE_BACKOFF}): after an empty fetch it sleeps on the client,
 *   doubling from `minSleepMs` to `maxSleepMs`, and fetches with `waitMs`
 *   (billed, with a ~1 RRU index re-read per 250 ms of it), so an idle
 *   partition settles at one fetch per `maxSleepMs` + the fetch.
 * An empty fetch costs one API Gateway request, one Lambda request, ~3 RRU
 * (topic item and index bounds; no S3 GET) and `emptyFetchMs` billed ms.
 */
export function eddyIdlePerPartitionMonth(m: MeasuredCosts, policy: IdlePolicy, emptyFetchMs = 20): number {
  const emptyFetch = (PRICES.apiGatewayHttpPerMillion + PRICES.lambdaPerMillionRequests) / 1e6 + (3 * PRICES.dynamoReadPerMillionRRU) / 1e6;
  const billed = (ms: number): number => (ms / 1000) * m.memoryGB * PRICES.lambdaGBSecond;
  if (policy === 'long-poll 5 s') {
    const fetches = SECONDS / 5;
    return fetches * (emptyFetch + billed(5000)) + SECONDS * 4 * (PRICES.dynamoReadPerMillionRRU / 1e6);
  }
  if (policy === 'poll 1 s') return SECONDS * (emptyFetch + billed(emptyFetchMs));
  const b = IDLE_BACKOFF;
  const fetches = SECONDS / ((b.maxSleepMs + b.waitMs + emptyFetchMs) / 1000);
  return fetches * (emptyFetch + billed(b.waitMs + emptyFetchMs) + (Math.floor(b.waitMs / 250) * PRICES.dynamoReadPerMillionRRU) / 1e6);
}

/**
 * The modelled produce ceiling of one partition on AWS: appends to a
 * partition are serialised by the index's conditional write, so one
 * producer has one request in flight per partition and the ceiling is the
 * largest request over its latency (the analytical model's mean). Records/s
 * for records of `recordBytes` payload (key + value).
 */
export function partitionCeiling(maxPayloadBytes: number, recordBytes: number, requestMs: (payloadBytes: number) => number): { mbps: number; recordsPerS: number; requestMs: number; payloadBytes: number } {
  const payloadBytes = maxPayloadBytes;
  const ms = requestMs(payloadBytes);
  return { mbps: payloadBytes / 1e6 / (ms / 1000), recordsPerS: payloadBytes / recordBytes / (ms / 1000), requestMs: ms, payloadBytes };
}

/** How one producer batches, for the monthly table: mean produce latency by payload size (the analytical latency model). */
export interface BatchingModel {
  readonly requestMs: (payloadBytes: number) => number;
  readonly partitions: number;
}

/** A measured run of the cost model, labelled by the producer settings it used. */
export interface CostVariant {
  readonly label: string;
  readonly m: MeasuredCosts;
}

/**
 * The cost section: tables in Markdown, plus the headline numbers for the
 * goals. `variants[0]` is the SDK default; other variants (e.g. the largest
 * `batchBytes`) are measured too; smaller request sizes are scaled from the
 * default's per-request figures.
 */
export function costReport(
  variants: readonly CostVariant[],
  kinesisRecordBytes: number,
  batching?: BatchingModel,
): { markdown: string; perGB10: Array<{ label: string; perGB: number }>; kinesisOnDemandPerGB10: number; s3PutsPerProduce: number; modelled?: ModelledDefaults } {
  const out: string[] = [];
  const m = variants[0]!.m;
  for (const { label, m: v } of variants) {
    const p = v.produce;
    const f = v.fetch;
    out.push(
      `- **${label}**: per produce request ${fmt(p.payloadBytes / 1e6)} MB of payload in a ${fmt(p.bodyBytes / 1e6)} MB body; ` +
        `${fmt(p.s3Puts, 3)} S3 PUT, ${fmt(p.dynamoRequests, 3)} DynamoDB requests (${fmt(p.rru, 3)} RRU, ${fmt(p.wru, 3)} WRU), ${fmt(p.billedMs)} billed Lambda ms. ` +
        `Per fetch (\`maxBytes\` 4 MiB): ${fmt(f.payloadBytes / 1e6)} MB of payload in a ${fmt(f.responseBytes / 1e6)} MB response, ${fmt(f.s3Gets, 3)} S3 GETs, ${fmt(f.rru, 3)} RRU, ${fmt(f.billedMs)} billed ms. ` +
        `Maintenance, per ingest object compacted: ${fmt(v.maintenance.s3Gets / Math.max(1, v.maintenance.ingestObjects), 3)} GETs, ${fmt(v.maintenance.s3Puts / Math.max(1, v.maintenance.ingestObjects), 3)} PUTs, ${fmt(v.maintenance.wru / Math.max(1, v.maintenance.ingestObjects), 3)} WRU, ${fmt(v.maintenance.rru / Math.max(1, v.maintenance.ingestObjects), 3)} RRU, ${fmt(v.maintenance.billedMs / Math.max(1, v.maintenance.ingestObjects))} billed ms. ` +
        `Index items ${fmt(v.indexItemBytes)} bytes on average (largest ${fmt(v.maxItemBytes)}; the limit is 400 KB).`,
    );
  }
  out.push(
    '',
    `Billed ms are handler times on this machine under the simulated AWS latencies (from the arrival of the request body to \`res.end\`), rounded up per invocation: an upper bound, since the local host's process also runs the stand-ins. Lambda: ${m.memoryGB * 1024} MB arm64 (the CDK default). Kinesis: ${kinesisRecordBytes}-byte records (the 1 KiB values; billed sizes are rounded up to 1 KB), one consumer, 24 h retention.`,
    '',
  );

  // Ingest $/GB by request size.
  const sizes: Array<[string, MeasuredCosts, number]> = [
    ...variants.map((v): [string, MeasuredCosts, number] => [`${fmt(v.m.produce.payloadBytes / 1e6)} MB, measured (${v.label})`, v.m, v.m.produce.payloadBytes]),
    ...([256e3, 64e3, 16e3, 4e3] as const).map((b): [string, MeasuredCosts, number] => [`${fmt(b / 1e3)} KB (scaled from the default run)`, m, b]),
  ];
  const ingestRows = sizes.map(([label, v, bytes]) => {
    const c = eddyIngestPerGB(v, bytes);
    const total = sum(c) + c.compaction;
    return [label, fmt(c.requests), usd(c.apiGateway), usd(c.lambda), usd(c.s3), usd(c.dynamo), usd(c.compaction), usd(total), `${fmt(PRICES.kinesisOnDemand.ingestPerGB / total, 2)}×`];
  });
  out.push('**Eddy ingest, $ per GB by produce request size** (compaction into 8 MiB segments included; storage separate):', '');
  out.push(table(['payload per produce request', 'requests/GB', 'API Gateway', 'Lambda', 'S3', 'DynamoDB', 'compaction', 'total $/GB', 'Kinesis on-demand ($0.08/GB) ÷ Eddy'], ingestRows));
  const read = eddyReadPerGB(m);
  out.push(
    '',
    `**Compaction skips entries that are already large** (core's \`compactionSkipBytes\`, ${fmt(COMPACTION_SKIP_BYTES / 1024)} KiB: a fetch reads such an entry with one ranged GET anyway). In the measured passes: ${variants.map(({ label, m: v }) => `${label}: ${fmt(v.maintenance.ingestObjects)} of ${fmt(v.maintenance.producedObjects ?? Number.NaN)} ingest objects compacted (objects of ${fmt((v.produce.s3PutBytes) / 1e3)} KB on average)`).join('; ')}. The compaction column counts only compacted objects: at the measured sizes what the pass merged (the partitions' small last requests), at scaled sizes every object under ${fmt(COMPACTION_SKIP_BYTES / 1024)} KiB and none above.`,
    '',
    `**Eddy read from the backlog, $ per GB** (fetches of 4 MiB): ${fmt(read.requests)} fetches/GB, API Gateway ${usd(read.apiGateway)}, Lambda ${usd(read.lambda)}, S3 ${usd(read.s3)}, DynamoDB ${usd(read.dynamo)}: **${usd(sum(read))}/GB** (Kinesis on-demand: $0.04/GB; provisioned: included in shard-hours).`,
    '',
    `**A caught-up consumer tailing a partition** costs per partition-month: ${usd(eddyTailPerPartitionMonth(m, 'long-poll'))} with the SDK consumer's default long poll (the fetch Lambda is billed while it waits, up to 4 fetches/s), ${usd(eddyTailPerPartitionMonth(m, 'poll 1 s'))} when polling every second with \`waitMs: 0\`. Kinesis has no such charge (on-demand: $0.04/GB read; provisioned: 5 GetRecords/s per shard included).`,
    '',
    `Storage: ${usd(eddyStoragePerGB(m, 1))}/GB for 24 h retention, ${usd(eddyStoragePerGB(m, 7))}/GB for the default 7 days.`,
    '',
  );

  // Monthly at 1, 10, 100 MB/s.
  const rows: string[][] = [];
  const perGB10: Array<{ label: string; perGB: number }> = [];
  let kod10 = 0;
  const large = variants[1]?.m ?? m;
  for (const mbps of [1, 10, 100]) {
    const gb = (mbps * 1e6 * SECONDS) / GB;
    const partitions = Math.max(4, Math.ceil(mbps / 10) * 4);
    const scenarios: Array<[string, MeasuredCosts, number]> = [
      [`Eddy, full requests, SDK defaults (${fmt(m.produce.payloadBytes / 1e6)} MB)`, m, m.produce.payloadBytes],
      [`Eddy, full requests, batchBytes max (${fmt(large.produce.payloadBytes / 1e6)} MB)`, large, large.produce.payloadBytes],
    ];
    if (batching) {
      const maxDefault = m.produce.payloadBytes;
      const maxLarge = awsBatchPayload(large);
      const d = producerPayload(mbps, partitions, 5, maxDefault, batching.requestMs);
      const l = producerPayload(mbps, partitions, 200, maxLarge, batching.requestMs);
      const a = adaptiveLinger(mbps, partitions, AWS_PRODUCER_DEFAULTS.maxLingerMs, maxLarge, batching.requestMs);
      scenarios.push([`Eddy, one producer, local SDK defaults (lingerMs 5): ${fmt(d / 1e3)} KB/request`, m, d]);
      scenarios.push([`Eddy, one producer, lingerMs 200 + batchBytes max: ${fmt(l / 1e3)} KB/request`, large, l]);
      scenarios.push([`Eddy, one producer, AWS SDK defaults (adaptive linger, reached ${fmt(a.lingerMs)} ms): ${fmt(a.payloadBytes / 1e3)} KB/request`, large, a.payloadBytes]);
    }
    for (const [label, v, bytes] of scenarios) {
      const c = eddyIngestPerGB(v, bytes);
      const ingest = (sum(c) + c.compaction) * gb;
      const storage = eddyStoragePerGB(v, 1) * gb;
      const readCost = sum(eddyReadPerGB(v)) * gb;
      const tailLong = eddyTailPerPartitionMonth(v, 'long-poll') * partitions;
      const tailPoll = eddyTailPerPartitionMonth(v, 'poll 1 s') * partitions;
      if (mbps === 10) perGB10.push({ label, perGB: ingest / gb });
      rows.push([`${mbps} MB/s`, label, usd(ingest), usd(storage), usd(readCost), `${usd(tailPoll)} – ${usd(tailLong)} (${partitions} p.)`, `${usd(ingest + storage + readCost + tailPoll)} – ${usd(ingest + storage + readCost + tailLong)}`, usd(ingest / gb), usd(readCost / gb)]);
    }
    const od = kinesisOnDemandMonth(mbps, kinesisRecordBytes);
    if (mbps === 10) kod10 = (od.ingest + od.fixed) / gb;
    rows.push([`${mbps} MB/s`, 'Kinesis on-demand', usd(od.ingest + od.fixed), 'incl. (24 h)', usd(od.read), '—', usd(od.ingest + od.read + od.fixed), usd((od.ingest + od.fixed) / gb), usd(od.read / gb)]);
    const pr = kinesisProvisionedMonth(mbps, kinesisRecordBytes);
    rows.push([`${mbps} MB/s`, `Kinesis provisioned (${pr.shards} shards)`, usd(pr.shardHours + pr.payloadUnits), 'incl. (24 h)', 'incl.', '—', usd(pr.shardHours + pr.payloadUnits), usd((pr.shardHours + pr.payloadUnits) / gb), '$0']);
  }
  out.push(
    '**Per month, sustained** (one consumer group reading everything once; "tailing" = that group kept caught up on every partition, polling each second – with the default long poll). "Full requests" is the best case, every request as large as its batch limit allows; "one producer" is what one SDK producer actually sends at that rate (the batching model in `producerPayload`, with request latencies from the analytical latency model): at modest rates, with `lingerMs` 5 and one request in flight per partition, requests carry only what arrived while the previous one was in flight.',
    '',
  );
  out.push(table(['load', 'system', 'ingest', 'storage', 'read once', 'tailing', 'total / month', 'ingest $/GB', 'read $/GB'], rows, ['l', 'l', 'r', 'r', 'r', 'r', 'r', 'r', 'r']));
  out.push(
    '',
    `Prices (us-east-1, list, ${PRICES.asOf}): S3 PUT $${PRICES.s3PutPer1000}/1000, GET $${PRICES.s3GetPer1000}/1000, storage $${PRICES.s3StorageGBMonth}/GB-month; DynamoDB on-demand $${PRICES.dynamoWritePerMillionWRU}/M WRU (1 KB), $${PRICES.dynamoReadPerMillionRRU}/M RRU (4 KB strongly consistent); ` +
      `Lambda $${PRICES.lambdaPerMillionRequests}/M requests + $${PRICES.lambdaGBSecond}/GB-s (arm64); API Gateway HTTP API $${PRICES.apiGatewayHttpPerMillion}/M requests metered in 512 KB increments (applied to the request body of a produce and the response of a fetch: an assumption); ` +
      `Kinesis on-demand $${PRICES.kinesisOnDemand.streamHour}/stream-hour + $${PRICES.kinesisOnDemand.ingestPerGB}/GB in (records rounded up to 1 KB) + $${PRICES.kinesisOnDemand.retrievalPerGB}/GB out; provisioned $${PRICES.kinesisProvisioned.shardHour}/shard-hour + $${PRICES.kinesisProvisioned.perMillionPayloadUnits}/M PUT payload units (25 KB), shards sized for 80 % of 1 MiB/s or 1,000 records/s. ` +
      'Not included: data transfer (in-region clients assumed), CloudWatch logs and metrics, KMS, GC requests after the 15-minute grace period, free tiers, volume discounts.',
  );
  const extra = batching ? modelledDefaults(m, large, batching) : undefined;
  if (extra) out.push('', extra.markdown);
  return { markdown: out.join('\n'), perGB10, kinesisOnDemandPerGB10: kod10, s3PutsPerProduce: m.produce.s3Puts, ...(extra ? { modelled: extra } : {}) };
}

/** Linger caps modelled for an adaptive-linger producer, ms: a shorter one for comparison, and the SDK's AWS default (`AWS_PRODUCER_DEFAULTS.maxLingerMs`). */
export const ADAPTIVE_LINGER_CAPS = [250, AWS_PRODUCER_DEFAULTS.maxLingerMs] as const;

/** Payload bytes of a request of the SDK's AWS `batchBytes`, from a measured run's payload-to-body ratio. */
export function awsBatchPayload(m: MeasuredCosts): number {
  return (m.produce.payloadBytes / m.produce.bodyBytes) * AWS_PRODUCER_DEFAULTS.batchBytes;
}

/** Headline figures of the modelled AWS defaults (adaptive linger, idle consumers, per-partition ceiling). */
export interface ModelledDefaults {
  readonly markdown: string;
  /** Ingest $/GB by linger cap and rate. */
  readonly adaptive: ReadonlyArray<{ capMs: number; mbps: number; perGB: number; payloadBytes: number; lingerMs: number }>;
  /** Idle consumer $ per partition-month by policy. */
  readonly idle: Readonly<Record<IdlePolicy, number>>;
  readonly ceiling: { mbps: number; recordsPerS: number; requestMs: number; payloadBytes: number };
}

/**
 * The figures for AWS defaults that do not waste money: an adaptive-linger
 * producer with the largest batches (scaled from the `batchBytes`-max run),
 * the idle cost of a caught-up consumer, and one partition's ceiling.
 */
function modelledDefaults(m: MeasuredCosts, large: MeasuredCosts, batching: BatchingModel): ModelledDefaults {
  const maxPayload = awsBatchPayload(large);
  const adaptive: Array<{ capMs: number; mbps: number; perGB: number; payloadBytes: number; lingerMs: number }> = [];
  const rows: string[][] = [];
  for (const capMs of ADAPTIVE_LINGER_CAPS) {
    for (const mbps of [1, 10]) {
      const partitions = Math.max(4, Math.ceil(mbps / 10) * 4);
      const a = adaptiveLinger(mbps, partitions, capMs, maxPayload, batching.requestMs);
      const c = eddyIngestPerGB(large, a.payloadBytes);
      const perGB = sum(c) + c.compaction;
      adaptive.push({ capMs, mbps, perGB, payloadBytes: a.payloadBytes, lingerMs: a.lingerMs });
      rows.push([`${mbps} MB/s, ${partitions} partitions`, `${capMs} ms`, fmt(a.lingerMs), fmt(a.payloadBytes / 1e3), usd(perGB), `${fmt(PRICES.kinesisOnDemand.ingestPerGB / perGB, 2)}×`, `+${fmt(a.lingerMs / 2)} ms mean, +${fmt(a.lingerMs)} ms max`]);
    }
  }
  const idle = {
    'long-poll 5 s': eddyIdlePerPartitionMonth(m, 'long-poll 5 s'),
    'poll 1 s': eddyIdlePerPartitionMonth(m, 'poll 1 s'),
    'SDK idle backoff': eddyIdlePerPartitionMonth(m, 'SDK idle backoff'),
  } as const;
  const ceiling = partitionCeiling(maxPayload, 1032, batching.requestMs);
  const markdown = [
    `**Adaptive linger, modelled** (the SDK producer's default on an AWS transport, sdk/src/producer/linger.ts, modelled by \`adaptiveLinger\` from its constants \`AWS_PRODUCER_DEFAULTS\`: the linger doubles from ${AWS_PRODUCER_DEFAULTS.lingerMs} ms while requests are small and records queue behind the one in flight, up to a cap of ${AWS_PRODUCER_DEFAULTS.maxLingerMs} ms, and resets when a request fills; batch limit \`batchBytes\` ${fmt(AWS_PRODUCER_DEFAULTS.batchBytes / 1e6)} MB = ${fmt(maxPayload / 1e6)} MB of payload; costs scaled from the \`batchBytes\`-max run; the ${ADAPTIVE_LINGER_CAPS[0]} ms cap for comparison). The linger reached is the latency it costs:`,
    '',
    table(['load', 'linger cap', 'linger reached ms', 'KB/request', 'ingest $/GB', 'Kinesis on-demand ÷ Eddy', 'added send→ack latency'], rows, ['l', 'r', 'r', 'r', 'r', 'r', 'l']),
    '',
    `**A caught-up consumer on an idle partition**, $ per partition-month (\`eddyIdlePerPartitionMonth\`): ${usd(idle['long-poll 5 s'])} with the default long poll (the fetch Lambda is billed while it waits), ${usd(idle['poll 1 s'])} polling every second, **${usd(idle['SDK idle backoff'])}** with the SDK consumer's idle backoff, its default on an AWS transport (\`IDLE_BACKOFF_DEFAULTS\`: after an empty fetch, client-side sleeps from ${fmt(IDLE_BACKOFF.minSleepMs / 1000)} s doubling to ${fmt(IDLE_BACKOFF.maxSleepMs / 1000)} s, fetches with \`waitMs\` ${IDLE_BACKOFF.waitMs}, back to the long poll at the first record; an idle partition settles at one ~20 ms fetch per ${fmt(IDLE_BACKOFF.maxSleepMs / 1000)} s). Latency cost: a record appended to an idle partition is fetched up to ${fmt(IDLE_BACKOFF.maxSleepMs / 1000)} s later (${fmt(IDLE_BACKOFF.maxSleepMs / 2000)} s on average once settled); records that follow it come at long-poll speed. No polling at all: the trigger path below.`,
    '',
    `**One partition's produce ceiling on AWS, modelled** (\`partitionCeiling\`: one request in flight per partition, as the index's conditional write serialises appends; the largest request, ${fmt(ceiling.payloadBytes / 1e6)} MB of payload, takes ${fmt(ceiling.requestMs)} ms on average in the analytical latency model): ${fmt(ceiling.mbps)} MB/s, ${fmt(ceiling.recordsPerS)} records/s of 1 KiB — from one producer with full requests; many single-record producers are the fan-in scenario (\`--fanin\`).`,
  ].join('\n');
  return { markdown, adaptive, idle, ceiling };
}

/** The goal rows of issue 17 part 4 for the modelled AWS defaults: [goal, measured, ratio, verdict]. */
export function modelledGoals(mod: ModelledDefaults): string[][] {
  const rows: string[][] = [];
  for (const [mbpsRate, target] of [[1, 0.04], [10, 0.012]] as const) {
    const a = mod.adaptive.find((x) => x.capMs === AWS_PRODUCER_DEFAULTS.maxLingerMs && x.mbps === mbpsRate)!;
    rows.push([`SDK AWS defaults (adaptive linger ≤ ${AWS_PRODUCER_DEFAULTS.maxLingerMs} ms, ${fmt(AWS_PRODUCER_DEFAULTS.batchBytes / 1e6)} MB batches) at ${mbpsRate} MB/s: ≤ ${usd(target)}/GB ingested (modelled)`, `${usd(a.perGB)}/GB; latency cost: linger ${fmt(a.lingerMs)} ms (+${fmt(a.lingerMs / 2)} ms mean send→ack)`, `${fmt(a.perGB / target, 2)}× the target`, a.perGB <= target ? 'met' : 'NOT met']);
  }
  const idle = mod.idle['SDK idle backoff'];
  rows.push([`idle caught-up consumer ≤ $1 per partition-month (modelled, SDK idle backoff ${fmt(IDLE_BACKOFF.minSleepMs / 1000)} → ${fmt(IDLE_BACKOFF.maxSleepMs / 1000)} s)`, `${usd(idle)}; latency cost: up to ${fmt(IDLE_BACKOFF.maxSleepMs / 1000)} s for the first record after idling (long poll: ${usd(mod.idle['long-poll 5 s'])})`, `${fmt(idle, 2)}× the target`, idle <= 1 ? 'met' : 'NOT met']);
  rows.push(['per-partition ceiling on AWS ≥ 10 MB/s and ≥ 1,000 records/s (modelled)', `${fmt(mod.ceiling.mbps)} MB/s, ${fmt(mod.ceiling.recordsPerS)} records/s of 1 KiB`, '', mod.ceiling.mbps >= 10 && mod.ceiling.recordsPerS >= 1000 ? 'met' : 'NOT met']);
  return rows;
}
