/**
 * Servers the benchmark starts: external binaries (nats-server,
 * redis-server) and TypeScript children (the Eddy local host, kinesalite,
 * the raw stand-ins) each in their own process, so that every system under
 * test gets its own core, as the peers' native servers do. Everything binds
 * to 127.0.0.1; everything started is stopped on exit, by its own pid.
 */
import { execFileSync, spawn, fork, type ChildProcess } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { createConnection, createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { delimiter, join } from 'node:path';
import { performance } from 'node:perf_hooks';
import { sleep } from './stats.js';

const started = new Set<ChildProcess>();
const tempDirs = new Set<string>();

function cleanupSync(): void {
  for (const child of started) if (child.exitCode === null && child.signalCode === null) child.kill('SIGKILL');
  for (const dir of tempDirs) rmSync(dir, { recursive: true, force: true });
}
process.once('exit', cleanupSync);

/** A fresh temporary directory, removed on exit. */
export function tempDir(prefix: string): string {
  const dir = mkdtempSync(join(tmpdir(), `eddy-bench-${prefix}-`));
  tempDirs.add(dir);
  return dir;
}

/** Removes a temporary directory now. */
export function removeTempDir(dir: string): void {
  rmSync(dir, { recursive: true, force: true });
  tempDirs.delete(dir);
}

/** A free TCP port on 127.0.0.1. */
export function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const address = server.address();
      const port = typeof address === 'object' && address ? address.port : 0;
      server.close(() => resolve(port));
    });
  });
}

/** Resolves once something accepts TCP connections on the port, failing after `timeoutMs`. */
export async function waitForPort(port: number, timeoutMs: number, child?: ChildProcess): Promise<void> {
  const end = performance.now() + timeoutMs;
  for (let attempt = 0; attempt < 1000 && performance.now() < end; attempt++) {
    if (child && child.exitCode !== null) throw new Error(`process exited with code ${child.exitCode} before listening on ${port}`);
    const ok = await new Promise<boolean>((resolve) => {
      const socket = createConnection({ host: '127.0.0.1', port });
      socket.once('connect', () => {
        socket.destroy();
        resolve(true);
      });
      socket.once('error', () => resolve(false));
    });
    if (ok) return;
    await sleep(50);
  }
  throw new Error(`nothing listening on 127.0.0.1:${port} after ${timeoutMs} ms`);
}

/** The absolute path of an executable on PATH (plus the sbin directories Debian uses for daemons), or undefined. */
export function which(name: string): string | undefined {
  const dirs = [...(process.env.PATH ?? '').split(delimiter), '/usr/sbin', '/usr/local/sbin', '/sbin'];
  for (const dir of dirs) {
    if (!dir) continue;
    const path = join(dir, name);
    if (existsSync(path)) return path;
  }
  return undefined;
}

/** A started process. */
export interface Started {
  readonly child: ChildProcess;
  /** Output seen so far (for error messages). */
  output(): string;
  /** SIGTERM, then SIGKILL after `graceMs`. */
  stop(graceMs?: number): Promise<void>;
}

function track(child: ChildProcess): Started {
  started.add(child);
  let out = '';
  const keep = (b: Buffer): void => {
    out = (out + b.toString()).slice(-4000);
  };
  child.stdout?.on('data', keep);
  child.stderr?.on('data', keep);
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
  return {
    child,
    output: () => out,
    async stop(graceMs = 3000) {
      if (child.exitCode === null && child.signalCode === null) {
        child.kill('SIGTERM');
        const timer = setTimeout(() => child.kill('SIGKILL'), graceMs);
        await exited;
        clearTimeout(timer);
      }
      started.delete(child);
    },
  };
}

/** Starts an executable with arguments, output captured. */
export function startProcess(command: string, args: readonly string[]): Started {
  return track(spawn(command, args, { stdio: ['ignore', 'pipe', 'pipe'] }));
}

/** Node flags every TypeScript child runs with (s3rver needs the legacy OpenSSL provider). */
const CHILD_EXEC_ARGV = ['--openssl-legacy-provider', '--import', 'tsx'];

/** A TypeScript child process speaking request/response over IPC. */
export interface Child extends Started {
  /** Sends a command and resolves with the child's answer. */
  call<T>(command: string, args?: unknown, timeoutMs?: number): Promise<T>;
  /** Asks the child to close and waits for it to exit (so profiles get written), killing it after `timeoutMs`. */
  close(timeoutMs?: number): Promise<void>;
}

interface Reply {
  readonly id: number;
  readonly ok: boolean;
  readonly value?: unknown;
  readonly error?: string;
}

/**
 * Forks `script` (a .ts file run through tsx) and waits for its first
 * message, `{ready: value}`, returning the value with the handle.
 */
