import fc from 'fast-check';
import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { crc32c } from '../../../core/codec/crc32c.js';
import { decodeChunk, decodeObjectHeader, encodeObject, objectChunks } from '../../../core/codec/format.js';
import { EddyError } from '../../../core/errors.js';
import { FIXTURE_CHUNKS } from '../../fixtures/object-v1.js';

const enc = (s: string) => new TextEncoder().encode(s);

const fixture = () => new Uint8Array(Buffer.from(readFileSync(new URL('../../fixtures/object-v1.hex', import.meta.url), 'utf8').trim(), 'hex'));

describe('CRC32C', () => {
  it('matches the standard check values', () => {
    expect(crc32c(enc('123456789'))).toBe(0xe3069283);
    expect(crc32c(new Uint8Array(32))).toBe(0x8a9136aa);
    expect(crc32c(new Uint8Array(32).fill(0xff))).toBe(0x62a8ab43);
    expect(crc32c(new Uint8Array(0))).toBe(0);
  });

  it('gives the same answer for any split of slicing-by-8 and byte steps', () => {
    fc.assert(
      fc.property(fc.uint8Array({ maxLength: 100 }), fc.nat(), (bytes, cut) => {
        const start = bytes.length === 0 ? 0 : cut % bytes.length;
        expect(crc32c(bytes, start)).toBe(crc32c(bytes.slice(start)));
      }),
    );
  });
});

describe('object format v1', () => {
  it('encodes the saved fixture byte for byte', () => {
    const { bytes } = encodeObject(FIXTURE_CHUNKS);
    expect(Buffer.from(bytes).toString('hex')).toBe(Buffer.from(fixture()).toString('hex'));
  });

  it('decodes the saved fixture', () => {
    const bytes = fixture();
    expect(decodeObjectHeader(bytes)).toBe(2);
    const chunks = objectChunks(bytes);
    expect(chunks).toHaveLength(2);
    const first = decodeChunk(bytes.subarray(chunks[0]!.position, chunks[0]!.position + chunks[0]!.length), 0);
    expect(first.records.map((r) => r.timestamp)).toEqual([1_700_000_000_000, 1_700_000_000_001]);
    expect(new TextDecoder().decode(first.records[0]!.value!)).toBe('{"event":"user_registered"}');
    expect(first.records[0]!.headers.map(([k, v]) => [k, new TextDecoder().decode(v)])).toEqual([['source', 'web']]);
    expect(first.records[1]!.key).toBeNull();
    expect([...first.records[1]!.value!]).toEqual([0, 255, 1, 254]);
    const second = decodeChunk(bytes.subarray(chunks[1]!.position, chunks[1]!.position + chunks[1]!.length), 3);
    expect(second.records[0]!.key).toEqual(new Uint8Array([]));
    expect(second.records[0]!.value).toBeNull();
  });

  const record = fc.record({
    timestamp: fc.integer({ min: 0, max: Number.MAX_SAFE_INTEGER }),
    key: fc.option(fc.uint8Array({ maxLength: 40 }), { nil: null }),
    value: fc.option(fc.uint8Array({ maxLength: 200 }), { nil: null }),
    headers: fc.array(fc.tuple(fc.string({ maxLength: 10 }), fc.uint8Array({ maxLength: 20 })), { maxLength: 4 }),
  });

  it('round-trips any records (fast-check)', () => {
    fc.assert(
      fc.property(fc.array(fc.record({ partition: fc.nat({ max: 999 }), records: fc.array(record, { maxLength: 8 }) }), { minLength: 1, maxLength: 5 }), (inputs) => {
        const { bytes, chunks } = encodeObject(inputs);
        inputs.forEach((input, i) => {
          const c = chunks[i]!;
          const decoded = decodeChunk(bytes.subarray(c.position, c.position + c.length), input.partition);
          expect(decoded.records.map((r) => ({ ...r, headers: r.headers.map(([k, v]) => [k, [...v]]), key: r.key && [...r.key], value: r.value && [...r.value] }))).toEqual(
            input.records.map((r) => ({ ...r, headers: r.headers.map(([k, v]) => [k, [...v]]), key: r.key && [...r.key], value: r.value && [...r.value] })),
          );
        });
      }),
      { numRuns: 200 },
    );
  });

  it('reports any flipped bit as DATA_CORRUPT, never as records', () => {
    const { bytes, chunks } = encodeObject(FIXTURE_CHUNKS);
    const c = chunks[0]!;
    fc.assert(
      fc.property(fc.nat({ max: c.length * 8 - 1 }), (bit) => {
        const copy = bytes.slice(c.position, c.position + c.length);
        copy[bit >> 3]! ^= 1 << (bit & 7);
        expect(() => decodeChunk(copy, 0)).toThrow(EddyError);
        try {
          decodeChunk(copy, 0);
        } catch (err) {
          expect((err as EddyError).code).toBe('DATA_CORRUPT');
        }
      }),
      { numRuns: 300 },
    );
  });

  it('rejects truncated chunks and a chunk of another partition', () => {
    const { bytes, chunks } = encodeObject(FIXTURE_CHUNKS);
    const c = chunks[0]!;
    expect(() => decodeChunk(bytes.subarray(c.position, c.position + c.length - 1))).toThrow(/corrupt/);
    expect(() => decodeChunk(bytes.subarray(c.position, c.position + c.length), 1)).toThrow(/expected 1/);
  });
});
