import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { murmur2, partitionForKey, toPositive } from '@eddy/api';

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

  it('hashes bytes with the high bit set as unsigned bytes, as Java masks them with 0xff', () => {
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

