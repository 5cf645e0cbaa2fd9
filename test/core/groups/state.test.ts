/**
 * The persisted group state: lossless round trip, and its size for large
 * groups (the whole state is one DynamoDB item, at most 400 KB).
 */
import { describe, expect, it } from 'vitest';
import { assignmentOf } from '../../../core/groups/assignment.js';
import { MAX_GROUP_STATE_BYTES } from '../../../core/groups/coordinator.js';
import { assignUniform } from '../../../core/groups/assignor.js';
import { groupStatus } from '../../../core/groups/protocol.js';
import { decodeGroupState, emptyGroup, encodeGroupState, stateOf, type GroupState, type MemberState, type TopicMeta } from '../../../core/groups/state.js';
import { EddyError } from '../../../core/errors.js';

const size = (s: GroupState) => JSON.stringify(encodeGroupState(s)).length;
const hexId = (i: number) => i.toString(16).padStart(32, '0');

/** A stable group: `members` members, each acknowledged its share of the uniform assignment. */
function stableGroup(topics: TopicMeta[], members: number): GroupState {
  const ids = Array.from({ length: members }, (_, i) => hexId(i));
  const targets = assignUniform(
    ids.map((memberId) => ({ memberId, topicIds: topics.map((t) => t.topicId), current: new Map() })),
    new Map(topics.map((t) => [t.topicId, t.partitions])),
  );
  const state: GroupState = {
    epoch: 10_000,
    topics: new Map(topics.map((t) => [t.topicId, t])),
    current: new Map(topics.map((t) => [t.name, t.topicId])),
    members: ids.map((memberId, i) => ({
      memberId,
      epoch: 9_000 + i,
      ackedEpoch: 9_000 + i,
      assigned: targets.get(memberId)!,
      owned: targets.get(memberId)!,
      topics: topics.map((t) => t.name),
      sessionTimeoutMs: 45_000,
      lastHeartbeatMs: 1_700_000_000_000 + i,
    })),
  };
  expect(groupStatus(state)).toBe('Stable');
  return state;
}

