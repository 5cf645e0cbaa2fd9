/**
 * The route table of HTTP API v1: method, path, which function serves it,
 * its schemas, and the call into core. Handlers stay thin: parse, validate,
 * call core, shape the answer. Errors are mapped in `handler.ts`.
 */
import type * as z from 'zod';
import { EddyError } from '../../core/errors.js';
import type { FetchedRecord, ProduceRecord } from '../../core/index.js';
import { routeFor, type FunctionKind } from '@eddy/api';
import { fetchBinary, produceBinary, type BinaryAccept } from './binary.js';
import type { ByteParts } from './raw-body.js';
import { decodeField, encodeField, NOT_REPRESENTABLE, type Encoding } from './encoding.js';
import type { Runtime } from './runtime.js';
import * as s from './schemas.js';

/** A request after framing is removed (API Gateway event or direct invoke). */
export interface ApiRequest {
  readonly method: string;
  readonly path: string;
  readonly query: Readonly<Record<string, string>>;
  /** Parsed JSON body, or undefined when there was none (or it is binary). */
  readonly body: unknown;
  /** A body of the binary wire format (`Content-Type: application/vnd.eddy.batches`, docs/api.md). */
  readonly binaryBody?: Uint8Array;
  /** The request's Accept header: `application/vnd.eddy.batches` asks a fetch for a binary answer. */
  readonly accept?: string;
}

/** What a route returns: a status and a JSON body (null for 204), or bytes of the binary wire format. */
export interface ApiResponse {
  readonly statusCode: number;
  /** A JSON value, or bytes (`Uint8Array` or {@link ByteParts}) sent as `application/vnd.eddy.batches`. */
  readonly body: unknown;
}

interface RouteInput<Q, B> {
  readonly params: Readonly<Record<string, string>>;
  readonly query: Q;
  readonly body: B;
}

/** One route: its manifest entry (api/src/routes.ts) plus schemas and the call into core. */
export interface Route<Q = unknown, B = unknown> {
  /** The function that serves it, from the manifest. */
  readonly kind: FunctionKind;
  readonly method: 'GET' | 'POST' | 'PATCH' | 'DELETE';
  readonly path: string;
  readonly summary: string;
  readonly status: number;
  readonly query?: z.ZodType<Q>;
  readonly body?: z.ZodType<B>;
  run(rt: Runtime, input: RouteInput<Q, B>): Promise<unknown>;
  /** Serves a binary body (docs/api.md, "Binary records"); routes without it refuse one. */
  runBinaryBody?(rt: Runtime, input: RouteInput<Q, Uint8Array>): Promise<unknown>;
  /** Answers in the binary format when the Accept header asks for it: the codecs it names are passed through, and stored CRC32Cs go unchecked only when it says the reader checks them. */
  runBinaryAnswer?(rt: Runtime, input: RouteInput<Q, undefined>, accept: BinaryAccept): Promise<ByteParts>;
}

/** Attaches a handler to its manifest route; a route the manifest lacks is a bug, caught at load. */
const route = <Q, B>(r: Omit<Route<Q, B>, 'kind'>): Route => {
  const entry = routeFor(r.method, r.path);
  if (!entry) throw new Error(`route ${r.method} ${r.path} is not in the route manifest (api/src/routes.ts)`);
  return { ...r, kind: entry.fn } as unknown as Route;
};

/** Largest fetch answer, below Lambda's 6 MB response limit with room for framing. */
export const MAX_RESPONSE_BYTES = 5_500_000;

/** A path's partition: any non-negative integer (an unknown partition is core's 404, not a 400 here). */
function partitionParam(raw: string): number {
  const n = /^\d{1,15}$/.test(raw) ? Number(raw) : NaN;
  if (!Number.isSafeInteger(n)) throw new EddyError('INVALID_REQUEST', `partition must be a non-negative integer, got ${JSON.stringify(raw.slice(0, 20))}`);
  return n;
}

function decodeRecords(body: z.infer<typeof s.produceBody>): ProduceRecord[] {
  const enc: Encoding = body.encoding ?? 'base64';
  return body.records.map((r, i) => {
    const headers = Object.entries(r.headers ?? {}).map(([name, v]) => [name, decodeField(v, enc, 'header', `records[${i}].headers.${name}`)!] as const);
    return {
      key: r.key === undefined ? null : decodeField(r.key, enc, 'key', `records[${i}].key`),
      value: decodeField(r.value, enc, 'value', `records[${i}].value`),
      headers,
      ...(r.partition !== undefined ? { partition: r.partition } : {}),
      ...(r.timestamp !== undefined ? { timestamp: r.timestamp } : {}),
    };
  });
}

/**
 * A fetched record on the wire. A record whose key, value or a header value
 * cannot be shown in the asked encoding (bytes that are not UTF-8, or a
 * value that is not JSON) is sent whole in base64 and says so with
 * `"encoding":"base64"`, so one odd record never blocks a reader.
 */
