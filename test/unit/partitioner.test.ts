import { describe, expect, it } from 'vitest';
import { murmur2, partitionForKey } from '../../core/partitioner.js';

const bytes = (s: string) => new TextEncoder().encode(s);

describe('Kafka murmur2 partitioner', () => {
  it('matches the Java test vectors', () => {
    // org.apache.kafka.common.utils.UtilsTest#testMurmur2
    expect(murmur2(bytes('21'))).toBe(-973932308);
    expect(murmur2(bytes('foobar'))).toBe(-790332482);
    expect(murmur2(bytes('a-little-bit-long-string'))).toBe(-985981536);
    expect(murmur2(bytes('a-little-bit-longer-string'))).toBe(-1486304829);
    expect(murmur2(bytes('lkjh234lh9fiuh90y23oiuhsafujhadof229phr9h19h89h8'))).toBe(-58897971);
    expect(murmur2(new Uint8Array([97, 98, 99]))).toBe(479470107);
  });

  it('picks (murmur2 & 0x7fffffff) % partitions', () => {
    expect(partitionForKey(bytes('21'), 4)).toBe((-973932308 & 0x7fffffff) % 4);
    expect(partitionForKey(bytes('foobar'), 7)).toBe((-790332482 & 0x7fffffff) % 7);
  });
});
