/**
 * Why a member stops being live (core/groups/protocol.ts, `expiry`): its
 * session ran out (no heartbeat for longer than its session timeout), or it
 * sat on partitions it was asked to give up for longer than the rebalance
 * timeout. The reason is what a log line or an operator would be told.
 */
import { describe, expect, it } from 'vitest';
import { applyHeartbeat, expiry } from '../../../core/groups/protocol.js';
import { emptyGroup, type MemberState } from '../../../core/groups/state.js';

const member = (extra: Partial<MemberState> = {}): MemberState => ({
  memberId: 'm',
  epoch: 3,
  ackedEpoch: 3,
  assigned: new Map([['t1', [0]]]),
  owned: new Map([['t1', [0]]]),
  topics: ['orders'],
  sessionTimeoutMs: 10_000,
  lastHeartbeatMs: 1_000,
  ...extra,
});
const timing = (now: number) => ({ now, rebalanceTimeoutMs: 60_000 });

describe('member expiry', () => {
  it('is the session once no heartbeat came for longer than the session timeout', () => {
    expect(expiry(member(), timing(11_000))).toBeUndefined();
    expect(expiry(member(), timing(11_001))).toBe('session');
  });

  it('is the rebalance once a member holds partitions it was asked to release for longer than the rebalance timeout', () => {
    // Asked at 1_000 to give up partition 0 (no longer assigned), still owning it, still heartbeating.
    const slow = (now: number) => member({ assigned: new Map([['t1', []]]), pendingSinceMs: 1_000, lastHeartbeatMs: now });
    expect(expiry(slow(61_000), timing(61_000))).toBeUndefined();
    expect(expiry(slow(61_001), timing(61_001))).toBe('rebalance');
    // Waiting as long for partitions it does not own yet is no reason: it holds nothing it should not.
    const waiting = member({ assigned: new Map([['t1', [0, 1]]]), pendingSinceMs: 1_000, lastHeartbeatMs: 100_000 });
    expect(expiry(waiting, timing(100_000))).toBeUndefined();
  });
});

describe('a member subscription', () => {
  it('is kept as its topic names, sorted and each once, whatever order the heartbeat names them in', () => {
    const topics = [
      { name: 'orders', topicId: 'o-id', partitions: 1 },
      { name: 'audit', topicId: 'a-id', partitions: 1 },
      { name: 'billing', topicId: 'b-id', partitions: 1 },
    ];
    const out = applyHeartbeat(emptyGroup(0), { group: 'g', memberEpoch: 0, sessionTimeoutMs: 10_000, topics }, { now: 1, rebalanceTimeoutMs: 60_000, newMemberId: () => 'm0' });
    expect(out.state.members.map((m) => m.topics)).toEqual([['audit', 'billing', 'orders']]);
  });
});
