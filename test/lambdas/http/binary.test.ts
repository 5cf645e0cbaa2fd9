/**
 * The binary wire format (application/vnd.eddy.batches) through the real
 * handlers on the memory adapters: produce and fetch over direct invoke
 * (`bodyEncoding: 'base64'`) and API Gateway events, every check of a bad
 * envelope writing nothing, idempotent retries, codecs passed through or
 * converted, maxRecords and offsets inside a batch, and JSON answers unchanged.
 */
import { beforeEach, describe, expect, it } from 'vitest';
import type { APIGatewayProxyEventV2 } from 'aws-lambda';
import { BATCHES_MEDIA_TYPE, decodeBatches, decodeFetchAnswer, encodeBatch, encodeProduceRequest, type BatchRecordInput, type WireProduceRequest } from '@eddy/api';
import { memoryComponents } from '../../../core/adapters/memory/index.js';
import { encodeBatch as coreEncodeBatch } from '../../../core/codec/record-batch.js';
import { readSettings } from '../../../core/config.js';
import { systemIds } from '../../../core/ids.js';
import { dispatch, type DirectInvokeResult } from '../../../lambdas/http/handler.js';
import { createLogger } from '../../../lambdas/http/log.js';
import { ByteParts, rawBodyOf, rawBodyPartsOf, withRawBody } from '../../../lambdas/http/raw-body.js';
import { createRuntime, type Runtime } from '../../../lambdas/http/runtime.js';

let rt: Runtime;
const clock = { now: () => Date.now(), sleep: (ms: number) => new Promise<void>((r) => setTimeout(r, ms)) };
const text = (s: string) => new Uint8Array(Buffer.from(s));
const b64 = (b: Uint8Array) => Buffer.from(b).toString('base64');

beforeEach(async () => {
  rt = createRuntime({ settings: readSettings({}), components: memoryComponents(clock, systemIds), logger: createLogger('error', () => undefined), pollIntervalMs: 25 });
  await rt.eddy.log.createTopic({ name: 't', partitions: 2, config: { maxMessageBytes: 1000 } });
});

function records(n: number, prefix = 'v', ts = 1_700_000_000_000): BatchRecordInput[] {
  return Array.from({ length: n }, (_, i) => ({ timestamp: ts + i, key: text(`k${i}`), value: text(`${prefix}${i}`), headers: [['h', text(`x${i}`)]] as const }));
}

async function produce(body: Uint8Array, contentType = BATCHES_MEDIA_TYPE): Promise<DirectInvokeResult> {
  return (await dispatch(rt, 'produce', { method: 'POST', path: '/v1/topics/t/records', headers: { 'content-type': contentType }, bodyEncoding: 'base64', body: b64(body) })) as DirectInvokeResult;
}

async function fetchBinary(partition: number, query: Record<string, string>, accept = BATCHES_MEDIA_TYPE) {
  const res = (await dispatch(rt, 'fetch', { method: 'GET', path: `/v1/topics/t/partitions/${partition}/records`, query, headers: { accept } })) as DirectInvokeResult;
  expect(res, JSON.stringify(res.body)).toMatchObject({ statusCode: 200, bodyEncoding: 'base64', headers: { 'content-type': BATCHES_MEDIA_TYPE } });
  const answer = decodeFetchAnswer(new Uint8Array(Buffer.from(res.body as string, 'base64')));
  const batches = answer.batches.length ? decodeBatches(answer.batches, { hooks: { decompress: () => { throw new Error('compressed batch'); } } }) : [];
  return { answer, batches, records: batches.flatMap((b) => b.records) };
}

const envelope = (partitions: WireProduceRequest['partitions'], producer?: { producerId: string; producerEpoch: number }) => encodeProduceRequest({ ...producer, partitions });

async function highWatermark(partition = 0): Promise<number> {
  return (await rt.eddy.log.partitionOffsets('t', partition)).highWatermark;
}

