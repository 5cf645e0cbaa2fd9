/** Small helpers shared by the request handlers. */
import { EddyError } from '../../core/errors.js';

/** An int64 from the wire (a bigint) as a number; offsets and timestamps fit in 2^53. */
export function toNumber(v: bigint | number): number {
  if (typeof v === 'number') return v;
  if (v > BigInt(Number.MAX_SAFE_INTEGER) || v < BigInt(Number.MIN_SAFE_INTEGER)) {
    throw new EddyError('INVALID_REQUEST', `value ${v} is out of range`);
  }
  return Number(v);
}

/** Eddy's topic id (32 hex digits) as a Kafka uuid (8-4-4-4-12). */
export function topicUuid(topicId: string): string {
  const hex = /^[0-9a-f]{32}$/i.test(topicId) ? topicId.toLowerCase() : Buffer.from(topicId).toString('hex').padEnd(32, '0').slice(0, 32);
  return `${hex.slice(0, 8)}-${hex.slice(8, 12)}-${hex.slice(12, 16)}-${hex.slice(16, 20)}-${hex.slice(20)}`;
}

/** Groups items by a key, keeping first-seen order of keys and items. */
export function groupBy<T>(items: readonly T[], key: (item: T) => string): Map<string, T[]> {
  const out = new Map<string, T[]>();
  for (const item of items) {
    const k = key(item);
    const list = out.get(k);
    if (list) list.push(item);
    else out.set(k, [item]);
  }
  return out;
}
