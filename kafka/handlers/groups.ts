/**
 * The classic group APIs (JoinGroup, SyncGroup, Heartbeat, LeaveGroup) and
 * KIP-848's ConsumerGroupHeartbeat, mapped onto core's server-side groups.
 *
 * Core assigns; every classic client is a follower. The mapping
 * (docs/kafka.md, "Consumer groups"):
 * - a classic member is a core member with the same id; its generation id is
 *   core's member epoch;
 * - JoinGroup joins (no member id) or, for a rejoining eager client that has
 *   just given up every partition, acknowledges the member's current epoch
 *   (it holds at most that assignment, in fact nothing), and answers with
 *   core's new epoch, an empty member list and a leader id no member has;
 * - SyncGroup answers the assignment core returned with that epoch;
 * - Heartbeat acknowledges the generation the client runs with; when core
 *   answers a new epoch (the assignment changed) the client is told
 *   REBALANCE_IN_PROGRESS and rejoins, giving everything up first.
 * A client holds at most the assignment of the epoch it synced, which core
 * counts as held until that client's next acknowledgement; core hands a
 * partition to a member only when no other live member holds it. So a
 * partition is never owned by two members at once.
 */
import { EddyError } from '../../core/errors.js';
import { mapLimit } from '../../core/util.js';
import type { HeartbeatResponse } from '../../core/groups/types.js';
import { memberKey, type CachedMember, type RequestContext } from '../context.js';
import { KAFKA_ERRORS, kafkaErrorCode, errorMessage } from '../errors.js';
import { decodeSubscription, encodeAssignment, encodeSubscription } from '../groups/consumer-protocol.js';

/** The leader id every JoinGroup answer names: no member has it, so every client acts as a follower. */
export const NO_LEADER = 'eddy-assigns';

const E = KAFKA_ERRORS;

interface JoinGroupRequest {
  groupId: string;
  sessionTimeoutMs: number;
  rebalanceTimeoutMs?: number;
  memberId: string;
  groupInstanceId?: string | null;
  protocolType: string;
  protocols: Array<{ name: string; metadata: Uint8Array }>;
}

/**
 * A JoinGroup answer in the request's version. An error answer names no
 * protocol: null from v7, where the field became nullable, and the empty
 * string before it, as Kafka's coordinator answers (a null there could not
 * be encoded, and the client would see its connection closed instead of the error).
 */
function joinAnswer(version: number, errorCode: number, fields: { generationId?: number; protocolName?: string; memberId?: string } = {}): unknown {
  return {
    throttleTimeMs: 0,
    errorCode,
    generationId: fields.generationId ?? -1,
    protocolType: fields.protocolName ? 'consumer' : null,
    protocolName: fields.protocolName ?? (version >= 7 ? null : ''),
    leader: errorCode === 0 ? NO_LEADER : '',
    skipAssignment: false,
    memberId: fields.memberId ?? '',
    members: [],
  };
}

/** Topics of a subscription that exist now (core refuses a heartbeat naming a missing topic; Kafka lets a client wait for one). */
async function existingTopics(ctx: RequestContext, topics: readonly string[]): Promise<string[]> {
  const found = await mapLimit([...new Set(topics)], 16, async (name) => {
    try {
      await ctx.core.log.topic(name);
      return name;
    } catch (err) {
      if (err instanceof EddyError && (err.code === 'UNKNOWN_TOPIC_OR_PARTITION' || err.code === 'INVALID_TOPIC')) return undefined;
      throw err;
    }
  });
  return found.filter((t): t is string => t !== undefined);
}

function remember(ctx: RequestContext, group: string, answer: HeartbeatResponse, topics: string[], sessionTimeoutMs: number, consumerProtocol: boolean): CachedMember {
  const cached: CachedMember = { topics, sessionTimeoutMs, epoch: answer.memberEpoch, assignment: answer.assignment, consumerProtocol };
  ctx.connection.members.set(memberKey(group, answer.memberId), cached);
  return cached;
}

/** The member as core knows it: from this connection's cache, else from core (another gateway served it before). */
async function lookupMember(ctx: RequestContext, group: string, memberId: string): Promise<CachedMember | undefined> {
  const cached = ctx.connection.members.get(memberKey(group, memberId));
  if (cached) return cached;
  try {
    const described = await ctx.core.groups.describeGroup(group);
    const m = described.members.find((x) => x.memberId === memberId);
    if (!m) return undefined;
    return { topics: m.topics, sessionTimeoutMs: m.sessionTimeoutMs, epoch: m.memberEpoch, assignment: m.assignment, consumerProtocol: false };
  } catch (err) {
    if (err instanceof EddyError && err.code === 'GROUP_NOT_FOUND') return undefined;
    throw err;
  }
}

