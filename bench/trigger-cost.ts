/**
 * The trigger path's cost and latency model (`npm run bench -- --cost`,
 * issue 15): a topic delivering to a Lambda function through the deployed
 * design of docs/triggers.md, next to a polling SDK consumer and to Kinesis
 * with a Lambda trigger, at 1, 10 and 100 records/s.
 *
 * The deployed design, as modelled:
 * 1. every append writes one index item per partition; the `log` table's
 *    DynamoDB stream (KEYS_ONLY) carries its INSERT;
 * 2. a Lambda event source mapping with a filter per topic polls the stream
 *    (4 polls per shard per second, batching window 0) and invokes the
 *    **dispatcher** with what arrived; GetRecords calls made by Lambda's
 *    event source mappings are not charged, and a stream costs nothing while
 *    idle (AWS, "Evaluate your DynamoDB streams usage",
 *    docs.aws.amazon.com/amazondynamodb/latest/developerguide/CostOptimization_StreamsUsage.html);
 *    event filtering is not charged either;
 * 3. the dispatcher reads the group's committed offset (groups Lambda, one
 *    DynamoDB read), fetches the partition from it (fetch Lambda: index reads
 *    and one S3 GET per ingest object the batch spans), invokes the user's
 *    function synchronously (so the dispatcher is billed while it runs) and
 *    commits (groups Lambda, one DynamoDB write) — all through the SDK's
 *    Lambda transport, so no API Gateway;
 * 4. an EventBridge rule runs a sweep every minute that drains lagging
 *    partitions and publishes the lag as an EMF metric, with one alarm.
 *
 * Records are 1 KiB values with 8-byte keys (the bench workload), appended
 * one per request (many single-record producers, the serverless case) on one
 * partition: the worst case for a log, since every record is its own ingest
 * object until compaction. The user's function is **not included** in the
 * dollars (it runs, and bills the same, under every option); its
 * invocation count is shown beside them. Ingest is not included either (the
 * same producer writes whichever way it is consumed; Kinesis' ingest is
 * shown for scale).
 */
import { prng, sample, type Dist } from './lib/aws-model.js';
import { PRICES } from './cost.js';
import { fmt, table, usd } from './lib/stats.js';

const SECONDS = 730 * 3600;

/** Assumptions of the trigger model, in one place. */
export const TRIGGER_MODEL = {
  /** Bytes of one record: a 1 KiB value and an 8-byte key. */
  recordBytes: 1032,
  /** Records per append (single-record producers). */
  recordsPerAppend: 1,
  /** Stream polls per shard per second by the event source mapping (AWS: 4). */
  pollsPerSecond: 4,
  /** Records per handler batch at most (the trigger's default `batchSize`, Kinesis' too). */
  batchSize: 100,
  /** Dispatcher memory, GB. */
  dispatcherGB: 0.25,
  /** Dispatcher's own CPU per invocation besides waiting on calls, ms. */
  dispatcherOwnMs: 5,
  /** The API functions' memory, GB (the CDK default). */
  apiGB: 1,
  /** Billed ms of a committed-offset read and of a commit in the groups Lambda. */
  groupsCallMs: 12,
  /** Billed ms of a small fetch: index reads plus S3 GETs. */
  smallFetchMs: 45,
  /** RRU of a small fetch at the head (topic item, bounds; the bounds' head entry plans the read), and of a committed-offset read. */
  fetchRRU: 3,
  offsetRRU: 1,
  /** WRU of a commit (one offset item of < 1 KB). */
  commitWRU: 1,
  /**
   * WRU of the partition lease per dispatch: take, renew before the delivery,
   * release (three conditional UpdateItems on an item of < 1 KB), as
   * test/lambdas/dispatcher.test.ts pins them.
   */
  leaseWRU: 3,
  /** The user's function, for its column only: memory GB and ms per batch. */
  userGB: 0.125,
  userMs: 20,
  /** The sweep: invocations per month (every minute), billed ms each, RRU per trigger-partition. */
  sweepPerMonth: 43_800,
  sweepMs: 150,
  sweepRRUPerPartition: 2,
  /** CloudWatch: one custom metric ($0.30/month) and one alarm ($0.10/month) per trigger; EMF log bytes per sweep. */
  metricMonth: 0.3,
  alarmMonth: 0.1,
  emfBytesPerSweep: 300,
  logsIngestPerGB: 0.5,
  /** A polling SDK consumer: auto-commit interval and heartbeat interval, s. */
  commitEveryS: 5,
  heartbeatEveryS: 5,
} as const;

