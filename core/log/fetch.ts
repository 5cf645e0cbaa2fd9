/**
 * Reading a partition: fetch by offset, list offsets, partition summaries.
 *
 * Readers tolerate the moment during compaction when a covering entry and
 * the entries it replaces both exist (overlapping ranges): records are taken
 * by offset, each at most once, and a gap ends the batch early rather than
 * skipping offsets.
 */
import { decodeChunk } from '../codec/format.js';
import { decodeBatches, encodeBatch, readBatchHeaders, withBaseOffset } from '../codec/record-batch.js';
import { EddyError } from '../errors.js';
import type { ChunkRef, IndexEntry, TopicRecord } from '../model.js';
import type { Clock, MetadataStore, ObjectStore } from '../ports.js';
import { checkAbandon } from '../invariants.js';

/** A record read back, with its offset. */
export interface FetchedRecord {
  readonly offset: number;
  readonly timestamp: number;
  readonly key: Uint8Array | null;
  readonly value: Uint8Array | null;
  /** Header values may be null (Kafka allows it). */
  readonly headers: ReadonlyArray<readonly [string, Uint8Array | null]>;
}

/** The bounds of a partition's log. */
export interface PartitionOffsets {
  readonly partition: number;
  /** First offset still stored. */
  readonly logStartOffset: number;
  /** Offset the next record will get. */
  readonly highWatermark: number;
}

/** A fetch request. */
export interface FetchRequest {
  readonly topic: string;
  readonly partition: number;
  readonly offset: number;
  /** @default 1000 */
  readonly maxRecords?: number;
  /** Soft byte bound; at least one record is returned when one exists. @default 1048576, at most 4 MiB */
  readonly maxBytes?: number;
  /** How long an empty answer may wait for records. @default 0, at most 20000 */
  readonly waitMs?: number;
}

/** A fetch result. */
export interface FetchResult extends PartitionOffsets {
  readonly records: FetchedRecord[];
  readonly nextOffset: number;
}

export interface ReadDeps {
  readonly objects: ObjectStore;
  readonly meta: MetadataStore;
  /** With a clock, a read that stops at an old hole abandons it (docs/design.md §4); without, it only waits. */
  readonly clock?: Clock;
  /** @default {@link ABANDON_AFTER_MS} */
  readonly abandonAfterMs?: number;
  /** How many of the newest entries the high-water mark looks at for a hole. @default {@link HWM_WINDOW_ENTRIES} */
  readonly hwmWindow?: number;
}

/**
 * How old the entry above a hole must be (its append time) before a reader
 * abandons the hole: the hole's reservation is older still, since offsets are
 * reserved in order. Only liveness depends on it, never safety: the writer's
 * put and the reader's marker race for one key and exactly one wins.
 */
export const ABANDON_AFTER_MS = 10_000;
/** How many recent entries the high-water mark looks at for a hole (one Query). */
export const HWM_WINDOW_ENTRIES = 64;
/** Most offsets one read abandons before answering. */
const MAX_ABANDON_PER_READ = 64;

/** Default and maximum fetch sizes and wait (docs/design.md, Limits). */
export const FETCH_LIMITS = { defaultMaxBytes: 1024 * 1024, maxMaxBytes: 4 * 1024 * 1024, defaultMaxRecords: 1000, maxMaxRecords: 10_000, maxWaitMs: 20_000 } as const;

