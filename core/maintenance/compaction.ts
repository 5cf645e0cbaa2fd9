/**
 * Compaction: merge a partition's small index entries (each a chunk of some
 * ingest object) into per-partition segment objects, so a consumer reads a
 * few large objects instead of one small range per produce request. Same
 * record bytes, keys, headers, timestamps and offsets; fewer entries.
 *
 * One merge, for a group of consecutive entries g1…gk (never the head):
 * 1. Read the members' chunks (CRC-checked) and lay their record batches
 *    end to end in one object for the partition, cut into chunks of about
 *    `compactionChunkBytes` of whole batches. A producer's batch is never
 *    rewritten (compressed batches stay compressed, CRCs stay valid);
 *    chunks of format 1 become one uncompressed batch each.
 * 2. PUT it under a fresh `segments/` key. Nothing references it yet, so a
 *    crash here leaves an orphan for GC, never a visible change.
 * 3. Re-read the covered range (consistent) and check every member is still
 *    stored unchanged; if not (retention or another compaction got there
 *    first), abandon: the segment becomes an orphan for GC.
 * 4. Replace g1 by the covering entry (same base offset, last offset of gk,
 *    one chunk ref per sub-chunk), conditional on g1 being unchanged. Of two
 *    concurrent maintenance runs merging the same g1, exactly one wins; the
 *    loser abandons.
 * 5. Delete g2…gk (and any leftovers inside the range), ascending, each
 *    conditional on being unchanged. Between 4 and 5 both the covering entry
 *    and the covered ones exist: readers take each offset once and prefer
 *    nothing, so overlap is harmless (docs/design.md §6, trap 2). Deleting in
 *    ascending order keeps every offset held by the last entry whose base is
 *    at or below it, so a fetch never meets a hole. A crash in 5 leaves
 *    leftovers fully covered by the new entry; the next run removes them.
 *
 * Entries younger than `compactionMinAgeMs` are not merged: an append that
 * timed out recognises its own entry by object key, and must find it as it
 * wrote it. The head is never merged: it is what the next append reads.
 * Entries of `compactionSkipBytes` or more are not merged either: a fetch
 * already reads one with a single large ranged GET, so a merge would only
 * add a GET, a PUT and index writes (the benchmark measured ~18 % of the
 * ingest cost for full produce requests). They end a run of mergeable
 * entries like an ineligible one, so merges stay contiguous.
 *
 * Which entries to merge (size-tiered): walk the eligible entries in order,
 * gather up to `compactionTargetBytes` (and `compactionMaxEntries`), and merge
 * only if the first entry is no larger than the rest together; otherwise
 * leave the first alone and start again after it. So small entries merge
 * into small segments, segments merge with neighbours of similar size, and a
 * byte is rewritten O(log(target / entry size)) times, not once per run.
 */
import { checkCovering } from '../invariants.js';
import { encodeBatchObject } from '../codec/format.js';
import { storedChunkBatches } from '../log/fetch.js';
import { EddyError } from '../errors.js';
import { segmentKey } from '../layout.js';
import type { ChunkRef, IndexEntry } from '../model.js';
import { mapLimit } from '../util.js';
import { coveredBy, readEntryRange, sameEntry, type MaintenanceContext } from './context.js';
import type { ResolvedMaintenanceOptions } from './options.js';

const READ_CONCURRENCY = 16;

/** What compaction will do to one partition. */
export interface CompactionPlan {
  /** Entries fully covered by an earlier, settled entry (left by an interrupted merge), ascending. */
  readonly leftovers: readonly IndexEntry[];
  /** Groups of consecutive entries to merge, each into one segment. */
  readonly groups: ReadonlyArray<readonly IndexEntry[]>;
}

/** How compaction sizes its merges; without `compactionSkipBytes` no entry is too large to merge. */
type Sizing = Pick<ResolvedMaintenanceOptions, 'compactionTargetBytes' | 'compactionMaxEntries' | 'compactionMinAgeMs'> & Partial<Pick<ResolvedMaintenanceOptions, 'compactionSkipBytes'>>;

