/**
 * The two model runs on the local host with the simulated-AWS latencies
 * (bench/lib/aws-model.ts):
 * - {@link measureCosts}: a produce, a full read and a maintenance pass,
 *   metered per operation, for the cost model (bench/cost.ts). Request
 *   counts and units do not depend on the simulation; billed Lambda ms do,
 *   which is why the cost run uses it.
 * - {@link measureLatency}: produce and end-to-end latency in a modeled
 *   region: bulk throughput, then a steady 1 MB/s stream with a consumer
 *   tailing every partition, once with the local host's in-process long-poll
 *   wake-up and once without it, as across Lambda containers.
 */
import { performance } from 'node:perf_hooks';
import { partitionForKey, type ProducerOptions, type Transport } from '@eddy/sdk';
import type { MeasuredCosts } from './cost.js';
import { GATEWAY_LATENCY, prng, sample } from './lib/aws-model.js';
import { analyticLatency, DEFAULT_INPUTS, type AnalyticInputs, type AnalyticResult } from './lib/latency-model.js';
import { Deadline, fmt, Latencies, sleep } from './lib/stats.js';
import { workload } from './lib/workload.js';
import { EddySystem } from './systems/eddy.js';
import type { HostStats } from './systems/eddy-host.js';

/** Wraps a transport with the modeled client → API Gateway → Lambda hop. */
export function gatewayHop(seed: number): (inner: Transport) => Transport {
  const random = prng(seed);
  return (inner) => ({
    async request(req, options) {
      const records = (req.body as { records?: unknown[] } | undefined)?.records?.length ?? 0;
      await sleep(sample(GATEWAY_LATENCY, random, records * 1400));
      const res = await inner.request(req, options);
      const out = (res.body as { records?: unknown[] } | null)?.records?.length ?? 0;
      if (out > 0) await sleep(((GATEWAY_LATENCY.msPerMB ?? 0) * out * 1400) / 1e6);
      return res;
    },
    close: () => inner.close?.(),
  });
}

const inv = (s: HostStats, kind: string) => s.lambda[kind] ?? { invocations: 0, totalMs: 0, billedMs: 0, p50: Number.NaN, p99: Number.NaN, requestBytes: 0, responseBytes: 0 };
const req = (s: HostStats, key: string): number => s.meter.requests[key] ?? 0;
const dynamoRequests = (s: HostStats): number => Object.entries(s.meter.requests).reduce((n, [k, v]) => n + (k.startsWith('dynamodb:') ? v : 0), 0);

