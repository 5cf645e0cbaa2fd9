/**
 * The one way tests start the local host, on 127.0.0.1 with ephemeral ports
 * and a temp data dir (removed by `cleanup`/`stop`), in either mode:
 *
 * - {@link testHost}: in this process (`startLocalHost`), maintenance off,
 *   logs kept in memory, stand-ins in this thread unless `standinsThread`;
 *   the runtime, stand-ins and Kafka server are at hand.
 * - {@link hostProcess}: a child process started the user's way (`npm start`
 *   or `eddy dev`), for what only a process shows: signals, exit codes,
 *   the banner, the data-directory lock.
 *
 * Plus a tiny JSON HTTP client and unique names.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { startLocalHost, type LocalHost, type LocalHostOptions } from '../../local/host.js';
import { tempDir } from './standins.js';

/** A local host running in this process. */
export type TestHost = LocalHost & {
  readonly dataDir: string;
  /** Log lines, unless `logWrite` was given. */
  readonly logs: string[];
  /** The Kafka server's port, when `kafkaPort` was given (0 picks a free one). */
  readonly kafkaPort?: number;
  /** Closes the host and removes the temp data dir (a given `dataDir` is kept). */
  cleanup(): Promise<void>;
};

/** A local host in this process with a temp data dir, quiet logs and maintenance off unless asked. */
export async function testHost(options: LocalHostOptions = {}): Promise<TestHost> {
  const tmp = options.dataDir ? undefined : tempDir('eddy-host-');
  const logs: string[] = [];
  // Stand-ins in this thread unless asked: a test host starts faster without a worker (`npm start` runs them in one).
  const host = await startLocalHost({ port: 0, maintenanceIntervalMs: 0, standinsThread: false, logWrite: (l) => logs.push(l), ...options, dataDir: options.dataDir ?? tmp!.dir });
  return {
    ...host,
    close: () => host.close(),
    runMaintenance: () => host.runMaintenance(),
    dataDir: options.dataDir ?? tmp!.dir,
    logs,
    ...(host.kafka ? { kafkaPort: host.kafka.port } : {}),
    cleanup: async () => {
      await host.close();
      tmp?.remove();
    },
  };
}

const ROOT = fileURLToPath(new URL('../../', import.meta.url));
const BANNER = /Eddy is listening on (http:\/\/127\.0\.0\.1:\d+)/;

/** Options of {@link hostProcess}. */
export interface HostProcessOptions {
  /** How the user starts it: `npm start` (node + tsx on local/main.ts, without npm) or the CLI's `eddy dev`. @default 'npm start' */
  readonly command?: 'npm start' | 'eddy dev';
  /** Data directory; a temp one (removed by `stop`) when absent. */
  readonly dataDir?: string;
  /** Kafka protocol port; off (`EDDY_KAFKA_PORT=0`) when absent, so hosts never race for 9092. `npm start` only. */
  readonly kafkaPort?: number;
  /** Extra environment (wins over the defaults: maintenance off, log level warn). */
  readonly env?: Readonly<Record<string, string>>;
}

/** A local host running as a child process. */
export interface HostProcess {
  readonly child: ChildProcess;
  readonly dataDir: string;
  /** stderr so far (the banner, shutdown messages, errors). */
  stderr(): string;
  /** Resolves with the URL from the banner; rejects if the process exits first. */
  readonly url: Promise<string>;
  /** Resolves when the process exits, with how and when. */
  readonly exited: Promise<{ code: number | null; signal: NodeJS.Signals | null; at: number }>;
  /** SIGINT, waits for the exit (SIGKILL after 15 s), removes a temp data dir. */
  stop(): Promise<void>;
}

/** Starts the local host as a child process on a free port, the way a user does. */
export function hostProcess(options: HostProcessOptions = {}): HostProcess {
  const tmp = options.dataDir ? undefined : tempDir('eddy-host-process-');
  const dataDir = options.dataDir ?? tmp!.dir;
  const env: NodeJS.ProcessEnv = { ...process.env, EDDY_MAINTENANCE_INTERVAL_MS: '0', EDDY_LOG_LEVEL: 'warn', EDDY_KAFKA_PORT: String(options.kafkaPort ?? 0), ...options.env };
  delete env.NODE_OPTIONS; // the test runner's loader flags are not the user's
  delete env.EDDY_ENDPOINT;
  const [args, cwd] =
    options.command === 'eddy dev'
      ? [[fileURLToPath(new URL('../../cli/bin/eddy.js', import.meta.url)), 'dev', '--port', '0', '--data-dir', dataDir, '--maintenance-interval', env.EDDY_MAINTENANCE_INTERVAL_MS!], undefined]
      : [['--openssl-legacy-provider', '--import', 'tsx', 'local/main.ts'], ROOT];
  if (options.command !== 'eddy dev') Object.assign(env, { PORT: '0', EDDY_DATA_DIR: dataDir });
  const child = spawn(process.execPath, args, { cwd, env, stdio: ['ignore', 'ignore', 'pipe'] });
  let err = '';
  const listeners: (() => void)[] = [];
  child.stderr!.on('data', (b: Buffer) => {
    err += b.toString('utf8');
    for (const l of listeners) l();
  });
  const exited = new Promise<{ code: number | null; signal: NodeJS.Signals | null; at: number }>((resolve) =>
    child.once('exit', (code, signal) => resolve({ code, signal, at: Date.now() })),
  );
  const url = new Promise<string>((resolve, reject) => {
    listeners.push(() => {
      const m = BANNER.exec(err);
      if (m) resolve(m[1]!);
    });
    void exited.then(() => reject(new Error(`host exited before listening: ${err}`)));
  });
  url.catch(() => undefined); // a host expected to refuse never listens
  const running = (): boolean => child.exitCode === null && child.signalCode === null;
  return {
    child,
    dataDir,
    stderr: () => err,
    url,
    exited,
    async stop() {
      if (running()) {
        child.kill('SIGINT');
        const timer = setTimeout(() => running() && child.kill('SIGKILL'), 15_000);
        await exited;
        clearTimeout(timer);
      }
      tmp?.remove();
    },
  };
}

/** A JSON response. */
export interface JsonResponse {
  status: number;
  body: any; // eslint-disable-line @typescript-eslint/no-explicit-any -- assertions inspect arbitrary JSON
  headers: Headers;
}

/** Sends a request; `body` objects are JSON-encoded, strings and bytes sent as they are. */
export async function call(base: string, method: string, path: string, body?: unknown, headers: Record<string, string> = {}): Promise<JsonResponse> {
  const init: RequestInit = { method, headers: { ...headers } };
  if (body !== undefined) {
    init.body = typeof body === 'string' || body instanceof Uint8Array ? (body as string) : JSON.stringify(body);
    (init.headers as Record<string, string>)['content-type'] ??= 'application/json';
  }
  const res = await fetch(base + path, init);
  const text = await res.text();
  let parsed: unknown = text;
  try {
    parsed = text ? JSON.parse(text) : null;
  } catch {
    // leave as text
  }
  return { status: res.status, body: parsed, headers: res.headers };
}

/** A unique name per test. */
let counter = 0;
export const unique = (label: string): string => `${label}-${process.pid}-${Date.now().toString(36)}-${counter++}`;
