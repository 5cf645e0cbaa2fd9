/**
 * The consumer-group protocol (KIP-848 style), as pure functions over a
 * {@link GroupState}: no storage, no clock, no randomness. The coordinator
 * reads the state, applies one of these, and writes the result back with an
 * optimistic version check. docs/groups.md explains the rules in prose.
 *
 * Per member the state keeps two assignments:
 * - `assigned` (epoch `epoch`): the assignment last returned to it;
 * - `owned` (epoch `ackedEpoch`): the assignment it last acknowledged, i.e.
 *   what it may still be consuming. Equal to `assigned` unless a returned
 *   assignment is still unacknowledged ("pending").
 *
 * The rules that make it safe:
 * 1. A member *holds* `owned ∪ assigned`. A partition is given to a member
 *    only if no other live member holds it, so the held sets of live members
 *    are always disjoint: a partition moves only after its old owner
 *    acknowledged an assignment without it, left, or expired.
 * 2. Every returned assignment that differs from the previous one gets a new
 *    epoch, `++groupEpoch`. The group epoch only increases, so the epoch
 *    under which a partition's new owner got it is higher than every epoch
 *    of every earlier owner: that epoch is the fence stored with committed
 *    offsets, and the store refuses writes with a lower fence (zombies).
 * 3. While a returned assignment is pending, the member's assignment is not
 *    changed again: heartbeats carrying the acknowledged epoch get the same
 *    answer (a lost answer is simply repeated).
 */
import { DEFAULTS } from '../config.js';
import { EddyError } from '../errors.js';
import {
  assignmentEquals,
  EMPTY_ASSIGNMENT,
  filter,
  holds,
  intersect,
  isSubset,
  minus,
  union,
  type Assignment,
} from './assignment.js';
import { assignUniform } from './assignor.js';
import type { GroupState, MemberState, TopicMeta } from './state.js';
import type { GroupStateName, HeartbeatResponse, TopicPartitions } from './types.js';

/** Session timeout bounds (ms). */
export const SESSION_TIMEOUT_MS = { min: 1_000, max: 300_000, default: 45_000 } as const;

/**
 * How long a member may keep a pending assignment that revokes partitions
 * unacknowledged before it is removed (Kafka's `max.poll.interval.ms`):
 * revoked partitions wait for the acknowledgement, so a member that keeps
 * heartbeating but never acknowledges must not block them forever.
 */
export const DEFAULT_REBALANCE_TIMEOUT_MS = 300_000;

/** The heartbeat interval answers ask for by default (ms); the local host asks for 1000. */
export const DEFAULT_HEARTBEAT_INTERVAL_MS = DEFAULTS.heartbeatIntervalMs;

/** The interval asked of a member waiting for partitions another member still holds (ms). */
export const DEFAULT_HANDOVER_HEARTBEAT_INTERVAL_MS = DEFAULTS.handoverHeartbeatIntervalMs;

/** The heartbeat interval the server asks for: a third of the session timeout, at most `maxMs` (5 s by default). */
export function heartbeatIntervalMs(sessionTimeoutMs: number, maxMs: number = DEFAULT_HEARTBEAT_INTERVAL_MS): number {
  return Math.max(1, Math.min(maxMs, Math.floor(sessionTimeoutMs / 3)));
}

/** The time and limits a protocol step runs with. */
export interface Timing {
  readonly now: number;
  readonly rebalanceTimeoutMs: number;
  /** The interval a member is asked to heartbeat at (capped at a third of its session timeout). @default 5000 */
  readonly heartbeatIntervalMs?: number;
  /**
   * The interval asked of a member whose target holds partitions another
   * member has not released yet: it gets them in the answer to its first
   * heartbeat after their release, so this bounds how long a handover waits
   * for the new owner. @default 500
   */
  readonly handoverHeartbeatIntervalMs?: number;
}

/** Why a member is no longer live at `t.now`, if it is not. */
export function expiry(m: MemberState, t: Timing): 'session' | 'rebalance' | undefined {
  if (t.now - m.lastHeartbeatMs > m.sessionTimeoutMs) return 'session';
  if (m.pendingSinceMs !== undefined && t.now - m.pendingSinceMs > t.rebalanceTimeoutMs && !isSubset(m.owned, m.assigned)) return 'rebalance';
  return undefined;
}

/** The state without members that expired by `t.now`; their partitions become assignable. */
export function withoutExpired(state: GroupState, t: Timing): GroupState {
  const live = state.members.filter((m) => expiry(m, t) === undefined);
  return live.length === state.members.length ? state : { ...state, members: live };
}

