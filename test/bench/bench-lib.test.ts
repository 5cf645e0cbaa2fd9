// The benchmark's helpers (bench/): statistics, the SVG charts, the docs
// section splicer, the cost model's arithmetic and a short fan-in run on
// the memory adapters. The benchmarks themselves never run under `npm test`.
import { describe, expect, it } from 'vitest';
import { AWS_PRODUCER_DEFAULTS, IDLE_BACKOFF_DEFAULTS } from '@eddy/sdk';
import { adaptiveLinger, ADAPTIVE_LINGER_CAPS, awsBatchPayload, COMPACTION_SKIP_BYTES, compactedShare, eddyIdlePerPartitionMonth, eddyIngestPerGB, kinesisOnDemandMonth, kinesisProvisionedMonth, partitionCeiling, PRICES, type MeasuredCosts } from '../../bench/cost.js';
import { dispatchesPerSecond, eddyTrigger, kinesisTrigger, pollingConsumer, TRIGGER_MODEL, triggerLatency, triggerReport } from '../../bench/trigger-cost.js';
import { faninGoals, measureFanin } from '../../bench/fanin.js';
import { sample, prng } from '../../bench/lib/aws-model.js';
import { replaceSection } from '../../bench/lib/doc.js';
import { itemSize } from '../../bench/lib/meter.js';
import { barChartSpec, barChartSvg } from '../../bench/lib/chart.js';
import { Deadline, median, percentile, sendWindowed } from '../../bench/lib/stats.js';

describe('bench statistics', () => {
  it('takes nearest-rank percentiles and a measured median', () => {
    const sorted = Array.from({ length: 100 }, (_, i) => i + 1);
    expect(percentile(sorted, 50)).toBe(50);
    expect(percentile(sorted, 99)).toBe(99);
    expect(percentile(sorted, 100)).toBe(100);
    expect(median([5, 1, 3, 2])).toBe(2);
    expect(median([3, 1, 2])).toBe(2);
  });
});

describe('bench charts (Vega-Lite rendered to SVG)', () => {
  it('renders a grouped bar chart whose SVG carries the title, the groups and the n/a label', async () => {
    const svg = await barChartSvg('MB/s per system', 'a subtitle', 'MB/s', [
      { group: 'eddy', series: 'produce', value: 12.5 },
      { group: 'eddy', series: 'consume', value: 30 },
      { group: 'nats', series: 'produce', value: undefined },
      { group: 'nats', series: 'consume', value: undefined },
    ]);
    expect(svg.startsWith('<svg')).toBe(true);
    expect(svg).toContain('MB/s per system');
    expect(svg).toContain('>eddy<');
    expect(svg).toContain('>nats<');
    expect(svg).toContain('>n/a<');
    expect(svg).toContain('>12.5<');
    // One bar per (group, series), the n/a ones of height 0, each with its value label.
    expect(svg.match(/aria-roledescription="bar"/g)).toHaveLength(4);
    expect(svg.match(/aria-roledescription="text mark"/g)).toHaveLength(4);
  });

  it('keeps the bar data in the Vega-Lite specification, n/a as 0 with a label', () => {
    const spec = barChartSpec('t', 's', 'y', [{ group: 'x', series: 'a', value: undefined }]);
    expect((spec as { data: { values: unknown[] } }).data.values).toEqual([{ group: 'x', series: 'a', value: 0, label: 'n/a' }]);
  });
});

describe('bench docs splicer', () => {
  it('replaces a marked section and keeps the prose around it', () => {
    const doc = 'intro\n<!-- bench:a -->\nold\n<!-- /bench:a -->\noutro\n';
    expect(replaceSection(doc, 'a', 'new')).toBe('intro\n<!-- bench:a -->\nnew\n<!-- /bench:a -->\noutro\n');
    expect(replaceSection('intro\n', 'b', 'x')).toBe('intro\n\n<!-- bench:b -->\nx\n<!-- /bench:b -->\n');
  });
});

describe('bench latency model', () => {
  it('samples a log-normal with the given median', () => {
    const random = prng(1);
    const xs = Array.from({ length: 20_000 }, () => sample({ p50: 30, p99: 100 }, random)).sort((a, b) => a - b);
    expect(percentile(xs, 50)).toBeGreaterThan(27);
    expect(percentile(xs, 50)).toBeLessThan(33);
    expect(percentile(xs, 99)).toBeGreaterThan(85);
    expect(percentile(xs, 99)).toBeLessThan(118);
  });
});

