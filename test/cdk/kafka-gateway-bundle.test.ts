/**
 * The Kafka gateway as the container image runs it: the esbuild bundle that
 * `cdk/kafka-gateway/Dockerfile` builds (same script, `bundle.mjs`), started
 * with `node` and the environment the task definition gives it, against a
 * local host's stand-ins through recording proxies. kafkajs drives every API
 * family (admin, idempotent produce, group consume and commit, offsets by
 * time, group listing and deletion); the local host's HTTP API reads the
 * records back. Every DynamoDB and S3 call the gateway made must be allowed by
 * the task role's permissions (`KAFKA_GATEWAY_PERMISSIONS`), and every
 * permission granted must have been used, but one named below.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { createServer, request, type Server } from 'node:http';
import { createServer as createTcpServer } from 'node:net';
import { join } from 'node:path';
import { pathToFileURL, fileURLToPath } from 'node:url';
import { Kafka, logLevel } from 'kafkajs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { KAFKA_GATEWAY_PERMISSIONS } from '../../cdk/lib/kafka-gateway.js';
import { ENV } from '../../core/config.js';
import { OBJECT_PREFIXES } from '../../core/schema.js';
import { STANDIN_CREDENTIALS, STANDIN_REGION } from '../../local/standins.js';
import { call, testHost, unique } from '../helpers/host.js';
import { tempDir } from '../helpers/standins.js';

type Host = Awaited<ReturnType<typeof testHost>>;

const BUNDLER = fileURLToPath(new URL('../../cdk/kafka-gateway/bundle.mjs', import.meta.url));

/** One storage call, as IAM sees it: action and the resource it names (table key or object prefix). */
const calls = new Set<string>();

/** A proxy that records each request and forwards it unchanged (SigV4 signatures stay valid: same host header, path and body). */
async function recordingProxy(target: string, record: (method: string, url: string, headers: Record<string, string | string[] | undefined>, body: Buffer) => void): Promise<{ url: string; server: Server }> {
  const to = new URL(target);
  const server = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      const body = Buffer.concat(chunks);
      record(req.method!, req.url!, req.headers, body);
      const out = request({ host: to.hostname, port: to.port, method: req.method, path: req.url, headers: req.headers }, (upstream) => {
        res.writeHead(upstream.statusCode!, upstream.headers);
        upstream.pipe(res);
      });
      out.on('error', (err) => {
        res.writeHead(502);
        res.end(String(err));
      });
      out.end(body);
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return { url: `http://127.0.0.1:${(server.address() as { port: number }).port}`, server };
}

function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const s = createTcpServer();
    s.once('error', reject);
    s.listen(0, '127.0.0.1', () => {
      const { port } = s.address() as { port: number };
      s.close(() => resolve(port));
    });
  });
}

let host: Host;
let gateway: ChildProcess;
let gatewayLog = '';
let broker: string;
const proxies: Server[] = [];
const tmp = tempDir('eddy-gateway-bundle-');

beforeAll(async () => {
  const { bundleGateway } = (await import(pathToFileURL(BUNDLER).href)) as { bundleGateway: (outfile: string) => Promise<void> };
  const bundle = join(tmp.dir, 'gateway.mjs');
  await bundleGateway(bundle);

  host = await testHost();
  const s = host.standins.settings;
  const tables: Record<string, string> = { [s.topicsTable]: 'topicsTable', [s.logTable]: 'logTable', [s.groupsTable]: 'groupsTable' };
  const dynamo = await recordingProxy(host.standins.dynamodbEndpoint, (_method, _url, headers, body) => {
    const op = String(headers['x-amz-target']).split('.')[1];
    const input = JSON.parse(body.toString('utf8')) as { TableName?: string; RequestItems?: Record<string, unknown> };
    for (const name of input.TableName ? [input.TableName] : Object.keys(input.RequestItems ?? {})) calls.add(`dynamodb:${op} ${tables[name] ?? `unknown table ${name}`}`);
  });
  const prefixes = Object.values(OBJECT_PREFIXES);
  const s3 = await recordingProxy(host.standins.s3Endpoint, (method, url) => {
    const u = new URL(url, 'http://x');
    const [, bucket, ...rest] = u.pathname.split('/');
    const key = decodeURIComponent(rest.join('/'));
    const prefix = prefixes.find((p) => key.startsWith(p)) ?? `unknown prefix of ${key}`;
    if (bucket !== s.bucket) calls.add(`s3 unknown bucket ${bucket}`);
    else if (key === '') calls.add(method === 'GET' && u.searchParams.has('list-type') ? 's3:ListBucket bucket' : `s3 ${method} bucket`);
    else if (method === 'PUT') calls.add(`s3:PutObject ${prefix}`);
    else if (method === 'GET' || method === 'HEAD') calls.add(`s3:GetObject ${prefix}`);
    else if (method === 'DELETE') calls.add(`s3:DeleteObject ${prefix}`);
    else calls.add(`s3 ${method} ${prefix}`);
  });
  proxies.push(dynamo.server, s3.server);

  const port = await freePort();
  broker = `127.0.0.1:${port}`;
  // The task definition's environment, with the stand-ins in place of AWS.
  const env: NodeJS.ProcessEnv = {
    PATH: process.env.PATH,
    AWS_REGION: STANDIN_REGION,
    AWS_ACCESS_KEY_ID: STANDIN_CREDENTIALS.accessKeyId,
    AWS_SECRET_ACCESS_KEY: STANDIN_CREDENTIALS.secretAccessKey,
    AWS_ENDPOINT_URL_DYNAMODB: dynamo.url,
    AWS_ENDPOINT_URL_S3: s3.url,
    [ENV.topicsTable]: s.topicsTable,
    [ENV.logTable]: s.logTable,
    [ENV.groupsTable]: s.groupsTable,
    [ENV.bucket]: s.bucket,
    [ENV.logLevel]: 'info',
    [ENV.kafkaPort]: String(port),
    EDDY_KAFKA_HOST: '127.0.0.1',
    [ENV.kafkaAdvertisedHost]: '127.0.0.1',
    [ENV.kafkaAdvertisedPort]: String(port),
    [ENV.kafkaAutoCreateTopics]: 'true',
  };
  gateway = spawn(process.execPath, [bundle], { env, stdio: ['ignore', 'pipe', 'pipe'] });
  gateway.stdout!.on('data', (b: Buffer) => (gatewayLog += b.toString()));
  await new Promise<void>((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`gateway did not start: ${gatewayLog}`)), 60_000);
    gateway.stderr!.on('data', (b: Buffer) => {
      gatewayLog += b.toString();
      if (gatewayLog.includes('Eddy Kafka gateway on')) {
        clearTimeout(timer);
        resolve();
      }
    });
    gateway.once('exit', (code) => reject(new Error(`gateway exited ${code}: ${gatewayLog}`)));
  });
}, 180_000);

