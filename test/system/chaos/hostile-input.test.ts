/**
 * Hostile input over real HTTP, complementing test/local/fuzz.test.ts (which
 * fuzzes the dispatch with schema-shaped values): what that suite does not
 * reach — raw bytes on the wire, HTTP framing, invalid UTF-8 in the path and
 * the query, 10,000 HTTP headers, numbers as strings in every numeric
 * field, odd number spellings in every numeric query parameter, hostile
 * Lambda Invoke payloads, and a fast-check mutator of valid produce and
 * commit bodies.
 *
 * Two properties, for every case: no 5xx, and no partial write — a request
 * that is rejected (4xx) issues no storage write at all (counted by a
 * middleware on the handlers' S3 and DynamoDB clients; requests run one at a
 * time, so every write is attributed to the request in flight).
 */
import fc from 'fast-check';
import { connect } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { call, testHost, unique } from '../../helpers/host.js';

type Host = Awaited<ReturnType<typeof testHost>>;
type Next = (args: unknown) => Promise<unknown>;
interface Stack {
  middlewareStack: { add: (mw: unknown, opts: unknown) => void };
}

const WRITES = new Set(['PutObject', 'DeleteObject', 'DeleteObjects', 'CopyObject', 'PutItem', 'DeleteItem', 'UpdateItem', 'BatchWriteItem', 'TransactWriteItems']);

let host: Host;
let writes = 0;
let topic: string;
let group: string;
const stats = { cases: 0, fiveHundreds: 0, partialWrites: 0 };
const failures: string[] = [];

function countWrites(client: Stack): void {
  client.middlewareStack.add(
    (next: Next, context: { commandName?: string }) => async (args: unknown) => {
      if (WRITES.has((context.commandName ?? '').replace(/Command$/, ''))) writes++;
      return next(args);
    },
    { step: 'initialize', name: 'hostileWriteCounter' },
  );
}

beforeAll(async () => {
  host = await testHost({ instrument: (clients) => (countWrites(clients.s3 as unknown as Stack), countWrites(clients.dynamodb as unknown as Stack)) });
  topic = unique('hostile');
  group = unique('hostile-g');
  expect((await call(host.url, 'POST', '/v1/topics', { name: topic, partitions: 2 })).status).toBe(201);
  expect((await call(host.url, 'POST', `/v1/topics/${topic}/records`, { encoding: 'utf8', records: [{ value: 'seed', partition: 0 }] })).status).toBe(200);
  expect((await call(host.url, 'POST', `/v1/groups/${group}/offsets`, { offsets: [{ topic, partition: 0, offset: 1 }] })).status).toBe(200);
}, 60_000);
afterAll(async () => {
  await host.cleanup();
  console.log(`hostile input: ${stats.cases} cases, ${stats.fiveHundreds} 5xx, ${stats.partialWrites} partial writes`);
});

/** Checks one answer: no 5xx, and no storage write behind a rejection. */
function judge(label: string, status: number, writesBefore: number, body?: unknown): void {
  stats.cases++;
  const wrote = writes - writesBefore;
  if (status >= 500) {
    stats.fiveHundreds++;
    failures.push(`${label} → ${status} ${JSON.stringify(body)?.slice(0, 200)}`);
  }
  if (status >= 400 && wrote > 0) {
    stats.partialWrites++;
    failures.push(`${label} → ${status} after ${wrote} storage writes`);
  }
}

/** Sends one request over fetch and judges it. */
async function send(label: string, method: string, path: string, body?: unknown, headers: Record<string, string> = {}): Promise<number> {
  const before = writes;
  const r = await call(host.url, method, path, body, headers);
  judge(label, r.status, before, r.body);
  return r.status;
}

