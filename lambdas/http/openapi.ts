/**
 * `GET /v1/openapi.json`: an OpenAPI 3.1 document generated from the route
 * table and the same zod schemas the handlers validate with.
 */
import { BATCHES_MEDIA_TYPE } from '@eddy/api';
import * as z from 'zod';
import { ERROR_CODES } from '../../core/errors.js';
import { ROUTES } from './routes.js';

type Json = Record<string, unknown>;

function jsonSchema(schema: z.ZodType): Json {
  const out = z.toJSONSchema(schema, { io: 'input', target: 'draft-2020-12', unrepresentable: 'any' }) as Json;
  delete out.$schema;
  return out;
}

const errorSchema: Json = {
  type: 'object',
  required: ['error'],
  properties: {
    error: {
      type: 'object',
      required: ['code', 'message', 'retryable'],
      properties: { code: { type: 'string', enum: Object.keys(ERROR_CODES) }, message: { type: 'string' }, retryable: { type: 'boolean' } },
    },
  },
};

/** Where the document is served (by the admin function; see handler.ts). */
export const OPENAPI_PATH = '/v1/openapi.json';

let built: Json | undefined;

/** The document, built once per process. */
export function openApiDocument(): Json {
  return (built ??= buildOpenApi());
}

/** Builds the document. */
export function buildOpenApi(): Json {
  const paths: Record<string, Json> = {
    '/health': { get: { operationId: 'health', summary: 'Liveness', responses: { '200': { description: '{"status":"ok"}' } } } },
    [OPENAPI_PATH]: {
      get: { operationId: 'getV1OpenapiJson', summary: 'This document', 'x-eddy-function': 'admin', responses: { '200': { description: 'OpenAPI 3.1' } }, security: [{ sigv4: [] }] },
    },
  };
  for (const r of ROUTES) {
    const parameters: Json[] = [...r.path.matchAll(/\{(\w+)\}/g)].map((m) => ({ name: m[1], in: 'path', required: true, schema: { type: 'string' } }));
    if (r.query) {
      const q = jsonSchema(r.query);
      const required = new Set((q.required as string[] | undefined) ?? []);
      for (const [name, schema] of Object.entries((q.properties as Record<string, Json> | undefined) ?? {})) {
        parameters.push({ name, in: 'query', required: required.has(name), schema });
      }
    }
    const statuses = new Set(Object.values(ERROR_CODES).map((p) => String(p.status)));
    // The binary wire format (docs/api.md, "Binary records"): a fetch answers it when Accept asks.
    const binaryAnswer = r.runBinaryAnswer ? { [BATCHES_MEDIA_TYPE]: { schema: { type: 'string', format: 'binary' } } } : {};
    const responses: Json = { [String(r.status)]: { description: r.status === 204 ? 'No content' : 'Success', ...(r.status === 204 ? {} : { content: { 'application/json': { schema: { type: 'object' } }, ...binaryAnswer } }) } };
    for (const status of statuses) responses[status] = { $ref: '#/components/responses/Error' };
    const op: Json = {
      operationId: `${r.method.toLowerCase()}${r.path.replace(/[{}]/g, '').replace(/[/.]+(\w)/g, (_, c: string) => c.toUpperCase())}`,
      summary: r.summary,
      'x-eddy-function': r.kind,
      parameters,
      responses,
      security: [{ sigv4: [] }],
    };
    if (r.body) {
      const binaryBody = r.runBinaryBody ? { [BATCHES_MEDIA_TYPE]: { schema: { type: 'string', format: 'binary' } } } : {};
      op.requestBody = { required: true, content: { 'application/json': { schema: jsonSchema(r.body) }, ...binaryBody } };
    }
    const path = (paths[r.path] ??= {});
    path[r.method.toLowerCase()] = op;
  }
  return {
    openapi: '3.1.0',
    info: { title: 'Eddy HTTP API', version: '1.0.0', description: 'Kafka-style event streams on AWS Lambda, S3 and DynamoDB. See docs/design.md and docs/api.md.' },
    paths,
    components: {
      schemas: { Error: errorSchema },
      responses: { Error: { description: 'Error envelope', content: { 'application/json': { schema: { $ref: '#/components/schemas/Error' } } } } },
      securitySchemes: { sigv4: { type: 'apiKey', name: 'Authorization', in: 'header', description: 'AWS SigV4 (IAM) for execute-api; the local host accepts unsigned requests' } },
    },
  };
}
