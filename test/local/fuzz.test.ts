/**
 * Fuzzes every route with fast-check over the OpenAPI schemas, through the
 * same dispatch the Lambda functions run: no request, however malformed, may
 * yield a 5xx, and a rejected produce writes nothing.
 */
import fc from 'fast-check';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { dispatch } from '../../lambdas/http/handler.js';
import { openApiDocument } from '../../lambdas/http/openapi.js';
import { ROUTES } from '../../lambdas/http/routes.js';
import { fromSchema } from '../helpers/arbitrary-json.js';
import { call, testHost, unique } from '../helpers/host.js';

type Host = Awaited<ReturnType<typeof testHost>>;
let host: Host;
let topic: string;
const group = unique('fuzz-group');

async function objectCount(): Promise<number> {
  let n = 0;
  for await (const _ of host.components.objectStore.list('')) n++;
  return n;
}

beforeAll(async () => {
  host = await testHost();
  topic = unique('fuzz');
  await call(host.url, 'POST', '/v1/topics', { name: topic, partitions: 2 });
  await call(host.url, 'POST', `/v1/topics/${topic}/records`, { encoding: 'utf8', records: [{ value: 'seed' }] });
});
afterAll(() => host.cleanup());

type Json = Record<string, unknown>;

const stats = { cases: 0, fiveHundreds: 0, partialWrites: 0 };

describe('fuzzing every route over the OpenAPI schemas', () => {
  it('never answers 5xx and never writes on a rejected produce', async () => {
    const doc = openApiDocument() as { paths: Record<string, Record<string, Json>> };
    const ops = Object.entries(doc.paths).flatMap(([path, methods]) => Object.entries(methods).map(([method, op]) => ({ path, method: method.toUpperCase(), op })));
    expect(ops.length).toBe(ROUTES.length + 2); // every route, plus /health and the OpenAPI document itself (served beside the table)
    const pathValue = fc.oneof(
      { weight: 4, arbitrary: fc.constantFrom(topic, group) },
      { weight: 1, arbitrary: fc.constantFrom('0', '1', '9999', '-1', '..', '%', '%E0%A4%A', 'a'.repeat(300), 'ü') },
      { weight: 1, arbitrary: fc.string({ maxLength: 20 }) },
    );
    for (const { path, method, op } of ops) {
      const params = (op.parameters as Array<{ name: string; in: string; schema: Json }> | undefined) ?? [];
      const queryParams = params.filter((p) => p.in === 'query');
      const bodySchema = (op.requestBody as { content: { 'application/json': { schema: Json } } } | undefined)?.content['application/json'].schema;
      const query = fc.record(
        Object.fromEntries(queryParams.map((p) => [p.name, fc.oneof(fc.constantFrom('0', '1', '10', 'earliest', 'latest', 'utf8', 'json', '20001', '-5', 'x', ''), fc.string({ maxLength: 6 }))])),
        { requiredKeys: [] },
      );
      const body = bodySchema ? fc.option(fromSchema(bodySchema), { nil: undefined, freq: 10 }) : fc.constant(undefined);
      await fc.assert(
        fc.asyncProperty(fc.array(pathValue, { minLength: 2, maxLength: 2 }), query, body, async ([p1, p2], q, b) => {
          let i = 0;
          const concrete = path.replace(/\{(\w+)\}/g, (_, name: string) => {
            const v = i++ === 0 ? p1! : p2!;
            return encodeURIComponent(name === 'partition' && v === topic ? '0' : v);
          });
          const isProduce = method === 'POST' && path.endsWith('/records');
          const before = isProduce ? await objectCount() : 0;
          const res = (await dispatch(host.runtime, op['x-eddy-function'] as 'admin', {
            method,
            path: concrete,
            query: Object.fromEntries(Object.entries(q).map(([k, v]) => [k, String(v)])),
            body: b,
          })) as { statusCode: number; body: unknown };
          stats.cases++;
          if (res.statusCode >= 500) {
            stats.fiveHundreds++;
            throw new Error(`${method} ${concrete} → ${res.statusCode} ${JSON.stringify(res.body)} for body ${JSON.stringify(b)?.slice(0, 300)}`);
          }
          if (isProduce && res.statusCode >= 400 && (await objectCount()) !== before) {
            stats.partialWrites++;
            throw new Error(`rejected produce wrote an object: ${JSON.stringify(res.body)}`);
          }
        }),
        { numRuns: 60, seed: 20261126 },
      );
    }
    expect(stats.cases).toBeGreaterThanOrEqual(60 * ops.length);
    expect(stats).toMatchObject({ fiveHundreds: 0, partialWrites: 0 });
    console.log(`fuzz: ${stats.cases} cases over ${ops.length} operations, ${stats.fiveHundreds} 5xx, ${stats.partialWrites} partial writes`);
  }, 180_000);

  it('survives hostile hand-written cases', async () => {
    // The fuzzer may have deleted the shared topic; use a fresh one.
    const topic = unique('hostile');
    expect((await call(host.url, 'POST', '/v1/topics', { name: topic, partitions: 1 })).status).toBe(201);
    const hostile: Array<[string, string, unknown, Record<string, string>?]> = [
      ['deeply nested JSON', `/v1/topics/${topic}/records`, '['.repeat(100_000) + ']'.repeat(100_000)],
      ['huge JSON object', `/v1/topics/${topic}/records`, JSON.stringify({ records: Array.from({ length: 50_000 }, () => ({ value: 'QQ==' })) })],
      ['10,000 headers', `/v1/topics/${topic}/records`, { records: [{ value: 'QQ==', headers: Object.fromEntries(Array.from({ length: 10_000 }, (_, i) => [`h${i}`, 'QQ=='])) }] }],
      ['unicode topic name', '/v1/topics', { name: 'тема-🙂' }],
      ['numbers as strings', `/v1/topics/${topic}/records`, { records: [{ value: 'QQ==', timestamp: '5' }] }],
      ['null body', `/v1/topics/${topic}/records`, 'null'],
      ['proto pollution', `/v1/topics/${topic}/records`, '{"__proto__":{"x":1},"records":[{"value":"QQ=="}]}'],
      ['form content type', '/v1/topics', 'name=x', { 'content-type': 'application/x-www-form-urlencoded' }],
    ];
    for (const [label, path, body, headers] of hostile) {
      const r = await call(host.url, 'POST', path, body, headers);
      expect(r.status, label).toBeLessThan(500);
      stats.cases++;
    }
    // 10,000 headers is legal if it fits maxMessageBytes; whatever the answer, it must be consistent with storage.
    const d = await call(host.url, 'GET', `/v1/topics/${topic}`);
    expect(d.status).toBe(200);
  }, 60_000);
});
