/**
 * Issue 17 part 1's targets for the binary path (`application/vnd.eddy.batches`),
 * in CPU ms per MB of record payload: SDK encode ≤ 2, produce handler ≤ 2,
 * fetch handler ≤ 2, SDK decode ≤ 2. Each target runs in a process of its
 * own (so one step's heap and GC do not tax another's), on the request
 * `bench/hotpath.ts` times: one ~1 MiB produce request of 1 KiB records as
 * the SDK producer builds it, and one 4 MiB fetch; handlers on the memory
 * adapters with API Gateway events (base64 bodies), as in that benchmark.
 *
 * ```
 * node --import tsx bench/hotpath-targets.ts [--js-crc] [--default-malloc] [--wire=json] [--quick] [--reps=N] [--json]
 * npm run bench -- --hotpath        (prints these targets after the hot-path table)
 * ```
 * - `--js-crc`: the JavaScript CRC32C, what the Lambda functions run (by
 *   default the SDK and the handlers here use `@node-rs/crc32`, as the SDK
 *   and the local host do).
 * - `--default-malloc`: glibc's default malloc settings instead of
 *   `MALLOC_ENV` (core/config.ts), which the CDK stack sets on every function.
 * - `--wire=json`: the same steps over the JSON format, for comparison.
 *
 * The request is bench/hotpath.ts's: the records whose JSON body fills the
 * producer's 1 MiB (734 records of 1 KiB, 0.757 MB of payload).
 */
import { execFile } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { loadavg } from 'node:os';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { performance } from 'node:perf_hooks';
import { promisify } from 'node:util';
import type { APIGatewayProxyEventV2 } from 'aws-lambda';
import { crc32cAccelerated, decodeProduceRequest, encodeProduceRequest, MALLOC_ENV_NAMES, useCrc32cAccelerator, BATCHES_MEDIA_TYPE } from '@eddy/api';
import { Eddy, type Transport } from '@eddy/sdk';
import { memoryComponents } from '../core/adapters/memory/index.js';
import { DEFAULTS, MALLOC_ENV, type Settings } from '../core/config.js';
import { systemIds } from '../core/ids.js';
import { systemClock } from '../core/ports.js';
import { dispatch } from '../lambdas/http/handler.js';
import { createLogger } from '../lambdas/http/log.js';
import { createRuntime } from '../lambdas/http/runtime.js';
import { encodeMessage, jsonSerializer, wireRecord } from '../sdk/src/producer/message.js';
import { parseBody } from '../sdk/src/transport/body.js';
import type { GetRecordsOutput } from '../sdk/src/types.js';
import { decodeBinaryFetchBytes, jsonFetchToBytes, SDK_ACCEPT } from '../sdk/src/wire.js';
import { fetchForApiGateway, time } from './hotpath.js';
import { fmt, median, table } from './lib/stats.js';

/** The four targets, in the order a record meets them. */
export const TARGETS = ['sdk-encode', 'produce-handler', 'fetch-handler', 'sdk-decode'] as const;
export type Target = (typeof TARGETS)[number];

/** Issue 17 part 1: at most this many CPU ms per MB of payload, each. */
export const TARGET_MS_PER_MB = 2;

const LABELS: Readonly<Record<Target, string>> = {
  'sdk-encode': 'SDK encode (encodeMessage ×N + putRecords: the produce body)',
  'produce-handler': 'produce handler (API Gateway event; memory adapters)',
  'fetch-handler': 'fetch handler (4 MiB; API Gateway answer; memory adapters)',
  'sdk-decode': "SDK decode (getRecords encoding 'bytes', what the consumer reads)",
};

/** One target's measurement. */
export interface TargetResult {
  readonly target: Target;
  readonly label: string;
  /** CPU ms per MB (10^6 bytes) of payload: median over the reps. */
  readonly msPerMB: number;
  /** Whether the process ran the native CRC32C. */
  readonly nativeCrc: boolean;
  /** Whether the process ran with `MALLOC_ENV`. */
  readonly tunedMalloc: boolean;
  readonly wire: Wire;
}

