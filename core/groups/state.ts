/**
 * A consumer group's state: the model the protocol works on, and the compact
 * document it is persisted as (the `state` of the group's {@link GroupRecord},
 * one DynamoDB item written with optimistic concurrency).
 *
 * Persisted document, format 1 (field names are persisted: never rename;
 * the format number is persisted: never reuse):
 * ```
 * {
 *   "v": 1,                              format
 *   "e": 57,                             group epoch: only increases; every member epoch and fence is a value of it
 *   "t": [["orders", "3f9c…", 12, 1]],   topics referenced: name, topic id, partitions, 1 if the current id of the name
 *   "m": [{                              live members (as of the last write)
 *     "i": "a1b2…",                      member id
 *     "e": 57,                           member epoch: the epoch of "a"
 *     "k": 52,                           acknowledged epoch: the epoch of "o"; absent when equal to "e"
 *     "s": [0],                          subscribed topics, as indexes into "t"
 *     "to": 45000,                       session timeout (ms)
 *     "hb": 1732612345678,               last heartbeat (clock ms)
 *     "a": "0:0-3,7",                    assigned: last assignment returned, "<t index>:<ranges>" joined by ";"
 *     "o": "0:0-5",                      owned: last assignment acknowledged; absent when equal to "a"
 *     "ps": 1732612340000                when "a" was returned, while unacknowledged
 *   }]
 * }
 * ```
 * Ranges are `0-3,7` (see {@link encodeRanges}): a member of a 500-member group
 * on 5000 partitions costs about 100 bytes; measured in test/core/groups/state.test.ts.
 */
import { EddyError } from '../errors.js';
import type { GroupRecord } from '../model.js';
import { assignmentOf, decodeRanges, EMPTY_ASSIGNMENT, encodeRanges, type Assignment } from './assignment.js';

/** A topic as the group last saw it. */
export interface TopicMeta {
  readonly topicId: string;
  readonly name: string;
  readonly partitions: number;
}

/** One member of a group. */
export interface MemberState {
  readonly memberId: string;
  /** Epoch of `assigned`. 0 only transiently, while joining. */
  readonly epoch: number;
  /** Epoch of `owned`: the last assignment the member acknowledged (0: none yet). Equals `epoch` when nothing is pending. */
  readonly ackedEpoch: number;
  /** The assignment last returned to the member. */
  readonly assigned: Assignment;
  /** The assignment the member last acknowledged: the partitions it may still be consuming. */
  readonly owned: Assignment;
  /** Subscribed topic names, sorted. */
  readonly topics: readonly string[];
  readonly sessionTimeoutMs: number;
  readonly lastHeartbeatMs: number;
  /** When `assigned` was returned, while it is unacknowledged. */
  readonly pendingSinceMs?: number;
}

/** A group's whole state. */
export interface GroupState {
  /** The group epoch: only increases. */
  readonly epoch: number;
  /** Every topic the state refers to, by id (a recreated topic has two: the old one until released). */
  readonly topics: ReadonlyMap<string, TopicMeta>;
  /** The current topic id of each subscribed topic name. */
  readonly current: ReadonlyMap<string, string>;
  readonly members: readonly MemberState[];
}

/** A new group's state, starting at `epoch` (above any fence already stored with its offsets). */
export function emptyGroup(epoch = 0): GroupState {
  return { epoch, topics: new Map(), current: new Map(), members: [] };
}

/** Persisted format number (never reuse). */
export const GROUP_STATE_FORMAT = 1;

type TopicRow = [name: string, topicId: string, partitions: number, current: 0 | 1];

interface MemberDocument {
  i: string;
  e: number;
  k?: number;
  s: number[];
  to: number;
  hb: number;
  a: string;
  o?: string;
  ps?: number;
}

/** The persisted document (see the module comment). */
export interface GroupDocument {
  v: typeof GROUP_STATE_FORMAT;
  e: number;
  t: TopicRow[];
  m: MemberDocument[];
}