/** What a member holds: everything it was given and has not released. */
export function heldBy(m: MemberState): Assignment {
  return m.ackedEpoch === m.epoch ? m.assigned : union(m.owned, m.assigned);
}

/** The target assignment of every member of a (live) state. */
export function targetAssignment(state: GroupState): Map<string, Assignment> {
  const counts = new Map<string, number>();
  for (const topicId of state.current.values()) counts.set(topicId, state.topics.get(topicId)?.partitions ?? 0);
  return assignUniform(
    state.members.map((m) => {
      const topicIds: string[] = [];
      for (const name of m.topics) {
        const id = state.current.get(name);
        if (id !== undefined) topicIds.push(id);
      }
      return { memberId: m.memberId, topicIds, current: m.assigned };
    }),
    counts,
  );
}

/** Empty (no live members), Stable (every member acknowledged its target) or Reconciling. */
export function groupStatus(state: GroupState): GroupStateName {
  if (state.members.length === 0) return 'Empty';
  const targets = targetAssignment(state);
  for (const m of state.members) {
    if (m.ackedEpoch !== m.epoch || !assignmentEquals(m.assigned, targets.get(m.memberId) ?? EMPTY_ASSIGNMENT)) return 'Reconciling';
  }
  return 'Stable';
}

/** An assignment as the API shows it: by topic name, sorted. */
export function describeAssignment(state: GroupState, a: Assignment): TopicPartitions[] {
  return [...a]
    .map(([topicId, partitions]) => ({ topic: state.topics.get(topicId)?.name ?? topicId, partitions: [...partitions] }))
    .sort((x, y) => (x.topic < y.topic ? -1 : x.topic > y.topic ? 1 : 0));
}

/** A heartbeat after validation, with the subscribed topics resolved. */
export interface HeartbeatCall {
  readonly group: string;
  readonly memberId?: string;
  readonly memberEpoch: number;
  /** The subscribed topics as just read (unique names); ignored on leave. */
  readonly topics: readonly TopicMeta[];
  readonly sessionTimeoutMs: number;
}

/** The result of a heartbeat: the next state, whether it differs, and the answer. */
export interface HeartbeatOutcome {
  readonly state: GroupState;
  readonly changed: boolean;
  readonly response: HeartbeatResponse;
}

function unknownMember(group: string, memberId: string): EddyError {
  return new EddyError(
    'UNKNOWN_MEMBER_ID',
    `member ${memberId} is not in group ${group} (never joined, left, or expired): release its partitions and join again with memberEpoch 0 and no memberId`,
  );
}

function replaceMember(state: GroupState, member: MemberState): GroupState {
  const i = state.members.findIndex((m) => m.memberId === member.memberId);
  const members = [...state.members];
  if (i < 0) members.push(member);
  else members[i] = member;
  return { ...state, members };
}

/** Records what a heartbeat learned about a topic; a recreated topic gets its new id as current. */
function withTopic(state: GroupState, meta: TopicMeta): GroupState {
  const known = state.topics.get(meta.topicId);
  if (state.current.get(meta.name) === meta.topicId && known?.partitions === meta.partitions) return state;
  const topics = new Map(state.topics);
  topics.set(meta.topicId, { topicId: meta.topicId, name: meta.name, partitions: Math.max(meta.partitions, known?.partitions ?? 0) });
  const current = new Map(state.current);
  current.set(meta.name, meta.topicId);
  return { ...state, topics, current };
}

/**
 * The assignment to return to an acknowledged member: what it owns and should
 * keep, plus what its target adds that no other member holds. Partitions of a
 * recreated topic are not added while the member still owns partitions of the
 * old topic with the same name, so the answer never names one topic twice.
 */
function reconcile(state: GroupState, member: MemberState, target: Assignment): Assignment {
  const keep = intersect(member.owned, target);
  const candidates = minus(target, member.owned);
  if (candidates.size === 0) return keep;
  // What the other members hold, of the candidate topics only.
  const heldByOthers = new Map<string, Set<number>>([...candidates.keys()].map((topicId) => [topicId, new Set<number>()]));
  for (const other of state.members) {
    if (other.memberId === member.memberId) continue;
    for (const [topicId, held] of heldByOthers) {
      for (const p of other.assigned.get(topicId) ?? []) held.add(p);
      if (other.ackedEpoch !== other.epoch) for (const p of other.owned.get(topicId) ?? []) held.add(p);
    }
  }
  const ownedNames = new Map<string, Set<string>>();
  for (const topicId of member.owned.keys()) {
    const name = state.topics.get(topicId)?.name ?? topicId;
    ownedNames.set(name, (ownedNames.get(name) ?? new Set()).add(topicId));
  }
  const blocked = (topicId: string): boolean => {
    const ids = ownedNames.get(state.topics.get(topicId)?.name ?? topicId);
    return ids !== undefined && [...ids].some((id) => id !== topicId);
  };
  const add = filter(candidates, (topicId, p) => !heldByOthers.get(topicId)!.has(p) && !blocked(topicId));
  return union(keep, add);
}

