/**
 * The ceiling: what Eddy's own storage and transport allow on this machine.
 * The raw stand-ins run in a child process exactly as the local host starts
 * them (`startStandins`), driven from this process with the same AWS SDK
 * clients the adapters use (`createAwsClients`):
 * - s3rver: 1 MiB PUTs and 1 MiB GETs, 4 in flight (Eddy has at most one
 *   produce request in flight per partition, 4 partitions);
 * - dynalite: conditional PutItems of index-entry-shaped items
 *   (`attribute_not_exists`), 4 in flight;
 * - dynalite: read-then-conditional-write pairs, the append step of the
 *   produce protocol (consistent Query of the head, then PutItem at
 *   head + 1), on 4 partitions in parallel;
 * - loopback HTTP: a trivial Node server answering 1 MiB POSTs sent with
 *   `fetch` (the SDK's transport), 4 in flight.
 */
import { randomBytes } from 'node:crypto';
import { performance } from 'node:perf_hooks';
import { fileURLToPath } from 'node:url';
import { PutItemCommand, QueryCommand } from '@aws-sdk/client-dynamodb';
import { GetObjectCommand, PutObjectCommand } from '@aws-sdk/client-s3';
import { createAwsClients, type AwsClients } from '../../core/adapters/aws/clients.js';
import type { Settings } from '../../core/config.js';
import { CpuMeter, forkChild, removeTempDir, tempDir, type Child } from '../lib/proc.js';
import { Deadline, Latencies, pool } from '../lib/stats.js';

const HOST_SCRIPT = fileURLToPath(new URL('./ceiling-host.ts', import.meta.url));
const MIB = 1024 * 1024;
const IN_FLIGHT = 4;

/** One ceiling measurement. */
export interface CeilingRow {
  readonly name: string;
  readonly unit: string;
  readonly opsPerS: number;
  /** MB/s moved, when the operation moves bodies. */
  readonly mbPerS?: number;
  readonly p50: number;
  readonly p99: number;
  /** CPU ms the stand-ins' process spent per operation. */
  readonly serverCpuMsPerOp: number;
}

/** How many operations of each kind. */
export interface CeilingSizes {
  readonly s3Objects: number;
  readonly dynamoPuts: number;
  readonly pairsPerPartition: number;
  readonly httpPosts: number;
}

async function timed(n: number, limit: number, what: string, op: (i: number) => Promise<void>): Promise<{ seconds: number; lat: Latencies }> {
  const lat = new Latencies();
  const deadline = new Deadline(what, 180_000);
  const t0 = performance.now();
  await pool(
    Array.from({ length: n }, (_, i) => i),
    limit,
    async (i) => {
      deadline.check();
      await lat.time(() => op(i));
    },
  );
  return { seconds: (performance.now() - t0) / 1000, lat };
}

export class Ceiling {
  private host: Child | undefined;
  private clients: AwsClients | undefined;
  private settings: Settings | undefined;
  private httpUrl = '';
  private dir = '';

  async start(): Promise<void> {
    this.dir = tempDir('ceiling');
    const { child, ready } = await forkChild<{ settings: Settings; httpUrl: string }>(HOST_SCRIPT, [this.dir]);
    this.host = child;
    this.settings = ready.settings;
    this.httpUrl = ready.httpUrl;
    // The local host's client configuration (local/standins.ts), unsigned S3 payloads included.
    this.clients = createAwsClients(ready.settings, { region: 'us-east-1', credentials: { accessKeyId: 'S3RVER', secretAccessKey: 'S3RVER' }, unsignedPayload: true });
  }

