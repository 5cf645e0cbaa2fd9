/**
 * Eddy's real handlers in process, behind the SDK's Transport interface, for
 * the SDK's unit tests: core (`createEddy`, through the handlers' runtime) on
 * the memory adapters, and every request handed to the same `dispatch` a
 * Lambda function runs, as the direct-invoke payload the Lambda transport
 * sends. So every answer the SDK sees is Eddy's own.
 *
 * Around the real handler sits a small, explicit fault-injection layer: a
 * list of {@link Fault}s consulted before each request (lose the answer,
 * answer an error code, delay), a fixed added latency, and a shorter
 * advisory heartbeat interval so group tests run in milliseconds. Every
 * request and its outcome is logged, so tests can assert on what the SDK
 * sent and in which order.
 *
 * Setup and inspection (`createTopic`, `append`, `values`, ...) go through
 * core's public API, never around it.
 */
import { memoryComponents } from '../../../core/adapters/memory/index.js';
import type { MemoryObjectStore } from '../../../core/adapters/memory/object-store.js';
import { readSettings } from '../../../core/config.js';
import { EddyError as CoreError, errorEnvelope } from '../../../core/errors.js';
import { systemIds } from '../../../core/ids.js';
import type { FunctionKind } from '../../../core/schema.js';
import { dispatch, type DirectInvokeResult } from '../../../lambdas/http/handler.js';
import { createLogger } from '../../../lambdas/http/log.js';
import { matchRoute } from '../../../lambdas/http/routes.js';
import { createRuntime, type Runtime } from '../../../lambdas/http/runtime.js';
import { EddyError, type ErrorCode } from '../../src/errors.js';
import { invokePayload, invokeResponse } from '../../src/transport/lambda.js';
import type { Transport, TransportRequest, TransportRequestOptions, TransportResponse } from '../../src/transport/types.js';
import { decodeBatch, decodeProduceRequest, isBatchesMediaType } from '@eddy/api';

/** A produce request's body in the JSON route's shape (keys, values and header values base64), whichever format it was sent in. */
export interface ProduceBodyView {
  readonly records: { key?: string | null; value: string | null; partition: number; headers?: Record<string, string | null>; timestamp?: number }[];
  readonly producerId?: string;
  readonly producerEpoch?: number;
  readonly sequences?: Record<string, number>;
  /** Which format the request was sent in. */
  readonly format: 'binary' | 'json';
}

/** Reads a logged produce request, binary (decoded with `@eddy/api`) or JSON, as {@link ProduceBodyView}. */
export function produceBodyOf(request: TransportRequest): ProduceBodyView {
  if (!(request.body instanceof Uint8Array)) return { ...(request.body as Omit<ProduceBodyView, 'format'>), format: 'json' };
  if (!isBatchesMediaType(request.contentType)) throw new Error(`a bytes body of type ${request.contentType}`);
  const b64 = (b: Uint8Array | null) => (b === null ? null : Buffer.from(b).toString('base64'));
  const wire = decodeProduceRequest(request.body);
  const records = wire.partitions.flatMap(({ partition, batch }) =>
    decodeBatch(batch).records.map((r) => ({ partition, key: b64(r.key), value: b64(r.value), timestamp: r.timestamp, ...(r.headers.length ? { headers: Object.fromEntries(r.headers.map(([k, v]) => [k, b64(v)])) } : {}) })),
  );
  return {
    records,
    ...(wire.producerId !== undefined ? { producerId: wire.producerId, producerEpoch: wire.producerEpoch!, sequences: Object.fromEntries(wire.partitions.map((p) => [String(p.partition), p.sequence!])) } : {}),
    format: 'binary',
  };
}

/** A logged request with its outcome. */
export interface LoggedRequest {
  readonly request: TransportRequest;
  readonly status?: number;
  readonly body?: unknown;
  readonly error?: unknown;
  readonly at: number;
}

/**
 * A fault hook, consulted in order before each request: return a response
 * (or a promise that rejects) to replace the real answer, possibly after
 * calling `apply` (the real handler); `undefined` to pass.
 */
export type Fault = (request: TransportRequest, apply: () => Promise<TransportResponse>) => Promise<TransportResponse> | undefined;

