/**
 * `eddy trigger` as a process against a local host: every record of a
 * 3-partition topic delivered in offset order per partition, a throwing batch
 * retried then delivered, bisect narrowing a poison record down to itself and
 * dead-lettering it after --retries, offsets committed so the group shows no
 * lag, and records appended while it runs delivered within 2 s.
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { Eddy } from '@eddy/sdk';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { testHost, unique } from '../helpers/host.js';
import { tempDir } from '../helpers/standins.js';
import { parseTable, runCli, startCli, type RunningCli } from './helpers.js';

/** Each CLI run starts a Node process with tsx (~1 s, more on a busy 2-core machine). */
const TIMEOUT = 180_000;
const HANDLER = fileURLToPath(new URL('./fixtures/trigger-handler.ts', import.meta.url));
const NAMED = fileURLToPath(new URL('./fixtures/trigger-named.mjs', import.meta.url));

let host: Awaited<ReturnType<typeof testHost>>;
let client: Eddy;
let tmp: ReturnType<typeof tempDir>;

interface Call {
  ok: boolean;
  source: string;
  group: string;
  partition: number;
  offsets: number[];
  values: string[];
  at: number;
}

const calls = (run: RunningCli): Call[] =>
  run
    .stdout()
    .split('\n')
    .filter((l) => l.startsWith('{'))
    .map((l) => JSON.parse(l) as Call);

async function until(check: () => boolean | Promise<boolean>, what: string, timeoutMs = 90_000): Promise<void> {
  const end = Date.now() + timeoutMs;
  while (!(await check())) {
    if (Date.now() > end) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 50));
  }
}

async function stop(run: RunningCli): Promise<void> {
  run.child.kill('SIGINT');
  const result = await run.done;
  expect(result.code, result.stderr).toBe(0);
}

async function lag(group: string): Promise<Record<string, string>[]> {
  const r = await runCli(['groups', 'describe', group], { endpoint: host.url });
  expect(r.code, r.stderr).toBe(0);
  return parseTable(r.stdout, 'TOPIC');
}

beforeAll(async () => {
  host = await testHost();
  client = new Eddy({ endpoint: host.url });
  tmp = tempDir('eddy-trigger-');
});

afterAll(async () => {
  client?.close();
  await host?.cleanup();
  tmp?.remove();
});

