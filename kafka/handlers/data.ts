/**
 * The data path: Metadata, Produce, Fetch, ListOffsets, InitProducerId.
 *
 * Every gateway answers as the one broker of the cluster: leader of every
 * partition, so clients send it everything, and any gateway serves any
 * partition because all state is in core.
 */
import { crc32c } from '../../core/codec/crc32c.js';
import { EddyError } from '../../core/errors.js';
import type { TopicRecord } from '../../core/model.js';
import { mapLimit } from '../../core/util.js';
import type { RequestContext } from '../context.js';
import { KAFKA_ERRORS, errorMessage, kafkaErrorCode } from '../errors.js';
import { toNumber } from './util.js';

const E = KAFKA_ERRORS;
const ZERO_UUID = '00000000-0000-0000-0000-000000000000';

/** Reads topics once per request; a missing one is remembered as its error. */
class TopicCache {
  private readonly topics = new Map<string, Promise<TopicRecord | EddyError>>();
  constructor(private readonly ctx: RequestContext) {}

  get(name: string): Promise<TopicRecord | EddyError> {
    let t = this.topics.get(name);
    if (!t) {
      t = this.ctx.core.log.topic(name).catch((err: unknown) => {
        if (err instanceof EddyError) return err;
        throw err;
      });
      this.topics.set(name, t);
    }
    return t;
  }
}

// ---------------------------------------------------------------- Metadata

interface MetadataRequest {
  topics: Array<{ topicId?: string; name: string | null }> | null;
  allowAutoTopicCreation?: boolean;
}

async function describeForMetadata(ctx: RequestContext, name: string, autoCreate: boolean): Promise<TopicRecord | EddyError> {
  try {
    return await ctx.core.log.topic(name);
  } catch (err) {
    if (!(err instanceof EddyError) || err.code !== 'UNKNOWN_TOPIC_OR_PARTITION' || !autoCreate) {
      if (err instanceof EddyError) return err;
      throw err;
    }
  }
  try {
    await ctx.core.log.createTopic({ name, partitions: ctx.settings.defaultPartitions });
    ctx.log.info('kafka: auto-created topic', { topic: name, partitions: ctx.settings.defaultPartitions });
  } catch (err) {
    // Another client (or gateway) created it first: fine, read it.
    if (!(err instanceof EddyError)) throw err;
    if (err.code !== 'TOPIC_ALREADY_EXISTS') return err;
  }
  try {
    return await ctx.core.log.topic(name);
  } catch (err) {
    if (err instanceof EddyError) return err;
    throw err;
  }
}

/** Metadata: this gateway as the only broker; topics with ids; auto-creation per Kafka's default. */
export async function metadata(req: MetadataRequest, ctx: RequestContext): Promise<unknown> {
  const { nodeId, advertisedHost, advertisedPort, clusterId } = ctx.settings;
  // v0 has no null: an empty list means "all topics" there.
  const all = req.topics === null || (ctx.apiVersion === 0 && req.topics.length === 0);
  const autoCreate = ctx.settings.autoCreateTopics && (ctx.apiVersion < 4 || req.allowAutoTopicCreation !== false);
  let names: Array<{ name: string | null; topicId?: string }>;
  if (all) names = (await ctx.core.log.listTopics()).map((t) => ({ name: t.name }));
  else names = req.topics!.map((t) => ({ name: t.name, ...(t.topicId ? { topicId: t.topicId } : {}) }));
  const topics = await mapLimit(names, 16, async ({ name, topicId }) => {
    const base = { name, topicId: topicId ?? ZERO_UUID, isInternal: false, partitions: [], topicAuthorizedOperations: -2147483648 };
    let topic: TopicRecord | EddyError;
    if (name === null) {
      const byId = topicId && topicId !== ZERO_UUID ? await ctx.topicIds.resolve(ctx.core, topicId) : undefined;
      if (!byId) return { ...base, errorCode: E.UNKNOWN_TOPIC_ID };
      topic = byId;
    } else {
      topic = await describeForMetadata(ctx, name, autoCreate && !all);
    }
    if (topic instanceof EddyError) return { ...base, errorCode: kafkaErrorCode(topic) };
    return {
      ...base,
      errorCode: E.NONE,
      name: topic.name,
      topicId: ctx.topicIds.remember(topic),
      partitions: Array.from({ length: topic.partitions }, (_, p) => ({
        errorCode: E.NONE,
        partitionIndex: p,
        leaderId: nodeId,
        leaderEpoch: 0,
        replicaNodes: [nodeId],
        isrNodes: [nodeId],
        offlineReplicas: [],
      })),
    };
  });
  return {
    throttleTimeMs: 0,
    brokers: [{ nodeId, host: advertisedHost, port: advertisedPort, rack: null }],
    clusterId,
    controllerId: nodeId,
    topics,
    clusterAuthorizedOperations: -2147483648,
  };
}

