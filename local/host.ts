/**
 * The local host: the embedded stand-ins plus every Lambda handler, served on
 * loopback the way AWS would call them.
 *
 * - HTTP API routes are turned into the API Gateway HTTP API (payload v2)
 *   events API Gateway sends, and handed to the function that serves the
 *   route in the CDK stack (the same route table decides).
 * - `POST /2015-03-31/functions/{name}/invocations` is the Lambda Invoke API,
 *   so `@aws-sdk/client-lambda` pointed at this host works.
 * - Maintenance runs every `maintenanceIntervalMs`.
 * - One host per data directory (`local/lock.ts`).
 * - The stand-ins run in a worker thread of their own unless
 *   `standinsThread: false`, so the handlers and the stand-ins each get a
 *   core; `standins.died` says if that thread dies (`npm start` then exits).
 * - `close()` is quick even with consumers attached: it stops accepting,
 *   answers pending long polls at once with what they have, answers requests
 *   that arrive on open keep-alive connections with a retryable 503 and
 *   `Connection: close`, and cuts what is still open after a bound.
 * - `/console/` serves the web console (console/serve.ts).
 */
import { randomUUID } from 'node:crypto';
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { APIGatewayProxyEventV2 } from 'aws-lambda';
import { awsComponents, type AwsClients } from '../core/adapters/aws/index.js';
import { DEFAULTS, type Settings } from '../core/config.js';
import type { Components } from '../core/index.js';
import { FUNCTION_NAMES, type FunctionKind } from '../core/schema.js';
import { dispatch, MAX_BODY_BYTES } from '../lambdas/http/handler.js';
import { createLogger, type Level, type Logger } from '../lambdas/http/log.js';
import { rawBodyPartsOf, withRawBody } from '../lambdas/http/raw-body.js';
import { matchRoute } from '../lambdas/http/routes.js';
import { createRuntime, type Runtime } from '../lambdas/http/runtime.js';
import { serveConsole } from '../console/serve.js';
import { lockDataDir } from './lock.js';
import { startKafkaServer, type KafkaServer, type KafkaServerOptions } from '../kafka/server.js';
import { startStandins, type Standins } from './standins.js';

/** Options for {@link startLocalHost}. */
export interface LocalHostOptions {
  /** TCP port on 127.0.0.1; 0 picks a free one. @default 4000 */
  readonly port?: number;
  /** Where the stand-ins keep data. @default ".eddy" */
  readonly dataDir?: string;
  /**
   * Run dynalite and s3rver in a worker thread of their own (`npm start`,
   * `eddy dev`, the benchmark), or in this thread (`false`: in-process test
   * hosts, which start faster and need no tsx in a worker). @default true
   */
  readonly standinsThread?: boolean;
  /** Maintenance interval in ms; 0 disables. @default 60000 */
  readonly maintenanceIntervalMs?: number;
  /** @default "info" */
  readonly logLevel?: Level;
  /** Where log lines go. @default stdout */
  readonly logWrite?: (line: string) => void;
  /**
   * Called with the AWS clients the handlers will use, after the tables and
   * bucket exist: add middleware here (request counting, fault injection).
   */
  readonly instrument?: (clients: AwsClients) => void;
  /** Settings overrides (e.g. gcGraceMs) on top of the stand-ins' settings. */
  readonly settings?: Partial<Pick<Settings, 'gcGraceMs' | 'compactionTargetBytes' | 'retentionMinAgeMs' | 'heartbeatIntervalMs' | 'handoverHeartbeatIntervalMs' | 'appendProtocol'>>;
  /**
   * How long `close()` lets in-flight requests finish before cutting their
   * connections (long polls are answered at once, so only slow writes wait).
   * @default 1500
   */
  readonly closeGraceMs?: number;
  /**
   * Port of the Kafka protocol server on 127.0.0.1; 0 picks a free one;
   * undefined runs none. `npm start` passes `EDDY_KAFKA_PORT` (default 9092).
   */
  readonly kafkaPort?: number;
  /** The Kafka server's other options (advertised address, topic auto-creation). */
  readonly kafka?: Pick<KafkaServerOptions, 'advertisedHost' | 'advertisedPort' | 'autoCreateTopics' | 'defaultPartitions' | 'maxFetchWaitMs'>;
}

