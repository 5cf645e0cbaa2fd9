/**
 * The group coordinator: consumer groups (KIP-848 style) over the metadata
 * store. The HTTP handlers call this; the rules live in `protocol.ts` (pure)
 * and are explained in docs/groups.md.
 *
 * Storage (groups table, see `core/layout.ts`):
 * - one state item per group, read consistently and written with an
 *   optimistic version check: concurrent heartbeats re-read and retry with
 *   jittered backoff, so no update is ever lost or applied to stale state;
 * - one item per committed offset, written with a fence (the committer's
 *   member epoch) that the store refuses when lower than the stored one.
 *
 * Session expiry is lazy: every operation judges members by the clock, and
 * the next write drops the expired ones.
 */
import { EddyError } from '../errors.js';
import { checkPartition, listOffset, partitionOffsets, type OffsetSpec } from '../log/fetch.js';
import type { CommittedOffset, GroupRecord, TopicRecord } from '../model.js';
import type { Clock, Ids, MetadataStore, ObjectStore } from '../ports.js';
import { checkGroupSave } from '../invariants.js';
import { getTopic } from '../topics.js';
import { backoffMs, mapLimit } from '../util.js';
import { pairs } from './assignment.js';
import {
  adminFence,
  applyHeartbeat,
  authorizeCommit,
  DEFAULT_HANDOVER_HEARTBEAT_INTERVAL_MS,
  DEFAULT_HEARTBEAT_INTERVAL_MS,
  DEFAULT_REBALANCE_TIMEOUT_MS,
  describeAssignment,
  groupStatus,
  heldBy,
  withoutExpired,
  type Timing,
} from './protocol.js';
import { parseCommit, parseHeartbeat, parseReset, validateGroupId } from './requests.js';
import { emptyGroup, encodeGroupState, stateOf, type GroupState } from './state.js';
import type {
  CommitRequest,
  CommitResponse,
  DescribedOffset,
  FetchOffsetsResponse,
  GroupDescription,
  HeartbeatRequest,
  HeartbeatResponse,
  ListGroupsResponse,
  OffsetLag,
  ResetOffsetsRequest,
} from './types.js';

/** Options of a {@link GroupCoordinator}. */
export interface GroupCoordinatorOptions {
  /**
   * How long a member may leave an assignment that revokes partitions
   * unacknowledged before it is removed from the group.
   * @default 300000
   */
  readonly rebalanceTimeoutMs?: number;
  /** Attempts of one optimistic state update before answering `UNAVAILABLE`. @default 64 */
  readonly maxAttempts?: number;
  /** The heartbeat interval answers ask for, at most a third of the member's session timeout. @default 5000 */
  readonly heartbeatIntervalMs?: number;
  /** The interval asked of a member waiting for partitions another member still holds (a handover). @default 500 */
  readonly handoverHeartbeatIntervalMs?: number;
}

/** Largest serialized group state accepted (DynamoDB items are at most 400 KB). */
export const MAX_GROUP_STATE_BYTES = 350_000;

const CONCURRENCY = 16;
const BACKOFF_BASE_MS = 5;
const BACKOFF_CAP_MS = 500;

/** The ports the groups need: group state and offsets, topic bounds, and chunks for offset-by-time resets. */
export interface GroupPorts {
  readonly metadataStore: MetadataStore;
  readonly objectStore: ObjectStore;
  readonly clock: Clock;
  readonly ids: Ids;
}

/** Consumer groups: membership, assignment, committed offsets. */
export class GroupCoordinator {
  private readonly rebalanceTimeoutMs: number;
  private readonly heartbeatIntervalMs: number;
  private readonly handoverHeartbeatIntervalMs: number;
  private readonly maxAttempts: number;
  private readonly meta: MetadataStore;

