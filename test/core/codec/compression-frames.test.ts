/**
 * The compressed framings of core/codec/compression.ts at their edges, with
 * frames built byte by byte: every field a reader walks (lz4 frame flags and
 * block sizes, LZ4 sequences, xerial snappy blocks, Zstandard frame headers
 * and blocks), each bound on the output (`MESSAGE_TOO_LARGE` at one byte past
 * it, nothing at the bound itself), and each malformed frame refused by name
 * instead of decoding to garbage.
 */
import { createRequire, syncBuiltinESMExports } from 'node:module';
import { describe, expect, it } from 'vitest';
import { compress, decompress, type CompressionCodec } from '../../../core/codec/compression.js';
import { EddyError } from '../../../core/errors.js';

const hex = (b: Uint8Array): string => Buffer.from(b).toString('hex');
const text = (s: string): Uint8Array => new TextEncoder().encode(s);
const MB = 1 << 20;

function failureOf(fn: () => unknown): string {
  try {
    fn();
  } catch (err) {
    return err instanceof EddyError ? `${err.code}: ${err.message}` : `Error: ${(err as Error).message}`;
  }
  throw new Error('expected a failure, nothing was thrown');
}

const decoded = (codec: CompressionCodec, bytes: number[] | Uint8Array, maxBytes = MB): string => hex(decompress(codec, new Uint8Array(bytes), maxBytes));

describe('codec names', () => {
  it('refuses to compress or decompress with a codec that does not exist', () => {
    expect(failureOf(() => compress('brotli' as CompressionCodec, text('x')))).toBe('INVALID_REQUEST: unknown compression codec "brotli"');
    expect(failureOf(() => decompress('brotli' as CompressionCodec, text('x'), MB))).toBe('Error: unknown compression codec "brotli"');
  });
});

describe('none', () => {
  it('gives the bytes back up to the bound, and refuses one byte more', () => {
    const bytes = text('0123456789');
    expect(decompress('none', bytes, 10)).toBe(bytes);
    expect(compress('none', bytes)).toBe(bytes);
    expect(failureOf(() => decompress('none', bytes, 9))).toBe('MESSAGE_TOO_LARGE: none batch decompresses to more than 9 bytes');
  });
});

describe('gzip', () => {
  it('decompresses exactly up to the bound, and nothing with a bound of 0', () => {
    const data = text('a'.repeat(5000));
    const gz = compress('gzip', data);
    expect(hex(decompress('gzip', gz, 5000))).toBe(hex(data));
    expect(failureOf(() => decompress('gzip', gz, 4999))).toBe('MESSAGE_TOO_LARGE: gzip batch decompresses to more than 4999 bytes');
    expect(decompress('gzip', compress('gzip', new Uint8Array(0)), 0)).toHaveLength(0);
  });
});

