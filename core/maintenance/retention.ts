/**
 * Retention: drop a partition's oldest index entries by time (`retentionMs`,
 * against each entry's largest record timestamp) and by size
 * (`retentionBytes`, the partition's stored bytes), which advances the log
 * start offset (the lowest entry's base; see `partitionOffsets`).
 *
 * Why each step is safe:
 * - Entries are dropped oldest first, one conditional delete at a time, and
 *   the pass stops at the first delete that fails: the index always stays a
 *   contiguous run of offsets from its new start, never a log with a hole.
 *   A failed delete means another writer (a compaction replacing the entry,
 *   another maintenance run) got there first; the next run starts over.
 * - The head entry (highest base offset) is never deleted: the next append
 *   reads it to pick its base offset (docs/design.md §6, trap 1). When the head
 *   expires it is replaced by a head marker (same range, no object, producers
 *   kept for idempotence), so the high-water mark and the producer state
 *   survive and the next record continues the offsets.
 * - Entries younger than `retentionMinAgeMs` are left alone even if their
 *   record timestamps are old: an append that timed out re-reads its own
 *   entry to recognise it, and must find it as written.
 * - Dropping an entry only unreferences its object; GC deletes the bytes a
 *   full grace period later, so a fetch that read the entry a moment ago
 *   still reads them (or gets `OFFSET_OUT_OF_RANGE` on its next fetch).
 */
import type { IndexEntry, TopicConfig } from '../model.js';
import { coveredBy, type MaintenanceContext } from './context.js';

/** What retention will do to one partition. */
export interface RetentionPlan {
  /** Non-head entries to delete, oldest first. */
  readonly drop: readonly IndexEntry[];
  /** The head, when it expired too and is to become a head marker. */
  readonly head?: IndexEntry;
}

/**
 * Plans retention for a partition's entries (ascending by base offset; the
 * last one is treated as the head).
 * @param now - the run's clock time.
 */
export function planRetention(config: TopicConfig, entries: readonly IndexEntry[], now: number, minAgeMs: number): RetentionPlan {
  const n = entries.length;
  if (n === 0) return { drop: [] };
  const covering = coveredBy(entries);
  // Bytes stored from entry i on, counting overlapping leftovers once.
  const remaining = new Array<number>(n + 1).fill(0);
  for (let i = n - 1; i >= 0; i--) remaining[i] = remaining[i + 1]! + (covering[i]! >= 0 ? 0 : entries[i]!.bytes);
  // Stryker disable next-line EqualityOperator: equivalent — retentionMs is -1 or at least 1 (topics.ts validates it), never 0
  const timeCutoff = config.retentionMs >= 0 ? now - config.retentionMs : -Infinity;
  const expired = (i: number): boolean => {
    const e = entries[i]!;
    if (e.objectKey === null) return true; // a marker holds no records
    if (e.appendedAt > now - minAgeMs) return false;
    if (e.maxTimestamp < timeCutoff) return true;
    // Stryker disable next-line EqualityOperator: equivalent — retentionBytes is -1 or at least 1 (topics.ts validates it), never 0
    return config.retentionBytes >= 0 && remaining[i]! > config.retentionBytes;
  };
  let k = 0;
  while (k < n && expired(k)) k++;
  // Never stop inside a dropped entry's range: leftovers it covers go with it,
  // or they would be left as a first entry followed by a hole.
  // Stryker disable next-line ConditionalExpression,EqualityOperator,ArithmeticOperator: equivalent — the head is never covered (a merge never includes it) and a covering entry is always an earlier one, so the bound and `< k` never decide
  while (k < n - 1 && covering[k]! >= 0 && covering[k]! < k) k++;
  const last = Math.min(k, n - 1);
  // Oldest first, but each entry's covered leftovers before the entry itself,
  // so every offset from the log start on stays covered at every step.
  const drop: IndexEntry[] = [];
  for (let i = 0; i < last; i++) {
    if (covering[i]! >= 0) continue;
    let j = i + 1;
    // Stryker disable next-line ConditionalExpression,EqualityOperator: equivalent — the entry at `last` is never covered (the loop above stops only at an uncovered entry or the head), so `j < last` never decides
    while (j < last && covering[j] === i) drop.push(entries[j++]!);
    drop.push(entries[i]!);
  }
  const headExpired = k === n && entries[n - 1]!.objectKey !== null;
  return { drop, ...(headExpired ? { head: entries[n - 1]! } : {}) };
}

/** A head marker standing in for an expired head: same range and producers, no records. */
export function headMarker(head: IndexEntry, now: number): IndexEntry {
  return { ...head, objectKey: null, chunks: [], bytes: 0, appendedAt: now };
}

/**
 * Applies a plan, oldest first, and returns the partition's entries as they
 * now stand (the input minus what was dropped).
 * @returns `complete: false` when a conditional write lost to a concurrent
 * writer; the caller then leaves the partition for the next run.
 */
export async function applyRetention(ctx: MaintenanceContext, entries: readonly IndexEntry[], plan: RetentionPlan): Promise<{ entries: IndexEntry[]; complete: boolean }> {
  const gone = new Set<IndexEntry>();
  const rest = (): IndexEntry[] => entries.filter((e) => !gone.has(e));
  for (const e of plan.drop) {
    // Conditional on the entry being unchanged: if a compaction replaced it
    // by a covering entry meanwhile, we must not delete the covering entry.
    // Stryker disable next-line ObjectLiteral: equivalent — on `complete: false` the caller leaves the partition and never reads `entries` (a missing `complete` reads as false too)
    if (!(await ctx.meta.deleteEntry(e))) return { entries: rest(), complete: false };
    gone.add(e);
    if (e.objectKey !== null) {
      ctx.report.entriesExpired++;
      ctx.report.bytesExpired += e.bytes;
    }
  }
  if (!plan.head) return { entries: rest(), complete: true };
  const marker = headMarker(plan.head, ctx.clock.now());
  // Conditional on the head being unchanged. An append after it does not
  // change it, so the marker may end up just below a fresh head: still fine.
  // Stryker disable next-line ObjectLiteral,BooleanLiteral: equivalent — the head expires only when every other entry was dropped, so what is left is the head alone, which compaction never touches: going on or stopping is the same
  if (!(await ctx.meta.replaceEntry(plan.head, marker))) return { entries: rest(), complete: false };
  ctx.report.entriesExpired++;
  ctx.report.bytesExpired += plan.head.bytes;
  // Stryker disable next-line ObjectLiteral,ArrowFunction,ConditionalExpression,EqualityOperator,BooleanLiteral: equivalent — what is left is the head (now a marker) alone, which compaction never touches (see above)
  return { entries: rest().map((e) => (e === plan.head ? marker : e)), complete: true };
}