/** A run of every target. */
export interface TargetsRun {
  readonly wire: Wire;
  readonly jsCrc: boolean;
  readonly defaultMalloc: boolean;
  readonly results: readonly TargetResult[];
  /** 1-minute load average at the end. */
  readonly load: number;
}

/** How the records travel: the binary format (the SDK's default, what the targets are for) or JSON (for comparison). */
export type Wire = 'binary' | 'json';

/** Measures one target in this process; `budgetMs` per timed step, `reps` repetitions. */
export async function measureTarget(target: Target, budgetMs: number, reps: number, wire: Wire = 'binary'): Promise<number> {
  const json = wire === 'json';
  const values = Array.from({ length: 64 }, () => new Uint8Array(randomBytes(1024)));
  // One full SDK request: 1 KiB records up to the producer's batchBytes (1 MiB) on the wire.
  const messages: Array<{ key: Uint8Array; value: Uint8Array }> = [];
  // The JSON request of bench/hotpath.ts: the records whose JSON body fills 1 MiB (the binary one holds more of them).
  let bodyBytes = 280;
  for (let i = 0; ; i++) {
    const m = { key: Buffer.from(`key-${String(i % 4096).padStart(4, '0')}`), value: values[i % values.length]! };
    const e = encodeMessage(m, 'base64', jsonSerializer, 'json');
    if (bodyBytes + e.wireBytes > 1_048_576) break;
    bodyBytes += e.wireBytes;
    messages.push(m);
  }
  const n = messages.length;
  const payload = messages.reduce((s, m) => s + m.key.length + m.value.length, 0);

  // The SDK's produce path: encode each message, build the request records, encode the body.
  let body: Uint8Array | string = new Uint8Array(0);
  const results = messages.map((_, i) => ({ partition: 0, offset: i }));
  const fake: Transport = {
    binaryBodies: true,
    request: async (req) => {
      // JSON: the text the HTTP transport sends.
      body = json ? JSON.stringify(req.body) : (req.body as Uint8Array);
      return { status: 200, body: json ? { results } : { partitions: [{ partition: 0, baseOffset: 0, records: n }] } };
    },
  };
  const client = new Eddy({ transport: fake, wireFormat: wire });
  const sdkEncode = () => client.putRecords({ topic: 'hot', records: messages.map((m) => wireRecord(encodeMessage(m, 'base64', jsonSerializer, wire), 0)), producerId: 'p-bench', producerEpoch: 0, sequences: { '0': 0 } });
  if (target === 'sdk-encode') return perMB(await repeat(sdkEncode, budgetMs, reps), payload);
  await sdkEncode();

  const settings = { ...DEFAULTS, dynamodbEndpoint: undefined, s3Endpoint: undefined } as unknown as Settings;
  const components = memoryComponents(systemClock, systemIds);
  const rt = createRuntime({ settings, components, logger: createLogger('error', () => {}) });
  await rt.eddy.log.createTopic({ name: 'hot', partitions: 1 });
  // Without idempotence, so one body serves every call; a binary body base64, as API Gateway passes it, a JSON one as text.
  const eventBody = (): string => {
    if (typeof body === 'string') {
      const { producerId: _id, producerEpoch: _epoch, sequences: _seq, ...plainJson } = JSON.parse(body) as Record<string, unknown>;
      return JSON.stringify(plainJson);
    }
    const plain = encodeProduceRequest({ partitions: decodeProduceRequest(body).partitions.map((p) => ({ partition: p.partition, batch: p.batch })) });
    return Buffer.from(plain).toString('base64');
  };
  const produceEvent = {
    version: '2.0',
    routeKey: 'POST /v1/topics/{topic}/records',
    rawPath: '/v1/topics/hot/records',
    rawQueryString: '',
    headers: { 'content-type': json ? 'application/json' : BATCHES_MEDIA_TYPE },
    requestContext: { http: { method: 'POST', path: '/v1/topics/hot/records', protocol: 'HTTP/1.1', sourceIp: '127.0.0.1', userAgent: '' } },
    isBase64Encoded: !json,
    body: eventBody(),
  } as unknown as APIGatewayProxyEventV2;
  const produce = async (): Promise<void> => {
    const out = (await dispatch(rt, 'produce', produceEvent)) as { statusCode: number; body: string };
    if (out.statusCode !== 200) throw new Error(`produce answered ${out.statusCode}: ${out.body.slice(0, 200)}`);
  };
  // The memory store would keep every object of the run (~0.77 MB a request), growing the heap for the
  // whole run: each timed produce drops the object it wrote, as an S3 PUT leaves nothing in the function.
  const produceAndDrop = async (): Promise<void> => {
    await produce();
    const keys: string[] = [];
    for await (const o of components.objectStore.list('')) keys.push(o.key);
    await components.objectStore.delete(keys);
  };
  if (target === 'produce-handler') return perMB(await repeat(produceAndDrop, budgetMs, reps), payload);

  for (let i = 0; i < 6; i++) await produce();
  const fetchEvent = {
    version: '2.0',
    routeKey: 'GET /v1/topics/{topic}/partitions/{partition}/records',
    rawPath: '/v1/topics/hot/partitions/0/records',
    rawQueryString: 'offset=0&maxBytes=4194304&maxRecords=10000',
    headers: json ? {} : { accept: SDK_ACCEPT },
    queryStringParameters: { offset: '0', maxBytes: '4194304', maxRecords: '10000' },
    requestContext: { http: { method: 'GET', path: '/v1/topics/hot/partitions/0/records', protocol: 'HTTP/1.1', sourceIp: '127.0.0.1', userAgent: '' } },
    isBase64Encoded: false,
  } as unknown as APIGatewayProxyEventV2;
  const first = (await dispatch(rt, 'fetch', fetchEvent)) as { statusCode: number; body: string; isBase64Encoded?: boolean };
  if (first.statusCode !== 200 || first.isBase64Encoded === json) throw new Error(`fetch answered ${first.statusCode}: ${first.body.slice(0, 200)}`);
  const answer = new Uint8Array(Buffer.from(first.body, 'base64'));
  // The SDK's getRecords with encoding 'bytes': the binary answer decoded, or the JSON text parsed and its base64 fields decoded.
  const sdkDecode = json ? () => jsonFetchToBytes(parseBody(first.body) as GetRecordsOutput) : () => decodeBinaryFetchBytes(answer, 0);
  const fetchedPayload = (sdkDecode().records.length * payload) / n;
  if (target === 'fetch-handler') return perMB(await repeat(() => fetchForApiGateway(rt, fetchEvent), budgetMs, reps), fetchedPayload);
  return perMB(await repeat(sdkDecode, budgetMs, reps), fetchedPayload);
}

