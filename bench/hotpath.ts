/**
 * Hot-path micro-benchmark: CPU per MB of Eddy's produce and fetch paths,
 * step by step, on one realistic request (the ~1 MiB request the SDK
 * producer builds from 1 KiB records), using the real functions of the SDK,
 * the handlers and core, with the memory adapters standing in for AWS (so
 * only Eddy's own CPU is measured, not the AWS SDK's or the stand-ins').
 *
 * Run alone with `node --import tsx bench/hotpath.ts [--quick] [--reps=N]`,
 * or as part of `npm run bench -- --hotpath` (which runs it in a fresh
 * process). Every number is CPU time, the median of 5 timed batches after a
 * warm-up (and of N runs); each batch is bounded in iterations and time.
 */
import { randomBytes } from 'node:crypto';
import { performance } from 'node:perf_hooks';
import { pathToFileURL } from 'node:url';
import type { APIGatewayProxyEventV2 } from 'aws-lambda';
import { Eddy, MAX_REQUEST_BYTES, type Transport } from '@eddy/sdk';
import { memoryComponents } from '../core/adapters/memory/index.js';
import { decodeChunk, encodeObject, type StoredRecord } from '../core/codec/format.js';
import { crc32c } from '../core/codec/crc32c.js';
import { DEFAULTS, type Settings } from '../core/config.js';
import { systemIds } from '../core/ids.js';
import { systemClock } from '../core/ports.js';
import { decodeField, encodeField } from '../lambdas/http/encoding.js';
import { dispatch, requestFromApiGateway } from '../lambdas/http/handler.js';
import { createLogger } from '../lambdas/http/log.js';
import { createRuntime, type Runtime } from '../lambdas/http/runtime.js';
import { produceBody } from '../lambdas/http/schemas.js';
import { encodeMessage, jsonSerializer, jsonWireBytes, wireRecord } from '../sdk/src/producer/message.js';
import { decodeBinaryFetch, decodeBinaryFetchBytes, SDK_ACCEPT } from '../sdk/src/wire.js';
import { BATCHES_MEDIA_TYPE, decodeBatch, decodeProduceRequest, encodeProduceRequest } from '@eddy/api';
import { median, table, fmt } from './lib/stats.js';

/** One measured step. */
export interface HotpathRow {
  readonly path: 'produce' | 'fetch';
  readonly side: 'client' | 'server' | 'local host';
  readonly step: string;
  /** Where it lives. */
  readonly where: string;
  /** CPU ms per MB (10^6 bytes) of record payload. */
  readonly msPerMB: number;
  /** Whether the row is a sub-step of a `total` row (not added up). */
  readonly part: boolean;
}

export interface HotpathResult {
  readonly rows: HotpathRow[];
  readonly recordsPerRequest: number;
  readonly payloadBytesPerRequest: number;
  readonly requestBodyBytes: number;
  /** The same records' produce body in the binary format (before base64). */
  readonly binaryRequestBodyBytes: number;
  readonly fetchResponseBytes: number;
  /** The binary fetch answer's bytes (before base64). */
  readonly binaryFetchResponseBytes: number;
  readonly alternatives: ReadonlyArray<{ readonly what: string; readonly msPerMB: number; readonly vs: string; readonly vsMsPerMB: number }>;
}

/** Process CPU time (user + system, GC threads included) in ms: unlike wall time, not inflated when the shared machine is busy. */
function cpuNow(): number {
  const u = process.cpuUsage();
  return (u.user + u.system) / 1000;
}

/**
 * Median CPU ms per call of `fn`: a warm-up of a quarter of `budgetMs`, then
 * 5 batches sharing the budget (each at most 10,000 calls, bounded by wall
 * time too).
 */
export async function time(fn: () => unknown | Promise<unknown>, budgetMs: number): Promise<number> {
  const warm = performance.now();
  for (let i = 0; i < 1000 && (i < 3 || performance.now() - warm < budgetMs / 4); i++) await fn();
  const samples: number[] = [];
  for (let b = 0; b < 5; b++) {
    let n = 0;
    const t0 = performance.now();
    const c0 = cpuNow();
    while (n < 10_000 && (n < 2 || performance.now() - t0 < budgetMs / 5)) {
      await fn();
      n++;
    }
    samples.push((cpuNow() - c0) / n);
  }
  return median(samples);
}