function encodeRecord(r: FetchedRecord, enc: Encoding): { offset: number; timestamp: number; key: unknown; value: unknown; headers: Record<string, unknown>; encoding?: 'base64' } {
  const encode = (e: Encoding) => {
    const key = encodeField(r.key, e, 'key');
    const value = encodeField(r.value, e, 'value');
    const headers = r.headers.map(([k, v]) => [k, encodeField(v, e, 'header')] as const);
    if (key === NOT_REPRESENTABLE || value === NOT_REPRESENTABLE || headers.some(([, v]) => v === NOT_REPRESENTABLE)) return undefined;
    return { offset: r.offset, timestamp: r.timestamp, key, value, headers: Object.fromEntries(headers) };
  };
  return encode(enc) ?? { ...encode('base64')!, encoding: 'base64' };
}

function producerBatch(body: z.infer<typeof s.produceBody>) {
  const fields = [body.producerId, body.producerEpoch, body.sequences];
  if (fields.every((f) => f === undefined)) return undefined;
  if (fields.some((f) => f === undefined)) throw new EddyError('INVALID_REQUEST', 'producerId, producerEpoch and sequences go together');
  return {
    producerId: body.producerId!,
    producerEpoch: body.producerEpoch!,
    sequences: new Map(Object.entries(body.sequences!).map(([p, seq]) => [Number(p), seq])),
  };
}

