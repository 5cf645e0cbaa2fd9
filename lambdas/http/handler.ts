/**
 * The one entry point of every function: accepts an API Gateway HTTP API
 * (payload v2) event, a direct-invoke payload (docs/api.md), or a scheduled
 * event (maintenance), and maps every error to the envelope of docs/design.md §9.
 */
import type { APIGatewayProxyEventV2, APIGatewayProxyStructuredResultV2 } from 'aws-lambda';
import { acceptedBatchCodecs, BATCHES_MEDIA_TYPE, isBatchesMediaType, readerChecksCrc } from '@eddy/api';
import { EddyError, errorEnvelope, toEddyError } from '../../core/errors.js';
import type { FunctionKind } from '../../core/schema.js';
import { OPENAPI_PATH, openApiDocument } from './openapi.js';
import { ByteParts, rawBodyOf, withRawBody } from './raw-body.js';
import { matchRoute, type ApiRequest, type ApiResponse } from './routes.js';
import type { Logger } from './log.js';
import type { Runtime } from './runtime.js';

/** Largest request body accepted: Lambda's synchronous payload limit. */
export const MAX_BODY_BYTES = 6 * 1024 * 1024;

/** A direct-invoke payload. */
export interface DirectInvokePayload {
  readonly method: string;
  readonly path: string;
  readonly query?: Record<string, string>;
  /** The JSON body; with `bodyEncoding: 'base64'`, a base64 string of the body's bytes. */
  readonly body?: unknown;
  /** `base64`: `body` is the base64 of raw bytes, of the type `headers['content-type']` names (the binary format, docs/api.md). */
  readonly bodyEncoding?: 'base64';
  /** `content-type` and `accept`, as HTTP would carry them (names in lower case). */
  readonly headers?: Record<string, string>;
}

/** The answer to a direct invoke: `{statusCode, body}`, plus `headers` and `bodyEncoding: 'base64'` for a binary answer. */
export interface DirectInvokeResult {
  readonly statusCode: number;
  readonly body: unknown;
  readonly headers?: Record<string, string>;
  readonly bodyEncoding?: 'base64';
}

const utf8 = new TextDecoder('utf-8', { fatal: true });

function fail(err: unknown, log: Logger, req: { method: string; path: string }): ApiResponse {
  const e = toEddyError(err);
  if (e.code === 'INTERNAL') log.error('internal error', { method: req.method, path: req.path, error: String((err as Error)?.stack ?? err) });
  return { statusCode: e.status, body: errorEnvelope(e) };
}

function checkBodySize(raw: Uint8Array | string): void {
  const bytes = typeof raw === 'string' ? Buffer.byteLength(raw) : raw.length;
  if (bytes > MAX_BODY_BYTES) throw new EddyError('MESSAGE_TOO_LARGE', `request body of ${bytes} bytes exceeds ${MAX_BODY_BYTES} (the limit of the HTTP API and of a Lambda invoke; a larger record goes over the Kafka protocol, see docs/kafka.md)`);
}

/** Parses a raw body (bytes or text) into JSON; `contentType` must be JSON or absent. */
export function parseBody(raw: Uint8Array | string | undefined, contentType: string | undefined): unknown {
  if (raw === undefined || raw.length === 0) return undefined;
  checkBodySize(raw);
  if (contentType && !/^application\/(.+\+)?json\s*(;|$)/i.test(contentType)) {
    throw new EddyError('INVALID_REQUEST', `Content-Type must be application/json or ${BATCHES_MEDIA_TYPE}, got ${JSON.stringify(contentType.slice(0, 100))}`);
  }
  let text: string;
  try {
    text = typeof raw === 'string' ? raw : utf8.decode(raw);
  } catch {
    throw new EddyError('INVALID_REQUEST', 'request body is not valid UTF-8');
  }
  try {
    return JSON.parse(text) as unknown;
  } catch (err) {
    throw new EddyError('INVALID_REQUEST', `malformed JSON body: ${err instanceof Error ? err.message.slice(0, 200) : 'parse error'}`);
  }
}

function validationMessage(issues: ReadonlyArray<{ path: PropertyKey[]; message: string }>, where: string): string {
  return issues
    .slice(0, 5)
    .map((i) => `${i.path.length ? `${where}.${i.path.map(String).join('.')}` : where}: ${i.message}`)
    .join('; ');
}

/**
 * Serves one request for a function. `kind` 'any' serves every route (the
 * local host dispatches by route itself). Never throws.
 */
