/**
 * Redis Streams with AOF: Debian's `redis-server --appendonly yes`
 * (appendfsync everysec, the default), started on a free loopback port with
 * a temporary directory. One stream key per partition (`bench:<run>:<n>`),
 * fields `k` and `v`. Produce: `XADD` pipelined with ioredis, 512 commands
 * per pipeline (one request), up to 8 pipelines in flight. Consume: `XRANGE`
 * of up to 4,096 entries per request (exclusive start after the last id),
 * 4 streams in parallel, as Buffers.
 *
 * The `ioredis` client is loaded at run time (see nats.ts).
 */
import { performance } from 'node:perf_hooks';
import { CpuMeter, freePort, removeTempDir, startProcess, tempDir, waitForPort, which, type Started } from '../lib/proc.js';
import { Deadline, Latencies, measurement, sendWindowed } from '../lib/stats.js';
import type { Workload } from '../lib/workload.js';
import type { BenchSystem, RunResult } from './types.js';

interface Pipeline {
  xadd(key: string, id: string, ...fieldsAndValues: Array<string | Buffer>): Pipeline;
  exec(): Promise<Array<[Error | null, unknown]> | null>;
}
type XEntry = [Buffer, Buffer[]];
interface RedisClient {
  pipeline(): Pipeline;
  xrangeBuffer(key: string, start: string, end: string, count: 'COUNT', n: number): Promise<XEntry[]>;
  flushall(): Promise<unknown>;
  quit(): Promise<unknown>;
  disconnect(): void;
}
type RedisCtor = new (opts: { host: string; port: number; maxRetriesPerRequest?: number; enableAutoPipelining?: boolean }) => RedisClient;

const PIPELINE = 512;
const PIPELINES_IN_FLIGHT = 8;
const XRANGE_COUNT = 4096;

export class RedisSystem implements BenchSystem {
  readonly name = 'redis';
  readonly label = 'Redis Streams, AOF everysec (ioredis pipelined XADD; XRANGE)';
  private Redis: RedisCtor | undefined;
  private server: Started | undefined;
  private client: RedisClient | undefined;
  private dir = '';

  async unavailable(): Promise<string | undefined> {
    if (!which('redis-server')) return 'redis-server not found (apt-get install -y redis-server)';
    try {
      const spec = 'ioredis';
      const mod = (await import(spec)) as { default: RedisCtor };
      this.Redis = mod.default;
    } catch {
      return 'the ioredis client is not installed (run npm ci at the repository root: it is a dependency of the bench workspace)';
    }
    return undefined;
  }

  async start(): Promise<void> {
    this.dir = tempDir('redis');
    const port = await freePort();
    this.server = startProcess(which('redis-server')!, [
      '--port', String(port),
      '--bind', '127.0.0.1',
      '--dir', this.dir,
      '--appendonly', 'yes',
      '--appendfsync', 'everysec',
      '--save', '',
      '--protected-mode', 'no',
      '--daemonize', 'no',
    ]);
    await waitForPort(port, 15_000, this.server.child);
    this.client = new this.Redis!({ host: '127.0.0.1', port, maxRetriesPerRequest: 1 });
  }

  async run(w: Workload, run: string): Promise<RunResult> {
    const redis = this.client!;
    const key = (p: number): string => `bench:${run}:${p}`;

    const produceLat = new Latencies();
    const deadline = new Deadline(`redis produce ${run}`, 300_000);
    const cpu = new CpuMeter(this.server!.child.pid);
    let c0 = cpu.mark();
    let t0 = performance.now();
    await sendWindowed(w.records, PIPELINE, PIPELINES_IN_FLIGHT, deadline, async (start, end) => {
      const pipe = redis.pipeline();
      for (let i = start; i < end; i++) pipe.xadd(key(w.partition(i)), '*', 'k', w.keyBytes(i), 'v', w.value(i));
      const sent = performance.now();
      const results = await pipe.exec();
      produceLat.add(performance.now() - sent);
      const bad = results?.find(([err]) => err);
      if (bad) throw bad[0];
    });
    const produceS = (performance.now() - t0) / 1000;
    const produceCpu = cpu.since(c0);

    const consumeLat = new Latencies();
    const readDeadline = new Deadline(`redis consume ${run}`, 300_000);
    let records = 0;
    let bytes = 0;
    c0 = cpu.mark();
    t0 = performance.now();
    await Promise.all(
      Array.from({ length: w.partitions }, async (_, p) => {
        const expected = w.perPartition[p]!;
        let got = 0;
        let from = '-';
        for (let round = 0; round < expected + 10 && got < expected; round++) {
          readDeadline.check();
          const entries = await consumeLat.time(() => redis.xrangeBuffer(key(p), from, '+', 'COUNT', XRANGE_COUNT));
          if (entries.length === 0) break;
          for (const [, fields] of entries) for (let f = 1; f < fields.length; f += 2) bytes += fields[f]!.length;
          got += entries.length;
          from = `(${entries[entries.length - 1]![0].toString()}`;
        }
        records += got;
        if (got !== expected) throw new Error(`redis: read ${got} of ${expected} records of ${key(p)}`);
      }),
    );
    const consumeS = (performance.now() - t0) / 1000;
    const consumeCpu = cpu.since(c0);
    if (bytes !== w.totalBytes) throw new Error(`redis: consumed ${bytes} bytes, expected ${w.totalBytes}`);
    await redis.flushall();
    return {
      produce: measurement(w.records, w.totalBytes, produceS, produceLat, `pipeline of ${PIPELINE} XADD (${PIPELINES_IN_FLIGHT} in flight)`, produceCpu),
      consume: measurement(records, bytes, consumeS, consumeLat, `XRANGE COUNT ${XRANGE_COUNT}`, consumeCpu),
    };
  }

  async stop(): Promise<void> {
    if (this.client) await this.client.quit().catch(() => this.client?.disconnect());
    await this.server?.stop();
    if (this.dir) removeTempDir(this.dir);
  }
}
