/**
 * Issue 19 item 7: S3 addressing. Whatever tells the SDK to go somewhere
 * other than AWS's own S3 — an `EDDY_S3_ENDPOINT` override or the SDK's own
 * `AWS_ENDPOINT_URL` (which LocalStack injects into functions) — the client
 * must address the bucket in the path: emulators do not route per-bucket
 * subdomains. A real HTTP server records what arrives.
 */
import { GetObjectCommand, PutObjectCommand, S3ServiceException } from '@aws-sdk/client-s3';
import { createHash } from 'node:crypto';
import { createServer, type IncomingMessage, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { createAwsClients } from '../../../core/adapters/aws/index.js';

let server: Server;
let endpoint: string;
const seen: Array<{ host: string; url: string; headers: IncomingMessage['headers'] }> = [];

beforeAll(async () => {
  server = createServer((req, res) => {
    seen.push({ host: req.headers.host ?? '', url: req.url ?? '', headers: req.headers });
    req.resume();
    req.on('end', () => {
      res.writeHead(200, { etag: '"x"', 'content-length': '2' });
      res.end('ok');
    });
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  endpoint = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
});
afterAll(() => new Promise((r) => server.close(r)));

const saved = { AWS_ENDPOINT_URL: process.env.AWS_ENDPOINT_URL, AWS_ENDPOINT_URL_S3: process.env.AWS_ENDPOINT_URL_S3 };
afterEach(() => {
  seen.length = 0;
  for (const [k, v] of Object.entries(saved)) {
    if (v === undefined) delete process.env[k];
    else process.env[k] = v;
  }
});

const creds = { region: 'us-east-1', credentials: { accessKeyId: 'k', secretAccessKey: 's' } };

async function putAndGet(settings: { s3Endpoint?: string }): Promise<void> {
  const { s3, dynamodb } = createAwsClients(settings, creds);
  try {
    await s3.send(new PutObjectCommand({ Bucket: 'eddy-data', Key: 'ingest/a', Body: new Uint8Array([1, 2, 3]) }));
    await s3.send(new GetObjectCommand({ Bucket: 'eddy-data', Key: 'ingest/a' })).catch((e: unknown) => {
      if (!(e instanceof S3ServiceException)) throw e;
    });
  } finally {
    s3.destroy();
    dynamodb.destroy();
  }
}

describe('S3 client addressing', () => {
  it('uses path-style with an EDDY_S3_ENDPOINT override', async () => {
    await putAndGet({ s3Endpoint: endpoint });
    expect(seen.map((r) => r.url.split('?')[0])).toEqual(['/eddy-data/ingest/a', '/eddy-data/ingest/a']);
    expect(seen[0]!.host).toBe(new URL(endpoint).host);
  });

  it('uses path-style, with checksums only when required, when the SDK is pointed elsewhere by AWS_ENDPOINT_URL', async () => {
    process.env.AWS_ENDPOINT_URL = endpoint;
    await putAndGet({});
    expect(seen.map((r) => r.url.split('?')[0])).toEqual(['/eddy-data/ingest/a', '/eddy-data/ingest/a']);
    expect(seen[0]!.host).toBe(new URL(endpoint).host);
    expect(Object.keys(seen[0]!.headers).filter((h) => h.startsWith('x-amz-checksum-'))).toEqual([]);
  });

  it('also follows AWS_ENDPOINT_URL_S3', async () => {
    process.env.AWS_ENDPOINT_URL_S3 = endpoint;
    await putAndGet({});
    expect(seen[0]!.url.split('?')[0]).toBe('/eddy-data/ingest/a');
  });
});

describe('unsigned S3 payloads (the local host\'s stand-ins only)', () => {
  it('signs PUT bodies as UNSIGNED-PAYLOAD with unsignedPayload, with their SHA-256 otherwise', async () => {
    const body = new Uint8Array([1, 2, 3]);
    for (const unsignedPayload of [true, false]) {
      const { s3, dynamodb } = createAwsClients({ s3Endpoint: endpoint }, { ...creds, unsignedPayload });
      await s3.send(new PutObjectCommand({ Bucket: 'eddy-data', Key: 'ingest/a', Body: body }));
      s3.destroy();
      dynamodb.destroy();
    }
    expect(seen.map((r) => r.headers['x-amz-content-sha256'])).toEqual(['UNSIGNED-PAYLOAD', createHash('sha256').update(body).digest('hex')]);
    expect(seen[0]!.headers.authorization).toMatch(/SignedHeaders=[^,]*x-amz-content-sha256/);
  });

  it('is refused without an emulator endpoint (the AWS path)', () => {
    expect(() => createAwsClients({}, { ...creds, unsignedPayload: true })).toThrow(/emulator/);
  });
});
