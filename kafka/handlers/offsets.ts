/**
 * OffsetCommit and OffsetFetch over core's committed offsets: the same
 * offsets the HTTP API and `eddy groups describe` show.
 */
import { EddyError } from '../../core/errors.js';
import { mapLimit } from '../../core/util.js';
import { memberKey, type RequestContext } from '../context.js';
import { KAFKA_ERRORS, kafkaErrorCode, type ErrorContext } from '../errors.js';
import { toNumber } from './util.js';

const E = KAFKA_ERRORS;

interface OffsetCommitRequest {
  groupId: string;
  generationIdOrMemberEpoch?: number;
  memberId?: string;
  topics: Array<{ name: string; partitions: Array<{ partitionIndex: number; committedOffset: bigint; committedMetadata?: string | null }> }>;
}

/** OffsetCommit: one core commit for every partition of existing topics; per-partition errors otherwise. */
export async function offsetCommit(req: OffsetCommitRequest, ctx: RequestContext): Promise<unknown> {
  const codes = new Map<string, number>();
  const key = (t: string, p: number): string => `${t}\u0000${p}`;
  const generation = req.generationIdOrMemberEpoch ?? -1;
  const memberId = req.memberId ?? '';
  const cached = memberId ? ctx.connection.members.get(memberKey(req.groupId, memberId)) : undefined;
  const context: ErrorContext = cached?.consumerProtocol ? 'consumer-group' : 'classic-group';
  const offsets: Array<{ topic: string; partition: number; offset: number; metadata?: string }> = [];
  await mapLimit(req.topics, 16, async (t) => {
    let error: number = E.NONE;
    try {
      const topic = await ctx.core.log.topic(t.name);
      for (const p of t.partitions) if (p.partitionIndex < 0 || p.partitionIndex >= topic.partitions) codes.set(key(t.name, p.partitionIndex), E.UNKNOWN_TOPIC_OR_PARTITION);
    } catch (err) {
      error = kafkaErrorCode(err, context);
    }
    for (const p of t.partitions) {
      if (error !== E.NONE) codes.set(key(t.name, p.partitionIndex), error);
      if (codes.has(key(t.name, p.partitionIndex))) continue;
      let offset: number;
      try {
        offset = toNumber(p.committedOffset);
      } catch {
        codes.set(key(t.name, p.partitionIndex), E.INVALID_REQUEST);
        continue;
      }
      // Metadata longer than core keeps is refused by core for the whole request; Kafka refuses the partition.
      if ((p.committedMetadata ?? '').length > 4096) {
        codes.set(key(t.name, p.partitionIndex), E.OFFSET_METADATA_TOO_LARGE);
        continue;
      }
      offsets.push({ topic: t.name, partition: p.partitionIndex, offset, ...(p.committedMetadata ? { metadata: p.committedMetadata } : {}) });
    }
  });
  if (offsets.length > 0) {
    let error: number = E.NONE;
    try {
      const member = generation >= 0 && memberId !== '' ? { memberId, memberEpoch: generation } : {};
      await ctx.core.groups.commit(req.groupId, { ...member, offsets });
    } catch (err) {
      error = kafkaErrorCode(err, context);
      // A non-member committing into a live group: Kafka says UNKNOWN_MEMBER_ID.
      if (err instanceof EddyError && err.code === 'NON_EMPTY_GROUP') error = E.UNKNOWN_MEMBER_ID;
    }
    for (const o of offsets) codes.set(key(o.topic, o.partition), error);
  }
  return {
    throttleTimeMs: 0,
    topics: req.topics.map((t) => ({
      name: t.name,
      partitions: t.partitions.map((p) => ({ partitionIndex: p.partitionIndex, errorCode: codes.get(key(t.name, p.partitionIndex)) ?? E.NONE })),
    })),
  };
}

interface FetchGroup {
  groupId: string;
  topics: Array<{ name: string; partitionIndexes: number[] }> | null;
}

interface OffsetFetchRequest {
  groupId?: string;
  topics?: Array<{ name: string; partitionIndexes: number[] }> | null;
  groups?: FetchGroup[];
}

interface FetchedGroup {
  errorCode: number;
  topics: Array<{ name: string; partitions: Array<{ partitionIndex: number; committedOffset: bigint; committedLeaderEpoch: number; metadata: string | null; errorCode: number }> }>;
}

async function fetchGroup(group: FetchGroup, ctx: RequestContext): Promise<FetchedGroup> {
  let stored: Array<{ topic: string; partition: number; offset: number }> = [];
  try {
    stored = (await ctx.core.groups.fetchOffsets(group.groupId)).offsets;
  } catch (err) {
    // A group nobody committed to yet: every partition has no offset (-1), as in Kafka.
    if (!(err instanceof EddyError && err.code === 'GROUP_NOT_FOUND')) return { errorCode: kafkaErrorCode(err, 'classic-group'), topics: [] };
  }
  const byKey = new Map(stored.map((o) => [`${o.topic}\u0000${o.partition}`, o.offset]));
  const row = (partitionIndex: number, offset: number | undefined) => ({
    partitionIndex,
    committedOffset: BigInt(offset ?? -1),
    committedLeaderEpoch: -1,
    metadata: '',
    errorCode: E.NONE,
  });
  if (group.topics === null) {
    const topics = new Map<string, Array<ReturnType<typeof row>>>();
    for (const o of stored) {
      const list = topics.get(o.topic) ?? [];
      list.push(row(o.partition, o.offset));
      topics.set(o.topic, list);
    }
    return { errorCode: E.NONE, topics: [...topics].map(([name, partitions]) => ({ name, partitions })) };
  }
  return {
    errorCode: E.NONE,
    topics: group.topics.map((t) => ({ name: t.name, partitions: t.partitionIndexes.map((p) => row(p, byKey.get(`${t.name}\u0000${p}`))) })),
  };
}

/** OffsetFetch: committed offsets (-1 where none), one group (v0–7) or several (v8+). */
export async function offsetFetch(req: OffsetFetchRequest, ctx: RequestContext): Promise<unknown> {
  if (ctx.apiVersion >= 8) {
    const groups = await mapLimit(req.groups ?? [], 8, async (g) => ({ groupId: g.groupId, ...(await fetchGroup(g, ctx)) }));
    return { throttleTimeMs: 0, groups };
  }
  // v0 and v1 have no "all topics" (null) form; an empty list asks for nothing.
  const out = await fetchGroup({ groupId: req.groupId ?? '', topics: req.topics ?? null }, ctx);
  return { throttleTimeMs: 0, errorCode: out.errorCode, topics: out.topics };
}
