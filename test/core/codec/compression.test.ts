import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { COMPRESSION_CODECS, compress, compressionId, decompress, type CompressionCodec } from '../../../core/codec/compression.js';
import { EddyError } from '../../../core/errors.js';
import { compressed, NOISE, TEXT } from './fixtures/compression-fixtures.js';

const hex = (b: Uint8Array): string => Buffer.from(b).toString('hex');
const MB = 1 << 20;

function failureOf(fn: () => unknown): string {
  try {
    fn();
  } catch (err) {
    return err instanceof EddyError ? `${err.code}: ${err.message}` : `Error: ${(err as Error).message}`;
  }
  throw new Error('expected a failure, nothing was thrown');
}

describe('compression codecs', () => {
  it('number codecs as Kafka does (attribute bits 0-2)', () => {
    expect(COMPRESSION_CODECS.map(compressionId)).toEqual([0, 1, 2, 3, 4]);
    expect(COMPRESSION_CODECS).toEqual(['none', 'gzip', 'snappy', 'lz4', 'zstd']);
    expect(failureOf(() => compressionId('brotli' as CompressionCodec))).toMatch(/^INVALID_REQUEST: unknown compression codec "brotli"/);
  });

  it.each(COMPRESSION_CODECS)('%s: any bytes round-trip', (codec) => {
    fc.assert(
      fc.property(fc.oneof(fc.uint8Array({ maxLength: 3000 }), fc.uint8Array({ maxLength: 200 }).map((b) => new Uint8Array(Buffer.concat(Array(50).fill(b))))), (bytes) => {
        expect(hex(decompress(codec, compress(codec, bytes), MB))).toBe(hex(bytes));
      }),
      { numRuns: 60 },
    );
  });

  it.each(COMPRESSION_CODECS)('%s: 70 KB of text and incompressible noise round-trip', (codec) => {
    for (const data of [TEXT, NOISE, new Uint8Array(300 * 1024)]) {
      expect(hex(decompress(codec, compress(codec, data), MB))).toBe(hex(data));
    }
  });
});

describe('lz4 frames', () => {
  it.each(['lz4Linked', 'lz4Independent', 'lz4Large'] as const)('decodes liblz4 %s', (name) => {
    expect(hex(decompress('lz4', compressed(name), MB))).toBe(hex(TEXT));
  });

  it('decodes a block liblz4 stored uncompressed', () => {
    expect(hex(decompress('lz4', compressed('lz4Stored'), MB))).toBe(hex(NOISE));
  });

  it('writes independent 64 KiB blocks with a valid header checksum, as Kafka clients expect', () => {
    const frame = compress('lz4', TEXT);
    expect(hex(frame.subarray(0, 7))).toBe('04224d18604082');
    // Two blocks: each decodes alone (independence), and the frame ends with the 0 end mark.
    expect(hex(frame.subarray(frame.length - 4))).toBe('00000000');
  });

  it('refuses bad frames by name, and output beyond the bound', () => {
    const good = compressed('lz4Independent');
    const badMagic = good.slice();
    badMagic[0] = 0;
    expect(failureOf(() => decompress('lz4', badMagic, MB))).toBe('Error: lz4: bad frame magic');
    const dict = good.slice();
    dict[4]! |= 1;
    expect(failureOf(() => decompress('lz4', dict, MB))).toBe('Error: lz4: dictionaries are not supported');
    expect(failureOf(() => decompress('lz4', good.subarray(0, 30), MB))).toMatch(/^Error: lz4: (block overruns|truncated)/);
    expect(failureOf(() => decompress('lz4', good, 1000))).toMatch(/^MESSAGE_TOO_LARGE: lz4 batch decompresses to more than 1000 bytes/);
    expect(failureOf(() => decompress('lz4', new Uint8Array(0), MB))).toBe('Error: lz4: no frame');
  });

  it('stops a block that claims more than its frame allows before copying it', () => {
    // One literal 'a', then a match of offset 1 whose length is extended by 1000 bytes of 255
    // (about 255 KB, above the frame's 64 KiB blocks).
    const block = [0x1f, 0x61, 0x01, 0x00, ...Array(1000).fill(0xff), 0x00];
    const size = [block.length & 0xff, block.length >> 8, 0, 0];
    const frame = new Uint8Array([0x04, 0x22, 0x4d, 0x18, 0x60, 0x40, 0x82, ...size, ...block, 0, 0, 0, 0]);
    expect(failureOf(() => decompress('lz4', frame, MB))).toBe('Error: lz4: block expands beyond its maximum size');
    const before = new Uint8Array([0x04, 0x22, 0x4d, 0x18, 0x60, 0x40, 0x82, 4, 0, 0, 0, 0x10, 0x61, 0x05, 0x00, 0, 0, 0, 0]);
    expect(failureOf(() => decompress('lz4', before, MB))).toBe('Error: lz4: match offset 5 reaches before the output');
  });
});