export async function serve(rt: Runtime, kind: FunctionKind | 'any', req: ApiRequest, log: Logger = rt.logger): Promise<ApiResponse> {
  try {
    if (req.path === '/health' && req.method === 'GET') return { statusCode: 200, body: { status: 'ok' } };
    if (req.path === OPENAPI_PATH && req.method === 'GET' && (kind === 'admin' || kind === 'any')) return { statusCode: 200, body: openApiDocument() };
    const m = matchRoute(req.method, req.path);
    if (!m || !('route' in m) || (kind !== 'any' && m.route.kind !== kind)) {
      // The shape API Gateway itself answers for a route it does not have.
      return m && 'pathMatched' in m ? { statusCode: 405, body: { message: 'Method Not Allowed' } } : { statusCode: 404, body: { message: 'Not Found' } };
    }
    const { route, params } = m;
    let query: unknown = {};
    if (route.query) {
      const parsed = route.query.safeParse(req.query);
      if (!parsed.success) throw new EddyError('INVALID_REQUEST', validationMessage(parsed.error.issues, 'query'));
      query = parsed.data;
    } else if (Object.keys(req.query).length > 0) {
      throw new EddyError('INVALID_REQUEST', `unknown query parameter ${JSON.stringify(Object.keys(req.query)[0])}`);
    }
    const codecs = route.runBinaryAnswer ? acceptedBatchCodecs(req.accept) : undefined;
    if (req.binaryBody !== undefined) {
      if (!route.runBinaryBody) throw new EddyError('INVALID_REQUEST', `Content-Type ${BATCHES_MEDIA_TYPE} is accepted by POST /v1/topics/{topic}/records only`);
      const out = await route.runBinaryBody(rt, { params, query, body: req.binaryBody });
      return { statusCode: route.status, body: out };
    }
    if (codecs) return { statusCode: route.status, body: await route.runBinaryAnswer!(rt, { params, query, body: undefined }, { codecs, readerChecksCrc: readerChecksCrc(req.accept) }) };
    let body: unknown;
    if (route.body) {
      if (req.body === undefined) throw new EddyError('INVALID_REQUEST', 'request body is required');
      const parsed = route.body.safeParse(req.body);
      if (!parsed.success) throw new EddyError('INVALID_REQUEST', validationMessage(parsed.error.issues, 'body'));
      body = parsed.data;
    }
    const out = await route.run(rt, { params, query, body });
    return { statusCode: route.status, body: route.status === 204 ? null : out };
  } catch (err) {
    return fail(err, log, req);
  }
}

function isApiGatewayV2(event: unknown): event is APIGatewayProxyEventV2 {
  const e = event as Partial<APIGatewayProxyEventV2> | null;
  return !!e && e.version === '2.0' && typeof e.rawPath === 'string' && !!e.requestContext?.http;
}

function isDirect(event: unknown): event is DirectInvokePayload {
  const e = event as Partial<DirectInvokePayload> | null;
  return !!e && typeof e.method === 'string' && typeof e.path === 'string';
}

function isScheduled(event: unknown): boolean {
  const e = event as Record<string, unknown> | null;
  return !!e && (e.source === 'aws.events' || e['detail-type'] === 'Scheduled Event' || 'maintenance' in e);
}

function header(headers: Record<string, string | undefined> | undefined, name: string): string | undefined {
  if (!headers) return undefined;
  for (const [k, v] of Object.entries(headers)) if (k.toLowerCase() === name) return v;
  return undefined;
}

/** The body of a request: parsed JSON, or the bytes of the binary format (size and type checked). */
function requestBody(raw: Uint8Array | string | undefined, contentType: string | undefined): Pick<ApiRequest, 'body' | 'binaryBody'> {
  if (raw !== undefined && isBatchesMediaType(contentType)) {
    checkBodySize(raw);
    return { body: undefined, binaryBody: typeof raw === 'string' ? new Uint8Array(Buffer.from(raw, 'latin1')) : raw };
  }
  return { body: parseBody(raw, contentType) };
}

/** Turns an API Gateway v2 event into a request (body parsed, size and type checked). */
export function requestFromApiGateway(event: APIGatewayProxyEventV2): ApiRequest {
  // An in-process host (the local host) hands over the bytes it read; through JSON (AWS) only the base64 comes.
  const raw = rawBodyOf(event) ?? (event.body === undefined ? undefined : event.isBase64Encoded ? fromBase64(event.body) : event.body);
  const query: Record<string, string> = {};
  for (const [k, v] of Object.entries(event.queryStringParameters ?? {})) if (v !== undefined) query[k] = v;
  const accept = header(event.headers, 'accept');
  return {
    method: event.requestContext.http.method.toUpperCase(),
    path: event.rawPath,
    query,
    ...requestBody(raw, header(event.headers, 'content-type')),
    ...(accept !== undefined ? { accept } : {}),
  };
}