/** JoinGroup: join, or rejoin after giving everything up. */
export async function joinGroup(req: JoinGroupRequest, ctx: RequestContext): Promise<unknown> {
  if (req.protocolType !== 'consumer') return joinAnswer(ctx.apiVersion, E.INCONSISTENT_GROUP_PROTOCOL);
  const protocol = req.protocols[0];
  const subscription = decodeSubscription(protocol?.metadata);
  if (!protocol || !subscription) return joinAnswer(ctx.apiVersion, E.INCONSISTENT_GROUP_PROTOCOL);
  try {
    const topics = await existingTopics(ctx, subscription);
    const sessionTimeoutMs = req.sessionTimeoutMs;
    let answer: HeartbeatResponse;
    if (req.memberId === '') {
      answer = await ctx.core.groups.heartbeat(req.groupId, { memberEpoch: 0, topics, sessionTimeoutMs });
    } else {
      const member = await lookupMember(ctx, req.groupId, req.memberId);
      if (!member) return joinAnswer(ctx.apiVersion, E.UNKNOWN_MEMBER_ID);
      // An eager client rejoins only after revoking everything: acknowledging the
      // epoch core answered last releases every partition that is not in it.
      answer = await ctx.core.groups.heartbeat(req.groupId, { memberId: req.memberId, memberEpoch: member.epoch, topics, sessionTimeoutMs });
    }
    remember(ctx, req.groupId, answer, topics, sessionTimeoutMs, false);
    return joinAnswer(ctx.apiVersion, E.NONE, { generationId: answer.memberEpoch, protocolName: protocol.name, memberId: answer.memberId });
  } catch (err) {
    if (err instanceof EddyError && err.code === 'INVALID_REQUEST' && /sessionTimeoutMs/.test(err.message)) return joinAnswer(ctx.apiVersion, E.INVALID_SESSION_TIMEOUT);
    if (err instanceof EddyError && err.code === 'INVALID_REQUEST' && /group/.test(err.message)) return joinAnswer(ctx.apiVersion, E.INVALID_GROUP_ID);
    return joinAnswer(ctx.apiVersion, kafkaErrorCode(err, 'classic-group'));
  }
}

interface SyncGroupRequest {
  groupId: string;
  generationId: number;
  memberId: string;
  protocolType?: string | null;
  protocolName?: string | null;
}

/** SyncGroup: the assignment core returned with the member's generation. */
export async function syncGroup(req: SyncGroupRequest, ctx: RequestContext): Promise<unknown> {
  const answer = (errorCode: number, assignment: Uint8Array = new Uint8Array(0)): unknown => ({
    throttleTimeMs: 0,
    errorCode,
    protocolType: req.protocolType ?? null,
    protocolName: req.protocolName ?? null,
    assignment,
  });
  try {
    const member = await lookupMember(ctx, req.groupId, req.memberId);
    if (!member) return answer(E.UNKNOWN_MEMBER_ID);
    // The epoch moves only with this member's own heartbeats; another one means the client is behind.
    if (member.epoch !== req.generationId) return answer(E.REBALANCE_IN_PROGRESS);
    return answer(E.NONE, encodeAssignment(member.assignment));
  } catch (err) {
    return answer(kafkaErrorCode(err, 'classic-group'));
  }
}

interface HeartbeatRequest {
  groupId: string;
  generationId: number;
  memberId: string;
}

/** Heartbeat: acknowledges the client's generation; a changed assignment means "rejoin". */
export async function heartbeat(req: HeartbeatRequest, ctx: RequestContext): Promise<unknown> {
  const answer = (errorCode: number): unknown => ({ throttleTimeMs: 0, errorCode });
  try {
    const member = await lookupMember(ctx, req.groupId, req.memberId);
    if (!member) return answer(E.UNKNOWN_MEMBER_ID);
    const out = await ctx.core.groups.heartbeat(req.groupId, {
      memberId: req.memberId,
      memberEpoch: req.generationId,
      topics: member.topics,
      sessionTimeoutMs: member.sessionTimeoutMs,
    });
    remember(ctx, req.groupId, out, member.topics, member.sessionTimeoutMs, false);
    return answer(out.memberEpoch === req.generationId ? E.NONE : E.REBALANCE_IN_PROGRESS);
  } catch (err) {
    if (err instanceof EddyError && err.code === 'UNKNOWN_MEMBER_ID') ctx.connection.members.delete(memberKey(req.groupId, req.memberId));
    return answer(kafkaErrorCode(err, 'classic-group'));
  }
}

