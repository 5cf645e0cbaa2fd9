import { describe, expect, it, vi } from 'vitest';
import { DEFAULT_ENDPOINT, Eddy } from '../../src/client.js';
import type { HttpTransport } from '../../src/transport/http.js';
import { EddyError } from '../../src/errors.js';
import type { TransportRequest } from '../../src/transport/types.js';
import { failWith, InProcessEddy, loseResponse } from '../support/in-process-eddy.js';

const fastRetry = { retries: 3, initialRetryTimeMs: 1, maxRetryTimeMs: 2 };

function setup(): { server: InProcessEddy; eddy: Eddy; seen: TransportRequest[] } {
  const server = new InProcessEddy();
  const seen: TransportRequest[] = [];
  const eddy = new Eddy({ transport: server, retry: fastRetry, hooks: { onRequest: (r) => seen.push(r) } });
  return { server, eddy, seen };
}

describe('Eddy client', () => {
  it('mirrors the routes: create, put, get, describe', async () => {
    const { eddy } = setup();
    const created = await eddy.createTopic({ name: 'orders', partitions: 2 });
    expect(created.partitions).toBe(2);
    const put = await eddy.putRecords({
      topic: 'orders',
      records: [
        { key: new TextEncoder().encode('k'), value: new TextEncoder().encode('hello'), partition: 1, headers: { h: 'djE=' } },
        { value: Buffer.from('world').toString('base64'), partition: 1 },
      ],
    });
    expect(put.results).toEqual([
      { partition: 1, offset: 0 },
      { partition: 1, offset: 1 },
    ]);
    const got = await eddy.getRecords({ topic: 'orders', partition: 1, offset: 0 });
    expect(got.records.map((r) => Buffer.from(r.value as string, 'base64').toString())).toEqual(['hello', 'world']);
    expect(Buffer.from(got.records[0]!.key!, 'base64').toString()).toBe('k');
    expect(got.nextOffset).toBe(2);
    expect((await eddy.describeTopic({ topic: 'orders' })).partitionOffsets[1]!.highWatermark).toBe(2);
    expect(await eddy.listOffsets({ topic: 'orders', partition: 1, at: 'latest' })).toMatchObject({ offset: 2 });
  });

  it('rejects with a typed EddyError carrying code, status and retryable', async () => {
    const { eddy } = setup();
    const err = await eddy.describeTopic({ topic: 'missing' }).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(EddyError);
    expect(err).toMatchObject({ code: 'UNKNOWN_TOPIC_OR_PARTITION', status: 404, retryable: false });
  });

  it('retries retryable failures and reports every attempt to the hooks', async () => {
    const { server, eddy, seen } = setup();
    server.faults.push(failWith('THROTTLED', (r) => r.path === '/v1/topics', 2));
    expect(await eddy.listTopics()).toEqual({ topics: [] });
    expect(seen.filter((r) => r.path === '/v1/topics')).toHaveLength(3);
  });

  it('does not retry a plain putRecords whose outcome is unknown (it could duplicate)', async () => {
    const { server, eddy } = setup();
    await server.createTopic('t', 1);
    server.faults.push(loseResponse((r) => r.path.endsWith('/records')));
    await expect(eddy.putRecords({ topic: 't', records: [{ value: 'eA==' }] })).rejects.toMatchObject({ code: 'UNKNOWN_OUTCOME' });
    expect(await server.values('t', 0)).toEqual(['x']);
  });

  it('retries an idempotent putRecords whose outcome is unknown, without duplicating', async () => {
    const { server, eddy } = setup();
    await server.createTopic('t', 1);
    server.faults.push(loseResponse((r) => r.path.endsWith('/records')));
    const out = await eddy.putRecords({ topic: 't', records: [{ value: 'eA==', partition: 0 }], producerId: 'p-1', producerEpoch: 0, sequences: { '0': 0 } });
    expect(out.results).toEqual([{ partition: 0, offset: 0 }]);
    expect(await server.values('t', 0)).toEqual(['x']);
  });

  it('per-call retry: false makes one attempt', async () => {
    const { server, eddy, seen } = setup();
    server.faults.push(failWith('UNAVAILABLE', () => true, 5));
    await expect(eddy.listGroups({ retry: false })).rejects.toMatchObject({ code: 'UNAVAILABLE' });
    expect(seen).toHaveLength(1);
  });

  it('sends group calls with member fields and encodes path segments', async () => {
    const { server, eddy, seen } = setup();
    await server.createTopic('t', 1);
    await server.append('t', 0, ['a', 'b', 'c']); // the real server refuses a commit past the high-water mark
    const hb = await eddy.heartbeat({ group: 'my group', memberEpoch: 0, topics: ['t'] });
    await eddy.commitOffsets({ group: 'my group', memberId: hb.memberId, memberEpoch: hb.memberEpoch, offsets: [{ topic: 't', partition: 0, offset: 3 }] });
    expect(seen.map((r) => `${r.method} ${r.path}`)).toEqual(['POST /v1/groups/my%20group/heartbeat', 'POST /v1/groups/my%20group/offsets']);
    expect(seen[1]!.body).toEqual({ memberId: hb.memberId, memberEpoch: hb.memberEpoch, offsets: [{ topic: 't', partition: 0, offset: 3 }] });
  });

  it('validates its options', () => {
    expect(() => new Eddy({ transport: 'smoke' as never, endpoint: 'http://x' })).toThrow(/transport/);
    expect(() => new Eddy({ endpoint: 'ftp://x' })).toThrow(/http/);
  });
});