/** Cuts a run of consecutive eligible entries into merge groups (see the module comment). */
function groupRun(run: readonly IndexEntry[], sizing: Sizing): IndexEntry[][] {
  const out: IndexEntry[][] = [];
  let i = 0;
  while (i < run.length) {
    let bytes = run[i]!.bytes;
    let j = i + 1;
    while (j < run.length && j - i < sizing.compactionMaxEntries && bytes + run[j]!.bytes <= sizing.compactionTargetBytes) bytes += run[j++]!.bytes;
    // Stryker disable next-line ConditionalExpression,ArithmeticOperator: equivalent — a lone entry (j - i === 1) would merge only if its bytes were ≤ 0, and an entry with records has bytes > 0
    if (j - i >= 2 && run[i]!.bytes <= bytes - run[i]!.bytes) {
      out.push(run.slice(i, j));
      i = j;
    } else {
      i++;
    }
  }
  return out;
}

/**
 * Plans compaction of a partition's entries (ascending by base offset; the
 * last one is treated as the head and never touched).
 */
export function planCompaction(entries: readonly IndexEntry[], now: number, sizing: Sizing): CompactionPlan {
  const n = entries.length;
  const covering = coveredBy(entries);
  const settled = now - sizing.compactionMinAgeMs;
  const skipBytes = sizing.compactionSkipBytes ?? Number.POSITIVE_INFINITY;
  const leftovers: IndexEntry[] = [];
  const groups: IndexEntry[][] = [];
  // Stryker disable next-line ArrayDeclaration: equivalent — an item that is not an entry, first in a run, never joins a group (its size is not a number, so every size comparison with it is false)
  let run: IndexEntry[] = [];
  for (let i = 0; i < n - 1; i++) {
    const e = entries[i]!;
    const by = covering[i]!;
    if (by >= 0) {
      // Covered by an earlier entry. Only clean up after a merge that is
      // settled: a fresh covering entry may belong to a merge still deleting.
      if (entries[by]!.appendedAt <= settled) leftovers.push(e);
      continue;
    }
    if (e.objectKey !== null && e.appendedAt <= settled && e.bytes < skipBytes) {
      run.push(e);
    } else {
      groups.push(...groupRun(run, sizing));
      // Stryker disable next-line ArrayDeclaration: equivalent — see the declaration of `run`
      run = [];
    }
  }
  groups.push(...groupRun(run, sizing));
  return { leftovers, groups };
}

/** A stored chunk read back as Kafka record batches, with the offsets it holds. */
interface ChunkBatches {
  readonly first: number;
  readonly last: number;
  readonly maxTimestamp: number;
  /** One or more RecordBatch v2, exactly as stored (format 2) or converted from format 1. */
  readonly bytes: Uint8Array;
}

/**
 * Reads an entry's chunks with one ranged GET, checking every CRC and count.
 * Format 2 chunks keep their bytes (a producer's batch is never rewritten);
 * format 1 chunks become one uncompressed batch each.
 */
async function readEntryBatches(ctx: MaintenanceContext, entry: IndexEntry): Promise<ChunkBatches[]> {
  const start = Math.min(...entry.chunks.map((c) => c.position));
  const end = Math.max(...entry.chunks.map((c) => c.position + c.length));
  const bytes = await ctx.objects.getRange(entry.objectKey!, start, end - start);
  return entry.chunks.map((chunk) => {
    const batches = storedChunkBatches(bytes.subarray(chunk.position - start, chunk.position - start + chunk.length), entry.partition, chunk);
    const first = entry.baseOffset + chunk.offsetDelta;
    return { first, last: first + chunk.records - 1, maxTimestamp: chunk.maxTimestamp, bytes: batches };
  });
}