describe.concurrent('eddy trigger', () => {
  it(
    'delivers every record of a 3-partition topic in order, retries a throwing batch, commits, and picks up new records within 2 s',
    async () => {
      const topic = unique('trig');
      const group = unique('g');
      await client.createTopic({ name: topic, partitions: 3 });
      await client.putRecords({ topic, encoding: 'utf8', records: Array.from({ length: 30 }, (_, i) => ({ partition: i % 3, key: `k${i}`, value: `v${i}` })) });

      const run = startCli(['trigger', topic, HANDLER, '--group', group, '--from', 'earliest', '--batch-size', '4'], { endpoint: host.url, env: { FAIL_FIRST: '1' } });
      try {
        await until(() => calls(run).filter((c) => c.ok).flatMap((c) => c.values).length >= 30, 'the first 30 records');
        const all = calls(run);
        expect(all.every((c) => c.source === 'eddy' && c.group === group)).toBe(true);
        // The first call threw; the same batch came again and was delivered.
        expect(all[0]!.ok).toBe(false);
        const again = all.find((c, i) => i > 0 && c.partition === all[0]!.partition);
        expect(again).toMatchObject({ ok: true, offsets: all[0]!.offsets });
        expect(run.stderr()).toMatch(/failed partition \d offsets \d+-\d+ \(attempt 1\): handler failed on purpose/);

        const delivered = all.filter((c) => c.ok);
        expect(delivered.flatMap((c) => c.values).sort()).toEqual(Array.from({ length: 30 }, (_, i) => `v${i}`).sort());
        for (const p of [0, 1, 2]) {
          const offsets = delivered.filter((c) => c.partition === p).flatMap((c) => c.offsets);
          expect(offsets, `partition ${p}`).toEqual([0, 1, 2, 3, 4, 5, 6, 7, 8, 9]);
          expect(delivered.filter((c) => c.partition === p).every((c) => c.offsets.length <= 4)).toBe(true);
        }

        // Drained: the group's committed offsets reach the end of every partition.
        await until(async () => (await lag(group)).every((r) => r.LAG === '0'), 'lag 0', 30_000);
        const rows = await lag(group);
        expect(rows.map((r) => [r.PARTITION, r['CURRENT-OFFSET'], r.LAG])).toEqual([
          ['0', '10', '0'],
          ['1', '10', '0'],
          ['2', '10', '0'],
        ]);

        // Appended while running: delivered within 2 s of the append.
        const before = calls(run).length;
        const appendedAt = Date.now();
        await client.putRecords({ topic, encoding: 'utf8', records: [{ partition: 2, value: 'late' }] });
        await until(() => calls(run).slice(before).some((c) => c.ok && c.values.includes('late')), 'the late record', 10_000);
        const late = calls(run).slice(before).find((c) => c.values.includes('late'))!;
        expect(late.partition).toBe(2);
        expect(late.offsets).toEqual([10]);
        expect(late.at - appendedAt).toBeLessThan(2_000);
      } finally {
        await stop(run);
      }
    },
    TIMEOUT,
  );

  it(
    'with --bisect narrows a poison record down to itself and dead-letters it after --retries; the rest is delivered and committed',
    async () => {
      const topic = unique('trig-poison');
      const group = unique('g');
      const deadLetter = join(tmp.dir, `${group}.jsonl`);
      await client.createTopic({ name: topic, partitions: 1 });
      const values = ['a', 'b', 'c', 'd', 'e', 'bad', 'f', 'g'];
      await client.putRecords({ topic, encoding: 'utf8', records: values.map((value) => ({ value })) });

      const run = startCli(['trigger', topic, HANDLER, '-g', group, '--from', 'earliest', '--batch-size', '8', '--retries', '2', '--bisect', '--dead-letter', deadLetter], {
        endpoint: host.url,
        env: { POISON: 'bad' },
      });
      try {
        await until(() => run.stderr().includes('dead-lettered'), 'the dead letter');
        await until(() => calls(run).some((c) => c.ok && c.values.includes('g')), 'the records after the poison');
        const letters = readFileSync(deadLetter, 'utf8').trim().split('\n').map((l) => JSON.parse(l));
        expect(letters).toEqual([expect.objectContaining({ topic, partition: 0, groupId: group, startOffset: 5, endOffset: 5, batchSize: 1, attempts: 3 })]);
        const all = calls(run);
        // The poison record alone was tried 1 + --retries times.
        expect(all.filter((c) => !c.ok && c.offsets.length === 1 && c.offsets[0] === 5)).toHaveLength(3);
        expect(all.filter((c) => c.ok).flatMap((c) => c.values)).toEqual(['a', 'b', 'c', 'd', 'e', 'f', 'g']);
        await until(async () => (await lag(group))[0]?.LAG === '0', 'lag 0', 30_000);
        expect((await lag(group))[0]).toMatchObject({ 'CURRENT-OFFSET': '8', LAG: '0' });
      } finally {
        await stop(run);
      }
    },
    TIMEOUT,
  );

  it(
    'without a dead letter a failing batch blocks its partition and leaves its lag',
    async () => {
      const topic = unique('trig-block');
      const group = unique('g');
      await client.createTopic({ name: topic, partitions: 1 });
      await client.putRecords({ topic, encoding: 'utf8', records: ['a', 'bad', 'c'].map((value) => ({ value })) });
      const run = startCli(['trigger', topic, HANDLER, '-g', group, '--from', 'earliest', '--batch-size', '1', '--retries', '1'], { endpoint: host.url, env: { POISON: 'bad' } });
      try {
        await until(() => calls(run).filter((c) => !c.ok).length >= 3, 'three failed attempts');
        expect(calls(run).filter((c) => c.ok).flatMap((c) => c.values)).toEqual(['a']);
      } finally {
        await stop(run);
      }
      expect((await lag(group))[0]).toMatchObject({ 'CURRENT-OFFSET': '1', LAG: '2' });
    },
    TIMEOUT,
  );

  it(
    'runs a .mjs module#export with base64 keys and headers, starting at latest',
    async () => {
      const topic = unique('trig-named');
      const group = unique('g');
      await client.createTopic({ name: topic, partitions: 1 });
      await client.putRecords({ topic, encoding: 'utf8', records: [{ value: 'before' }] });
      const run = startCli(['trigger', topic, `${NAMED}#onBatch`, '-g', group], { endpoint: host.url });
      try {
        await run.waitFor(/committed partition 0 offset 1/, 'stderr', 60_000);
        await client.putRecords({ topic, encoding: 'utf8', records: [{ key: 'k', value: 'after', headers: { h: 'x' } }] });
        await run.waitFor('"ok":true', 'stdout', 60_000).catch((err: unknown) => {
          throw new Error(`${String(err)}\nstderr: ${run.stderr()}`);
        });
        const call = JSON.parse(run.stdout().split('\n').find((l) => l.startsWith('{'))!);
        expect(call).toEqual({ ok: true, partition: 0, offsets: [1], key: Buffer.from('k').toString('base64'), headers: [{ key: 'h', value: Buffer.from('x').toString('base64') }] });
      } finally {
        await stop(run);
      }
    },
    TIMEOUT,
  );

  it('explains itself with --help and refuses a module without the export (exit 2)', async () => {
    const help = await runCli(['trigger', '--help']);
    expect(help.code).toBe(0);
    expect(help.stdout).toContain('--dead-letter <file>');
    expect(help.stdout).toContain('batchItemFailures');
    const topic = unique('trig-bad');
    await client.createTopic({ name: topic, partitions: 1 });
    const bad = await runCli(['trigger', topic, `${NAMED}#nope`, '-g', 'g'], { endpoint: host.url });
    expect(bad.code).toBe(2);
    expect(bad.stderr).toContain("has no exported function 'nope'");
  }, TIMEOUT);
});
