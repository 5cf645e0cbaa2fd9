/**
 * Group membership, KIP-848 style (docs/design.md §7): the server assigns
 * partitions inside heartbeat answers and raises the member epoch whenever
 * the assignment it returns changes; a heartbeat carrying that epoch
 * acknowledges the assignment, including the release of every partition no
 * longer in it.
 *
 * Heartbeats run on their own timer, never waiting for message processing,
 * so a slow handler cannot make the member miss its session. Until an
 * assignment is reconciled — revoked partitions stopped, their in-flight
 * processing finished and their offsets committed — heartbeats keep carrying
 * the last acknowledged epoch, and only then the new one: the new owner of a
 * partition can start from the committed offset without reprocessing
 * anything this member processed.
 */
import type { EddyApi } from '../types.js';
import { isEddyError } from '../errors.js';
import type { RetryPolicy } from '../retry.js';
import type { HeartbeatOutput, TopicPartitions } from '../types.js';

/** What membership needs from its consumer. */
export interface MembershipContext {
  /** The client heartbeats go through. */
  readonly client: EddyApi;
  /** The group. */
  readonly group: string;
  /** The session timeout sent with every heartbeat. */
  readonly sessionTimeoutMs: number;
  /** Backoff between failed heartbeats; retries of the leave. */
  readonly retry: RetryPolicy;
  /** Subscribed topics. */
  topics(): string[];
  /**
   * Makes the owned partitions equal `assignment`: starts added ones; stops,
   * drains and commits revoked ones. Resolves when done.
   */
  reconcile(assignment: TopicPartitions[]): Promise<void>;
  /** The member was fenced or lost its session: stop every partition without committing. */
  lose(): Promise<void>;
  /** Reports a recoverable failure. */
  reportError(error: unknown): void;
  /** Called after an assignment was reconciled and acknowledged. */
  onAssignment(assignment: TopicPartitions[]): void;
  /** Called after every successful heartbeat (failures reported before are over). */
  onHeartbeat?(): void;
}

interface Target {
  readonly epoch: number;
  readonly assignment: TopicPartitions[];
}

/** Heartbeat interval used until the server names one. */
const INITIAL_HEARTBEAT_INTERVAL_MS = 3_000;

/** A consumer's membership in its group. */
export class GroupMembership {
  /** Member id given by the server; undefined before joining. */
  memberId: string | undefined;
  /** The member's current epoch as last returned by the server (commits carry it). */
  epoch = 0;
  /** The epoch of the last fully reconciled assignment (heartbeats carry it). */
  ackedEpoch = 0;
  private intervalMs = INITIAL_HEARTBEAT_INTERVAL_MS;
  private lastSuccess = Date.now();
  private failures = 0;
  private target: Target | undefined;
  private reconciling: Promise<void> | undefined;
  private inflight: Promise<void> | undefined;
  private again = false;
  private timer: NodeJS.Timeout | undefined;
  private running = false;
  private generation = 0;
  private losing: Promise<void> | undefined;

  /** @param ctx - the consumer's services. */
  constructor(private readonly ctx: MembershipContext) {}

  /** Joins the group and starts the heartbeat timer. */
  start(): void {
    if (this.running) return;
    this.running = true;
    this.lastSuccess = Date.now();
    this.heartbeatNow();
  }

  /** Sends a heartbeat as soon as possible (after the one in flight, if any). */
  heartbeatNow(): void {
    if (!this.running) return;
    if (this.inflight) {
      this.again = true;
      return;
    }
    if (this.timer) clearTimeout(this.timer);
    this.timer = undefined;
    this.inflight = this.beat().finally(() => {
      this.inflight = undefined;
      if (!this.running) return;
      if (this.again) {
        this.again = false;
        this.heartbeatNow();
      } else {
        this.schedule();
      }
    });
  }

  /** Sends a heartbeat now and waits for it (e.g. to learn a newer epoch after `STALE_MEMBER_EPOCH`). */
  async sync(): Promise<void> {
    if (!this.running || this.losing) return;
    if (this.inflight) await this.inflight;
    this.heartbeatNow();
    await this.inflight;
  }

  /** Stops heartbeats and leaves the group (`memberEpoch: -1`). The caller stops and commits partitions first. */
  async leave(): Promise<void> {
    this.running = false;
    if (this.timer) clearTimeout(this.timer);
    this.timer = undefined;
    await this.inflight;
    await this.losing;
    await this.reconciling?.catch(() => undefined);
    const memberId = this.memberId;
    this.reset();
    if (memberId === undefined) return;
    try {
      await this.ctx.client.heartbeat(
        { group: this.ctx.group, memberId, memberEpoch: -1, topics: this.ctx.topics() },
        { retry: this.ctx.retry, timeoutMs: this.heartbeatTimeoutMs() },
      );
    } catch (err) {
      // Leaving is best effort: an expired member is gone anyway.
      if (!isEddyError(err, 'UNKNOWN_MEMBER_ID')) this.ctx.reportError(err);
    }
  }

  /** Whether the member is joined and running. */
  get active(): boolean {
    return this.running && this.memberId !== undefined;
  }

