/**
 * Validation of consumer-group requests. Handlers validate shapes too, but
 * core enforces every rule itself and names the bad field, so a caller that
 * skips the handler (a direct invoke, a future wire gateway) gets the same answers.
 */
import { EddyError } from '../errors.js';
import { SESSION_TIMEOUT_MS } from './protocol.js';
import type { HeartbeatRequest, OffsetToCommit, ResetTarget } from './types.js';

/** Limits of group requests. */
export const GROUP_LIMITS = {
  /** Group ids: 1–249 characters (Kafka's bound for names), no control characters. */
  groupIdMaxLength: 249,
  /** Member ids are server-generated; anything longer than this cannot be one. */
  memberIdMaxLength: 255,
  /** Topics in one subscription. */
  maxTopics: 1_000,
  /** Offsets in one commit. */
  maxOffsets: 10_000,
  /** Characters of commit metadata (Kafka's `offset.metadata.max.bytes` default). */
  metadataMaxLength: 4_096,
} as const;

/** Whether a string holds a C0 control character or DEL. */
const hasControl = (s: string): boolean => [...s].some((ch) => ch.charCodeAt(0) < 0x20 || ch.charCodeAt(0) === 0x7f);

function invalid(message: string): EddyError {
  return new EddyError('INVALID_REQUEST', message);
}

function shown(v: unknown): string {
  if (v === undefined) return 'nothing';
  const text = JSON.stringify(v) ?? String(v);
  return text.length > 80 ? `${text.slice(0, 80)}…` : text;
}