/** Sends raw bytes on a fresh connection and returns the status line's code (0 if the server closed without answering). */
function raw(bytes: Buffer): Promise<number> {
  return new Promise((resolve, reject) => {
    const socket = connect(host.port, '127.0.0.1');
    let data = '';
    socket.setTimeout(20_000, () => socket.destroy(new Error('raw request timed out')));
    socket.on('data', (d: Buffer) => {
      data += d.toString('latin1');
      const m = /^HTTP\/1\.[01] (\d{3})/.exec(data);
      if (m && data.includes('\r\n\r\n')) {
        socket.destroy();
        resolve(Number(m[1]));
      }
    });
    socket.on('error', (e) => ((e as NodeJS.ErrnoException).code === 'ECONNRESET' ? resolve(0) : reject(e)));
    socket.on('close', () => resolve(Number(/^HTTP\/1\.[01] (\d{3})/.exec(data)?.[1] ?? 0)));
    socket.end(bytes);
  });
}

async function sendRaw(label: string, head: string | Buffer, body: Buffer = Buffer.alloc(0)): Promise<number> {
  const before = writes;
  const status = await raw(Buffer.concat([typeof head === 'string' ? Buffer.from(head, 'latin1') : head, body]));
  judge(label, status, before);
  return status;
}

const request = (method: string, path: string | Buffer, headers: string[] = [], body = ''): Buffer =>
  Buffer.concat([
    Buffer.from(`${method} `, 'latin1'),
    typeof path === 'string' ? Buffer.from(path, 'latin1') : path,
    Buffer.from(` HTTP/1.1\r\nHost: 127.0.0.1\r\nConnection: close\r\n${headers.map((h) => `${h}\r\n`).join('')}Content-Length: ${Buffer.byteLength(body)}\r\n\r\n${body}`, 'latin1'),
  ]);

