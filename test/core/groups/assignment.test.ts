/**
 * Partition sets of consumer groups (who holds which partitions), checked
 * against the obvious model: a set of "topic#partition" strings. Every
 * decision of a rebalance (what to keep, revoke, hand out, who may commit)
 * is made with these operations, so a wrong answer here gives a partition
 * to two members or takes one from its holder.
 */
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import {
  assignmentEquals,
  assignmentOf,
  assignmentSize,
  decodeRanges,
  EMPTY_ASSIGNMENT,
  encodeRanges,
  filter,
  holds,
  intersect,
  isSubset,
  minus,
  pairs,
  union,
  type Assignment,
} from '../../../core/groups/assignment.js';

const TOPICS = ['t0', 't1', 't2'];
const key = (t: string, p: number) => `${t}#${p}`;
const model = (a: Assignment) => new Set([...pairs(a)].map(([t, p]) => key(t, p)));
const sorted = (s: Set<string>) => [...s].sort();

/** Every list sorted ascending, without duplicates, never empty. */
function wellFormed(a: Assignment): void {
  for (const [, ps] of a) {
    expect(ps.length).toBeGreaterThan(0);
    for (let i = 1; i < ps.length; i++) expect(ps[i]!).toBeGreaterThan(ps[i - 1]!);
  }
}

/** Entries as a caller builds them: topics repeated, partitions unsorted and repeated, some lists empty. */
const arbEntries = fc.array(fc.tuple(fc.constantFrom(...TOPICS), fc.array(fc.nat(40), { maxLength: 25 })), { maxLength: 6 });
const arbAssignment = arbEntries.map((entries) => assignmentOf(entries));

describe('partition sets', () => {
  it('builds sorted lists without duplicates or empty topics, merging repeated topics', () => {
    expect([...assignmentOf([['t', [5, 1, 5, 3]], ['u', []], ['t', [2, 1]]])]).toEqual([['t', [1, 2, 3, 5]]]);
    expect([...assignmentOf([['t', [10, 9, 100]]])]).toEqual([['t', [9, 10, 100]]]); // numeric order, not text order
    fc.assert(
      fc.property(arbEntries, (entries) => {
        const a = assignmentOf(entries);
        wellFormed(a);
        expect(sorted(model(a))).toEqual(sorted(new Set(entries.flatMap(([t, ps]) => ps.map((p) => key(t, p))))));
        expect(assignmentSize(a)).toBe(model(a).size);
      }),
    );
  });

  it('says whether a partition is held, for lists of any length', () => {
    const long = assignmentOf([['t', Array.from({ length: 1000 }, (_, i) => i * 2)]]);
    for (let p = -1; p <= 2000; p++) expect(holds(long, 't', p), `partition ${p}`).toBe(p >= 0 && p % 2 === 0 && p < 2000);
    expect(holds(long, 'u', 0)).toBe(false);
    expect(holds(EMPTY_ASSIGNMENT, 't', 0)).toBe(false);
    fc.assert(
      fc.property(arbAssignment, fc.constantFrom(...TOPICS), fc.integer({ min: -1, max: 41 }), (a, t, p) => {
        expect(holds(a, t, p)).toBe(model(a).has(key(t, p)));
      }),
      { numRuns: 300 },
    );
  });

  it('compares sets by their partitions only', () => {
    const a = assignmentOf([['t', [1]], ['u', [2]]]);
    expect(assignmentEquals(a, assignmentOf([['u', [2]], ['t', [1]]]))).toBe(true);
    expect(assignmentEquals(assignmentOf([['t', [1]]]), a)).toBe(false); // fewer topics
    expect(assignmentEquals(a, assignmentOf([['t', [1]]]))).toBe(false); // more topics
    expect(assignmentEquals(assignmentOf([['t', [1]]]), assignmentOf([['t', [1, 2]]]))).toBe(false); // fewer partitions
    expect(assignmentEquals(assignmentOf([['t', [1, 2]]]), assignmentOf([['t', [1]]]))).toBe(false);
    expect(assignmentEquals(assignmentOf([['t', [1, 2]]]), assignmentOf([['t', [1, 3]]]))).toBe(false); // same count, another partition
    expect(assignmentEquals(assignmentOf([['t', [1]]]), assignmentOf([['u', [1]]]))).toBe(false); // another topic
    expect(assignmentEquals(EMPTY_ASSIGNMENT, assignmentOf([]))).toBe(true);
    fc.assert(
      fc.property(arbAssignment, arbAssignment, (a, b) => {
        expect(assignmentEquals(a, b)).toBe(sorted(model(a)).join() === sorted(model(b)).join());
        expect(assignmentEquals(a, assignmentOf([...a].reverse()))).toBe(true);
      }),
    );
  });

  it('unites, subtracts, intersects and filters like sets, keeping every list sorted and non-empty', () => {
    fc.assert(
      fc.property(arbAssignment, arbAssignment, (a, b) => {
        const [ma, mb] = [model(a), model(b)];
        const u = union(a, b);
        const m = minus(a, b);
        const i = intersect(a, b);
        const even = filter(a, (_, p) => p % 2 === 0);
        for (const x of [u, m, i, even]) wellFormed(x);
        expect(sorted(model(u))).toEqual(sorted(new Set([...ma, ...mb])));
        expect(sorted(model(m))).toEqual([...ma].filter((k) => !mb.has(k)).sort());
        expect(sorted(model(i))).toEqual([...ma].filter((k) => mb.has(k)).sort());
        expect(sorted(model(even))).toEqual([...ma].filter((k) => Number(k.split('#')[1]) % 2 === 0).sort());
        expect(isSubset(a, b)).toBe([...ma].every((k) => mb.has(k)));
        expect(isSubset(m, a) && isSubset(i, b) && isSubset(a, u) && isSubset(b, u)).toBe(true);
      }),
      { numRuns: 200 },
    );
    expect([...filter(assignmentOf([['t', [1, 3]], ['u', [2]]]), (t) => t === 'u')]).toEqual([['u', [2]]]);
    expect(isSubset(assignmentOf([['t', [1, 2]]]), assignmentOf([['t', [2]]]))).toBe(false);
    expect(isSubset(EMPTY_ASSIGNMENT, EMPTY_ASSIGNMENT)).toBe(true);
  });
});

describe('partition ranges as stored', () => {
  it('writes runs as from-to and single partitions alone', () => {
    expect(encodeRanges([4])).toBe('4');
    expect(encodeRanges([4, 5])).toBe('4-5');
    expect(encodeRanges([0, 2, 4])).toBe('0,2,4');
    expect(encodeRanges([1, 2, 3, 5, 6, 8])).toBe('1-3,5-6,8');
  });

  it('reads them back, and refuses anything malformed, quoting the bad part', () => {
    expect(decodeRanges('')).toEqual([]);
    expect(decodeRanges('7')).toEqual([7]);
    expect(decodeRanges('2-2')).toEqual([2]);
    expect(decodeRanges('0,2-4,10')).toEqual([0, 2, 3, 4, 10]);
    for (const bad of ['3-1', '1-', '-1', 'a', '1,,2', ' 1', '1;2', '1-2-3', 'x1', '1x']) {
      expect(() => decodeRanges(bad), bad).toThrow(/^malformed partition range "/);
    }
    expect(() => decodeRanges('0,5-4')).toThrow('malformed partition range "5-4"');
  });
});