/** Dollars per month of one way of delivering a partition's records to a function, by item. */
export interface DeliveryCost {
  readonly label: string;
  readonly recordsPerS: number;
  /** Everything but the user's function and ingest, $/month. */
  readonly month: number;
  readonly perMillionRecords: number;
  readonly perGB: number;
  /** Invocations of the user's function per month (none for a polling consumer, whose handler runs in-process). */
  readonly userInvocations: number;
  /** What they would cost at the modelled size, $/month (not in `month`). */
  readonly userCost: number;
  readonly note: string;
}

const lambda = (invocations: number, ms: number, gb: number): number => invocations * (PRICES.lambdaPerMillionRequests / 1e6 + (ms / 1000) * gb * PRICES.lambdaGBSecond);
const rru = (n: number): number => (n * PRICES.dynamoReadPerMillionRRU) / 1e6;
const wru = (n: number): number => (n * PRICES.dynamoWritePerMillionWRU) / 1e6;
const gets = (n: number): number => (n * PRICES.s3GetPer1000) / 1000;

function finish(label: string, recordsPerS: number, month: number, userInvocations: number, note: string): DeliveryCost {
  const records = recordsPerS * SECONDS;
  const gb = (records * TRIGGER_MODEL.recordBytes) / 1e9;
  const t = TRIGGER_MODEL;
  return { label, recordsPerS, month, perMillionRecords: (month / records) * 1e6, perGB: month / gb, userInvocations, userCost: lambda(userInvocations, t.userMs, t.userGB), note };
}

/**
 * Handler batches per second on one partition: the mapping invokes the
 * dispatcher at most `pollsPerSecond` times a second (once per poll that
 * found stream records), and one batch holds at most `batchSize` records.
 */
export function dispatchesPerSecond(recordsPerS: number, batchingWindowMs = 0): number {
  const appends = recordsPerS / TRIGGER_MODEL.recordsPerAppend;
  const perS = batchingWindowMs > 0 ? Math.min(TRIGGER_MODEL.pollsPerSecond, 1000 / batchingWindowMs) : TRIGGER_MODEL.pollsPerSecond;
  return Math.max(Math.min(appends, perS), recordsPerS / TRIGGER_MODEL.batchSize);
}

/** The Eddy trigger (DynamoDB Streams → dispatcher → user function), one partition, plus the fixed sweep and metric of one trigger. */
export function eddyTrigger(recordsPerS: number, partitions = 1, batchingWindowMs = 0): DeliveryCost {
  const t = TRIGGER_MODEL;
  const perS = dispatchesPerSecond(recordsPerS, batchingWindowMs);
  const n = perS * SECONDS * partitions;
  const objectsPerBatch = recordsPerS / t.recordsPerAppend / perS;
  // The dispatcher waits for: the offset read, the fetch, the user's function and the commit.
  const dispatcherMs = t.dispatcherOwnMs + t.groupsCallMs + t.smallFetchMs + t.userMs + t.groupsCallMs;
  const dispatcher = lambda(n, dispatcherMs, t.dispatcherGB);
  const api = lambda(n, t.groupsCallMs, t.apiGB) * 2 + lambda(n, t.smallFetchMs, t.apiGB);
  const storage = gets(n * objectsPerBatch) + rru(n * (t.fetchRRU + t.offsetRRU)) + wru(n * (t.commitWRU + t.leaseWRU));
  const sweep = lambda(t.sweepPerMonth, t.sweepMs, t.dispatcherGB) + rru(t.sweepPerMonth * t.sweepRRUPerPartition * partitions);
  const cloudwatch = t.metricMonth + t.alarmMonth + (t.sweepPerMonth * t.emfBytesPerSweep * t.logsIngestPerGB) / 1e9;
  const month = (dispatcher + api + storage) / partitions + sweep + cloudwatch;
  return finish(`Eddy trigger (DynamoDB Streams → dispatcher)${batchingWindowMs > 0 ? `, maxBatchingWindow ${fmt(batchingWindowMs / 1000)} s` : ''}`, recordsPerS, month, perS * SECONDS, `${fmt(perS)} dispatches/s of ${fmt(recordsPerS / perS)} records; stream reads free; sweep + metric + alarm ${usd(sweep + cloudwatch)}/month`);
}

