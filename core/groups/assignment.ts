/**
 * Partition sets of consumer groups: immutable maps from topic id to sorted
 * partition numbers, the set algebra reconciliation needs, and the compact
 * range text they are persisted as (`0-9,12,15-16`).
 *
 * Sets are keyed by topic id, not name, so that the partitions of a deleted
 * and recreated topic are never confused with the old topic's.
 */

/** Partitions per topic id; every list sorted ascending, without duplicates, never empty. */
export type Assignment = ReadonlyMap<string, readonly number[]>;

/** The empty assignment. */
export const EMPTY_ASSIGNMENT: Assignment = new Map();

/** Builds an assignment from unsorted lists, dropping duplicates and empty lists. */
export function assignmentOf(entries: Iterable<readonly [string, Iterable<number>]>): Assignment {
  const out = new Map<string, number[]>();
  for (const [topicId, partitions] of entries) {
    const merged = new Set([...(out.get(topicId) ?? []), ...partitions]);
    if (merged.size > 0) out.set(topicId, [...merged].sort((a, b) => a - b));
  }
  return out;
}

/** Every (topic id, partition) pair of an assignment. */
export function* pairs(a: Assignment): Iterable<readonly [string, number]> {
  for (const [topicId, partitions] of a) for (const p of partitions) yield [topicId, p];
}

/** Number of partitions in an assignment. */
export function assignmentSize(a: Assignment): number {
  let n = 0;
  for (const partitions of a.values()) n += partitions.length;
  return n;
}

/** Whether `a` holds partition `p` of topic `topicId`. */
export function holds(a: Assignment, topicId: string, p: number): boolean {
  const list = a.get(topicId);
  if (!list) return false;
  // Binary search: lists are sorted, and can be long (up to 1000 per topic).
  let lo = 0;
  // Stryker disable next-line ArithmeticOperator: starting past the end reads undefined there, which is neither equal to nor below p, so the search only narrows down
  let hi = list.length - 1;
  while (lo <= hi) {
    const mid = (lo + hi) >> 1;
    const v = list[mid]!;
    if (v === p) return true;
    // Stryker disable next-line EqualityOperator: v === p has returned above, so `<=` is `<` here
    if (v < p) lo = mid + 1;
    else hi = mid - 1;
  }
  return false;
}

/** Whether two assignments hold exactly the same partitions. */
export function assignmentEquals(a: Assignment, b: Assignment): boolean {
  if (a.size !== b.size) return false;
  for (const [topicId, pa] of a) {
    const pb = b.get(topicId);
    if (!pb || pb.length !== pa.length) return false;
    // Stryker disable next-line EqualityOperator: the lists have the same length, so one step past the end compares undefined with undefined
    for (let i = 0; i < pa.length; i++) if (pa[i] !== pb[i]) return false;
  }
  return true;
}

/** Partitions in `a` or `b`. */
export function union(a: Assignment, b: Assignment): Assignment {
  // Stryker disable next-line ConditionalExpression: a short cut; without it the union of a set with nothing is built as an equal copy
  if (b.size === 0) return a;
  // Stryker disable next-line ConditionalExpression: a short cut; without it the union of nothing with a set is built as an equal copy
  if (a.size === 0) return b;
  return assignmentOf([...a, ...b]);
}

/** Partitions of `a` that are not in `b`. */
export function minus(a: Assignment, b: Assignment): Assignment {
  return filter(a, (topicId, p) => !holds(b, topicId, p));
}

/** Partitions in both `a` and `b`. */
export function intersect(a: Assignment, b: Assignment): Assignment {
  return filter(a, (topicId, p) => holds(b, topicId, p));
}

/** The partitions of `a` that satisfy `keep`. */
export function filter(a: Assignment, keep: (topicId: string, p: number) => boolean): Assignment {
  const out = new Map<string, number[]>();
  for (const [topicId, partitions] of a) {
    const kept = partitions.filter((p) => keep(topicId, p));
    if (kept.length > 0) out.set(topicId, kept);
  }
  return out;
}

/** Whether every partition of `a` is in `b`. */
export function isSubset(a: Assignment, b: Assignment): boolean {
  for (const [topicId, p] of pairs(a)) if (!holds(b, topicId, p)) return false;
  return true;
}

/**
 * Sorted partition numbers as ranges: `[0,1,2,3,7,9,10]` → `"0-3,7,9-10"`.
 * Consecutive runs are what the assignor produces, so a member's share of a
 * 1000-partition topic usually costs a few characters.
 */
export function encodeRanges(partitions: readonly number[]): string {
  const parts: string[] = [];
  for (let i = 0; i < partitions.length; ) {
    let j = i;
    // Stryker disable next-line ConditionalExpression,EqualityOperator,ArithmeticOperator: the bound is redundant: past the end partitions[j + 1] is undefined, never the next number, so the run stops there anyway
    while (j + 1 < partitions.length && partitions[j + 1] === partitions[j]! + 1) j++;
    parts.push(j === i ? String(partitions[i]) : `${partitions[i]}-${partitions[j]}`);
    i = j + 1;
  }
  return parts.join(',');
}

/** Inverse of {@link encodeRanges}; throws on malformed text. */
export function decodeRanges(text: string): number[] {
  if (text === '') return [];
  const out: number[] = [];
  for (const part of text.split(',')) {
    const m = /^(\d+)(?:-(\d+))?$/.exec(part);
    if (!m) throw new Error(`malformed partition range ${JSON.stringify(part)}`);
    const from = Number(m[1]);
    const to = m[2] === undefined ? from : Number(m[2]);
    if (to < from) throw new Error(`malformed partition range ${JSON.stringify(part)}`);
    for (let p = from; p <= to; p++) out.push(p);
  }
  return out;
}