  constructor(
    private readonly ports: GroupPorts,
    options: GroupCoordinatorOptions = {},
  ) {
    this.meta = ports.metadataStore;
    this.rebalanceTimeoutMs = options.rebalanceTimeoutMs ?? DEFAULT_REBALANCE_TIMEOUT_MS;
    this.heartbeatIntervalMs = options.heartbeatIntervalMs ?? DEFAULT_HEARTBEAT_INTERVAL_MS;
    this.handoverHeartbeatIntervalMs = options.handoverHeartbeatIntervalMs ?? DEFAULT_HANDOVER_HEARTBEAT_INTERVAL_MS;
    this.maxAttempts = options.maxAttempts ?? 64;
  }

  private topic(name: string): Promise<TopicRecord> {
    return getTopic(this.meta, name);
  }

  private timing(group: string): Timing & { group: string } {
    return {
      now: this.ports.clock.now(),
      rebalanceTimeoutMs: this.rebalanceTimeoutMs,
      heartbeatIntervalMs: this.heartbeatIntervalMs,
      handoverHeartbeatIntervalMs: this.handoverHeartbeatIntervalMs,
      group,
    };
  }

  /**
   * Joins, heartbeats, acknowledges or leaves; answers the member's full
   * assignment and epoch. See docs/groups.md for the protocol.
   * @throws `UNKNOWN_MEMBER_ID` (unknown or expired member), `STALE_MEMBER_EPOCH`,
   *   `UNKNOWN_TOPIC_OR_PARTITION` (a subscribed topic does not exist), `INVALID_REQUEST`/`INVALID_TOPIC`.
   */
  async heartbeat(group: string, request: HeartbeatRequest): Promise<HeartbeatResponse> {
    validateGroupId(group);
    const req = parseHeartbeat(request);
    const topics = await mapLimit(req.topics, CONCURRENCY, async (name) => {
      const t = await this.topic(name);
      return { topicId: t.topicId, name: t.name, partitions: t.partitions };
    });
    let newId: string | undefined;
    const newMemberId = (): string => (newId ??= this.ports.ids.unique());
    // Stryker disable next-line ConditionalExpression,LogicalOperator: only decides whether a group that does not exist yet starts above its stored fences; without state, any other heartbeat writes nothing (UNKNOWN_MEMBER_ID or a leave that changes nothing), so reading the fences for it changes no answer
    const joining = req.memberEpoch === 0 && req.memberId === undefined;
    return this.update(group, async (current) => {
      const state = current ?? emptyGroup(joining ? await this.initialEpoch(group) : 0);
      const out = applyHeartbeat(state, { group, ...req, topics }, { ...this.timing(group), newMemberId });
      return { next: out.changed ? out.state : undefined, result: out.response };
    });
  }