const BASE64_CURRENT = /^(?:[A-Za-z0-9+/]{4})*(?:[A-Za-z0-9+/]{2}==|[A-Za-z0-9+/]{3}=)?$/;
const BASE64_LINEAR = /^[A-Za-z0-9+/]*={0,2}$/;

/** Runs the micro-benchmark; `budgetMs` per step (quick: 300, full: 1000). */
export async function runHotpath(budgetMs = 1000): Promise<HotpathResult> {
  const VALUE = 1024;
  const values = Array.from({ length: 64 }, () => new Uint8Array(randomBytes(VALUE)));
  // The records of one full SDK request: one partition's prefix up to batchBytes (1 MiB) on the wire.
  const messages: Array<{ key: Uint8Array; value: Uint8Array }> = [];
  const encoded: Array<ReturnType<typeof encodeMessage>> = [];
  let wire = 256 + 24;
  for (let i = 0; ; i++) {
    const m = { key: Buffer.from(`key-${String(i % 4096).padStart(4, '0')}`), value: values[i % values.length]! };
    const e = encodeMessage(m, 'base64', jsonSerializer);
    if (wire + e.wireBytes > 1_048_576) break;
    wire += e.wireBytes;
    messages.push(m);
    encoded.push(e);
  }
  if (wire > MAX_REQUEST_BYTES) throw new Error('request too large');
  const n = messages.length;
  const payload = messages.reduce((s, m) => s + m.key.length + m.value.length, 0);
  const perMB = (msPerRequest: number, bytes = payload): number => (msPerRequest * 1e6) / bytes;
  const rows: HotpathRow[] = [];
  const add = (path: HotpathRow['path'], side: HotpathRow['side'], step: string, where: string, ms: number, part = true, bytes = payload): void => {
    rows.push({ path, side, step, where, msPerMB: perMB(ms, bytes), part });
  };

  // ---- produce, client side (SDK)
  add('produce', 'client', 'encodeMessage ×N (base64 + jsonWireBytes)', 'sdk/src/producer/message.ts', await time(() => messages.map((m) => encodeMessage(m, 'base64', jsonSerializer)), budgetMs));
  add('produce', 'client', '  of which jsonWireBytes (JSON.stringify + a scan of every character, per record, to size it)', 'sdk/src/producer/message.ts', await time(() => encoded.map((e) => jsonWireBytes(e.wire)), budgetMs));
  let body = '';
  const results = messages.map((_, i) => ({ partition: 0, offset: i }));
  const fake: Transport = {
    request: async (req) => {
      body = JSON.stringify(req.body);
      return { status: 200, body: { results } };
    },
  };
  const client = new Eddy({ transport: fake, wireFormat: 'json' });
  const input = {
    topic: 'hot',
    encoding: 'base64' as const,
    records: encoded.map((e) => ({ ...e.wire, partition: 0 })),
    producerId: 'p-bench',
    producerEpoch: 0,
    sequences: { '0': 0 },
  };
  add('produce', 'client', 'putRecords: wire records + JSON.stringify(body)', 'sdk/src/client.ts, transport/http.ts', await time(() => client.putRecords(input), budgetMs));
  const bodyBytes = Buffer.byteLength(body);

  // ---- produce, server side: the whole handler on memory adapters, then its parts.
  const settings: Settings = { ...DEFAULTS, dynamodbEndpoint: undefined, s3Endpoint: undefined } as unknown as Settings;
  const rt = createRuntime({ settings, components: memoryComponents(systemClock, systemIds), logger: createLogger('error', () => {}) });
  await rt.eddy.log.createTopic({ name: 'hot', partitions: 4 });
  const event = (b: string, base64: boolean): APIGatewayProxyEventV2 =>
    ({
      version: '2.0',
      routeKey: 'POST /v1/topics/{topic}/records',
      rawPath: '/v1/topics/hot/records',
      rawQueryString: '',
      headers: { 'content-type': 'application/json' },
      requestContext: { http: { method: 'POST', path: '/v1/topics/hot/records', protocol: 'HTTP/1.1', sourceIp: '127.0.0.1', userAgent: '' } },
      isBase64Encoded: base64,
      body: b,
    }) as unknown as APIGatewayProxyEventV2;
  // Without the idempotence fields, so one body serves every call (the sequence check costs an index read, not CPU).
  const plainEvent = event(JSON.stringify({ encoding: 'base64', records: input.records }), false);
  const produceOnce = async (): Promise<void> => {
    const out = (await dispatch(rt, 'produce', plainEvent)) as { statusCode: number; body: string };
    if (out.statusCode !== 200) throw new Error(`produce answered ${out.statusCode}: ${out.body.slice(0, 200)}`);
  };
  add('produce', 'server', 'TOTAL produce handler (memory adapters, JSON body as API Gateway sends it)', 'lambdas/ + core/', await time(produceOnce, budgetMs), false);
  const textEvent = event(body, false);
  add('produce', 'server', 'parse: utf8 check + JSON.parse of the body', 'lambdas/http/handler.ts parseBody', await time(() => requestFromApiGateway(textEvent), budgetMs));
  const parsed = JSON.parse(body) as unknown;
  add('produce', 'server', 'validate: zod produceBody.safeParse', 'lambdas/http/schemas.ts', await time(() => produceBody.safeParse(parsed), budgetMs));
  const wireRecords = (parsed as { records: Array<{ key: string; value: string }> }).records;
  add(
    'produce',
    'server',
    'decodeRecords: base64 regex + decode + copy (key, value)',
    'lambdas/http/encoding.ts decodeField',
    await time(() => wireRecords.map((r, i) => [decodeField(r.key, 'base64', 'key', `k${i}`), decodeField(r.value, 'base64', 'value', `v${i}`)]), budgetMs),
  );
  add('produce', 'server', '  of which the BASE64 validation regex', 'lambdas/http/encoding.ts BASE64', await time(() => wireRecords.map((r) => BASE64_CURRENT.test(r.key) && BASE64_CURRENT.test(r.value)), budgetMs));
  const stored: StoredRecord[] = messages.map((m) => ({ timestamp: 1_700_000_000_000, key: m.key, value: m.value, headers: [] }));
  add('produce', 'server', 'encodeObject (copy into the object + CRC32C)', 'core/codec/format.ts', await time(() => encodeObject([{ partition: 0, records: stored }]), budgetMs));
  const object = encodeObject([{ partition: 0, records: stored }]).bytes;
  add('produce', 'server', '  of which crc32c over the chunk', 'core/codec/crc32c.ts', await time(() => crc32c(object), budgetMs));
  add('produce', 'server', 'answer: JSON.stringify of {results} (one per record)', 'lambdas/http/handler.ts', await time(() => JSON.stringify({ results }), budgetMs));
  add('produce', 'local host', 'local host: base64 of the body into the event (API Gateway does not for JSON)', 'local/host.ts apiGatewayEvent', await time(() => Buffer.from(body).toString('base64'), budgetMs));

  // ---- fetch: 4 MiB of the records just produced, from offset 0.
  const fetchEvent = {
    version: '2.0',
    routeKey: 'GET /v1/topics/{topic}/partitions/{partition}/records',
    rawPath: '/v1/topics/hot/partitions/0/records',
    rawQueryString: 'offset=0&maxBytes=4194304&maxRecords=10000',
    headers: {},
    queryStringParameters: { offset: '0', maxBytes: '4194304', maxRecords: '10000' },
    requestContext: { http: { method: 'GET', path: '/v1/topics/hot/partitions/0/records', protocol: 'HTTP/1.1', sourceIp: '127.0.0.1', userAgent: '' } },
    isBase64Encoded: false,
  } as unknown as APIGatewayProxyEventV2;
  for (let i = 0; i < 6; i++) await produceOnce();
  const first = (await dispatch(rt, 'fetch', fetchEvent)) as { statusCode: number; body: string };
  if (first.statusCode !== 200) throw new Error(`fetch answered ${first.statusCode}: ${first.body.slice(0, 200)}`);
  const fetched = JSON.parse(first.body) as { records: Array<{ key: string; value: string; offset: number; timestamp: number; headers: object }> };
  const fetchPayload = fetched.records.length * (payload / n);
  add('fetch', 'server', 'TOTAL fetch handler, 4 MiB (memory adapters)', 'lambdas/ + core/', await time(() => dispatch(rt, 'fetch', fetchEvent), budgetMs), false, fetchPayload);
  const chunk = object.subarray(12);
  add('fetch', 'server', 'decodeChunk (CRC32C + record parse)', 'core/codec/format.ts', await time(() => decodeChunk(chunk, 0), budgetMs));
  const decoded = decodeChunk(chunk, 0).records;
  add(
    'fetch',
    'server',
    'encodeField ×2 per record (base64) + record objects',
    'lambdas/http/routes.ts, encoding.ts',
    await time(() => decoded.map((r, i) => ({ offset: i, timestamp: r.timestamp, key: encodeField(r.key, 'base64', 'key'), value: encodeField(r.value, 'base64', 'value'), headers: {} })), budgetMs),
  );
  const shaped = { records: fetched.records.slice(0, n), nextOffset: n, highWatermark: n, logStartOffset: 0 };
  add('fetch', 'server', 'answer: JSON.stringify of the records', 'lambdas/http/handler.ts', await time(() => JSON.stringify(shaped), budgetMs));
  const responseText = JSON.stringify(shaped);
  add('fetch', 'client', 'client: JSON.parse of the response', 'sdk/src/transport/http.ts parseBody', await time(() => JSON.parse(responseText), budgetMs));
  add('fetch', 'client', 'client: base64 → bytes of keys and values', 'application (the SDK consumer does the same)', await time(() => shaped.records.map((r) => [Buffer.from(r.key, 'base64'), Buffer.from(r.value, 'base64')]), budgetMs));

  // ---- the binary wire format (application/vnd.eddy.batches): the same records, as the SDK sends them by default.
  const binEncoded = messages.map((m) => encodeMessage(m, 'base64', jsonSerializer, 'binary'));
  add('produce', 'client', 'binary: encodeMessage ×N (bytes kept, sized arithmetically)', 'sdk/src/producer/message.ts', await time(() => messages.map((m) => encodeMessage(m, 'base64', jsonSerializer, 'binary')), budgetMs));
  let binBody: Uint8Array = new Uint8Array(0);
  const binFake: Transport = {
    request: async (req) => {
      binBody = req.body as Uint8Array;
      return { status: 200, body: { partitions: [{ partition: 0, baseOffset: 0, records: n }] } };
    },
  };
  const binClient = new Eddy({ transport: binFake, wireFormat: 'binary' });
  const binInput = { topic: 'hot', records: binEncoded.map((e) => wireRecord(e, 0)), producerId: 'p-bench', producerEpoch: 0, sequences: { '0': 0 } };
  add('produce', 'client', 'binary: putRecords: one RecordBatch v2 (+ CRC32C) in the envelope', 'sdk/src/wire.ts, @eddy/api record-batch.ts', await time(() => binClient.putRecords(binInput), budgetMs));
  add(
    'produce',
    'client',
    'binary: SDK encode TOTAL (encodeMessage ×N + putRecords)',
    'sdk/src/',
    await time(() => binClient.putRecords({ ...binInput, records: messages.map((m) => wireRecord(encodeMessage(m, 'base64', jsonSerializer, 'binary'), 0)) }), budgetMs),
    false,
  );
  const binBodyBytes = binBody.length;
  // Without idempotence (one body serves every call), base64 in the event as API Gateway passes a binary body.
  const plainBin = encodeProduceRequest({ partitions: decodeProduceRequest(binBody).partitions.map((p) => ({ partition: p.partition, batch: p.batch })) });
  const binEvent = { ...event(Buffer.from(plainBin).toString('base64'), true), headers: { 'content-type': BATCHES_MEDIA_TYPE } } as APIGatewayProxyEventV2;
  const produceBinOnce = async (): Promise<void> => {
    const out = (await dispatch(rt, 'produce', binEvent)) as { statusCode: number; body: string };
    if (out.statusCode !== 200) throw new Error(`binary produce answered ${out.statusCode}: ${out.body.slice(0, 200)}`);
  };
  add('produce', 'server', 'binary: TOTAL produce handler (memory adapters, base64 body as API Gateway sends a binary one)', 'lambdas/ + core/', await time(produceBinOnce, budgetMs), false);
  add('produce', 'server', 'binary:   of which base64 → bytes of the event body', 'lambdas/http/handler.ts', await time(() => Buffer.from(binEvent.body!, 'base64'), budgetMs));
  const batchOnly = decodeProduceRequest(plainBin).partitions[0]!.batch;
  add('produce', 'server', 'binary:   of which decodeBatch (CRC32C + walk of every record, to check sizes)', '@eddy/api record-batch.ts', await time(() => decodeBatch(batchOnly), budgetMs));
  const binFetchEvent = { ...fetchEvent, headers: { accept: SDK_ACCEPT } } as APIGatewayProxyEventV2;
  const binFirst = (await dispatch(rt, 'fetch', binFetchEvent)) as { statusCode: number; body: string; isBase64Encoded?: boolean };
  if (binFirst.statusCode !== 200 || !binFirst.isBase64Encoded) throw new Error(`binary fetch answered ${binFirst.statusCode}: ${binFirst.body.slice(0, 200)}`);
  const binAnswer = new Uint8Array(Buffer.from(binFirst.body, 'base64'));
  const binFetched = decodeBinaryFetch(binAnswer, 0, 'base64');
  const binFetchPayload = binFetched.records.length * (payload / n);
  add('fetch', 'server', 'binary: TOTAL fetch handler, 4 MiB (memory adapters, answer base64 for API Gateway)', 'lambdas/ + core/', await time(() => fetchForApiGateway(rt, binFetchEvent), budgetMs), false, binFetchPayload);
  add('fetch', 'server', 'binary:   of which base64 of the answer', 'lambdas/http/handler.ts', await time(() => Buffer.from(binAnswer).toString('base64'), budgetMs), true, binFetchPayload);
  add('fetch', 'client', "binary: SDK decode TOTAL (getRecords encoding 'bytes', what the consumer reads: CRC32C + record views)", 'sdk/src/wire.ts decodeBinaryFetchBytes', await time(() => decodeBinaryFetchBytes(binAnswer, 0), budgetMs), false, binFetchPayload);
  add('fetch', 'client', '  of which crc32c of the batches', '@eddy/api crc32c.ts', await time(() => crc32c(binAnswer), budgetMs), true, binFetchPayload);
  add('fetch', 'client', "binary: getRecords encoding 'base64' (the JSON route's shape: a base64 string per field)", 'sdk/src/wire.ts decodeBinaryFetch', await time(() => decodeBinaryFetch(binAnswer, 0, 'base64'), budgetMs), false, binFetchPayload);

  // ---- alternatives for the recommendations
  const alternatives = [
    {
      what: 'base64 check: linear regex /^[A-Za-z0-9+/]*={0,2}$/ + length % 4',
      msPerMB: perMB(await time(() => wireRecords.map((r) => BASE64_LINEAR.test(r.key) && r.key.length % 4 === 0 && BASE64_LINEAR.test(r.value) && r.value.length % 4 === 0), budgetMs)),
      vs: 'current BASE64 regex',
      vsMsPerMB: rows.find((r) => r.step.includes('BASE64 validation'))!.msPerMB,
    },
    {
      what: 'decode + length check (invalid characters shorten the output) instead of regex + decode',
      msPerMB: perMB(
        await time(
          () =>
            wireRecords.map((r) => {
              for (const s of [r.key, r.value]) {
                const b = Buffer.from(s, 'base64');
                const pad = s.endsWith('==') ? 2 : s.endsWith('=') ? 1 : 0;
                if (s.length % 4 !== 0 || b.length !== (s.length / 4) * 3 - pad) throw new Error('bad base64');
              }
              return r;
            }),
          budgetMs,
        ),
      ),
      vs: 'current decodeRecords',
      vsMsPerMB: rows.find((r) => r.step.startsWith('decodeRecords'))!.msPerMB,
    },
    {
      what: 'SDK: size records by arithmetic (base64 length is 4·ceil(n/3), no escaping) instead of JSON.stringify',
      msPerMB: perMB(await time(() => messages.map((m) => ({ v: m.value.length ? Buffer.from(m.value).toString('base64') : '', size: 4 * Math.ceil(m.value.length / 3) + 4 * Math.ceil(m.key.length / 3) + 40 })), budgetMs)),
      vs: 'current encodeMessage',
      vsMsPerMB: rows.find((r) => r.step.startsWith('encodeMessage'))!.msPerMB,
    },
  ];
  return {
    rows,
    recordsPerRequest: n,
    payloadBytesPerRequest: payload,
    requestBodyBytes: bodyBytes,
    binaryRequestBodyBytes: binBodyBytes,
    fetchResponseBytes: Buffer.byteLength(first.body),
    binaryFetchResponseBytes: binAnswer.length,
    alternatives,
  };
}

