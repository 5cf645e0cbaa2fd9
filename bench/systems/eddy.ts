/**
 * Eddy: the local host in a child process (handlers + embedded dynalite and
 * s3rver, the real HTTP path), driven from this process by the SDK's
 * batching producer (`lingerMs` 5, `batchBytes` 1 MiB, idempotent: the
 * defaults) and read back with `getRecords` (4 partitions in parallel,
 * `maxBytes` 4 MiB, values decoded from base64 to bytes as an application
 * would).
 */
import { writeFileSync } from 'node:fs';
import { Session } from 'node:inspector/promises';
import { performance } from 'node:perf_hooks';
import { fileURLToPath } from 'node:url';
import { Eddy, type Producer, type ProducerOptions, type RequestHooks, type Transport } from '@eddy/sdk';
import { CpuMeter, forkChild, removeTempDir, tempDir, type Child } from '../lib/proc.js';
import { Deadline, Latencies, measurement, sendWindowed } from '../lib/stats.js';
import type { Workload } from '../lib/workload.js';
import type { HostStats } from './eddy-host.js';
import type { BenchSystem, RunResult } from './types.js';

const HOST_SCRIPT = fileURLToPath(new URL('./eddy-host.ts', import.meta.url));

/** Options of the Eddy system under test. */
export interface EddyBenchOptions {
  /** Add the simulated-AWS latency model in the host. */
  readonly simulateAws?: boolean;
  /** Disable the host's in-process long-poll wake-up (Lambda containers share no memory). */
  readonly crossContainer?: boolean;
  readonly seed?: number;
  /** Extra Node flags for the host process. */
  readonly hostExecArgv?: readonly string[];
  /** Where to write a CPU profile of the host over the measured runs (after the warm-up). */
  readonly profilePath?: string;
  /** Producer options. @default the SDK defaults */
  readonly producer?: ProducerOptions;
  /** Wraps the client's transport (the latency model's API Gateway hop). */
  readonly wrapTransport?: (inner: Transport) => Transport;
}

/** Sends per window: sends of 64 records, at most 256 of them unacknowledged (~22 MB on the wire). */
const SEND_SIZE = 64;
const SEND_WINDOW = 256;
const FETCH_MAX_BYTES = 4 * 1024 * 1024;

/** Per-request latency from the SDK's request hooks, split by route. */
export class RequestTimer {
  private readonly started = new WeakMap<object, number>();
  produce = new Latencies();
  fetch = new Latencies();

  readonly hooks: RequestHooks = {
    onRequest: (request) => {
      this.started.set(request, performance.now());
    },
    onResponse: (event) => {
      const t0 = this.started.get(event.request);
      if (t0 === undefined) return;
      const ms = performance.now() - t0;
      if (event.request.method === 'POST' && event.request.path.endsWith('/records')) this.produce.add(ms);
      else if (event.request.method === 'GET' && event.request.path.endsWith('/records')) this.fetch.add(ms);
    },
  };

  reset(): void {
    this.produce = new Latencies();
    this.fetch = new Latencies();
  }
}

export class EddySystem implements BenchSystem {
  readonly name = 'eddy';
  readonly label = 'Eddy local host (SDK producer; getRecords)';
  host: Child | undefined;
  url = '';
  client: Eddy | undefined;
  readonly timer = new RequestTimer();
  private dataDir = '';

  constructor(private readonly options: EddyBenchOptions = {}) {}

  async unavailable(): Promise<string | undefined> {
    return undefined;
  }

  async start(): Promise<void> {
    this.dataDir = tempDir('eddy');
    const { child, ready } = await forkChild<{ url: string }>(
      HOST_SCRIPT,
      [JSON.stringify({ dataDir: this.dataDir, simulateAws: this.options.simulateAws ?? false, seed: this.options.seed ?? 1, crossContainer: this.options.crossContainer ?? false })],
      this.options.hostExecArgv ?? [],
    );
    this.host = child;
    this.url = ready.url;
    const wrap = this.options.wrapTransport;
    if (wrap) {
      const { HttpTransport } = await import('@eddy/sdk');
      this.client = new Eddy({ transport: wrap(new HttpTransport({ endpoint: this.url, signing: 'never' })), hooks: this.timer.hooks });
    } else {
      this.client = new Eddy({ endpoint: this.url, hooks: this.timer.hooks });
    }
  }

  private clientProfiler: Session | undefined;

  /** With `profilePath`: starts CPU profiles of the host and of this process (the SDK side); false without. */
  async startProfile(): Promise<boolean> {
    if (!this.options.profilePath) return false;
    await this.host!.call('profileStart');
    this.clientProfiler = new Session();
    this.clientProfiler.connect();
    await this.clientProfiler.post('Profiler.enable');
    await this.clientProfiler.post('Profiler.setSamplingInterval', { interval: 500 });
    await this.clientProfiler.post('Profiler.start');
    return true;
  }