describe('bench cost model', () => {
  const m: MeasuredCosts = {
    memoryGB: 1,
    produce: { requests: 10, payloadBytes: 1e6, bodyBytes: 1.4e6, s3Puts: 1, s3PutBytes: 1.01e6, rru: 2, wru: 1, billedMs: 50, dynamoRequests: 3 },
    fetch: { requests: 1, payloadBytes: 4e6, responseBytes: 5.6e6, s3Gets: 4, rru: 5, billedMs: 60 },
    maintenance: { ingestObjects: 0, s3Gets: 0, s3Puts: 0, s3Lists: 0, rru: 0, wru: 0, billedMs: 0 },
    indexItemBytes: 300,
    maxItemBytes: 310,
  };

  it('prices one S3 PUT, the DynamoDB units, Lambda and 512 KB API Gateway units per request', () => {
    const c = eddyIngestPerGB(m, 1e6);
    expect(c.requests).toBe(1000);
    expect(c.s3).toBeCloseTo(1000 * PRICES.s3PutPer1000 / 1000, 10);
    expect(c.apiGateway).toBeCloseTo(1000 * 3 * 1e-6, 10); // 1.4 MB body = 3 units of 512 KiB
    expect(c.dynamo).toBeCloseTo(1000 * (2 * 0.125 + 0.625) / 1e6, 10);
    expect(c.lambda).toBeCloseTo(1000 * (0.2e-6 + 0.05 * PRICES.lambdaGBSecond), 10);
    // Smaller requests cost more per GB.
    expect(eddyIngestPerGB(m, 64e3).s3).toBeGreaterThan(c.s3 * 15);
  });

  it('prices Kinesis on-demand and provisioned', () => {
    const od = kinesisOnDemandMonth(1, 1024);
    expect(od.ingest).toBeCloseTo(2628 * 0.08, 6);
    expect(od.fixed).toBeCloseTo(730 * 0.04, 6);
    expect(kinesisOnDemandMonth(1, 1032).ingest).toBeCloseTo((od.ingest * 2048) / 1032, 6); // a 1,032-byte record bills as 2 KB
    const pr = kinesisProvisionedMonth(10, 1024);
    expect(pr.shards).toBe(13); // 9,766 records/s at 80 % of 1,000 per shard
  });

  it('sizes DynamoDB items as DynamoDB bills them', () => {
    expect(itemSize({ pk: { S: 'abc' }, n: { N: '12345' } })).toBe(2 + 3 + 1 + 4);
  });

  it('models an adaptive linger: it grows until a request fills the batch limit or reaches its cap', () => {
    const flat = (): number => 100; // every request takes 100 ms
    // 1 MB/s, cap 250 ms: 250 KB per request, the linger at its cap.
    const a = adaptiveLinger(1, 4, 250, 4e6, flat);
    expect(a.lingerMs).toBe(250);
    expect(a.payloadBytes).toBeCloseTo(250e3, -2);
    // 100 MB/s fills a 4 MB batch in 40 ms, so the linger stops there.
    const b = adaptiveLinger(100, 4, 250, 4e6, flat);
    expect(b.lingerMs).toBeCloseTo(40, 6);
    expect(b.payloadBytes).toBeCloseTo(4e6, -3);
    // Fuller requests cost less per GB.
    expect(eddyIngestPerGB(m, a.payloadBytes).s3).toBeLessThan(eddyIngestPerGB(m, adaptiveLinger(1, 4, 5, 4e6, flat).payloadBytes).s3);
  });

  it('prices an idle caught-up consumer per partition-month by polling policy', () => {
    const longPoll = eddyIdlePerPartitionMonth(m, 'long-poll 5 s');
    const poll = eddyIdlePerPartitionMonth(m, 'poll 1 s');
    const backoff = eddyIdlePerPartitionMonth(m, 'SDK idle backoff');
    // The long poll bills a 1 GB Lambda for the whole month: 2,628,000 s × $0.0000133334.
    expect(longPoll).toBeGreaterThan(2_628_000 * PRICES.lambdaGBSecond);
    // The SDK's backoff settles at one 20 ms fetch per maxSleepMs (+ the fetch): the 1 s poll's cost scaled by the interval.
    const interval = (IDLE_BACKOFF_DEFAULTS.maxSleepMs + IDLE_BACKOFF_DEFAULTS.waitMs + 20) / 1000;
    expect(IDLE_BACKOFF_DEFAULTS.waitMs).toBe(0);
    expect(backoff).toBeCloseTo(poll / interval, 10);
    expect(backoff).toBeLessThan(1);
  });

  it('models the SDK\'s own AWS producer defaults, not copied numbers', () => {
    expect(ADAPTIVE_LINGER_CAPS).toContain(AWS_PRODUCER_DEFAULTS.maxLingerMs);
    // The batch limit is the SDK's AWS batchBytes in payload terms (body bytes carry base64 + JSON).
    expect(awsBatchPayload(m)).toBeCloseTo((AWS_PRODUCER_DEFAULTS.batchBytes * 1e6) / 1.4e6, 3);
  });

  it('charges compaction only for objects below core\'s skip size, and at the measured size only what the pass merged', () => {
    const mt = { ingestObjects: 2, producedObjects: 40, s3Gets: 2, s3Puts: 1, s3Lists: 1, rru: 8, wru: 3, billedMs: 100 };
    const mc: MeasuredCosts = { ...m, maintenance: mt };
    expect(COMPACTION_SKIP_BYTES).toBe(512 * 1024);
    expect(compactedShare(mc, 1e6)).toBeCloseTo(2 / 40, 10); // the measured size
    expect(compactedShare(mc, 600e3)).toBe(0); // 606 KB objects: skipped
    expect(compactedShare(mc, 256e3)).toBe(1); // 259 KB objects: merged
    const perObject = (2 * PRICES.s3GetPer1000 / 1000 + PRICES.s3PutPer1000 / 1000 + PRICES.s3ListPer1000 / 1000 + 8 * 0.125e-6 + 3 * 0.625e-6 + 0.1 * PRICES.lambdaGBSecond) / 2;
    expect(eddyIngestPerGB(mc, 1e6).compaction).toBeCloseTo(1000 * (2 / 40) * perObject, 12);
    expect(eddyIngestPerGB(mc, 600e3).compaction).toBe(0);
    expect(eddyIngestPerGB(mc, 256e3).compaction).toBeCloseTo((1e9 / 256e3) * perObject, 12);
  });
});