describe('snappy', () => {
  // A raw Snappy block: varint uncompressed length, then elements (a literal of n bytes is tag (n-1) << 2).
  const raw = (s: string): number[] => [s.length, (s.length - 1) << 2, ...text(s)];
  // The xerial framing of the Java client: 16-byte header, then int32 length + raw block per block.
  const XERIAL = [0x82, 0x53, 0x4e, 0x41, 0x50, 0x50, 0x59, 0x00, 0, 0, 0, 1, 0, 0, 0, 1];
  const xerial = (...blocks: number[][]): number[] => [...XERIAL, ...blocks.flatMap((b) => [0, 0, (b.length >> 8) & 0xff, b.length & 0xff, ...b])];

  it('decodes raw blocks up to the declared length, and refuses one byte more than the bound', () => {
    const data = text('snappy '.repeat(400));
    const block = compress('snappy', data);
    // A 2-byte declared length (2800): both bytes count.
    expect(block[0]! & 0x80).toBe(0x80);
    expect(hex(decompress('snappy', block, data.length))).toBe(hex(data));
    expect(failureOf(() => decompress('snappy', block, data.length - 1))).toBe(`MESSAGE_TOO_LARGE: snappy batch decompresses to more than ${data.length - 1} bytes`);
    expect(decoded('snappy', raw('abc'))).toBe(hex(text('abc')));
  });

  it('refuses a block with no length, or a length of more than 5 varint bytes', () => {
    expect(failureOf(() => decompress('snappy', new Uint8Array(0), MB))).toBe('Error: snappy: bad uncompressed length');
    expect(failureOf(() => decompress('snappy', new Uint8Array([0x80, 0x80]), MB))).toBe('Error: snappy: bad uncompressed length');
    expect(failureOf(() => decompress('snappy', new Uint8Array([0x80, 0x80, 0x80, 0x80, 0x80, 0x01, 0, 0]), MB))).toBe('Error: snappy: bad uncompressed length');
  });

  it('refuses a block that declares more than Snappy can expand to, before allocating it', () => {
    // 3 bytes can never give 100 bytes (at most 22 per byte + 16).
    expect(failureOf(() => decompress('snappy', new Uint8Array([100, 0, 0x61]), MB))).toBe('Error: snappy: declares 100 bytes from 3');
    expect(failureOf(() => decompress('snappy', new Uint8Array([83, 0, 0x61]), MB))).toBe('Error: snappy: declares 83 bytes from 3');
  });

  it('decodes xerial framing of one block, of several, and of none', () => {
    expect(decoded('snappy', xerial(raw('hello')))).toBe(hex(text('hello')));
    expect(decoded('snappy', xerial(raw('hello '), raw('world')))).toBe(hex(text('hello world')));
    expect(decoded('snappy', xerial())).toBe('');
  });

  it('counts every xerial block against the bound', () => {
    const two = xerial(raw('hello '), raw('world'));
    expect(decoded('snappy', two, 11)).toBe(hex(text('hello world')));
    expect(failureOf(() => decompress('snappy', new Uint8Array(two), 10))).toBe('MESSAGE_TOO_LARGE: snappy batch decompresses to more than 4 bytes');
  });

  it('refuses xerial blocks whose length is cut, negative or past the input', () => {
    const one = xerial(raw('hello'));
    expect(failureOf(() => decompress('snappy', new Uint8Array([...one, 0, 0, 0]), MB))).toBe('Error: snappy (xerial): truncated block length');
    expect(failureOf(() => decompress('snappy', new Uint8Array([...XERIAL, 0xff, 0xff, 0xff, 0xfe, 1, 2]), MB))).toBe('Error: snappy (xerial): block of -2 bytes overruns its input');
    expect(failureOf(() => decompress('snappy', new Uint8Array([...XERIAL, 0, 0, 0, 3, 1, 2]), MB))).toBe('Error: snappy (xerial): block of 3 bytes overruns its input');
    // A length of 0 with nothing after it: an empty raw block, which has no length of its own.
    expect(failureOf(() => decompress('snappy', new Uint8Array([...one, 0, 0, 0, 0]), MB))).toBe('Error: snappy: bad uncompressed length');
    // Exactly as long as the input: decodes.
    expect(decoded('snappy', [...XERIAL, 0, 0, 0, 3, 1, 0, 0x61])).toBe(hex(text('a')));
  });

  it('reads bytes that only look like the start of the xerial magic as a raw block', () => {
    // 16 bytes whose first 7 are the magic but the 8th is not: a raw block (which then fails on its own terms).
    const almost = [...XERIAL.slice(0, 7), 0x01, ...XERIAL.slice(8)];
    expect(failureOf(() => decompress('snappy', new Uint8Array(almost), MB))).not.toMatch(/xerial/);
    // Shorter than the xerial header: raw, even if it starts like it.
    expect(failureOf(() => decompress('snappy', new Uint8Array(XERIAL.slice(0, 15)), MB))).not.toMatch(/xerial/);
  });
});