afterAll(async () => {
  if (gateway && gateway.exitCode === null) {
    const exited = new Promise((r) => gateway.once('exit', r));
    gateway.kill('SIGTERM');
    await exited;
  }
  for (const p of proxies) await new Promise((r) => p.close(r));
  await host?.cleanup();
  tmp.remove();
}, 60_000);

describe('the gateway image\'s bundle', () => {
  it('serves every API family with kafkajs; the HTTP API reads what it wrote; every storage call is one the task role allows, and every grant is used', async () => {
    const kafka = new Kafka({ clientId: 'bundle-test', brokers: [broker], logLevel: logLevel.NOTHING });
    const topic = unique('bundle');
    const doomed = unique('bundle-del');
    const group = unique('bundle-g');
    const admin = kafka.admin();
    await admin.connect();
    expect(await admin.createTopics({ topics: [{ topic, numPartitions: 1 }, { topic: doomed }] })).toBe(true);
    await admin.createPartitions({ topicPartitions: [{ topic, count: 2 }] });
    expect(await admin.listTopics()).toEqual(expect.arrayContaining([topic, doomed]));

    const producer = kafka.producer({ idempotent: true, maxInFlightRequests: 1 });
    await producer.connect();
    const before = Date.now();
    await producer.send({ topic, acks: -1, messages: [0, 1, 2, 3].map((i) => ({ partition: i % 2, key: `k${i}`, value: `v${i}` })) });
    await producer.disconnect();

    const consumer = kafka.consumer({ groupId: group, maxWaitTimeInMs: 200 });
    const seen: string[] = [];
    await consumer.connect();
    await consumer.subscribe({ topic, fromBeginning: true });
    await consumer.run({ eachMessage: async ({ partition, message }) => void seen.push(`${partition}/${message.offset}=${String(message.value)}`) });
    const deadline = Date.now() + 30_000;
    while (seen.length < 4 && Date.now() < deadline) await new Promise((r) => setTimeout(r, 100));
    await consumer.disconnect();
    expect(seen.sort()).toEqual(['0/0=v0', '0/1=v2', '1/0=v1', '1/1=v3']);

    const committed = await admin.fetchOffsets({ groupId: group, topics: [topic] });
    expect(committed[0]!.partitions.map((p) => [p.partition, p.offset]).sort()).toEqual([
      [0, '2'],
      [1, '2'],
    ]);
    // By timestamp: the first record at or after `before` (reads the stored chunk).
    const byTime = await admin.fetchTopicOffsetsByTimestamp(topic, before - 1);
    expect(byTime.map((p) => [p.partition, p.offset]).sort()).toEqual([
      [0, '0'],
      [1, '0'],
    ]);
    expect((await admin.listGroups()).groups.map((g) => g.groupId)).toContain(group);
    await admin.deleteGroups([group]);
    await admin.deleteTopics({ topics: [doomed] });
    await admin.disconnect();

    const res = await call(host.url, 'GET', `/v1/topics/${topic}/partitions/1/records?offset=0&encoding=utf8`);
    expect(res.status).toBe(200);
    expect((res.body.records as Array<{ offset: number; value: string }>).map((r) => [r.offset, r.value])).toEqual([
      [0, 'v1'],
      [1, 'v3'],
    ]);

    const granted = new Set<string>([
      ...KAFKA_GATEWAY_PERMISSIONS.topicsTable.map((a) => `${a} topicsTable`),
      ...KAFKA_GATEWAY_PERMISSIONS.logTable.map((a) => `${a} logTable`),
      ...KAFKA_GATEWAY_PERMISSIONS.groupsTable.map((a) => `${a} groupsTable`),
      ...KAFKA_GATEWAY_PERMISSIONS.objects.ingest.map((a) => `${a} ${OBJECT_PREFIXES.ingest}`),
      ...KAFKA_GATEWAY_PERMISSIONS.objects.segments.map((a) => `${a} ${OBJECT_PREFIXES.segments}`),
    ]);
    const used = [...calls].sort();
    expect(used.filter((c) => !granted.has(c)), `calls the task role would deny (all calls: ${used.join(', ')})`).toEqual([]);
    // Segments exist only after compaction, which waits a minute after an append; the fetch path that reads them
    // is the fetch function's, which the deploy check drives through compacted data with the same grant.
    const unused = [...granted].filter((g) => !calls.has(g)).sort();
    expect(unused, `granted but not used (all calls: ${used.join(', ')})`).toEqual([`s3:GetObject ${OBJECT_PREFIXES.segments}`]);
  });
});