/** Options of {@link InProcessEddy}. */
export interface InProcessEddyOptions {
  /** Latency added before each request reaches the handler (ms). @default 0 */
  readonly latencyMs?: number;
  /**
   * Replaces the heartbeat interval the server advises in heartbeat answers
   * (the real one is a third of the session timeout, at least 333 ms), so
   * group tests rebalance in milliseconds. Membership, epochs and
   * assignments stay the server's. `undefined` keeps the server's.
   */
  readonly heartbeatIntervalMs?: number;
}

/** Eddy's handlers over memory stores, as an SDK transport. */
export class InProcessEddy implements Transport {
  /** Carries binary bodies the way the Lambda transport does (base64 in the invoke payload). */
  readonly binaryBodies = true;
  readonly runtime: Runtime;
  /** The memory object store under core (its `tamper` hook simulates corrupt stored data). */
  readonly objects: MemoryObjectStore;
  readonly log: LoggedRequest[] = [];
  /** Faults consulted in order before each request. */
  faults: Fault[] = [];
  /** Latency added before each request reaches the handler (ms). */
  latencyMs: number;
  /** See {@link InProcessEddyOptions.heartbeatIntervalMs}. */
  heartbeatIntervalMs: number | undefined;
  /** Added to the wall clock core reads: {@link advanceClock} moves it. */
  private skewMs = 0;

  constructor(options: InProcessEddyOptions = {}) {
    this.latencyMs = options.latencyMs ?? 0;
    this.heartbeatIntervalMs = options.heartbeatIntervalMs;
    const clock = { now: () => Date.now() + this.skewMs, sleep: (ms: number) => new Promise<void>((r) => setTimeout(r, ms)) };
    const components = memoryComponents(clock, systemIds);
    this.objects = components.objectStore;
    this.runtime = createRuntime({
      settings: readSettings({}),
      components,
      logger: createLogger('error', () => undefined),
      pollIntervalMs: 25,
    });
  }

  /** Core, as the handlers call it. */
  get core(): Runtime['eddy'] {
    return this.runtime.eddy;
  }

  async request(req: TransportRequest, options: TransportRequestOptions): Promise<TransportResponse> {
    // Like the wire: the server only ever sees a copy of the request.
    const request = req.body instanceof Uint8Array ? { ...(JSON.parse(JSON.stringify({ ...req, body: undefined })) as TransportRequest), body: new Uint8Array(req.body) } : (JSON.parse(JSON.stringify(req)) as TransportRequest);
    const apply = async (): Promise<TransportResponse> => {
      if (this.latencyMs > 0) await new Promise((r) => setTimeout(r, this.latencyMs));
      return this.handle(request, options.signal);
    };
    try {
      let res: TransportResponse | undefined;
      for (const f of this.faults) {
        const out = f(request, apply);
        if (out) {
          res = await out;
          break;
        }
      }
      res ??= await apply();
      this.log.push({ request, status: res.status, body: res.body, at: Date.now() });
      return res;
    } catch (error) {
      this.log.push({ request, error, at: Date.now() });
      throw error;
    }
  }

  /** Requests matching method and a path pattern. */
  requests(method: string, path: RegExp): LoggedRequest[] {
    return this.log.filter((l) => l.request.method === method && path.test(l.request.path));
  }

  /** Moves the clock core reads forward (session expiry, record age), as time passing would. */
  advanceClock(ms: number): void {
    this.skewMs += ms;
  }

  /** Creates a topic through core; an existing one of that name is deleted first (a recreated topic). */
  async createTopic(name: string, partitions: number, maxMessageBytes?: number): Promise<void> {
    if ((await this.core.log.listTopics()).some((t) => t.name === name)) await this.core.log.deleteTopic(name);
    await this.core.log.createTopic({ name, partitions, ...(maxMessageBytes !== undefined ? { config: { maxMessageBytes } } : {}) });
  }

  /** Appends records (values as text) to one partition through core, in one request. */
  async append(topic: string, partition: number, values: string[], keyText?: string): Promise<void> {
    const key = keyText === undefined ? null : Buffer.from(keyText);
    await this.core.log.produce({ topic, records: values.map((v) => ({ key, value: Buffer.from(v), partition })) });
  }

