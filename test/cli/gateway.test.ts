/**
 * `eddy gateway` as a user runs it against a deployed stack: the compiled
 * CLI in its own process, given the stack's table and bucket names through
 * `EDDY_*` variables and the AWS SDK's own endpoint settings
 * (`AWS_ENDPOINT_URL_DYNAMODB`, `AWS_ENDPOINT_URL_S3`), here pointing at the
 * stand-ins of a local host started by the test. A real Kafka client
 * (kafkajs) creates a topic, produces and consumes in a group through it;
 * the local host's HTTP API then reads the same records and offsets.
 */
import { createServer } from 'node:net';
import { fileURLToPath } from 'node:url';
import { Kafka, logLevel } from 'kafkajs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { STANDIN_CREDENTIALS, STANDIN_REGION } from '../../local/standins.js';
import { call, testHost, unique } from '../helpers/host.js';
import { run } from '../kafka/helpers.js';
import { isOneLineError, runCli, startCli, type RunningCli } from './helpers.js';

type Host = Awaited<ReturnType<typeof testHost>>;

/** The compiled CLI that `cli/bin/eddy.js` runs (built by `node cli/bin/build.js`, rebuilt by the shim when stale). */
const COMPILED = fileURLToPath(new URL('../../dist/cli/main.js', import.meta.url));

/** A free TCP port on loopback (the gateway has no "pick one" port: 0 means off). */
function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const { port } = server.address() as { port: number };
      server.close(() => resolve(port));
    });
  });
}

/** The environment a user of a deployed stack sets, with the stand-ins in place of AWS. */
function stackEnv(host: Host): Record<string, string> {
  const s = host.standins.settings;
  return {
    AWS_REGION: STANDIN_REGION,
    AWS_ACCESS_KEY_ID: STANDIN_CREDENTIALS.accessKeyId,
    AWS_SECRET_ACCESS_KEY: STANDIN_CREDENTIALS.secretAccessKey,
    AWS_ENDPOINT_URL_DYNAMODB: host.standins.dynamodbEndpoint,
    AWS_ENDPOINT_URL_S3: host.standins.s3Endpoint,
    EDDY_TOPICS_TABLE: s.topicsTable,
    EDDY_LOG_TABLE: s.logTable,
    EDDY_GROUPS_TABLE: s.groupsTable,
    EDDY_BUCKET: s.bucket,
  };
}

/** Variables of the test process that would point the child elsewhere. */
const CLEARED = ['EDDY_S3_ENDPOINT', 'EDDY_DYNAMODB_ENDPOINT', 'AWS_ENDPOINT_URL', 'AWS_PROFILE', 'AWS_SESSION_TOKEN', 'EDDY_KAFKA_PORT', 'EDDY_KAFKA_ADVERTISED', 'EDDY_KAFKA_ADVERTISED_HOST', 'EDDY_KAFKA_ADVERTISED_PORT'];
const saved = Object.fromEntries(CLEARED.map((n) => [n, process.env[n]]));

let host: Host;
let gateway: RunningCli | undefined;
let broker: string;

beforeAll(async () => {
  for (const n of CLEARED) delete process.env[n];
  host = await testHost();
  const port = await freePort();
  broker = `127.0.0.1:${port}`;
  gateway = startCli(['gateway', '--port', String(port), '--host', '127.0.0.1', '--advertised', broker], { env: stackEnv(host) });
  await gateway.waitFor(/Eddy Kafka gateway on 127\.0\.0\.1:\d+/, 'stderr', 60_000);
}, 120_000);

afterAll(async () => {
  if (gateway && gateway.child.exitCode === null) {
    gateway.child.kill('SIGTERM');
    const result = await gateway.done;
    // SIGTERM finishes in-flight requests and exits cleanly.
    expect(result.code).toBe(0);
  }
  await host?.cleanup();
  for (const [n, v] of Object.entries(saved)) if (v !== undefined) process.env[n] = v;
}, 60_000);