/** Throws `INVALID_REQUEST` naming the first fetch limit a request breaks. Every front door's reads go through this. */
export function checkFetchLimits(request: { readonly offset: number; readonly maxBytes?: number; readonly maxRecords?: number; readonly waitMs?: number }): void {
  const { offset, maxBytes = FETCH_LIMITS.defaultMaxBytes, maxRecords = FETCH_LIMITS.defaultMaxRecords, waitMs = 0 } = request;
  if (!Number.isSafeInteger(offset) || offset < 0) throw new EddyError('INVALID_REQUEST', `offset must be a non-negative integer, got ${offset}`);
  if (!Number.isInteger(waitMs) || waitMs < 0 || waitMs > FETCH_LIMITS.maxWaitMs) {
    throw new EddyError('INVALID_REQUEST', `waitMs must be from 0 to ${FETCH_LIMITS.maxWaitMs}, got ${waitMs}`);
  }
  if (!Number.isInteger(maxBytes) || maxBytes < 1 || maxBytes > FETCH_LIMITS.maxMaxBytes) {
    throw new EddyError('INVALID_REQUEST', `maxBytes must be from 1 to ${FETCH_LIMITS.maxMaxBytes}, got ${maxBytes}`);
  }
  if (!Number.isInteger(maxRecords) || maxRecords < 1 || maxRecords > FETCH_LIMITS.maxMaxRecords) {
    throw new EddyError('INVALID_REQUEST', `maxRecords must be from 1 to ${FETCH_LIMITS.maxMaxRecords}, got ${maxRecords}`);
  }
}

/** Throws `UNKNOWN_TOPIC_OR_PARTITION` unless the partition exists. */
export function checkPartition(topic: TopicRecord, partition: number): void {
  if (!Number.isInteger(partition) || partition < 0 || partition >= topic.partitions) {
    throw new EddyError('UNKNOWN_TOPIC_OR_PARTITION', `partition ${partition} of topic ${topic.name} does not exist (it has ${topic.partitions})`);
  }
}

/**
 * Log start and high-water mark of a partition (two consistent reads). The
 * high-water mark is the end of the contiguous run of the newest
 * {@link HWM_WINDOW_ENTRIES} entries: the first hole among them (a range
 * reserved and not written yet), else the head's last offset + 1.
 */
export async function partitionOffsets(meta: MetadataStore, topic: TopicRecord, partition: number, window = HWM_WINDOW_ENTRIES): Promise<PartitionOffsets> {
  return (await partitionBounds(meta, topic, partition, window)).bounds;
}

/** {@link partitionOffsets}, plus where the newest entry ends (above the high-water mark when a hole is open) and the newest entries read for it. */
async function partitionBounds(meta: MetadataStore, topic: TopicRecord, partition: number, window: number): Promise<{ bounds: PartitionOffsets; end: number; recent: IndexEntry[] }> {
  const [first, recent] = await Promise.all([meta.firstEntry(topic.topicId, partition), meta.entriesBefore(topic.topicId, partition, Number.MAX_SAFE_INTEGER, window)]);
  const bounds = {
    partition,
    logStartOffset: !first ? 0 : first.objectKey === null ? first.lastOffset + 1 : first.baseOffset,
    highWatermark: contiguousEnd(recent),
  };
  return { bounds, end: recent[0] ? recent[0].lastOffset + 1 : 0, recent };
}

/**
 * What {@link MetadataStore.entriesFrom}(offset, limit) answers, taken from
 * the newest entries the bounds were just read from, when they reach down to
 * `offset`: their oldest starts at or below it. The newest entries are one
 * contiguous run of the index (even a page cut short by DynamoDB's 1 MB
 * limit is), so they then hold the entry containing `offset` and every entry
 * after it, as of that read. A reader near the head — most readers — plans
 * its first reads from them without two more index Queries. Undefined when
 * they do not reach `offset`.
 */
export function entriesFromRecent(newestFirst: readonly IndexEntry[], offset: number, limit: number): IndexEntry[] | undefined {
  const oldest = newestFirst.length - 1;
  if (oldest < 0 || newestFirst[oldest]!.baseOffset > offset) return undefined;
  let containing = oldest;
  while (containing > 0 && newestFirst[containing - 1]!.baseOffset <= offset) containing--;
  const out: IndexEntry[] = [];
  for (let i = containing; i >= 0 && out.length < limit; i--) out.push(newestFirst[i]!);
  return out;
}

