/**
 * Kafka's default partitioner: a keyed record goes to
 * `(murmur2(keyBytes) & 0x7fffffff) % partitions`, exactly where a Java or
 * kafkajs producer would put it, so producers in different languages agree
 * on which partition holds a key. Keyless records are spread round-robin.
 */

const SEED = 0x9747b28c;
const M = 0x5bd1e995;
const R = 24;

/**
 * Kafka's murmur2 (a port of `org.apache.kafka.common.utils.Utils.murmur2`),
 * returning the same signed 32-bit integer as the Java code.
 * @param data - the key bytes (strings are hashed as UTF-8).
 */
export function murmur2(data: Uint8Array | string): number {
  const bytes = typeof data === 'string' ? new TextEncoder().encode(data) : data;
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

/** The partition of a keyed record among `partitionCount` partitions, as Kafka computes it. */
export function partitionForKey(key: Uint8Array | string, partitionCount: number): number {
  return toPositive(murmur2(key)) % partitionCount;
}

/** What a {@link Partitioner} is asked to place. */
export interface PartitionerArgs {
  /** The topic. */
  readonly topic: string;
  /** Its current partition count. */
  readonly partitionCount: number;
  /** The encoded key, or null for a keyless record. */
  readonly key: Uint8Array | null;
}

/** Picks the partition of a record that has no explicit `partition`. */
export type Partitioner = (args: PartitionerArgs) => number;

/**
 * Creates Kafka's default partitioner: murmur2 of the key; keyless records
 * round-robin over the partitions, per topic, from a random start.
 * @param random - source of the round-robin starting point. @default Math.random
 */
export function createDefaultPartitioner(random: () => number = Math.random): Partitioner {
  const counters = new Map<string, number>();
  return ({ topic, partitionCount, key }) => {
    if (key !== null) return partitionForKey(key, partitionCount);
    const next = counters.get(topic) ?? Math.floor(random() * 0x7fffffff);
    counters.set(topic, (next + 1) & 0x7fffffff);
    return next % partitionCount;
  };
}
