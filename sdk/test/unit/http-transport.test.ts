import { execFile, spawnSync } from 'node:child_process';
import { createHash, createHmac } from 'node:crypto';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { createServer as createHttpServer, type RequestListener, type Server as HttpServer } from 'node:http';
import { createServer as createHttpsServer, Server as HttpsServer } from 'node:https';
import { createServer, type AddressInfo, type Server, type Socket } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { afterEach, describe, expect, it } from 'vitest';
import { EddyError } from '../../src/errors.js';
import { HttpTransport } from '../../src/transport/http.js';
import { networkError } from '../../src/transport/network-errors.js';
import { ANSWER_TOO_LARGE, MAX_ANSWER_BYTES, NodeHttpClient } from '../../src/transport/node-http.js';

interface Captured {
  url: URL;
  method: string;
  headers: Record<string, string>;
  body: string | undefined;
}

function capturingFetch(status = 200, responseBody = '{"ok":true}'): { fetch: typeof fetch; calls: Captured[] } {
  const calls: Captured[] = [];
  const fake = (async (input: string | URL | Request, init?: RequestInit) => {
    const headers = Object.fromEntries(Object.entries((init?.headers ?? {}) as Record<string, string>).map(([k, v]) => [k.toLowerCase(), v]));
    calls.push({ url: new URL(String(input)), method: init?.method ?? 'GET', headers, body: init?.body as string | undefined });
    return new Response(status === 204 ? null : responseBody, { status });
  }) as typeof fetch;
  return { fetch: fake, calls };
}

const creds = { accessKeyId: 'AKIDEXAMPLE', secretAccessKey: 'wJalrXUtnFEMI/K7MDENG+bPxRfiCYEXAMPLEKEY' };

