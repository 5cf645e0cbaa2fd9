/**
 * HTTP API v1 through the local host, as a user would call it: every route,
 * every error row, long poll, the three ways in (API Gateway event, direct
 * invoke, HTTP) and restarts.
 */
import { request as httpRequest } from 'node:http';
import { InvokeCommand, LambdaClient } from '@aws-sdk/client-lambda';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { BATCHES_MEDIA_TYPE, decodeBatches, decodeFetchAnswer, encodeBatch, encodeProduceRequest } from '@eddy/api';
import { Maintenance } from '../../core/maintenance/index.js';
import { dispatch } from '../../lambdas/http/handler.js';
import { call, testHost, unique } from '../helpers/host.js';

type Host = Awaited<ReturnType<typeof testHost>>;
let host: Host;
const b64 = (s: string | Uint8Array) => Buffer.from(s).toString('base64');

async function objectCount(h: Host): Promise<number> {
  let n = 0;
  for await (const _ of h.components.objectStore.list('')) n++;
  return n;
}

async function topic(partitions = 1, config?: Record<string, number>): Promise<string> {
  const name = unique('t');
  const r = await call(host.url, 'POST', '/v1/topics', { name, partitions, ...(config ? { config } : {}) });
  expect(r.status).toBe(201);
  return name;
}

beforeAll(async () => {
  host = await testHost();
});
afterAll(() => host.cleanup());