/**
 * A polling SDK consumer in a group, caught up, long-polling the partition
 * (`maxWaitTimeMs` 5000) over HTTPS: the fetch Lambda is billed the whole
 * month (a fetch is always waiting) and answers at most 4 fetches a second
 * (a waiting fetch re-reads the index every 250 ms); plus auto-commits and
 * heartbeats. The consumer's own compute (a container, an instance) is not
 * counted. With traffic this steady the SDK's idle backoff never engages.
 */
export function pollingConsumer(recordsPerS: number): DeliveryCost {
  const t = TRIGGER_MODEL;
  const fetchesPerS = Math.min(recordsPerS, 4);
  const fetches = fetchesPerS * SECONDS;
  const objectsPerFetch = recordsPerS / t.recordsPerAppend / fetchesPerS;
  const api = PRICES.apiGatewayHttpPerMillion / 1e6;
  const fetch = fetches * (api + PRICES.lambdaPerMillionRequests / 1e6) + SECONDS * t.apiGB * PRICES.lambdaGBSecond + gets(fetches * objectsPerFetch) + rru(fetches * t.fetchRRU + SECONDS * 4);
  const calls = SECONDS / t.commitEveryS + SECONDS / t.heartbeatEveryS;
  const group = calls * api + lambda(calls, t.groupsCallMs, t.apiGB) + wru(calls) + rru(calls);
  return finish('polling SDK consumer (long poll, HTTPS)', recordsPerS, fetch + group, 0, `${fmt(fetchesPerS)} fetches/s; fetch Lambda billed all month; consumer's own compute not counted`);
}

/**
 * Kinesis with a Lambda trigger, one shard: provisioned ($0.015/shard-hour +
 * PUT payload units) or on-demand ($0.04/stream-hour + $0.08/GB in +
 * $0.04/GB out). The mapping's GetRecords are part of those prices; it
 * polls each shard once a second, so the function runs once a second with
 * what arrived (batching window 0). The stream's ingest is included here
 * because Kinesis bills delivery only through it.
 */
export function kinesisTrigger(recordsPerS: number, mode: 'provisioned' | 'on-demand'): DeliveryCost {
  const t = TRIGGER_MODEL;
  const records = recordsPerS * SECONDS;
  const invocationsPerS = Math.max(Math.min(recordsPerS, 1), recordsPerS / t.batchSize);
  let month: number;
  if (mode === 'provisioned') {
    month = 730 * PRICES.kinesisProvisioned.shardHour + (records * Math.ceil(t.recordBytes / PRICES.kinesisProvisioned.payloadUnitBytes) * PRICES.kinesisProvisioned.perMillionPayloadUnits) / 1e6;
  } else {
    const gb = (records * t.recordBytes) / 1e9;
    const billedGB = (records * Math.ceil(t.recordBytes / 1024) * 1024) / 1e9;
    month = 730 * PRICES.kinesisOnDemand.streamHour + billedGB * PRICES.kinesisOnDemand.ingestPerGB + gb * PRICES.kinesisOnDemand.retrievalPerGB;
  }
  return finish(`Kinesis ${mode} + Lambda trigger (1 shard)`, recordsPerS, month, invocationsPerS * SECONDS, `${fmt(invocationsPerS)} invocations/s; stream ingest included`);
}