/** The hot-path table as Markdown. */
export function hotpathTable(r: HotpathResult): string {
  const total = (path: string, binary: boolean): number => r.rows.find((x) => x.path === path && x.side === 'server' && x.step.startsWith(binary ? 'binary: TOTAL' : 'TOTAL'))!.msPerMB;
  const rows = r.rows.map((x) => {
    const handler = total(x.path, x.step.startsWith('binary'));
    const share = x.side === 'server' && x.part ? `${fmt((100 * x.msPerMB) / handler, 2)}%` : '';
    return [x.path, x.side, x.step, fmt(x.msPerMB), fmt(1000 / x.msPerMB), share, x.where];
  });
  return table(['path', 'side', 'step', 'CPU ms/MB', 'MB/s (1 core)', 'share of handler', 'where'], rows, ['l', 'l', 'l', 'r', 'r', 'r', 'l']);
}

export function alternativesTable(r: HotpathResult): string {
  return table(
    ['alternative', 'ms/MB', 'instead of', 'ms/MB', 'speed-up'],
    r.alternatives.map((a) => [a.what, fmt(a.msPerMB), a.vs, fmt(a.vsMsPerMB), `${fmt(a.vsMsPerMB / a.msPerMB, 2)}×`]),
    ['l', 'r', 'l', 'r', 'r'],
  );
}

