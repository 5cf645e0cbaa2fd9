/**
 * kinesalite (the Kinesis API on LevelDB, no throughput limits) in a child
 * process, driven by `@aws-sdk/client-kinesis` over an HTTP/1.1 request
 * handler (the client's default HTTP/2 handler cannot talk to kinesalite).
 * One stream of 4 shards per run; Kinesis hashes the partition key (the
 * record key) to a shard itself. Produce: `PutRecords` of 500 records (the
 * API maximum), 4 in flight. Consume: per shard, `GetShardIterator`
 * TRIM_HORIZON then `GetRecords` of up to 4,096 records, 4 shards in
 * parallel.
 *
 * The Kinesis client and kinesalite are loaded at run time (see nats.ts).
 */
import { Agent } from 'node:http';
import { performance } from 'node:perf_hooks';
import { fileURLToPath } from 'node:url';
import { CpuMeter, forkChild, removeTempDir, tempDir, type Child } from '../lib/proc.js';
import { Deadline, Latencies, measurement, pool, sleep } from '../lib/stats.js';
import type { Workload } from '../lib/workload.js';
import type { BenchSystem, RunResult } from './types.js';

type Command = new (input: Record<string, unknown>) => unknown;
interface KinesisModule {
  readonly KinesisClient: new (config: Record<string, unknown>) => { send(command: unknown): Promise<unknown>; destroy(): void };
  readonly CreateStreamCommand: Command;
  readonly DescribeStreamSummaryCommand: Command;
  readonly DeleteStreamCommand: Command;
  readonly PutRecordsCommand: Command;
  readonly ListShardsCommand: Command;
  readonly GetShardIteratorCommand: Command;
  readonly GetRecordsCommand: Command;
}
interface GetRecordsOutput {
  readonly Records?: ReadonlyArray<{ readonly Data?: Uint8Array; readonly PartitionKey?: string }>;
  readonly NextShardIterator?: string;
  readonly MillisBehindLatest?: number;
}

const HOST_SCRIPT = fileURLToPath(new URL('./kinesalite-host.ts', import.meta.url));
const PUT_RECORDS = 500;
const PUTS_IN_FLIGHT = 4;
const GET_LIMIT = 4096;

export class KinesaliteSystem implements BenchSystem {
  readonly name = 'kinesalite';
  readonly label = 'kinesalite on LevelDB (client-kinesis PutRecords; GetRecords)';
  private k: KinesisModule | undefined;
  private handler: unknown;
  private host: Child | undefined;
  private client: { send(command: unknown): Promise<unknown>; destroy(): void } | undefined;
  private dir = '';

  async unavailable(): Promise<string | undefined> {
    const missing: string[] = [];
    for (const spec of ['kinesalite', '@aws-sdk/client-kinesis']) {
      try {
        const mod = (await import(spec)) as unknown;
        if (spec === '@aws-sdk/client-kinesis') this.k = mod as KinesisModule;
      } catch {
        missing.push(spec);
      }
    }
    if (missing.length) return `${missing.join(' and ')} not installed (run npm ci at the repository root: they are dependencies of the bench workspace)`;
    const spec = '@smithy/node-http-handler';
    const { NodeHttpHandler } = (await import(spec)) as { NodeHttpHandler: new (o: Record<string, unknown>) => unknown };
    this.handler = new NodeHttpHandler({ httpAgent: new Agent({ keepAlive: true, maxSockets: 32 }), requestTimeout: 60_000 });
    return undefined;
  }

  async start(): Promise<void> {
    this.dir = tempDir('kinesalite');
    const { child, ready } = await forkChild<{ endpoint: string }>(HOST_SCRIPT, [this.dir]);
    this.host = child;
    this.client = new this.k!.KinesisClient({
      endpoint: ready.endpoint,
      region: 'us-east-1',
      credentials: { accessKeyId: 'bench', secretAccessKey: 'bench' },
      requestHandler: this.handler,
      maxAttempts: 1,
    });
  }

