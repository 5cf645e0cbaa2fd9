/**
 * Child process: the Eddy local host (`startLocalHost`, the real HTTP path
 * over the embedded dynalite + s3rver), instrumented for the benchmark:
 * - an {@link AwsMeter} on the handlers' AWS clients (requests, RRU/WRU, bytes);
 * - optionally the simulated-AWS latency middleware (`--simulate-aws`);
 * - per-invocation handler time for requests on the host's own port (from
 *   the `http.server.request.start` diagnostics channel and `res.end`): what
 *   Lambda would bill, rounded up to 1 ms per invocation.
 *
 * Like `npm start` (local/main.ts), it plugs in the native CRC32C first.
 *
 * Argument: JSON `{dataDir, simulateAws, seed, crossContainer, kafka}`; with
 * `kafka`, the host's Kafka protocol server listens too (a free port, sent
 * to the parent as `kafkaPort`). With
 * `crossContainer`, the host's in-process long-poll wake-up is disabled, so
 * a waiting fetch re-reads the index every 250 ms as it must across Lambda
 * containers (they share no memory).
 */
import { subscribe } from 'node:diagnostics_channel';
import { writeFileSync } from 'node:fs';
import { Session } from 'node:inspector/promises';
import { ServerResponse, type IncomingMessage } from 'node:http';
import { performance } from 'node:perf_hooks';
import { DEFAULTS } from '../../core/config.js';
import { useNativeCrc32c } from '../../core/index.js';
import { Maintenance } from '../../core/maintenance/index.js';
import { startLocalHost } from '../../local/host.js';
import { prng, simulateAwsLatency } from '../lib/aws-model.js';
import { AwsMeter } from '../lib/meter.js';
import { failStartup, serveParent } from '../lib/proc.js';
import { Latencies } from '../lib/stats.js';

interface Options {
  readonly dataDir: string;
  readonly simulateAws?: boolean;
  readonly seed?: number;
  readonly crossContainer?: boolean;
  readonly kafka?: boolean;
}

/** What one function kind was invoked for. */
export interface InvocationStats {
  readonly invocations: number;
  readonly totalMs: number;
  /** Sum of per-invocation durations rounded up to 1 ms (Lambda's billing granularity). */
  readonly billedMs: number;
  readonly p50: number;
  readonly p99: number;
  /** Request and response body bytes. */
  readonly requestBytes: number;
  readonly responseBytes: number;
}

export interface HostStats {
  readonly meter: ReturnType<AwsMeter['snapshot']>;
  readonly lambda: Record<string, InvocationStats>;
}

// As local/main.ts does for `npm start`: the host checks every batch's CRC32C, in hardware when it can.
useNativeCrc32c();
const options = JSON.parse(process.argv[2] ?? '{}') as Options;
const meter = new AwsMeter();

class Invocations {
  count = 0;
  totalMs = 0;
  billedMs = 0;
  lat = new Latencies(50_000);
  requestBytes = 0;
  responseBytes = 0;
  add(ms: number, requestBytes: number, responseBytes: number): void {
    this.count++;
    this.requestBytes += requestBytes;
    this.responseBytes += responseBytes;
    this.totalMs += ms;
    this.billedMs += Math.max(1, Math.ceil(ms));
    this.lat.add(ms);
  }
}
let byKind = new Map<string, Invocations>();
let profiler: Session | undefined;

function kindOf(req: IncomingMessage): string {
  const path = (req.url ?? '').split('?')[0] ?? '';
  if (/^\/v1\/topics\/[^/]+\/records$/.test(path) && req.method === 'POST') return 'produce';
  if (/^\/v1\/topics\/[^/]+\/partitions\/\d+\/(records|offsets)$/.test(path)) return 'fetch';
  if (path.startsWith('/v1/groups')) return 'groups';
  return 'admin';
}