/** Produces and reads `records` records and runs one maintenance pass, metering each phase. */
export async function measureCosts(records: number, log: (line: string) => void, producerOptions: ProducerOptions = {}): Promise<MeasuredCosts> {
  const eddy = new EddySystem({ simulateAws: true, seed: 7, producer: producerOptions });
  await eddy.start();
  try {
    const w = workload(records);
    const client = eddy.client!;
    const topic = 'cost';
    await client.createTopic({ name: topic, partitions: w.partitions });
    const producer = client.producer(producerOptions);
    await producer.send({ topic, messages: [{ key: 'warm', value: 'up' }] }); // primes the producer's metadata cache
    await eddy.resetStats();
    await eddy.produce(w, topic, new Deadline('cost produce', 600_000), producer);
    const produced = await eddy.stats();
    await eddy.resetStats();
    const warmPartition = partitionForKey(Buffer.from('warm'), w.partitions);
    const read = await eddy.consume({ ...w, perPartition: w.perPartition.map((n, p) => n + (p === warmPartition ? 1 : 0)) }, topic, new Deadline('cost consume', 600_000));
    const consumed = await eddy.stats();
    await eddy.resetStats();
    const mt = await eddy.host!.call<{ report: { entriesCompacted: number; segmentsWritten: number }; ms: number }>('maintenance', undefined, 600_000);
    const maintained = await eddy.stats();
    const p = inv(produced, 'produce');
    const f = inv(consumed, 'fetch');

    // Billed time is measured one request at a time: in the bulk phases the
    // host interleaves several requests on one event loop, which a Lambda
    // container (one request at a time) never does.
    const probes = records >= 65_536 ? 12 : 6;
    const perRequest = Math.max(1, Math.round(w.records / p.invocations));
    await eddy.resetStats();
    for (let k = 0; k < probes; k++) {
      const partition = k % w.partitions;
      const batch = Array.from({ length: perRequest }, (_, i) => ({ key: w.keyBytes(k * perRequest + i), value: w.value(k * perRequest + i), partition }));
      await client.putRecords({ topic, records: batch, producerId: `probe-${k}`, producerEpoch: 0, sequences: { [partition]: 0 } });
    }
    for (let k = 0; k < probes; k++) {
      await client.getRecords({ topic, partition: k % w.partitions, offset: Math.floor(k / w.partitions) * 1000, maxBytes: 4 * 1024 * 1024, maxRecords: 10_000 });
    }
    const probed = await eddy.stats();
    const pp = inv(probed, 'produce');
    const fp = inv(probed, 'fetch');
    log(
      `bench: cost run (batchBytes ${producerOptions.batchBytes ?? 'default'}): ${p.invocations} produce requests, ${f.invocations} fetches, maintenance compacted ${mt.report.entriesCompacted} entries into ${mt.report.segmentsWritten} segments in ${Math.round(mt.ms)} ms; one at a time: ${fmt(pp.billedMs / Math.max(1, pp.invocations))} billed ms per produce, ${fmt(fp.billedMs / Math.max(1, fp.invocations))} per fetch`,
    );
    return {
      memoryGB: 1,
      produce: {
        requests: p.invocations,
        payloadBytes: w.totalBytes / p.invocations,
        bodyBytes: p.requestBytes / p.invocations,
        s3Puts: req(produced, 's3:PutObject') / p.invocations,
        s3PutBytes: produced.meter.s3PutBytes / p.invocations,
        rru: produced.meter.rru / p.invocations,
        wru: produced.meter.wru / p.invocations,
        billedMs: pp.billedMs / Math.max(1, pp.invocations),
        dynamoRequests: dynamoRequests(produced) / p.invocations,
      },
      fetch: {
        requests: f.invocations,
        payloadBytes: read.bytes / f.invocations,
        responseBytes: f.responseBytes / f.invocations,
        s3Gets: req(consumed, 's3:GetObject') / f.invocations,
        rru: consumed.meter.rru / f.invocations,
        billedMs: fp.billedMs / Math.max(1, fp.invocations),
      },
      maintenance: {
        ingestObjects: mt.report.entriesCompacted,
        producedObjects: p.invocations + 1, // the produce phase's requests and the warm-up record
        s3Gets: req(maintained, 's3:GetObject'),
        s3Puts: req(maintained, 's3:PutObject'),
        s3Lists: req(maintained, 's3:ListObjectsV2'),
        rru: maintained.meter.rru,
        wru: maintained.meter.wru,
        billedMs: Math.ceil(mt.ms),
      },
      indexItemBytes: produced.meter.meanIndexItemBytes,
      maxItemBytes: produced.meter.maxItemBytes,
    };
  } finally {
    await eddy.stop();
  }
}

/** Latency-model figures. */
export interface LatencyModel {
  readonly analytic: AnalyticResult;
  readonly inputs: AnalyticInputs;
  readonly bulkMBps: number;
  readonly bulkRequestP50: number;
  readonly bulkRequestP99: number;
  readonly steady: ReadonlyArray<{
    readonly mode: string;
    readonly sendP50: number;
    readonly sendP99: number;
    readonly requestP50: number;
    readonly requestP99: number;
    readonly e2eP50: number;
    readonly e2eP99: number;
    readonly produceBilledMs: number;
    readonly fetchBilledMs: number;
    readonly recordsPerRequest: number;
  }>;
}