  /**
   * Commits offsets (each the next offset to read). With `memberId` and
   * `memberEpoch`, the member must be live, carry its current epoch (or, while
   * an assignment is pending, the one it acknowledged last) and hold every
   * partition; without them, the group must have no live members. Committing
   * to a group that does not exist creates it.
   * @throws `UNKNOWN_MEMBER_ID`, `STALE_MEMBER_EPOCH` (wrong epoch, a partition
   *   not held, or fenced by a newer owner while writing), `NON_EMPTY_GROUP`,
   *   `OFFSET_OUT_OF_RANGE` (offset > high-water mark), `UNKNOWN_TOPIC_OR_PARTITION`, `INVALID_REQUEST`.
   */
  async commit(group: string, request: CommitRequest): Promise<CommitResponse> {
    validateGroupId(group);
    const req = parseCommit(request);
    const topics = await this.topics(req.offsets.map((o) => o.topic));
    const targets = req.offsets.map((o) => {
      const topic = topics.get(o.topic)!;
      checkPartition(topic, o.partition);
      return { ...o, topicRecord: topic, topicId: topic.topicId };
    });

    let fence: number | undefined;
    if (req.member) {
      const record = await this.meta.getGroup(group);
      const state = record ? stateOf(record) : emptyGroup();
      fence = authorizeCommit(state, this.timing(group), req.member.memberId, req.member.memberEpoch, targets);
    }

    const bounds = await mapLimit(targets, CONCURRENCY, (o) => partitionOffsets(this.meta, o.topicRecord, o.partition));
    targets.forEach((o, i) => {
      const hw = bounds[i]!.highWatermark;
      if (o.offset > hw) {
        throw new EddyError('OFFSET_OUT_OF_RANGE', `offset ${o.offset} is past the high-water mark ${hw} of ${o.topic}/${o.partition}: a committed offset is the next offset to read`);
      }
    });

    fence ??= await this.takeAdminFence(group, 'commit offsets without a member');
    const committedAt = this.ports.clock.now();
    const refused = await this.write(
      group,
      targets.map((o) => ({
        topic: o.topic,
        topicId: o.topicId,
        partition: o.partition,
        offset: o.offset,
        ...(o.metadata !== undefined ? { metadata: o.metadata } : {}),
        fence: fence!,
        committedAt,
      })),
    );
    if (refused.length > 0) {
      const which = refused.map((o) => `${o.topic}/${o.partition}`).join(', ');
      throw req.member
        ? new EddyError('STALE_MEMBER_EPOCH', `commit of ${which} refused: member ${req.member.memberId} was fenced, a newer owner has committed (other partitions of this request may have been written)`)
        : new EddyError('NON_EMPTY_GROUP', `commit of ${which} refused: a member of group ${group} committed meanwhile (other partitions of this request may have been written)`);
    }
    return { offsets: targets.map((o) => ({ topic: o.topic, partition: o.partition, offset: o.offset })) };
  }

  /**
   * The group's committed offsets (all topics, or one), with high-water mark
   * and lag. Offsets of deleted or recreated topics are not shown.
   * @throws `GROUP_NOT_FOUND` when the group has neither state nor offsets.
   */
  async fetchOffsets(group: string, topic?: string): Promise<FetchOffsetsResponse> {
    validateGroupId(group);
    if (topic !== undefined) await this.topic(topic);
    const [record, stored] = await Promise.all([this.meta.getGroup(group), this.meta.readOffsets(group)]);
    if (!record && stored.length === 0) throw notFound(group);
    const rows = await this.withLag(stored.filter((o) => topic === undefined || o.topic === topic));
    return { offsets: rows.map(({ topic: t, partition, offset, highWatermark, lag }) => ({ topic: t, partition, offset, highWatermark, lag })) };
  }

  /** Every group with its state and number of live members, by name. */
  async listGroups(): Promise<ListGroupsResponse> {
    const records = await this.meta.listGroups();
    // Stryker disable next-line StringLiteral: the group name of the timing appears only in error messages, and withoutExpired throws none
    const now = this.timing('');
    const groups = records.map((r) => {
      const state = withoutExpired(stateOf(r), now);
      return { group: r.group, state: groupStatus(state), members: state.members.length };
    });
    // Stryker disable next-line ConditionalExpression,EqualityOperator: group names are unique and V8's Array.prototype.sort only asks whether the result is below 0, so `<=` for `<` and any mutant of `a.group > b.group ? 1 : 0` order alike (this also takes out `a.group < b.group` as true, false or `>=`, which the listing-order test kills)
    groups.sort((a, b) => (a.group < b.group ? -1 : a.group > b.group ? 1 : 0));
    return { groups };
  }

  /**
   * A group's state, live members with their assignments, and committed
   * offsets with lag and the member holding each partition.
   * @throws `GROUP_NOT_FOUND`.
   */
  async describeGroup(group: string): Promise<GroupDescription> {
    validateGroupId(group);
    const [record, stored] = await Promise.all([this.meta.getGroup(group), this.meta.readOffsets(group)]);
    if (!record && stored.length === 0) throw notFound(group);
    const state = record ? withoutExpired(stateOf(record), this.timing(group)) : emptyGroup();
    const owners = new Map<string, string>();
    for (const m of state.members) for (const [topicId, p] of pairs(heldBy(m))) owners.set(`${topicId}#${p}`, m.memberId);
    const offsets = (await this.withLag(stored)).map(({ topicId, ...row }): DescribedOffset => {
      const memberId = owners.get(`${topicId}#${row.partition}`);
      return memberId === undefined ? row : { ...row, memberId };
    });
    return {
      group,
      state: groupStatus(state),
      members: state.members.map((m) => ({
        memberId: m.memberId,
        memberEpoch: m.epoch,
        topics: [...m.topics],
        assignment: describeAssignment(state, m.assigned),
        sessionTimeoutMs: m.sessionTimeoutMs,
        lastHeartbeatMs: m.lastHeartbeatMs,
      })),
      offsets,
    };
  }