/** Median of `reps` runs, row by row. */
export async function runHotpathMedian(budgetMs: number, reps: number): Promise<HotpathResult> {
  const results: HotpathResult[] = [];
  for (let i = 0; i < reps; i++) results.push(await runHotpath(budgetMs));
  return {
    ...results[0]!,
    rows: results[0]!.rows.map((row, i) => ({ ...row, msPerMB: median(results.map((r) => r.rows[i]!.msPerMB)) })),
    alternatives: results[0]!.alternatives.map((a, i) => ({ ...a, msPerMB: median(results.map((r) => r.alternatives[i]!.msPerMB)), vsMsPerMB: median(results.map((r) => r.alternatives[i]!.vsMsPerMB)) })),
  };
}

if (import.meta.url === pathToFileURL(process.argv[1] ?? '').href) {
  // `--json`: the benchmark runs this file in a fresh process, so that its own heap does not tax these timings.
  const quick = process.argv.includes('--quick');
  const reps = Number(process.argv.find((a) => a.startsWith('--reps='))?.slice(7) ?? (quick ? 1 : 3));
  const r = await runHotpathMedian(quick ? 300 : 800, Math.max(1, Math.min(9, reps)));
  if (process.argv.includes('--json')) process.stdout.write(`${JSON.stringify(r)}\n`);
  else {
    process.stdout.write(
      `hot path: one produce request = ${r.recordsPerRequest} records, ${fmt(r.payloadBytesPerRequest / 1e6)} MB payload, ${fmt(r.requestBodyBytes / 1e6)} MB JSON body or ${fmt(r.binaryRequestBodyBytes / 1e6)} MB binary; fetch answer ${fmt(r.fetchResponseBytes / 1e6)} MB JSON, ${fmt(r.binaryFetchResponseBytes / 1e6)} MB binary\n\n${hotpathTable(r)}\n\n${alternativesTable(r)}\n`,
    );
  }
}

/**
 * One fetch as Lambda serves it to API Gateway: the handler's answer with its
 * `body` read, so a binary answer's base64 is made (the runtime serialises
 * the answer; a local host would take the bytes beside it instead).
 */
export async function fetchForApiGateway(rt: Runtime, event: APIGatewayProxyEventV2): Promise<number> {
  const answer = (await dispatch(rt, 'fetch', event)) as { body?: string };
  return answer.body?.length ?? 0;
}