describe('binary produce', () => {
  it('stores one batch per partition and answers base offsets in request order; JSON fetch reads the same records', async () => {
    await rt.eddy.log.produce({ topic: 't', records: [{ key: null, value: text('first'), partition: 1 }] });
    const res = await produce(envelope([{ partition: 1, batch: encodeBatch({ records: records(3) }) }, { partition: 0, batch: encodeBatch({ records: records(2, 'w') }) }]));
    expect(res).toEqual({ statusCode: 200, body: { partitions: [{ partition: 1, baseOffset: 1, records: 3 }, { partition: 0, baseOffset: 0, records: 2 }] } });
    const json = (await dispatch(rt, 'fetch', { method: 'GET', path: '/v1/topics/t/partitions/1/records', query: { offset: '0', encoding: 'utf8' } })) as DirectInvokeResult;
    expect(json).toEqual({
      statusCode: 200,
      body: {
        records: [
          expect.objectContaining({ offset: 0, key: null, value: 'first' }),
          { offset: 1, timestamp: 1_700_000_000_000, key: 'k0', value: 'v0', headers: { h: 'x0' } },
          { offset: 2, timestamp: 1_700_000_000_001, key: 'k1', value: 'v1', headers: { h: 'x1' } },
          { offset: 3, timestamp: 1_700_000_000_002, key: 'k2', value: 'v2', headers: { h: 'x2' } },
        ],
        nextOffset: 4,
        highWatermark: 4,
        logStartOffset: 0,
      },
    });
  });

  it('keeps null keys, tombstones and null header values', async () => {
    const batch = encodeBatch({ records: [{ timestamp: 5, key: null, value: null, headers: [['n', null]] }] });
    expect((await produce(envelope([{ partition: 0, batch }]))).statusCode).toBe(200);
    const { records: got } = await fetchBinary(0, { offset: '0' });
    expect(got).toEqual([{ offset: 0, timestamp: 5, key: null, value: null, headers: [['n', null]] }]);
  });

  it('an idempotent retry answers the offsets of the first append and writes nothing', async () => {
    const body = envelope([{ partition: 0, sequence: 0, batch: encodeBatch({ records: records(2) }) }], { producerId: 'p-1', producerEpoch: 0 });
    const first = await produce(body);
    const again = await produce(body);
    expect(again).toEqual(first);
    expect(first.body).toEqual({ partitions: [{ partition: 0, baseOffset: 0, records: 2 }] });
    expect(await highWatermark()).toBe(2);
    const gap = await produce(envelope([{ partition: 0, sequence: 5, batch: encodeBatch({ records: records(1) }) }], { producerId: 'p-1', producerEpoch: 0 }));
    expect(gap).toMatchObject({ statusCode: 409, body: { error: { code: 'OUT_OF_ORDER_SEQUENCE' } } });
  });

  const good = () => encodeBatch({ records: records(1) });
  const corrupt = () => {
    const b = good();
    b[b.length - 1]! ^= 0xff;
    return b;
  };
  const cases: Array<[string, () => Uint8Array, number, string, RegExp]> = [
    ['wrong magic', () => text('JSON'), 400, 'INVALID_REQUEST', /magic/],
    ['unknown version', () => Object.assign(envelope([{ partition: 0, batch: good() }]), { 4: 9 }), 400, 'INVALID_REQUEST', /version 9/],
    ['truncated', () => envelope([{ partition: 0, batch: good() }]).subarray(0, 30), 400, 'INVALID_REQUEST', /truncated|cannot fit/],
    ['trailing bytes', () => new Uint8Array([...envelope([{ partition: 0, batch: good() }]), 1, 2]), 400, 'INVALID_REQUEST', /bytes after the last partition/],
    ['a CRC mismatch', () => envelope([{ partition: 0, batch: good() }, { partition: 1, batch: corrupt() }]), 400, 'CORRUPT_MESSAGE', /CRC32C/],
    ['an unknown partition', () => envelope([{ partition: 0, batch: good() }, { partition: 7, batch: good() }]), 404, 'UNKNOWN_TOPIC_OR_PARTITION', /partition 7/],
    ['a partition twice', () => envelope([{ partition: 0, batch: good() }, { partition: 0, batch: good() }]), 400, 'INVALID_REQUEST', /twice/],
    ['a record over maxMessageBytes', () => envelope([{ partition: 0, batch: good() }, { partition: 1, batch: encodeBatch({ records: [{ timestamp: 1, key: null, value: new Uint8Array(2000) }] }) }]), 413, 'MESSAGE_TOO_LARGE', /maxMessageBytes/],
    ['a record without timestamp', () => envelope([{ partition: 0, batch: encodeBatch({ records: [{ timestamp: -1, key: null, value: text('x') }] }) }]), 400, 'INVALID_REQUEST', /timestamp/],
    ['a sequence without producerId', () => envelope([{ partition: 0, sequence: 0, batch: good() }]), 400, 'INVALID_REQUEST', /needs a producerId/],
    ['a Kafka producer id in the batch', () => envelope([{ partition: 0, batch: encodeBatch({ records: records(1), producerId: 5n, producerEpoch: 0, baseSequence: 0 }) }]), 400, 'INVALID_REQUEST', /producerId must be -1/],
    ['two batches in one entry', () => envelope([{ partition: 0, batch: new Uint8Array([...good(), ...good()]) }]), 400, 'CORRUPT_MESSAGE', /expected one record batch/],
  ];
  for (const [what, body, status, code, message] of cases) {
    it(`refuses ${what} (${status} ${code}) and writes nothing`, async () => {
      const res = await produce(body());
      expect(res.statusCode, JSON.stringify(res.body)).toBe(status);
      const error = (res.body as { error: { code: string; message: string } }).error;
      expect(error.code).toBe(code);
      expect(error.message).toMatch(message);
      expect([await highWatermark(0), await highWatermark(1)]).toEqual([0, 0]);
    });
  }

  it('refuses a binary body on a route that takes JSON', async () => {
    const res = (await dispatch(rt, 'admin', { method: 'POST', path: '/v1/topics', headers: { 'content-type': BATCHES_MEDIA_TYPE }, bodyEncoding: 'base64', body: b64(text('x')) })) as DirectInvokeResult;
    expect(res).toMatchObject({ statusCode: 400, body: { error: { code: 'INVALID_REQUEST', message: expect.stringMatching(/records only/) } } });
  });

  it('over API Gateway: a base64 request body in, JSON out', async () => {
    const event = apiGatewayEvent('POST', '/v1/topics/t/records', { 'content-type': BATCHES_MEDIA_TYPE }, b64(envelope([{ partition: 0, batch: good() }])));
    const res = (await dispatch(rt, 'produce', event)) as { statusCode: number; body: string };
    expect(res.statusCode).toBe(200);
    expect(JSON.parse(res.body)).toEqual({ partitions: [{ partition: 0, baseOffset: 0, records: 1 }] });
  });
});

