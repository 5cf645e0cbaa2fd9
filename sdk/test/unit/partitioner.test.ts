import { describe, expect, it } from 'vitest';
import { createDefaultPartitioner, partitionForKey } from '../../src/partitioner.js';

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