  /**
   * Deletes a group's state and committed offsets.
   * @throws `NON_EMPTY_GROUP` with live members, `GROUP_NOT_FOUND` when there is nothing to delete.
   */
  async deleteGroup(group: string): Promise<void> {
    validateGroupId(group);
    for (let attempt = 0; ; attempt++) {
      const [record, stored] = await Promise.all([this.meta.getGroup(group), this.meta.readOffsets(group)]);
      if (!record && stored.length === 0) throw notFound(group);
      if (record) {
        const live = withoutExpired(stateOf(record), this.timing(group));
        if (live.members.length > 0) throw new EddyError('NON_EMPTY_GROUP', `cannot delete group ${group}: it has ${live.members.length} live member(s)`);
        // Conditional on the version: a member that joined after our read wins, and we re-check.
        if (!(await this.meta.deleteGroup(group, record.version))) {
          await this.backoff(group, attempt);
          continue;
        }
      }
      await this.meta.deleteOffsets(group);
      return;
    }
  }

  /**
   * Moves the group's offsets of every partition of a topic: to the log
   * start, the high-water mark, the first offset at or after a timestamp, or
   * a given offset (clamped per partition to [log start, high-water mark]).
   * Creates the group if it does not exist.
   * @throws `NON_EMPTY_GROUP` while the group has live members.
   */
  async resetOffsets(group: string, request: ResetOffsetsRequest): Promise<CommitResponse> {
    validateGroupId(group);
    const req = parseReset(request);
    const topic = await this.topic(req.topic);
    const record = await this.meta.getGroup(group);
    // Stryker disable next-line ConditionalExpression: an early refusal before the partition bounds are read; `false` leaves it to takeAdminFence below, which refuses with the same error and message (this also takes out `true`, which the tests kill)
    if (record) adminFence(stateOf(record), { ...this.timing(group), action: `reset offsets of group ${group}` });
    const deps = { objects: this.ports.objectStore, meta: this.meta };
    const partitions = Array.from({ length: topic.partitions }, (_, p) => p);
    const offsets = await mapLimit(partitions, CONCURRENCY, async (p) => {
      const to = req.to;
      if (typeof to === 'object' && 'offset' in to) {
        const b = await partitionOffsets(this.meta, topic, p);
        return Math.min(Math.max(to.offset, b.logStartOffset), b.highWatermark);
      }
      return (await listOffset(deps, topic, p, to as OffsetSpec)).offset;
    });
    const fence = await this.takeAdminFence(group, `reset offsets of group ${group}`);
    const committedAt = this.ports.clock.now();
    const refused = await this.write(
      group,
      partitions.map((p) => ({ topic: topic.name, topicId: topic.topicId, partition: p, offset: offsets[p]!, fence, committedAt })),
    );
    if (refused.length > 0) throw new EddyError('NON_EMPTY_GROUP', `reset of group ${group} interrupted: a member committed meanwhile (some partitions may have been reset)`);
    return { offsets: partitions.map((p) => ({ topic: topic.name, partition: p, offset: offsets[p]! })) };
  }