export async function forkChild<R>(script: string, args: readonly string[], extraExecArgv: readonly string[] = [], readyTimeoutMs = 60_000): Promise<{ child: Child; ready: R }> {
  const proc = fork(script, [...args], {
    execArgv: [...CHILD_EXEC_ARGV, ...extraExecArgv],
    stdio: ['ignore', 'pipe', 'pipe', 'ipc'],
    env: { ...process.env, AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED: 'true' },
  });
  const base = track(proc);
  const pending = new Map<number, { resolve: (v: unknown) => void; reject: (e: Error) => void; timer: NodeJS.Timeout }>();
  let nextId = 1;
  let readyResolve: (v: R) => void = () => undefined;
  let readyReject: (e: Error) => void = () => undefined;
  const ready = new Promise<R>((resolve, reject) => {
    readyResolve = resolve;
    readyReject = reject;
  });
  proc.on('message', (raw: unknown) => {
    const msg = raw as Partial<Reply> & { ready?: R; fatal?: string };
    if (msg.fatal !== undefined) {
      readyReject(new Error(msg.fatal));
      return;
    }
    if ('ready' in msg) {
      readyResolve(msg.ready as R);
      return;
    }
    const p = msg.id !== undefined ? pending.get(msg.id) : undefined;
    if (!p) return;
    pending.delete(msg.id!);
    clearTimeout(p.timer);
    if (msg.ok) p.resolve(msg.value);
    else p.reject(new Error(msg.error ?? 'child failed'));
  });
  proc.once('exit', (code) => {
    const err = new Error(`${script} exited (code ${code}): ${base.output().slice(-1500)}`);
    readyReject(err);
    for (const p of pending.values()) {
      clearTimeout(p.timer);
      p.reject(err);
    }
    pending.clear();
  });
  const readyTimer = setTimeout(() => readyReject(new Error(`${script} did not start within ${readyTimeoutMs} ms: ${base.output().slice(-1500)}`)), readyTimeoutMs);
  let value: R;
  try {
    value = await ready;
  } catch (err) {
    await base.stop();
    throw err;
  } finally {
    clearTimeout(readyTimer);
  }
  const exited = new Promise<void>((resolve) => {
    if (proc.exitCode !== null) resolve();
    else proc.once('exit', () => resolve());
  });
  const child: Child = {
    ...base,
    async close(timeoutMs = 15_000) {
      await child.call('close', undefined, timeoutMs).catch(() => undefined);
      let timer: NodeJS.Timeout | undefined;
      await Promise.race([exited, new Promise<void>((r) => (timer = setTimeout(r, timeoutMs)))]);
      clearTimeout(timer);
      await base.stop();
    },
    call<T>(command: string, callArgs?: unknown, timeoutMs = 120_000): Promise<T> {
      const id = nextId++;
      return new Promise<T>((resolve, reject) => {
        const timer = setTimeout(() => {
          pending.delete(id);
          reject(new Error(`${script}: ${command} timed out after ${timeoutMs} ms`));
        }, timeoutMs);
        pending.set(id, { resolve: resolve as (v: unknown) => void, reject, timer });
        proc.send({ id, command, args: callArgs });
      });
    },
  };
  return { child, ready: value };
}

/**
 * The child side of {@link forkChild}: announces `ready`, then answers
 * commands with `handlers`. `close` is always available and exits.
 */
export function serveParent(ready: unknown, handlers: Record<string, (args: unknown) => unknown>, close: () => Promise<void>): void {
  const send = (msg: unknown): void => {
    process.send?.(msg);
  };
  process.on('message', (raw: unknown) => {
    const msg = raw as { id: number; command: string; args?: unknown };
    if (msg.command === 'close') {
      void close()
        .catch(() => undefined)
        .finally(() => {
          send({ id: msg.id, ok: true });
          setTimeout(() => process.exit(0), 50);
        });
      return;
    }
    const handler = handlers[msg.command];
    if (!handler) {
      send({ id: msg.id, ok: false, error: `unknown command ${msg.command}` });
      return;
    }
    Promise.resolve()
      .then(() => handler(msg.args))
      .then(
        (value) => send({ id: msg.id, ok: true, value }),
        (err: unknown) => send({ id: msg.id, ok: false, error: err instanceof Error ? (err.stack ?? err.message) : String(err) }),
      );
  });
  process.on('disconnect', () => {
    void close().finally(() => process.exit(0));
  });
  send({ ready });
}

/** Reports a startup failure to the parent, then exits once the message is out. */
export function failStartup(err: unknown): Promise<never> {
  const fatal = err instanceof Error ? (err.stack ?? err.message) : String(err);
  if (process.send) process.send({ fatal }, () => process.exit(1));
  else {
    process.stderr.write(`${fatal}\n`);
    process.exit(1);
  }
  return new Promise<never>(() => undefined);
}

let clockTicks: number | undefined;

/** CPU time (user + system, all threads) a process has used so far, in ms; undefined where /proc is unavailable. */
export function processCpuMs(pid: number): number | undefined {
  try {
    clockTicks ??= Number(execFileSync('getconf', ['CLK_TCK'], { encoding: 'utf8' }).trim()) || 100;
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
    return ((Number(fields[11]) + Number(fields[12])) * 1000) / clockTicks;
  } catch {
    return undefined;
  }
}

/** CPU used by a server process and by this (client) process between marks: load-independent cost. */
export class CpuMeter {
  constructor(private readonly serverPid: number | undefined) {}

  mark(): { server: number | undefined; client: number } {
    const u = process.cpuUsage();
    return { server: this.serverPid === undefined ? undefined : processCpuMs(this.serverPid), client: (u.user + u.system) / 1000 };
  }

  /** CPU ms since `from`. */
  since(from: { server: number | undefined; client: number }): { server: number; client: number } {
    const now = this.mark();
    return { server: now.server !== undefined && from.server !== undefined ? now.server - from.server : Number.NaN, client: now.client - from.client };
  }
}