const perMB = (msPerCall: number, payloadBytes: number): number => (msPerCall * 1e6) / payloadBytes;

/** Warm-up before any timing, whatever the budget: a short one (--quick) left V8 still optimising and the heap still growing, 3–10× the settled figures. */
const WARM_UP_MS = 1500;

async function repeat(fn: () => unknown, budgetMs: number, reps: number): Promise<number> {
  const t0 = performance.now();
  for (let i = 0; i < 5000 && (i < 20 || performance.now() - t0 < WARM_UP_MS); i++) await fn();
  const runs: number[] = [];
  for (let i = 0; i < reps; i++) runs.push(await time(fn, budgetMs));
  return median(runs);
}

const execFileAsync = promisify(execFile);

/** The environment of a target's process: `MALLOC_ENV` on top of this one's, or none of the malloc variables. */
function childEnv(defaultMalloc: boolean): NodeJS.ProcessEnv {
  const env: NodeJS.ProcessEnv = { ...process.env };
  for (const name of Object.values(MALLOC_ENV_NAMES)) delete env[name];
  return defaultMalloc ? env : { ...env, ...MALLOC_ENV };
}

/** Runs every target, each in a fresh process, one after the other. */
export async function runTargets(options: { wire?: Wire; jsCrc?: boolean; defaultMalloc?: boolean; quick?: boolean; reps?: number } = {}): Promise<TargetsRun> {
  const wire = options.wire ?? 'binary';
  const script = fileURLToPath(import.meta.url);
  const results: TargetResult[] = [];
  for (const target of TARGETS) {
    const args = ['--import', 'tsx', script, `--target=${target}`, `--reps=${options.reps ?? 3}`, ...(options.quick ? ['--quick'] : []), ...(options.jsCrc ? ['--js-crc'] : []), `--wire=${wire}`];
    const { stdout } = await execFileAsync(process.execPath, args, { env: childEnv(options.defaultMalloc ?? false), timeout: 600_000, maxBuffer: 1024 * 1024 });
    results.push(JSON.parse(stdout.trim().split('\n').pop()!) as TargetResult);
  }
  return { wire, jsCrc: options.jsCrc ?? false, defaultMalloc: options.defaultMalloc ?? false, results, load: loadavg()[0]! };
}