  /** Writes the profiles: `profilePath` (host) and `profilePath` + `.client.cpuprofile`. */
  async stopProfile(): Promise<void> {
    if (!this.options.profilePath) return;
    await this.host!.call('profileStop', this.options.profilePath);
    if (this.clientProfiler) {
      const { profile } = await this.clientProfiler.post('Profiler.stop');
      writeFileSync(`${this.options.profilePath}.client.cpuprofile`, JSON.stringify(profile));
      this.clientProfiler.disconnect();
      this.clientProfiler = undefined;
    }
  }

  /** Host-side counters (AWS requests, units, invocations). */
  stats(): Promise<HostStats> {
    return this.host!.call<HostStats>('stats');
  }

  resetStats(): Promise<void> {
    return this.host!.call('reset');
  }

  /** Produces the workload with the SDK producer (a new one unless given), then disconnects it. */
  async produce(w: Workload, topic: string, deadline: Deadline, producer: Producer = this.client!.producer(this.options.producer)): Promise<void> {
    try {
      await sendWindowed(w.records, SEND_SIZE, SEND_WINDOW, deadline, (start, end) => {
        const messages = [];
        for (let i = start; i < end; i++) messages.push({ key: w.keyBytes(i), value: w.value(i) });
        return producer.send({ topic, messages });
      });
    } finally {
      await producer.disconnect();
    }
  }

  /** Reads every partition from offset 0 to its end; returns records and payload bytes read. */
  async consume(w: Workload, topic: string, deadline: Deadline): Promise<{ records: number; bytes: number }> {
    let records = 0;
    let bytes = 0;
    await Promise.all(
      Array.from({ length: w.partitions }, async (_, partition) => {
        const expected = w.perPartition[partition]!;
        let offset = 0;
        for (let i = 0; i < expected + 10 && offset < expected; i++) {
          deadline.check();
          // As bytes, as the peers' consumers get them (NATS Uint8Arrays, Redis Buffers): with the binary
          // format they are views into the answer, with no base64 round trip.
          const out = await this.client!.getRecords({ topic, partition, offset, maxBytes: FETCH_MAX_BYTES, maxRecords: 10_000, encoding: 'bytes' });
          for (const r of out.records) bytes += (r.value?.length ?? 0) + (r.key?.length ?? 0);
          records += out.records.length;
          if (out.nextOffset === offset) throw new Error(`eddy: no progress at ${topic}/${partition}@${offset}`);
          offset = out.nextOffset;
        }
        if (offset !== expected) throw new Error(`eddy: read ${offset} of ${expected} records of ${topic}/${partition}`);
      }),
    );
    return { records, bytes };
  }

  async run(w: Workload, run: string): Promise<RunResult> {
    const topic = `bench-${run}`;
    await this.client!.createTopic({ name: topic, partitions: w.partitions });
    await this.resetStats();
    this.timer.reset();
    const deadline = new Deadline(`eddy produce ${run}`, 300_000);
    const cpu = new CpuMeter(this.host!.child.pid);
    let c0 = cpu.mark();
    let t0 = performance.now();
    await this.produce(w, topic, deadline);
    const produceS = (performance.now() - t0) / 1000;
    const produceCpu = cpu.since(c0);
    const produced = await this.stats();
    const produceLat = this.timer.produce;
    await this.resetStats();

    c0 = cpu.mark();
    t0 = performance.now();
    const read = await this.consume(w, topic, new Deadline(`eddy consume ${run}`, 300_000));
    const consumeS = (performance.now() - t0) / 1000;
    const consumeCpu = cpu.since(c0);
    const consumed = await this.stats();
    if (read.records !== w.records || read.bytes !== w.totalBytes) throw new Error(`eddy: consumed ${read.records} records / ${read.bytes} bytes, expected ${w.records} / ${w.totalBytes}`);
    const produceRequests = produceLat.count;
    const puts = produced.meter.requests['s3:PutObject'] ?? 0;
    return {
      produce: measurement(w.records, w.totalBytes, produceS, produceLat, `POST …/records of ~${Math.round(w.records / Math.max(1, produceRequests))} records`, produceCpu),
      consume: measurement(read.records, read.bytes, consumeS, this.timer.fetch, `GET …/records, maxBytes 4 MiB`, consumeCpu),
      facts: {
        produceRequests,
        s3PutsPerProduce: puts / Math.max(1, produceRequests),
        s3PutMB: produced.meter.s3PutBytes / 1e6,
        dynamoPerProduce: Object.entries(produced.meter.requests)
          .filter(([k]) => k.startsWith('dynamodb:'))
          .reduce((n, [, v]) => n + v, 0) / Math.max(1, produceRequests),
        fetchRequests: this.timer.fetch.count,
        s3GetsPerFetch: (consumed.meter.requests['s3:GetObject'] ?? 0) / Math.max(1, this.timer.fetch.count),
      },
    };
  }

  async stop(): Promise<void> {
    this.client?.close();
    await this.host?.close();
    if (this.dataDir) removeTempDir(this.dataDir);
  }
}
