/**
 * Runs the `eddy` CLI as a user would: `node cli/bin/eddy.js …` in a child
 * process, against a local host started in the test process.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';

/** The CLI's bin shim. */
export const CLI = fileURLToPath(new URL('../../cli/bin/eddy.js', import.meta.url));

/** What a CLI run left behind. */
export interface CliResult {
  readonly code: number | null;
  readonly signal: NodeJS.Signals | null;
  readonly stdout: string;
  readonly stderr: string;
  /** stdout as bytes (binary output). */
  readonly stdoutBytes: Buffer;
}

/** Options of {@link runCli} and {@link startCli}. */
export interface CliOptions {
  /** EDDY_ENDPOINT for the child (unset when undefined). */
  readonly endpoint?: string;
  /** Bytes piped to stdin (stdin is closed right away when absent). */
  readonly input?: string | Buffer;
  /** Extra environment. */
  readonly env?: Readonly<Record<string, string>>;
}

function childEnv(options: CliOptions): NodeJS.ProcessEnv {
  const env: NodeJS.ProcessEnv = { ...process.env, ...options.env };
  delete env.NODE_OPTIONS; // the test runner's loader flags are not the user's
  if (options.endpoint !== undefined) env.EDDY_ENDPOINT = options.endpoint;
  else if (!options.env?.EDDY_ENDPOINT) delete env.EDDY_ENDPOINT;
  return env;
}

/** A running CLI with its output collected so far. */
export interface RunningCli {
  readonly child: ChildProcess;
  /** stdout so far. */
  stdout(): string;
  /** stderr so far. */
  stderr(): string;
  /** Resolves when the process exits. */
  readonly done: Promise<CliResult>;
  /** Resolves once stdout (or stderr) contains `text`; rejects after `timeoutMs`. */
  waitFor(text: string | RegExp, stream?: 'stdout' | 'stderr', timeoutMs?: number): Promise<void>;
}

/** Starts the CLI without waiting for it. */
export function startCli(args: readonly string[], options: CliOptions = {}): RunningCli {
  const child = spawn(process.execPath, [CLI, ...args], { env: childEnv(options), stdio: ['pipe', 'pipe', 'pipe'] });
  const out: Buffer[] = [];
  const err: Buffer[] = [];
  const waiters: (() => void)[] = [];
  const notify = (): void => {
    for (const w of waiters.splice(0)) w();
  };
  child.stdout!.on('data', (b: Buffer) => {
    out.push(b);
    notify();
  });
  child.stderr!.on('data', (b: Buffer) => {
    err.push(b);
    notify();
  });
  if (options.input !== undefined) child.stdin!.end(options.input);
  else child.stdin!.end();
  child.stdin!.on('error', () => undefined); // the CLI may exit before reading its input
  const stdout = (): string => Buffer.concat(out).toString('utf8');
  const stderr = (): string => Buffer.concat(err).toString('utf8');
  const done = new Promise<CliResult>((resolve, reject) => {
    child.once('error', reject);
    child.once('close', (code, signal) => resolve({ code, signal, stdout: stdout(), stderr: stderr(), stdoutBytes: Buffer.concat(out) }));
  });
  const waitFor = (text: string | RegExp, stream: 'stdout' | 'stderr' = 'stdout', timeoutMs = 20_000): Promise<void> =>
    new Promise((resolve, reject) => {
      const matches = (): boolean => {
        const s = stream === 'stdout' ? stdout() : stderr();
        return typeof text === 'string' ? s.includes(text) : text.test(s);
      };
      const timer = setTimeout(() => reject(new Error(`timed out waiting for ${String(text)} on ${stream}; stdout=${stdout()} stderr=${stderr()}`)), timeoutMs);
      const check = (): void => {
        if (matches()) {
          clearTimeout(timer);
          resolve();
        } else if (child.exitCode !== null || child.signalCode !== null) {
          clearTimeout(timer);
          reject(new Error(`exited before ${String(text)} appeared on ${stream}; stdout=${stdout()} stderr=${stderr()}`));
        } else {
          waiters.push(check);
        }
      };
      check();
      void done.then(() => waiters.length > 0 && check());
    });
  return { child, stdout, stderr, done, waitFor };
}

/** Runs the CLI to completion. */
export function runCli(args: readonly string[], options: CliOptions = {}): Promise<CliResult> {
  return startCli(args, options).done;
}

/** Rows of a table the CLI printed: header names → cells. */
export function parseTable(text: string, header: string): Record<string, string>[] {
  const lines = text.split('\n');
  const start = lines.findIndex((l) => l.startsWith(header));
  if (start < 0) throw new Error(`no table starting with ${header} in:\n${text}`);
  const names = lines[start]!.trim().split(/\s{2,}/);
  const rows: Record<string, string>[] = [];
  for (const line of lines.slice(start + 1)) {
    if (line.trim() === '') break;
    const cells = line.trim().split(/\s{2,}/);
    rows.push(Object.fromEntries(names.map((n, i) => [n, cells[i] ?? ''])));
  }
  return rows;
}

/** The peak resident set size (VmHWM, bytes) of a live process, or undefined once it is gone. */
export function peakRss(pid: number): number | undefined {
  try {
    const m = /VmHWM:\s+(\d+) kB/.exec(readFileSync(`/proc/${pid}/status`, 'utf8'));
    return m ? Number(m[1]) * 1024 : undefined;
  } catch {
    return undefined;
  }
}

/** Asserts-friendly check that stderr is one line of the CLI's error format and carries no stack trace. */
export function isOneLineError(stderr: string): boolean {
  const lines = stderr.split('\n').filter((l) => l !== '');
  return lines.length === 1 && lines[0]!.startsWith('eddy: ') && !/\n\s+at /.test(stderr);
}
