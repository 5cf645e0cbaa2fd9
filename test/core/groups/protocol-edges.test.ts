/**
 * The group protocol's edges as a member or an operator sees them: the
 * answers' exact wording, the order of an assignment, what counts as a change
 * worth a write, and when a slow member is (not) removed. Complements
 * protocol.test.ts (the state machine) with what mutation testing found
 * unchecked there.
 */
import { describe, expect, it } from 'vitest';
import { EddyError } from '../../../core/errors.js';
import { adminFence, applyHeartbeat, authorizeCommit, describeAssignment, groupStatus, type HeartbeatCall } from '../../../core/groups/protocol.js';
import { emptyGroup, type GroupState, type TopicMeta } from '../../../core/groups/state.js';
import type { HeartbeatResponse } from '../../../core/groups/types.js';

const REBALANCE = 60_000;
const SESSION = 10_000;

function error(fn: () => unknown): EddyError {
  try {
    fn();
  } catch (err) {
    expect(err).toBeInstanceOf(EddyError);
    return err as EddyError;
  }
  throw new Error('expected an EddyError, got an answer');
}

/** A group driven by heartbeats, keeping the state and whether each call changed it. */
class Group {
  state: GroupState = emptyGroup(0);
  now = 1_000_000;
  lastChanged = false;
  private ids = 0;
  readonly topics: TopicMeta[] = [];

  beat(call: Partial<Omit<HeartbeatCall, 'group'>> & { memberEpoch: number }): HeartbeatResponse {
    const out = applyHeartbeat(
      this.state,
      { group: 'g', sessionTimeoutMs: SESSION, topics: this.topics, ...call },
      { now: this.now, rebalanceTimeoutMs: REBALANCE, newMemberId: () => `m${this.ids++}` },
    );
    this.lastChanged = out.changed;
    this.state = out.state;
    return out.response;
  }
}