describe('routes', () => {
  it('GET /health', async () => {
    expect(await call(host.url, 'GET', '/health')).toMatchObject({ status: 200, body: { status: 'ok' } });
  });

  it('topics: create 201, list, describe, alter, delete 204', async () => {
    const name = unique('admin');
    const created = await call(host.url, 'POST', '/v1/topics', { name, partitions: 2, config: { retentionMs: 3_600_000 } });
    expect(created.status).toBe(201);
    expect(created.body).toMatchObject({ name, partitions: 2, config: { retentionMs: 3_600_000, retentionBytes: -1, maxMessageBytes: 1048576 } });
    expect(created.body.partitionOffsets).toEqual([
      { partition: 0, logStartOffset: 0, highWatermark: 0, segments: 0 },
      { partition: 1, logStartOffset: 0, highWatermark: 0, segments: 0 },
    ]);
    const list = await call(host.url, 'GET', '/v1/topics');
    expect(list.status).toBe(200);
    expect(list.body.topics).toContainEqual({ name, partitions: 2 });
    expect((await call(host.url, 'GET', `/v1/topics/${name}`)).body).toMatchObject({ name, partitions: 2 });
    const altered = await call(host.url, 'PATCH', `/v1/topics/${name}`, { partitions: 4, config: { retentionBytes: 1_000_000 } });
    expect(altered).toMatchObject({ status: 200, body: { partitions: 4, config: { retentionBytes: 1_000_000, retentionMs: 3_600_000 } } });
    const del = await call(host.url, 'DELETE', `/v1/topics/${name}`);
    expect(del.status).toBe(204);
    expect((await call(host.url, 'GET', `/v1/topics/${name}`)).status).toBe(404);
  });

  it('produce and fetch in all three encodings, headers and timestamps included', async () => {
    const t = await topic(3);
    const p = await call(host.url, 'POST', `/v1/topics/${t}/records`, {
      records: [
        { key: b64('k1'), value: b64(new Uint8Array([0, 1, 2, 255])), headers: { trace: b64('abc') }, partition: 1, timestamp: 42 },
        { value: b64('second'), partition: 1 },
      ],
    });
    expect(p).toMatchObject({ status: 200, body: { results: [{ partition: 1, offset: 0 }, { partition: 1, offset: 1 }] } });
    const u = await call(host.url, 'POST', `/v1/topics/${t}/records`, { encoding: 'utf8', records: [{ key: 'ключ', value: 'значение', headers: { h: 'ü' }, partition: 1 }] });
    expect(u.body.results).toEqual([{ partition: 1, offset: 2 }]);
    const j = await call(host.url, 'POST', `/v1/topics/${t}/records`, { encoding: 'json', records: [{ key: 'user-1', value: { event: 'user_registered', n: [1, 2] }, partition: 1 }] });
    expect(j.body.results).toEqual([{ partition: 1, offset: 3 }]);

    const raw = await call(host.url, 'GET', `/v1/topics/${t}/partitions/1/records?offset=0&maxRecords=2`);
    expect(raw.status).toBe(200);
    expect(raw.body).toMatchObject({ nextOffset: 2, highWatermark: 4, logStartOffset: 0 });
    expect(raw.body.records[0]).toEqual({ offset: 0, timestamp: 42, key: b64('k1'), value: b64(new Uint8Array([0, 1, 2, 255])), headers: { trace: b64('abc') } });
    expect(raw.body.records[1]).toMatchObject({ offset: 1, key: null, value: b64('second'), headers: {} });
    const text = await call(host.url, 'GET', `/v1/topics/${t}/partitions/1/records?offset=2&encoding=utf8`);
    expect(text.body.records[0]).toMatchObject({ offset: 2, key: 'ключ', value: 'значение', headers: { h: 'ü' } });
    const json = await call(host.url, 'GET', `/v1/topics/${t}/partitions/1/records?offset=3&encoding=json`);
    expect(json.body.records[0]).toMatchObject({ offset: 3, key: 'user-1', value: { event: 'user_registered', n: [1, 2] } });
    const notJson = await call(host.url, 'GET', `/v1/topics/${t}/partitions/1/records?offset=0&encoding=json`);
    // Not JSON: never a stuck reader (issue: the first hour) — the record comes back whole in base64, marked.
    expect(notJson.status).toBe(200);
    expect(notJson.body.records[0]).toMatchObject({ offset: 0, value: b64(new Uint8Array([0, 1, 2, 255])), encoding: 'base64' });
  });

  it('keeps a fetch answer under Lambda\'s 6 MB response limit after base64, continuing at nextOffset', async () => {
    const t = await topic(1);
    const value = b64(new Uint8Array(400).fill(7));
    for (let i = 0; i < 5; i++) {
      const r = await call(host.url, 'POST', `/v1/topics/${t}/records`, { records: Array.from({ length: 2000 }, () => ({ value })) });
      expect(r.status).toBe(200);
    }
    const res = await fetch(`${host.url}/v1/topics/${t}/partitions/0/records?offset=0&maxRecords=10000&maxBytes=4194304`);
    const text = await res.text();
    expect(res.status).toBe(200);
    expect(Buffer.byteLength(text)).toBeLessThanOrEqual(5_500_000);
    const body = JSON.parse(text) as { records: Array<{ offset: number }>; nextOffset: number };
    expect(body.records.length).toBeGreaterThan(5000);
    expect(body.records.length).toBeLessThan(10_000);
    expect(body.nextOffset).toBe(body.records.at(-1)!.offset + 1);
    const rest = await call(host.url, 'GET', `/v1/topics/${t}/partitions/0/records?offset=${body.nextOffset}&maxRecords=10000&maxBytes=4194304`);
    expect(rest.body.records[0].offset).toBe(body.nextOffset);
    expect(body.records.length + rest.body.records.length).toBe(10_000);
  });

  it('binary: produce and fetch application/vnd.eddy.batches over HTTP; the answer goes out in parts, with the right length', async () => {
    const t = await topic(1);
    const batch = (from: number) => encodeBatch({ records: Array.from({ length: 300 }, (_, i) => ({ timestamp: 1_700_000_000_000 + from + i, key: null, value: new Uint8Array(1000).fill((from + i) % 251), headers: [] })) });
    for (let i = 0; i < 3; i++) {
      const res = await fetch(`${host.url}/v1/topics/${t}/records`, { method: 'POST', headers: { 'content-type': BATCHES_MEDIA_TYPE }, body: encodeProduceRequest({ partitions: [{ partition: 0, batch: batch(300 * i) }] }) });
      expect(res.status, await res.clone().text()).toBe(200);
      expect(await res.json()).toEqual({ partitions: [{ partition: 0, baseOffset: 300 * i, records: 300 }] });
    }
    const res = await fetch(`${host.url}/v1/topics/${t}/partitions/0/records?offset=150`, { headers: { accept: BATCHES_MEDIA_TYPE } });
    expect(res.status).toBe(200);
    expect(res.headers.get('content-type')).toBe(BATCHES_MEDIA_TYPE);
    const bytes = new Uint8Array(await res.arrayBuffer());
    expect(Number(res.headers.get('content-length'))).toBe(bytes.length);
    const answer = decodeFetchAnswer(bytes);
    expect(answer).toMatchObject({ nextOffset: 900, highWatermark: 900 });
    // Whole batches from the one holding offset 150: three stored batches, each written after the header as read.
    const records = decodeBatches(answer.batches).flatMap((b) => b.records);
    expect(records.map((r) => r.offset)).toEqual(Array.from({ length: 900 }, (_, i) => i));
    expect(records.every((r) => r.value!.length === 1000 && r.value![0] === r.offset % 251)).toBe(true);
  });

  it('list offsets: earliest, latest, by timestamp', async () => {
    const t = await topic();
    await call(host.url, 'POST', `/v1/topics/${t}/records`, { encoding: 'utf8', records: [100, 200, 300].map((timestamp) => ({ value: 'v', timestamp })) });
    expect((await call(host.url, 'GET', `/v1/topics/${t}/partitions/0/offsets?at=earliest`)).body).toEqual({ partition: 0, offset: 0 });
    expect((await call(host.url, 'GET', `/v1/topics/${t}/partitions/0/offsets?at=latest`)).body).toEqual({ partition: 0, offset: 3 });
    expect((await call(host.url, 'GET', `/v1/topics/${t}/partitions/0/offsets?at=150`)).body).toEqual({ partition: 0, offset: 1, timestamp: 200 });
  });

  it('serves an OpenAPI 3.1 document', async () => {
    const doc = await call(host.url, 'GET', '/v1/openapi.json');
    expect(doc.status).toBe(200);
    expect(doc.body.openapi).toBe('3.1.0');
  });
});

