/**
 * NATS JetStream with file storage: Debian's `nats-server -js`, started on a
 * free loopback port with a temporary store directory. One stream per run;
 * a record's subject is `bench.<run>.p<partition>.<key>` (keys in subjects,
 * the NATS way; cheaper for the client than a header).
 * Produce: async `js.publish` with up to 2,048 unacknowledged publishes
 * (each publish is one request and waits for its PubAck). Consume: one
 * ordered pull consumer per partition, `fetch` of up to 4,096 messages (~4 MiB)
 * per request, 4 partitions in parallel.
 *
 * The `nats` client is loaded at run time, so a checkout without it still
 * typechecks and the benchmark prints why it skips.
 */
import { performance } from 'node:perf_hooks';
import { CpuMeter, freePort, removeTempDir, startProcess, tempDir, waitForPort, which, type Started } from '../lib/proc.js';
import { Deadline, Latencies, measurement, sendWindowed } from '../lib/stats.js';
import type { Workload } from '../lib/workload.js';
import type { BenchSystem, RunResult } from './types.js';

interface JsMsg {
  readonly data: Uint8Array;
  readonly subject: string;
}
interface NatsConsumer {
  fetch(opts: { max_messages?: number; max_bytes?: number; expires?: number }): Promise<AsyncIterable<JsMsg>>;
  delete(): Promise<boolean>;
}
interface JetStreamClient {
  publish(subject: string, data: Uint8Array): Promise<{ seq: number }>;
  readonly consumers: { get(stream: string, opts: Record<string, unknown>): Promise<NatsConsumer> };
}
interface NatsConnection {
  jetstream(): JetStreamClient;
  jetstreamManager(): Promise<{ streams: { add(cfg: Record<string, unknown>): Promise<unknown>; delete(name: string): Promise<boolean> } }>;
  close(): Promise<void>;
}
interface NatsModule {
  connect(opts: { servers: string; maxReconnectAttempts?: number }): Promise<NatsConnection>;
  readonly StorageType: { readonly File: string };
}

const PUBLISH_WINDOW = 2048;
const FETCH_MESSAGES = 4096;

export class NatsSystem implements BenchSystem {
  readonly name = 'nats';
  readonly label = 'NATS JetStream, file storage (nats.js async publish; ordered pull consumers)';
  private nats: NatsModule | undefined;
  private server: Started | undefined;
  private nc: NatsConnection | undefined;
  private dir = '';

  async unavailable(): Promise<string | undefined> {
    if (!which('nats-server')) return 'nats-server not found (apt-get install -y nats-server)';
    try {
      const spec = 'nats';
      this.nats = (await import(spec)) as NatsModule;
    } catch {
      return 'the nats client is not installed (run npm ci at the repository root: it is a dependency of the bench workspace)';
    }
    return undefined;
  }

  async start(): Promise<void> {
    this.dir = tempDir('nats');
    const port = await freePort();
    this.server = startProcess(which('nats-server')!, ['-js', '-a', '127.0.0.1', '-p', String(port), '-sd', this.dir]);
    await waitForPort(port, 15_000, this.server.child);
    this.nc = await this.nats!.connect({ servers: `127.0.0.1:${port}`, maxReconnectAttempts: 0 });
  }

  async run(w: Workload, run: string): Promise<RunResult> {
    const nats = this.nats!;
    const nc = this.nc!;
    const stream = `BENCH_${run.replace(/[^A-Za-z0-9_-]/g, '_')}`;
    const subject = (p: number): string => `bench.${run}.p${p}`;
    const jsm = await nc.jetstreamManager();
    await jsm.streams.add({ name: stream, subjects: [`bench.${run}.>`], storage: nats.StorageType.File });
    const js = nc.jetstream();

    const produceLat = new Latencies();
    const deadline = new Deadline(`nats produce ${run}`, 300_000);
    const cpu = new CpuMeter(this.server!.child.pid);
    let c0 = cpu.mark();
    let t0 = performance.now();
    await sendWindowed(w.records, 1, PUBLISH_WINDOW, deadline, async (i) => {
      const sent = performance.now();
      await js.publish(`${subject(w.partition(i))}.${w.key(i)}`, w.value(i));
      produceLat.add(performance.now() - sent);
    });
    const produceS = (performance.now() - t0) / 1000;
    const produceCpu = cpu.since(c0);

    const consumeLat = new Latencies();
    const readDeadline = new Deadline(`nats consume ${run}`, 300_000);
    let records = 0;
    let bytes = 0;
    c0 = cpu.mark();
    t0 = performance.now();
    await Promise.all(
      Array.from({ length: w.partitions }, async (_, p) => {
        const consumer = await js.consumers.get(stream, { filterSubjects: `${subject(p)}.*` });
        const expected = w.perPartition[p]!;
        let got = 0;
        for (let round = 0; round < expected + 10 && got < expected; round++) {
          readDeadline.check();
          const started = performance.now();
          // Never ask for more than is left: a fetch waits for its count until it expires.
          const batch = await consumer.fetch({ max_messages: Math.min(FETCH_MESSAGES, expected - got), expires: 5000 });
          let n = 0;
          for await (const m of batch) {
            bytes += m.data.length + m.subject.length - m.subject.lastIndexOf('.') - 1;
            n++;
          }
          consumeLat.add(performance.now() - started);
          got += n;
        }
        records += got;
        if (got !== expected) throw new Error(`nats: read ${got} of ${expected} records of ${subject(p)}`);
      }),
    );
    const consumeS = (performance.now() - t0) / 1000;
    const consumeCpu = cpu.since(c0);
    if (bytes !== w.totalBytes) throw new Error(`nats: consumed ${bytes} bytes, expected ${w.totalBytes}`);
    await jsm.streams.delete(stream);
    return {
      produce: measurement(w.records, w.totalBytes, produceS, produceLat, `js.publish of 1 record (${PUBLISH_WINDOW} in flight)`, produceCpu),
      consume: measurement(records, bytes, consumeS, consumeLat, `fetch of up to ${FETCH_MESSAGES} records`, consumeCpu),
    };
  }

  async stop(): Promise<void> {
    await this.nc?.close().catch(() => undefined);
    await this.server?.stop();
    if (this.dir) removeTempDir(this.dir);
  }
}
