/** The S3 {@link ObjectStore}. */
import { DeleteObjectsCommand, GetObjectCommand, ListObjectsV2Command, PutObjectCommand, type S3Client } from '@aws-sdk/client-s3';
import { EddyError } from '../../errors.js';
import type { ObjectStore, ObjectSummary } from '../../ports.js';
import { translateAwsError } from './errors.js';

/** Record batches in one S3 bucket. */
export class S3ObjectStore implements ObjectStore {
  constructor(
    private readonly s3: S3Client,
    private readonly bucket: string,
  ) {}

  async put(key: string, bytes: Uint8Array): Promise<void> {
    try {
      await this.s3.send(new PutObjectCommand({ Bucket: this.bucket, Key: key, Body: bytes, ContentLength: bytes.length, ContentType: 'application/octet-stream' }));
    } catch (err) {
      throw translateAwsError(err, 'write', `s3 put ${key}`);
    }
  }

  private async read(key: string, range: string | undefined, expected: number | undefined): Promise<Uint8Array> {
    let bytes: Uint8Array;
    try {
      const out = await this.s3.send(new GetObjectCommand({ Bucket: this.bucket, Key: key, ...(range ? { Range: range } : {}) }));
      if (!out.Body) throw new EddyError('DATA_CORRUPT', `stored data is missing: s3 object ${key} has no body`);
      bytes = await out.Body.transformToByteArray();
    } catch (err) {
      throw translateAwsError(err, 'read', `s3 get ${key}`);
    }
    if (expected !== undefined && bytes.length !== expected) {
      throw new EddyError('DATA_CORRUPT', `stored data is corrupt: s3 object ${key} returned ${bytes.length} bytes for a ${expected}-byte range`);
    }
    return bytes;
  }

  getRange(key: string, position: number, length: number): Promise<Uint8Array> {
    return this.read(key, `bytes=${position}-${position + length - 1}`, length);
  }

  get(key: string): Promise<Uint8Array> {
    return this.read(key, undefined, undefined);
  }

  async delete(keys: readonly string[]): Promise<void> {
    for (let i = 0; i < keys.length; i += 1000) {
      const batch = keys.slice(i, i + 1000);
      try {
        const out = await this.s3.send(
          new DeleteObjectsCommand({ Bucket: this.bucket, Delete: { Objects: batch.map((Key) => ({ Key })), Quiet: true } }),
        );
        if (out.Errors && out.Errors.length > 0) {
          throw new EddyError('UNAVAILABLE', `s3 delete failed for ${out.Errors.length} objects: ${out.Errors[0]?.Code ?? ''} ${out.Errors[0]?.Message ?? ''}`);
        }
      } catch (err) {
        throw translateAwsError(err, 'write', `s3 delete ${batch.length} objects`);
      }
    }
  }

  async *list(prefix: string): AsyncIterable<ObjectSummary> {
    let token: string | undefined;
    do {
      let out;
      try {
        out = await this.s3.send(new ListObjectsV2Command({ Bucket: this.bucket, Prefix: prefix, ...(token ? { ContinuationToken: token } : {}) }));
      } catch (err) {
        throw translateAwsError(err, 'read', `s3 list ${prefix}`);
      }
      for (const o of out.Contents ?? []) {
        if (o.Key) yield { key: o.Key, size: o.Size ?? 0, lastModified: o.LastModified?.getTime() ?? 0 };
      }
      token = out.IsTruncated ? out.NextContinuationToken : undefined;
    } while (token);
  }
}