/**
 * Applies one heartbeat.
 *
 * - `memberEpoch: -1` leaves: the member is removed and its partitions are
 *   free at once. Leaving as an unknown member succeeds too (a retried leave).
 * - `memberEpoch: 0` without `memberId` joins as a new member with
 *   `newMemberId()`; its first assignment (maybe empty) gets a new epoch.
 * - `memberEpoch: 0` with the id of a live member that has acknowledged an
 *   assignment rejoins (KIP-848): the member says it gave up every partition
 *   (a client does so after `STALE_MEMBER_EPOCH`), so they are free at once,
 *   and it is treated as a fresh join under the same id. Until its first
 *   acknowledgement, 0 is its acknowledged epoch and repeats the first
 *   assignment instead (which a fresh join would get too: it owns nothing).
 * - The member's current epoch acknowledges the assignment returned with it
 *   (and so the release of every partition not in it); then the member's
 *   next assignment is computed and, if different, returned with a new epoch.
 * - While an assignment is pending, the epoch acknowledged before it (0
 *   before the first acknowledgement) is also accepted: the answer repeats
 *   the pending assignment, so a lost answer or a slow reconciliation is harmless.
 * - Any other epoch is `STALE_MEMBER_EPOCH`; an unknown or expired member is
 *   `UNKNOWN_MEMBER_ID`. Rejected heartbeats change nothing.
 */
export function applyHeartbeat(state: GroupState, call: HeartbeatCall, t: Timing & { newMemberId(): string }): HeartbeatOutcome {
  if (call.memberId === undefined && call.memberEpoch !== 0) {
    throw new EddyError('INVALID_REQUEST', `memberId is required unless memberEpoch is 0 (join), got memberEpoch ${call.memberEpoch}`);
  }
  let s = withoutExpired(state, t);
  const interval = heartbeatIntervalMs(call.sessionTimeoutMs, t.heartbeatIntervalMs);
  const handoverInterval = Math.min(interval, t.handoverHeartbeatIntervalMs ?? DEFAULT_HANDOVER_HEARTBEAT_INTERVAL_MS);

  if (call.memberEpoch === -1) {
    const memberId = call.memberId!;
    const members = s.members.filter((m) => m.memberId !== memberId);
    const changed = s !== state || members.length !== s.members.length;
    return { state: { ...s, members }, changed, response: { memberId, memberEpoch: -1, heartbeatIntervalMs: interval, assignment: [] } };
  }

  let member: MemberState;
  let rejoining = false;
  const fresh = (memberId: string): MemberState => ({
    memberId,
    epoch: 0,
    ackedEpoch: 0,
    assigned: EMPTY_ASSIGNMENT,
    owned: EMPTY_ASSIGNMENT,
    topics: [],
    sessionTimeoutMs: call.sessionTimeoutMs,
    lastHeartbeatMs: t.now,
  });
  if (call.memberId === undefined) {
    member = fresh(t.newMemberId());
  } else {
    const existing = s.members.find((m) => m.memberId === call.memberId);
    if (!existing) throw unknownMember(call.group, call.memberId);
    if (call.memberEpoch === existing.epoch) {
      // The acknowledgement: the member now owns exactly what it was last given.
      const { pendingSinceMs: _, ...rest } = existing;
      member = { ...rest, ackedEpoch: existing.epoch, owned: existing.assigned };
    } else if (call.memberEpoch === existing.ackedEpoch && existing.ackedEpoch !== existing.epoch) {
      // The member has not received or not finished reconciling its pending assignment: repeat it.
      member = existing;
    } else if (call.memberEpoch === 0) {
      // A rejoin (KIP-848): the member gave up everything it held (e.g. after STALE_MEMBER_EPOCH) and
      // joins afresh under its id. Its partitions are free at once: it now owns, and has acknowledged
      // at its current epoch, an empty assignment (so its epochs never go back), and gets a new epoch below.
      member = { ...fresh(existing.memberId), epoch: existing.epoch, ackedEpoch: existing.epoch };
      rejoining = true;
    } else {
      const pending = existing.ackedEpoch !== existing.epoch ? ` (or ${existing.ackedEpoch}, the epoch it acknowledged last, until it acknowledges ${existing.epoch})` : '';
      // An epoch above the member's was never handed out: not stale, but no more valid (same code, as Kafka's FENCED_MEMBER_EPOCH).
      const how = call.memberEpoch > existing.epoch ? 'is ahead of any epoch given to' : 'is stale for';
      throw new EddyError(
        'STALE_MEMBER_EPOCH',
        `memberEpoch ${call.memberEpoch} ${how} member ${existing.memberId} of group ${call.group}: its epoch is ${existing.epoch}${pending}; release its partitions and rejoin with memberEpoch 0 (and this memberId)`,
      );
    }
  }

  for (const meta of call.topics) s = withTopic(s, meta);
  member = {
    ...member,
    topics: [...new Set(call.topics.map((x) => x.name))].sort(),
    sessionTimeoutMs: call.sessionTimeoutMs,
    lastHeartbeatMs: t.now,
  };
  s = replaceMember(s, member);

  // A member whose target names partitions another member still holds waits for their release:
  // it is asked to heartbeat sooner, so it picks them up soon after (the holder acknowledges a
  // revocation as soon as it has reconciled it, without waiting for its interval).
  let waiting = false;
  if (member.ackedEpoch === member.epoch) {
    const target = targetAssignment(s).get(member.memberId) ?? EMPTY_ASSIGNMENT;
    const next = reconcile(s, member, target);
    waiting = !isSubset(target, next);
    if (member.epoch === 0 || rejoining || !assignmentEquals(next, member.assigned)) {
      // A new assignment gets a new epoch and stays pending until a heartbeat carries that epoch.
      const epoch = s.epoch + 1;
      member = { ...member, epoch, assigned: next, pendingSinceMs: t.now };
      s = { ...replaceMember(s, member), epoch };
    }
  }

  return {
    state: s,
    changed: true,
    response: {
      memberId: member.memberId,
      memberEpoch: member.epoch,
      heartbeatIntervalMs: waiting ? handoverInterval : interval,
      assignment: describeAssignment(s, member.assigned),
    },
  };
}

