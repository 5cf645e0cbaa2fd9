/** The uniform sticky assignor and the partition-set helpers, without storage. */
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { assignmentOf, decodeRanges, encodeRanges, holds, minus, union, type Assignment } from '../../../core/groups/assignment.js';
import { assignUniform, type AssignorMember } from '../../../core/groups/assignor.js';

const one = (topicId: string, partitions: number[]): Assignment => assignmentOf([[topicId, partitions]]);

/** owner of each partition of a topic, asserting nobody shares one */
function owners(result: Map<string, Assignment>, topicId: string, n: number): Array<string | undefined> {
  const out: Array<string | undefined> = new Array(n).fill(undefined);
  for (const [memberId, a] of result) {
    for (const p of a.get(topicId) ?? []) {
      expect(out[p], `partition ${topicId}/${p} assigned twice`).toBeUndefined();
      out[p] = memberId;
    }
  }
  return out;
}

const arbGroup = fc
  .record({
    topics: fc.array(fc.integer({ min: 1, max: 40 }), { minLength: 1, maxLength: 4 }),
    members: fc.array(fc.record({ subs: fc.array(fc.boolean(), { minLength: 4, maxLength: 4 }), current: fc.array(fc.tuple(fc.nat(3), fc.nat(45)), { maxLength: 30 }) }), {
      minLength: 1,
      maxLength: 12,
    }),
  })
  .map(({ topics, members }) => {
    const counts = new Map(topics.map((n, i) => [`t${i}`, n]));
    const ms: AssignorMember[] = members.map((m, i) => ({
      memberId: `m${String(i).padStart(2, '0')}`,
      topicIds: [...counts.keys()].filter((_, t) => m.subs[t]),
      current: assignmentOf(m.current.map(([t, p]) => [`t${t}`, [p]] as const)),
    }));
    return { counts, members: ms };
  });

describe('partition ranges', () => {
  it('encodes runs compactly and round-trips any sorted set', () => {
    expect(encodeRanges([0, 1, 2, 3, 7, 9, 10])).toBe('0-3,7,9-10');
    expect(encodeRanges([])).toBe('');
    expect(decodeRanges('0-3,7,9-10')).toEqual([0, 1, 2, 3, 7, 9, 10]);
    fc.assert(
      fc.property(fc.uniqueArray(fc.nat(1000)), (ps) => {
        const sorted = [...ps].sort((a, b) => a - b);
        expect(decodeRanges(encodeRanges(sorted))).toEqual(sorted);
      }),
    );
    expect(() => decodeRanges('3-1')).toThrow();
    expect(() => decodeRanges('x')).toThrow();
  });

  it('does set algebra on sorted per-topic lists', () => {
    const a = assignmentOf([['t', [3, 1, 2]], ['u', [0]]]);
    const b = one('t', [2, 5]);
    expect([...union(a, b)]).toEqual([['t', [1, 2, 3, 5]], ['u', [0]]]);
    expect([...minus(a, b)]).toEqual([['t', [1, 3]], ['u', [0]]]);
    expect(holds(a, 't', 2)).toBe(true);
    expect(holds(a, 't', 4)).toBe(false);
    expect(holds(a, 'v', 0)).toBe(false);
  });
});

