/**
 * Kafka test harness: a local host (stand-ins, handlers) with its Kafka
 * server, both on free ports, and helpers to run real clients against it.
 */
import { spawn } from 'node:child_process';
import type { KafkaServer, KafkaServerOptions } from '../../kafka/server.js';
import type { LocalHostOptions } from '../../local/host.js';
import { testHost, type TestHost } from '../helpers/host.js';

export { call, unique } from '../helpers/host.js';

/** A local host with a Kafka server. */
export type KafkaHost = TestHost & { kafka: KafkaServer; broker: string; stop: () => Promise<void> };

/** Starts a local host and its Kafka server on free ports (`EDDY_TEST_KAFKA_LOG=1` shows the host's log); `settings` are core's (the append protocol, say). */
export async function kafkaHost(options: Pick<KafkaServerOptions, 'maxFetchWaitMs' | 'autoCreateTopics' | 'defaultPartitions'> & Pick<LocalHostOptions, 'settings'> = {}): Promise<KafkaHost> {
  const { settings, ...kafkaOptions } = options;
  const host = await testHost({
    kafkaPort: 0,
    kafka: kafkaOptions,
    ...(settings ? { settings } : {}),
    ...(process.env.EDDY_TEST_KAFKA_LOG ? { logWrite: (l: string) => process.stderr.write(`${l}\n`) } : {}),
  });
  const kafka = host.kafka!;
  return { ...host, kafka, broker: `127.0.0.1:${kafka.port}`, stop: () => host.cleanup() };
}

/** Output of a child process. */
export interface RunResult {
  readonly code: number | null;
  readonly stdout: string;
  readonly stderr: string;
}

/** Runs a command with optional stdin, failing the promise only on spawn errors; kills it after `timeoutMs`. */
export function run(cmd: string, args: readonly string[], options: { input?: string | Uint8Array; timeoutMs?: number; env?: NodeJS.ProcessEnv } = {}): Promise<RunResult> {
  return new Promise((resolve, reject) => {
    const child = spawn(cmd, args, { stdio: ['pipe', 'pipe', 'pipe'], env: { ...process.env, ...options.env } });
    const out: Buffer[] = [];
    const err: Buffer[] = [];
    child.stdout.on('data', (c: Buffer) => out.push(c));
    child.stderr.on('data', (c: Buffer) => err.push(c));
    const timer = setTimeout(() => child.kill('SIGKILL'), options.timeoutMs ?? 20_000);
    child.once('error', (e) => {
      clearTimeout(timer);
      reject(e);
    });
    child.once('close', (code) => {
      clearTimeout(timer);
      resolve({ code, stdout: Buffer.concat(out).toString('utf8'), stderr: Buffer.concat(err).toString('utf8') });
    });
    if (options.input !== undefined) child.stdin.end(options.input);
    else child.stdin.end();
  });
}

/** Polls `check` until it returns a value other than undefined, or fails after `timeoutMs`. */
export async function eventually<T>(check: () => Promise<T | undefined> | T | undefined, timeoutMs = 15_000, what = 'condition'): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const v = await check();
    if (v !== undefined) return v;
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 100));
  }
}