describe('errors: a 4xx with the envelope, and nothing written', () => {
  const bad: Array<[string, unknown, string, number, Record<string, string>?]> = [
    ['invalid JSON', '{"records": [', 'INVALID_REQUEST', 400],
    ['wrong types', { records: 'nope' }, 'INVALID_REQUEST', 400],
    ['unknown encoding', { encoding: 'hex', records: [{ value: 'aa' }] }, 'INVALID_REQUEST', 400],
    ['bad base64', { records: [{ value: 'not base64!' }] }, 'INVALID_REQUEST', 400],
    ['header value not a string', { records: [{ value: b64('x'), headers: { h: 5 } }] }, 'INVALID_REQUEST', 400],
    ['empty record list', { records: [] }, 'INVALID_REQUEST', 400],
    ['partition out of range', { records: [{ value: b64('ok') }, { value: b64('x'), partition: 7 }] }, 'UNKNOWN_TOPIC_OR_PARTITION', 404],
    ['oversize record inside a good batch', { records: [{ value: b64('ok') }, { value: b64('x'.repeat(2000)) }] }, 'MESSAGE_TOO_LARGE', 413],
    ['number as string', { records: [{ value: b64('ok'), partition: '0' }] }, 'INVALID_REQUEST', 400],
    ['unknown field', { records: [{ value: b64('ok') }], extra: 1 }, 'INVALID_REQUEST', 400],
    ['wrong content type', { records: [{ value: b64('ok') }] }, 'INVALID_REQUEST', 400, { 'content-type': 'text/plain' }],
    ['invalid UTF-8 body', new Uint8Array([0x7b, 0xff, 0xfe, 0x7d]), 'INVALID_REQUEST', 400],
    ['partial idempotence fields', { producerId: 'p1', records: [{ value: b64('ok'), partition: 0 }] }, 'INVALID_REQUEST', 400],
  ];
  for (const [label, body, code, status, headers] of bad) {
    it(label, async () => {
      const t = await topic(2, { maxMessageBytes: 1000 });
      const before = await objectCount(host);
      const r = await call(host.url, 'POST', `/v1/topics/${t}/records`, body, headers);
      expect(r.status).toBe(status);
      expect(r.body.error).toMatchObject({ code, retryable: false });
      expect(typeof r.body.error.message).toBe('string');
      expect(r.body.error.message.length).toBeGreaterThan(5);
      expect(await objectCount(host)).toBe(before);
      const d = await call(host.url, 'GET', `/v1/topics/${t}`);
      expect(d.body.partitionOffsets.map((p: { highWatermark: number }) => p.highWatermark)).toEqual([0, 0]);
    });
  }

  it('body over 6 MB → 413', async () => {
    const t = await topic();
    const r = await call(host.url, 'POST', `/v1/topics/${t}/records`, { records: [{ value: 'A'.repeat(6 * 1024 * 1024) }] });
    expect(r.status).toBe(413);
    expect(r.body.error.code).toBe('MESSAGE_TOO_LARGE');
  });

  it('a declared Content-Length over the limit → 413 at once, connection closed, the body never read', async () => {
    const t = await topic();
    const started = Date.now();
    const answer = await new Promise<{ status: number; connection: string | undefined; body: { error: { code: string } } }>((resolve, reject) => {
      // 100 MB declared, one small chunk sent: the host must answer from the headers alone.
      const req = httpRequest(new URL(`/v1/topics/${t}/records`, host.url), { method: 'POST', headers: { 'content-type': 'application/json', 'content-length': String(100 * 1024 * 1024) } }, (res) => {
        let text = '';
        res.setEncoding('utf8');
        res.on('data', (c: string) => (text += c));
        res.on('end', () => resolve({ status: res.statusCode!, connection: res.headers.connection, body: JSON.parse(text) }));
      });
      req.on('error', reject);
      req.write('{"records":[');
    });
    expect(answer).toMatchObject({ status: 413, connection: 'close', body: { error: { code: 'MESSAGE_TOO_LARGE' } } });
    expect(Date.now() - started).toBeLessThan(2_000);
    // The host still serves.
    expect((await call(host.url, 'GET', '/health')).status).toBe(200);
  });

  it('a client that aborts mid-body: nothing is applied and the host serves on', async () => {
    const t = await topic();
    await new Promise<void>((resolve) => {
      const req = httpRequest(new URL(`/v1/topics/${t}/records`, host.url), { method: 'POST', headers: { 'content-type': 'application/json', 'content-length': '1000' } }, () => undefined);
      req.on('error', () => resolve());
      req.write('{"records":[', () => setTimeout(() => req.destroy(), 50));
      req.on('close', () => resolve());
    });
    expect((await call(host.url, 'POST', `/v1/topics/${t}/records`, { records: [{ value: b64('ok') }] })).status).toBe(200);
    expect((await call(host.url, 'GET', `/v1/topics/${t}/partitions/0/records?offset=0`)).body.records).toHaveLength(1);
  });

  /** POSTs a JSON body in chunks without Content-Length (Transfer-Encoding: chunked). */
  async function postChunked(path: string, body: string, chunkBytes: number): Promise<{ status: number; body: { error?: { code: string }; results?: { offset: number }[] } }> {
    return new Promise((resolve, reject) => {
      const req = httpRequest(new URL(path, host.url), { method: 'POST', headers: { 'content-type': 'application/json' } }, (res) => {
        let text = '';
        res.setEncoding('utf8');
        res.on('data', (c: string) => (text += c));
        res.on('end', () => resolve({ status: res.statusCode!, body: JSON.parse(text) }));
      });
      req.on('error', reject);
      for (let i = 0; i < body.length; i += chunkBytes) req.write(body.slice(i, i + chunkBytes));
      req.end();
    });
  }

  it('a chunked body (no Content-Length) is read whole, and over 6 MB → 413', async () => {
    const t = await topic();
    const value = Buffer.alloc(300_000, 7);
    const ok = await postChunked(`/v1/topics/${t}/records`, JSON.stringify({ records: [{ value: b64(value) }, { value: b64('after') }] }), 50_000);
    expect(ok).toMatchObject({ status: 200, body: { results: [{ offset: 0 }, { offset: 1 }] } });
    const read = await call(host.url, 'GET', `/v1/topics/${t}/partitions/0/records?offset=0`);
    expect(read.body.records.map((r: { value: string }) => r.value)).toEqual([b64(value), b64('after')]);
    const big = await postChunked(`/v1/topics/${t}/records`, JSON.stringify({ records: [{ value: 'A'.repeat(6 * 1024 * 1024) }] }), 1024 * 1024);
    expect(big).toMatchObject({ status: 413, body: { error: { code: 'MESSAGE_TOO_LARGE' } } });
  });

  it('unknown topic or partition → 404; bad names → 400', async () => {
    const t = await topic();
    expect((await call(host.url, 'GET', `/v1/topics/${unique('missing')}`)).body.error.code).toBe('UNKNOWN_TOPIC_OR_PARTITION');
    const r = await call(host.url, 'GET', `/v1/topics/${t}/partitions/5/records?offset=0`);
    expect(r.status).toBe(404);
    expect(r.body.error.code).toBe('UNKNOWN_TOPIC_OR_PARTITION');
    expect((await call(host.url, 'POST', `/v1/topics/${unique('missing')}/records`, { records: [{ value: b64('x') }] })).status).toBe(404);
    const badName = await call(host.url, 'POST', '/v1/topics', { name: 'bad name!' });
    expect(badName).toMatchObject({ status: 400, body: { error: { code: 'INVALID_TOPIC' } } });
    expect((await call(host.url, 'POST', '/v1/topics', { name: unique('p'), partitions: 1001 })).body.error.code).toBe('INVALID_PARTITIONS');
    expect((await call(host.url, 'POST', '/v1/topics', { name: t })).status).toBe(409);
    expect((await call(host.url, 'PATCH', `/v1/topics/${t}`, { partitions: 0 })).body.error.code).toBe('INVALID_PARTITIONS');
  });

  it('offset past the end → 416; non-numeric and out-of-bounds query values → 400', async () => {
    const t = await topic();
    await call(host.url, 'POST', `/v1/topics/${t}/records`, { records: [{ value: b64('x') }] });
    const past = await call(host.url, 'GET', `/v1/topics/${t}/partitions/0/records?offset=2`);
    expect(past).toMatchObject({ status: 416, body: { error: { code: 'OFFSET_OUT_OF_RANGE', retryable: false } } });
    expect(past.body.error.message).toContain('logStartOffset=0');
    for (const q of ['offset=abc', 'offset=-1', '', 'offset=0&waitMs=20001', 'offset=0&maxBytes=5000000', 'offset=0&maxRecords=x', 'offset=0&encoding=hex', 'offset=0&bogus=1']) {
      const r = await call(host.url, 'GET', `/v1/topics/${t}/partitions/0/records?${q}`);
      expect(r.status, q).toBe(400);
      expect(r.body.error.code, q).toBe('INVALID_REQUEST');
    }
    expect((await call(host.url, 'GET', `/v1/topics/${t}/partitions/x/records?offset=0`)).status).toBe(400);
    expect((await call(host.url, 'GET', `/v1/topics/${t}/partitions/0/offsets?at=yesterday`)).status).toBe(400);
  });

  it('offset before the log start → 416 naming logStartOffset; offsets continue after retention empties a partition', async () => {
    const t = await topic(1, { retentionMs: 1000 });
    await call(host.url, 'POST', `/v1/topics/${t}/records`, { encoding: 'utf8', records: [1, 2, 3].map((i) => ({ value: `old${i}`, timestamp: i })) });
    const maintenance = new Maintenance(host.components, { retentionMinAgeMs: 0, compactionMinAgeMs: 0 });
    const report = await maintenance.runOnce();
    expect(report.entriesExpired).toBeGreaterThanOrEqual(1);
    const d = await call(host.url, 'GET', `/v1/topics/${t}`);
    expect(d.body.partitionOffsets[0]).toMatchObject({ logStartOffset: 3, highWatermark: 3, segments: 0 });
    const before = await call(host.url, 'GET', `/v1/topics/${t}/partitions/0/records?offset=0`);
    expect(before).toMatchObject({ status: 416, body: { error: { code: 'OFFSET_OUT_OF_RANGE' } } });
    expect(before.body.error.message).toContain('logStartOffset=3');
    const next = await call(host.url, 'POST', `/v1/topics/${t}/records`, { encoding: 'utf8', records: [{ value: 'new' }] });
    expect(next.body.results).toEqual([{ partition: 0, offset: 3 }]);
  });

  it('unknown routes answer like API Gateway', async () => {
    expect((await call(host.url, 'GET', '/v1/nope')).status).toBe(404);
    expect((await call(host.url, 'PUT', '/v1/topics')).status).toBe(405);
  });
});