describe('bench trigger model', () => {
  const month = 730 * 3600;

  it('dispatches at most once per stream poll, or per batching window, and never more records than a batch holds', () => {
    expect(dispatchesPerSecond(1)).toBe(1);
    expect(dispatchesPerSecond(10)).toBe(4); // 4 polls a second
    expect(dispatchesPerSecond(10, 1000)).toBe(1);
    expect(dispatchesPerSecond(1000)).toBe(10); // 100-record batches
  });

  it("prices the Eddy trigger: dispatcher, three API calls, GETs, reads, a commit and the lease's three writes per dispatch, plus the fixed sweep and metric", () => {
    const t = TRIGGER_MODEL;
    const c = eddyTrigger(1);
    const n = month; // one dispatch a second
    const lam = (ms: number, gb: number): number => n * (0.2e-6 + (ms / 1000) * gb * PRICES.lambdaGBSecond);
    const dispatcher = lam(t.dispatcherOwnMs + 2 * t.groupsCallMs + t.smallFetchMs + t.userMs, t.dispatcherGB);
    const api = 2 * lam(t.groupsCallMs, 1) + lam(t.smallFetchMs, 1);
    const storage = n * (PRICES.s3GetPer1000 / 1000 + 4 * 0.125e-6 + 4 * 0.625e-6);
    const fixed = t.sweepPerMonth * (0.2e-6 + 0.15 * 0.25 * PRICES.lambdaGBSecond) + t.sweepPerMonth * 2 * 0.125e-6 + 0.4 + (t.sweepPerMonth * 300 * 0.5) / 1e9;
    expect(c.month).toBeCloseTo(dispatcher + api + storage + fixed, 8);
    expect(c.perMillionRecords).toBeCloseTo((c.month / month) * 1e6, 8);
    expect(c.userInvocations).toBe(month);
    // Idle: only the fixed part remains.
    expect(eddyTrigger(1e-9).month).toBeCloseTo(fixed, 4);
  });

  it('prices Kinesis with a trigger and a long-polling consumer, whose fetch Lambda is billed all month', () => {
    const pr = kinesisTrigger(1, 'provisioned');
    expect(pr.month).toBeCloseTo(730 * 0.015 + (month * 0.014) / 1e6, 8);
    const od = kinesisTrigger(1, 'on-demand');
    expect(od.month).toBeCloseTo(730 * 0.04 + ((month * 2048) / 1e9) * 0.08 + ((month * 1032) / 1e9) * 0.04, 8);
    expect(pollingConsumer(1).month).toBeGreaterThan(month * PRICES.lambdaGBSecond);
  });

  it('models append → handler start from its stages, warm under the 1 s / 2 s targets and slower when cold', () => {
    const warm = triggerLatency(0, 20_000, 1);
    const cold = triggerLatency(1, 20_000, 1);
    expect(warm.p50).toBeGreaterThan(200); // at least the stream's median
    expect(warm.p50).toBeLessThan(1000);
    expect(warm.p99).toBeLessThan(2000);
    expect(cold.p50).toBeGreaterThan(warm.p50 + 300);
    const r = triggerReport(5);
    expect(r.markdown).toContain('Kinesis provisioned');
    expect(r.goals[0]![3]).toBe('met');
  });

  it('models one partition\'s ceiling as the largest request over its latency', () => {
    const c = partitionCeiling(4e6, 1000, () => 200);
    expect(c.mbps).toBeCloseTo(20, 6);
    expect(c.recordsPerS).toBeCloseTo(20_000, 6);
  });
});

