import { execFileSync } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { COMPRESSION_CODECS } from '../../../core/codec/compression.js';
import { encodeBatch, withBaseOffset } from '../../../core/codec/record-batch.js';

// kafka-python and the compression libraries it uses come from Debian (see .ci/run):
//   apt-get install -y python3-kafka python3-snappy python3-lz4 python3-zstandard
const PYTHON = '/usr/bin/python3';
const READER = fileURLToPath(new URL('./fixtures/read-with-kafka-python.py', import.meta.url));

const text = (s: string): Uint8Array => new TextEncoder().encode(s);
const hex = (b: Uint8Array | null): string | null => (b === null ? null : Buffer.from(b).toString('hex'));

describe('kafka-python reads the batches Eddy writes', () => {
  it('every codec: CRC, offsets, timestamps, null keys, tombstones and null header values', () => {
    // Compressible values, so that every codec really compresses (and the test really
    // decompresses); about 130 KB, so lz4 writes several independent 64 KiB blocks.
    const records = Array.from({ length: 300 }, (_, i) => ({
      timestamp: 1_700_000_000_000 + ((i * 7) % 13),
      key: i % 5 === 0 ? null : text(`key-${i % 3}`),
      value: i % 7 === 3 ? null : text(`value ${i} `.repeat(1 + (i % 80))),
      headers: i % 4 === 0 ? [['trace', text(`t${i}`)] as const, ['nothing', null] as const] : [],
    }));
    const batches = COMPRESSION_CODECS.map((compression) => encodeBatch({ records, compression, producerId: 12n, producerEpoch: 0, baseSequence: 0 }));
    const served = withBaseOffset(new Uint8Array(Buffer.concat(batches)), 1000);
    const out = JSON.parse(execFileSync(PYTHON, [READER], { input: Buffer.from(served).toString('hex'), encoding: 'utf8', maxBuffer: 64 << 20 })) as Array<{
      codec: number;
      baseOffset: number;
      producerId: number;
      records: Array<{ offset: number; timestamp: number; key: string | null; value: string | null; headers: Array<[string, string | null]> }>;
    }>;
    expect(out.map((b) => b.codec)).toEqual([0, 1, 2, 3, 4]);
    expect(out.map((b) => b.baseOffset)).toEqual([1000, 1300, 1600, 1900, 2200]);
    const expected = records.map((r, i) => ({
      offset: i,
      timestamp: r.timestamp,
      key: hex(r.key),
      value: hex(r.value),
      headers: r.headers.map(([k, v]) => [k, hex(v)]),
    }));
    out.forEach((batch, b) => {
      expect(batch.producerId).toBe(12);
      expect(batch.records).toEqual(expected.map((r) => ({ ...r, offset: r.offset + 1000 + b * 300 })));
    });
  });
});