/** Every route of API v1 except `/health`, which every function answers. */
export const ROUTES: readonly Route[] = [
  route({
    method: 'POST',
    path: '/v1/topics',
    summary: 'Create a topic',
    status: 201,
    body: s.createTopicBody,
    run: (rt, { body }) => rt.eddy.log.createTopic(body),
  }),
  route({
    method: 'GET',
    path: '/v1/topics',
    summary: 'List topics',
    status: 200,
    query: s.emptyQuery,
    run: async (rt) => ({ topics: await rt.eddy.log.listTopics() }),
  }),
  route({
    method: 'GET',
    path: '/v1/topics/{topic}',
    summary: 'Describe a topic: config and per-partition offsets and segments',
    status: 200,
    run: (rt, { params }) => rt.eddy.log.describeTopic(params.topic!),
  }),
  route({
    method: 'GET',
    // The same answer as GET /v1/topics/{topic}, on a path whose IAM pattern
    // (GET/v1/topics/*/description) cannot match a record read: what an
    // unscoped produce or admin grant allows (cdk/lib/routes.ts, docs/deploy.md).
    path: '/v1/topics/{topic}/description',
    summary: 'Describe a topic (the path produce and admin grants allow)',
    status: 200,
    run: (rt, { params }) => rt.eddy.log.describeTopic(params.topic!),
  }),
  route({
    method: 'PATCH',
    path: '/v1/topics/{topic}',
    summary: 'Grow partitions or change config',
    status: 200,
    body: s.alterTopicBody,
    run: (rt, { params, body }) => rt.eddy.log.alterTopic(params.topic!, body),
  }),
  route({
    method: 'DELETE',
    path: '/v1/topics/{topic}',
    summary: 'Delete a topic (maintenance reclaims its storage)',
    status: 204,
    run: async (rt, { params }) => {
      await rt.eddy.log.deleteTopic(params.topic!);
      return null;
    },
  }),
  route({
    method: 'POST',
    path: '/v1/topics/{topic}/records',
    summary: 'Append records; results are in request order',
    status: 200,
    body: s.produceBody,
    runBinaryBody: (rt, { params, body }) => produceBinary(rt, params.topic!, body),
    run: async (rt, { params, body }) => {
      const producer = producerBatch(body);
      return { results: await rt.eddy.log.produce({ topic: params.topic!, records: decodeRecords(body), ...(producer ? { producer } : {}) }) };
    },
  }),
  route({
    method: 'GET',
    path: '/v1/topics/{topic}/partitions/{partition}/records',
    summary: 'Read records from an offset, optionally waiting up to waitMs for new ones',
    status: 200,
    query: s.fetchQuery,
    runBinaryAnswer: (rt, { params, query }, accept) => fetchBinary(rt, params.topic!, partitionParam(params.partition!), query, accept),
    run: async (rt, { params, query }) => {
      const enc: Encoding = query.encoding ?? 'base64';
      const { offset, maxBytes, maxRecords, waitMs } = query;
      const result = await rt.eddy.log.fetch({
        topic: params.topic!,
        partition: partitionParam(params.partition!),
        offset,
        ...(maxBytes !== undefined ? { maxBytes } : {}),
        ...(maxRecords !== undefined ? { maxRecords } : {}),
        ...(waitMs !== undefined ? { waitMs } : {}),
      });
      // maxBytes bounds stored bytes; base64 and JSON grow them. Stop before
      // the encoded answer could pass Lambda's 6 MB response limit (at least
      // one record is always returned, and nextOffset says where to go on).
      const records = [];
      let encodedBytes = 200;
      let nextOffset = result.nextOffset;
      for (const r of result.records) {
        const record = encodeRecord(r, enc);
        // Exact for base64 (ASCII strings, no escapes); measured for the others.
        const size =
          enc === 'base64'
            ? 90 + String(r.offset).length + String(r.timestamp).length + ((record.key as string | null)?.length ?? 4) + ((record.value as string | null)?.length ?? 4) +
              r.headers.reduce((n, [k, v]) => n + Buffer.byteLength(k) * 2 + 6 + (v === null ? 4 : Math.ceil(v.length / 3) * 4), 0)
            : Buffer.byteLength(JSON.stringify(record)) + 1;
        if (records.length > 0 && encodedBytes + size > MAX_RESPONSE_BYTES) {
          nextOffset = r.offset;
          break;
        }
        if (encodedBytes + size > MAX_RESPONSE_BYTES) {
          // One record (max.message.bytes allows up to 8 MiB) that no answer of this API can carry.
          throw new EddyError(
            'MESSAGE_TOO_LARGE',
            `the record at offset ${r.offset} of ${params.topic}/${params.partition} is ${size} bytes encoded as ${enc}, more than an answer of the HTTP API or a Lambda invoke carries (${MAX_RESPONSE_BYTES}); read it over the Kafka protocol (docs/kafka.md), or go on from offset ${r.offset + 1}`,
          );
        }
        encodedBytes += size;
        records.push(record);
      }
      return { records, nextOffset, highWatermark: result.highWatermark, logStartOffset: result.logStartOffset };
    },
  }),
  route({
    method: 'GET',
    path: '/v1/topics/{topic}/partitions/{partition}/offsets',
    summary: 'Resolve earliest, latest, or the first offset with timestamp >= at',
    status: 200,
    query: s.offsetsQuery,
    run: (rt, { params, query }) => {
      const at = query.at === 'earliest' || query.at === 'latest' ? query.at : { timestamp: Number(query.at) };
      return rt.eddy.log.listOffset(params.topic!, partitionParam(params.partition!), at);
    },
  }),
  route({
    method: 'GET',
    path: '/v1/groups',
    summary: 'List consumer groups with state and member count',
    status: 200,
    query: s.emptyQuery,
    run: (rt) => rt.eddy.groups.listGroups(),
  }),
  route({
    method: 'GET',
    path: '/v1/groups/{group}',
    summary: 'Describe a group: members, assignments, epochs, lag',
    status: 200,
    run: (rt, { params }) => rt.eddy.groups.describeGroup(params.group!),
  }),
  route({
    method: 'DELETE',
    path: '/v1/groups/{group}',
    summary: 'Delete an empty group and its offsets',
    status: 204,
    run: async (rt, { params }) => {
      await rt.eddy.groups.deleteGroup(params.group!);
      return null;
    },
  }),
  route({
    method: 'POST',
    path: '/v1/groups/{group}/heartbeat',
    summary: 'Join (memberEpoch 0), heartbeat and acknowledge (current epoch), or leave (memberEpoch -1)',
    status: 200,
    body: s.heartbeatBody,
    run: (rt, { params, body }) => rt.eddy.groups.heartbeat(params.group!, body),
  }),
  route({
    method: 'POST',
    path: '/v1/groups/{group}/offsets',
    summary: 'Commit offsets (the next offset to read), fenced by member id and epoch',
    status: 200,
    body: s.commitBody,
    run: (rt, { params, body }) => rt.eddy.groups.commit(params.group!, body),
  }),
  route({
    method: 'GET',
    path: '/v1/groups/{group}/offsets',
    summary: 'Committed offsets with high-water mark and lag',
    status: 200,
    query: s.groupOffsetsQuery,
    run: (rt, { params, query }) => rt.eddy.groups.fetchOffsets(params.group!, query.topic),
  }),
  route({
    method: 'POST',
    path: '/v1/groups/{group}/offsets/reset',
    summary: 'Reset an empty group to earliest, latest, a timestamp or an offset',
    status: 200,
    body: s.resetBody,
    run: (rt, { params, body }) => rt.eddy.groups.resetOffsets(params.group!, body),
  }),
];

/** The route for a method and path, with its path parameters; undefined if none matches. */
export function matchRoute(method: string, path: string): { route: Route; params: Record<string, string> } | { pathMatched: true } | undefined {
  const parts = path.split('/').filter((p, i) => i > 0 || p !== '');
  let pathMatched = false;
  for (const r of ROUTES) {
    const tpl = r.path.split('/').filter((p, i) => i > 0 || p !== '');
    if (tpl.length !== parts.length) continue;
    const params: Record<string, string> = {};
    let ok = true;
    for (let i = 0; i < tpl.length && ok; i++) {
      const t = tpl[i]!;
      if (t.startsWith('{')) {
        let v: string;
        try {
          v = decodeURIComponent(parts[i]!);
        } catch {
          throw new EddyError('INVALID_REQUEST', `path segment ${JSON.stringify(parts[i]!.slice(0, 40))} is not valid percent-encoding`);
        }
        if (v === '') ok = false;
        params[t.slice(1, -1)] = v;
      } else if (t !== parts[i]) ok = false;
    }
    if (!ok) continue;
    if (r.method === method) return { route: r, params };
    pathMatched = true;
  }
  return pathMatched ? { pathMatched } : undefined;
}