/** The offset after the contiguous run starting at the lowest of `newestFirst`'s entries (0 if none). */
export function contiguousEnd(newestFirst: readonly IndexEntry[]): number {
  let end = -1;
  for (let i = newestFirst.length - 1; i >= 0; i--) {
    const e = newestFirst[i]!;
    if (end >= 0 && e.baseOffset > end) break;
    end = Math.max(end, e.lastOffset + 1);
  }
  return Math.max(end, 0);
}

/** The chunks to read from `from` on, in offset order. */
interface ChunkPlan {
  readonly plan: Array<{ entry: IndexEntry; chunk: ChunkRef }>;
  /** Where the first planned chunk starts: `from`, or past markers skipped before it. */
  readonly start: number;
  /** The offset after the last planned chunk (or `start`). */
  readonly cursor: number;
  /** When the plan stopped at a hole at `cursor`: the first entry above it. */
  readonly above?: IndexEntry;
}

/**
 * Plans reads over `entries` (from {@link MetadataStore.entriesFrom}) from
 * `from`: skips markers (head and abandoned ones: no records) while nothing is
 * planned yet, stops at a marker once something is, and stops at a hole
 * rather than pass it. `full(planned bytes, cursor)` ends the plan early.
 */
function planChunks(entries: readonly IndexEntry[], from: number, full: (planned: number, cursor: number, start: number) => boolean): ChunkPlan {
  const plan: Array<{ entry: IndexEntry; chunk: ChunkRef }> = [];
  let planned = 0;
  let start = from;
  let cursor = from;
  for (const entry of entries) {
    if (entry.lastOffset < cursor) continue;
    // Stryker disable next-line ConditionalExpression: equivalent as `false` — an entry above the cursor is stopped at by the chunk loop below all the same (its first chunk starts above the cursor), with the same plan and `above`
    if (entry.baseOffset > cursor) return { plan, start, cursor, above: entry };
    if (entry.objectKey === null) {
      if (plan.length > 0) break;
      start = cursor = entry.lastOffset + 1;
      continue;
    }
    for (const chunk of entry.chunks) {
      const first = entry.baseOffset + chunk.offsetDelta;
      const last = first + chunk.records - 1;
      if (last < cursor) continue;
      // A gap inside an entry's chunks (a compaction mid-way): stop here rather than skip offsets.
      if (first > cursor) return { plan, start, cursor, above: entry };
      plan.push({ entry, chunk });
      planned += chunk.length;
      cursor = last + 1;
      if (full(planned, cursor, start)) return { plan, start, cursor };
    }
  }
  return { plan, start, cursor };
}

/**
 * Abandons offset `hole` if it is still a hole below an entry appended at
 * least `abandonAfterMs` ago: one marker over that one offset, conditional on
 * the key being free, so exactly one of the reservation's writer and this
 * reader wins. One offset at a time because a reader cannot see where one
 * reservation ends and the next begins: only a reservation's base is ever
 * written, and every base in the hole is marked before it can be written.
 * @returns true when the offset is no longer a hole (marked, or written meanwhile).
 */
async function abandonHole(deps: ReadDeps, topicId: string, partition: number, hole: number): Promise<boolean> {
  const clock = deps.clock;
  if (!clock) return false;
  const entries = await deps.meta.entriesFrom(topicId, partition, hole, 2);
  const prev = entries[0] && entries[0].baseOffset <= hole ? entries[0] : undefined;
  if (prev && prev.lastOffset >= hole) return true;
  const above = entries.find((e) => e.baseOffset > hole);
  if (!above || above.appendedAt > clock.now() - (deps.abandonAfterMs ?? ABANDON_AFTER_MS)) return false;
  const marker: IndexEntry = { topicId, partition, baseOffset: hole, lastOffset: hole, objectKey: null, chunks: [], bytes: 0, maxTimestamp: -1, appendedAt: clock.now(), producers: {}, abandoned: true };
  checkAbandon(prev, marker, above);
  await deps.meta.appendEntry(marker);
  return true;
}