describe('lz4 frames', () => {
  const MAGIC = [0x04, 0x22, 0x4d, 0x18];
  const u32 = (n: number): number[] => [n & 0xff, (n >>> 8) & 0xff, (n >>> 16) & 0xff, (n >>> 24) & 0xff];
  /** A frame of blocks; the header checksum byte is not checked by the reader (the batch CRC covers the frame). */
  function frame(blocks: Array<{ data: number[]; stored?: boolean }>, opts: { flg?: number; bd?: number; contentSize?: number; blockChecksum?: boolean; contentChecksum?: boolean } = {}): number[] {
    let flg = opts.flg ?? 0x60;
    if (opts.contentSize !== undefined) flg |= 0x08;
    if (opts.blockChecksum) flg |= 0x10;
    if (opts.contentChecksum) flg |= 0x04;
    const out = [...MAGIC, flg, opts.bd ?? 0x40];
    if (opts.contentSize !== undefined) out.push(...u32(opts.contentSize), 0, 0, 0, 0);
    out.push(0xaa);
    for (const b of blocks) {
      out.push(...u32(b.data.length | (b.stored ? 0x80000000 : 0)), ...b.data);
      if (opts.blockChecksum) out.push(1, 2, 3, 4);
    }
    out.push(0, 0, 0, 0);
    if (opts.contentChecksum) out.push(5, 6, 7, 8);
    return out;
  }
  const lit = (s: string): number[] => [s.length << 4, ...text(s)];

  it('decodes literal, match and stored blocks, with and without content size and checksums', () => {
    // "ab", then a match of offset 2, length 6: "abababab".
    const match = [0x22, 0x61, 0x62, 0x02, 0x00];
    expect(decoded('lz4', frame([{ data: match }]))).toBe(hex(text('abababab')));
    expect(decoded('lz4', frame([{ data: lit('hi ') }, { data: [...text('there')], stored: true }]))).toBe(hex(text('hi there')));
    const all = { contentSize: 8, blockChecksum: true, contentChecksum: true };
    expect(decoded('lz4', frame([{ data: match }], all))).toBe(hex(text('abababab')));
    expect(decoded('lz4', frame([{ data: lit('x') }], { bd: 0x70 }))).toBe(hex(text('x')));
  });

  it('decodes a block of one empty sequence as nothing', () => {
    expect(decoded('lz4', frame([{ data: [0x00] }]))).toBe('');
    expect(decoded('lz4', frame([{ data: [0x00] }, { data: lit('z') }]))).toBe(hex(text('z')));
  });

  it('decodes concatenated frames one after the other', () => {
    const both = new Uint8Array([...compress('lz4', text('first ')), ...compress('lz4', text('second'))]);
    expect(decoded('lz4', both)).toBe(hex(text('first second')));
  });

  it('writes an empty input as a frame of no blocks, and reads it back as empty', () => {
    const empty = compress('lz4', new Uint8Array(0));
    expect(hex(empty)).toBe('04224d18604082' + '00000000');
    expect(decoded('lz4', empty)).toBe('');
  });

  it('writes a block that does not compress as stored (bit 31 of its size)', () => {
    const noise = new Uint8Array(300).map((_, i) => (i * 7919 + ((i * i) >> 3)) & 0xff);
    const f = compress('lz4', noise);
    expect(hex(f.subarray(7, 11))).toBe(hex(new Uint8Array(u32((0x80000000 | 300) >>> 0))));
    expect(f.length).toBe(7 + 4 + 300 + 4);
    expect(hex(decompress('lz4', f, 300))).toBe(hex(noise));
  });

  it('writes 64 KiB blocks, compressed when that is smaller', () => {
    const data = new Uint8Array(0x10000 + 10).fill(0x41);
    const f = compress('lz4', data);
    const first = f[7]! | (f[8]! << 8) | (f[9]! << 16) | (f[10]! << 24);
    expect(first).toBeGreaterThan(0);
    expect(first).toBeLessThan(1000);
    const at = 11 + first;
    const second = f[at]! | (f[at + 1]! << 8) | (f[at + 2]! << 16) | (f[at + 3]! << 24);
    expect(second >>> 0).toBe((0x80000000 | 10) >>> 0);
    expect(hex(decompress('lz4', f, data.length))).toBe(hex(data));
  });

  it('refuses frames with a cut header, a foreign version, an unknown block size or a cut block size', () => {
    expect(failureOf(() => decompress('lz4', new Uint8Array([...MAGIC, 0x60, 0x40]), MB))).toBe('Error: lz4: truncated frame header');
    expect(failureOf(() => decompress('lz4', new Uint8Array(frame([{ data: lit('x') }], { flg: 0xa0 })), MB))).toBe('Error: lz4: unsupported frame version 2');
    expect(failureOf(() => decompress('lz4', new Uint8Array(frame([{ data: lit('x') }], { flg: 0x20 })), MB))).toBe('Error: lz4: unsupported frame version 0');
    expect(failureOf(() => decompress('lz4', new Uint8Array(frame([{ data: lit('x') }], { bd: 0x30 })), MB))).toBe('Error: lz4: bad block maximum size 3');
    expect(failureOf(() => decompress('lz4', new Uint8Array(frame([{ data: lit('x') }], { bd: 0x80 })), MB))).toBe('Error: lz4: bad block maximum size 0');
    expect(failureOf(() => decompress('lz4', new Uint8Array([...MAGIC, 0x60, 0x40, 0xaa, 0, 0, 0]), MB))).toBe('Error: lz4: truncated block size');
    // Seven bytes exactly: a header, then no block size.
    expect(failureOf(() => decompress('lz4', new Uint8Array([...MAGIC, 0x60, 0x40, 0xaa]), MB))).toBe('Error: lz4: truncated block size');
  });

  it('refuses a block larger than its frame allows, one past its input, and a cut content checksum', () => {
    const big = frame([{ data: lit('x') }]);
    big.splice(7, 4, ...u32(0x10001));
    expect(failureOf(() => decompress('lz4', new Uint8Array(big), MB))).toBe("Error: lz4: block of 65537 bytes exceeds the frame's 65536");
    const withChecksum = frame([{ data: lit('x') }], { blockChecksum: true });
    expect(failureOf(() => decompress('lz4', new Uint8Array(withChecksum.slice(0, 7 + 4 + 2 + 3)), MB))).toBe('Error: lz4: block overruns its input');
    const checksummed = frame([{ data: lit('x') }], { contentChecksum: true });
    expect(failureOf(() => decompress('lz4', new Uint8Array(checksummed.slice(0, -1)), MB))).toBe('Error: lz4: truncated content checksum');
    expect(decoded('lz4', checksummed)).toBe(hex(text('x')));
    // A frame cut right after a whole block (and its checksum): the next block size is missing.
    expect(failureOf(() => decompress('lz4', new Uint8Array(withChecksum.slice(0, -4)), MB))).toBe('Error: lz4: truncated block size');
    // A stored block of exactly the frame's 64 KiB is allowed.
    const full = new Uint8Array(0x10000).map((_, i) => i & 0xff);
    expect(hex(decompress('lz4', new Uint8Array(frame([{ data: [...full], stored: true }])), MB))).toBe(hex(full));
  });

  it('decodes long literal runs and long matches (length bytes of 255 and beyond)', () => {
    const literals = 'L'.repeat(15 + 255 + 3);
    expect(decoded('lz4', frame([{ data: [0xf0, 255, 3, ...text(literals)] }]))).toBe(hex(text(literals)));
    const twenty = 'abcdefghijklmnopqrst';
    expect(decoded('lz4', frame([{ data: [0xf0, 5, ...text(twenty)] }]))).toBe(hex(text(twenty)));
    // 'a', then a run of offset 1 and length 15 + 255 + 10 + 4.
    expect(decoded('lz4', frame([{ data: [0x1f, 0x61, 1, 0, 255, 10] }]))).toBe(hex(text('a'.repeat(285))));
    // 40 distinct bytes, then a copy of all 40 (offset 40 = length: no overlap).
    const forty = Array.from({ length: 40 }, (_, i) => 0x30 + i);
    expect(decoded('lz4', frame([{ data: [0xff, 25, ...forty, 40, 0, 21] }]))).toBe(hex(new Uint8Array([...forty, ...forty])));
    // 36 distinct bytes, then a copy of length 36 from offset 36, then 1 literal.
    const thirtySix = forty.slice(0, 36);
    expect(decoded('lz4', frame([{ data: [0xff, 21, ...thirtySix, 36, 0, 17, 0x10, 0x7a] }]))).toBe(hex(new Uint8Array([...thirtySix, ...thirtySix, 0x7a])));
    // An overlapping copy longer than 32: 3 bytes then 40 of offset 3.
    expect(decoded('lz4', frame([{ data: [0x3f, 0x61, 0x62, 0x63, 3, 0, 21] }]))).toBe(hex(text('abc'.repeat(15).slice(0, 43))));
  });

  it('refuses sequences cut or pointing before the output', () => {
    const cases: Array<[number[], string]> = [
      [[0xf0], 'lz4: truncated literal length'],
      [[0xf0, 255], 'lz4: truncated literal length'],
      [[0x50, 0x61, 0x62], 'lz4: literals overrun the block'],
      [[0x10, 0x61, 0x01], 'lz4: truncated match offset'],
      [[0x10, 0x61, 0x00, 0x00], 'lz4: match offset 0 reaches before the output'],
      [[0x10, 0x61, 0x02, 0x00], 'lz4: match offset 2 reaches before the output'],
      [[0x1f, 0x61, 0x01, 0x00], 'lz4: truncated match length'],
      [[0x1f, 0x61, 0x01, 0x00, 255], 'lz4: truncated match length'],
    ];
    for (const [block, message] of cases) expect(failureOf(() => decompress('lz4', new Uint8Array(frame([{ data: block }])), MB)), message).toBe(`Error: ${message}`);
    // A match of offset 1 right after one literal reaches exactly the first byte: fine.
    expect(decoded('lz4', frame([{ data: [0x10, 0x61, 0x01, 0x00] }]))).toBe(hex(text('aaaaa')));
  });

  it('stops at the bound, whether a block is stored, literal or a match, and gives exactly the bound', () => {
    const stored = frame([{ data: [...text('0123456789')], stored: true }]);
    expect(decoded('lz4', stored, 10)).toBe(hex(text('0123456789')));
    expect(failureOf(() => decompress('lz4', new Uint8Array(stored), 9))).toBe('MESSAGE_TOO_LARGE: lz4 batch decompresses to more than 9 bytes');
    const literal = frame([{ data: lit('0123456789') }]);
    expect(decoded('lz4', literal, 10)).toBe(hex(text('0123456789')));
    expect(failureOf(() => decompress('lz4', new Uint8Array(literal), 9))).toBe('MESSAGE_TOO_LARGE: lz4 batch decompresses to more than 9 bytes');
    const run = frame([{ data: [0x16, 0x61, 0x01, 0x00] }]); // 'a' + 10 more
    expect(decoded('lz4', run, 11)).toBe(hex(text('a'.repeat(11))));
    expect(failureOf(() => decompress('lz4', new Uint8Array(run), 10))).toBe('MESSAGE_TOO_LARGE: lz4 batch decompresses to more than 10 bytes');
    // Two stored blocks: the second one passes the bound.
    const two = frame([{ data: [1, 2, 3], stored: true }, { data: [4, 5, 6], stored: true }]);
    expect(decoded('lz4', two, 6)).toBe('010203040506');
    expect(failureOf(() => decompress('lz4', new Uint8Array(two), 5))).toBe('MESSAGE_TOO_LARGE: lz4 batch decompresses to more than 5 bytes');
  });

  it('stops a block at its frame maximum even when the bound is far', () => {
    // A 64 KiB frame whose block expands to 64 KiB + 1: 'a' then a run of 65536.
    const n = 65536 - 4 - 15;
    const ext = [...Array(Math.floor(n / 255)).fill(255), n % 255];
    const block = [0x1f, 0x61, 1, 0, ...ext];
    expect(failureOf(() => decompress('lz4', new Uint8Array(frame([{ data: block }])), 10 * MB))).toBe('Error: lz4: block expands beyond its maximum size');
    // With a bound of exactly the frame's block size, it is still the block that is wrong, not the bound.
    expect(failureOf(() => decompress('lz4', new Uint8Array(frame([{ data: block }])), 65536))).toBe('Error: lz4: block expands beyond its maximum size');
    // Followed by a stored block that takes the frame past the bound: still the block's own error.
    const two = frame([{ data: block }, { data: Array(1000).fill(1), stored: true }]);
    expect(failureOf(() => decompress('lz4', new Uint8Array(two), 66_000))).toBe('Error: lz4: block expands beyond its maximum size');
    // One byte fewer: exactly 64 KiB.
    const fits = [0x1f, 0x61, 1, 0, ...ext.slice(0, -1), (n % 255) - 1];
    expect(decompress('lz4', new Uint8Array(frame([{ data: fits }])), 10 * MB)).toHaveLength(65536);
  });
});