// ---------------------------------------------------------------- Produce

interface ProduceRequest {
  transactionalId?: string | null;
  acks: number;
  timeoutMs: number;
  topicData: Array<{ name: string; partitionData: Array<{ index: number; records: Uint8Array | null }> }>;
}

interface PartitionProduceResponse {
  index: number;
  errorCode: number;
  baseOffset: bigint;
  logAppendTimeMs: bigint;
  logStartOffset: bigint;
  recordErrors: never[];
  errorMessage: string | null;
  currentLeader: { leaderId: number; leaderEpoch: number };
}

function produced(index: number, baseOffset: number, errorCode: number = E.NONE, message: string | null = null): PartitionProduceResponse {
  return { index, errorCode, baseOffset: BigInt(baseOffset), logAppendTimeMs: -1n, logStartOffset: -1n, recordErrors: [], errorMessage: message, currentLeader: { leaderId: -1, leaderEpoch: -1 } };
}

/**
 * Produce: each topic's partitions in one core append (one object, one index
 * write per partition). acks 0, 1 and -1 all wait for the index write; acks=0
 * then answers nothing, as Kafka does.
 */
export async function produce(req: ProduceRequest, ctx: RequestContext): Promise<unknown> {
  const fail = (errorCode: number, message: string) =>
    req.topicData.map((t) => ({ name: t.name, partitionResponses: t.partitionData.map((p) => produced(p.index, -1, errorCode, message)) }));
  let responses;
  if (req.acks !== 0 && req.acks !== 1 && req.acks !== -1) {
    responses = fail(E.INVALID_REQUIRED_ACKS, `acks must be 0, 1 or -1, got ${req.acks}`);
  } else if (req.transactionalId) {
    responses = fail(E.TRANSACTIONAL_ID_AUTHORIZATION_FAILED, 'Eddy does not support transactions yet');
  } else {
    responses = await mapLimit(req.topicData, 8, async (t) => {
      const results = new Map<number, PartitionProduceResponse>();
      const batches: Array<{ partition: number; batches: Uint8Array }> = [];
      for (const p of t.partitionData) {
        if (!p.records || p.records.length === 0) results.set(p.index, produced(p.index, -1, E.CORRUPT_MESSAGE, 'no record batch'));
        else if (batches.some((b) => b.partition === p.index)) results.set(p.index, produced(p.index, -1, E.INVALID_REQUEST, 'partition named twice'));
        else batches.push({ partition: p.index, batches: p.records });
      }
      if (batches.length > 0) {
        try {
          const out = await ctx.core.log.appendBatches({ topic: t.name, partitions: batches });
          for (const r of out) {
            results.set(r.partition, 'error' in r ? produced(r.partition, -1, kafkaErrorCode(r.error), r.error.message) : produced(r.partition, r.baseOffset));
          }
        } catch (err) {
          for (const b of batches) results.set(b.partition, produced(b.partition, -1, kafkaErrorCode(err), errorMessage(err)));
        }
      }
      return { name: t.name, partitionResponses: t.partitionData.map((p) => results.get(p.index) ?? produced(p.index, -1, E.UNKNOWN_SERVER_ERROR, 'no result')) };
    });
  }
  if (req.acks === 0) return undefined;
  return { responses, throttleTimeMs: 0, nodeEndpoints: [] };
}