describe('eddy gateway against a stack given by names and endpoints', () => {
  it('serves kafkajs: create a topic, produce, consume in a group; the HTTP API sees the same records and offsets', async () => {
    const kafka = new Kafka({ clientId: 'gateway-test', brokers: [broker], logLevel: logLevel.NOTHING });
    const topic = unique('gw');
    const group = unique('gw-g');
    const admin = kafka.admin();
    await admin.connect();
    expect(await admin.createTopics({ topics: [{ topic, numPartitions: 2 }] })).toBe(true);
    await admin.disconnect();
    // The topic is in the stack's tables: the local host (same stand-ins) describes it.
    const described = await call(host.url, 'GET', `/v1/topics/${topic}`);
    expect(described.status).toBe(200);
    expect(described.body.partitions).toBe(2);

    const producer = kafka.producer();
    await producer.connect();
    await producer.send({ topic, messages: [0, 1, 2, 3].map((i) => ({ partition: i % 2, key: `k${i}`, value: `v${i}`, headers: { n: String(i) } })) });
    await producer.disconnect();

    const consumer = kafka.consumer({ groupId: group, maxWaitTimeInMs: 200 });
    const seen: string[] = [];
    await consumer.connect();
    await consumer.subscribe({ topic, fromBeginning: true });
    await consumer.run({
      eachMessage: async ({ partition, message }) => {
        seen.push(`${partition}/${message.offset}/${String(message.key)}=${String(message.value)}`);
      },
    });
    const deadline = Date.now() + 30_000;
    while (seen.length < 4 && Date.now() < deadline) await new Promise((r) => setTimeout(r, 100));
    await consumer.disconnect(); // commits what it consumed
    expect(seen.sort()).toEqual(['0/0/k0=v0', '0/1/k2=v2', '1/0/k1=v1', '1/1/k3=v3']);

    for (const [partition, keys] of [
      [0, ['k0', 'k2']],
      [1, ['k1', 'k3']],
    ] as const) {
      const res = await call(host.url, 'GET', `/v1/topics/${topic}/partitions/${partition}/records?offset=0&encoding=utf8`);
      expect(res.status).toBe(200);
      const records = res.body.records as Array<{ offset: number; key: string; value: string }>;
      expect(records.map((r) => [r.offset, r.key, r.value])).toEqual(keys.map((k, i) => [i, k, `v${k.slice(1)}`]));
    }
    const offsets = await call(host.url, 'GET', `/v1/groups/${group}/offsets`);
    expect(offsets.status).toBe(200);
    expect(JSON.stringify(offsets.body)).toContain(topic);
    const committed = (offsets.body.offsets as Array<{ topic: string; partition: number; offset: number }>).filter((o) => o.topic === topic);
    expect(committed.map((o) => [o.partition, o.offset]).sort()).toEqual([
      [0, 2],
      [1, 2],
    ]);
  });

  it('logs the tables and bucket it serves', () => {
    const s = host.standins.settings;
    expect(gateway!.stderr()).toContain(`over tables ${s.topicsTable}, ${s.logTable}, ${s.groupsTable} and bucket ${s.bucket}`);
  });
});

describe('eddy gateway, usage', () => {
  it('--help names every setting', async () => {
    const out = await runCli(['gateway', '--help']);
    expect(out.code).toBe(0);
    for (const flag of ['--port', '--advertised', '--topics-table', '--log-table', '--groups-table', '--bucket', 'EDDY_TOPICS_TABLE', 'AWS_ENDPOINT_URL_S3', 'AWS_ENDPOINT_URL_DYNAMODB']) {
      expect(out.stdout).toContain(flag);
    }
  });

  it('missing names: one clear line naming each missing one, exit 2, nothing started', async () => {
    const env = stackEnv(host);
    const out = await runCli(['gateway', '--port', '1', '--topics-table', env.EDDY_TOPICS_TABLE!], {
      env: { ...env, EDDY_TOPICS_TABLE: '', EDDY_LOG_TABLE: '', EDDY_BUCKET: '', EDDY_GROUPS_TABLE: env.EDDY_GROUPS_TABLE! },
    });
    expect(out.code).toBe(2);
    expect(isOneLineError(out.stderr)).toBe(true);
    expect(out.stderr).toContain('EDDY_LOG_TABLE');
    expect(out.stderr).toContain('EDDY_BUCKET');
    expect(out.stderr).not.toContain('EDDY_TOPICS_TABLE');
    expect(out.stderr).not.toContain('EDDY_GROUPS_TABLE');
    expect(out.stdout).toBe('');
    // The compiled entry point run directly does the same and nothing else (it once also built the console and printed its sizes).
    const direct = await run(process.execPath, [COMPILED, 'gateway'], { env: { ...env, EDDY_TOPICS_TABLE: '', EDDY_LOG_TABLE: '', EDDY_BUCKET: '', EDDY_GROUPS_TABLE: '' } });
    expect(direct.code).toBe(2);
    expect(direct.stdout).toBe('');
    expect(isOneLineError(direct.stderr)).toBe(true);
  });

  it('a bad setting fails at start with its name and a non-zero exit', async () => {
    const out = await runCli(['gateway', '--port', '1'], { env: { ...stackEnv(host), EDDY_KAFKA_ADVERTISED: 'no-port-here' } });
    expect(out.code).not.toBe(0);
    expect(out.stderr).toContain('EDDY_KAFKA_ADVERTISED');
  });
});