describe('long poll', () => {
  it('returns within a few hundred ms of a produce, not at its timeout', async () => {
    const t = await topic();
    const started = Date.now();
    const poll = call(host.url, 'GET', `/v1/topics/${t}/partitions/0/records?offset=0&waitMs=10000&encoding=utf8`);
    await new Promise((r) => setTimeout(r, 300));
    const producedAt = Date.now();
    await call(host.url, 'POST', `/v1/topics/${t}/records`, { encoding: 'utf8', records: [{ value: 'wake up' }] });
    const r = await poll;
    const waited = Date.now() - producedAt;
    expect(r.body.records.map((x: { value: string }) => x.value)).toEqual(['wake up']);
    expect(waited).toBeLessThan(1500);
    expect(Date.now() - started).toBeLessThan(5000);
  });

  it('answers an empty batch when waitMs expires', async () => {
    const t = await topic();
    const started = Date.now();
    const r = await call(host.url, 'GET', `/v1/topics/${t}/partitions/0/records?offset=0&waitMs=400`);
    expect(r.status).toBe(200);
    expect(r.body).toMatchObject({ records: [], nextOffset: 0, highWatermark: 0 });
    expect(Date.now() - started).toBeGreaterThanOrEqual(380);
  });
});

describe('one handler, three ways in', () => {
  it('gives the same answer through an API Gateway event, a direct invoke, the Invoke API and HTTP', async () => {
    const t = await topic(2);
    await call(host.url, 'POST', `/v1/topics/${t}/records`, { encoding: 'utf8', records: [{ key: 'a', value: 'one', partition: 1, timestamp: 5 }] });
    const path = `/v1/topics/${t}/partitions/1/records`;
    const query = { offset: '0', encoding: 'utf8' };
    const viaHttp = await call(host.url, 'GET', `${path}?offset=0&encoding=utf8`);
    const apigw = (await dispatch(host.runtime, 'fetch', {
      version: '2.0',
      routeKey: `GET /v1/topics/{topic}/partitions/{partition}/records`,
      rawPath: path,
      rawQueryString: 'offset=0&encoding=utf8',
      headers: {},
      queryStringParameters: query,
      requestContext: { http: { method: 'GET', path, protocol: 'HTTP/1.1', sourceIp: '127.0.0.1', userAgent: 't' } },
      isBase64Encoded: false,
    })) as { statusCode: number; body: string };
    const direct = (await dispatch(host.runtime, 'fetch', { method: 'GET', path, query })) as { statusCode: number; body: unknown };
    const lambda = new LambdaClient({ endpoint: host.url, region: 'us-east-1', credentials: { accessKeyId: 'local', secretAccessKey: 'local' } });
    const invoked = await lambda.send(new InvokeCommand({ FunctionName: 'eddy-fetch', Payload: Buffer.from(JSON.stringify({ method: 'GET', path, query })) }));
    const viaInvoke = JSON.parse(Buffer.from(invoked.Payload!).toString()) as { statusCode: number; body: unknown };
    expect(viaHttp.status).toBe(200);
    expect(apigw.statusCode).toBe(200);
    expect(JSON.parse(apigw.body)).toEqual(viaHttp.body);
    expect(direct).toEqual({ statusCode: 200, body: viaHttp.body });
    expect(viaInvoke).toEqual({ statusCode: 200, body: viaHttp.body });

    // Errors too: same status and envelope every way.
    const missing = { method: 'GET', path: `/v1/topics/${t}/partitions/9/records`, query: { offset: '0' } };
    const e1 = (await dispatch(host.runtime, 'fetch', missing)) as { statusCode: number; body: unknown };
    const e2 = await call(host.url, 'GET', `${missing.path}?offset=0`);
    expect(e1).toEqual({ statusCode: 404, body: e2.body });
    const unknownFn = await lambda.send(new InvokeCommand({ FunctionName: 'eddy-nope', Payload: Buffer.from('{}') })).catch((err: Error) => err);
    expect((unknownFn as Error).name).toBe('ResourceNotFoundException');
    lambda.destroy();
  });

  it('a function answers only its own routes', async () => {
    const r = (await dispatch(host.runtime, 'fetch', { method: 'GET', path: '/v1/topics' })) as { statusCode: number };
    expect(r.statusCode).toBe(404);
  });
});