/** Latency distributions of the append → handler-start path (ms), beyond those of bench/lib/aws-model.ts. */
export const TRIGGER_LATENCY = {
  /** An index item's INSERT reaching its stream shard; AWS documents stream records as near-real-time, typically well under a second. An assumption. */
  streamPropagation: { p50: 200, p99: 800 } as Dist,
  /** Lambda's event source mapping invoking the dispatcher once it has the records (internal hop). */
  mappingInvoke: { p50: 15, p99: 60 } as Dist,
  /** A synchronous Lambda invoke of a warm function (dispatcher → API function, dispatcher → user's function). */
  invoke: { p50: 8, p99: 30 } as Dist,
  dynamoRead: { p50: 4, p99: 12 } as Dist,
  s3Get: { p50: 18, p99: 60 } as Dist,
  /** A cold dispatcher (Node.js, the SDK's Lambda client): the first record after the dispatcher's environment was reclaimed. */
  coldStart: { p50: 450, p99: 1200 } as Dist,
} as const;

/**
 * Monte Carlo of append → user handler start: stream propagation, the wait
 * for the mapping's next poll (uniform over 1/`pollsPerSecond`), the
 * batching window (0), the mapping's invoke, a cold start with probability
 * `coldShare`, the committed-offset read (invoke + DynamoDB read), the fetch
 * (invoke + topic item + index query + S3 GET) and the invoke of the user's
 * function. Returns p50 and p99 in ms.
 */
export function triggerLatency(coldShare: number, samples = 40_000, seed = 42): { p50: number; p99: number } {
  const random = prng(seed);
  const L = TRIGGER_LATENCY;
  const pollGapMs = 1000 / TRIGGER_MODEL.pollsPerSecond;
  const out: number[] = [];
  for (let i = 0; i < samples; i++) {
    let ms = sample(L.streamPropagation, random) + random() * pollGapMs + sample(L.mappingInvoke, random);
    if (random() < coldShare) ms += sample(L.coldStart, random);
    ms += sample(L.invoke, random) + sample(L.dynamoRead, random); // committed offset
    ms += sample(L.invoke, random) + sample(L.dynamoRead, random) + sample(L.dynamoRead, random) + sample(L.s3Get, random); // fetch
    ms += sample(L.invoke, random); // the user's function starts
    out.push(ms);
  }
  out.sort((a, b) => a - b);
  return { p50: out[Math.floor(samples * 0.5)]!, p99: out[Math.floor(samples * 0.99)]! };
}

/**
 * The trigger section of the cost report, and its goal rows.
 * @param ingestPerMillionRecords - Eddy's modelled cost of writing a million single-record appends, for the note beside the table.
 */
