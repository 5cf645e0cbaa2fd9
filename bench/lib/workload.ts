/**
 * The one workload every system runs: `records` records of a 1 KiB random
 * value and an 8-byte key (`key-0000`…`key-4095`), spread over 4 partitions
 * by Kafka's murmur2 partitioner (Eddy's own; the peers get the same
 * key → partition mapping as subjects / stream keys, Kinesis hashes keys to
 * its 4 shards itself). Produced with each system's own batching or
 * pipelining, then consumed from the start.
 *
 * Throughput counts payload bytes (key + value, 1,032 per record), MB = 10^6.
 */
import { randomBytes } from 'node:crypto';
import { partitionForKey } from '@eddy/sdk';

export const PARTITIONS = 4;
export const VALUE_BYTES = 1024;
const KEY_SPACE = 4096;
const VALUE_POOL = 509; // a prime, so key and value pairings vary

export interface Workload {
  readonly records: number;
  readonly partitions: number;
  /** Key of record i. */
  key(i: number): string;
  /** Key bytes of record i. */
  keyBytes(i: number): Buffer;
  /** Value of record i (1 KiB, random; never compressible). */
  value(i: number): Buffer;
  /** Partition of record i (murmur2 of the key). */
  partition(i: number): number;
  /** Payload bytes of record i (key + value). */
  payloadBytes(i: number): number;
  /** Total payload bytes. */
  readonly totalBytes: number;
  /** Records per partition. */
  readonly perPartition: readonly number[];
}

/** Builds the workload for `records` records. */
export function workload(records: number): Workload {
  const keys = Array.from({ length: KEY_SPACE }, (_, k) => `key-${String(k).padStart(4, '0')}`);
  const keyBuffers = keys.map((k) => Buffer.from(k));
  const keyPartitions = keyBuffers.map((k) => partitionForKey(k, PARTITIONS));
  const values = Array.from({ length: VALUE_POOL }, () => randomBytes(VALUE_BYTES));
  const perPartition = new Array<number>(PARTITIONS).fill(0);
  let total = 0;
  for (let i = 0; i < records; i++) {
    perPartition[keyPartitions[i % KEY_SPACE]!]!++;
    total += keyBuffers[i % KEY_SPACE]!.length + VALUE_BYTES;
  }
  return {
    records,
    partitions: PARTITIONS,
    key: (i) => keys[i % KEY_SPACE]!,
    keyBytes: (i) => keyBuffers[i % KEY_SPACE]!,
    value: (i) => values[i % VALUE_POOL]!,
    partition: (i) => keyPartitions[i % KEY_SPACE]!,
    payloadBytes: (i) => keyBuffers[i % KEY_SPACE]!.length + VALUE_BYTES,
    totalBytes: total,
    perPartition,
  };
}