/** The group's chunks in offset order, each offset once, checked dense from g1's base to gk's last offset. */
function mergeChunks(group: readonly IndexEntry[], lists: readonly ChunkBatches[][]): ChunkBatches[] {
  const first = group[0]!;
  const last = group[group.length - 1]!;
  const out: ChunkBatches[] = [];
  let next = first.baseOffset;
  // Stryker disable next-line MethodExpression,ArrowFunction,ArithmeticOperator: equivalent — the group is ascending and disjoint and each entry's chunks are ascending, so the flat list is already in offset order
  for (const c of lists.flat().sort((a, b) => a.first - b.first)) {
    // Stryker disable next-line ConditionalExpression: equivalent — a group's members are never covered (planCompaction skips covered entries) and entries never partly overlap, so no chunk ends before `next`
    if (c.last < next) continue; // overlap: already taken from an earlier entry
    if (c.first !== next) throw new EddyError('DATA_CORRUPT', `stored data is corrupt: offsets jump from ${next} to ${c.first} in ${first.topicId}/${first.partition}`);
    out.push(c);
    next = c.last + 1;
  }
  if (next !== last.lastOffset + 1) {
    throw new EddyError('DATA_CORRUPT', `stored data is corrupt: entries ${first.baseOffset}..${last.lastOffset} of ${first.topicId}/${first.partition} hold records up to ${next - 1} only`);
  }
  return out;
}

/**
 * Groups consecutive items into runs of at most `limit` bytes (one item at
 * least per run), in order: a segment's chunks, each a run of whole batches,
 * so a fetch reads about `limit` bytes and the index entry stays small.
 */
export function cutChunks<T extends { readonly bytes: Uint8Array }>(items: readonly T[], limit: number): T[][] {
  const runs: T[][] = [];
  let cur: T[] = [];
  let size = 0;
  for (const item of items) {
    if (cur.length > 0 && size + item.bytes.length > limit) {
      runs.push(cur);
      cur = [];
      size = 0;
    }
    cur.push(item);
    size += item.bytes.length;
  }
  if (cur.length > 0) runs.push(cur);
  return runs;
}

/** Merges one group into one segment (steps 1–5 of the module comment). True when the merge became visible. */
export async function compactGroup(ctx: MaintenanceContext, group: readonly IndexEntry[]): Promise<boolean> {
  const first = group[0]!;
  const last = group[group.length - 1]!;
  const { topicId, partition } = first;

  // 1. Read, and cut the batches (never rewritten) into runs.
  const lists = await mapLimit(group, READ_CONCURRENCY, (e) => readEntryBatches(ctx, e));
  const runs = cutChunks(mergeChunks(group, lists), ctx.options.compactionChunkBytes);
  // Stryker disable next-line ConditionalExpression: equivalent — concatenating a single part copies it: the same bytes
  const { bytes, positions } = encodeBatchObject(runs.map((run) => (run.length === 1 ? run[0]!.bytes : concat(run.map((c) => c.bytes)))));
  const refs: ChunkRef[] = runs.map((run, i) => ({
    format: 2,
    offsetDelta: run[0]!.first - first.baseOffset,
    position: positions[i]!.position,
    length: positions[i]!.length,
    records: run[run.length - 1]!.last - run[0]!.first + 1,
    maxTimestamp: run.reduce((m, c) => Math.max(m, c.maxTimestamp), 0),
  }));
  const key = segmentKey(topicId, partition, first.baseOffset, ctx.ids.unique());

  // 2. PUT: invisible until the index write below.
  const startedAt = ctx.clock.now();
  await ctx.objects.put(key, bytes);
  const covering: IndexEntry = {
    topicId,
    partition,
    baseOffset: first.baseOffset,
    lastOffset: last.lastOffset,
    objectKey: key,
    chunks: refs,
    bytes: refs.reduce((n, c) => n + c.length, 0),
    maxTimestamp: refs.reduce((m, c) => Math.max(m, c.maxTimestamp), 0),
    appendedAt: ctx.clock.now(),
    producers: mergedProducers(group),
  };

  // 3. Every member still stored as we read it? (The replace below checks
  // only g1; this closes the window for the others.)
  const current = await readEntryRange(ctx.meta, topicId, partition, first.baseOffset, last.baseOffset, group.length);
  const byBase = new Map(current.map((e) => [e.baseOffset, e]));
  const intact = group.every((g) => {
    const now = byBase.get(g.baseOffset);
    return now !== undefined && sameEntry(now, g);
  });
  // GC treats an object older than the grace period as settled: the index
  // write must land well within it, or GC could mark the segment unreferenced.
  const inTime = ctx.clock.now() - startedAt <= ctx.options.gcGraceMs / 2;
  // 4. The one decisive write.
  checkCovering(group, covering);
  if (!intact || !inTime || !(await ctx.meta.replaceEntry(first, covering))) {
    ctx.report.segmentsAbandoned++;
    return false;
  }
  ctx.report.segmentsWritten++;
  ctx.report.entriesCompacted += group.length;
  ctx.report.bytesMerged += group.reduce((n, e) => n + e.bytes, 0);

  // 5. Remove what the covering entry now holds, ascending. A false result
  // means someone else removed or replaced it; either way it is not ours.
  const members = new Set(group.map((g) => g.baseOffset));
  for (const e of current) {
    // Stryker disable next-line ConditionalExpression: `e.lastOffset > covering.lastOffset` as `false` is equivalent (the re-read holds only entries based at or below gk, and none of them ends after gk); this also takes out the other condition mutants of the line, which the tests kill
    if (e.baseOffset <= first.baseOffset || e.lastOffset > covering.lastOffset) continue;
    if ((await ctx.meta.deleteEntry(e)) && !members.has(e.baseOffset)) ctx.report.leftoversRemoved++;
  }
  return true;
}