function outOfRange(offset: number, bounds: PartitionOffsets, topic: string): EddyError {
  return new EddyError(
    'OFFSET_OUT_OF_RANGE',
    `offset ${offset} is out of range for ${topic}/${bounds.partition}: logStartOffset=${bounds.logStartOffset} highWatermark=${bounds.highWatermark}`,
  );
}

function countMismatch(found: number, chunk: ChunkRef): EddyError {
  return new EddyError('DATA_CORRUPT', `stored data is corrupt: chunk holds ${found} records, index says ${chunk.records}`);
}

/** Reads one chunk's records (either format), checking its CRC32C and its record count against the index. */
export async function readChunk(objects: ObjectStore, entry: IndexEntry, chunk: ChunkRef): Promise<FetchedRecord[]> {
  const bytes = await objects.getRange(entry.objectKey!, chunk.position, chunk.length);
  const base = entry.baseOffset + chunk.offsetDelta;
  if (chunk.format === 2) {
    const records = decodeBatches(bytes, { stored: true, baseOffset: base }).flatMap((b) => b.records);
    if (records.length !== chunk.records) throw countMismatch(records.length, chunk);
    return records;
  }
  const { records } = decodeChunk(bytes, entry.partition);
  if (records.length !== chunk.records) throw countMismatch(records.length, chunk);
  return records.map((r, i) => ({ offset: base + i, ...r }));
}

/** Whether a read of stored batches checks their CRC32C (see {@link storedChunkBatches}). */
export interface CrcOptions {
  /** @default true */
  readonly checkCrc?: boolean;
}

/**
 * Reads one chunk as Kafka record batches with their offsets written in:
 * format 2 as stored (CRC32C checked unless `checkCrc` is false, counts
 * checked), format 1 converted.
 */
export async function readChunkBatches(objects: ObjectStore, entry: IndexEntry, chunk: ChunkRef, options: CrcOptions = {}): Promise<Uint8Array> {
  const bytes = await objects.getRange(entry.objectKey!, chunk.position, chunk.length);
  const base = entry.baseOffset + chunk.offsetDelta;
  const batches = storedChunkBatches(bytes, entry.partition, chunk, options);
  // A converted format 1 chunk is a fresh buffer; a format 2 one is the bytes just read: both are ours to write into.
  // Stryker disable next-line ObjectLiteral,BooleanLiteral: equivalent — writing the base offset into a copy gives the same bytes as writing it in place (only an allocation more)
  return withBaseOffset(batches, base, { inPlace: true });
}

/**
 * A stored chunk's bytes as record batches: format 2 as stored (framing and
 * record count checked, and CRC32C unless `checkCrc` is false: only for a
 * binary HTTP reader that declares it checks every batch's CRC32C itself), format 1
 * converted to one uncompressed batch (its chunk CRC32C always checked, since
 * the new batch gets a new one). The base offset is not written (the caller
 * knows it, or stores the batches).
 */
export function storedChunkBatches(bytes: Uint8Array, partition: number, chunk: ChunkRef, options: CrcOptions = {}): Uint8Array {
  let found: number;
  let batches: Uint8Array;
  if (chunk.format === 2) {
    found = readBatchHeaders(bytes, { stored: true, checkCrc: options.checkCrc ?? true }).reduce((n, h) => n + h.recordCount, 0);
    batches = bytes;
  } else {
    const { records } = decodeChunk(bytes, partition);
    found = records.length;
    // Stryker disable next-line ConditionalExpression: equivalent as `false` — an empty format-1 chunk is never stored (checkEntry refuses a chunk of 0 records), so only the index check below meets one (the `true` mutant, killed, is taken out with it)
    batches = found === 0 ? new Uint8Array(0) : encodeBatch({ records });
  }
  if (found !== chunk.records) throw countMismatch(found, chunk);
  return batches;
}

