/**
 * `eddy produce` and `eddy consume` against a local host, as a user runs
 * them: kcat-style round trips, partitioning, formats, start offsets,
 * tailing and Ctrl-C.
 */
import { partitionForKey } from '@eddy/sdk';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { testHost, unique } from '../helpers/host.js';
import { parseTable, runCli, startCli } from './helpers.js';

/** Each CLI run starts a Node process with tsx (~1 s, more on a busy 2-core machine). */
const TIMEOUT = 120_000;

let host: Awaited<ReturnType<typeof testHost>>;
let endpoint: string;
const eddy = (args: string[], input?: string | Buffer) => runCli(args, { endpoint, ...(input !== undefined ? { input } : {}) });

async function createTopic(partitions: number): Promise<string> {
  const topic = unique('cli');
  const r = await eddy(['topics', 'create', topic, '--partitions', String(partitions)]);
  expect(r.code, r.stderr).toBe(0);
  return topic;
}

beforeAll(async () => {
  host = await testHost();
  endpoint = host.url;
});

afterAll(async () => {
  await host?.cleanup();
});

describe.concurrent('eddy produce / eddy consume', () => {
  it('round-trips kcat style: produce -K : then consume -o beginning -e prints the values', async () => {
    const topic = await createTopic(3);
    const produced = await eddy(['produce', topic, '-K', ':'], 'k1:v1\nk2:v2\nk3:v3\n');
    expect(produced.code, produced.stderr).toBe(0);
    expect(produced.stdout).toContain(`produced 3 records to ${topic}`);

    const consumed = await eddy(['consume', topic, '-o', 'beginning', '-e']);
    expect(consumed.code, consumed.stderr).toBe(0);
    expect(consumed.stdout.split('\n').filter(Boolean).sort()).toEqual(['v1', 'v2', 'v3']);
    expect(consumed.stderr).toBe('');

    // Each key is in the partition Kafka's murmur2 partitioner picks, and the summary said so.
    const placed = await eddy(['consume', topic, '-o', 'beginning', '-e', '-f', '%k %p %o\\n']);
    const rows = placed.stdout.split('\n').filter(Boolean).map((l) => l.split(' '));
    expect(rows).toHaveLength(3);
    for (const [key, partition] of rows) expect(Number(partition), `key ${key}`).toBe(partitionForKey(key!, 3));
    // Within a partition, offsets are dense from 0 and follow the input order.
    for (const p of new Set(rows.map((r) => r[1]))) {
      const inPartition = rows.filter((r) => r[1] === p).sort((a, b) => Number(a[2]) - Number(b[2]));
      expect(inPartition.map((r) => Number(r[2]))).toEqual(inPartition.map((_, i) => i));
      expect(inPartition.map((r) => r[0])).toEqual(inPartition.map((r) => r[0]).sort());
    }
    const summary = parseTable(produced.stdout, 'PARTITION');
    const perPartition = new Map<string, number>();
    for (const [, p] of rows) perPartition.set(p!, (perPartition.get(p!) ?? 0) + 1);
    expect(summary.map((r) => [r.PARTITION, Number(r.RECORDS)]).sort()).toEqual([...perPartition].sort());
  }, TIMEOUT);

  it('places keys exactly like the Java client (UtilsTest murmur2 vectors)', async () => {
    const topic = await createTopic(7);
    // murmur2 values from Kafka's UtilsTest.testMurmur2; partition = (h & 0x7fffffff) % 7.
    const vectors: [string, number][] = [
      ['21', -973932308],
      ['foobar', -790332482],
      ['a-little-bit-long-string', -985981536],
      ['abc', 479470107],
    ];
    const input = vectors.map(([k]) => `${k}\t${k}-value`).join('\n');
    expect((await eddy(['produce', topic, '-K', '\\t'], input)).code).toBe(0);
    const out = await eddy(['consume', topic, '-o', 'beginning', '-e', '--json']);
    const records = out.stdout.split('\n').filter(Boolean).map((l) => JSON.parse(l) as { key: string; value: string; partition: number });
    expect(records).toHaveLength(vectors.length);
    for (const [key, hash] of vectors) {
      const r = records.find((x) => x.key === key)!;
      expect(r.value).toBe(`${key}-value`);
      expect(r.partition, key).toBe((hash & 0x7fffffff) % 7);
    }
  }, TIMEOUT);

  it('sends headers and an explicit partition, and prints them with -f and --json', async () => {
    const topic = await createTopic(3);
    const produced = await eddy(['produce', topic, '-p', '2', '-H', 'source=cli', '-H', 'trace=abc', '--json'], 'one\ntwo\n');
    expect(produced.code, produced.stderr).toBe(0);
    expect(JSON.parse(produced.stdout)).toMatchObject({ topic, records: 2, partitions: [{ partition: 2, records: 2, firstOffset: 0, lastOffset: 1 }] });

    const formatted = await eddy(['consume', topic, '-o', 'beginning', '-e', '-f', '%t/%p/%o [%h] %K %s\\n']);
    expect(formatted.stdout).toBe(`${topic}/2/0 [source=cli,trace=abc] -1 one\n${topic}/2/1 [source=cli,trace=abc] -1 two\n`);

    const json = await eddy(['consume', topic, '-p', '2', '-o', 'beginning', '-e', '--json']);
    const first = JSON.parse(json.stdout.split('\n')[0]!);
    expect(first).toMatchObject({ topic, partition: 2, offset: 0, key: null, value: 'one', headers: { source: 'cli', trace: 'abc' } });
    expect(typeof first.timestamp).toBe('number');
  }, TIMEOUT);

  it('keeps binary lines byte for byte', async () => {
    const topic = await createTopic(1);
    const line = Buffer.from([0xff, 0x00, 0xc3, 0x28, 0x7f]);
    expect((await eddy(['produce', topic], Buffer.concat([line, Buffer.from('\n')]))).code).toBe(0);
    const out = await eddy(['consume', topic, '-o', 'beginning', '-e']);
    expect(out.stdoutBytes.equals(Buffer.concat([line, Buffer.from('\n')]))).toBe(true);
  }, TIMEOUT);

  it('starts at an offset, N before the end, or a timestamp; stops after -c', async () => {
    const topic = await createTopic(1);
    expect((await eddy(['produce', topic], 'a\nb\nc\nd\ne\n')).code).toBe(0);
    const values = async (...args: string[]) => (await eddy(['consume', topic, '-e', ...args])).stdout.split('\n').filter(Boolean);
    const [fromThree, lastTwo, firstTwo, atEnd, fromEpoch, fromFuture, clamped] = await Promise.all([
      values('-o', '3'),
      values('-o', '-2'),
      values('-o', 'beginning', '-c', '2'),
      values('-o', 'end'),
      values('-o', '@0'),
      values('-o', `@${Date.now() + 60_000}`),
      eddy(['consume', topic, '-e', '-o', '99']),
    ]);
    expect(fromThree).toEqual(['d', 'e']);
    expect(lastTwo).toEqual(['d', 'e']);
    expect(firstTwo).toEqual(['a', 'b']);
    expect(atEnd).toEqual([]);
    expect(fromEpoch).toEqual(['a', 'b', 'c', 'd', 'e']);
    expect(fromFuture).toEqual([]);
    expect(clamped.stdout).toBe('');
    expect(clamped.stderr).toMatch(/^eddy: warning: partition 0: offset 99 is outside \[0, 5\], starting at 5\n$/);
  }, TIMEOUT);

  it('tails new records until Ctrl-C, then exits 0', async () => {
    const topic = await createTopic(2);
    const tail = startCli(['consume', topic, '-o', 'beginning', '-f', '%k=%s\\n'], { endpoint });
    expect((await eddy(['produce', topic, '-K', '='], 'a=1\n')).code).toBe(0);
    await tail.waitFor('a=1\n');
    // The consumer is running and caught up: this record arrives while it long-polls.
    expect((await eddy(['produce', topic, '-K', '='], 'b=2\n')).code).toBe(0);
    await tail.waitFor('b=2\n');
    tail.child.kill('SIGINT');
    const result = await tail.done;
    expect(result.code).toBe(0);
    expect(result.stdout).toBe('a=1\nb=2\n');
  }, TIMEOUT);

  it('exits at once with -e on an empty topic', async () => {
    const topic = await createTopic(3);
    const r = await eddy(['consume', topic, '-o', 'beginning', '-e']);
    expect(r).toMatchObject({ code: 0, stdout: '', stderr: '' });
  }, TIMEOUT);
});