describe('uniform sticky assignor', () => {
  it('splits 6 partitions 2/2/2 among three members', () => {
    const members = ['a', 'b', 'c'].map((memberId) => ({ memberId, topicIds: ['t'], current: new Map() }));
    const r = assignUniform(members, new Map([['t', 6]]));
    expect([...r.values()].map((a) => a.get('t'))).toEqual([
      [0, 1],
      [2, 3],
      [4, 5],
    ]);
  });

  it('assigns every partition of every subscribed topic exactly once, ⌊n/k⌋ or ⌈n/k⌉ per subscriber', () => {
    fc.assert(
      fc.property(arbGroup, ({ counts, members }) => {
        const r = assignUniform(members, counts);
        expect(new Set(r.keys())).toEqual(new Set(members.map((m) => m.memberId)));
        for (const [topicId, n] of counts) {
          const subs = members.filter((m) => m.topicIds.includes(topicId));
          const own = owners(r, topicId, n);
          if (subs.length === 0) {
            expect(own.every((o) => o === undefined)).toBe(true);
            continue;
          }
          expect(own.every((o) => o !== undefined && subs.some((s) => s.memberId === o))).toBe(true);
          const sizes = subs.map((s) => r.get(s.memberId)!.get(topicId)?.length ?? 0);
          expect(Math.max(...sizes) - Math.min(...sizes)).toBeLessThanOrEqual(1);
        }
      }),
    );
  });

  it('is a fixpoint, and does not depend on member order', () => {
    fc.assert(
      fc.property(arbGroup, fc.nat(), ({ counts, members }, seed) => {
        const r = assignUniform(members, counts);
        const again = assignUniform(
          members.map((m) => ({ ...m, current: r.get(m.memberId)! })),
          counts,
        );
        expect(again).toEqual(r);
        const rotated = members.map((_, i) => members[(i + seed) % members.length]!);
        expect(assignUniform(rotated, counts)).toEqual(r);
      }),
    );
  });

  it('moves a partition only when it must: a joiner takes only what it needs, a leaver’s partitions go only to the others', () => {
    fc.assert(
      fc.property(fc.integer({ min: 1, max: 60 }), fc.integer({ min: 1, max: 10 }), (n, k) => {
        const counts = new Map([['t', n]]);
        const members = Array.from({ length: k }, (_, i) => ({ memberId: `m${String(i).padStart(2, '0')}`, topicIds: ['t'], current: new Map() as Assignment }));
        const balanced = assignUniform(members, counts);
        const before = owners(balanced, 't', n);
        const withCurrent = members.map((m) => ({ ...m, current: balanced.get(m.memberId)! }));

        const joined = assignUniform([...withCurrent, { memberId: 'zz', topicIds: ['t'], current: new Map() }], counts);
        const afterJoin = owners(joined, 't', n);
        const moved = afterJoin.filter((o, p) => o !== before[p]);
        expect(moved.every((o) => o === 'zz')).toBe(true);
        expect(moved.length).toBe(Math.floor(n / (k + 1)));

        if (k > 1) {
          const left = assignUniform(withCurrent.slice(1), counts);
          const afterLeave = owners(left, 't', n);
          afterLeave.forEach((o, p) => {
            if (before[p] !== members[0]!.memberId) expect(o).toBe(before[p]);
          });
        }
      }),
    );
  });

  it('balances several single-partition topics across members instead of stacking them', () => {
    const counts = new Map([['a', 1], ['b', 1], ['c', 1], ['d', 1]]);
    const members = ['x', 'y'].map((memberId) => ({ memberId, topicIds: ['a', 'b', 'c', 'd'], current: new Map() as Assignment }));
    const r = assignUniform(members, counts);
    expect([...r.values()].map((a) => a.size)).toEqual([2, 2]);
  });

  it('counts a topic listed twice in a subscription once', () => {
    const counts = new Map([['t', 4]]);
    const twice = assignUniform([{ memberId: 'a', topicIds: ['t', 't'], current: new Map() }, { memberId: 'b', topicIds: ['t'], current: new Map() }], counts);
    expect([twice.get('a')!.get('t'), twice.get('b')!.get('t')]).toEqual([
      [0, 1],
      [2, 3],
    ]);
  });

  it('ignores subscriptions to topics it has no partition count for', () => {
    const r = assignUniform([{ memberId: 'a', topicIds: ['gone', 't'], current: one('gone', [0]) }], new Map([['t', 1]]));
    expect([...r.get('a')!]).toEqual([['t', [0]]]);
  });

  it('gives a member no entry for a topic of which it gets nothing', () => {
    const r = assignUniform(['a', 'b', 'c'].map((memberId) => ({ memberId, topicIds: ['t'], current: new Map() as Assignment })), new Map([['t', 2]]));
    expect(r.get('c')!.size).toBe(0);
    expect([...r.values()].map((a) => a.get('t'))).toEqual([[0], [1], undefined]);
  });

  it('keeps a member’s partitions sorted when it keeps high ones and takes low ones', () => {
    const counts = new Map([['t', 4]]);
    const r = assignUniform([{ memberId: 'a', topicIds: ['t'], current: one('t', [3]) }, { memberId: 'b', topicIds: ['t'], current: one('t', [2]) }], counts);
    expect(r.get('a')!.get('t')).toEqual([0, 3]);
    expect(r.get('b')!.get('t')).toEqual([1, 2]);
  });

  it('never keeps partitions a topic does not have', () => {
    const r = assignUniform([{ memberId: 'a', topicIds: ['t'], current: one('t', [1, 2, 7]) }], new Map([['t', 2]]));
    expect(r.get('a')!.get('t')).toEqual([0, 1]);
  });

  it('gives the bigger shares to the members already holding that many, so nothing moves', () => {
    // 5 partitions, 2 members: shares 3 and 2. b holds 3 already: it keeps them, though a sorts first.
    const r = assignUniform([{ memberId: 'a', topicIds: ['t'], current: one('t', [0, 1]) }, { memberId: 'b', topicIds: ['t'], current: one('t', [2, 3, 4]) }], new Map([['t', 5]]));
    expect([r.get('a')!.get('t'), r.get('b')!.get('t')]).toEqual([
      [0, 1],
      [2, 3, 4],
    ]);
    // b holds 4 of 5: it keeps its 3 lowest and gives up the highest.
    const over = assignUniform([{ memberId: 'a', topicIds: ['t'], current: new Map() }, { memberId: 'b', topicIds: ['t'], current: one('t', [0, 1, 3, 4]) }], new Map([['t', 5]]));
    expect([over.get('a')!.get('t'), over.get('b')!.get('t')]).toEqual([
      [2, 4],
      [0, 1, 3],
    ]);
  });

  it('gives a topic’s bigger shares to the members with the fewest partitions so far, then by member id', () => {
    // Topics are placed in id order: t1's 3 partitions give a 2 and b 1, so t2's bigger share goes to b.
    const members = ['a', 'b'].map((memberId) => ({ memberId, topicIds: ['t1', 't2'], current: new Map() as Assignment }));
    const r = assignUniform(members, new Map([['t2', 3], ['t1', 3]]));
    expect([...r.get('a')!]).toEqual([['t1', [0, 1]], ['t2', [0]]]);
    expect([...r.get('b')!]).toEqual([['t1', [2]], ['t2', [1, 2]]]);
    // The same whatever order the partition counts come in.
    expect(assignUniform(members, new Map([['t1', 3], ['t2', 3]]))).toEqual(r);
    // Three topics placed a, b, a: the fourth goes to b.
    const four = assignUniform(
      members.map((m) => ({ ...m, topicIds: ['d', 'c', 'b', 'a'] })),
      new Map([['d', 1], ['c', 1], ['b', 1], ['a', 1]]),
    );
    expect([[...four.get('a')!.keys()], [...four.get('b')!.keys()]]).toEqual([
      ['a', 'c'],
      ['b', 'd'],
    ]);
  });
});