/** Reads records from `offset`, reading only the chunks it needs. */
export async function fetchRecords(deps: ReadDeps, topic: TopicRecord, request: FetchRequest): Promise<FetchResult> {
  checkPartition(topic, request.partition);
  const maxRecords = request.maxRecords ?? FETCH_LIMITS.defaultMaxRecords;
  const maxBytes = request.maxBytes ?? FETCH_LIMITS.defaultMaxBytes;
  const { bounds, end, recent } = await partitionBounds(deps.meta, topic, request.partition, deps.hwmWindow ?? HWM_WINDOW_ENTRIES);
  if (request.offset < bounds.logStartOffset || request.offset > bounds.highWatermark) throw outOfRange(request.offset, bounds, topic.name);
  const records: FetchedRecord[] = [];
  let next = request.offset;
  let bytes = 0;
  let abandoned = 0;
  // The first plan comes from the entries the bounds read, when they reach `offset`.
  let fromBounds = entriesFromRecent(recent, next, 16);
  // Plan: the chunks covering [offset, …) until the byte or record budget is met.
  // Up to the newest entry, not the high-water mark: a hole stops the plan, and an old one is abandoned.
  while (next < end && records.length < maxRecords && (bytes < maxBytes || records.length === 0)) {
    const entries = fromBounds ?? (await deps.meta.entriesFrom(topic.topicId, request.partition, next, 16));
    // Once only: later pages, and whatever follows skipped markers, come from the index as it is now. A hole
    // the bounds saw is checked against the index again before it is abandoned (abandonHole reads it anew).
    fromBounds = undefined;
    const { plan, start, cursor, above } = planChunks(entries, next, (planned, c, s0) => bytes + planned >= maxBytes || records.length + (c - s0) >= maxRecords);
    if (plan.length === 0) {
      const moved = start > next;
      next = start;
      if (above && abandoned < MAX_ABANDON_PER_READ && (await abandonHole(deps, topic.topicId, request.partition, next))) {
        abandoned++;
        continue;
      }
      if (moved && !above && entries.length > 0) continue;
      break;
    }
    next = start;
    const read = await Promise.all(plan.map((p) => readChunk(deps.objects, p.entry, p.chunk)));
    let full = false;
    for (const chunkRecords of read) {
      for (const r of chunkRecords) {
        if (r.offset < next) continue;
        // Stryker disable next-line ConditionalExpression,StringLiteral: a guard that cannot fire — the planner takes a chunk only when it starts at or before the cursor, and a chunk's offsets are consecutive
        if (r.offset !== next) throw new EddyError('DATA_CORRUPT', `stored data is corrupt: expected offset ${next}, found ${r.offset}`);
        const size = (r.key?.length ?? 0) + (r.value?.length ?? 0) + r.headers.reduce((n, [k, v]) => n + k.length + (v?.length ?? 0), 0);
        if (records.length >= maxRecords || (records.length > 0 && bytes + size > maxBytes)) {
          // Stryker disable next-line BooleanLiteral: equivalent — a full answer stops with `next` below the plan's cursor, so `cursor !== next` ends the read all the same
          full = true;
          break;
        }
        records.push(r);
        bytes += size;
        next = r.offset + 1;
      }
      if (full) break;
    }
    if (full || above || cursor !== next) break;
  }
  // Past an abandoned hole the answer may run beyond the bounds read first.
  return { ...bounds, highWatermark: Math.max(bounds.highWatermark, next), records, nextOffset: next };
}

/** A read of stored record batches (the Kafka front door). */
export interface ReadBatchesRequest {
  readonly topic: string;
  readonly partition: number;
  readonly offset: number;
  /** Soft byte bound, clamped to 4 MiB; at least one batch is returned when one exists. @default 1048576 */
  readonly maxBytes?: number;
  /** How long an empty answer may wait for records. @default 0, at most 20000 */
  readonly waitMs?: number;
}

/** Stored batches from an offset, each with its base offset written in. */
export interface ReadBatchesResult extends PartitionOffsets {
  /**
   * RecordBatch v2 bytes in offset order. The first may start before the
   * requested offset (a batch is never cut), as Kafka serves them; clients skip.
   */
  readonly batches: Uint8Array[];
  /**
   * Where a reader goes on: after the last batch read, or, when the read found
   * no batch, past the markers it skipped (an abandoned range at the end of
   * the partition holds no batch that could carry the reader past it).
   */
  readonly nextOffset: number;
}

