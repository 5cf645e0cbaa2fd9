/**
 * What the deploy check does to the functions, in order: every HTTP route as
 * API Gateway v2 events, a direct invoke per function (one of them the
 * example in docs/api.md, verbatim), and scheduled maintenance passes that
 * run "later" (a shifted clock in the maintenance process) so retention,
 * compaction, deleted-topic reclamation and both GC phases all do real work.
 * One pass meets a corrupted object and must fail its invocation.
 */
import { readFileSync } from 'node:fs';
import type { S3Client } from '@aws-sdk/client-s3';
import { FUNCTION_NAMES } from '../../../core/schema.js';
import type { MaintenanceReport } from '../../../core/index.js';
import type { MetadataStore } from '../../../core/ports.js';
import type { InvokeOutcome } from './functions.js';
import type { Template } from './template.js';

const DAY = 86_400_000;
const DOCS_API = new URL('../../../docs/api.md', import.meta.url);

/** What setup steps may touch directly (never through a function). */
export interface ScenarioContext {
  readonly s3: S3Client;
  /** Core's metadata store over the stand-ins' tables, as a writer outside the functions sees them. */
  readonly meta: MetadataStore;
  readonly bucket: string;
  listKeys(prefix: string): Promise<string[]>;
  overwrite(key: string, bytes: Uint8Array): Promise<void>;
}

/** An answer check: undefined when fine, else what was wrong. */
type Expect = (o: InvokeOutcome) => string | undefined;

/** One step of the check. */
export type Scenario =
  | { kind: 'setup'; name: string; run(ctx: ScenarioContext): Promise<void> }
  | { kind: 'http'; name: string; routeKey: string; event(): unknown; expect: Expect; clockOffsetMs?: number }
  | { kind: 'direct'; name: string; functionName: string; event(): unknown; expect: Expect; clockOffsetMs?: number }
  | { kind: 'scheduled'; name: string; expect: Expect; clockOffsetMs?: number };

interface HttpAnswer {
  statusCode: number;
  body: unknown;
}

/** An API Gateway HTTP API (payload v2) event, as API Gateway sends it to a Lambda integration. */
export function apiGatewayEvent(routeKey: string, rawPath: string, options: { query?: Record<string, string>; body?: unknown } = {}): unknown {
  const [method] = routeKey.split(' ');
  const rawQueryString = new URLSearchParams(options.query ?? {}).toString();
  const now = Date.now();
  return {
    version: '2.0',
    routeKey,
    rawPath,
    rawQueryString,
    headers: { 'content-type': 'application/json', host: 'deploycheck.execute-api.us-east-1.amazonaws.com', 'user-agent': 'eddy-deploy-check' },
    ...(options.query ? { queryStringParameters: options.query } : {}),
    requestContext: {
      accountId: '123456789012',
      apiId: 'deploycheck',
      domainName: 'deploycheck.execute-api.us-east-1.amazonaws.com',
      domainPrefix: 'deploycheck',
      http: { method, path: rawPath, protocol: 'HTTP/1.1', sourceIp: '127.0.0.1', userAgent: 'eddy-deploy-check' },
      requestId: `req-${now}-${Math.floor(Math.random() * 1e6)}`,
      routeKey,
      stage: '$default',
      time: new Date(now).toUTCString(),
      timeEpoch: now,
    },
    ...(options.body !== undefined ? { body: JSON.stringify(options.body), isBase64Encoded: false } : { isBase64Encoded: false }),
  };
}

/** The direct-invoke example of docs/api.md ("Direct Lambda invoke"), parsed. */
export function docsDirectInvokeExample(): unknown {
  const md = readFileSync(DOCS_API, 'utf8');
  const section = md.slice(md.indexOf('## Direct Lambda invoke'));
  const m = /```json\n([\s\S]*?)\n```/.exec(section);
  if (!m) throw new Error('docs/api.md: no ```json example under "## Direct Lambda invoke"');
  return JSON.parse(m[1]!) as unknown;
}