  /**
   * Treats the membership as lost (fenced or expired): stops every partition
   * without committing (they may already be someone else's), then rejoins.
   * No heartbeat is sent until the partitions are stopped, so the rejoined
   * member never processes a partition twice at the same time. A member the
   * server still knows (`staleId`, fenced by `STALE_MEMBER_EPOCH`) is left
   * first, so what it held is free at once instead of after its session.
   */
  fence(staleId?: string): Promise<void> {
    this.generation++;
    this.reset();
    this.losing ??= this.ctx
      .lose()
      .catch((err: unknown) => this.ctx.reportError(err))
      .then(() => (staleId === undefined ? undefined : this.leaveStale(staleId)))
      .finally(() => {
        this.losing = undefined;
        this.heartbeatNow();
      });
    return this.losing;
  }

  /** Best effort: a member that cannot be left expires with its session. */
  private async leaveStale(memberId: string): Promise<void> {
    try {
      await this.ctx.client.heartbeat({ group: this.ctx.group, memberId, memberEpoch: -1, topics: this.ctx.topics() }, { retry: false, timeoutMs: this.heartbeatTimeoutMs() });
    } catch (err) {
      if (!isEddyError(err, 'UNKNOWN_MEMBER_ID')) this.ctx.reportError(err);
    }
  }

  private reset(): void {
    this.memberId = undefined;
    this.epoch = 0;
    this.ackedEpoch = 0;
    this.target = undefined;
  }

  private schedule(): void {
    const delay = this.failures > 0 ? Math.min(this.intervalMs, this.ctx.retry.backoff(this.failures - 1)) : this.intervalMs;
    this.timer = setTimeout(() => {
      this.timer = undefined;
      this.heartbeatNow();
    }, delay);
  }

  private heartbeatTimeoutMs(): number {
    return Math.max(1_000, Math.floor(this.ctx.sessionTimeoutMs / 3));
  }

  private async beat(): Promise<void> {
    if (this.losing) return;
    const generation = this.generation;
    const joining = this.memberId === undefined;
    // Epoch 0 with our id would be a rejoin that drops our assignment: wait until the first one is reconciled.
    if (!joining && this.ackedEpoch === 0 && this.reconciling) return;
    const memberId = joining ? undefined : this.memberId;
    let res: HeartbeatOutput;
    try {
      res = await this.ctx.client.heartbeat(
        {
          group: this.ctx.group,
          ...(memberId !== undefined ? { memberId } : {}),
          memberEpoch: joining ? 0 : this.ackedEpoch,
          topics: this.ctx.topics(),
          sessionTimeoutMs: this.ctx.sessionTimeoutMs,
        },
        { retry: false, timeoutMs: this.heartbeatTimeoutMs() },
      );
    } catch (err) {
      if (!this.running || generation !== this.generation) return;
      if (isEddyError(err, 'UNKNOWN_MEMBER_ID', 'STALE_MEMBER_EPOCH')) {
        // Fenced: our partitions may already be someone else's. Release them uncommitted and join as a new member
        // (the server accepts epoch 0 only without a member id); a stale member is left first, freeing what it held.
        this.failures = 0;
        this.ctx.reportError(err);
        void this.fence(isEddyError(err, 'STALE_MEMBER_EPOCH') ? memberId : undefined);
        return;
      }
      this.failures++;
      this.ctx.reportError(err);
      if (!joining && Date.now() - this.lastSuccess > this.ctx.sessionTimeoutMs) {
        // The server has expired us by now: whatever we hold is being reassigned.
        void this.fence();
      }
      return;
    }
    if (!this.running) {
      // Stopped while joining: remember who we became, so that leave() can leave it.
      if (joining && generation === this.generation) this.memberId = res.memberId;
      return;
    }
    if (generation !== this.generation) return;
    this.failures = 0;
    this.lastSuccess = Date.now();
    this.ctx.onHeartbeat?.();
    this.memberId = res.memberId;
    this.intervalMs = res.heartbeatIntervalMs > 0 ? res.heartbeatIntervalMs : INITIAL_HEARTBEAT_INTERVAL_MS;
    if (res.memberEpoch !== this.epoch || joining) {
      this.epoch = res.memberEpoch;
      this.target = { epoch: res.memberEpoch, assignment: res.assignment };
      this.kickReconcile();
    }
  }

  private kickReconcile(): void {
    if (this.reconciling) return;
    this.reconciling = this.reconcileLoop().finally(() => {
      this.reconciling = undefined;
      // A target that arrived while an older loop (e.g. one of a fenced membership) was finishing.
      if (this.running && this.target && this.target.epoch !== this.ackedEpoch) this.kickReconcile();
    });
  }

  /** Reconciles towards the latest target until caught up, acknowledging each reconciled epoch at once. */
  private async reconcileLoop(): Promise<void> {
    while (this.running && this.target && this.target.epoch !== this.ackedEpoch) {
      const target = this.target;
      const generation = this.generation;
      try {
        await this.ctx.reconcile(target.assignment);
      } catch (err) {
        this.ctx.reportError(err);
      }
      if (!this.running || generation !== this.generation) return;
      this.ackedEpoch = target.epoch;
      this.ctx.onAssignment(target.assignment);
      this.heartbeatNow();
    }
  }
}