/** A steady stream of `mbps` MB/s for `seconds`, a consumer tailing every partition; latencies of sends, requests and end to end. */
async function steadyRun(eddy: EddySystem, seconds: number, mbps: number): Promise<LatencyModel['steady'][number] & { produced: number }> {
  const client = eddy.client!;
  const topic = `steady-${Math.random().toString(36).slice(2, 8)}`;
  const perTick = 10;
  const tickMs = (perTick * 1032) / (mbps * 1000);
  const ticks = Math.ceil((seconds * 1000) / tickMs);
  const w = workload(ticks * perTick);
  await client.createTopic({ name: topic, partitions: w.partitions });
  const producer = client.producer();
  await producer.send({ topic, messages: [{ key: w.keyBytes(0), value: Buffer.alloc(8) }] });
  await eddy.resetStats();
  eddy.timer.reset();
  const now = (): number => performance.timeOrigin + performance.now();
  const sends = new Latencies();
  const e2e = new Latencies();
  let stop = false;
  const expected = w.perPartition.map((n, p) => n + (p === w.partition(0) ? 1 : 0));
  const deadline = new Deadline('latency model', (seconds + 120) * 1000);
  const consumers = Array.from({ length: w.partitions }, async (_, partition) => {
    let offset = 0;
    for (let i = 0; i < 1_000_000 && offset < expected[partition]!; i++) {
      deadline.check();
      if (stop) break;
      const out = await client.getRecords({ topic, partition, offset, waitMs: 5000, maxBytes: 4 * 1024 * 1024 });
      const at = now();
      for (const r of out.records) {
        const v = Buffer.from(r.value as string, 'base64');
        const ts = v.readDoubleBE(0);
        if (ts > 0) e2e.add(at - ts);
      }
      offset = out.nextOffset;
    }
  });
  const start = performance.now();
  const pending: Promise<unknown>[] = [];
  for (let t = 0; t < ticks; t++) {
    deadline.check();
    const due = start + t * tickMs;
    const wait = due - performance.now();
    if (wait > 1) await sleep(wait);
    const messages = [];
    for (let i = t * perTick; i < (t + 1) * perTick; i++) {
      const value = Buffer.from(w.value(i));
      value.writeDoubleBE(now(), 0);
      messages.push({ key: w.keyBytes(i), value });
    }
    const sent = performance.now();
    pending.push(producer.send({ topic, messages }).then(() => sends.add(performance.now() - sent)));
  }
  await Promise.all(pending);
  await producer.disconnect();
  const consumed = Promise.all(consumers);
  const timeout = sleep(30_000).then(() => (stop = true));
  await Promise.race([consumed, timeout]);
  stop = true;
  await consumed;
  const stats = await eddy.stats();
  const p = inv(stats, 'produce');
  const f = inv(stats, 'fetch');
  return {
    mode: '',
    sendP50: sends.p(50),
    sendP99: sends.p(99),
    requestP50: eddy.timer.produce.p(50),
    requestP99: eddy.timer.produce.p(99),
    e2eP50: e2e.p(50),
    e2eP99: e2e.p(99),
    produceBilledMs: p.billedMs / Math.max(1, p.invocations),
    fetchBilledMs: f.billedMs / Math.max(1, f.invocations),
    recordsPerRequest: w.records / Math.max(1, p.invocations),
    produced: w.records,
  };
}

/** Runs the latency model: bulk produce, then steady streams with and without in-process wake-up. */
export async function measureLatency(
  bulkRecords: number,
  steadySeconds: number,
  log: (line: string) => void,
  cpu: { readonly produceCpuMsPerMB: number; readonly fetchCpuMsPerMB: number },
): Promise<LatencyModel> {
  const inputs: AnalyticInputs = { ...DEFAULT_INPUTS, ...cpu };
  const analytic = analyticLatency(inputs, [0.72e6, 2e6, 4e6], 1);
  const steady: Array<LatencyModel['steady'][number]> = [];
  let bulkMBps = 0;
  let bulkRequestP50 = 0;
  let bulkRequestP99 = 0;
  for (const crossContainer of [false, true]) {
    const eddy = new EddySystem({ simulateAws: true, crossContainer, seed: crossContainer ? 11 : 3, wrapTransport: gatewayHop(crossContainer ? 13 : 5) });
    await eddy.start();
    try {
      if (!crossContainer) {
        const r = await eddy.run(workload(bulkRecords), 'model-bulk');
        bulkMBps = r.produce.bytes / 1e6 / r.produce.seconds;
        bulkRequestP50 = r.produce.p50;
        bulkRequestP99 = r.produce.p99;
        log(`bench: latency model: bulk produce ${bulkMBps.toFixed(1)} MB/s, request p50 ${bulkRequestP50.toFixed(0)} ms p99 ${bulkRequestP99.toFixed(0)} ms`);
      }
      const s = await steadyRun(eddy, steadySeconds, 1);
      const mode = crossContainer ? 'across Lambda containers (fetch re-reads every 250 ms)' : 'local host wake-up (same process)';
      steady.push({ ...s, mode });
      log(`bench: latency model (${mode}): send p50 ${s.sendP50.toFixed(0)} ms p99 ${s.sendP99.toFixed(0)} ms, end-to-end p50 ${s.e2eP50.toFixed(0)} ms p99 ${s.e2eP99.toFixed(0)} ms`);
    } finally {
      await eddy.stop();
    }
  }
  return { analytic, inputs, bulkMBps, bulkRequestP50, bulkRequestP99, steady };
}