describe('Eddy endpoint (issue: new Eddy() with EDDY_ENDPOINT unset threw a RangeError stack)', () => {
  const endpointOf = (eddy: Eddy): string => (eddy.transport as HttpTransport).endpoint;

  it('reads EDDY_ENDPOINT, and defaults to the local host when it is unset', () => {
    try {
      vi.stubEnv('EDDY_ENDPOINT', undefined);
      expect(endpointOf(new Eddy())).toBe('http://127.0.0.1:4000/');
      // The README's shape: an unset variable passed straight through.
      expect(endpointOf(new Eddy({ endpoint: process.env.EDDY_ENDPOINT }))).toBe(`${DEFAULT_ENDPOINT}/`);
      vi.stubEnv('EDDY_ENDPOINT', '');
      expect(endpointOf(new Eddy())).toBe('http://127.0.0.1:4000/');
      vi.stubEnv('EDDY_ENDPOINT', 'http://127.0.0.1:4100');
      expect(endpointOf(new Eddy())).toBe('http://127.0.0.1:4100/');
      expect(endpointOf(new Eddy({ endpoint: 'https://abc.execute-api.eu-west-1.amazonaws.com/prod' }))).toBe('https://abc.execute-api.eu-west-1.amazonaws.com/prod/');
    } finally {
      vi.unstubAllEnvs();
    }
  });

  it('fails with one line naming the setting and the value when it is not an http(s) URL', () => {
    try {
      vi.stubEnv('EDDY_ENDPOINT', 'localhost:4000');
      expect(() => new Eddy()).toThrow(new RangeError(`EDDY_ENDPOINT must be an http(s) URL such as http://127.0.0.1:4000 or https://abc123.execute-api.eu-west-1.amazonaws.com, got "localhost:4000"`));
      expect(() => new Eddy({ endpoint: 'not a url' })).toThrow(/^endpoint must be an http\(s\) URL .*, got "not a url"$/);
    } finally {
      vi.unstubAllEnvs();
    }
  });
});