describe('group protocol: answers and their wording', () => {
  it('names the missing memberId when a heartbeat other than a join has none', () => {
    const g = new Group();
    const err = error(() => g.beat({ memberEpoch: 4 }));
    expect(err.code).toBe('INVALID_REQUEST');
    expect(err.message).toBe('memberId is required unless memberEpoch is 0 (join), got memberEpoch 4');
  });

  it('tells an unknown member to rejoin with epoch 0 and no memberId', () => {
    const g = new Group();
    const err = error(() => g.beat({ memberId: 'ghost', memberEpoch: 2 }));
    expect(err.code).toBe('UNKNOWN_MEMBER_ID');
    expect(err.message).toBe('member ghost is not in group g (never joined, left, or expired): release its partitions and join again with memberEpoch 0 and no memberId');
  });

  it('says whether a refused epoch is stale or ahead, and which epochs a member with a pending assignment may use', () => {
    const g = new Group();
    g.topics.push({ name: 't', topicId: 't-id', partitions: 2 });
    const a = g.beat({ memberEpoch: 0 }); // m0, epoch 1, pending
    const ahead = error(() => g.beat({ memberId: a.memberId, memberEpoch: 5 }));
    expect(ahead.code).toBe('STALE_MEMBER_EPOCH');
    expect(ahead.message).toBe(
      'memberEpoch 5 is ahead of any epoch given to member m0 of group g: its epoch is 1 (or 0, the epoch it acknowledged last, until it acknowledges 1); release its partitions and rejoin with memberEpoch 0 (and this memberId)',
    );
    g.beat({ memberId: a.memberId, memberEpoch: 1 }); // acknowledged
    const stale = error(() => g.beat({ memberId: a.memberId, memberEpoch: 2 }));
    expect(stale.message).toBe('memberEpoch 2 is ahead of any epoch given to member m0 of group g: its epoch is 1; release its partitions and rejoin with memberEpoch 0 (and this memberId)');
    g.beat({ memberEpoch: 0 }); // m1 joins: epoch 2
    const old = error(() => g.beat({ memberId: a.memberId, memberEpoch: 2 }));
    expect(old.message).toContain('is ahead of any epoch given to member m0');
    // Once acknowledged, epoch 0 with the id is a rejoin (KIP-848), not stale: same id, a new epoch.
    const rejoined = g.beat({ memberId: a.memberId, memberEpoch: 0 });
    expect(rejoined.memberId).toBe('m0');
    expect(rejoined.memberEpoch).toBe(3);
    // The rejoin acknowledged an empty assignment at its epoch 1 (epochs never go back): 1 repeats the rejoin's answer.
    expect(g.beat({ memberId: a.memberId, memberEpoch: 1 })).toEqual(rejoined);
    g.beat({ memberId: a.memberId, memberEpoch: 3 });
    const behind = error(() => g.beat({ memberId: a.memberId, memberEpoch: 1 }));
    expect(behind.message).toBe('memberEpoch 1 is stale for member m0 of group g: its epoch is 3; release its partitions and rejoin with memberEpoch 0 (and this memberId)');
  });

  it('refuses commits with messages naming the epoch or the partition', () => {
    const g = new Group();
    g.topics.push({ name: 't', topicId: 't-id', partitions: 2 });
    const a = g.beat({ memberEpoch: 0 });
    const t = { now: g.now, rebalanceTimeoutMs: REBALANCE, group: 'g' };
    const tp = (partition: number) => ({ topic: 't', topicId: 't-id', partition });
    // Before it acknowledged its first assignment a member owns nothing; epoch 0 is never a commit epoch.
    const zero = error(() => authorizeCommit(g.state, t, a.memberId, 0, [tp(0)]));
    expect(zero.code).toBe('STALE_MEMBER_EPOCH');
    expect(zero.message).toBe('memberEpoch 0 is stale for member m0 of group g: its epoch is 1; heartbeat and commit with the epoch it answers');
    const ahead = error(() => authorizeCommit(g.state, t, a.memberId, 3, [tp(0)]));
    expect(ahead.message).toBe('memberEpoch 3 is ahead of any epoch given to member m0 of group g: its epoch is 1; heartbeat and commit with the epoch it answers');
    expect(authorizeCommit(g.state, t, a.memberId, 1, [tp(0), tp(1)])).toBe(1);
    const notHeld = error(() => authorizeCommit(g.state, t, a.memberId, 1, [{ topic: 'u', topicId: 'u-id', partition: 0 }]));
    expect(notHeld.message).toBe('member m0 of group g does not own u/0 at epoch 1: heartbeat to learn its assignment');
    const unknown = error(() => authorizeCommit(g.state, t, 'ghost', 1, []));
    expect(unknown.code).toBe('UNKNOWN_MEMBER_ID');
  });

  it('refuses an administrative write to a group with live members, counting them', () => {
    const g = new Group();
    g.beat({ memberEpoch: 0 });
    g.beat({ memberEpoch: 0 });
    const err = error(() => adminFence(g.state, { now: g.now, rebalanceTimeoutMs: REBALANCE, group: 'g', action: 'reset offsets' }));
    expect(err.code).toBe('NON_EMPTY_GROUP');
    expect(err.message).toBe('cannot reset offsets: group g has 2 live member(s)');
  });
});