// ---------------------------------------------------------------- Fetch

interface FetchRequest {
  maxWaitMs: number;
  minBytes: number;
  maxBytes?: number;
  isolationLevel?: number;
  sessionId?: number;
  sessionEpoch?: number;
  topics: Array<{ topic: string; topicId?: string; partitions: Array<{ partition: number; fetchOffset: bigint; partitionMaxBytes: number }> }>;
}

interface PartitionData {
  partitionIndex: number;
  errorCode: number;
  highWatermark: bigint;
  lastStableOffset: bigint;
  logStartOffset: bigint;
  abortedTransactions: never[];
  preferredReadReplica: number;
  records: Uint8Array;
  divergingEpoch: { epoch: number; endOffset: bigint };
  currentLeader: { leaderId: number; leaderEpoch: number };
  snapshotId: { endOffset: bigint; epoch: number };
}

interface Slot {
  /** The topic's name, or `\u0000<id>` for an id that names no topic. */
  topic: string;
  /** The id the request named it by (v13+). */
  topicId: string;
  partition: number;
  offset: number;
  maxBytes: number;
  result?: PartitionData;
  bytes: number;
}

function partitionData(partitionIndex: number, errorCode: number, hw = -1, logStart = -1, records: Uint8Array = new Uint8Array(0)): PartitionData {
  return {
    partitionIndex,
    errorCode,
    highWatermark: BigInt(hw),
    // No transactions yet: read_committed sees what read_uncommitted sees.
    lastStableOffset: BigInt(hw),
    logStartOffset: BigInt(logStart),
    abortedTransactions: [],
    preferredReadReplica: -1,
    records,
    // Tagged fields (v12+) at their defaults: no divergence, no leader change, no snapshot.
    divergingEpoch: { epoch: -1, endOffset: -1n },
    currentLeader: { leaderId: -1, leaderEpoch: -1 },
    snapshotId: { endOffset: -1n, epoch: -1 },
  };
}

/** Bytes of a RecordBatch v2 header, which is all of a batch without records. */
const EMPTY_BATCH_BYTES = 61;

/**
 * A RecordBatch v2 that holds no record and covers offsets `baseOffset ≤ o <
 * nextOffset`: what a Kafka broker keeps when compaction removed every record
 * of a batch. Clients move past its last offset (librdkafka and the Java
 * client read `baseOffset + lastOffsetDelta`), so a reader at an abandoned
 * range at the end of a partition goes on instead of waiting for the next
 * record to carry it past (docs/reliability.md).
 *
 * Fetch answers hold one only for clients that named themselves in
 * ApiVersions v3+ (KIP-511, Kafka 2.4, 2019): every such client postdates
 * empty batches (Kafka 0.11, 2017). kafka-python 2.0.2, which asks
 * ApiVersions v0–v2, raises IndexError from `poll()` on an answer whose only
 * batch is empty (dpkp/kafka-python#2132, fixed after 2.0.2). Older clients
 * are carried past by the batch of the next record instead (see `fetch`).
 */
export function emptyBatch(baseOffset: number, nextOffset: number): Uint8Array {
  const out = new Uint8Array(EMPTY_BATCH_BYTES);
  const view = new DataView(out.buffer);
  view.setBigInt64(0, BigInt(baseOffset));
  view.setInt32(8, EMPTY_BATCH_BYTES - 12); // batchLength: what follows it
  view.setInt32(12, -1); // partitionLeaderEpoch
  out[16] = 2; // magic
  view.setInt16(21, 0); // attributes: no compression, create time, not transactional
  view.setInt32(23, Math.min(nextOffset - baseOffset - 1, 0x7fffffff)); // lastOffsetDelta
  view.setBigInt64(27, -1n); // baseTimestamp: none
  view.setBigInt64(35, -1n); // maxTimestamp: none
  view.setBigInt64(43, -1n); // producerId
  view.setInt16(51, -1); // producerEpoch
  view.setInt32(53, -1); // baseSequence
  view.setInt32(57, 0); // recordCount
  view.setUint32(17, crc32c(out.subarray(21)));
  return out;
}