describe('binary wire format', () => {
  it('putRecords goes binary when every record names its partition, JSON otherwise; results are in request order either way', async () => {
    const { server, eddy, seen } = setup();
    await server.createTopic('t', 2);
    const records = [
      { value: Buffer.from('a').toString('base64'), partition: 1 },
      { value: Buffer.from('b').toString('base64'), partition: 0 },
      { value: Buffer.from('c').toString('base64'), partition: 1 },
    ];
    expect((await eddy.putRecords({ topic: 't', records })).results).toEqual([
      { partition: 1, offset: 0 },
      { partition: 0, offset: 0 },
      { partition: 1, offset: 1 },
    ]);
    expect(seen.at(-1)!.contentType).toBe('application/vnd.eddy.batches');
    await eddy.putRecords({ topic: 't', records: [{ key: Buffer.from('k').toString('base64'), value: 'eA==' }] });
    expect(seen.at(-1)!.body).toMatchObject({ records: [{ key: 'aw==', value: 'eA==' }] });
    // Bad base64 is refused before anything is sent, with the server's words.
    await expect(eddy.putRecords({ topic: 't', records: [{ value: 'not base64!', partition: 0 }] })).rejects.toMatchObject({ code: 'INVALID_REQUEST', message: expect.stringMatching(/records\[0\]\.value is not valid base64/) });
    expect((await eddy.describeTopic({ topic: 't' })).partitionOffsets.map((p) => p.highWatermark).reduce((a, b) => a + b)).toBe(4);
  });

  it("getRecords with encoding 'bytes' answers views of the records, over binary and JSON alike", async () => {
    const { server, eddy } = setup();
    await server.createTopic('t', 1);
    await eddy.putRecords({ topic: 't', records: [{ key: null, value: null, partition: 0, timestamp: 7 }, { key: new Uint8Array([1]), value: new Uint8Array([2, 3]), headers: { h: new Uint8Array([4]) }, partition: 0, timestamp: 8 }] });
    const json = new Eddy({ transport: server, wireFormat: 'json' });
    const [viaBinary, viaJson] = await Promise.all([eddy, json].map((c) => c.getRecords({ topic: 't', partition: 0, offset: 0, encoding: 'bytes' })));
    for (const got of [viaBinary!, viaJson!]) {
      expect(got.records.map((r) => [r.offset, r.timestamp, r.key && [...r.key], r.value && [...r.value], r.headers.map(([k, v]) => [k, v && [...v]])])).toEqual([
        [0, 7, null, null, []],
        [1, 8, [1], [2, 3], [['h', [4]]]],
      ]);
      expect(got).toMatchObject({ nextOffset: 2, highWatermark: 2, logStartOffset: 0 });
    }
  });

  it("wireFormat: 'json' sends JSON bodies and asks for JSON answers", async () => {
    const { server } = setup();
    const seen: TransportRequest[] = [];
    const eddy = new Eddy({ transport: server, wireFormat: 'json', hooks: { onRequest: (r) => seen.push(r) } });
    await server.createTopic('t', 1);
    await eddy.putRecords({ topic: 't', records: [{ value: 'eA==', partition: 0 }] });
    await eddy.getRecords({ topic: 't', partition: 0, offset: 0 });
    expect(seen.map((r) => [r.contentType, r.accept])).toEqual([
      [undefined, undefined],
      [undefined, undefined],
    ]);
    expect(() => new Eddy({ transport: server, wireFormat: 'xml' as never })).toThrow(/wireFormat/);
  });

  it('a custom transport that does not declare binaryBodies keeps JSON, as before', async () => {
    const { server } = setup();
    const seen: TransportRequest[] = [];
    const plain = { request: (r: TransportRequest, o: { timeoutMs: number }) => (seen.push(r), server.request(r, o)) };
    const eddy = new Eddy({ transport: plain });
    expect(eddy.wireFormat).toBe('json');
    expect(new Eddy({ transport: server }).wireFormat).toBe('binary');
    expect(new Eddy({ endpoint: 'http://127.0.0.1:1' }).wireFormat).toBe('binary');
    await server.createTopic('t', 1);
    await eddy.putRecords({ topic: 't', records: [{ value: 'eA==', partition: 0 }] });
    expect(seen[0]!.body).toEqual({ records: [{ value: 'eA==', partition: 0 }] });
  });
});