function isObject(v: unknown): v is Record<string, unknown> {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

function isInt(v: unknown): v is number {
  // Stryker disable next-line ConditionalExpression: Number.isSafeInteger is false for anything but a number, so the typeof test only narrows the type
  return typeof v === 'number' && Number.isSafeInteger(v);
}

/** Throws `INVALID_REQUEST` unless `group` is a legal group id. */
export function validateGroupId(group: unknown): asserts group is string {
  if (typeof group !== 'string' || group.length < 1 || group.length > GROUP_LIMITS.groupIdMaxLength || hasControl(group)) {
    throw invalid(`group must be 1-${GROUP_LIMITS.groupIdMaxLength} characters without control characters, got ${shown(group)}`);
  }
}

function memberIdField(v: unknown): string {
  if (typeof v !== 'string' || v.length < 1 || v.length > GROUP_LIMITS.memberIdMaxLength) {
    throw invalid(`memberId must be the id the server gave the member, got ${shown(v)}`);
  }
  return v;
}

/** A validated heartbeat. */
export interface ParsedHeartbeat {
  readonly memberId?: string;
  readonly memberEpoch: number;
  /** Unique names, request order; empty on leave. */
  readonly topics: string[];
  readonly sessionTimeoutMs: number;
}

/** Validates a heartbeat request. Topic names are checked when the topics are read. */
export function parseHeartbeat(request: HeartbeatRequest): ParsedHeartbeat {
  const r: unknown = request;
  if (!isObject(r)) throw invalid(`heartbeat body must be an object, got ${shown(r)}`);
  const { memberId, memberEpoch, topics, sessionTimeoutMs } = r;
  if (!isInt(memberEpoch) || memberEpoch < -1) throw invalid(`memberEpoch must be an integer ≥ -1 (0 joins, -1 leaves), got ${shown(memberEpoch)}`);
  const id = memberId === undefined ? undefined : memberIdField(memberId);
  if (id === undefined && memberEpoch !== 0) throw invalid(`memberId is required unless memberEpoch is 0 (join), got memberEpoch ${memberEpoch}`);
  const timeout = sessionTimeoutMs ?? SESSION_TIMEOUT_MS.default;
  if (!isInt(timeout) || timeout < SESSION_TIMEOUT_MS.min || timeout > SESSION_TIMEOUT_MS.max) {
    throw invalid(`sessionTimeoutMs must be an integer from ${SESSION_TIMEOUT_MS.min} to ${SESSION_TIMEOUT_MS.max}, got ${shown(sessionTimeoutMs)}`);
  }
  let names: string[] = [];
  if (memberEpoch !== -1) {
    if (!Array.isArray(topics) || topics.length < 1 || topics.length > GROUP_LIMITS.maxTopics || topics.some((t) => typeof t !== 'string')) {
      throw invalid(`topics must be an array of 1-${GROUP_LIMITS.maxTopics} topic names, got ${shown(topics)}`);
    }
    names = [...new Set(topics as string[])];
  }
  return { ...(id !== undefined ? { memberId: id } : {}), memberEpoch, topics: names, sessionTimeoutMs: timeout };
}

/** A validated commit. */
export interface ParsedCommit {
  readonly member?: { readonly memberId: string; readonly memberEpoch: number };
  readonly offsets: OffsetToCommit[];
}

/** Validates a commit request: shapes, integer offsets ≥ 0, one entry per partition. */
export function parseCommit(request: unknown): ParsedCommit {
  if (!isObject(request)) throw invalid(`commit body must be an object, got ${shown(request)}`);
  const { memberId, memberEpoch, offsets } = request;
  let member: ParsedCommit['member'];
  if (memberId !== undefined || memberEpoch !== undefined) {
    if (memberId === undefined) throw invalid('memberId is required when memberEpoch is given');
    if (memberEpoch === undefined) throw invalid('memberEpoch is required when memberId is given');
    if (!isInt(memberEpoch) || memberEpoch < 0) throw invalid(`memberEpoch must be a non-negative integer, got ${shown(memberEpoch)}`);
    member = { memberId: memberIdField(memberId), memberEpoch };
  }
  if (!Array.isArray(offsets) || offsets.length < 1 || offsets.length > GROUP_LIMITS.maxOffsets) {
    throw invalid(`offsets must be an array of 1-${GROUP_LIMITS.maxOffsets} entries, got ${shown(offsets)}`);
  }
  const seen = new Set<string>();
  const parsed = offsets.map((o: unknown, i): OffsetToCommit => {
    if (!isObject(o)) throw invalid(`offsets[${i}] must be an object, got ${shown(o)}`);
    const { topic, partition, offset, metadata } = o;
    if (typeof topic !== 'string') throw invalid(`offsets[${i}].topic must be a topic name, got ${shown(topic)}`);
    if (!isInt(partition) || partition < 0) throw invalid(`offsets[${i}].partition must be a non-negative integer, got ${shown(partition)}`);
    if (!isInt(offset) || offset < 0) throw invalid(`offsets[${i}].offset must be a non-negative integer (the next offset to read), got ${shown(offset)}`);
    if (metadata !== undefined && (typeof metadata !== 'string' || metadata.length > GROUP_LIMITS.metadataMaxLength)) {
      throw invalid(`offsets[${i}].metadata must be a string of at most ${GROUP_LIMITS.metadataMaxLength} characters`);
    }
    const key = `${topic}#${partition}`;
    if (seen.has(key)) throw invalid(`offsets[${i}] repeats ${topic}/${partition}`);
    seen.add(key);
    return { topic, partition, offset, ...(metadata !== undefined ? { metadata } : {}) };
  });
  return { ...(member ? { member } : {}), offsets: parsed };
}

/** Validates an offset reset request. */
export function parseReset(request: unknown): { topic: string; to: ResetTarget } {
  if (!isObject(request)) throw invalid(`reset body must be an object, got ${shown(request)}`);
  const { topic, to } = request;
  if (typeof topic !== 'string') throw invalid(`topic must be a topic name, got ${shown(topic)}`);
  if (to === 'earliest' || to === 'latest') return { topic, to };
  if (isObject(to) && Object.keys(to).length === 1) {
    if ('timestamp' in to) {
      if (!isInt(to.timestamp) || to.timestamp < 0) throw invalid(`to.timestamp must be a non-negative integer of epoch ms, got ${shown(to.timestamp)}`);
      return { topic, to: { timestamp: to.timestamp } };
    }
    if ('offset' in to) {
      if (!isInt(to.offset) || to.offset < 0) throw invalid(`to.offset must be a non-negative integer, got ${shown(to.offset)}`);
      return { topic, to: { offset: to.offset } };
    }
  }
  throw invalid(`to must be "earliest", "latest", {"timestamp": ms} or {"offset": n}, got ${shown(to)}`);
}
