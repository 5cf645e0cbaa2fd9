/** The OpenAPI document covers exactly the routes of docs/design.md §8, from the schemas the handlers validate with. */
import * as z from 'zod';
import { describe, expect, it } from 'vitest';
import { buildOpenApi } from '../../lambdas/http/openapi.js';
import { ROUTES } from '../../lambdas/http/routes.js';

/** docs/design.md §8, route table, verbatim (it lists the OpenAPI route and the IAM-safe describe path too). */
const DESIGN_ROUTES = [
  'GET /health',
  'GET /v1/openapi.json',
  'POST /v1/topics',
  'GET /v1/topics',
  'GET /v1/topics/{topic}',
  // The same describe on a path IAM wildcards cannot stretch to record reads (docs/api.md).
  'GET /v1/topics/{topic}/description',
  'PATCH /v1/topics/{topic}',
  'DELETE /v1/topics/{topic}',
  'POST /v1/topics/{topic}/records',
  'GET /v1/topics/{topic}/partitions/{partition}/records',
  'GET /v1/topics/{topic}/partitions/{partition}/offsets',
  'POST /v1/groups/{group}/heartbeat',
  'POST /v1/groups/{group}/offsets',
  'GET /v1/groups/{group}/offsets',
  'GET /v1/groups',
  'GET /v1/groups/{group}',
  'DELETE /v1/groups/{group}',
  'POST /v1/groups/{group}/offsets/reset',
];

type Op = { parameters?: Array<{ name: string; in: string; required: boolean }>; requestBody?: { content: Record<string, { schema: unknown }> } };

describe('openapi.json', () => {
  const doc = buildOpenApi() as { openapi: string; paths: Record<string, Record<string, Op>> };

  it('lists exactly the routes of docs/design.md §8', () => {
    const ops = Object.entries(doc.paths).flatMap(([path, methods]) => Object.keys(methods).map((m) => `${m.toUpperCase()} ${path}`));
    expect(ops.sort()).toEqual([...DESIGN_ROUTES].sort());
    expect(doc.openapi).toBe('3.1.0');
  });

  it('describes every body and query parameter with the handlers\' own schemas', () => {
    for (const r of ROUTES) {
      const op = doc.paths[r.path]![r.method.toLowerCase()]!;
      if (r.body) {
        const expected = z.toJSONSchema(r.body, { io: 'input', target: 'draft-2020-12', unrepresentable: 'any' }) as Record<string, unknown>;
        delete expected.$schema;
        expect(op.requestBody!.content['application/json']!.schema).toEqual(expected);
      } else expect(op.requestBody).toBeUndefined();
      const queryNames = (op.parameters ?? []).filter((p) => p.in === 'query').map((p) => p.name);
      const schemaNames = r.query ? Object.keys((z.toJSONSchema(r.query, { io: 'input' }) as { properties?: object }).properties ?? {}) : [];
      expect(queryNames).toEqual(schemaNames);
    }
    const fetchOp = doc.paths['/v1/topics/{topic}/partitions/{partition}/records']!.get!;
    expect(fetchOp.parameters!.find((p) => p.name === 'offset')).toMatchObject({ in: 'query', required: true });
    expect(fetchOp.parameters!.map((p) => p.name)).toEqual(['topic', 'partition', 'offset', 'maxRecords', 'maxBytes', 'waitMs', 'encoding']);
  });
});