/** Reads whole stored batches from `offset`, up to about `maxBytes`, reading only the chunks it needs. */
export async function readBatches(deps: ReadDeps, topic: TopicRecord, request: ReadBatchesRequest, crc: CrcOptions = {}): Promise<ReadBatchesResult> {
  checkPartition(topic, request.partition);
  const maxBytes = Math.min(Math.max(request.maxBytes ?? FETCH_LIMITS.defaultMaxBytes, 1), FETCH_LIMITS.maxMaxBytes);
  const { bounds, end, recent } = await partitionBounds(deps.meta, topic, request.partition, deps.hwmWindow ?? HWM_WINDOW_ENTRIES);
  if (request.offset < bounds.logStartOffset || request.offset > bounds.highWatermark) throw outOfRange(request.offset, bounds, topic.name);
  const batches: Uint8Array[] = [];
  let bytes = 0;
  let next = request.offset;
  let abandoned = 0;
  // The first plan comes from the entries the bounds read, when they reach `offset` (see fetchRecords).
  let fromBounds = entriesFromRecent(recent, next, 16);
  while (next < end && (bytes < maxBytes || batches.length === 0)) {
    const entries = fromBounds ?? (await deps.meta.entriesFrom(topic.topicId, request.partition, next, 16));
    fromBounds = undefined;
    const { plan, start, cursor, above } = planChunks(entries, next, (planned) => bytes + planned >= maxBytes);
    if (plan.length === 0) {
      const moved = start > next;
      next = start;
      if (above && abandoned < MAX_ABANDON_PER_READ && (await abandonHole(deps, topic.topicId, request.partition, next))) {
        abandoned++;
        continue;
      }
      if (moved && !above && entries.length > 0) continue;
      break;
    }
    for (const b of await Promise.all(plan.map((p) => readChunkBatches(deps.objects, p.entry, p.chunk, crc)))) {
      batches.push(b);
      bytes += b.length;
    }
    next = cursor;
    if (above) break;
  }
  return { ...bounds, highWatermark: Math.max(bounds.highWatermark, next), batches, nextOffset: next };
}

/** `earliest`, `latest`, or the first offset whose timestamp is ≥ a time. */
export type OffsetSpec = 'earliest' | 'latest' | { readonly timestamp: number };

/** Resolves an offset spec. A timestamp past every record resolves to the high-water mark, with no timestamp. */
export async function listOffset(
  deps: ReadDeps,
  topic: TopicRecord,
  partition: number,
  at: OffsetSpec,
): Promise<{ partition: number; offset: number; timestamp?: number }> {
  checkPartition(topic, partition);
  const bounds = await partitionOffsets(deps.meta, topic, partition, deps.hwmWindow);
  if (at === 'earliest') return { partition, offset: bounds.logStartOffset };
  if (at === 'latest') return { partition, offset: bounds.highWatermark };
  for await (const entry of deps.meta.listEntries(topic.topicId, partition)) {
    // Stryker disable next-line ConditionalExpression,LogicalOperator: equivalent — a marker has no chunks, and the chunk and record filters below skip the same entries (no read is saved or added)
    if (entry.objectKey === null || entry.maxTimestamp < at.timestamp || entry.lastOffset < bounds.logStartOffset) continue;
    for (const chunk of entry.chunks) {
      if (chunk.maxTimestamp < at.timestamp) continue;
      // Stryker disable next-line ConditionalExpression,LogicalOperator: equivalent — the record filter differs only for a chunk straddling the log start whose maxTimestamp is wrong, which a consistent index never has
      const hit = (await readChunk(deps.objects, entry, chunk)).find((r) => r.timestamp >= at.timestamp && r.offset >= bounds.logStartOffset);
      if (hit) return { partition, offset: hit.offset, timestamp: hit.timestamp };
    }
  }
  return { partition, offset: bounds.highWatermark };
}