  /** Every stored record of a partition, as the fetch route answers it (base64). */
  async records(topic: string, partition: number): Promise<{ offset: number; key: string | null; value: string; headers: Record<string, string> }[]> {
    const { logStartOffset } = await this.core.log.partitionOffsets(topic, partition);
    const out: { offset: number; key: string | null; value: string; headers: Record<string, string> }[] = [];
    let offset = logStartOffset;
    for (;;) {
      const res = await this.handle({ method: 'GET', path: `/v1/topics/${encodeURIComponent(topic)}/partitions/${partition}/records`, query: { offset: String(offset) } });
      if (res.status !== 200) throw new Error(`fetch of ${topic}/${partition} at ${offset} answered ${res.status}: ${JSON.stringify(res.body)}`);
      const body = res.body as { records: typeof out; nextOffset: number; highWatermark: number };
      out.push(...body.records);
      offset = body.nextOffset;
      if (body.records.length === 0 || offset >= body.highWatermark) return out;
    }
  }

  /** All values of a partition, decoded as text. */
  async values(topic: string, partition: number): Promise<string[]> {
    return (await this.records(topic, partition)).map((r) => Buffer.from(r.value, 'base64').toString());
  }

  /** Committed offsets of a group, keyed `topic\0partition`. */
  async committed(group: string): Promise<Map<string, number>> {
    try {
      const { offsets } = await this.core.groups.fetchOffsets(group);
      return new Map(offsets.map((o) => [`${o.topic}\u0000${o.partition}`, o.offset]));
    } catch (err) {
      if ((err as { code?: string }).code === 'GROUP_NOT_FOUND') return new Map();
      throw err;
    }
  }

  /** Ids of a group's live members, as the server describes the group. */
  async members(group: string): Promise<string[]> {
    const described = await this.core.groups.describeGroup(group);
    return described.members.map((m) => m.memberId);
  }

  /** Runs one request through the handler of the function that serves its route, as a direct invoke. */
  private async handle(request: TransportRequest, signal?: AbortSignal): Promise<TransportResponse> {
    let kind: FunctionKind = 'admin';
    const m = matchRoute(request.method, request.path);
    if (m && 'route' in m) kind = m.route.kind;
    // The payload the Lambda transport sends: a binary body (application/vnd.eddy.batches) travels base64.
    const payload = request.body instanceof Uint8Array || request.accept ? invokePayload(request) : { method: request.method, path: request.path, query: request.query ?? {}, body: request.body };
    const answer = dispatch(this.runtime, kind, payload) as Promise<DirectInvokeResult>;
    // Like the wire: the client only ever sees a copy of the answer.
    const result = JSON.parse(JSON.stringify(await (signal ? abortable(answer, signal) : answer))) as DirectInvokeResult;
    if (result.bodyEncoding === 'base64') return invokeResponse(result, '', `${request.method} ${request.path}`);
    let body = result.body === undefined || result.body === null ? null : result.body;
    if (this.heartbeatIntervalMs !== undefined && result.statusCode === 200 && request.path.endsWith('/heartbeat') && body && typeof body === 'object') {
      body = { ...(body as object), heartbeatIntervalMs: this.heartbeatIntervalMs };
    }
    return { status: result.statusCode, body };
  }
}

/** Rejects with the signal's reason when it aborts first (the handler itself runs on, as a server would). */
function abortable<T>(p: Promise<T>, signal: AbortSignal): Promise<T> {
  if (signal.aborted) return Promise.reject(signal.reason as Error);
  return new Promise<T>((resolve, reject) => {
    const onAbort = (): void => reject(signal.reason as Error);
    signal.addEventListener('abort', onAbort, { once: true });
    p.then(resolve, reject).finally(() => signal.removeEventListener('abort', onAbort));
  });
}

/** The error answer the server gives for `code` (status and envelope from core's table). */
export function errorAnswer(code: ErrorCode, message: string): TransportResponse {
  const err = new CoreError(code as ConstructorParameters<typeof CoreError>[0], message);
  return { status: err.status, body: errorEnvelope(err) };
}

/** A fault that lets the request apply, then fails as a lost response would. */
export function loseResponse(match: (r: TransportRequest) => boolean, times = 1): Fault {
  let left = times;
  return (request, apply) => {
    if (left <= 0 || !match(request)) return undefined;
    left--;
    return apply().then(() => {
      throw new EddyError('UNKNOWN_OUTCOME', 'injected: response lost after the request applied');
    });
  };
}

/** A fault answering with an error code without applying the request. */
export function failWith(code: ErrorCode, match: (r: TransportRequest) => boolean, times = 1): Fault {
  let left = times;
  return (request) => {
    if (left <= 0 || !match(request)) return undefined;
    left--;
    return Promise.resolve(errorAnswer(code, `injected ${code}`));
  };
}
