import { createServer as createHttpServer, type Server as HttpServer } from 'node:http';
import { createServer, type Server, type Socket } from 'node:net';
import type { InvokeCommand, InvokeCommandOutput } from '@aws-sdk/client-lambda';
import { afterEach, describe, expect, it } from 'vitest';
import { EddyError } from '../../src/errors.js';
import { functionForRoute, LambdaTransport, type LambdaInvoker } from '../../src/transport/lambda.js';

function fakeInvoker(answer: (name: string, payload: unknown) => { Payload?: Uint8Array; FunctionError?: string } | Error): LambdaInvoker & { calls: { name: string; payload: unknown }[] } {
  const calls: { name: string; payload: unknown }[] = [];
  return {
    calls,
    async send(command: InvokeCommand) {
      const name = command.input.FunctionName!;
      const payload = JSON.parse(new TextDecoder().decode(command.input.Payload as Uint8Array)) as unknown;
      calls.push({ name, payload });
      const out = answer(name, payload);
      if (out instanceof Error) throw out;
      return { $metadata: {}, StatusCode: 200, ...out } as unknown as InvokeCommandOutput;
    },
  };
}

const json = (v: unknown): Uint8Array => new TextEncoder().encode(JSON.stringify(v));

describe('functionForRoute (docs/api.md)', () => {
  it.each([
    ['POST', '/v1/topics/orders/records', 'produce'],
    ['GET', '/v1/topics/orders/partitions/3/records', 'fetch'],
    ['GET', '/v1/topics/orders/partitions/3/offsets', 'fetch'],
    ['POST', '/v1/groups/g/heartbeat', 'groups'],
    ['GET', '/v1/groups', 'groups'],
    ['POST', '/v1/groups/g/offsets/reset', 'groups'],
    ['POST', '/v1/topics', 'admin'],
    ['GET', '/v1/topics', 'admin'],
    ['PATCH', '/v1/topics/orders', 'admin'],
    ['DELETE', '/v1/topics/orders', 'admin'],
    ['GET', '/v1/openapi.json', 'admin'],
    ['GET', '/health', 'admin'],
  ])('%s %s → %s', (method, path, kind) => {
    expect(functionForRoute(method, path)).toBe(kind);
  });
});

describe('LambdaTransport', () => {
  it('invokes the route\'s function with the direct-invoke payload and unwraps the answer', async () => {
    const client = fakeInvoker(() => ({ Payload: json({ statusCode: 200, body: { results: [{ partition: 0, offset: 7 }] } }) }));
    const t = new LambdaTransport({ client, functions: { produce: 'custom-produce' } });
    const res = await t.request({ method: 'POST', path: '/v1/topics/t/records', query: { a: '1' }, body: { records: [] } }, { timeoutMs: 1000 });
    expect(res).toEqual({ status: 200, body: { results: [{ partition: 0, offset: 7 }] } });
    expect(client.calls).toEqual([{ name: 'custom-produce', payload: { method: 'POST', path: '/v1/topics/t/records', query: { a: '1' }, body: { records: [] } } }]);
  });

  it('uses the default function names', async () => {
    const client = fakeInvoker(() => ({ Payload: json({ statusCode: 204, body: null }) }));
    const t = new LambdaTransport({ client });
    for (const [method, path] of [['GET', '/v1/topics/t/partitions/0/records'], ['POST', '/v1/groups/g/heartbeat'], ['DELETE', '/v1/topics/t'], ['POST', '/v1/topics/t/records']] as const) {
      expect(await t.request({ method, path }, { timeoutMs: 1000 })).toEqual({ status: 204, body: null });
    }
    expect(client.calls.map((c) => c.name)).toEqual(['eddy-fetch', 'eddy-groups', 'eddy-admin', 'eddy-produce']);
  });

  it('passes API errors through as statuses (the client maps them), also when the body is a JSON string', async () => {
    const envelope = { error: { code: 'UNKNOWN_TOPIC_OR_PARTITION', message: 'nope', retryable: false } };
    const t = new LambdaTransport({ client: fakeInvoker(() => ({ Payload: json({ statusCode: 404, body: JSON.stringify(envelope) }) })) });
    expect(await t.request({ method: 'GET', path: '/v1/topics/x' }, { timeoutMs: 1000 })).toEqual({ status: 404, body: envelope });
  });

  it('maps a function timeout to UNKNOWN_OUTCOME and a crash to INTERNAL', async () => {
    const timedOut = new LambdaTransport({
      client: fakeInvoker(() => ({ FunctionError: 'Unhandled', Payload: json({ errorType: 'Sandbox.Timedout', errorMessage: 'Task timed out after 30.00 seconds' }) })),
    });
    await expect(timedOut.request({ method: 'POST', path: '/v1/topics/t/records' }, { timeoutMs: 1000 })).rejects.toMatchObject({ code: 'UNKNOWN_OUTCOME' });
    const crashed = new LambdaTransport({ client: fakeInvoker(() => ({ FunctionError: 'Unhandled', Payload: json({ errorType: 'TypeError', errorMessage: 'x is undefined' }) })) });
    await expect(crashed.request({ method: 'GET', path: '/v1/topics' }, { timeoutMs: 1000 })).rejects.toMatchObject({ code: 'INTERNAL', retryable: false });
  });

  it.each([
    ['TooManyRequestsException', 429, 'THROTTLED'],
    ['RequestTooLargeException', 413, 'MESSAGE_TOO_LARGE'],
    ['ResourceNotReadyException', 502, 'UNAVAILABLE'],
    ['ServiceException', 500, 'UNKNOWN_OUTCOME'],
    ['ResourceNotFoundException', 404, 'INVALID_REQUEST'],
    ['AccessDeniedException', 403, 'INVALID_REQUEST'],
  ])('maps Lambda API %s to %s', async (name, status, code) => {
    const err = Object.assign(new Error(name), { name, $metadata: { httpStatusCode: status } });
    const t = new LambdaTransport({ client: fakeInvoker(() => err) });
    await expect(t.request({ method: 'GET', path: '/v1/topics' }, { timeoutMs: 1000 })).rejects.toMatchObject({ code, status });
  });
});

