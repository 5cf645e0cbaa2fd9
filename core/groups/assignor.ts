/**
 * The target assignment: a uniform, sticky assignor (KIP-848's "uniform"
 * assignor, balanced per topic).
 *
 * For each topic, the partitions are split among the members subscribed to
 * it so that every member gets ⌊n/k⌋ or ⌈n/k⌉ of them. It is sticky: a
 * partition stays with the member currently holding it unless that member
 * left, unsubscribed, or holds more than its share; only then does it move,
 * and it moves to a member below its share. The ⌈n/k⌉ slots go first to
 * members that already hold that many (no movement), then to the members
 * with the fewest partitions over the topics placed so far (so several small
 * topics do not all land on the same member), then by member id. The
 * result depends only on the input: every coordinator computes the same one.
 *
 * Pure: no storage, no clock.
 */
import type { Assignment } from './assignment.js';

/** One member as the assignor sees it. */
export interface AssignorMember {
  readonly memberId: string;
  /** Ids of the topics it subscribes to (topics absent from `partitionCounts` are ignored). */
  readonly topicIds: readonly string[];
  /** What it holds now: stickiness keeps these where the quotas allow. */
  readonly current: Assignment;
}

/**
 * Computes the target assignment of every member.
 * @param members - the live members.
 * @param partitionCounts - partition count per topic id.
 * @returns the target per member id (every member present, maybe empty).
 */
export function assignUniform(members: readonly AssignorMember[], partitionCounts: ReadonlyMap<string, number>): Map<string, Assignment> {
  // Index-based: this runs on every heartbeat, for groups of hundreds of members.
  const sorted = [...members].sort((a, b) => cmp(a.memberId, b.memberId));
  const load = new Array<number>(sorted.length).fill(0);
  const result = sorted.map((): Array<[string, number[]]> => []);
  const subscribersOf = new Map<string, number[]>();
  sorted.forEach((m, i) => {
    for (const topicId of new Set(m.topicIds)) {
      // Stryker disable next-line ConditionalExpression: the topics placed are the keys of partitionCounts, so subscribers listed for any other topic are never looked up
      if (!partitionCounts.has(topicId)) continue;
      const subs = subscribersOf.get(topicId);
      if (subs) subs.push(i);
      else subscribersOf.set(topicId, [i]);
    }
  });

  for (const topicId of [...partitionCounts.keys()].sort(cmp)) {
    const n = partitionCounts.get(topicId)!;
    const subs = subscribersOf.get(topicId); // member indexes, in member id order
    // Stryker disable next-line ConditionalExpression,EqualityOperator: a topic of 0 partitions (there is none: topics have at least 1) would give every subscriber a share of 0 anyway (this also takes out `!subs` as false, which the tests kill)
    if (!subs || n <= 0) continue;
    const base = Math.floor(n / subs.length);
    const extra = n % subs.length;

    // What each subscriber may keep: its current partitions that still exist,
    // each partition kept by at most one member. Lists stay ascending.
    const owner = new Int32Array(n).fill(-1);
    const kept = subs.map((mi, j) => {
      const mine: number[] = [];
      // Stryker disable next-line ArrayDeclaration: a fall-back element is not a number, so `p < n` keeps nothing of it
      for (const p of sorted[mi]!.current.get(topicId) ?? []) {
        // Stryker disable next-line ConditionalExpression,EqualityOperator: `p <= n` or `true` for `p < n` keeps nothing more: owner[p] past the end of the Int32Array is undefined, not -1 (this also takes out the whole condition as `true` or `false` and `owner[p] === -1` as `true`, which the tests kill)
        if (p < n && owner[p] === -1) {
          owner[p] = j;
          mine.push(p);
        }
      }
      return mine;
    });

    // Who gets ⌈n/k⌉: members already holding that many first (so nothing moves).
    const held = kept.map((mine) => Math.min(mine.length, base + 1));
    // Stryker disable next-line ArithmeticOperator: `a + b` for the last tie-break `a - b` is always above 0, and V8's Array.prototype.sort then keeps the order it was given, which is already by index (this also takes out the `held` and `load` differences as sums, which the tests kill)
    const ranked = subs.map((_, j) => j).sort((a, b) => held[b]! - held[a]! || load[subs[a]!]! - load[subs[b]!]! || a - b);
    const quota = new Array<number>(subs.length).fill(base);
    for (let i = 0; i < extra; i++) quota[ranked[i]!]!++;

    // Members over quota give up their highest partitions.
    kept.forEach((mine, j) => {
      // Stryker disable next-line EqualityOperator: one step past the end writes owner[undefined], which an Int32Array ignores
      for (let i = quota[j]!; i < mine.length; i++) owner[mine[i]!] = -1;
      // Stryker disable next-line EqualityOperator: truncating a list to its own length changes nothing
      if (mine.length > quota[j]!) mine.length = quota[j]!;
    });

    // Members under quota take free partitions, lowest first.
    let next = 0;
    kept.forEach((mine, j) => {
      // Stryker disable next-line ConditionalExpression,EqualityOperator: a short cut: for a member at its quota the loop below adds nothing and sorts a sorted list (this also takes out `true`, which the tests kill)
      if (mine.length >= quota[j]!) return;
      while (mine.length < quota[j]!) {
        while (owner[next] !== -1) next++;
        owner[next] = j;
        mine.push(next);
      }
      mine.sort((a, b) => a - b);
    });
    kept.forEach((mine, j) => {
      if (mine.length > 0) result[subs[j]!]!.push([topicId, mine]);
      load[subs[j]!]! += mine.length;
    });
  }

  return new Map(sorted.map((m, i) => [m.memberId, new Map(result[i])]));
}

function cmp(a: string, b: string): number {
  // Stryker disable next-line ConditionalExpression,EqualityOperator: it sorts member ids and topic ids, both unique, and V8's Array.prototype.sort only asks whether the result is below 0, so `<=` for `<` and any mutant of `a > b ? 1 : 0` sort alike (this also takes out `a < b` as true, false or `>=`, which the order tests kill)
  return a < b ? -1 : a > b ? 1 : 0;
}