/** Removes leftovers of interrupted merges, ascending (each is covered by an earlier entry). */
export async function removeLeftovers(ctx: MaintenanceContext, leftovers: readonly IndexEntry[]): Promise<void> {
  for (const e of leftovers) if (await ctx.meta.deleteEntry(e)) ctx.report.leftoversRemoved++;
}

/** Plans and runs compaction of one partition. */
export async function compactPartition(ctx: MaintenanceContext, entries: readonly IndexEntry[]): Promise<void> {
  const plan = planCompaction(entries, ctx.clock.now(), ctx.options);
  await removeLeftovers(ctx, plan.leftovers);
  for (const [i, group] of plan.groups.entries()) {
    if (ctx.clock.now() - ctx.startedAt > ctx.options.compactionBudgetMs) {
      ctx.report.mergesDeferred += plan.groups.length - i;
      return;
    }
    await compactGroup(ctx, group);
  }
}

/** Most producers a covering entry remembers (written once per merge, so it may be larger than an append's). */
export const MAX_COMPACTED_PRODUCERS = 1000;

/**
 * The union of the merged entries' producer states, newest batch per
 * producer: so a producer pushed out of the append-time state (32 most
 * recent) is still found by produce's lookback after its entries merge.
 */
function mergedProducers(group: readonly IndexEntry[]): IndexEntry['producers'] {
  const merged: Record<string, IndexEntry['producers'][string]> = {};
  for (const e of group) {
    for (const [id, state] of Object.entries(e.producers)) {
      const known = merged[id];
      // Stryker disable next-line ConditionalExpression,EqualityOperator: equivalent — the group is ascending and a producer's state only moves forward with the log, so a later entry's state is never older than an earlier one's
      if (!known || state.baseOffset > known.baseOffset) merged[id] = state;
    }
  }
  const ids = Object.keys(merged);
  // Stryker disable next-line ConditionalExpression,EqualityOperator: `false` and `<` are equivalent (sorting and slicing 1000 or fewer producers keeps them all); `true` and `>` are killed by the producer-cap test
  if (ids.length <= MAX_COMPACTED_PRODUCERS) return merged;
  ids.sort((a, b) => merged[b]!.baseOffset - merged[a]!.baseOffset);
  return Object.fromEntries(ids.slice(0, MAX_COMPACTED_PRODUCERS).map((id) => [id, merged[id]!]));
}

function concat(parts: readonly Uint8Array[]): Uint8Array {
  const out = new Uint8Array(parts.reduce((n, p) => n + p.length, 0));
  let pos = 0;
  for (const p of parts) {
    out.set(p, pos);
    pos += p.length;
  }
  return out;
}