describe('hostile input over HTTP', () => {
  it('invalid UTF-8 in the path and the query, percent-encoded and raw', async () => {
    const bad = ['%FF', '%C3%28', '%ED%A0%80', '%F8%88%80%80%80', '%C0%AF', '%E2%82', '%00', '%', '%zz'];
    for (const b of bad) {
      await send(`topic ${b}`, 'GET', `/v1/topics/${b}`);
      await send(`produce to ${b}`, 'POST', `/v1/topics/${b}/records`, { records: [{ value: 'QQ==' }] });
      await send(`fetch partition ${b}`, 'GET', `/v1/topics/${topic}/partitions/${b}/records?offset=0`);
      await send(`fetch offset ${b}`, 'GET', `/v1/topics/${topic}/partitions/0/records?offset=${b}`);
      await send(`fetch encoding ${b}`, 'GET', `/v1/topics/${topic}/partitions/0/records?offset=0&encoding=${b}`);
      await send(`query name ${b}`, 'GET', `/v1/topics/${topic}/partitions/0/records?offset=0&${b}=1`);
      await send(`group ${b}`, 'POST', `/v1/groups/${b}/heartbeat`, { memberEpoch: 0, topics: [topic] });
      await send(`group offsets topic ${b}`, 'GET', `/v1/groups/${group}/offsets?topic=${b}`);
    }
    for (const bytes of [[0xff], [0xc3, 0x28], [0xed, 0xa0, 0x80], [0xf8, 0x88, 0x80, 0x80, 0x80]]) {
      const path = Buffer.concat([Buffer.from(`/v1/topics/`), Buffer.from(bytes), Buffer.from('/records')]);
      await sendRaw(`raw bytes ${bytes.join(',')} in the path`, request('POST', path, ['Content-Type: application/json'], '{"records":[{"value":"QQ=="}]}'));
      const query = Buffer.concat([Buffer.from(`/v1/topics/${topic}/partitions/0/records?offset=0&encoding=`), Buffer.from(bytes)]);
      await sendRaw(`raw bytes ${bytes.join(',')} in the query`, request('GET', query));
    }
    // Invalid UTF-8 inside a JSON body, in a key, a value and a header name.
    for (const bytes of [[0xff], [0xc3, 0x28], [0xed, 0xa0, 0x80]]) {
      const body = Buffer.concat([Buffer.from('{"encoding":"utf8","records":[{"value":"'), Buffer.from(bytes), Buffer.from('"}]}')]);
      const head = `POST /v1/topics/${topic}/records HTTP/1.1\r\nHost: x\r\nConnection: close\r\nContent-Type: application/json\r\nContent-Length: ${body.length}\r\n\r\n`;
      await sendRaw(`invalid UTF-8 bytes ${bytes.join(',')} in a JSON string`, head, body);
    }
    expect(failures).toEqual([]);
  }, 120_000);

  it('10,000 HTTP headers, a 100 KB path and a 1 MB header value', async () => {
    const many = Array.from({ length: 10_000 }, (_, i) => `X-H${i}: ${i}`);
    const status = await sendRaw('10,000 HTTP headers on a produce', request('POST', `/v1/topics/${topic}/records`, ['Content-Type: application/json', ...many], '{"records":[{"value":"QQ=="}]}'));
    expect(status === 0 || (status >= 400 && status < 500)).toBe(true); // Node answers 431 (or closes) before any handler runs
    await sendRaw('100 KB path', request('GET', `/v1/topics/${'a'.repeat(100_000)}`));
    await sendRaw('1 MB header value', request('GET', `/v1/topics/${topic}`, [`X-Big: ${'b'.repeat(1_000_000)}`]));
    await sendRaw('header without colon', request('GET', `/v1/topics/${topic}`, ['NoColonHere']));
    await sendRaw('duplicate Content-Length', request('POST', `/v1/topics/${topic}/records`, ['Content-Type: application/json', 'Content-Length: 3'], '{"records":[{"value":"QQ=="}]}'));
    await sendRaw('chunked and Content-Length', request('POST', `/v1/topics/${topic}/records`, ['Transfer-Encoding: chunked'], '{}'));
    await sendRaw('HTTP/0.9', Buffer.from(`GET /v1/topics/${topic}\r\n\r\n`));
    await sendRaw('garbage request line', Buffer.from('\x00\x01\x02 / HTTP/1.1\r\n\r\n', 'latin1'));
    expect(failures).toEqual([]);
  }, 120_000);

  it('numbers as strings in every numeric body field', async () => {
    const p = `/v1/topics/${topic}/records`;
    const cases: Array<[string, string, string, unknown]> = [
      ['create partitions', 'POST', '/v1/topics', { name: unique('nas'), partitions: '3' }],
      ['create retentionMs', 'POST', '/v1/topics', { name: unique('nas'), config: { retentionMs: '1000' } }],
      ['create retentionBytes', 'POST', '/v1/topics', { name: unique('nas'), config: { retentionBytes: '-1' } }],
      ['create maxMessageBytes', 'POST', '/v1/topics', { name: unique('nas'), config: { maxMessageBytes: '100' } }],
      ['alter partitions', 'PATCH', `/v1/topics/${topic}`, { partitions: '4' }],
      ['alter retentionMs', 'PATCH', `/v1/topics/${topic}`, { config: { retentionMs: '5' } }],
      ['produce partition', 'POST', p, { records: [{ value: 'QQ==', partition: '0' }] }],
      ['produce timestamp', 'POST', p, { records: [{ value: 'QQ==', timestamp: '5' }] }],
      ['produce producerEpoch', 'POST', p, { records: [{ value: 'QQ==', partition: 0 }], producerId: 'x', producerEpoch: '0', sequences: { 0: 0 } }],
      ['produce sequence', 'POST', p, { records: [{ value: 'QQ==', partition: 0 }], producerId: 'x', producerEpoch: 0, sequences: { 0: '0' } }],
      ['produce records', 'POST', p, { records: '[{"value":"QQ=="}]' }],
      ['heartbeat memberEpoch', 'POST', `/v1/groups/${group}-x/heartbeat`, { memberEpoch: '0', topics: [topic] }],
      ['heartbeat sessionTimeoutMs', 'POST', `/v1/groups/${group}-x/heartbeat`, { memberEpoch: 0, topics: [topic], sessionTimeoutMs: '6000' }],
      ['commit partition', 'POST', `/v1/groups/${group}/offsets`, { offsets: [{ topic, partition: '0', offset: 1 }] }],
      ['commit offset', 'POST', `/v1/groups/${group}/offsets`, { offsets: [{ topic, partition: 0, offset: '1' }] }],
      ['commit memberEpoch', 'POST', `/v1/groups/${group}/offsets`, { memberId: 'm', memberEpoch: '1', offsets: [{ topic, partition: 0, offset: 1 }] }],
      ['reset to offset', 'POST', `/v1/groups/${group}/offsets/reset`, { topic, to: { offset: '0' } }],
      ['reset to timestamp', 'POST', `/v1/groups/${group}/offsets/reset`, { topic, to: { timestamp: '0' } }],
    ];
    for (const [label, method, path, body] of cases) {
      const status = await send(`number as string: ${label}`, method, path, body);
      expect(status, label).toBe(400);
    }
    expect(failures).toEqual([]);
  }, 60_000);

  it('odd spellings of numbers in every numeric query parameter and path segment', async () => {
    const spellings = ['1e3', '0x10', ' 1', '1 ', '+1', '-0', '-1', '1.0', '1.5', '', '99999999999999999', '9007199254740993', 'Infinity', 'NaN', '１', '0b1', '1_000', '00000000000000000001'];
    const base = `/v1/topics/${topic}/partitions`;
    for (const s of spellings) {
      const v = encodeURIComponent(s);
      for (const param of ['offset', 'maxRecords', 'maxBytes', 'waitMs']) {
        const q = param === 'offset' ? `offset=${v}` : `offset=0&${param}=${v}`;
        await send(`fetch ${param}=${JSON.stringify(s)}`, 'GET', `${base}/0/records?${q}`);
      }
      await send(`offsets at=${JSON.stringify(s)}`, 'GET', `${base}/0/offsets?at=${v}`);
      await send(`partition path ${JSON.stringify(s)}`, 'GET', `${base}/${v}/records?offset=0`);
    }
    await send('repeated query parameter', 'GET', `${base}/0/records?offset=0&offset=1`);
    await send('waitMs above the limit', 'GET', `${base}/0/records?offset=0&waitMs=20001`);
    expect(failures).toEqual([]);
  }, 120_000);

  it('odd bodies, content types, paths and methods', async () => {
    const p = `/v1/topics/${topic}/records`;
    const json = { 'content-type': 'application/json' };
    await send('BOM before JSON', 'POST', p, '\uFEFF{"records":[{"value":"QQ=="}]}', json);
    await send('trailing garbage', 'POST', p, '{"records":[{"value":"QQ=="}]} x', json);
    await send('duplicate keys', 'POST', p, '{"records":[{"value":"QQ=="}],"records":5}', json);
    await send('empty body', 'POST', p, '', json);
    await send('lone surrogate in a utf8 value', 'POST', p, '{"encoding":"utf8","records":[{"value":"\\ud800"}]}', json);
    await send('lone surrogate in a header name', 'POST', p, '{"records":[{"value":"QQ==","headers":{"\\udfff":"QQ=="}}]}', json);
    await send('NUL in a key', 'POST', p, '{"encoding":"utf8","records":[{"key":"a\\u0000b","value":"v"}]}', json);
    await send('charset latin1', 'POST', p, '{"records":[{"value":"QQ=="}]}', { 'content-type': 'application/json; charset=latin1' });
    await send('gzip claimed, plain sent', 'POST', p, '{"records":[{"value":"QQ=="}]}', { ...json, 'content-encoding': 'gzip' });
    await send('body over 6 MB', 'POST', p, `{"records":[{"value":"${'Q'.repeat(6 * 1024 * 1024)}"}]}`, json);
    await send('record over maxMessageBytes', 'POST', p, { records: [{ value: Buffer.alloc(1024 * 1024 + 1).toString('base64') }] });
    await send('250-char topic', 'POST', '/v1/topics', { name: 'a'.repeat(250) });
    await send('topic "."', 'POST', '/v1/topics', { name: '.' });
    await send('partitions 1001', 'POST', '/v1/topics', { name: unique('big'), partitions: 1001 });
    await send('base64 with junk', 'POST', p, { records: [{ value: '!!!' }] });
    await send('json value under base64', 'POST', p, { records: [{ value: { a: 1 } }] });
    await send('sequences for an absent partition', 'POST', p, { records: [{ value: 'QQ==', partition: 0 }], producerId: 'h', producerEpoch: 0, sequences: { 0: 0, 1: 0 } });
    await send('huge sequence', 'POST', p, { records: [{ value: 'QQ==', partition: 0 }], producerId: 'h2', producerEpoch: 0, sequences: { 0: 1e300 } });
    await send('negative epoch', 'POST', p, { records: [{ value: 'QQ==', partition: 0 }], producerId: 'h3', producerEpoch: -1, sequences: { 0: 0 } });
    await send('partition 0.5', 'POST', p, { records: [{ value: 'QQ==', partition: 0.5 }] });
    await send('partition 2 of 2', 'POST', p, { records: [{ value: 'QQ==', partition: 2 }] });
    await send('timestamp 1e300', 'POST', p, { records: [{ value: 'QQ==', timestamp: 1e300 }] });
    await send('one good record and one bad', 'POST', p, { records: [{ value: 'QQ==' }, { value: 'QQ==', partition: 7 }] });
    for (const path of [`//v1//topics`, `/v1/topics/%2e%2e/records`, `/v1/topics/a%2Fb/records`, `/v1/topics/${topic}/records/`, `/v1/topics/${topic}/partitions/0/records/../../records`]) {
      await send(`path ${path}`, 'POST', path, { records: [{ value: 'QQ==' }] });
    }
    for (const method of ['PUT', 'OPTIONS', 'HEAD']) await send(`method ${method}`, method, p);
    for (const method of ['TRACE', 'CONNECT', 'FROB']) await sendRaw(`method ${method}`, request(method, p));
    expect(failures).toEqual([]);
  }, 120_000);

  it('hostile Lambda Invoke payloads', async () => {
    const fn = '/2015-03-31/functions/eddy-produce/invocations';
    const payloads: unknown[] = [
      null,
      [],
      'str',
      5,
      {},
      { method: 5, path: '/v1/topics' },
      { method: 'POST', path: 5 },
      { method: 'POST', path: `/v1/topics/${topic}/records`, body: 'not an object' },
      { method: 'POST', path: `/v1/topics/${topic}/records`, body: { records: [{ value: 'QQ==', headers: Object.fromEntries(Array.from({ length: 10_000 }, (_, i) => [`h${i}`, 7])) }] } },
      { method: 'POST', path: `/v1/topics/${topic}/records`, query: 'x', body: { records: [{ value: 'QQ==' }] } },
      { method: 'POST', path: `/v1/topics/${topic}/records`, query: { encoding: ['utf8'] }, body: { records: [{ value: 'QQ==' }] } },
      { version: '2.0', rawPath: `/v1/topics/${topic}/records`, requestContext: { http: { method: 'POST' } }, body: '%%%', isBase64Encoded: true },
      { version: '2.0', rawPath: 5, requestContext: {} },
      { version: '2.0', rawPath: `/v1/topics/${topic}/records`, requestContext: { http: { method: 'POST' } }, headers: { 'content-type': 'text/plain' }, body: '{}' },
      { 'detail-type': 'Scheduled Event', source: 'aws.events' },
    ];
    for (const payload of payloads) {
      const before = writes;
      const r = await call(host.url, 'POST', fn, JSON.stringify(payload));
      // The invocation itself answers 200; the handler's answer is inside (statusCode), when the payload was understood.
      const inner = typeof r.body?.statusCode === 'number' ? (r.body.statusCode as number) : r.status;
      const scheduled = (payload as { source?: string } | null)?.source === 'aws.events';
      judge(`invoke ${JSON.stringify(payload).slice(0, 80)}`, inner, scheduled ? writes : before, r.body);
    }
    await sendRaw('invoke with a non-JSON payload', request('POST', fn, [], '{not json'));
    expect(failures).toEqual([]);
  }, 120_000);

  it('mutated produce and commit bodies (fast-check)', async () => {
    const hostile = fc.oneof(
      fc.constantFrom<unknown>('0', '1e3', ' 1', '', null, true, [], {}, -1, -0, 0.5, 1e308, 2 ** 53 + 1, 'QQ==', '\ud800', 'ü'.repeat(300), '\u0000'),
      fc.string({ maxLength: 12 }),
      fc.integer(),
      fc.double(),
      fc.jsonValue({ maxDepth: 3 }),
    );
    const field = <T>(valid: fc.Arbitrary<T>) => fc.oneof({ weight: 4, arbitrary: valid }, { weight: 1, arbitrary: hostile });
    const record = fc.record(
      {
        key: field(fc.constantFrom<unknown>('a2V5', null, 'eA==')),
        value: field(fc.constantFrom<unknown>('QQ==', '', null)),
        headers: field(fc.dictionary(fc.string({ maxLength: 6 }), field(fc.constant<unknown>('QQ==')), { maxKeys: 3 })),
        partition: field(fc.integer({ min: 0, max: 2 })),
        timestamp: field(fc.integer({ min: 0, max: 2 ** 41 })),
      },
      { requiredKeys: ['value'] },
    );
    const produce = fc.record(
      {
        encoding: field(fc.constantFrom<unknown>('base64', 'utf8', 'json')),
        records: field(fc.array(record, { minLength: 0, maxLength: 4 })),
        producerId: field(fc.constantFrom<unknown>('fuzz-p', 'x'.repeat(65))),
        producerEpoch: field(fc.integer({ min: 0, max: 3 })),
        sequences: field(fc.dictionary(fc.constantFrom('0', '1', '2', '-1', 'a'), field(fc.integer({ min: 0, max: 5 })), { maxKeys: 2 })),
        extra: fc.constant(1),
      },
      { requiredKeys: ['records'] },
    );
    const commit = fc.record(
      {
        memberId: field(fc.constantFrom<unknown>('m-1')),
        memberEpoch: field(fc.integer({ min: -1, max: 3 })),
        offsets: field(
          fc.array(fc.record({ topic: field(fc.constant<unknown>(topic)), partition: field(fc.integer({ min: 0, max: 2 })), offset: field(fc.integer({ min: 0, max: 5 })), metadata: field(fc.string()) }), {
            maxLength: 3,
          }),
        ),
      },
      { requiredKeys: ['offsets'] },
    );
    await fc.assert(
      fc.asyncProperty(fc.oneof(produce.map((b) => ['produce', b] as const), commit.map((b) => ['commit', b] as const)), async ([kind, body]) => {
        const path = kind === 'produce' ? `/v1/topics/${topic}/records` : `/v1/groups/${group}/offsets`;
        await send(`${kind} ${JSON.stringify(body).slice(0, 200)}`, 'POST', path, body);
      }),
      { numRuns: 3000, seed: 20261127 },
    );
    expect(failures).toEqual([]);
    expect(stats).toMatchObject({ fiveHundreds: 0, partialWrites: 0 });
  }, 300_000);
});
