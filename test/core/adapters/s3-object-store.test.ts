/**
 * How the S3 object store reads a GET's body (core/adapters/aws/object-store.ts).
 * A real HTTP server plays S3, so the SDK's own HTTP handler and stream are
 * what the store reads: bodies in many small chunks come back whole, a body
 * cut short is a retryable error, and a range of the wrong length is corrupt.
 */
import { randomBytes } from 'node:crypto';
import { createServer, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createAwsClients } from '../../../core/adapters/aws/index.js';
import { S3ObjectStore } from '../../../core/adapters/aws/object-store.js';
import { EddyError } from '../../../core/errors.js';

const object = randomBytes(3 * 1024 * 1024 + 123);
let server: Server;
let behaviour: (res: ServerResponse, range: string | undefined) => void;
let store: S3ObjectStore;
let close: () => void;

/** Writes `bytes` in 16 KiB pieces, a tick apart, so the client sees many chunks. */
function dribble(res: ServerResponse, bytes: Buffer, stopAt = bytes.length): void {
  let at = 0;
  const next = (): void => {
    if (at >= stopAt) {
      if (stopAt < bytes.length) res.socket?.destroy();
      else res.end();
      return;
    }
    const end = Math.min(stopAt, at + 16 * 1024);
    res.write(bytes.subarray(at, end));
    at = end;
    setImmediate(next);
  };
  next();
}

beforeAll(async () => {
  server = createServer((req, res) => {
    req.resume();
    req.on('end', () => behaviour(res, req.headers.range));
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  const { s3, dynamodb } = createAwsClients({ s3Endpoint: `http://127.0.0.1:${(server.address() as AddressInfo).port}` }, { region: 'us-east-1', credentials: { accessKeyId: 'k', secretAccessKey: 's' }, requestTimeoutMs: 5_000 });
  store = new S3ObjectStore(s3, 'eddy-data');
  close = () => {
    s3.destroy();
    dynamodb.destroy();
  };
});
afterAll(async () => {
  close();
  await new Promise((r) => server.close(r));
});

describe('S3 GET bodies', () => {
  it('a whole object and a range arrive intact from many small chunks', async () => {
    behaviour = (res, range) => {
      const m = /^bytes=(\d+)-(\d+)$/.exec(range ?? '');
      const bytes = m ? object.subarray(Number(m[1]), Number(m[2]) + 1) : object;
      res.writeHead(m ? 206 : 200, { 'content-length': String(bytes.length), 'content-type': 'application/octet-stream' });
      dribble(res, bytes);
    };
    expect(Buffer.from(await store.get('k')).equals(object)).toBe(true);
    expect(Buffer.from(await store.getRange('k', 1000, 2_000_000)).equals(object.subarray(1000, 2_001_000))).toBe(true);
  });

  it('a body cut short is a retryable error, never short bytes', async () => {
    behaviour = (res) => {
      res.writeHead(200, { 'content-length': String(object.length) });
      dribble(res, object, 1024 * 1024);
    };
    const err = await store.get('k').then(
      () => undefined,
      (e: unknown) => e,
    );
    expect(err).toBeInstanceOf(EddyError);
    expect((err as EddyError).retryable).toBe(true);
  });

  it('a range answered with the wrong length is corrupt data', async () => {
    behaviour = (res) => {
      res.writeHead(206, { 'content-length': '10' });
      res.end(object.subarray(0, 10));
    };
    await expect(store.getRange('k', 0, 20)).rejects.toMatchObject({ code: 'DATA_CORRUPT' });
  });
});