  async run(sizes: CeilingSizes, tag: string): Promise<CeilingRow[]> {
    const { s3, dynamodb } = this.clients!;
    const settings = this.settings!;
    const rows: CeilingRow[] = [];
    const body = new Uint8Array(randomBytes(MIB));
    const cpu = new CpuMeter(this.host!.child.pid);
    let mark = cpu.mark();
    const perOp = (n: number): number => {
      const used = cpu.since(mark).server / n;
      mark = cpu.mark();
      return used;
    };

    const put = await timed(sizes.s3Objects, IN_FLIGHT, 'ceiling s3 put', async (i) => {
      await s3.send(new PutObjectCommand({ Bucket: settings.bucket, Key: `ceiling/${tag}/${i}`, Body: body, ContentLength: body.length }));
    });
    rows.push({ name: 's3rver PUT 1 MiB', unit: 'PUT', opsPerS: sizes.s3Objects / put.seconds, mbPerS: (sizes.s3Objects * MIB) / 1e6 / put.seconds, p50: put.lat.p(50), p99: put.lat.p(99), serverCpuMsPerOp: perOp(sizes.s3Objects) });

    mark = cpu.mark();
    const get = await timed(sizes.s3Objects, IN_FLIGHT, 'ceiling s3 get', async (i) => {
      const out = await s3.send(new GetObjectCommand({ Bucket: settings.bucket, Key: `ceiling/${tag}/${i}` }));
      const bytes = await out.Body!.transformToByteArray();
      if (bytes.length !== MIB) throw new Error(`s3rver returned ${bytes.length} bytes`);
    });
    rows.push({ name: 's3rver GET 1 MiB', unit: 'GET', opsPerS: sizes.s3Objects / get.seconds, mbPerS: (sizes.s3Objects * MIB) / 1e6 / get.seconds, p50: get.lat.p(50), p99: get.lat.p(99), serverCpuMsPerOp: perOp(sizes.s3Objects) });

    // An index-entry-shaped item (~150 bytes, as core writes them).
    const item = (pk: string, sk: number) => ({
      pk: { S: pk },
      sk: { S: String(sk).padStart(20, '0') },
      l: { N: String(sk + 760) },
      o: { S: `ingest/${tag}/0123456789abcdef0123456789abcdef.eddy` },
      c: { S: `0.12.800000.760.${Date.now()}` },
      b: { N: '800000' },
      t: { N: String(Date.now()) },
      a: { N: String(Date.now()) },
    });
    mark = cpu.mark();
    const cput = await timed(sizes.dynamoPuts, IN_FLIGHT, 'ceiling dynamodb put', async (i) => {
      await dynamodb.send(new PutItemCommand({ TableName: settings.logTable, Item: item(`ceiling-${tag}-puts#${String(i % 64).padStart(5, '0')}`, i), ConditionExpression: 'attribute_not_exists(pk)' }));
    });
    rows.push({ name: 'dynalite conditional PutItem', unit: 'put', opsPerS: sizes.dynamoPuts / cput.seconds, p50: cput.lat.p(50), p99: cput.lat.p(99), serverCpuMsPerOp: perOp(sizes.dynamoPuts) });

    // The append step: consistent read of the head, then a conditional put after it.
    mark = cpu.mark();
    const pairLat = new Latencies();
    const deadline = new Deadline('ceiling dynamodb pairs', 180_000);
    const t0 = performance.now();
    await Promise.all(
      Array.from({ length: IN_FLIGHT }, async (_, p) => {
        const pk = `ceiling-${tag}-pairs#${String(p).padStart(5, '0')}`;
        for (let i = 0; i < sizes.pairsPerPartition; i++) {
          deadline.check();
          await pairLat.time(async () => {
            const head = await dynamodb.send(
              new QueryCommand({
                TableName: settings.logTable,
                KeyConditionExpression: 'pk = :pk',
                ExpressionAttributeValues: { ':pk': { S: pk } },
                ScanIndexForward: false,
                Limit: 1,
                ConsistentRead: true,
              }),
            );
            const next = head.Items?.[0] ? Number(head.Items[0].sk!.S) + 1 : 0;
            await dynamodb.send(new PutItemCommand({ TableName: settings.logTable, Item: item(pk, next), ConditionExpression: 'attribute_not_exists(pk)' }));
          });
        }
      }),
    );
    const pairS = (performance.now() - t0) / 1000;
    rows.push({ name: 'dynalite Query + conditional PutItem', unit: 'pair', opsPerS: (sizes.pairsPerPartition * IN_FLIGHT) / pairS, p50: pairLat.p(50), p99: pairLat.p(99), serverCpuMsPerOp: perOp(sizes.pairsPerPartition * IN_FLIGHT) });

    mark = cpu.mark();
    const post = await timed(sizes.httpPosts, IN_FLIGHT, 'ceiling http', async () => {
      const res = await fetch(this.httpUrl, { method: 'POST', body, headers: { 'content-type': 'application/octet-stream' } });
      await res.text();
    });
    rows.push({
      name: 'loopback HTTP POST 1 MiB (node http)',
      unit: 'POST',
      opsPerS: sizes.httpPosts / post.seconds,
      mbPerS: (sizes.httpPosts * MIB) / 1e6 / post.seconds,
      p50: post.lat.p(50),
      p99: post.lat.p(99),
      serverCpuMsPerOp: perOp(sizes.httpPosts),
    });
    return rows;
  }

  async stop(): Promise<void> {
    this.clients?.s3.destroy();
    this.clients?.dynamodb.destroy();
    await this.host?.close();
    if (this.dir) removeTempDir(this.dir);
  }
}