function apiGatewayEvent(method: string, path: string, headers: Record<string, string>, body?: string, query?: Record<string, string>): APIGatewayProxyEventV2 {
  return {
    version: '2.0',
    routeKey: '$default',
    rawPath: path,
    rawQueryString: '',
    headers,
    ...(query ? { queryStringParameters: query } : {}),
    requestContext: { http: { method, path }, requestId: 'r' } as APIGatewayProxyEventV2['requestContext'],
    ...(body !== undefined ? { body, isBase64Encoded: true } : { isBase64Encoded: false }),
  };
}

describe('binary fetch', () => {
  beforeEach(async () => {
    // Two batches in partition 0: offsets 0-4 and 5-9.
    await produce(envelope([{ partition: 0, batch: encodeBatch({ records: records(5, 'a') }) }]));
    await produce(envelope([{ partition: 0, batch: encodeBatch({ records: records(5, 'b') }) }]));
  });

  it('serves whole batches from an offset inside one, with the bounds and nextOffset in the header', async () => {
    const { answer, batches, records: got } = await fetchBinary(0, { offset: '3' });
    expect(answer).toMatchObject({ highWatermark: 10, logStartOffset: 0, nextOffset: 10 });
    expect(batches.map((b) => b.header.baseOffset)).toEqual([0, 5]);
    expect(got.filter((r) => r.offset >= 3).map((r) => Buffer.from(r.value!).toString())).toEqual(['a3', 'a4', 'b0', 'b1', 'b2', 'b3', 'b4']);
  });

  it('maxRecords bounds nextOffset, not the batches', async () => {
    const { answer, batches } = await fetchBinary(0, { offset: '3', maxRecords: '3' });
    expect(answer.nextOffset).toBe(6);
    expect(batches.map((b) => b.header.baseOffset)).toEqual([0, 5]);
    expect((await fetchBinary(0, { offset: '2', maxRecords: '2' })).batches).toHaveLength(1);
  });

  it('at the high-water mark: an empty answer', async () => {
    const { answer, batches } = await fetchBinary(0, { offset: '10' });
    expect(answer).toMatchObject({ nextOffset: 10, highWatermark: 10 });
    expect(batches).toEqual([]);
  });

  it('errors stay JSON: an offset out of range is 416', async () => {
    const res = (await dispatch(rt, 'fetch', { method: 'GET', path: '/v1/topics/t/partitions/0/records', query: { offset: '11' }, headers: { accept: BATCHES_MEDIA_TYPE } })) as DirectInvokeResult;
    expect(res).toMatchObject({ statusCode: 416, body: { error: { code: 'OFFSET_OUT_OF_RANGE' } } });
    expect(res.bodyEncoding).toBeUndefined();
  });

  it('passes a codec the reader names, converts the others to uncompressed', async () => {
    await rt.eddy.log.appendBatches({ topic: 't', partitions: [{ partition: 1, batches: coreEncodeBatch({ records: records(3, 'g'), compression: 'gzip' }) }] });
    await rt.eddy.log.appendBatches({ topic: 't', partitions: [{ partition: 1, batches: coreEncodeBatch({ records: records(2, 'z'), compression: 'lz4' }) }] });
    const res = (await dispatch(rt, 'fetch', { method: 'GET', path: '/v1/topics/t/partitions/1/records', query: { offset: '0' }, headers: { accept: `${BATCHES_MEDIA_TYPE}; codecs=gzip` } })) as DirectInvokeResult;
    const answer = decodeFetchAnswer(new Uint8Array(Buffer.from(res.body as string, 'base64')));
    const { readBatchHeaders } = await import('@eddy/api');
    expect(readBatchHeaders(answer.batches).map((h) => [h.baseOffset, h.compression])).toEqual([
      [0, 'gzip'],
      [3, 'none'],
    ]);
    const plain = await fetchBinary(1, { offset: '1' });
    expect(plain.batches.map((b) => b.header.compression)).toEqual(['none', 'none']);
    expect(plain.records.filter((r) => r.offset >= 1).map((r) => Buffer.from(r.value!).toString())).toEqual(['g1', 'g2', 'z0', 'z1']);
  });

  it('over API Gateway: the answer is base64 with isBase64Encoded', async () => {
    const res = (await dispatch(rt, 'fetch', apiGatewayEvent('GET', '/v1/topics/t/partitions/0/records', { accept: BATCHES_MEDIA_TYPE }, undefined, { offset: '0' }))) as {
      statusCode: number;
      headers: Record<string, string>;
      body: string;
      isBase64Encoded: boolean;
    };
    expect(res).toMatchObject({ statusCode: 200, isBase64Encoded: true, headers: { 'content-type': BATCHES_MEDIA_TYPE } });
    expect(decodeFetchAnswer(new Uint8Array(Buffer.from(res.body, 'base64'))).nextOffset).toBe(10);
  });

  it('without the Accept header the answer is the JSON one, unchanged', async () => {
    const res = (await dispatch(rt, 'fetch', { method: 'GET', path: '/v1/topics/t/partitions/0/records', query: { offset: '8', encoding: 'utf8' } })) as DirectInvokeResult;
    expect(Object.keys(res)).toEqual(['statusCode', 'body']);
    expect(res.body).toEqual({
      records: [
        { offset: 8, timestamp: 1_700_000_000_003, key: 'k3', value: 'b3', headers: { h: 'x3' } },
        { offset: 9, timestamp: 1_700_000_000_004, key: 'k4', value: 'b4', headers: { h: 'x4' } },
      ],
      nextOffset: 10,
      highWatermark: 10,
      logStartOffset: 0,
    });
  });
});