function concat(parts: Uint8Array[]): Uint8Array {
  if (parts.length === 1) return parts[0]!;
  return new Uint8Array(Buffer.concat(parts));
}

/**
 * Fetch: every partition is read at once; when they hold fewer than
 * `minBytes`, each long-polls in core and the first with data answers (Kafka
 * allows an answer with data from some partitions only). Fetch sessions
 * (KIP-227) are declined: session id 0 tells the client to send full requests.
 */
export async function fetch(req: FetchRequest, ctx: RequestContext): Promise<unknown> {
  const answer = (errorCode: number, responses: unknown[]) => ({ throttleTimeMs: 0, errorCode, sessionId: 0, responses, nodeEndpoints: [] });
  if ((req.sessionId ?? 0) !== 0 || (req.sessionEpoch ?? -1) > 0) return answer(E.FETCH_SESSION_ID_NOT_FOUND, []);
  const topics = new TopicCache(ctx);
  const slots: Slot[] = [];
  const byId = ctx.apiVersion >= 13;
  const names = await mapLimit(req.topics, 16, async (t) => {
    if (!byId) return t.topic;
    const topic = await ctx.topicIds.resolve(ctx.core, t.topicId ?? ZERO_UUID);
    return topic ? topic.name : `\u0000${t.topicId}`;
  });
  for (const [i, t] of req.topics.entries()) {
    for (const p of t.partitions) {
      let offset = -1;
      try {
        offset = toNumber(p.fetchOffset);
      } catch {
        // out of range: answered below
      }
      slots.push({ topic: names[i]!, topicId: t.topicId ?? ZERO_UUID, partition: p.partition, offset, maxBytes: Math.max(1, p.partitionMaxBytes), bytes: 0 });
    }
  }
  const read = async (slot: Slot, waitMs: number): Promise<void> => {
    if (slot.topic.startsWith('\u0000')) {
      slot.result = partitionData(slot.partition, E.UNKNOWN_TOPIC_ID);
      return;
    }
    const topic = await topics.get(slot.topic);
    if (topic instanceof EddyError) {
      slot.result = partitionData(slot.partition, kafkaErrorCode(topic));
      return;
    }
    if (slot.offset < 0) {
      slot.result = partitionData(slot.partition, E.OFFSET_OUT_OF_RANGE);
      return;
    }
    try {
      const readFrom = (offset: number) => ctx.core.log.readBatches({ topic: slot.topic, partition: slot.partition, offset, maxBytes: slot.maxBytes, ...(waitMs > 0 ? { waitMs } : {}) });
      let out = await readFrom(slot.offset);
      // No batch, yet the read moved on: an abandoned range ends the partition. An empty batch carries a client that
      // takes one past it (see emptyBatch); for the others the long poll waits where the next record will be, whose
      // batch carries them past (Kafka clients take batches above their fetch offset).
      const skipped = out.batches.length === 0 && out.nextOffset > slot.offset;
      const takesEmpty = ctx.connection.clientSoftware !== undefined;
      if (skipped && !takesEmpty && waitMs > 0) out = await readFrom(out.nextOffset);
      const records = skipped && takesEmpty ? emptyBatch(slot.offset, out.nextOffset) : concat(out.batches);
      slot.bytes = records.length;
      slot.result = partitionData(slot.partition, E.NONE, out.highWatermark, out.logStartOffset, records);
    } catch (err) {
      slot.result = partitionData(slot.partition, kafkaErrorCode(err));
    }
  };
  await mapLimit(slots, 16, (s) => read(s, 0));
  const total = (): number => slots.reduce((n, s) => n + s.bytes, 0);
  const waitMs = Math.min(Math.max(0, req.maxWaitMs), ctx.settings.maxFetchWaitMs);
  const pollable = slots.filter((s) => s.result?.errorCode === E.NONE);
  if (total() < Math.max(1, req.minBytes) && waitMs > 0 && pollable.length > 0 && total() === 0) {
    // Long poll: the first partition that gets data ends the wait; the others keep their empty first answer.
    await new Promise<void>((resolve) => {
      let pending = pollable.length;
      for (const s of pollable) {
        const copy: Slot = { ...s };
        read(copy, waitMs)
          .then(() => {
            if (copy.bytes > 0 && s.bytes === 0) {
              s.result = copy.result;
              s.bytes = copy.bytes;
              resolve();
            }
          })
          .catch(() => undefined)
          .finally(() => {
            if (--pending === 0) resolve();
          });
      }
    });
  }
  // The response's byte budget: whole partitions in request order, the first always (KIP-74).
  let budget = req.maxBytes ?? 0x7fffffff;
  let first = true;
  for (const s of slots) {
    if (!s.result || s.bytes === 0) continue;
    if (!first && s.bytes > budget) s.result = { ...s.result, records: new Uint8Array(0) };
    else budget -= s.bytes;
    first = false;
  }
  const byTopic = new Map<string, { topic: string; topicId: string; partitions: PartitionData[] }>();
  for (const s of slots) {
    const key = byId ? s.topicId : s.topic;
    let entry = byTopic.get(key);
    if (!entry) byTopic.set(key, (entry = { topic: s.topic, topicId: s.topicId, partitions: [] }));
    entry.partitions.push(s.result ?? partitionData(s.partition, E.UNKNOWN_SERVER_ERROR));
  }
  return answer(E.NONE, [...byTopic.values()]);
}

