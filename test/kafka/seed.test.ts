/**
 * The Kafka introduction Eddy was built from: its kafkajs producer and
 * consumer and its kafka-python example run as written (only the broker's
 * port differs: the test's server listens on a free one), against a local
 * host's Kafka server.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, afterEach, beforeEach, describe, expect, it } from 'vitest';
import { kafkaHost, run, type KafkaHost } from './helpers.js';

const FIXTURES = fileURLToPath(new URL('./fixtures/', import.meta.url));
const NODE_MODULES = fileURLToPath(new URL('../../node_modules', import.meta.url));
/** Debian's python3 has python3-kafka; a pyenv shim earlier on PATH does not. */
const PYTHON = existsSync('/usr/bin/python3') ? '/usr/bin/python3' : 'python3';
const work = mkdtempSync(join(tmpdir(), 'eddy-seed-'));
afterAll(() => rmSync(work, { recursive: true, force: true }));

/** The fixture with the broker's port changed to the test server's. */
function example(name: string, port: number): string {
  const path = join(work, `${port}-${name}`);
  writeFileSync(path, readFileSync(join(FIXTURES, name), 'utf8').replaceAll('localhost:9092', `localhost:${port}`));
  return path;
}

const env = { NODE_PATH: NODE_MODULES, KAFKAJS_NO_PARTITIONER_WARNING: '1' };

/** Starts a long-running example and collects its stdout. */
function start(cmd: string, args: string[]): { child: ChildProcess; stdout: () => string; stderr: () => string } {
  const child = spawn(cmd, args, { env: { ...process.env, ...env }, stdio: ['ignore', 'pipe', 'pipe'] });
  let out = '';
  let err = '';
  child.stdout!.on('data', (c: Buffer) => (out += c.toString('utf8')));
  child.stderr!.on('data', (c: Buffer) => (err += c.toString('utf8')));
  return { child, stdout: () => out, stderr: () => err };
}

/** Runs the producer example until `done()` (a consumer starting at "latest" misses what was sent before it was positioned). */
async function produceUntil(producer: string, done: () => boolean, timeoutMs = 40_000): Promise<number> {
  const deadline = Date.now() + timeoutMs;
  let sent = 0;
  while (!done()) {
    if (Date.now() > deadline) throw new Error('the consumer never printed the event');
    const r = await run(process.execPath, [producer], { env });
    expect(r.stderr).not.toMatch(/error/i);
    expect(r.code).toBe(0);
    sent++;
    for (let i = 0; i < 10 && !done(); i++) await new Promise((res) => setTimeout(res, 100));
  }
  return sent;
}

describe('the introduction, as written', () => {
  let host: KafkaHost;
  const children: ChildProcess[] = [];
  beforeEach(async () => {
    host = await kafkaHost();
  });
  afterEach(async () => {
    for (const c of children.splice(0)) if (c.exitCode === null) c.kill('SIGKILL');
    await host.stop();
  });

  it('Node.js producer and consumer examples (kafkajs)', { timeout: 60_000 }, async () => {
    const port = host.kafka.port;
    const producer = example('seed-producer.cjs', port);
    const consumer = start(process.execPath, [example('seed-consumer.cjs', port)]);
    children.push(consumer.child);
    const sent = await produceUntil(producer, () => consumer.stdout().includes('processed 123'));
    expect(consumer.stdout()).toContain('Processing user_registered for user 123');
    // The producer auto-created the topic (Kafka's default), and every send landed in it.
    const topic = await host.runtime.eddy.log.describeTopic('user-events');
    expect(topic.partitions).toBe(1);
    expect(sent).toBeGreaterThanOrEqual(1);
  });

  it('Python example (kafka-python)', { timeout: 60_000 }, async () => {
    const port = host.kafka.port;
    const python = start(PYTHON, [example('seed-example.py', port)]);
    children.push(python.child);
    // The script's own event is sent before its consumer (at "latest") is positioned; keep the topic busy until it reads one.
    await produceUntil(example('seed-producer.cjs', port), () => python.child.exitCode !== null || python.stdout().includes('Processing'));
    const code = await new Promise<number | null>((resolve) => (python.child.exitCode !== null ? resolve(python.child.exitCode) : python.child.once('exit', resolve)));
    expect(python.stderr()).toBe('');
    expect(code).toBe(0);
    expect(python.stdout()).toBe('Processing user_registered for user 123\n');
  });
});