/** Encodes a state as its compact document; topics nobody refers to any more are dropped. */
export function encodeGroupState(state: GroupState): GroupDocument {
  const rows: TopicRow[] = [];
  const index = new Map<string, number>();
  const ref = (topicId: string): number => {
    let i = index.get(topicId);
    if (i === undefined) {
      const t = state.topics.get(topicId);
      if (!t) throw new EddyError('INTERNAL', `group state refers to unknown topic id ${topicId}`);
      i = rows.length;
      index.set(topicId, i);
      rows.push([t.name, t.topicId, t.partitions, state.current.get(t.name) === topicId ? 1 : 0]);
    }
    return i;
  };
  const encodeAssignment = (a: Assignment): string =>
    [...a]
      .map(([topicId, partitions]) => `${ref(topicId)}:${encodeRanges(partitions)}`)
      .join(';');
  const members = state.members.map((m): MemberDocument => {
    const subscribed = m.topics.map((name) => {
      const id = state.current.get(name);
      if (id === undefined) throw new EddyError('INTERNAL', `group state has no topic id for subscribed topic ${name}`);
      return ref(id);
    });
    const a = encodeAssignment(m.assigned);
    const doc: MemberDocument = { i: m.memberId, e: m.epoch, s: subscribed, to: m.sessionTimeoutMs, hb: m.lastHeartbeatMs, a };
    if (m.ackedEpoch !== m.epoch) {
      doc.k = m.ackedEpoch;
      doc.o = encodeAssignment(m.owned);
      if (m.pendingSinceMs !== undefined) doc.ps = m.pendingSinceMs;
    }
    return doc;
  });
  return { v: GROUP_STATE_FORMAT, e: state.epoch, t: rows, m: members };
}

/** Decodes a stored document; anything unexpected is `INTERNAL` (a bug or a newer format). */
export function decodeGroupState(doc: unknown): GroupState {
  try {
    const d = doc as GroupDocument;
    if (d?.v !== GROUP_STATE_FORMAT) throw new Error(`unknown format ${JSON.stringify(d?.v)}`);
    const topics = new Map<string, TopicMeta>();
    const current = new Map<string, string>();
    const byIndex = d.t.map(([name, topicId, partitions, isCurrent]) => {
      const t: TopicMeta = { name, topicId, partitions };
      topics.set(topicId, t);
      if (isCurrent === 1) current.set(name, topicId);
      return t;
    });
    const topicAt = (i: number): TopicMeta => {
      const t = byIndex[i];
      if (!t) throw new Error(`topic index ${i} out of range`);
      return t;
    };
    const decodeAssignment = (text: string): Assignment =>
      // Stryker disable next-line ConditionalExpression,StringLiteral: the general path reads '' as topic index 0 with no ranges, an empty assignment too, whenever the document has a topic row, and a stored member always subscribes to at least one topic
      text === ''
        ? EMPTY_ASSIGNMENT
        : assignmentOf(
            text.split(';').map((part) => {
              const colon = part.indexOf(':');
              return [topicAt(Number(part.slice(0, colon))).topicId, decodeRanges(part.slice(colon + 1))] as const;
            }),
          );
    const members = d.m.map((m): MemberState => {
      const assigned = decodeAssignment(m.a);
      const pending = m.k !== undefined;
      return {
        memberId: m.i,
        epoch: m.e,
        ackedEpoch: pending ? m.k! : m.e,
        assigned,
        owned: pending ? decodeAssignment(m.o ?? '') : assigned,
        topics: m.s.map((i) => topicAt(i).name),
        sessionTimeoutMs: m.to,
        lastHeartbeatMs: m.hb,
        // Stryker disable next-line ConditionalExpression: `pendingSinceMs: undefined` as an own property reads as absent everywhere the state is used (expiry, encoding)
        ...(pending && m.ps !== undefined ? { pendingSinceMs: m.ps } : {}),
      };
    });
    return { epoch: d.e, topics, current, members };
  } catch (err) {
    throw new EddyError('INTERNAL', `stored group state is unreadable: ${err instanceof Error ? err.message : String(err)}`, { cause: err });
  }
}

/** Decodes a stored group record. */
export function stateOf(record: GroupRecord): GroupState {
  return decodeGroupState(record.state);
}