// ---------------------------------------------------------------- ListOffsets

interface ListOffsetsRequest {
  topics: Array<{ name: string; partitions: Array<{ partitionIndex: number; timestamp: bigint }> }>;
}

/** ListOffsets: earliest (-2), latest (-1) or the first offset at or after a timestamp. */
export async function listOffsets(req: ListOffsetsRequest, ctx: RequestContext): Promise<unknown> {
  const topics = await mapLimit(req.topics, 8, async (t) => ({
    name: t.name,
    partitions: await mapLimit(t.partitions, 16, async (p) => {
      const row = (errorCode: number, offset = -1, timestamp = -1) => ({
        partitionIndex: p.partitionIndex,
        errorCode,
        oldStyleOffsets: [],
        timestamp: BigInt(timestamp),
        offset: BigInt(offset),
        leaderEpoch: 0,
      });
      try {
        const ts = toNumber(p.timestamp);
        const at = ts === -2 ? 'earliest' : ts === -1 ? 'latest' : ts >= 0 ? { timestamp: ts } : undefined;
        if (!at) return row(E.INVALID_REQUEST);
        const out = await ctx.core.log.listOffset(t.name, p.partitionIndex, at);
        return row(E.NONE, out.offset, out.timestamp ?? -1);
      } catch (err) {
        return row(kafkaErrorCode(err));
      }
    }),
  }));
  return { throttleTimeMs: 0, topics };
}

// ---------------------------------------------------------------- InitProducerId

/** InitProducerId: a fresh int64 producer id for an idempotent producer (epoch 0). Transactions are not supported. */
export async function initProducerId(req: { transactionalId?: string | null }, ctx: RequestContext): Promise<unknown> {
  if (req.transactionalId) return { throttleTimeMs: 0, errorCode: E.TRANSACTIONAL_ID_AUTHORIZATION_FAILED, producerId: -1n, producerEpoch: -1 };
  try {
    const producerId = await ctx.core.log.initProducerId();
    return { throttleTimeMs: 0, errorCode: E.NONE, producerId, producerEpoch: 0 };
  } catch (err) {
    return { throttleTimeMs: 0, errorCode: kafkaErrorCode(err), producerId: -1n, producerEpoch: -1 };
  }
}
