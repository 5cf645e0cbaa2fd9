// The benchmark's pure helpers (bench/): statistics, the PNG writer, the
// docs section splicer and the cost model's arithmetic. The benchmarks
// themselves never run under `npm test`.
import { inflateSync } from 'node:zlib';
import { describe, expect, it } from 'vitest';
import { eddyIngestPerGB, kinesisOnDemandMonth, kinesisProvisionedMonth, PRICES, type MeasuredCosts } from '../../bench/cost.js';
import { sample, prng } from '../../bench/lib/aws-model.js';
import { replaceSection } from '../../bench/lib/doc.js';
import { itemSize } from '../../bench/lib/meter.js';
import { barChart, Canvas } from '../../bench/lib/png.js';
import { median, percentile } from '../../bench/lib/stats.js';

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

describe('bench PNG writer', () => {
  it('writes a valid RGB PNG whose pixels decode back', () => {
    const c = new Canvas(3, 2);
    c.rect(1, 0, 1, 1, [10, 20, 30]);
    const png = c.png();
    expect([...png.subarray(0, 8)]).toEqual([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]);
    expect(png.readUInt32BE(16)).toBe(3);
    expect(png.readUInt32BE(20)).toBe(2);
    const idatLength = png.readUInt32BE(33);
    expect(png.toString('latin1', 37, 41)).toBe('IDAT');
    const raw = inflateSync(png.subarray(41, 41 + idatLength));
    expect(raw.length).toBe(2 * (1 + 3 * 3));
    expect([...raw.subarray(1 + 3, 1 + 6)]).toEqual([10, 20, 30]);
  });

  it('draws a chart with n/a bars', () => {
    const png = barChart('t', 's', ['a', 'b'], [{ label: 'x', values: [1, undefined] }], 'MB/S');
    expect(png.readUInt32BE(16)).toBe(1000);
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
});