interface LeaveGroupRequest {
  groupId: string;
  memberId?: string;
  members?: Array<{ memberId: string; groupInstanceId?: string | null }>;
}

/** LeaveGroup: the members' partitions are free at once. */
export async function leaveGroup(req: LeaveGroupRequest, ctx: RequestContext): Promise<unknown> {
  const ids = ctx.apiVersion >= 3 ? (req.members ?? []).map((m) => m.memberId) : [req.memberId ?? ''];
  const results = await mapLimit(ids, 8, async (memberId) => {
    try {
      await ctx.core.groups.heartbeat(req.groupId, { memberId, memberEpoch: -1, topics: [] });
      ctx.connection.members.delete(memberKey(req.groupId, memberId));
      return E.NONE;
    } catch (err) {
      return kafkaErrorCode(err, 'classic-group');
    }
  });
  const first = results.find((c) => c !== E.NONE) ?? E.NONE;
  return {
    throttleTimeMs: 0,
    // v3+ report per member; the top-level code is for the request as a whole.
    errorCode: ctx.apiVersion >= 3 ? E.NONE : first,
    members: ids.map((memberId, i) => ({ memberId, groupInstanceId: null, errorCode: results[i]! })),
  };
}

interface ConsumerGroupHeartbeatRequest {
  groupId: string;
  memberId: string;
  memberEpoch: number;
  rebalanceTimeoutMs?: number;
  subscribedTopicNames?: string[] | null;
  subscribedTopicRegex?: string | null;
  serverAssignor?: string | null;
}

/** ConsumerGroupHeartbeat (KIP-848): core's heartbeat, almost field for field. */
export async function consumerGroupHeartbeat(req: ConsumerGroupHeartbeatRequest, ctx: RequestContext): Promise<unknown> {
  const fail = (errorCode: number, message: string | null = null): unknown => ({
    throttleTimeMs: 0,
    errorCode,
    errorMessage: message,
    memberId: null,
    memberEpoch: -1,
    heartbeatIntervalMs: 0,
    assignment: null,
  });
  if (req.subscribedTopicRegex) return fail(E.INVALID_REQUEST, 'subscription by regular expression is not supported by Eddy; subscribe to topic names');
  try {
    const known = req.memberId ? ctx.connection.members.get(memberKey(req.groupId, req.memberId)) : undefined;
    const joining = req.memberEpoch === 0;
    let topics = req.subscribedTopicNames ? await existingTopics(ctx, req.subscribedTopicNames) : known?.topics;
    if (!topics && req.memberEpoch > 0) topics = (await lookupMember(ctx, req.groupId, req.memberId))?.topics;
    const call = (memberId: string | undefined): Promise<HeartbeatResponse> =>
      ctx.core.groups.heartbeat(req.groupId, {
        ...(memberId !== undefined ? { memberId } : {}),
        memberEpoch: req.memberEpoch,
        topics: topics ?? [],
        ...(known ? { sessionTimeoutMs: known.sessionTimeoutMs } : {}),
      });
    let out: HeartbeatResponse;
    if (!joining) {
      out = await call(req.memberId);
    } else if (req.memberId && (known ?? (await lookupMember(ctx, req.groupId, req.memberId)))) {
      // A member fenced with FENCED_MEMBER_EPOCH rejoins with its id and epoch 0: core rejoins it under that id,
      // its partitions free at once. If core no longer knows it (expired meanwhile), it joins anew.
      try {
        out = await call(req.memberId);
      } catch (err) {
        if (!(err instanceof EddyError && err.code === 'UNKNOWN_MEMBER_ID')) throw err;
        ctx.connection.members.delete(memberKey(req.groupId, req.memberId));
        out = await call(undefined);
      }
    } else {
      // A KIP-848 client generates its own member id (a uuid) since Kafka 4.0; core generates ids, so a join sends none.
      out = await call(undefined);
    }
    if (req.memberEpoch === -1) {
      ctx.connection.members.delete(memberKey(req.groupId, req.memberId));
      return { throttleTimeMs: 0, errorCode: E.NONE, errorMessage: null, memberId: req.memberId, memberEpoch: -1, heartbeatIntervalMs: 0, assignment: null };
    }
    remember(ctx, req.groupId, out, topics ?? [], known?.sessionTimeoutMs ?? 45_000, true);
    const ids = await mapLimit(out.assignment, 16, async (a) => ({ topicId: ctx.topicIds.remember(await ctx.core.log.topic(a.topic)), partitions: a.partitions }));
    return {
      throttleTimeMs: 0,
      errorCode: E.NONE,
      errorMessage: null,
      memberId: out.memberId,
      memberEpoch: out.memberEpoch,
      heartbeatIntervalMs: out.heartbeatIntervalMs,
      assignment: { topicPartitions: ids },
    };
  } catch (err) {
    return fail(kafkaErrorCode(err, 'consumer-group'), errorMessage(err));
  }
}