/** A running local host. */
export interface LocalHost {
  /** `http://127.0.0.1:<port>`: HTTP routes and the Lambda Invoke API. */
  readonly url: string;
  readonly port: number;
  readonly runtime: Runtime;
  /** The components the handlers run on (AWS adapters over the stand-ins). */
  readonly components: Components;
  readonly standins: Standins;
  /** The Kafka protocol server, when `kafkaPort` was given. */
  readonly kafka?: KafkaServer;
  /** Runs one maintenance pass now. */
  runMaintenance(): Promise<unknown>;
  /**
   * Stops accepting, answers pending long polls at once, gives other
   * in-flight requests up to `closeGraceMs`, closes every connection, stops
   * the stand-ins and releases the data directory.
   */
  close(): Promise<void>;
}

/** The heartbeat interval the local host asks group members for (deployments: 5000, `EDDY_HEARTBEAT_INTERVAL_MS`). */
export const LOCAL_HEARTBEAT_INTERVAL_MS = 1_000;

const KIND_BY_FUNCTION = new Map<string, FunctionKind>(Object.entries(FUNCTION_NAMES).map(([kind, name]) => [name, kind as FunctionKind]));

/** The function name in an Invoke path segment: a name, a partial or full ARN, optionally with a qualifier. */
function functionName(segment: string): string {
  const name = decodeURIComponent(segment);
  const arn = /^(?:arn:aws[\w-]*:lambda:[\w-]+:\d{12}:function:)?([\w-]+)(?::[\w$-]+)?$/.exec(name);
  return arn?.[1] ?? name;
}

/** Most bytes allocated up front from a Content-Length; a body beyond it grows as its bytes arrive. */
const PREALLOCATE_MAX_BYTES = 1024 * 1024;

/** Why a request body was not read. */
type BodyRefusal = 'too large' | 'aborted';

/**
 * The request body in one buffer. A Content-Length over {@link MAX_BODY_BYTES}
 * is refused before a byte is read or allocated; otherwise up to 1 MiB is
 * allocated from it and the buffer grows (doubling) as bytes arrive, so a
 * declared length alone never makes the host allocate. A chunked body that
 * passes the limit is read to its end and dropped. A body whose reading fails
 * (the client aborted) is `aborted`.
 */
async function readBody(req: IncomingMessage): Promise<Buffer | BodyRefusal> {
  const declared = Number(req.headers['content-length']);
  const known = req.headers['content-length'] !== undefined && Number.isSafeInteger(declared) && declared >= 0;
  if (known && declared > MAX_BODY_BYTES) return 'too large';
  let body = Buffer.allocUnsafe(known ? Math.min(declared, PREALLOCATE_MAX_BYTES) : 0);
  let size = 0;
  let tooLarge = false;
  try {
    for await (const chunk of req as AsyncIterable<Buffer>) {
      if (tooLarge || size + chunk.length > MAX_BODY_BYTES) {
        tooLarge = true;
        continue;
      }
      if (size + chunk.length > body.length) {
        const grown = Buffer.allocUnsafe(Math.min(MAX_BODY_BYTES, Math.max(size + chunk.length, 2 * body.length, 64 * 1024)));
        body.copy(grown, 0, 0, size);
        body = grown;
      }
      chunk.copy(body, size);
      size += chunk.length;
    }
  } catch {
    return 'aborted';
  }
  return tooLarge ? 'too large' : body.subarray(0, size);
}

function sendResponse(res: ServerResponse, status: number, body: string | Buffer | readonly Uint8Array[], headers: Record<string, string> = {}): void {
  if (!Array.isArray(body)) {
    const whole = body as string | Buffer;
    res.writeHead(status, { 'content-type': 'application/json', 'content-length': String(Buffer.byteLength(whole)), ...headers });
    res.end(whole);
    return;
  }
  // The pieces of a binary answer (its header, then batches as read from storage) go out in one writev, uncopied.
  const parts = body as readonly Uint8Array[];
  res.writeHead(status, { 'content-type': 'application/json', 'content-length': String(parts.reduce((n, p) => n + p.byteLength, 0)), ...headers });
  res.cork();
  for (const part of parts) res.write(part);
  res.end();
}

