import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { createDefaultPartitioner, murmur2, partitionForKey, toPositive } from '../../src/partitioner.js';

describe('murmur2', () => {
  // Kafka's UtilsTest.testMurmur2: the Java client's values.
  it.each([
    ['21', -973932308],
    ['foobar', -790332482],
    ['a-little-bit-long-string', -985981536],
    ['a-little-bit-longer-string', -1486304829],
    ['lkjh234lh9fiuh90y23oiuhsafujhadof229phr9h19h89h8', -58897971],
    ['abc', 479470107],
    ['', 275646681],
  ])('hashes %j like the Java client', (input, expected) => {
    expect(murmur2(input)).toBe(expected);
    expect(murmur2(new TextEncoder().encode(input))).toBe(expected);
  });

  it('hashes bytes with the high bit set as unsigned bytes', () => {
    // Kafka masks each byte with 0xff; a signed-byte bug changes these.
    expect(murmur2(new Uint8Array([0xff, 0x80, 0x01]))).toBe(murmur2(Buffer.from([0xff, 0x80, 0x01])));
    expect(murmur2(new Uint8Array([0xff, 0xff, 0xff, 0xff]))).not.toBe(murmur2(new Uint8Array([0x7f, 0x7f, 0x7f, 0x7f])));
  });

  it('places keys where the Java partitioner does', () => {
    // toPositive(-790332482) = 1357151166; 1357151166 % 50 = 16.
    expect(toPositive(murmur2('foobar'))).toBe(1357151166);
    expect(partitionForKey('foobar', 50)).toBe(16);
    expect(partitionForKey('21', 7)).toBe((-973932308 & 0x7fffffff) % 7);
  });

  it('always yields a signed 32-bit integer and an in-range partition', () => {
    fc.assert(
      fc.property(fc.uint8Array({ maxLength: 64 }), fc.integer({ min: 1, max: 1000 }), (bytes, n) => {
        const h = murmur2(bytes);
        expect(Number.isInteger(h) && h >= -(2 ** 31) && h < 2 ** 31).toBe(true);
        const p = partitionForKey(bytes, n);
        expect(p >= 0 && p < n).toBe(true);
      }),
    );
  });
});

describe('default partitioner', () => {
  it('sends a key to its murmur2 partition every time', () => {
    const partition = createDefaultPartitioner();
    const key = new TextEncoder().encode('user-42');
    const expected = partitionForKey(key, 12);
    for (let i = 0; i < 5; i++) expect(partition({ topic: 't', partitionCount: 12, key })).toBe(expected);
  });

  it('spreads keyless records round-robin per topic', () => {
    const partition = createDefaultPartitioner(() => 0);
    const a = Array.from({ length: 8 }, () => partition({ topic: 'a', partitionCount: 4, key: null }));
    expect(a).toEqual([0, 1, 2, 3, 0, 1, 2, 3]);
    // Another topic has its own counter.
    expect(partition({ topic: 'b', partitionCount: 3, key: null })).toBe(0);
  });
});
