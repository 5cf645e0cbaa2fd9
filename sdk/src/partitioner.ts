/**
 * Kafka's default partitioner: a keyed record goes to
 * `(murmur2(keyBytes) & 0x7fffffff) % partitions`, exactly where a Java or
 * kafkajs producer would put it, so producers in different languages agree
 * on which partition holds a key. Keyless records are spread round-robin.
 */

import { partitionForKey } from '@eddy/api';

export { murmur2, partitionForKey, toPositive } from '@eddy/api';

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