/** A partition a commit names, with the id of the topic as it exists now. */
export interface CommitTarget {
  readonly topic: string;
  readonly topicId: string;
  readonly partition: number;
}

/**
 * Checks a member's commit and returns its fence (the epoch it carries).
 *
 * The epoch must be the member's current epoch, which allows every partition
 * the member holds (including ones being revoked, whose final offsets a
 * member commits before acknowledging), or, while an assignment is pending,
 * the epoch the member acknowledged last, which allows what it owns. A
 * partition the member does not hold under that epoch is `STALE_MEMBER_EPOCH`
 * too: the member's view of its assignment is out of date.
 */
export function authorizeCommit(state: GroupState, t: Timing & { group: string }, memberId: string, memberEpoch: number, targets: readonly CommitTarget[]): number {
  const member = withoutExpired(state, t).members.find((m) => m.memberId === memberId);
  if (!member) throw unknownMember(t.group, memberId);
  let allowed: Assignment;
  if (memberEpoch === member.epoch) allowed = heldBy(member);
  else if (memberEpoch === member.ackedEpoch && member.ackedEpoch !== member.epoch && memberEpoch > 0) allowed = member.owned;
  else {
    const how = memberEpoch > member.epoch ? 'is ahead of any epoch given to' : 'is stale for';
    throw new EddyError('STALE_MEMBER_EPOCH', `memberEpoch ${memberEpoch} ${how} member ${memberId} of group ${t.group}: its epoch is ${member.epoch}; heartbeat and commit with the epoch it answers`);
  }
  for (const x of targets) {
    if (!holds(allowed, x.topicId, x.partition)) {
      throw new EddyError('STALE_MEMBER_EPOCH', `member ${memberId} of group ${t.group} does not own ${x.topic}/${x.partition} at epoch ${memberEpoch}: heartbeat to learn its assignment`);
    }
  }
  return memberEpoch;
}

/**
 * Checks that a group has no live members and takes a fence for an
 * administrative write (a commit without member fields, an offset reset):
 * the group epoch is raised, so the fence is above every epoch a member
 * ever had and below every epoch a member joining later will get.
 */
export function adminFence(state: GroupState, t: Timing & { group: string; action: string }): { state: GroupState; fence: number } {
  const live = withoutExpired(state, t);
  if (live.members.length > 0) {
    throw new EddyError('NON_EMPTY_GROUP', `cannot ${t.action}: group ${t.group} has ${live.members.length} live member(s)`);
  }
  const fence = live.epoch + 1;
  return { state: { ...live, epoch: fence }, fence };
}