describe('group protocol: state and status', () => {
  it('calls a group without members Empty, and lists an assignment by topic name', () => {
    expect(groupStatus(emptyGroup(7))).toBe('Empty');
    const g = new Group();
    g.topics.push({ name: 'b', topicId: 'b-id', partitions: 1 }, { name: 'c', topicId: 'c-id', partitions: 1 }, { name: 'a', topicId: 'a-id', partitions: 2 });
    const r = g.beat({ memberEpoch: 0 });
    expect(r.assignment).toEqual([
      { topic: 'a', partitions: [0, 1] },
      { topic: 'b', partitions: [0] },
      { topic: 'c', partitions: [0] },
    ]);
    expect(groupStatus(g.state)).toBe('Reconciling');
    g.beat({ memberId: r.memberId, memberEpoch: r.memberEpoch });
    expect(groupStatus(g.state)).toBe('Stable');
    // A topic id the state does not know is shown by its id.
    expect(describeAssignment(g.state, new Map([['zz-id', [3]], ['a-id', [1]]]))).toEqual([
      { topic: 'a', partitions: [1] },
      { topic: 'zz-id', partitions: [3] },
    ]);
    const names = ['e', 'c', 'a', 'd', 'b', 'f'];
    const shuffled = new Map(names.map((n, i): [string, number[]] => [`${n}-x`, [i]]));
    expect(describeAssignment(g.state, shuffled).map((x) => x.topic)).toEqual(['a-x', 'b-x', 'c-x', 'd-x', 'e-x', 'f-x']);
    expect(describeAssignment(g.state, new Map([...shuffled].reverse())).map((x) => x.topic)).toEqual(['a-x', 'b-x', 'c-x', 'd-x', 'e-x', 'f-x']);
  });

  it('reports a retried leave of a member already gone as no change (nothing to write)', () => {
    const g = new Group();
    const a = g.beat({ memberEpoch: 0 });
    g.beat({ memberId: a.memberId, memberEpoch: -1 });
    expect(g.lastChanged).toBe(true);
    expect(g.state.members).toEqual([]);
    const before = g.state;
    const again = g.beat({ memberId: a.memberId, memberEpoch: -1 });
    expect(again).toMatchObject({ memberId: a.memberId, memberEpoch: -1, assignment: [] });
    expect(g.lastChanged).toBe(false);
    expect(g.state.members).toEqual(before.members);
  });

  it('writes a leave that removes an expired member, even when the leaving one was already gone', () => {
    const g = new Group();
    g.beat({ memberEpoch: 0 });
    g.now += SESSION + 1;
    g.beat({ memberId: 'ghost', memberEpoch: -1 });
    expect(g.lastChanged).toBe(true);
    expect(g.state.members).toEqual([]);
  });

  it('keeps a slow joiner that owns nothing past the rebalance timeout while it heartbeats; its pending assignment waits for its acknowledgement', () => {
    const g = new Group();
    g.topics.push({ name: 't', topicId: 't-id', partitions: 2 });
    const a = g.beat({ memberEpoch: 0 });
    g.beat({ memberId: a.memberId, memberEpoch: a.memberEpoch }); // a owns 0 and 1
    const b = g.beat({ memberEpoch: 0 }); // b's first assignment: nothing yet (a still holds both)
    expect(b.assignment).toEqual([]);
    // a is asked to release one partition and does so.
    const revoke = g.beat({ memberId: a.memberId, memberEpoch: a.memberEpoch });
    expect(revoke.assignment).toEqual([{ topic: 't', partitions: [0] }]);
    g.beat({ memberId: a.memberId, memberEpoch: revoke.memberEpoch });
    // b never acknowledged its first answer: it keeps getting that answer, and is not removed,
    // however long it takes, as long as it heartbeats within its session timeout.
    for (let i = 0; i < 8; i++) {
      g.now += SESSION - 1;
      expect(g.beat({ memberId: a.memberId, memberEpoch: revoke.memberEpoch }).assignment).toEqual([{ topic: 't', partitions: [0] }]);
      expect(g.beat({ memberId: b.memberId, memberEpoch: 0 })).toEqual(b);
    }
    expect(g.now - 1_000_000).toBeGreaterThan(REBALANCE);
    expect(g.state.members.map((m) => m.memberId)).toEqual([a.memberId, b.memberId]);
    // Once it acknowledges, it gets the released partition with a new epoch.
    const got = g.beat({ memberId: b.memberId, memberEpoch: b.memberEpoch });
    expect(got.memberEpoch).toBeGreaterThan(b.memberEpoch);
    expect(got.assignment).toEqual([{ topic: 't', partitions: [1] }]);
  });
});