/** The bytes of a base64 body, as a Uint8Array view of the decoded Buffer (no second copy of the body). */
function fromBase64(body: string): Uint8Array {
  const b = Buffer.from(body, 'base64');
  return new Uint8Array(b.buffer, b.byteOffset, b.byteLength);
}

/** Turns a direct-invoke payload into a request: `body` as given, or bytes when `bodyEncoding` is `base64`. */
function requestFromDirect(event: DirectInvokePayload): ApiRequest {
  const query: Record<string, string> = {};
  for (const [k, v] of Object.entries(event.query ?? {})) query[k] = String(v);
  const accept = header(event.headers, 'accept');
  const base = { method: event.method.toUpperCase(), path: event.path, query, ...(accept !== undefined ? { accept } : {}) };
  if (event.bodyEncoding === undefined) return { ...base, body: event.body };
  if (event.bodyEncoding !== 'base64' || typeof event.body !== 'string') throw new EddyError('INVALID_REQUEST', `bodyEncoding must be "base64" with a string body, got ${JSON.stringify(event.bodyEncoding)}`);
  return { ...base, ...requestBody(fromBase64(event.body), header(event.headers, 'content-type')) };
}

function isBinary(body: unknown): body is Uint8Array | ByteParts {
  return body instanceof Uint8Array || body instanceof ByteParts;
}

/** Who is asking: the Lambda request id and whether this invocation started the container. */
export interface InvocationContext {
  readonly requestId?: string;
  readonly coldStart?: boolean;
}

/** Handles any event a function can receive. Every log line carries the invocation's request id. */
export async function dispatch(rt: Runtime, kind: FunctionKind, event: unknown, invocation: InvocationContext = {}): Promise<APIGatewayProxyStructuredResultV2 | DirectInvokeResult | unknown> {
  const started = Date.now();
  const log = rt.logger.child({
    fn: kind,
    ...(invocation.requestId ? { requestId: invocation.requestId } : {}),
    ...(invocation.coldStart ? { coldStart: true } : {}),
  });
  if (isApiGatewayV2(event)) {
    let res: ApiResponse;
    let req: ApiRequest | undefined;
    try {
      req = requestFromApiGateway(event);
      res = await serve(rt, kind, req, log);
    } catch (err) {
      res = fail(err, log, { method: event.requestContext.http.method, path: event.rawPath });
    }
    log.info('request', { method: event.requestContext.http.method, path: event.rawPath, status: res.statusCode, ms: Date.now() - started, apiRequestId: event.requestContext.requestId });
    if (isBinary(res.body)) {
      // API Gateway decodes a base64 answer back into bytes. The base64 is made when the body is first read (the
      // Lambda runtime's JSON.stringify); an in-process host takes the bytes under RAW_BODY and never reads it.
      return withRawBody({ statusCode: res.statusCode, headers: { 'content-type': BATCHES_MEDIA_TYPE } }, res.body);
    }
    return {
      statusCode: res.statusCode,
      headers: { 'content-type': 'application/json' },
      body: res.body === null ? '' : JSON.stringify(res.body),
    };
  }
  if (isDirect(event)) {
    let res: ApiResponse;
    try {
      res = await serve(rt, kind, requestFromDirect(event), log);
    } catch (err) {
      res = fail(err, log, { method: event.method, path: event.path });
    }
    log.info('invoke', { method: event.method, path: event.path, status: res.statusCode, ms: Date.now() - started });
    if (isBinary(res.body)) {
      const bytes = res.body instanceof ByteParts ? res.body.join() : res.body;
      return { statusCode: res.statusCode, headers: { 'content-type': BATCHES_MEDIA_TYPE }, body: Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength).toString('base64'), bodyEncoding: 'base64' } satisfies DirectInvokeResult;
    }
    return { statusCode: res.statusCode, body: res.body } satisfies DirectInvokeResult;
  }
  if (kind === 'maintenance' && isScheduled(event)) {
    const report = await rt.eddy.maintenance.runOnce();
    log.info('maintenance', { ...report });
    return report;
  }
  const err = new EddyError('INVALID_REQUEST', 'unrecognised event: send an API Gateway v2 event or {"method","path","query","body"}');
  return { statusCode: err.status, body: errorEnvelope(err) };
}

/** A Lambda handler for `kind`, with its runtime built once per container. */
export function lambdaHandler(kind: FunctionKind, makeRuntime: () => Runtime): (event: unknown, context?: { awsRequestId?: string }) => Promise<unknown> {
  let rt: Runtime | undefined;
  return async (event, context) => {
    const coldStart = rt === undefined;
    rt ??= makeRuntime();
    return dispatch(rt, kind, event, { ...(context?.awsRequestId ? { requestId: context.awsRequestId } : {}), coldStart });
  };
}