const rfc3986 = (s: string): string => encodeURIComponent(s).replace(/[!'()*]/g, (c) => `%${c.charCodeAt(0).toString(16).toUpperCase()}`);
const sha256 = (s: string): string => createHash('sha256').update(s).digest('hex');
const hmac = (k: string | Buffer, s: string): Buffer => createHmac('sha256', k).update(s).digest();

/** An independent SigV4 check (AWS's documented algorithm), so signing bugs fail here, not against AWS. */
function expectValidSigV4(c: Captured, secret: string, service: string, region: string): void {
  const auth = c.headers.authorization!;
  const m = /^AWS4-HMAC-SHA256 Credential=([^/]+)\/(\d{8})\/([^/]+)\/([^/]+)\/aws4_request, SignedHeaders=([^,]+), Signature=([0-9a-f]{64})$/.exec(auth);
  expect(m, auth).not.toBeNull();
  const [, , date, reg, svc, signedHeaders, signature] = m!;
  expect([reg, svc]).toEqual([region, service]);
  const amzDate = c.headers['x-amz-date']!;
  expect(amzDate.startsWith(date!)).toBe(true);
  const names = signedHeaders!.split(';');
  expect(names).toContain('host');
  const headerValue = (n: string): string => (n === 'host' ? c.url.host : c.headers[n]!);
  const canonicalHeaders = names.map((n) => `${n}:${headerValue(n).trim()}\n`).join('');
  // Non-S3 services encode each (already encoded) path segment once more.
  const canonicalUri = c.url.pathname.split('/').map(rfc3986).join('/');
  const canonicalQuery = [...c.url.searchParams]
    .map(([k, v]) => [rfc3986(k), rfc3986(v)])
    .sort(([a], [b]) => (a! < b! ? -1 : a! > b! ? 1 : 0))
    .map(([k, v]) => `${k}=${v}`)
    .join('&');
  const canonicalRequest = [c.method, canonicalUri, canonicalQuery, canonicalHeaders, signedHeaders, sha256(c.body ?? '')].join('\n');
  const scope = `${date}/${region}/${service}/aws4_request`;
  const stringToSign = ['AWS4-HMAC-SHA256', amzDate, scope, sha256(canonicalRequest)].join('\n');
  const key = hmac(hmac(hmac(hmac(`AWS4${secret}`, date!), region), service), 'aws4_request');
  expect(signature).toBe(createHmac('sha256', key).update(stringToSign).digest('hex'));
}

describe('HttpTransport signing', () => {
  it('signs for execute-api with the region of the endpoint host, verifiably', async () => {
    const { fetch, calls } = capturingFetch();
    const t = new HttpTransport({ endpoint: 'https://abc123.execute-api.eu-west-1.amazonaws.com/prod', credentials: creds, fetch });
    await t.request(
      { method: 'POST', path: '/v1/groups/my%20group/offsets', query: { topic: 'a b', z: '1' }, body: { offsets: [{ topic: 't', partition: 0, offset: 5 }] } },
      { timeoutMs: 1000 },
    );
    const c = calls[0]!;
    expect(c.url.href).toBe('https://abc123.execute-api.eu-west-1.amazonaws.com/prod/v1/groups/my%20group/offsets?topic=a+b&z=1');
    expect(c.headers['content-type']).toBe('application/json');
    expectValidSigV4(c, creds.secretAccessKey, 'execute-api', 'eu-west-1');
  });

  it('adds the session token of temporary credentials', async () => {
    const { fetch, calls } = capturingFetch();
    const t = new HttpTransport({ endpoint: 'https://api.example.com', region: 'us-west-2', credentials: async () => ({ ...creds, sessionToken: 'TOKEN' }), fetch });
    await t.request({ method: 'GET', path: '/v1/topics' }, { timeoutMs: 1000 });
    expect(calls[0]!.headers['x-amz-security-token']).toBe('TOKEN');
    expectValidSigV4(calls[0]!, creds.secretAccessKey, 'execute-api', 'us-west-2');
  });

  it.each([
    ['http://127.0.0.1:4000', 'auto', false],
    ['http://localhost:4000', 'auto', false],
    ['http://127.0.0.1:4000', 'always', true],
    ['https://abc.execute-api.us-east-1.amazonaws.com', 'auto', true],
    ['https://abc.execute-api.us-east-1.amazonaws.com', 'never', false],
  ] as const)('%s with signing %s signs: %s', async (endpoint, signing, signed) => {
    const { fetch, calls } = capturingFetch();
    const t = new HttpTransport({ endpoint, signing, credentials: creds, fetch });
    await t.request({ method: 'GET', path: '/health' }, { timeoutMs: 1000 });
    expect('authorization' in calls[0]!.headers).toBe(signed);
    expect(await t.isSigning()).toBe(signed);
  });

  it('parses JSON answers, 204 as null, and keeps the status of errors', async () => {
    const ok = capturingFetch(200, '{"topics":[]}');
    expect(await new HttpTransport({ endpoint: 'http://127.0.0.1:1', fetch: ok.fetch }).request({ method: 'GET', path: '/v1/topics' }, { timeoutMs: 1000 })).toEqual({ status: 200, body: { topics: [] } });
    const none = capturingFetch(204);
    expect(await new HttpTransport({ endpoint: 'http://127.0.0.1:1', fetch: none.fetch }).request({ method: 'DELETE', path: '/v1/topics/x' }, { timeoutMs: 1000 })).toEqual({ status: 204, body: null });
    const gw = capturingFetch(502, 'Bad Gateway');
    expect(await new HttpTransport({ endpoint: 'http://127.0.0.1:1', fetch: gw.fetch }).request({ method: 'GET', path: '/x' }, { timeoutMs: 1000 })).toEqual({ status: 502, body: 'Bad Gateway' });
  });

  it('names a server that is not Eddy instead of returning its page (issue 18)', async () => {
    const page = '<!DOCTYPE html><html><head><title>Welcome to nginx!</title></head><body>…</body></html>';
    const html = capturingFetch(200, page);
    const t = new HttpTransport({ endpoint: 'http://127.0.0.1:1', fetch: html.fetch });
    await expect(t.request({ method: 'GET', path: '/v1/topics' }, { timeoutMs: 1000 })).rejects.toMatchObject({
      code: 'INVALID_REQUEST',
      status: 200,
      message: `GET /v1/topics: http://127.0.0.1:1 answered HTTP 200 with an HTML page titled "Welcome to nginx!", not Eddy's JSON API: is the endpoint (EDDY_ENDPOINT) an Eddy API?`,
    });
    const text = capturingFetch(200, 'OK');
    await expect(new HttpTransport({ endpoint: 'http://127.0.0.1:1', fetch: text.fetch }).request({ method: 'GET', path: '/health' }, { timeoutMs: 1000 })).rejects.toThrow(/answered HTTP 200 with .*"OK", not Eddy's JSON API/);
    const missing = capturingFetch(404, page.replace('Welcome to nginx!', '404 Not Found'));
    const res = await new HttpTransport({ endpoint: 'http://127.0.0.1:1', fetch: missing.fetch }).request({ method: 'GET', path: '/v1/topics/x' }, { timeoutMs: 1000 });
    expect(res).toEqual({ status: 404, body: `http://127.0.0.1:1 answered HTTP 404 with an HTML page titled "404 Not Found", not Eddy's JSON API: is the endpoint (EDDY_ENDPOINT) an Eddy API?` });
  });
});

describe('HttpTransport network failures', () => {
  const servers: Server[] = [];
  const sockets = new Set<Socket>();
  afterEach(async () => {
    for (const s of sockets) s.destroy();
    sockets.clear();
    await Promise.all(servers.splice(0).map((s) => new Promise((r) => s.close(r))));
  });

  async function tcpServer(onSocket: (s: Socket) => void): Promise<string> {
    const server = createServer((s) => {
      sockets.add(s);
      onSocket(s);
    });
    servers.push(server);
    await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
    const { port } = server.address() as { port: number };
    return `http://127.0.0.1:${port}`;
  }

  async function closedPort(): Promise<string> {
    const server = createServer();
    await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
    const { port } = server.address() as { port: number };
    await new Promise((r) => server.close(r));
    return `http://127.0.0.1:${port}`;
  }

  const post = { method: 'POST', path: '/v1/topics/t/records', body: { records: [{ value: 'eA==' }] } } as const;

  it('a refused connection was never sent: UNAVAILABLE (retryable)', async () => {
    const t = new HttpTransport({ endpoint: await closedPort() });
    const err = await t.request(post, { timeoutMs: 2000 }).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(EddyError);
    expect(err).toMatchObject({ code: 'UNAVAILABLE', retryable: true });
  });

  it('a connection reset after the request was sent: UNKNOWN_OUTCOME', async () => {
    const endpoint = await tcpServer((s) => s.once('data', () => s.destroy()));
    const err = await new HttpTransport({ endpoint }).request(post, { timeoutMs: 2000 }).catch((e: unknown) => e);
    expect(err).toMatchObject({ code: 'UNKNOWN_OUTCOME' });
  });

  it('no answer within the time limit: UNKNOWN_OUTCOME', async () => {
    const endpoint = await tcpServer(() => undefined);
    const started = Date.now();
    const err = await new HttpTransport({ endpoint }).request(post, { timeoutMs: 150 }).catch((e: unknown) => e);
    expect(err).toMatchObject({ code: 'UNKNOWN_OUTCOME' });
    expect(Date.now() - started).toBeLessThan(2000);
  });

  it('a time limit run out before a connection was there: UNAVAILABLE (nothing was sent)', async () => {
    // One socket per origin, held by a request the server never answers: the second waits for a socket and times out unsent.
    let received = 0;
    const endpoint = await tcpServer((s) => s.on('data', () => received++));
    const client = new NodeHttpClient({ maxSockets: 1 });
    const url = new URL(`${endpoint}/v1/topics/t/records`);
    const first = client.send(url, { method: 'POST', headers: {}, body: '{}', signal: AbortSignal.timeout(1000) }).catch((e: unknown) => e);
    const second = await client.send(url, { method: 'POST', headers: {}, body: '{}', signal: AbortSignal.timeout(100) }).catch((e: unknown) => e);
    expect(networkError(second, 'POST /v1/topics/t/records')).toMatchObject({ code: 'UNAVAILABLE', retryable: true, message: expect.stringMatching(/not sent/) });
    // The first had its connection and was sent: its timeout stays UNKNOWN_OUTCOME.
    expect(networkError(await first, 'POST /v1/topics/t/records')).toMatchObject({ code: 'UNKNOWN_OUTCOME' });
    expect(received).toBe(1);
    client.close();
  });

  it('an answer longer than maxAnswerBytes fails clearly and its socket is destroyed', async () => {
    let closed!: Promise<void>;
    const endpoint = await tcpServer((s) => {
      closed = new Promise((r) => s.once('close', () => r()));
      s.once('data', () => {
        // Chunked, no length announced: the client must count.
        s.write('HTTP/1.1 200 OK\r\ncontent-type: application/json\r\ntransfer-encoding: chunked\r\n\r\n');
        const chunk = Buffer.alloc(64 * 1024, 0x20);
        const more = (): void => {
          while (!s.destroyed && s.write(`${chunk.length.toString(16)}\r\n${chunk.toString()}\r\n`));
          if (!s.destroyed) s.once('drain', more);
        };
        s.on('error', () => undefined);
        more();
      });
    });
    const client = new NodeHttpClient({ maxAnswerBytes: 1024 * 1024 });
    const err = await client.send(new URL(`${endpoint}/`), { method: 'GET', headers: {}, signal: AbortSignal.timeout(5000) }).catch((e: unknown) => e);
    expect(err).toMatchObject({ code: ANSWER_TOO_LARGE, message: expect.stringMatching(/larger than 1048576 bytes/) });
    expect(networkError(err, 'GET /')).toMatchObject({ code: 'UNKNOWN_OUTCOME', message: expect.stringMatching(/larger than 1048576 bytes/) });
    await closed;
    // An announced length over the bound fails before the body is read.
    const announced = await tcpServer((s) => s.once('data', () => s.write('HTTP/1.1 200 OK\r\ncontent-type: application/json\r\ncontent-length: 99999999\r\n\r\n{')));
    expect(await client.send(new URL(`${announced}/`), { method: 'GET', headers: {}, signal: AbortSignal.timeout(5000) }).catch((e: unknown) => e)).toMatchObject({ code: ANSWER_TOO_LARGE });
    expect(MAX_ANSWER_BYTES).toBe(12_000_000);
    client.close();
  });

  it('a caller abort rejects with the abort reason, not an EddyError', async () => {
    const endpoint = await tcpServer(() => undefined);
    const controller = new AbortController();
    setTimeout(() => controller.abort(), 20);
    const err = await new HttpTransport({ endpoint }).request(post, { timeoutMs: 5000, signal: controller.signal }).catch((e: unknown) => e);
    expect(err).not.toBeInstanceOf(EddyError);
    expect((err as Error).name).toBe('AbortError');
  });
});

describe('HttpTransport connections (node:http keep-alive, no fetch given)', () => {
  const closers: (() => Promise<void>)[] = [];
  afterEach(async () => {
    await Promise.all(closers.splice(0).map((c) => c()));
  });

  /** A JSON server that records every connection it accepts and when each closes. */
  async function countingServer(make: (handler: RequestListener) => HttpServer = (h) => createHttpServer(h)): Promise<{ port: number; opened: number; closed: Promise<void>[] }> {
    const stats = { port: 0, opened: 0, closed: [] as Promise<void>[] };
    const server = make((req, res) => {
      req.resume();
      req.on('end', () => {
        res.writeHead(200, { 'content-type': 'application/json' });
        res.end(JSON.stringify({ method: req.method, url: req.url }));
      });
    });
    server.on(server instanceof HttpsServer ? 'secureConnection' : 'connection', (socket: Socket) => {
      stats.opened++;
      stats.closed.push(new Promise((r) => socket.once('close', () => r())));
    });
    await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
    stats.port = (server.address() as AddressInfo).port;
    closers.push(async () => {
      server.closeAllConnections();
      await new Promise((r) => server.close(r));
    });
    return stats;
  }

  const produce = { method: 'POST', path: '/v1/topics/t/records', body: { records: [{ value: 'eA==' }] } } as const;

  it('reuses one connection for requests one after another', async () => {
    const server = await countingServer();
    const t = new HttpTransport({ endpoint: `http://127.0.0.1:${server.port}` });
    for (let i = 0; i < 5; i++) {
      expect(await t.request(produce, { timeoutMs: 2000 })).toEqual({ status: 200, body: { method: 'POST', url: '/v1/topics/t/records' } });
    }
    expect(server.opened).toBe(1);
    t.close();
  });

  it('close() releases the connections', async () => {
    const server = await countingServer();
    const t = new HttpTransport({ endpoint: `http://127.0.0.1:${server.port}` });
    await Promise.all([t.request(produce, { timeoutMs: 2000 }), t.request(produce, { timeoutMs: 2000 })]);
    expect(server.opened).toBe(2);
    t.close();
    // The server sees both sockets close (they would otherwise stay open for its keep-alive timeout, 5 s).
    await Promise.all(server.closed);
  });

  it('closes a keep-alive socket idle for idleSocketMs, but not a request slower than that', async () => {
    const server = await countingServer();
    const slow = createHttpServer((req, res) => {
      req.resume();
      setTimeout(() => res.writeHead(200, { 'content-type': 'application/json' }).end('{"slow":true}'), 400);
    });
    await new Promise<void>((r) => slow.listen(0, '127.0.0.1', r));
    closers.push(() => new Promise((r) => slow.close(() => r())));
    const client = new NodeHttpClient({ idleSocketMs: 150 });
    const get = (port: number) => client.send(new URL(`http://127.0.0.1:${port}/`), { method: 'GET', headers: {}, signal: AbortSignal.timeout(5000) });
    expect((await get((slow.address() as AddressInfo).port)).body.toString()).toBe('{"slow":true}');
    await get(server.port);
    await new Promise((r) => setTimeout(r, 400));
    await get(server.port);
    expect(server.opened).toBe(2);
    client.close();
  });

  it('uses the fetch it is given instead', async () => {
    const server = await countingServer();
    const { fetch, calls } = capturingFetch(200, '{"from":"fetch"}');
    const t = new HttpTransport({ endpoint: `http://127.0.0.1:${server.port}`, fetch });
    expect(await t.request(produce, { timeoutMs: 2000 })).toEqual({ status: 200, body: { from: 'fetch' } });
    expect(calls).toHaveLength(1);
    expect(server.opened).toBe(0);
    t.close();
  });

  const openssl = spawnSync('openssl', ['version']).status === 0;

  /** A self-signed certificate for 127.0.0.1 and localhost (Node's crypto makes keys, not certificates: the openssl CLI does). */
  function selfSigned(dir: string): { key: string; cert: string; certFile: string } {
    const keyFile = join(dir, 'key.pem');
    const certFile = join(dir, 'cert.pem');
    const args = ['req', '-x509', '-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:P-256', '-nodes', '-days', '1', '-subj', '/CN=localhost'];
    const made = spawnSync('openssl', [...args, '-addext', 'subjectAltName=IP:127.0.0.1,DNS:localhost', '-keyout', keyFile, '-out', certFile], { encoding: 'utf8' });
    if (made.status !== 0) throw new Error(`openssl: ${made.stderr}`);
    return { key: readFileSync(keyFile, 'utf8'), cert: readFileSync(certFile, 'utf8'), certFile };
  }

  it.skipIf(!openssl)('HTTPS: refuses an untrusted certificate as not sent (UNAVAILABLE), and reuses the connection once trusted', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'eddy-https-'));
    closers.push(async () => rmSync(dir, { recursive: true, force: true }));
    const { key, cert, certFile } = selfSigned(dir);
    const server = await countingServer((h) => createHttpsServer({ key, cert }, h));
    const endpoint = `https://127.0.0.1:${server.port}`;

    const err = await new HttpTransport({ endpoint }).request(produce, { timeoutMs: 2000 }).catch((e: unknown) => e);
    expect(err).toMatchObject({ code: 'UNAVAILABLE', message: expect.stringContaining('DEPTH_ZERO_SELF_SIGNED_CERT') });

    // Trust is process-wide (NODE_EXTRA_CA_CERTS is read at start-up), so the trusted client runs in a child process.
    const script = `
      import { HttpTransport } from ${JSON.stringify(new URL('../../src/transport/http.ts', import.meta.url).pathname)};
      const t = new HttpTransport({ endpoint: ${JSON.stringify(endpoint)} });
      const answers = [];
      for (let i = 0; i < 3; i++) answers.push(await t.request(${JSON.stringify(produce)}, { timeoutMs: 5000 }));
      t.close();
      console.log(JSON.stringify(answers));`;
    // Asynchronously: the server answers from this process.
    const child = await promisify(execFile)(process.execPath, ['--import', 'tsx', '--input-type=module', '-e', script], { encoding: 'utf8', env: { ...process.env, NODE_EXTRA_CA_CERTS: certFile }, timeout: 30_000 });
    expect(child.stderr).toBe('');
    expect(JSON.parse(child.stdout)).toEqual(Array(3).fill({ status: 200, body: { method: 'POST', url: '/v1/topics/t/records' } }));
    expect(server.opened).toBe(1); // one TLS session for the three requests (the refused handshake never completed)
  });
});