describe('in-process hosts pass the bytes beside the base64 (lambdas/http/raw-body.ts)', () => {
  const isLazy = (o: object) => typeof Object.getOwnPropertyDescriptor(o, 'body')?.get === 'function';

  it('a body with its bytes reads and serialises as the plain base64; JSON drops the bytes; assigning a body drops them', () => {
    const bytes = text('hello, bytes');
    const lazy = withRawBody({ statusCode: 200 }, bytes);
    expect(rawBodyOf(lazy)).toBe(bytes);
    expect(JSON.stringify(lazy)).toBe(JSON.stringify({ statusCode: 200, body: b64(bytes), isBase64Encoded: true }));
    expect(lazy.body).toBe(b64(bytes));
    expect(isLazy(lazy)).toBe(false); // made once, then kept
    expect(rawBodyOf(JSON.parse(JSON.stringify(lazy)))).toBeUndefined();
    const replaced = withRawBody({}, bytes);
    replaced.body = b64(text('other'));
    expect(rawBodyOf(replaced)).toBeUndefined();
    const readThenReplaced = withRawBody({}, bytes);
    expect(readThenReplaced.body).toBe(b64(bytes));
    expect(rawBodyOf(readThenReplaced)).toBeUndefined(); // once the text exists, it is the body
    readThenReplaced.body = b64(text('other'));
    expect(rawBodyOf(readThenReplaced)).toBeUndefined();
    const deleted: { body?: string } = withRawBody({}, bytes);
    delete deleted.body;
    expect(rawBodyOf(deleted)).toBeUndefined();
    const notBase64 = withRawBody({}, bytes) as { isBase64Encoded: boolean };
    notBase64.isBase64Encoded = false;
    expect(rawBodyOf(notBase64)).toBeUndefined();
    const frozen = Object.freeze(withRawBody({ statusCode: 200 }, bytes));
    expect(JSON.stringify(frozen)).toBe(JSON.stringify({ statusCode: 200, body: b64(bytes), isBase64Encoded: true }));
    expect(frozen.body).toBe(b64(bytes));
  });

  it('a body in parts joins in order, serialises as their base64, and hands a host the parts themselves', () => {
    const parts = [text('head|'), text(''), text('batch one|'), text('batch two')];
    const lazy = withRawBody({}, new ByteParts(parts));
    expect(rawBodyPartsOf(lazy)).toEqual(parts);
    expect(Buffer.from(rawBodyOf(lazy)!).toString()).toBe('head|batch one|batch two');
    expect(JSON.parse(JSON.stringify(lazy))).toEqual({ body: b64(text('head|batch one|batch two')), isBase64Encoded: true });
    expect(new ByteParts([text('only')]).join()).toEqual(text('only'));
    expect(new ByteParts([]).byteLength).toBe(0);
  });

  it('produce takes the request bytes without making their base64, and stores what the base64 path stores', async () => {
    const body = envelope([{ partition: 0, batch: encodeBatch({ records: records(1) }) }]);
    const event = withRawBody(apiGatewayEvent('POST', '/v1/topics/t/records', { 'content-type': BATCHES_MEDIA_TYPE }), body);
    const res = (await dispatch(rt, 'produce', event)) as { statusCode: number; body: string };
    expect(res.statusCode).toBe(200);
    expect(JSON.parse(res.body)).toEqual({ partitions: [{ partition: 0, baseOffset: 0, records: 1 }] });
    expect(isLazy(event)).toBe(true); // the handler never read `body`
    const viaBase64 = (await dispatch(rt, 'produce', apiGatewayEvent('POST', '/v1/topics/t/records', { 'content-type': BATCHES_MEDIA_TYPE }, b64(body)))) as { body: string };
    expect(JSON.parse(viaBase64.body)).toEqual({ partitions: [{ partition: 0, baseOffset: 1, records: 1 }] });
    expect((await fetchBinary(0, { offset: '0' })).records.map((r) => Buffer.from(r.value!).toString())).toEqual(['v0', 'v0']);
  });

  it('a binary fetch answer carries its bytes, and serialises to the same base64 API Gateway gets', async () => {
    await produce(envelope([{ partition: 0, batch: encodeBatch({ records: records(3, 'f') }) }]));
    const res = (await dispatch(rt, 'fetch', apiGatewayEvent('GET', '/v1/topics/t/partitions/0/records', { accept: BATCHES_MEDIA_TYPE }, undefined, { offset: '0' }))) as object;
    expect(isLazy(res)).toBe(true);
    const raw = rawBodyOf(res)!;
    expect(decodeFetchAnswer(raw).nextOffset).toBe(3);
    // Header first, then the stored batches as read: a host writes them in order, joined nowhere.
    const parts = rawBodyPartsOf(res)!;
    expect(parts.length).toBeGreaterThan(1);
    expect(Buffer.concat(parts).equals(Buffer.from(raw))).toBe(true);
    // What the Lambda runtime sends API Gateway: the same JSON text, key for key and in order, as a plain answer.
    expect(JSON.stringify(res)).toBe(JSON.stringify({ statusCode: 200, headers: { 'content-type': BATCHES_MEDIA_TYPE }, body: b64(raw), isBase64Encoded: true }));
  });
});
