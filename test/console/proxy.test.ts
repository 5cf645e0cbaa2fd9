/**
 * `eddy console --endpoint`: the CLI serves the console and passes its API
 * calls on, SigV4-signed with the user's credentials. A recording
 * pass-through sits between the CLI and a local host (which ignores auth),
 * so the test sees exactly what would reach API Gateway and can check the
 * signature against its own computation.
 */
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { Sha256 } from '@aws-crypto/sha256-js';
import { SignatureV4 } from '@smithy/signature-v4';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { runCli, startCli, type RunningCli } from '../cli/helpers.js';
import { call, testHost } from '../helpers/host.js';
import { launchChromium } from './helpers.js';

type Host = Awaited<ReturnType<typeof testHost>>;

interface Seen {
  method: string;
  url: string;
  headers: Record<string, string>;
  body: string;
}

const CREDENTIALS = { accessKeyId: 'AKIDCONSOLETEST00001', secretAccessKey: 'console-test-secret-key' };
const REGION = 'eu-west-1';

let host: Host;
let recorder: Server;
let recorderUrl: string;
const seen: Seen[] = [];
let cli: RunningCli;
let consoleUrl: string;

beforeAll(async () => {
  host = await testHost();
  // Records each request, then forwards it to the local host unchanged.
  recorder = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      const body = Buffer.concat(chunks).toString('utf8');
      const headers = Object.fromEntries(Object.entries(req.headers).map(([k, v]) => [k, Array.isArray(v) ? v.join(',') : (v ?? '')]));
      seen.push({ method: req.method!, url: req.url!, headers, body });
      fetch(host.url + req.url, { method: req.method!, headers: { 'content-type': headers['content-type'] ?? 'application/json' }, ...(body ? { body } : {}) })
        .then(async (r) => {
          const text = await r.text();
          res.writeHead(r.status, { 'content-type': r.headers.get('content-type') ?? 'application/json' }).end(text);
        })
        .catch((err: unknown) => res.writeHead(500).end(String(err)));
    });
  });
  await new Promise<void>((resolve) => recorder.listen(0, '127.0.0.1', () => resolve()));
  recorderUrl = `http://127.0.0.1:${(recorder.address() as AddressInfo).port}`;

  cli = startCli(['console', '--endpoint', recorderUrl, '--port', '0', '--signing', 'always', '--region', REGION], {
    env: { AWS_ACCESS_KEY_ID: CREDENTIALS.accessKeyId, AWS_SECRET_ACCESS_KEY: CREDENTIALS.secretAccessKey, AWS_SESSION_TOKEN: '', AWS_PROFILE: '', AWS_CONFIG_FILE: '/nonexistent', AWS_SHARED_CREDENTIALS_FILE: '/nonexistent' },
  });
  await cli.waitFor(/Eddy console: (http:\/\/127\.0\.0\.1:\d+)\/console\//, 'stderr', 60_000);
  consoleUrl = /Eddy console: (http:\/\/127\.0\.0\.1:\d+)\/console\//.exec(cli.stderr())![1]!;
}, 120_000);

afterAll(async () => {
  if (cli && cli.child.exitCode === null) cli.child.kill('SIGKILL');
  await new Promise<void>((resolve) => (recorder ? recorder.close(() => resolve()) : resolve()));
  await host?.cleanup();
});

/** Signs the recorded request again with the same credentials and time; equal Authorization means the CLI signed it correctly. */
async function expectValidSignature(s: Seen): Promise<void> {
  const auth = s.headers.authorization!;
  expect(auth).toMatch(new RegExp(`^AWS4-HMAC-SHA256 Credential=${CREDENTIALS.accessKeyId}/\\d{8}/${REGION}/execute-api/aws4_request, SignedHeaders=[a-z0-9;-]+, Signature=[0-9a-f]{64}$`));
  const signedHeaders = /SignedHeaders=([^,]+)/.exec(auth)![1]!.split(';');
  expect(signedHeaders).toContain('host');
  const url = new URL(s.url, recorderUrl);
  const amzDate = s.headers['x-amz-date']!;
  const signingDate = new Date(`${amzDate.slice(0, 4)}-${amzDate.slice(4, 6)}-${amzDate.slice(6, 8)}T${amzDate.slice(9, 11)}:${amzDate.slice(11, 13)}:${amzDate.slice(13, 15)}Z`);
  const signer = new SignatureV4({ service: 'execute-api', region: REGION, credentials: CREDENTIALS, sha256: Sha256 });
  const again = await signer.sign(
    {
      method: s.method,
      protocol: 'http:',
      hostname: url.hostname,
      port: Number(url.port),
      path: url.pathname,
      query: Object.fromEntries(url.searchParams),
      headers: Object.fromEntries(signedHeaders.filter((h) => h !== 'x-amz-date').map((h) => [h, s.headers[h]!])),
      ...(s.body ? { body: s.body } : {}),
    },
    { signingDate },
  );
  expect(again.headers.authorization).toBe(auth);
}