  async run(w: Workload, run: string): Promise<RunResult> {
    const k = this.k!;
    const kinesis = this.client!;
    const StreamName = `bench-${run}`;
    await kinesis.send(new k.CreateStreamCommand({ StreamName, ShardCount: w.partitions }));
    for (let i = 0; i < 100; i++) {
      const d = (await kinesis.send(new k.DescribeStreamSummaryCommand({ StreamName }))) as { StreamDescriptionSummary?: { StreamStatus?: string } };
      if (d.StreamDescriptionSummary?.StreamStatus === 'ACTIVE') break;
      await sleep(50);
    }

    const produceLat = new Latencies();
    const deadline = new Deadline(`kinesalite produce ${run}`, 300_000);
    const batches: number[] = [];
    for (let start = 0; start < w.records; start += PUT_RECORDS) batches.push(start);
    const cpu = new CpuMeter(this.host!.child.pid);
    let c0 = cpu.mark();
    let t0 = performance.now();
    await pool(batches, PUTS_IN_FLIGHT, async (start) => {
      deadline.check();
      const Records: Array<{ Data: Uint8Array; PartitionKey: string }> = [];
      for (let i = start; i < Math.min(w.records, start + PUT_RECORDS); i++) Records.push({ Data: w.value(i), PartitionKey: w.key(i) });
      const out = (await produceLat.time(() => kinesis.send(new k.PutRecordsCommand({ StreamName, Records })))) as { FailedRecordCount?: number };
      if (out.FailedRecordCount) throw new Error(`kinesalite: ${out.FailedRecordCount} records failed`);
    });
    const produceS = (performance.now() - t0) / 1000;
    const produceCpu = cpu.since(c0);

    const consumeLat = new Latencies();
    const readDeadline = new Deadline(`kinesalite consume ${run}`, 300_000);
    const shards = ((await kinesis.send(new k.ListShardsCommand({ StreamName }))) as { Shards?: Array<{ ShardId?: string }> }).Shards ?? [];
    let records = 0;
    let bytes = 0;
    c0 = cpu.mark();
    t0 = performance.now();
    await Promise.all(
      shards.map(async ({ ShardId }) => {
        let iterator = ((await kinesis.send(new k.GetShardIteratorCommand({ StreamName, ShardId, ShardIteratorType: 'TRIM_HORIZON' }))) as { ShardIterator?: string }).ShardIterator;
        for (let round = 0; round < w.records + 10 && iterator; round++) {
          readDeadline.check();
          const out = (await consumeLat.time(() => kinesis.send(new k.GetRecordsCommand({ ShardIterator: iterator, Limit: GET_LIMIT })))) as GetRecordsOutput;
          const got = out.Records ?? [];
          for (const r of got) bytes += (r.Data?.length ?? 0) + Buffer.byteLength(r.PartitionKey ?? '');
          records += got.length;
          iterator = out.NextShardIterator;
          if (got.length === 0 && (out.MillisBehindLatest ?? 0) === 0) break;
        }
      }),
    );
    const consumeS = (performance.now() - t0) / 1000;
    const consumeCpu = cpu.since(c0);
    if (records !== w.records || bytes !== w.totalBytes) throw new Error(`kinesalite: consumed ${records} records / ${bytes} bytes, expected ${w.records} / ${w.totalBytes}`);
    await kinesis.send(new k.DeleteStreamCommand({ StreamName })).catch(() => undefined);
    return {
      produce: measurement(w.records, w.totalBytes, produceS, produceLat, `PutRecords of ${PUT_RECORDS} (${PUTS_IN_FLIGHT} in flight)`, produceCpu),
      consume: measurement(records, bytes, consumeS, consumeLat, `GetRecords Limit ${GET_LIMIT}`, consumeCpu),
    };
  }

  async stop(): Promise<void> {
    this.client?.destroy();
    await this.host?.close();
    if (this.dir) removeTempDir(this.dir);
  }
}
