/**
 * The stand-ins in a worker thread of their own (issue 17: the local host
 * uses both cores): the host works through them as before, closes them on
 * `close()`, and says so when their thread dies instead of hanging.
 */
import { ListObjectsV2Command, PutObjectCommand } from '@aws-sdk/client-s3';
import { afterEach, describe, expect, it } from 'vitest';
import { call, testHost, unique, type TestHost } from '../helpers/host.js';

const hosts: TestHost[] = [];
afterEach(async () => {
  await Promise.all(hosts.splice(0).map((h) => h.cleanup()));
});

async function threadedHost(): Promise<TestHost> {
  const host = await testHost({ standinsThread: true });
  hosts.push(host);
  return host;
}

describe('stand-ins in a worker thread', () => {
  it('serve the host on loopback, list truncated S3 pages, and stop with close()', async () => {
    const host = await threadedHost();
    expect(host.standins.worker).toBeDefined();
    expect(host.standins.dynamodbEndpoint).toMatch(/^http:\/\/127\.0\.0\.1:\d+$/);
    expect(host.standins.s3Endpoint).toMatch(/^http:\/\/127\.0\.0\.1:\d+$/);
    const topic = unique('threaded');
    expect((await call(host.url, 'POST', '/v1/topics', { name: topic, partitions: 1 })).status).toBe(201);
    const produced = await call(host.url, 'POST', `/v1/topics/${topic}/records`, { encoding: 'utf8', records: [{ key: 'k', value: 'hello' }] });
    expect(produced.status).toBe(200);
    const fetched = await call(host.url, 'GET', `/v1/topics/${topic}/partitions/0/records?offset=0`);
    expect(fetched.body.records.map((r: { value: string }) => Buffer.from(r.value, 'base64').toString())).toEqual(['hello']);
    // s3rver needs the legacy OpenSSL provider for truncated ListObjectsV2 pages: the worker has it too.
    const s3 = host.standins.clients.s3;
    const bucket = host.standins.settings.bucket;
    for (const i of [1, 2, 3]) await s3.send(new PutObjectCommand({ Bucket: bucket, Key: `page/${i}`, Body: 'x' }));
    const page = await s3.send(new ListObjectsV2Command({ Bucket: bucket, Prefix: 'page/', MaxKeys: 2 }));
    expect(page.IsTruncated).toBe(true);
    const rest = await s3.send(new ListObjectsV2Command({ Bucket: bucket, Prefix: 'page/', MaxKeys: 2, ContinuationToken: page.NextContinuationToken! }));
    expect(rest.Contents?.map((o) => o.Key)).toEqual(['page/3']);

    const worker = host.standins.worker!;
    const exited = new Promise<number>((resolve) => worker.once('exit', resolve));
    await host.close();
    await exited;
    // A deliberate close is not a death.
    const died = await Promise.race([host.standins.died.then(() => 'died'), new Promise((resolve) => setTimeout(() => resolve('quiet'), 200))]);
    expect(died).toBe('quiet');
  });

  it('report their death, and the host still closes promptly', async () => {
    const host = await threadedHost();
    await host.standins.worker!.terminate();
    const err = await host.standins.died;
    expect(err.message).toMatch(/DynamoDB\/S3 stand-ins \(dynalite, s3rver\) stopped unexpectedly/);
    // Requests now fail at once (connection refused), they do not hang.
    const res = await call(host.url, 'GET', '/v1/topics');
    expect(res.status).toBeGreaterThanOrEqual(500);
    const t0 = Date.now();
    await host.close();
    expect(Date.now() - t0).toBeLessThan(10_000);
  });
});