function answer(o: InvokeOutcome): HttpAnswer | string {
  if (!o.ok) return `invocation failed: ${o.error.errorType}: ${o.error.errorMessage}`;
  const r = o.result as { statusCode?: number; body?: unknown };
  if (typeof r?.statusCode !== 'number') return `not an HTTP answer: ${JSON.stringify(o.result).slice(0, 200)}`;
  const body = typeof r.body === 'string' ? (r.body === '' ? null : (JSON.parse(r.body) as unknown)) : r.body;
  return { statusCode: r.statusCode, body };
}

function status(expected: number, then?: (body: never) => string | undefined): Expect {
  return (o) => {
    const a = answer(o);
    if (typeof a === 'string') return a;
    if (a.statusCode !== expected) return `status ${a.statusCode}, expected ${expected}: ${JSON.stringify(a.body).slice(0, 300)}`;
    return then?.(a.body as never);
  };
}

function report(check: (r: MaintenanceReport) => string | undefined): Expect {
  return (o) => (o.ok ? check(o.result as MaintenanceReport) : `invocation failed: ${o.error.errorType}: ${o.error.errorMessage}`);
}

/** The scenarios, in the order they run; `appendProtocol` is the stack's (the reserve protocol adds a dead writer's hole). */
export function scenarios(template: Template, options: { appendProtocol: 'head' | 'reserve' } = { appendProtocol: 'head' }): Scenario[] {
  void template;
  const state: { memberId?: string; memberEpoch?: number; before: string[]; corruptKeys: string[]; t0: number } = { before: [], corruptKeys: [], t0: Date.now() };
  const out: Scenario[] = [];
  const http = (name: string, routeKey: string, rawPath: string, expected: number, options: { query?: Record<string, string>; body?: () => unknown } = {}, then?: (body: never) => string | undefined): void => {
    out.push({
      kind: 'http',
      name,
      routeKey,
      event: () => apiGatewayEvent(routeKey, rawPath, { ...(options.query ? { query: options.query } : {}), ...(options.body ? { body: options.body() } : {}) }),
      expect: status(expected, then),
    });
  };
  const direct = (name: string, functionName: string, event: () => unknown, expected: number): void => {
    out.push({ kind: 'direct', name, functionName, event, expect: status(expected) });
  };
  const produce = (topic: string, records: unknown[], name = `produce to ${topic}`): void =>
    http(name, 'POST /v1/topics/{topic}/records', `/v1/topics/${topic}/records`, 200, { body: () => ({ encoding: 'utf8', records }) });
  const pass = (name: string, clockOffsetMs: number, expect: Expect): void => {
    out.push({ kind: 'scheduled', name, clockOffsetMs, expect });
  };
  const records = (partition: number, n: number, size: number): unknown[] => Array.from({ length: n }, (_, i) => ({ partition, key: `k${i}`, value: 'x'.repeat(size) }));

  // ---- admin --------------------------------------------------------------
  http('health', 'GET /health', '/health', 200);
  http('openapi', 'GET /v1/openapi.json', '/v1/openapi.json', 200);
  for (const [topic, body] of [
    ['orders', { name: 'orders', partitions: 2 }],
    ['expiring', { name: 'expiring', partitions: 1, config: { retentionMs: 3_600_000 } }],
    ['doomed', { name: 'doomed', partitions: 1 }],
    ['corrupt', { name: 'corrupt', partitions: 1 }],
  ] as const) {
    http(`create ${topic}`, 'POST /v1/topics', '/v1/topics', 201, { body: () => body });
  }
  http('list topics', 'GET /v1/topics', '/v1/topics', 200, {}, (b: { topics: unknown[] }) => (b.topics.length === 4 ? undefined : `listed ${b.topics.length} topics`));
  http('describe orders', 'GET /v1/topics/{topic}', '/v1/topics/orders', 200);
  http('describe orders (description path)', 'GET /v1/topics/{topic}/description', '/v1/topics/orders/description', 200, {}, (b: { name: string }) =>
    b.name === 'orders' ? undefined : `described ${b.name}`,
  );
  http('grow orders to 3 partitions', 'PATCH /v1/topics/{topic}', '/v1/topics/orders', 200, { body: () => ({ partitions: 3 }) });
  direct('direct invoke admin: list topics', FUNCTION_NAMES.admin, () => ({ method: 'GET', path: '/v1/topics' }), 200);

  // ---- produce -----------------------------------------------------------------
  for (let i = 0; i < 3; i++) produce('orders', records(0, 2, 20), `produce small batch ${i} to orders/0`);
  produce('orders', records(1, 3, 20), 'produce to orders/1');
  produce('orders', [{ key: 'user-1', value: 'keyed' }], 'produce a keyed record to orders');
  for (let i = 0; i < 2; i++) produce('expiring', records(0, 2, 20), `produce batch ${i} to expiring`);
  for (let i = 0; i < 3; i++) produce('doomed', records(0, 2, 20), `produce batch ${i} to doomed`);
  out.push({ kind: 'setup', name: 'note objects before corrupt', run: async (ctx) => void (state.before = await ctx.listKeys('ingest/')) });
  for (let i = 0; i < 3; i++) produce('corrupt', records(0, 2, 20), `produce batch ${i} to corrupt`);
  out.push({
    kind: 'setup',
    name: 'note the objects of corrupt',
    run: async (ctx) => void (state.corruptKeys = (await ctx.listKeys('ingest/')).filter((k) => !state.before.includes(k))),
  });
  direct('direct invoke produce: the docs/api.md example', FUNCTION_NAMES.produce, docsDirectInvokeExample, 200);

  if (options.appendProtocol === 'reserve') {
    // ---- reserve protocol: a writer reserves offsets and dies; a reader abandons the hole -------
    // Produce creates the partition's offset counter (PutItem) and reserves from it (UpdateItem), keys n#… of the
    // topics table only; then a writer outside the functions reserves offset 1 and never writes it; the next
    // produce lands at 2; a fetch from 1, a minute later, abandons 1 with a marker (PutItem on the log table).
    http('create holes', 'POST /v1/topics', '/v1/topics', 201, { body: () => ({ name: 'holes', partitions: 1 }) });
    produce('holes', records(0, 1, 20), 'produce to holes/0 (creates its offset counter)');
    out.push({
      kind: 'setup',
      name: 'a writer reserves offset 1 of holes/0 and dies',
      run: async (ctx) => {
        const topic = await ctx.meta.getTopic('holes');
        const base = topic && (await ctx.meta.reserveOffsets(topic.topicId, 0, 1));
        if (base !== 1) throw new Error(`reserved at ${String(base)}, expected offset 1 of holes/0`);
      },
    });
    produce('holes', records(0, 1, 20), 'produce to holes/0 above the hole');
    out.push({
      kind: 'http',
      name: 'fetch holes/0 from the hole a minute later: the reader abandons it',
      routeKey: 'GET /v1/topics/{topic}/partitions/{p}/records',
      clockOffsetMs: 60_000,
      event: () => apiGatewayEvent('GET /v1/topics/{topic}/partitions/{p}/records', '/v1/topics/holes/partitions/0/records', { query: { offset: '1', encoding: 'utf8' } }),
      expect: status(200, (b: { records: Array<{ offset: number }>; nextOffset: number }) =>
        b.records.map((r) => r.offset).join() === '2' && b.nextOffset === 3 ? undefined : `fetched ${JSON.stringify(b.records.map((r) => r.offset))}, nextOffset ${b.nextOffset}`,
      ),
    });
  }

  // ---- fetch (ingest objects) ------------------------------------------------------
  http('fetch orders/1', 'GET /v1/topics/{topic}/partitions/{p}/records', '/v1/topics/orders/partitions/1/records', 200, { query: { offset: '0', encoding: 'utf8' } }, (b: { records: unknown[] }) =>
    b.records.length === 3 ? undefined : `fetched ${b.records.length} records`,
  );
  http('offsets of orders/0', 'GET /v1/topics/{topic}/partitions/{p}/offsets', '/v1/topics/orders/partitions/0/offsets', 200, { query: { at: 'earliest' } });

  // ---- maintenance, now and a day later -------------------------------------------------
  pass('maintenance pass (now)', 0, report(() => undefined));
  out.push({
    kind: 'setup',
    name: 'corrupt the first object of topic corrupt',
    run: async (ctx) => {
      if (state.corruptKeys.length !== 3) throw new Error(`expected 3 objects for topic corrupt, found ${JSON.stringify(state.corruptKeys)}`);
      for (const k of state.corruptKeys) await ctx.overwrite(k, new TextEncoder().encode('not an eddy object'));
    },
  });
  pass('maintenance pass a day later: compaction meets a corrupted object, the invocation fails', DAY, (o) => {
    if (o.ok) return `the pass succeeded although compaction read a corrupted object: ${JSON.stringify(o.result).slice(0, 300)}`;
    return o.error.errorType === 'MaintenanceFailedError' ? undefined : `failed as ${o.error.errorType}: ${o.error.errorMessage}`;
  });

  // ---- after compaction: segments are read by fetch, groups and the next merge ---------------
  produce('orders', records(0, 10, 200), 'produce a large batch to orders/0');
  produce('orders', records(0, 1, 20), 'produce the new head of orders/0');
  http('fetch orders/0 from its segment', 'GET /v1/topics/{topic}/partitions/{p}/records', '/v1/topics/orders/partitions/0/records', 200, { query: { offset: '0', encoding: 'utf8' } });
  direct('direct invoke fetch', FUNCTION_NAMES.fetch, () => ({ method: 'GET', path: '/v1/topics/orders/partitions/0/records', query: { offset: '2', maxRecords: '1' } }), 200);

  // ---- groups ------------------------------------------------------------------
  http('join g1', 'POST /v1/groups/{group}/heartbeat', '/v1/groups/g1/heartbeat', 200, { body: () => ({ memberEpoch: 0, topics: ['orders'] }) }, (b: { memberId: string; memberEpoch: number }) => {
    state.memberId = b.memberId;
    state.memberEpoch = b.memberEpoch;
    return undefined;
  });
  http('commit g1', 'POST /v1/groups/{group}/offsets', '/v1/groups/g1/offsets', 200, {
    body: () => ({ memberId: state.memberId, memberEpoch: state.memberEpoch, offsets: [{ topic: 'orders', partition: 0, offset: 1 }] }),
  });
  http('read g1 offsets', 'GET /v1/groups/{group}/offsets', '/v1/groups/g1/offsets', 200);
  http('list groups', 'GET /v1/groups', '/v1/groups', 200);
  http('describe g1', 'GET /v1/groups/{group}', '/v1/groups/g1', 200);
  http('leave g1', 'POST /v1/groups/{group}/heartbeat', '/v1/groups/g1/heartbeat', 200, { body: () => ({ memberId: state.memberId, memberEpoch: -1, topics: ['orders'] }) });
  http(
    'reset g1 to a timestamp (reads chunks)',
    'POST /v1/groups/{group}/offsets/reset',
    '/v1/groups/g1/offsets/reset',
    200,
    { body: () => ({ topic: 'orders', to: { timestamp: state.t0 } }) },
    (b: { offsets: Array<{ partition: number; offset: number }> }) => (b.offsets.some((x) => x.partition === 0 && x.offset === 0) ? undefined : `reset to ${JSON.stringify(b.offsets)}`),
  );
  direct('direct invoke groups: list', FUNCTION_NAMES.groups, () => ({ method: 'GET', path: '/v1/groups' }), 200);
  http('delete g1', 'DELETE /v1/groups/{group}', '/v1/groups/g1', 204);

  // ---- deleted topics, then two more passes: reclaim, merge a segment, GC mark then sweep -------
  http('delete doomed', 'DELETE /v1/topics/{topic}', '/v1/topics/doomed', 204);
  http('delete corrupt', 'DELETE /v1/topics/{topic}', '/v1/topics/corrupt', 204);
  pass(
    'maintenance pass two days later: reclaim, merge a segment, mark',
    2 * DAY,
    report((r) => (r.topicsReclaimed === 2 && r.objectsMarked > 0 && r.entriesCompacted > 0 ? undefined : `report ${JSON.stringify(r)}`)),
  );
  pass('maintenance pass three days later: sweep', 3 * DAY, report((r) => (r.objectsDeleted > 0 ? undefined : `report ${JSON.stringify(r)}`)));
  direct('direct invoke maintenance: health', FUNCTION_NAMES.maintenance, () => ({ method: 'GET', path: '/health' }), 200);
  return out;
}