function apiGatewayEvent(req: IncomingMessage, url: URL, body: Buffer, routeKey: string): APIGatewayProxyEventV2 {
  const headers: Record<string, string> = {};
  for (const [k, v] of Object.entries(req.headers)) if (v !== undefined) headers[k.toLowerCase()] = Array.isArray(v) ? v.join(',') : v;
  const query: Record<string, string> = {};
  // API Gateway joins repeated query parameters with commas.
  for (const key of new Set(url.searchParams.keys())) query[key] = url.searchParams.getAll(key).join(',');
  const now = new Date();
  const event: APIGatewayProxyEventV2 = {
    version: '2.0',
    routeKey,
    rawPath: url.pathname,
    rawQueryString: url.search.slice(1),
    headers,
    ...(Object.keys(query).length ? { queryStringParameters: query } : {}),
    requestContext: {
      accountId: '000000000000',
      apiId: 'local',
      domainName: url.host,
      domainPrefix: 'local',
      http: { method: req.method ?? 'GET', path: url.pathname, protocol: `HTTP/${req.httpVersion}`, sourceIp: req.socket.remoteAddress ?? '127.0.0.1', userAgent: headers['user-agent'] ?? '' },
      requestId: randomUUID(),
      routeKey,
      stage: '$default',
      time: now.toISOString(),
      timeEpoch: now.getTime(),
    },
    isBase64Encoded: false,
  };
  // Always base64, as API Gateway does for bodies it treats as binary: the
  // handler sees the exact bytes and rejects invalid UTF-8 itself. The base64
  // is made only if someone reads `body`: the handler takes the bytes beside it.
  return body.length > 0 ? withRawBody(event, new Uint8Array(body.buffer, body.byteOffset, body.byteLength)) : event;
}