describe('LambdaTransport with the real LambdaClient', () => {
  const servers: (Server | HttpServer)[] = [];
  const sockets = new Set<Socket>();
  afterEach(async () => {
    for (const s of sockets) s.destroy();
    sockets.clear();
    await Promise.all(servers.splice(0).map((s) => new Promise((r) => s.close(r))));
  });

  async function listen(server: Server | HttpServer): Promise<string> {
    servers.push(server);
    server.on('connection', (s: Socket) => sockets.add(s));
    await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
    return `http://127.0.0.1:${(server.address() as { port: number }).port}`;
  }

  it('speaks the Invoke API to a local endpoint without AWS credentials', async () => {
    const seen: { url: string; body: unknown }[] = [];
    const endpoint = await listen(
      createHttpServer((req, res) => {
        let data = '';
        req.on('data', (c: Buffer) => (data += c.toString()));
        req.on('end', () => {
          seen.push({ url: req.url!, body: JSON.parse(data) });
          res.writeHead(200, { 'content-type': 'application/json' });
          res.end(JSON.stringify({ statusCode: 200, body: { topics: [{ name: 'a', partitions: 2 }] } }));
        });
      }),
    );
    const t = new LambdaTransport({ endpoint });
    try {
      expect(await t.request({ method: 'GET', path: '/v1/topics' }, { timeoutMs: 5000 })).toEqual({ status: 200, body: { topics: [{ name: 'a', partitions: 2 }] } });
    } finally {
      t.close();
    }
    expect(seen).toEqual([{ url: '/2015-03-31/functions/eddy-admin/invocations', body: { method: 'GET', path: '/v1/topics', query: {}, body: null } }]);
  });

  it('classifies a refused connection as UNAVAILABLE and a reset as UNKNOWN_OUTCOME', async () => {
    const probe = createServer();
    await new Promise<void>((r) => probe.listen(0, '127.0.0.1', r));
    const closed = `http://127.0.0.1:${(probe.address() as { port: number }).port}`;
    await new Promise((r) => probe.close(r));
    const refused = new LambdaTransport({ endpoint: closed });
    const e1 = await refused.request({ method: 'POST', path: '/v1/topics/t/records', body: {} }, { timeoutMs: 5000 }).catch((e: unknown) => e);
    refused.close();
    expect(e1).toBeInstanceOf(EddyError);
    expect(e1).toMatchObject({ code: 'UNAVAILABLE' });

    const endpoint = await listen(createServer((s) => s.once('data', () => s.destroy())));
    const reset = new LambdaTransport({ endpoint });
    const e2 = await reset.request({ method: 'POST', path: '/v1/topics/t/records', body: {} }, { timeoutMs: 5000 }).catch((e: unknown) => e);
    reset.close();
    expect(e2).toMatchObject({ code: 'UNKNOWN_OUTCOME' });
  });

  it('gives up after the time limit with UNKNOWN_OUTCOME', async () => {
    const endpoint = await listen(createServer(() => undefined));
    const t = new LambdaTransport({ endpoint });
    const err = await t.request({ method: 'POST', path: '/v1/topics/t/records', body: {} }, { timeoutMs: 200 }).catch((e: unknown) => e);
    t.close();
    expect(err).toMatchObject({ code: 'UNKNOWN_OUTCOME' });
  });
});