export function triggerReport(ingestPerMillionRecords?: number): { markdown: string; goals: string[][]; warm: { p50: number; p99: number } } {
  const rows: string[][] = [];
  for (const r of [1, 10, 100]) {
    for (const c of [eddyTrigger(r), eddyTrigger(r, 1, 1000), pollingConsumer(r), kinesisTrigger(r, 'provisioned'), kinesisTrigger(r, 'on-demand')]) {
      rows.push([`${r} records/s`, c.label, usd(c.month), usd(c.perMillionRecords), usd(c.perGB), c.userInvocations ? `${fmt(c.userInvocations / 1e6)} M (${usd(c.userCost)})` : 'none (in-process)', c.note]);
    }
  }
  const warm = triggerLatency(0);
  const cold = triggerLatency(1);
  const t = TRIGGER_MODEL;
  const L = TRIGGER_LATENCY;
  const markdown = [
    `**The trigger path, modelled** (bench/trigger-cost.ts; issue 15's deployed design in docs/triggers.md): one partition of ${t.recordBytes}-byte records appended one per request, delivered to a function in batches of up to ${t.batchSize}. Eddy trigger: the \`log\` table's DynamoDB stream wakes a ${t.dispatcherGB * 1024} MB dispatcher (stream reads by Lambda's event source mappings are free, an idle stream costs nothing), which reads the group's offset, fetches, invokes the function synchronously and commits, through the Lambda transport; plus a sweep every minute, a lag metric and an alarm per trigger (fixed, so $/record falls with the rate). Polling SDK consumer: the SDK consumer long-polling over HTTPS, caught up. Kinesis: one shard, a Lambda event source mapping. **Not included**: the user's function (same under every option; its invocations are shown, priced at ${t.userGB * 1024} MB × ${t.userMs} ms), ingest (for Eddy; it depends on the producer, see above — single-record appends cost far more to write than to deliver), data transfer. Kinesis rows include the stream's ingest, since that is where it bills delivery${ingestPerMillionRecords !== undefined ? `; to compare totals, add Eddy's ingest of single-record appends, ~${usd(ingestPerMillionRecords)} per million records (the ingest table's per-request costs scaled to 1 KB requests: an upper bound, since the measured billed ms belong to larger requests) — Eddy's ingest of single-record writers is where it loses to Kinesis (many single-record producers: \`--fanin\`)` : ''}. A batching window (\`maxBatchingWindow\`, as on Kinesis) trades up to its length in latency for fewer dispatches.`,
    '',
    table(['load', 'delivery', '$ / month', '$ / M records', '$ / GB', 'user function invocations / month', 'note'], rows, ['l', 'l', 'r', 'r', 'r', 'r', 'l']),
    '',
    `**Append → handler start, modelled** (\`triggerLatency\`, Monte Carlo of 40,000): stream propagation p50 ${L.streamPropagation.p50} / p99 ${L.streamPropagation.p99} ms (an assumption: AWS documents near-real-time delivery, typically sub-second), the wait for the mapping's next poll (0–${1000 / t.pollsPerSecond} ms; batching window 0), the mapping's invoke ${L.mappingInvoke.p50} / ${L.mappingInvoke.p99} ms, the offset read and the fetch (Lambda invokes ${L.invoke.p50} / ${L.invoke.p99} ms, DynamoDB reads ${L.dynamoRead.p50} / ${L.dynamoRead.p99} ms, one S3 GET ${L.s3Get.p50} / ${L.s3Get.p99} ms), then the invoke of the user's function. Warm dispatcher: **p50 ${fmt(warm.p50)} ms, p99 ${fmt(warm.p99)} ms**. First record after the dispatcher went cold (cold start ${L.coldStart.p50} / ${L.coldStart.p99} ms): p50 ${fmt(cold.p50)} ms, p99 ${fmt(cold.p99)} ms. Kinesis' mapping polls once a second (p50 ~0.5 s from the poll alone); the polling SDK consumer's long poll wakes within ~250 ms across Lambda containers (see the latency model).`,
  ].join('\n');
  const idle = eddyTrigger(0.000001).month;
  const goals = [
    ['trigger: append → handler start p50 ≤ 1 s, p99 ≤ 2 s (modelled, warm dispatcher)', `p50 ${fmt(warm.p50)} ms, p99 ${fmt(warm.p99)} ms (cold: p50 ${fmt(cold.p50)}, p99 ${fmt(cold.p99)} ms)`, '', warm.p50 <= 1000 && warm.p99 <= 2000 ? 'met' : 'NOT met'],
    ['trigger: nothing billed per idle partition (modelled)', `${usd(idle)}/month per trigger when idle (sweep, metric, alarm), $0 per partition beyond ${usd(rru(t.sweepPerMonth * t.sweepRRUPerPartition))} of sweep reads`, '', 'met'],
  ];
  return { markdown, goals, warm };
}