describe('persisted group state', () => {
  it('round-trips members, pending assignments and recreated topics', () => {
    const member: MemberState = {
      memberId: 'm1',
      epoch: 9,
      ackedEpoch: 7,
      assigned: assignmentOf([['new', [0, 1, 2, 5]]]),
      owned: assignmentOf([['old', [3]], ['new', [0]]]),
      topics: ['t', 'u'],
      sessionTimeoutMs: 45_000,
      lastHeartbeatMs: 123,
      pendingSinceMs: 120,
    };
    const state: GroupState = {
      epoch: 9,
      topics: new Map([
        ['old', { topicId: 'old', name: 't', partitions: 4 }],
        ['new', { topicId: 'new', name: 't', partitions: 6 }],
        ['u-id', { topicId: 'u-id', name: 'u', partitions: 1 }],
        ['gone', { topicId: 'gone', name: 'x', partitions: 1 }],
      ]),
      current: new Map([
        ['t', 'new'],
        ['u', 'u-id'],
      ]),
      members: [member, { ...member, memberId: 'm2', epoch: 4, ackedEpoch: 4, owned: member.assigned, pendingSinceMs: undefined }],
    };
    const doc = JSON.parse(JSON.stringify(encodeGroupState(state)));
    expect(doc.t).toEqual([
      ['t', 'new', 6, 1],
      ['u', 'u-id', 1, 1],
      ['t', 'old', 4, 0],
    ]); // unreferenced topics are dropped
    expect(doc.m[0]).toEqual({ i: 'm1', e: 9, k: 7, s: [0, 1], to: 45_000, hb: 123, a: '0:0-2,5', o: '2:3;0:0', ps: 120 });
    expect(doc.m[1]).toEqual({ i: 'm2', e: 4, s: [0, 1], to: 45_000, hb: 123, a: '0:0-2,5' });
    const back = decodeGroupState(doc);
    expect(back.members[0]).toEqual(member);
    expect(back.members[1]).toEqual({ ...member, memberId: 'm2', epoch: 4, ackedEpoch: 4, owned: member.assigned, pendingSinceMs: undefined });
    expect(back.current).toEqual(state.current);
    expect(encodeGroupState(back)).toEqual(doc);
  });

  it('refuses documents of an unknown format as INTERNAL', () => {
    expect(() => decodeGroupState({ v: 2, e: 0, t: [], m: [] })).toThrow(expect.objectContaining({ code: 'INTERNAL' }));
    expect(() => decodeGroupState(null)).toThrow(expect.objectContaining({ code: 'INTERNAL' }));
  });

  it('says why a stored document is unreadable, keeping the cause', () => {
    const unreadable = (doc: unknown): EddyError => {
      try {
        decodeGroupState(doc);
      } catch (err) {
        expect(err).toBeInstanceOf(EddyError);
        expect((err as EddyError).code).toBe('INTERNAL');
        return err as EddyError;
      }
      throw new Error('decoded');
    };
    expect(unreadable({ v: 2, e: 0, t: [], m: [] }).message).toBe('stored group state is unreadable: unknown format 2');
    expect(unreadable(undefined).message).toBe('stored group state is unreadable: unknown format undefined');
    const member = { i: 'm', e: 3, s: [0], to: 45_000, hb: 1, a: '0:0' };
    const badIndex = unreadable({ v: 1, e: 3, t: [['t', 'tid', 1, 1]], m: [{ ...member, a: '1:0' }] });
    expect(badIndex.message).toBe('stored group state is unreadable: topic index 1 out of range');
    expect(badIndex.cause).toBeInstanceOf(Error);
    expect(unreadable({ v: 1, e: 3, t: [['t', 'tid', 1, 1]], m: [{ ...member, s: [2] }] }).message).toContain('topic index 2 out of range');
    expect(unreadable({ v: 1, e: 3, t: [['t', 'tid', 1, 1]], m: [{ ...member, a: '0:x' }] }).message).toContain('malformed partition range "x"');
  });

  it('reads a member with nothing assigned, and a pending one whose acknowledged assignment was empty', () => {
    const t = [['t', 'tid', 2, 1]];
    const idle = decodeGroupState({ v: 1, e: 5, t, m: [{ i: 'm', e: 5, s: [0], to: 45_000, hb: 9, a: '' }] }).members[0]!;
    expect(idle).toEqual({ memberId: 'm', epoch: 5, ackedEpoch: 5, assigned: new Map(), owned: new Map(), topics: ['t'], sessionTimeoutMs: 45_000, lastHeartbeatMs: 9 });
    expect('pendingSinceMs' in idle).toBe(false);
    const joining = decodeGroupState({ v: 1, e: 5, t, m: [{ i: 'm', e: 5, k: 0, s: [0], to: 45_000, hb: 9, a: '0:0-1', ps: 8 }] }).members[0]!;
    expect(joining).toEqual({ memberId: 'm', epoch: 5, ackedEpoch: 0, assigned: new Map([['tid', [0, 1]]]), owned: new Map(), topics: ['t'], sessionTimeoutMs: 45_000, lastHeartbeatMs: 9, pendingSinceMs: 8 });
    // "ps" means nothing without a pending assignment
    const settled = decodeGroupState({ v: 1, e: 5, t, m: [{ i: 'm', e: 5, s: [0], to: 45_000, hb: 9, a: '0:0', ps: 8 }] }).members[0]!;
    expect('pendingSinceMs' in settled).toBe(false);
    expect(stateOf({ group: 'g', version: 1, state: { v: 1, e: 5, t, m: [] } })).toEqual({ ...emptyGroup(5), current: new Map([['t', 'tid']]), topics: new Map([['tid', { topicId: 'tid', name: 't', partitions: 2 }]]) });
    expect(emptyGroup()).toEqual({ epoch: 0, topics: new Map(), current: new Map(), members: [] });
  });

  it('stores an acknowledged member without its pending fields, and a joining member whose acknowledged set is empty', () => {
    const base: MemberState = { memberId: 'm', epoch: 4, ackedEpoch: 4, assigned: assignmentOf([['tid', [0]]]), owned: assignmentOf([['tid', [0]]]), topics: ['t'], sessionTimeoutMs: 45_000, lastHeartbeatMs: 9, pendingSinceMs: 3 };
    const state = (m: MemberState): GroupState => ({ epoch: 4, topics: new Map([['tid', { topicId: 'tid', name: 't', partitions: 1 }]]), current: new Map([['t', 'tid']]), members: [m] });
    expect(encodeGroupState(state(base)).m).toEqual([{ i: 'm', e: 4, s: [0], to: 45_000, hb: 9, a: '0:0' }]);
    const joining = { ...base, ackedEpoch: 0, owned: new Map() };
    expect(encodeGroupState(state(joining)).m).toEqual([{ i: 'm', e: 4, k: 0, s: [0], to: 45_000, hb: 9, a: '0:0', o: '', ps: 3 }]);
    expect(decodeGroupState(JSON.parse(JSON.stringify(encodeGroupState(state(joining))))).members[0]).toEqual(joining);
    const { pendingSinceMs: _, ...noSince } = joining;
    expect(encodeGroupState(state(noSince)).m[0]).not.toHaveProperty('ps');
  });

  it('refuses to store a state that names a topic it does not describe (a bug), as INTERNAL', () => {
    const member: MemberState = { memberId: 'm', epoch: 4, ackedEpoch: 4, assigned: assignmentOf([['ghost', [0]]]), owned: assignmentOf([['ghost', [0]]]), topics: ['t'], sessionTimeoutMs: 45_000, lastHeartbeatMs: 9 };
    const topics = new Map([['tid', { topicId: 'tid', name: 't', partitions: 1 }]]);
    expect(() => encodeGroupState({ epoch: 4, topics, current: new Map([['t', 'tid']]), members: [member] })).toThrow(
      expect.objectContaining({ code: 'INTERNAL', message: 'group state refers to unknown topic id ghost' }),
    );
    expect(() => encodeGroupState({ epoch: 4, topics, current: new Map(), members: [{ ...member, assigned: new Map(), owned: new Map() }] })).toThrow(
      expect.objectContaining({ code: 'INTERNAL', message: 'group state has no topic id for subscribed topic t' }),
    );
  });

  it('stays far below 400 KB for 500 members on 5000 partitions', () => {
    const tenTopics = Array.from({ length: 10 }, (_, i) => ({ topicId: hexId(1000 + i), name: `orders-${i}`, partitions: 500 }));
    const stable = stableGroup(tenTopics, 500);
    const fiveTopics = Array.from({ length: 5 }, (_, i) => ({ topicId: hexId(2000 + i), name: `events.${i}`, partitions: 1000 }));
    const stableWide = stableGroup(fiveTopics, 500);

    // Worst case: every member mid-rebalance (owned and assigned both stored) with scattered partitions.
    let seed = 7;
    const rand = () => ((seed = (seed * 1103515245 + 12345) % 2 ** 31) / 2 ** 31);
    const scattered = (m: number, salt: number) =>
      assignmentOf(tenTopics.map((t) => [t.topicId, Array.from({ length: 500 }, (_, p) => p).filter((p) => (p * 7 + salt) % 500 === m % 500 || rand() < 0.001)] as const));
    const worst: GroupState = {
      ...stable,
      members: stable.members.map((m, i) => ({ ...m, epoch: m.epoch + 1, ackedEpoch: m.epoch, assigned: scattered(i, 1), owned: scattered(i, 2), pendingSinceMs: m.lastHeartbeatMs })),
    };

    const sizes = { stable: size(stable), stableWide: size(stableWide), worst: size(worst) };
    console.log(
      `group state, 500 members × 5000 partitions: stable on 10×500 ${sizes.stable} B, stable on 5×1000 ${sizes.stableWide} B, ` +
        `all members pending with scattered partitions ${sizes.worst} B (limit ${MAX_GROUP_STATE_BYTES} B, DynamoDB 400 KB)`,
    );
    expect(sizes.stable).toBeLessThan(100_000);
    expect(sizes.stableWide).toBeLessThan(100_000);
    expect(sizes.worst).toBeLessThan(MAX_GROUP_STATE_BYTES);
  });
});