describe('restart', () => {
  it('keeps data and offsets across a stop and start on the same data dir', async () => {
    const first = await testHost();
    const t = unique('persist');
    await call(first.url, 'POST', '/v1/topics', { name: t, partitions: 1 });
    await call(first.url, 'POST', `/v1/topics/${t}/records`, { encoding: 'utf8', records: [{ value: 'a' }, { value: 'b' }] });
    await first.close();
    const second = await testHost({ dataDir: first.dataDir });
    try {
      const r = await call(second.url, 'GET', `/v1/topics/${t}/partitions/0/records?offset=0&encoding=utf8`);
      expect(r.body.records.map((x: { offset: number; value: string }) => [x.offset, x.value])).toEqual([[0, 'a'], [1, 'b']]);
      const p = await call(second.url, 'POST', `/v1/topics/${t}/records`, { encoding: 'utf8', records: [{ value: 'c' }] });
      expect(p.body.results).toEqual([{ partition: 0, offset: 2 }]);
    } finally {
      await second.cleanup();
      await first.cleanup().catch(() => undefined);
    }
  });
});

describe('what a curl reader meets', () => {
  it('answers a partition number past the topic with 404, however many digits it has', async () => {
    const t = await topic(1);
    for (const p of ['1', '99999', '123456789012']) {
      const r = await call(host.url, 'GET', `/v1/topics/${t}/partitions/${p}/records?offset=0`);
      expect(r.status, p).toBe(404);
      expect(r.body.error.code).toBe('UNKNOWN_TOPIC_OR_PARTITION');
    }
    expect((await call(host.url, 'GET', `/v1/topics/${t}/partitions/-1/records?offset=0`)).status).toBe(400);
  });

  it('is never stuck on a record that is not UTF-8: that record comes back in base64, marked', async () => {
    const t = await topic(1);
    const produced = await call(host.url, 'POST', `/v1/topics/${t}/records`, {
      records: [{ value: b64('before') }, { key: b64(new Uint8Array([0xff])), value: b64(new Uint8Array([0xc3, 0x28])) }, { value: b64('after') }],
    });
    expect(produced.status).toBe(200);
    const r = await call(host.url, 'GET', `/v1/topics/${t}/partitions/0/records?offset=0&encoding=utf8`);
    expect(r.status).toBe(200);
    expect(r.body.records.map((x: { value: unknown; encoding?: string }) => [x.value, x.encoding])).toEqual([
      ['before', undefined],
      [b64(new Uint8Array([0xc3, 0x28])), 'base64'],
      ['after', undefined],
    ]);
    expect(r.body.records[1].key).toBe(b64(new Uint8Array([0xff])));
    const json = await call(host.url, 'GET', `/v1/topics/${t}/partitions/0/records?offset=0&encoding=json`);
    expect(json.body.records.every((x: { encoding?: string }) => x.encoding === 'base64')).toBe(true); // "before" is not JSON either
  });

  it('carries tombstones (value null) and null header values in every encoding', async () => {
    const t = await topic(1);
    for (const encoding of ['base64', 'utf8', 'json']) {
      const r = await call(host.url, 'POST', `/v1/topics/${t}/records`, { encoding, records: [{ key: encoding === 'base64' ? b64('k') : 'k', value: null, headers: { gone: null } }] });
      expect(r.status, encoding).toBe(200);
    }
    const r = await call(host.url, 'GET', `/v1/topics/${t}/partitions/0/records?offset=0&encoding=utf8`);
    expect(r.body.records.map((x: { key: string; value: unknown; headers: unknown }) => [x.key, x.value, x.headers])).toEqual([
      ['k', null, { gone: null }],
      ['k', null, { gone: null }],
      ['k', null, { gone: null }],
    ]);
  });

  it('names the utf8 and json encodings when a text value arrives under the default base64', async () => {
    const t = await topic(1);
    const r = await call(host.url, 'POST', `/v1/topics/${t}/records`, { records: [{ value: 'hello world' }] });
    expect(r.status).toBe(400);
    expect(r.body.error.message).toMatch(/"encoding":"utf8"/);
  });
});