  /**
   * Read-modify-write of a group's state with an optimistic version check.
   * `step` sees the current state (undefined: none stored) and returns the
   * next one (undefined: nothing to write) and the result. A lost race
   * re-reads and runs `step` again after a jittered backoff.
   */
  private async update<T>(group: string, step: (current: GroupState | undefined) => Promise<{ next?: GroupState; result: T }>): Promise<T> {
    for (let attempt = 0; ; attempt++) {
      const record = await this.meta.getGroup(group);
      const current = record ? stateOf(record) : undefined;
      const { next, result } = await step(current);
      if (!next) return result;
      checkGroupSave(group, current, next);
      const saved: GroupRecord = { group, version: (record?.version ?? 0) + 1, state: encodeGroupState(next) };
      const size = JSON.stringify(saved.state).length;
      if (size > MAX_GROUP_STATE_BYTES) {
        throw new EddyError('INVALID_REQUEST', `group ${group} would grow too large (${size} bytes of state, ${next.members.length} members): use fewer members or topics`);
      }
      if (await this.meta.saveGroup(saved)) return result;
      await this.backoff(group, attempt);
    }
  }

  private async backoff(group: string, attempt: number): Promise<void> {
    if (attempt + 1 >= this.maxAttempts) throw new EddyError('UNAVAILABLE', `group ${group} is changing concurrently, retry`);
    await this.ports.clock.sleep(backoffMs(attempt, BACKOFF_BASE_MS, BACKOFF_CAP_MS, this.ports.ids.random));
  }

  /**
   * The epoch a group created now starts at: above every fence stored with
   * offsets left from an earlier incarnation (or written by a zombie after
   * deletion), so those can never outrank the new members' commits.
   */
  private async initialEpoch(group: string): Promise<number> {
    const stored = await this.meta.readOffsets(group);
    return stored.reduce((max, o) => Math.max(max, o.fence), 0);
  }

  private takeAdminFence(group: string, action: string): Promise<number> {
    return this.update(group, async (current) => {
      const { state, fence } = adminFence(current ?? emptyGroup(await this.initialEpoch(group)), { ...this.timing(group), action });
      return { next: state, result: fence };
    });
  }

  /** Writes offsets; returns the ones the store refused because a higher fence is stored. */
  private async write(group: string, offsets: CommittedOffset[]): Promise<CommittedOffset[]> {
    const ok = await mapLimit(offsets, CONCURRENCY, (o) => this.meta.commitOffset(group, o));
    return offsets.filter((_, i) => !ok[i]);
  }

  /** Reads each distinct topic once (throws for a missing one). */
  private async topics(names: readonly string[]): Promise<Map<string, TopicRecord>> {
    const distinct = [...new Set(names)];
    const records = await mapLimit(distinct, CONCURRENCY, (name) => this.topic(name));
    return new Map(distinct.map((name, i) => [name, records[i]!]));
  }

  /** Stored offsets of topics that still exist under the same id, with high-water mark and lag; sorted. */
  private async withLag(stored: readonly CommittedOffset[]): Promise<Array<OffsetLag & { topicId: string }>> {
    const names = [...new Set(stored.map((o) => o.topic))];
    const current = await mapLimit(names, CONCURRENCY, (name) => this.meta.getTopic(name));
    const byName = new Map(names.map((name, i) => [name, current[i]]));
    const live = stored
      .filter((o) => {
        const t = byName.get(o.topic);
        return t !== undefined && t.topicId === o.topicId && o.partition < t.partitions;
      })
      .sort((a, b) => (a.topic < b.topic ? -1 : a.topic > b.topic ? 1 : a.partition - b.partition));
    const bounds = await mapLimit(live, CONCURRENCY, (o) => partitionOffsets(this.meta, byName.get(o.topic)!, o.partition));
    return live.map((o, i) => {
      const highWatermark = bounds[i]!.highWatermark;
      return { topic: o.topic, topicId: o.topicId, partition: o.partition, offset: o.offset, highWatermark, lag: Math.max(0, highWatermark - o.offset) };
    });
  }
}

function notFound(group: string): EddyError {
  return new EddyError('GROUP_NOT_FOUND', `group ${group} does not exist`);
}