/** Starts the stand-ins and serves every handler on 127.0.0.1. */
export async function startLocalHost(options: LocalHostOptions = {}): Promise<LocalHost> {
  const log: Logger = createLogger(options.logLevel ?? 'info', options.logWrite);
  const dataDir = options.dataDir ?? DEFAULTS.dataDir;
  // Before anything opens the stand-ins' files: a second host on this directory stops here.
  const lock = await lockDataDir(dataDir);
  let standins: Standins;
  try {
    standins = await startStandins({ dataDir, thread: options.standinsThread ?? true });
  } catch (err) {
    lock.release();
    throw err;
  }
  options.instrument?.(standins.clients);
  // Heartbeats cost nothing here: a shorter interval lets a rebalance finish in about a second.
  const settings: Settings = { heartbeatIntervalMs: LOCAL_HEARTBEAT_INTERVAL_MS, ...standins.settings, ...options.settings };
  const components = awsComponents(settings, { clients: standins.clients });
  const runtime = createRuntime({ settings, components, logger: log, pollIntervalMs: 250 });
  let inFlight = 0;
  let idle: (() => void) | undefined;
  let closing = false;
  // While closing, every answer closes its connection, so keep-alive clients let go.
  const send = (res: ServerResponse, status: number, body: string | Buffer | readonly Uint8Array[], headers: Record<string, string> = {}): void =>
    sendResponse(res, status, body, closing ? { ...headers, connection: 'close' } : headers);

  const handle = async (req: IncomingMessage, res: ServerResponse): Promise<void> => {
    if (closing) {
      // A request on a connection opened before shutdown began: nothing is applied, the client may retry elsewhere.
      send(res, 503, JSON.stringify({ error: { code: 'UNAVAILABLE', message: 'the local host is shutting down', retryable: true } }));
      return;
    }
    const url = new URL(req.url ?? '/', 'http://127.0.0.1');
    if (await serveConsole(req, res, url)) return; // the web console's static files under /console/
    const body = await readBody(req);
    if (body === 'too large') {
      // Closes the connection: whatever of the body was not read is never read.
      send(res, 413, JSON.stringify({ error: { code: 'MESSAGE_TOO_LARGE', message: `request body exceeds ${MAX_BODY_BYTES} bytes (the limit of the HTTP API and of a Lambda invoke; a larger record goes over the Kafka protocol, see docs/kafka.md)`, retryable: false } }), { connection: 'close' });
      return;
    }
    if (body === 'aborted') {
      // The client went away mid-body: nothing was applied. Answer if anyone can still hear it, else drop it quietly.
      if (res.writable && !req.socket.destroyed) send(res, 400, JSON.stringify({ error: { code: 'INVALID_REQUEST', message: 'the request body could not be read to its end', retryable: false } }), { connection: 'close' });
      return;
    }
    const invoke = /^\/2015-03-31\/functions\/([^/]+)\/invocations\/?$/.exec(url.pathname);
    if (invoke && req.method === 'POST') {
      const name = functionName(invoke[1]!);
      const kind = KIND_BY_FUNCTION.get(name);
      if (!kind) {
        send(res, 404, JSON.stringify({ Type: 'User', message: `Function not found: ${name}` }), { 'x-amzn-errortype': 'ResourceNotFoundException' });
        return;
      }
      let payload: unknown;
      try {
        payload = body.length ? (JSON.parse(body.toString('utf8')) as unknown) : {};
      } catch {
        send(res, 400, JSON.stringify({ Type: 'User', message: 'Could not parse request body into json' }), { 'x-amzn-errortype': 'InvalidRequestContentException' });
        return;
      }
      const requestId = randomUUID();
      const result = await dispatch(runtime, kind, payload, { requestId });
      send(res, 200, JSON.stringify(result ?? null), { 'x-amz-executed-version': '$LATEST', 'x-amzn-requestid': requestId });
      return;
    }
    const method = (req.method ?? 'GET').toUpperCase();
    let kind: FunctionKind = 'admin';
    let routeKey = '$default';
    try {
      const m = matchRoute(method, url.pathname);
      if (m && 'route' in m) {
        kind = m.route.kind;
        routeKey = `${method} ${m.route.path}`;
      }
    } catch {
      // A malformed path: let the handler answer it.
    }
    const out = (await dispatch(runtime, kind, apiGatewayEvent(req, url, body, routeKey), { requestId: randomUUID() })) as { statusCode: number; headers?: Record<string, string>; body?: string; isBase64Encoded?: boolean };
    // A binary answer (application/vnd.eddy.batches) comes base64, as API Gateway takes it; the wire gets the bytes
    // (those the handler attached beside the base64 when it has, so the base64 is never made).
    const raw = rawBodyPartsOf(out);
    send(res, out.statusCode, raw ?? (out.isBase64Encoded ? Buffer.from(out.body ?? '', 'base64') : (out.body ?? '')), out.headers ?? {});
  };

  const server = createServer((req, res) => {
    inFlight++;
    handle(req, res)
      .catch((err: unknown) => {
        log.error('local host failure', { error: String(err) });
        if (!res.headersSent) send(res, 500, JSON.stringify({ error: { code: 'INTERNAL', message: 'local host failure', retryable: false } }));
      })
      .finally(() => {
        if (--inFlight === 0) idle?.();
      });
  });
  server.keepAliveTimeout = 5_000;
  try {
    await new Promise<void>((resolve, reject) => {
      server.once('error', reject);
      server.listen(options.port ?? DEFAULTS.port, '127.0.0.1', () => resolve());
    });
  } catch (err) {
    await standins.close();
    lock.release();
    throw err;
  }
  const port = (server.address() as AddressInfo).port;
  lock.setUrl(`http://127.0.0.1:${port}`);
  const kafka =
    options.kafkaPort === undefined
      ? undefined
      : await startKafkaServer({ core: runtime.eddy, host: '127.0.0.1', port: options.kafkaPort, ...options.kafka, log }).catch((err: unknown) => {
          server.close();
          throw err;
        });

  let maintenanceRunning: Promise<unknown> | undefined;
  const runMaintenance = (): Promise<unknown> =>
    (maintenanceRunning ??= runtime.eddy.maintenance
      .runOnce()
      .then((report) => {
        log.info('maintenance', { ...report });
        return report;
      })
      .finally(() => (maintenanceRunning = undefined)));
  const intervalMs = options.maintenanceIntervalMs ?? DEFAULTS.maintenanceIntervalMs;
  const timer = intervalMs > 0 ? setInterval(() => void runMaintenance().catch((err: unknown) => log.error('maintenance failed', { error: String(err) })), intervalMs) : undefined;
  timer?.unref();

  return {
    url: `http://127.0.0.1:${port}`,
    port,
    runtime,
    components,
    standins,
    ...(kafka ? { kafka } : {}),
    runMaintenance,
    async close() {
      if (closing) return;
      closing = true;
      if (timer) clearInterval(timer);
      // Pending long polls answer now with what they have, instead of holding the shutdown.
      runtime.notifier.close();
      await kafka?.close();
      const closed = new Promise<void>((resolve) => server.close(() => resolve()));
      server.closeIdleConnections();
      const grace = options.closeGraceMs ?? 1500;
      if (inFlight > 0) {
        let timeout: NodeJS.Timeout | undefined;
        await Promise.race([new Promise<void>((resolve) => (idle = resolve)), new Promise<void>((resolve) => (timeout = setTimeout(resolve, grace)))]);
        clearTimeout(timeout);
      }
      server.closeAllConnections();
      await closed;
      // A maintenance pass is safe to interrupt (every step is idempotent); it is not waited for beyond the grace.
      if (maintenanceRunning) {
        let timeout: NodeJS.Timeout | undefined;
        await Promise.race([maintenanceRunning.catch(() => undefined), new Promise<void>((resolve) => (timeout = setTimeout(resolve, grace)))]);
        clearTimeout(timeout);
      }
      await standins.close();
      lock.release();
    },
  };
}
