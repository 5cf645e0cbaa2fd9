/**
 * Request and response shapes of the consumer-group API (docs/design.md §8,
 * docs/api.md, docs/groups.md). The HTTP handlers pass these through as JSON.
 */

/** Partitions of one topic. */
export interface TopicPartitions {
  readonly topic: string;
  /** Ascending. */
  readonly partitions: number[];
}

/** Arguments of a heartbeat. */
export interface HeartbeatRequest {
  /** Omitted on the first heartbeat (join); the server generates it. */
  readonly memberId?: string;
  /**
   * 0 without `memberId` joins; 0 with the `memberId` of a member that has
   * acknowledged an assignment rejoins (it gave up every partition); -1
   * leaves; otherwise the member's current epoch (acknowledging the
   * assignment returned with it) or, until it does, the epoch it
   * acknowledged last (0 before its first acknowledgement).
   */
  readonly memberEpoch: number;
  /** Subscribed topic names; each must exist. Ignored on leave. */
  readonly topics: readonly string[];
  /** @default 45000, at least 1000, at most 300000 */
  readonly sessionTimeoutMs?: number;
}

/** Answer to a heartbeat. */
export interface HeartbeatResponse {
  readonly memberId: string;
  /** The member's epoch; -1 after leaving. */
  readonly memberEpoch: number;
  /**
   * When to heartbeat next: the normal interval (at most a third of the
   * session timeout), or the shorter handover interval while the member
   * waits for partitions another member still holds.
   */
  readonly heartbeatIntervalMs: number;
  /** The member's full current assignment, sorted by topic. */
  readonly assignment: TopicPartitions[];
}

/** One offset to commit. */
export interface OffsetToCommit {
  readonly topic: string;
  readonly partition: number;
  /** The next offset to read: 0 ≤ offset ≤ high-water mark. */
  readonly offset: number;
  /** Free text kept with the offset (at most 4096 characters). */
  readonly metadata?: string;
}

/** Arguments of a commit. */
export interface CommitRequest {
  /** Together with `memberEpoch`, or neither (only while the group has no live members). */
  readonly memberId?: string;
  readonly memberEpoch?: number;
  readonly offsets: readonly OffsetToCommit[];
}

/** A committed offset as answered. */
export interface CommittedOffsetRow {
  readonly topic: string;
  readonly partition: number;
  readonly offset: number;
}

/** Answer to a commit or an offset reset: what was committed, in request order. */
export interface CommitResponse {
  readonly offsets: CommittedOffsetRow[];
}

/** A committed offset with the partition's high-water mark and the group's lag on it. */
export interface OffsetLag extends CommittedOffsetRow {
  readonly highWatermark: number;
  /** max(0, highWatermark − offset). */
  readonly lag: number;
}

/** Answer of {@link GroupCoordinator.fetchOffsets}. */
export interface FetchOffsetsResponse {
  readonly offsets: OffsetLag[];
}

/** A group's state: no live members, converged, or on its way. */
export type GroupStateName = 'Empty' | 'Reconciling' | 'Stable';

/** One group in a listing. */
export interface GroupSummary {
  readonly group: string;
  readonly state: GroupStateName;
  /** Live members. */
  readonly members: number;
}

/** Answer of {@link GroupCoordinator.listGroups}. */
export interface ListGroupsResponse {
  readonly groups: GroupSummary[];
}

/** A live member in a group description. */
export interface MemberDescription {
  readonly memberId: string;
  readonly memberEpoch: number;
  readonly topics: string[];
  /** The assignment last returned to the member. */
  readonly assignment: TopicPartitions[];
  readonly sessionTimeoutMs: number;
  readonly lastHeartbeatMs: number;
}

/** A committed offset in a group description, with the member holding the partition if any. */
export interface DescribedOffset extends OffsetLag {
  readonly memberId?: string;
}

/** Answer of {@link GroupCoordinator.describeGroup}. */
export interface GroupDescription {
  readonly group: string;
  readonly state: GroupStateName;
  readonly members: MemberDescription[];
  readonly offsets: DescribedOffset[];
}

/** Where {@link GroupCoordinator.resetOffsets} moves a topic's offsets. */
export type ResetTarget = 'earliest' | 'latest' | { readonly timestamp: number } | { readonly offset: number };

/** Arguments of an offset reset. */
export interface ResetOffsetsRequest {
  readonly topic: string;
  readonly to: ResetTarget;
}