describe('bench fan-in scenario', () => {
  it('measures single-record producers on one partition with simulated AWS latency and counts DynamoDB requests', async () => {
    const one = await measureFanin(1, 400);
    const eight = await measureFanin(8, 400);
    expect(one.failed).toBe(0);
    expect(one.appends).toBeGreaterThan(0);
    // One producer never loses a race: each append reads the head and writes one entry (plus the topic lookup).
    expect(one.lostConditionalWritesPerAppend).toBe(0);
    expect(one.dynamoPerAppend).toBeGreaterThanOrEqual(2);
    expect(one.s3PutsPerAppend).toBeCloseTo(1, 6);
    // An append waits at least a simulated S3 PUT and a conditional write.
    expect(one.p50).toBeGreaterThan(15);
    expect(eight.appends).toBeGreaterThan(0);
    // Eight writers on one partition race on the index head and some lose.
    expect(eight.lostConditionalWritesPerAppend).toBeGreaterThan(0);
    expect(eight.dynamoPerAppend).toBeGreaterThan(one.dynamoPerAppend);
    expect(faninGoals([one, eight])).toEqual([]); // goals are stated for 64 producers only
  }, 20_000);

  it('measures the reserve protocol too: no lost races after the first append, so requests per append do not grow with producers', async () => {
    const eight = await measureFanin(8, 400, 'reserve');
    expect(eight.protocol).toBe('reserve');
    expect(eight.failed).toBe(0);
    expect(eight.appends).toBeGreaterThan(0);
    // Only the race for offset 0 (the first append of a partition, before the counter exists) can be lost: at most 7 of 8.
    expect(Math.round(eight.lostConditionalWritesPerAppend * (eight.appends + eight.failed))).toBeLessThanOrEqual(7);
    // The topic lookup, the reservation, the entry; the partition's first append also reads the head and creates the counter.
    expect(eight.dynamoPerAppend).toBeLessThan(3.5);
  }, 20_000);
});

describe('sendWindowed', () => {
  it('sends every slice once, in order of start, never more than the window in flight', async () => {
    const slices: Array<[number, number]> = [];
    let inFlight = 0;
    let peak = 0;
    await sendWindowed(10, 3, 2, new Deadline('test', 10_000), async (start, end) => {
      slices.push([start, end]);
      peak = Math.max(peak, ++inFlight);
      await new Promise((r) => setTimeout(r, 5));
      inFlight--;
    });
    expect(slices).toEqual([[0, 3], [3, 6], [6, 9], [9, 10]]);
    expect(peak).toBe(2);
  });

  it('stops sending after the first failure and throws it once the sends in flight settle', async () => {
    const started: number[] = [];
    let settled = 0;
    const run = sendWindowed(100, 1, 3, new Deadline('test', 10_000), async (i) => {
      started.push(i);
      await new Promise((r) => setTimeout(r, 5));
      settled++;
      if (i === 1) throw new Error('send 1 failed');
    });
    await expect(run).rejects.toThrow('send 1 failed');
    expect(started.length).toBeLessThan(10);
    expect(settled).toBe(started.length);
  });
});