describe('zstd frames', () => {
  const MAGIC = [0x28, 0xb5, 0x2f, 0xfd];
  /** A block header: last flag, type (0 raw, 1 RLE, 2 compressed, 3 reserved), size. */
  const block = (size: number, type: number, last: boolean): number[] => {
    const h = (last ? 1 : 0) | (type << 1) | (size * 8);
    return [h & 0xff, (h >>> 8) & 0xff, (h >>> 16) & 0xff];
  };
  const hello = [...block(5, 0, true), ...text('hello')];
  const rle300 = [...block(300, 1, true), 0x61];
  const a300 = hex(text('a'.repeat(300)));
  // 1080 bytes of text by the zstd CLI from stdin (`zstd --zstd=wlog=10`): no content size, a 1 KiB
  // window, two compressed blocks, a content checksum.
  const STREAM_1K =
    '28b52ffd0400440400a2440d11b025399003504b7c58a1b82929522f71309abb9ce62ea7b9cb69ee729abb9ce62ea7b9cb69ee7202180831442088440c42600c013920e0e784cc37b359e69bd92cf3cd6c96f96636cb7c339b65be99cd62be99cd32dfcc66996f66b3cc37b359e69bd92cf3cd6c96f9666696f96636cb7c339b65be99cd32dfcc66996f66b3d879959bc2650000203b31323304500100db3cdfd3b02dc4';
  const stream = (): Uint8Array => new Uint8Array(Buffer.from(STREAM_1K, 'hex'));
  const STREAM_TEXT = Array.from({ length: 60 }, (_, i) => `record ${i % 7} of eddy; `).join('');

  it('reads every size of the content size field, and dictionary id fields of 1, 2 and 4 bytes', () => {
    expect(decoded('zstd', [...MAGIC, 0x20, 5, ...hello])).toBe(hex(text('hello')));
    expect(decoded('zstd', [...MAGIC, 0x60, 300 - 256, 0, ...rle300])).toBe(a300);
    expect(decoded('zstd', [...MAGIC, 0xa0, 0x2c, 1, 0, 0, ...rle300])).toBe(a300);
    expect(decoded('zstd', [...MAGIC, 0xe0, 0x2c, 1, 0, 0, 0, 0, 0, 0, ...rle300])).toBe(a300);
    expect(decoded('zstd', [...MAGIC, 0x21, 0, 5, ...hello])).toBe(hex(text('hello')));
    expect(decoded('zstd', [...MAGIC, 0x22, 0, 0, 5, ...hello])).toBe(hex(text('hello')));
    expect(decoded('zstd', [...MAGIC, 0x23, 0, 0, 0, 0, 5, ...hello])).toBe(hex(text('hello')));
  });

  it('bounds a frame by its content size: the bound itself passes, one byte less is refused before decoding', () => {
    const fcs = [...MAGIC, 0x60, 300 - 256, 0, ...rle300];
    expect(decoded('zstd', fcs, 300)).toBe(a300);
    expect(failureOf(() => decompress('zstd', new Uint8Array(fcs), 299))).toBe('MESSAGE_TOO_LARGE: zstd batch decompresses to more than 299 bytes');
    const big = [...MAGIC, 0xe0, 0, 0, 0, 0, 1, 0, 0, 0, ...rle300]; // claims 2^32 bytes
    expect(failureOf(() => decompress('zstd', new Uint8Array(big), 100 * MB))).toBe('Error: zstd: window of 4294967296 bytes is larger than allowed');
  });

  it('bounds a frame without content size by its blocks: raw and RLE by their size, compressed by the window', () => {
    // Window descriptor 0: a 1 KiB window; a raw block of 3 and an RLE block of 300.
    const blocks = [...MAGIC, 0x00, 0x00, ...block(3, 0, false), 1, 2, 3, ...rle300];
    expect(decoded('zstd', blocks, 303)).toBe('010203' + a300);
    expect(failureOf(() => decompress('zstd', new Uint8Array(blocks), 302))).toBe('MESSAGE_TOO_LARGE: zstd batch decompresses to more than 302 bytes');
    // Two compressed blocks of a 1 KiB window may give 2 KiB: that is the bound, whatever they hold.
    expect(hex(decompress('zstd', stream(), 2048))).toBe(hex(text(STREAM_TEXT)));
    expect(failureOf(() => decompress('zstd', stream(), 2047))).toBe('MESSAGE_TOO_LARGE: zstd batch decompresses to more than 2047 bytes');
  });

  it('refuses a frame by the content size its header claims, before decoding what it holds', () => {
    // Each claims 1026 bytes (in a 1-, 2-, 4- or 8-byte field; 1 byte claims 200) but holds one RLE byte.
    const one = [...block(1, 1, true), 0x61];
    const claims: Array<[number[], number]> = [
      [[0x20, 200], 100],
      [[0x60, 0x02, 0x03], 1000],
      [[0xa0, 0x02, 0x04, 0, 0], 1000],
      [[0xe0, 0x02, 0x04, 0, 0, 0, 0, 0, 0], 1000],
    ];
    for (const [header, max] of claims) {
      expect(failureOf(() => decompress('zstd', new Uint8Array([...MAGIC, ...header, ...one]), max))).toBe(`MESSAGE_TOO_LARGE: zstd batch decompresses to more than ${max} bytes`);
    }
  });

  it('accepts windows up to 8 MiB whatever the bound, and refuses larger ones', () => {
    // A single-segment frame claiming exactly 8 MiB: its window is allowed, its size is not.
    const eight = [...MAGIC, 0xa0, 0, 0, 0x80, 0, ...rle300];
    expect(failureOf(() => decompress('zstd', new Uint8Array(eight), MB))).toBe(`MESSAGE_TOO_LARGE: zstd batch decompresses to more than ${MB} bytes`);
    // 9 MiB in an 8-byte content size field.
    expect(failureOf(() => decompress('zstd', new Uint8Array([...MAGIC, 0xe0, 0, 0, 0x90, 0, 0, 0, 0, 0, ...rle300]), MB))).toBe('Error: zstd: window of 9437184 bytes is larger than allowed');
    // Window descriptor (13 << 3): 2^23 = 8 MiB.
    expect(decoded('zstd', [...MAGIC, 0x00, 13 << 3, ...rle300], 1000)).toBe(a300);
    // 8 MiB + 1/8: too large for a 1 MiB bound, fine for a 16 MiB one.
    expect(failureOf(() => decompress('zstd', new Uint8Array([...MAGIC, 0x00, (13 << 3) | 1, ...rle300]), MB))).toBe('Error: zstd: window of 9437184 bytes is larger than allowed');
    expect(decoded('zstd', [...MAGIC, 0x00, (13 << 3) | 1, ...rle300], 16 * MB)).toBe(a300);
    // A single-segment frame: its content size is its window.
    const nine = [...MAGIC, 0xa0, 0, 0, 0x90, 0, ...rle300];
    expect(failureOf(() => decompress('zstd', new Uint8Array(nine), MB))).toBe('Error: zstd: window of 9437184 bytes is larger than allowed');
  });

  it('skips skippable frames of any of the 16 magics', () => {
    for (const nibble of [0x0, 0xf]) {
      const skippable = [0x50 | nibble, 0x2a, 0x4d, 0x18, 2, 0, 0, 0, 9, 9];
      expect(decoded('zstd', [...skippable, ...MAGIC, 0x20, 5, ...hello, ...skippable])).toBe(hex(text('hello')));
    }
  });

  it('decodes and encodes through libzstd on a Node without zstd in node:zlib (before 22.15)', () => {
    const zlib = createRequire(import.meta.url)('node:zlib') as Record<string, unknown>;
    const saved = { zstdCompressSync: zlib.zstdCompressSync, zstdDecompressSync: zlib.zstdDecompressSync };
    delete zlib.zstdCompressSync;
    delete zlib.zstdDecompressSync;
    syncBuiltinESMExports();
    try {
      const data = text('zstd without node:zlib '.repeat(50));
      const frame = compress('zstd', data);
      expect(hex(decompress('zstd', frame, MB))).toBe(hex(data));
      expect(hex(compress('zstd', data))).toBe(hex(frame));
      expect(hex(decompress('zstd', stream(), 2048))).toBe(hex(text(STREAM_TEXT)));
      expect(decoded('zstd', [...MAGIC, 0x60, 300 - 256, 0, ...rle300, ...MAGIC, 0x20, 5, ...hello])).toBe(a300 + hex(text('hello')));
      expect(failureOf(() => decompress('zstd', stream(), 2047))).toBe('MESSAGE_TOO_LARGE: zstd batch decompresses to more than 2047 bytes');
    } finally {
      Object.assign(zlib, saved);
      syncBuiltinESMExports();
    }
  });

  it('refuses malformed frames by name', () => {
    const cases: Array<[number[], string]> = [
      [[], 'zstd: no frame'],
      [[...MAGIC, 0x20, 5, 0x29], 'zstd: truncated frame header'],
      [[0x28, 0xb5, 0x2f, 0xfe, 0x20, 5, ...hello], 'zstd: bad frame magic'],
      [[0x51, 0x2a, 0x4d, 0x17, 0x20, 5, ...hello], 'zstd: bad frame magic'],
      [[...MAGIC, 0x28, 5, ...hello], 'zstd: reserved frame header bit set'],
      [[...MAGIC, 0xe0, 5, 0, 0, 0, 0], 'zstd: truncated frame header'],
      [[...MAGIC, 0xe0, 5, 0, 0, 0, 0, 0, 0, 0], 'zstd: truncated block header'],
      [[...MAGIC, 0x20, 5, ...block(5, 3, true), ...text('hello')], 'zstd: reserved block type'],
      [[...MAGIC, 0x20, 5, ...block(128 * 1024 + 1, 0, true)], 'zstd: block of 131073 bytes exceeds 128 KiB'],
      [[...MAGIC, 0x20, 5, 0x29, 0], 'zstd: truncated block header'],
      [[...MAGIC, 0x20, 5, ...block(5, 0, true), ...text('hell')], 'zstd: block overruns its input'],
      [[...MAGIC, 0x00, 0x00, ...block(1, 1, true)], 'zstd: block overruns its input'],
      [[...MAGIC, 0x20, 5, ...block(5, 0, false), ...text('hello')], 'zstd: truncated block header'],
    ];
    for (const [bytes, message] of cases) expect(failureOf(() => decompress('zstd', new Uint8Array(bytes), MB)), message).toBe(`Error: ${message}`);
    // The content checksum is part of the frame: cut, the frame is cut.
    const s = stream();
    expect(failureOf(() => decompress('zstd', s.subarray(0, s.length - 2), MB))).toBe('Error: zstd: truncated frame');
    // A block of exactly 128 KiB is allowed (here a raw one of a 128 KiB frame).
    const max = new Uint8Array([...MAGIC, 0xa0, 0, 0, 2, 0, ...block(128 * 1024, 0, true), ...new Uint8Array(128 * 1024).fill(7)]);
    expect(decompress('zstd', max, MB)).toHaveLength(128 * 1024);
  });
});