/** The state names classic clients know. */
function classicState(state: string): string {
  return state === 'Reconciling' ? 'CompletingRebalance' : state;
}

interface ListGroupsRequest {
  statesFilter?: string[];
  typesFilter?: string[];
}

/** ListGroups: every group core knows. */
export async function listGroups(req: ListGroupsRequest, ctx: RequestContext): Promise<unknown> {
  try {
    const { groups } = await ctx.core.groups.listGroups();
    const states = new Set((req.statesFilter ?? []).map((s) => s.toLowerCase()));
    const types = new Set((req.typesFilter ?? []).map((s) => s.toLowerCase()));
    return {
      throttleTimeMs: 0,
      errorCode: E.NONE,
      groups: groups
        .map((g) => ({ groupId: g.group, protocolType: 'consumer', groupState: classicState(g.state), groupType: 'classic' }))
        .filter((g) => (states.size === 0 || states.has(g.groupState.toLowerCase())) && (types.size === 0 || types.has('classic') || types.has('consumer'))),
    };
  } catch (err) {
    return { throttleTimeMs: 0, errorCode: kafkaErrorCode(err, 'classic-group'), groups: [] };
  }
}

/** DescribeGroups: members with their subscriptions and assignments in the consumer protocol's bytes. */
export async function describeGroups(req: { groups: string[] }, ctx: RequestContext): Promise<unknown> {
  const groups = await mapLimit(req.groups, 8, async (groupId) => {
    const base = { groupId, protocolType: 'consumer', protocolData: 'eddy', authorizedOperations: -2147483648 };
    try {
      const d = await ctx.core.groups.describeGroup(groupId);
      return {
        ...base,
        errorCode: E.NONE,
        groupState: classicState(d.state),
        members: d.members.map((m) => ({
          memberId: m.memberId,
          groupInstanceId: null,
          clientId: '',
          clientHost: '',
          memberMetadata: encodeSubscription(m.topics),
          memberAssignment: encodeAssignment(m.assignment),
        })),
      };
    } catch (err) {
      // Kafka describes a group it does not know as Dead, without an error.
      if (err instanceof EddyError && err.code === 'GROUP_NOT_FOUND') return { ...base, errorCode: E.NONE, groupState: 'Dead', protocolType: '', protocolData: '', members: [] };
      return { ...base, errorCode: kafkaErrorCode(err, 'classic-group'), groupState: '', members: [] };
    }
  });
  return { throttleTimeMs: 0, groups };
}

/** DeleteGroups: state and committed offsets; refused while a group has live members. */
export async function deleteGroups(req: { groupsNames: string[] }, ctx: RequestContext): Promise<unknown> {
  const results = await mapLimit(req.groupsNames, 8, async (groupId) => {
    try {
      await ctx.core.groups.deleteGroup(groupId);
      return { groupId, errorCode: E.NONE };
    } catch (err) {
      return { groupId, errorCode: kafkaErrorCode(err, 'classic-group') };
    }
  });
  return { throttleTimeMs: 0, results };
}

interface FindCoordinatorRequest {
  key?: string;
  keyType?: number;
  coordinatorKeys?: string[];
}

/** FindCoordinator: this gateway coordinates every group. Transactions are not supported. */
export function findCoordinator(req: FindCoordinatorRequest, ctx: RequestContext): unknown {
  const { nodeId, advertisedHost: host, advertisedPort: port } = ctx.settings;
  const transactional = (req.keyType ?? 0) !== 0;
  const errorCode = transactional ? E.INVALID_REQUEST : E.NONE;
  const errorMessage = transactional ? 'Eddy does not support transactions yet (only consumer groups have a coordinator)' : null;
  const keys = ctx.apiVersion >= 4 ? (req.coordinatorKeys ?? []) : [req.key ?? ''];
  return {
    throttleTimeMs: 0,
    errorCode,
    errorMessage,
    nodeId: transactional ? -1 : nodeId,
    host: transactional ? '' : host,
    port: transactional ? -1 : port,
    coordinators: keys.map((key) => ({ key, nodeId: transactional ? -1 : nodeId, host: transactional ? '' : host, port: transactional ? -1 : port, errorCode, errorMessage })),
  };
}