describe('eddy console --endpoint', { timeout: 60_000 }, () => {
  it('serves the console itself, without calling the API', async () => {
    const before = seen.length;
    const page = await fetch(`${consoleUrl}/console/`);
    expect(page.status).toBe(200);
    expect(await page.text()).toContain('app.js');
    expect((await fetch(`${consoleUrl}/console/app.css`)).status).toBe(200);
    expect(seen.length).toBe(before);
  });

  it('passes API calls on, SigV4-signed, and answers with what the API answered', async () => {
    const created = await call(consoleUrl, 'POST', '/v1/topics', { name: 'via-proxy', partitions: 2 });
    expect(created.status).toBe(201);
    expect(created.body).toMatchObject({ name: 'via-proxy', partitions: 2 });
    expect((await call(host.url, 'GET', '/v1/topics/via-proxy')).status).toBe(200);

    const post = seen.find((s) => s.method === 'POST' && s.url === '/v1/topics')!;
    expect(JSON.parse(post.body)).toEqual({ name: 'via-proxy', partitions: 2 });
    await expectValidSignature(post);

    const produced = await call(consoleUrl, 'POST', '/v1/topics/via-proxy/records', { encoding: 'utf8', records: [{ key: 'k', value: '{"a":1}', partition: 1 }] });
    expect(produced.body).toEqual({ results: [{ partition: 1, offset: 0 }] });
    const read = await call(consoleUrl, 'GET', '/v1/topics/via-proxy/partitions/1/records?offset=0&encoding=utf8');
    expect(read.body.records).toMatchObject([{ offset: 0, key: 'k', value: '{"a":1}' }]);
    const get = seen.find((s) => s.method === 'GET' && s.url.startsWith('/v1/topics/via-proxy/partitions/1/records?'))!;
    expect(new URL(get.url, recorderUrl).searchParams.get('encoding')).toBe('utf8');
    await expectValidSignature(get);

    // An API error comes back as the API said it.
    const missing = await call(consoleUrl, 'GET', '/v1/topics/no-such-topic');
    expect(missing).toMatchObject({ status: 404, body: (await call(host.url, 'GET', '/v1/topics/no-such-topic')).body });
    const deleted = await call(consoleUrl, 'DELETE', '/v1/topics/via-proxy');
    expect(deleted.status).toBe(204);
    await expectValidSignature(seen.find((s) => s.method === 'DELETE')!);
  });

  it('refuses requests from other web pages and for other host names, signing nothing', async () => {
    const before = seen.length;
    const foreign = await call(consoleUrl, 'POST', '/v1/topics', { name: 'evil', partitions: 1 }, { origin: 'https://evil.example' });
    expect(foreign.status).toBe(403);
    expect(foreign.body.error.message).toContain('https://evil.example');
    const form = await call(consoleUrl, 'POST', '/v1/topics', 'name=evil', { 'content-type': 'application/x-www-form-urlencoded' });
    expect(form.status).toBe(415);
    expect(seen.length).toBe(before);
    expect((await call(host.url, 'GET', '/v1/topics/evil')).status).toBe(404);
  });

  it('runs the console in a browser through the proxy', async () => {
    await call(host.url, 'POST', '/v1/topics', { name: 'seen-through-proxy', partitions: 4 });
    const browser = await launchChromium();
    try {
      const page = await browser.newPage({ viewport: { width: 1280, height: 800 } });
      await page.goto(`${consoleUrl}/`);
      await page.locator('tr[data-topic="seen-through-proxy"]').waitFor({ timeout: 15_000 });
      expect(await page.locator('tr[data-topic="seen-through-proxy"]').innerText()).toContain('4');
      // The browser's own requests carried no credentials; the API got signed ones.
      const listed = seen.filter((s) => s.url === '/v1/topics' && s.method === 'GET');
      expect(listed.length).toBeGreaterThan(0);
      for (const s of listed) expect(s.headers.authorization).toMatch(/^AWS4-HMAC-SHA256 /);
    } finally {
      await browser.close();
    }
  });

  it('has --help with examples', async () => {
    const r = await runCli(['console', '--help']);
    expect(r.code).toBe(0);
    expect(r.stdout).toMatch(/^Usage: eddy console/);
    expect(r.stdout).toContain('Examples:');
    expect(r.stdout).toContain('--port <port>');
  });

  it('stops on SIGINT with exit code 0', async () => {
    cli.child.kill('SIGINT');
    const done = await cli.done;
    expect(done.code).toBe(0);
    await expect(fetch(`${consoleUrl}/console/`)).rejects.toThrow();
  });

  it('fails fast, naming the problem, when --signing always finds no credentials', async () => {
    const r = await runCli(['console', '--endpoint', recorderUrl, '--port', '0', '--signing', 'always'], {
      env: { AWS_ACCESS_KEY_ID: '', AWS_SECRET_ACCESS_KEY: '', AWS_PROFILE: 'eddy-console-test-no-such-profile', AWS_CONFIG_FILE: '/nonexistent', AWS_SHARED_CREDENTIALS_FILE: '/nonexistent', AWS_EC2_METADATA_DISABLED: 'true' },
    });
    expect(r.code).toBe(1);
    expect(r.stderr).toMatch(/no AWS credentials/);
  });
});