describe('snappy', () => {
  it("decodes the Java client's xerial framing with several blocks", () => {
    expect(hex(decompress('snappy', compressed('snappyXerialBlocks'), MB))).toBe(hex(TEXT));
  });

  it('refuses a xerial block that overruns its input', () => {
    const bytes = compressed('snappyXerialBlocks').slice();
    new DataView(bytes.buffer).setInt32(16, 0x7ffffff0);
    expect(failureOf(() => decompress('snappy', bytes, MB))).toMatch(/^Error: snappy \(xerial\): block of 2147483632 bytes overruns its input/);
  });

  it('refuses more output than allowed before decoding it', () => {
    expect(failureOf(() => decompress('snappy', compress('snappy', TEXT), 1000))).toMatch(/^MESSAGE_TOO_LARGE: snappy/);
    expect(failureOf(() => decompress('snappy', compressed('snappyXerialBlocks'), 40_000))).toMatch(/^MESSAGE_TOO_LARGE: snappy/);
  });
});

describe('zstd frames', () => {
  it('decodes several frames and skips skippable ones', () => {
    const skippable = new Uint8Array([0x50, 0x2a, 0x4d, 0x18, 3, 0, 0, 0, 9, 9, 9]);
    const bytes = new Uint8Array(Buffer.concat([compress('zstd', TEXT), skippable, compress('zstd', NOISE)]));
    expect(hex(decompress('zstd', bytes, MB))).toBe(hex(new Uint8Array(Buffer.concat([TEXT, NOISE]))));
  });

  it('refuses a frame whose declared content size or window is above the bound, before allocating it', () => {
    const frame = compress('zstd', TEXT);
    expect(failureOf(() => decompress('zstd', frame, 1000))).toMatch(/^MESSAGE_TOO_LARGE: zstd batch decompresses to more than 1000 bytes/);
    // A streaming frame (no content size) that claims a 2 GiB window.
    const huge = new Uint8Array([0x28, 0xb5, 0x2f, 0xfd, 0x00, (31 - 10) << 3, 0x01, 0x00, 0x00]);
    expect(failureOf(() => decompress('zstd', huge, MB))).toMatch(/^Error: zstd: window of 2147483648 bytes is larger than allowed/);
  });

  it('refuses truncated and reserved frames by name', () => {
    const frame = compress('zstd', TEXT);
    expect(failureOf(() => decompress('zstd', frame.subarray(0, frame.length - 10), MB))).toMatch(/^Error: zstd: (block overruns|truncated)/);
    const reserved = frame.slice();
    reserved[4]! |= 0x08;
    expect(failureOf(() => decompress('zstd', reserved, MB))).toBe('Error: zstd: reserved frame header bit set');
  });
});

describe('gzip', () => {
  it('stops at the bound', () => {
    expect(failureOf(() => decompress('gzip', compress('gzip', new Uint8Array(MB)), 4096))).toMatch(/^MESSAGE_TOO_LARGE: gzip/);
    expect(failureOf(() => decompress('gzip', new Uint8Array([1, 2, 3]), MB))).toMatch(/^Error: /);
  });
});