describe.concurrent('first-hour issues (issue 18)', () => {
  it('a consume without a group picks up partitions added while it runs', async () => {
    const topic = await createTopic(1);
    const tail = startCli(['consume', topic, '-f', '%p:%s\\n'], { endpoint });
    try {
      await new Promise((r) => setTimeout(r, 2000));
      expect((await eddy(['topics', 'alter', topic, '--partitions', '3'])).code).toBe(0);
      expect((await eddy(['produce', topic, '-p', '2'], 'in-a-new-partition\n')).code).toBe(0);
      await tail.waitFor('2:in-a-new-partition\n', 'stdout', 60_000);
      expect(tail.stderr()).toContain(`eddy: ${topic} now has 3 partitions: reading partition 2 from offset 0`);
      tail.child.kill('SIGINT');
      expect((await tail.done).code).toBe(0);
    } finally {
      if (tail.child.exitCode === null) tail.child.kill('SIGKILL');
    }
  }, TIMEOUT);

  it('understands the Kafka console tools spellings', async () => {
    const [listed, created] = await Promise.all([eddy(['topics', '--list']), eddy(['topics', '--create', '--topic', unique('kafka-style'), '--partitions', '2', '--replication-factor', '3'])]);
    expect(listed.code, listed.stderr).toBe(0);
    expect(listed.stdout).toMatch(/^TOPIC +PARTITIONS\n/);
    expect(created.code, created.stderr).toBe(0);
    expect(created.stdout).toMatch(/^created topic kafka-style-\S+ \(2 partitions/);
    expect(created.stderr).toContain('--replication-factor ignored');

    const topic = await createTopic(1);
    expect((await eddy(['produce', '--topic', topic], 'a\nb\nc\n')).code).toBe(0);
    const read = await eddy(['consume', '--topic', topic, '--from-beginning', '--max-messages', '2']);
    expect(read.code, read.stderr).toBe(0);
    expect(read.stdout).toBe('a\nb\n');
  }, TIMEOUT);
});