try {
  // Billed time of an invocation: from the moment its request body has
  // arrived (Lambda receives the payload before it starts) to the moment the
  // handler hands its answer to `res.end` (Lambda stops billing when the
  // handler returns), so loopback transfer time is not counted.
  let hostPort = -1;
  const timing = new WeakMap<ServerResponse, { request: IncomingMessage; start: number }>();
  subscribe('http.server.request.start', (message) => {
    const { request, response } = message as { request: IncomingMessage; response: ServerResponse };
    if (request.socket.localPort !== hostPort) return;
    const t = { request, start: performance.now() };
    timing.set(response, t);
    request.once('end', () => (t.start = performance.now()));
  });
  const end = ServerResponse.prototype.end;
  ServerResponse.prototype.end = function patchedEnd(this: ServerResponse, ...args: unknown[]) {
    const t = timing.get(this);
    if (t) {
      timing.delete(this);
      const body = args[0];
      const bytes = typeof body === 'string' ? Buffer.byteLength(body) : body instanceof Uint8Array ? body.length : 0;
      const kind = kindOf(t.request);
      let inv = byKind.get(kind);
      if (!inv) byKind.set(kind, (inv = new Invocations()));
      inv.add(performance.now() - t.start, Number(t.request.headers['content-length'] ?? 0), bytes);
    }
    return (end as (...a: unknown[]) => ServerResponse).apply(this, args);
  } as typeof end;

  const host = await startLocalHost({
    port: 0,
    dataDir: options.dataDir,
    maintenanceIntervalMs: 0,
    logWrite: () => undefined,
    ...(options.kafka ? { kafkaPort: 0 } : {}),
    instrument: (clients) => {
      // Metering first: the counter sees every attempt, simulated or not.
      meter.install(clients, DEFAULTS.logTable);
      if (options.simulateAws) {
        const random = prng(options.seed ?? 1);
        simulateAwsLatency(clients.s3, 's3', random);
        simulateAwsLatency(clients.dynamodb, 'dynamodb', random);
      }
    },
  });
  hostPort = host.port;
  if (options.crossContainer) {
    // Lambda containers share no memory: a produce never wakes another
    // container's long poll, which finds new records on its next re-read.
    (host.runtime.notifier as { notify: (...a: unknown[]) => void }).notify = () => undefined;
  }

  serveParent(
    { url: host.url, logTable: host.runtime.settings.logTable, ...(host.kafka ? { kafkaPort: host.kafka.port } : {}) },
    {
      stats: (): HostStats => ({
        meter: meter.snapshot(),
        lambda: Object.fromEntries(
          [...byKind.entries()].map(([k, v]) => [k, { invocations: v.count, totalMs: v.totalMs, billedMs: v.billedMs, p50: v.lat.p(50), p99: v.lat.p(99), requestBytes: v.requestBytes, responseBytes: v.responseBytes }]),
        ),
      }),
      // CPU profile of the measured runs only (not start-up or module loading).
      profileStart: async () => {
        profiler ??= new Session();
        profiler.connect();
        await profiler.post('Profiler.enable');
        await profiler.post('Profiler.setSamplingInterval', { interval: 500 });
        await profiler.post('Profiler.start');
        return null;
      },
      profileStop: async (path: unknown) => {
        if (!profiler) return null;
        const { profile } = await profiler.post('Profiler.stop');
        writeFileSync(String(path), JSON.stringify(profile));
        profiler.disconnect();
        profiler = undefined;
        return path;
      },
      reset: () => {
        meter.reset();
        byKind = new Map();
        return null;
      },
      // One pass with the production settings except the minimum ages, so
      // what was just produced is compacted now rather than a minute later.
      maintenance: async () => {
        const settings = host.runtime.settings;
        const maintenance = new Maintenance(host.components, { gcGraceMs: settings.gcGraceMs, compactionTargetBytes: settings.compactionTargetBytes, compactionMinAgeMs: 0, retentionMinAgeMs: 0 });
        const t0 = performance.now();
        const report = await maintenance.runOnce();
        return { report, ms: performance.now() - t0 };
      },
    },
    () => host.close(),
  );
} catch (err) {
  await failStartup(err);
}
