/**
 * `eddy topics …` against a local host: tables for people, JSON for scripts,
 * over HTTP and over the Lambda Invoke transport.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { testHost, unique } from '../helpers/host.js';
import { parseTable, runCli } from './helpers.js';

/** Each CLI run starts a Node process with tsx (~1 s, more on a busy 2-core machine). */
const TIMEOUT = 120_000;

let host: Awaited<ReturnType<typeof testHost>>;
let endpoint: string;
const eddy = (args: string[], input?: string) => runCli(args, { endpoint, ...(input !== undefined ? { input } : {}) });

beforeAll(async () => {
  host = await testHost();
  endpoint = host.url;
});

afterAll(async () => {
  await host?.cleanup();
});

describe.concurrent('eddy topics', () => {
  it('creates, lists, describes, alters and deletes a topic', async () => {
    const topic = unique('cli-topics');
    const created = await eddy(['topics', 'create', topic, '--partitions', '2', '--config', 'retention.ms=3600000', '--config', 'maxMessageBytes=2048']);
    expect(created.code, created.stderr).toBe(0);
    expect(created.stdout).toBe(`created topic ${topic} (2 partitions, retention 1h, max message 2 KiB)\n`);

    const listed = await eddy(['topics', 'list']);
    expect(parseTable(listed.stdout, 'TOPIC')).toContainEqual({ TOPIC: topic, PARTITIONS: '2' });

    expect((await eddy(['produce', topic, '-p', '1'], 'x\ny\nz\n')).code).toBe(0);
    const described = await eddy(['topics', 'describe', topic]);
    expect(described.stdout).toContain(`Topic: ${topic}`);
    expect(described.stdout).toContain('retentionMs=3600000 (1h)');
    expect(described.stdout).toContain('maxMessageBytes=2048 (2 KiB)');
    expect(parseTable(described.stdout, 'PARTITION')).toEqual([
      { PARTITION: '0', 'LOG-START-OFFSET': '0', 'HIGH-WATERMARK': '0', RECORDS: '0', SEGMENTS: '0' },
      { PARTITION: '1', 'LOG-START-OFFSET': '0', 'HIGH-WATERMARK': '3', RECORDS: '3', SEGMENTS: '1' },
    ]);

    const altered = await eddy(['topics', 'alter', topic, '--partitions', '4', '--config', 'retention.bytes=1000000', '--json']);
    expect(altered.code, altered.stderr).toBe(0);
    expect(JSON.parse(altered.stdout)).toMatchObject({ name: topic, partitions: 4, config: { retentionMs: 3600000, retentionBytes: 1000000, maxMessageBytes: 2048 } });

    const shrink = await eddy(['topics', 'alter', topic, '--partitions', '2']);
    expect(shrink.code).toBe(1);
    expect(shrink.stderr).toMatch(/^eddy: INVALID_PARTITIONS: .+\n$/);

    expect(await eddy(['topics', 'delete', topic])).toMatchObject({ code: 0, stdout: `deleted topic ${topic}\n` });
    const gone = await eddy(['topics', 'describe', topic]);
    expect(gone.code).toBe(1);
    expect(gone.stderr).toMatch(/^eddy: UNKNOWN_TOPIC_OR_PARTITION: .+\n$/);
    expect((await eddy(['topics', 'delete', topic, '--if-exists'])).code).toBe(0);
  }, TIMEOUT);

  it('answers JSON for scripts and tolerates --if-not-exists', async () => {
    const topic = unique('cli-topics');
    const created = await eddy(['topics', 'create', topic, '--json']);
    expect(JSON.parse(created.stdout)).toMatchObject({ name: topic, partitions: 1, partitionOffsets: [{ partition: 0, logStartOffset: 0, highWatermark: 0 }] });
    const again = await eddy(['topics', 'create', topic]);
    expect(again.code).toBe(1);
    expect(again.stderr).toBe(`eddy: TOPIC_ALREADY_EXISTS: topic ${topic} already exists\n`);
    expect((await eddy(['topics', 'create', topic, '--if-not-exists'])).code).toBe(0);
    const listed = JSON.parse((await eddy(['topics', 'list', '--json'])).stdout) as { topics: { name: string; partitions: number }[] };
    expect(listed.topics).toContainEqual({ name: topic, partitions: 1 });
  }, TIMEOUT);

  it('works over the Lambda Invoke transport too', async () => {
    const topic = unique('cli-lambda');
    const viaLambda = (args: string[], input?: string) =>
      runCli(['--transport', 'lambda', '--region', 'us-east-1', ...args], { endpoint, ...(input !== undefined ? { input } : {}) });
    const created = await viaLambda(['topics', 'create', topic, '--partitions', '2']);
    expect(created.code, created.stderr).toBe(0);
    expect((await viaLambda(['produce', topic, '-K', ':'], 'k:v\n')).code).toBe(0);
    const consumed = await viaLambda(['consume', topic, '-o', 'beginning', '-e', '-K', ':']);
    expect(consumed.stdout).toBe('k:v\n');
    // Same data seen over HTTP.
    expect((await eddy(['consume', topic, '-o', 'beginning', '-e'])).stdout).toBe('v\n');
  }, TIMEOUT);
});