/** The targets as a Markdown table, with met / not met. */
export function targetsTable(run: TargetsRun): string {
  return table(
    [`target (${run.wire} path)`, 'CPU ms/MB', 'target', 'met'],
    run.results.map((r) => [r.label, fmt(r.msPerMB), `≤ ${TARGET_MS_PER_MB}`, r.msPerMB <= TARGET_MS_PER_MB ? 'met' : `not met (${fmt(r.msPerMB)})`]),
    ['l', 'r', 'r', 'l'],
  );
}

/** One line saying how the run was made. */
export function targetsCaption(run: TargetsRun): string {
  const crc = run.jsCrc ? 'JavaScript CRC32C (--js-crc, as the Lambda functions)' : `native CRC32C (@node-rs/crc32)${run.results.every((r) => r.nativeCrc) ? '' : ' where it loaded'}`;
  const malloc = run.defaultMalloc ? "glibc's default malloc (--default-malloc)" : `MALLOC_ENV (${Object.entries(MALLOC_ENV).map(([k, v]) => `${k}=${v}`).join(' ')})`;
  const wire = run.wire === 'json' ? ' JSON wire format (--wire=json, for comparison: the targets are for the binary one);' : '';
  return `Issue 17 part 1 targets, one process per target:${wire} ${crc}, ${malloc}; load average ${fmt(run.load)} (1 min) at the end.`;
}

if (import.meta.url === pathToFileURL(process.argv[1] ?? '').href) {
  const argv = process.argv.slice(2);
  const quick = argv.includes('--quick');
  const reps = Math.max(1, Math.min(9, Number(argv.find((a) => a.startsWith('--reps='))?.slice(7) ?? (quick ? 1 : 3))));
  const jsCrc = argv.includes('--js-crc');
  const wire = (argv.find((a) => a.startsWith('--wire='))?.slice(7) ?? 'binary') as Wire;
  if (wire !== 'binary' && wire !== 'json') throw new Error(`--wire=${String(wire)}: binary or json`);
  const target = argv.find((a) => a.startsWith('--target='))?.slice(9) as Target | undefined;
  if (target !== undefined) {
    // A target's own process: the SDK plugged the native CRC32C in when it loaded; --js-crc takes it out.
    if (!TARGETS.includes(target)) throw new Error(`unknown target ${target}: one of ${TARGETS.join(', ')}`);
    if (jsCrc) useCrc32cAccelerator(null);
    const msPerMB = await measureTarget(target, quick ? 300 : 800, reps, wire);
    const result: TargetResult = { target, label: LABELS[target], msPerMB, nativeCrc: crc32cAccelerated(), tunedMalloc: process.env[MALLOC_ENV_NAMES.arenaMax] === MALLOC_ENV[MALLOC_ENV_NAMES.arenaMax], wire };
    process.stdout.write(`${JSON.stringify(result)}\n`);
  } else {
    const run = await runTargets({ wire, jsCrc, defaultMalloc: argv.includes('--default-malloc'), quick, reps });
    process.stdout.write(argv.includes('--json') ? `${JSON.stringify(run)}\n` : `${targetsCaption(run)}\n\n${targetsTable(run)}\n`);
  }
}
