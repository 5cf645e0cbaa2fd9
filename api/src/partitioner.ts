/**
 * Kafka's default partitioner for keyed records: murmur2 of the key bytes
 * with seed 0x9747b28c, as `org.apache.kafka.common.utils.Utils.murmur2`
 * computes it, so a key lands in the partition a Java or kafkajs producer
 * would pick. Core places records with it; the SDK batches by it.
 */

const SEED = 0x9747b28c;
const M = 0x5bd1e995;
const R = 24;
const utf8 = new TextEncoder();

/**
 * Kafka's murmur2 hash, returning the same signed 32-bit integer as the Java code.
 * @param data - the key bytes (strings are hashed as UTF-8).
 */
export function murmur2(data: Uint8Array | string): number {
  const bytes = typeof data === 'string' ? utf8.encode(data) : data;
  const length = bytes.length;
  let h = SEED ^ length;
  const length4 = length >>> 2;
  for (let i = 0; i < length4; i++) {
    const i4 = i * 4;
    let k = bytes[i4]! | (bytes[i4 + 1]! << 8) | (bytes[i4 + 2]! << 16) | (bytes[i4 + 3]! << 24);
    k = Math.imul(k, M);
    k ^= k >>> R;
    k = Math.imul(k, M);
    h = Math.imul(h, M);
    h ^= k;
  }
  const tail = length & ~3;
  switch (length & 3) {
    case 3:
      h ^= bytes[tail + 2]! << 16;
    // falls through
    case 2:
      h ^= bytes[tail + 1]! << 8;
    // falls through
    case 1:
      h ^= bytes[tail]!;
      h = Math.imul(h, M);
  }
  h ^= h >>> 13;
  h = Math.imul(h, M);
  h ^= h >>> 15;
  return h | 0;
}

/** Kafka's `Utils.toPositive`: clears the sign bit. */
export function toPositive(n: number): number {
  return n & 0x7fffffff;
}

/** The partition Kafka's default partitioner picks for a key: `(murmur2(key) & 0x7fffffff) % partitions`. */
export function partitionForKey(key: Uint8Array | string, partitions: number): number {
  return toPositive(murmur2(key)) % partitions;
}
