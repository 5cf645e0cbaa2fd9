/**
 * Seeded randomness for the chaos suite. Nothing here reads the clock or
 * `Math.random`: a seed fully decides every draw.
 *
 * Fault decisions are keyed, not sequential: the n-th decision of a stream
 * (say, the 17th DynamoDB PutItem attempt) is `hash(seed, stream, n)`, so it
 * does not depend on how requests of other streams interleaved before it.
 * Interleaving itself (which produce request happens to be the 17th PutItem)
 * still depends on timing, as in any test of a real concurrent system; the
 * schedule of faults per stream does not.
 */

/** A 32-bit string hash (FNV-1a). */
import { mulberry32 as coreMulberry32 } from '../../../core/ids.js';
export function hashString(s: string): number {
  let h = 0x811c9dc5;
  for (let i = 0; i < s.length; i++) {
    h ^= s.charCodeAt(i);
    h = Math.imul(h, 0x01000193);
  }
  return h >>> 0;
}

/** Mixes 32-bit words into one well-distributed 32-bit word (murmur3's finalizer over a running combination). */
export function mix(...words: number[]): number {
  let h = 0x9e3779b9;
  for (const w of words) {
    h ^= w >>> 0;
    h = Math.imul(h ^ (h >>> 16), 0x85ebca6b);
    h = Math.imul(h ^ (h >>> 13), 0xc2b2ae35);
    h ^= h >>> 16;
  }
  return h >>> 0;
}

/** A seeded generator of floats in [0, 1) (mulberry32). */
export type Random = () => number;

/** A mulberry32 generator seeded with `seed` (the one core's seeded ids use). */
export const mulberry32: (seed: number) => Random = coreMulberry32;

/** The generator of decision `n` of stream `stream` under `seed`. */
export function keyedRandom(seed: number, stream: string, n: number): Random {
  return mulberry32(mix(seed, hashString(stream), n));
}

/** An integer in [min, max] drawn from `random`. */
export function between(random: Random, min: number, max: number): number {
  return min + Math.floor(random() * (max - min + 1));
}

/**
 * Counters per stream: `next(stream)` returns 0, 1, 2, … for each stream
 * independently. Decisions drawn with {@link keyedRandom} from these counters
 * form the deterministic fault schedule.
 */
export class StreamCounters {
  private readonly counts = new Map<string, number>();

  /** The next index of `stream`. */
  next(stream: string): number {
    const n = this.counts.get(stream) ?? 0;
    this.counts.set(stream, n + 1);
    return n;
  }
}
