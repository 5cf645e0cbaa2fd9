/** What every maintenance pass works with: the ports, the settings and the run's report. */
import { EddyError } from '../errors.js';
import type { IndexEntry } from '../model.js';
import type { Clock, Ids, MetadataStore, ObjectStore } from '../ports.js';
import type { ResolvedMaintenanceOptions } from './options.js';

/** What one {@link Maintenance.runOnce} did. Counters are totals over every topic. */
export interface MaintenanceReport {
  /** Live topics visited. */
  topics: number;
  /** Index entries removed by retention (a head replaced by a marker counts as one). */
  entriesExpired: number;
  /** Record bytes (entry `bytes`) those entries held. */
  bytesExpired: number;
  /** Bytes of the objects deleted (GC and deleted topics). */
  bytesReclaimed: number;
  /** Index entries merged into segments. */
  entriesCompacted: number;
  /** Segment objects written and made visible by an index write. */
  segmentsWritten: number;
  /** Segment objects written but abandoned because the index changed meanwhile (GC reclaims them). */
  segmentsAbandoned: number;
  /** Record bytes (entry `bytes`) of the merged entries. */
  bytesMerged: number;
  /** Merges planned but left for a later run because the run's compaction budget was spent. */
  mergesDeferred: number;
  /** Entries left over by an interrupted compaction (fully covered by an earlier entry), removed. */
  leftoversRemoved: number;
  /** Objects deleted (GC and deleted topics). */
  objectsDeleted: number;
  /** Unreferenced objects GC has marked and will delete once the grace period has passed since. */
  objectsMarked: number;
  /** Deleted topics whose objects and index items were reclaimed. */
  topicsReclaimed: number;
  /** Failures, as "where: message" (at most 20 kept); the passes go on past them. */
  errors: string[];
  durationMs: number;
}

/** A fresh all-zero report. */
export function emptyReport(): MaintenanceReport {
  return {
    topics: 0,
    entriesExpired: 0,
    bytesExpired: 0,
    bytesReclaimed: 0,
    entriesCompacted: 0,
    segmentsWritten: 0,
    segmentsAbandoned: 0,
    bytesMerged: 0,
    mergesDeferred: 0,
    leftoversRemoved: 0,
    objectsDeleted: 0,
    objectsMarked: 0,
    topicsReclaimed: 0,
    errors: [],
    durationMs: 0,
  };
}

const MAX_REPORTED_ERRORS = 20;

/** The ports, settings and report one run shares between its passes. */
export class MaintenanceContext {
  constructor(
    readonly objects: ObjectStore,
    readonly meta: MetadataStore,
    readonly clock: Clock,
    readonly ids: Ids,
    readonly options: ResolvedMaintenanceOptions,
    readonly report: MaintenanceReport,
    /** Clock time the run started. */
    readonly startedAt: number,
  ) {}

  /** Records a failure of one unit of work; the run goes on with the next. */
  fail(where: string, err: unknown): void {
    if (this.report.errors.length >= MAX_REPORTED_ERRORS) return;
    const message = err instanceof EddyError ? `${err.code} ${err.message}` : err instanceof Error ? err.message : String(err);
    this.report.errors.push(`${where}: ${message}`);
  }
}

/**
 * True when `a` and `b` are the same stored version of an entry. Mirrors the
 * adapters' "unchanged" condition (last offset, object key, append time) and
 * also compares the chunk table.
 */
export function sameEntry(a: IndexEntry, b: IndexEntry): boolean {
  return (
    // Stryker disable next-line ConditionalExpression: equivalent where it is used — compaction looks the stored entry up by base offset before comparing
    a.baseOffset === b.baseOffset &&
    a.lastOffset === b.lastOffset &&
    a.objectKey === b.objectKey &&
    a.appendedAt === b.appendedAt &&
    a.bytes === b.bytes &&
    a.chunks.length === b.chunks.length &&
    a.chunks.every((c, i) => {
      const d = b.chunks[i]!;
      return c.offsetDelta === d.offsetDelta && c.position === d.position && c.length === d.length && c.records === d.records;
    })
  );
}

/**
 * Marks entries that are fully covered by an earlier one (`lastOffset` ≤ the
 * highest `lastOffset` before them). In a clean chain there are none; they are
 * left behind when a compaction stops between writing its covering entry and
 * deleting the entries it covers.
 * @returns for each entry, the index of the earlier entry covering it, or -1.
 */
export function coveredBy(entries: readonly IndexEntry[]): number[] {
  const out: number[] = [];
  let best = -1;
  for (let i = 0; i < entries.length; i++) {
    const e = entries[i]!;
    if (best >= 0 && e.lastOffset <= entries[best]!.lastOffset) out.push(best);
    else {
      out.push(-1);
      best = i;
    }
  }
  return out;
}

/**
 * The entries whose base offset lies in `[fromBase, toBase]`, ascending,
 * read consistently (so, fresh enough to decide a conditional write on).
 * `expected` sizes the first read; it pages on when there are more.
 */
export async function readEntryRange(meta: MetadataStore, topicId: string, partition: number, fromBase: number, toBase: number, expected: number): Promise<IndexEntry[]> {
  const out: IndexEntry[] = [];
  let from = fromBase;
  let limit = Math.max(expected, 1) + 1;
  for (;;) {
    const page = await meta.entriesFrom(topicId, partition, from, limit);
    // entriesFrom starts at the entry holding `from`, which may lie before it.
    // Stryker disable next-line MethodExpression,ConditionalExpression: equivalent in what a merge does — an entry read twice is looked up by base offset, and its second delete finds it gone
    const fresh = page.filter((e) => e.baseOffset >= from);
    // Stryker disable next-line MethodExpression,ConditionalExpression: equivalent in what a merge does — entries past the range are never members and end after the covering entry, so step 5 skips them
    out.push(...fresh.filter((e) => e.baseOffset <= toBase));
    const last = fresh[fresh.length - 1];
    // Stryker disable next-line EqualityOperator: `>` is equivalent in what a merge does — a page ending exactly at `toBase` then costs one more query that adds nothing (and a merge's first page always reaches past gk: it has room for the head that follows)
    if (!last || last.baseOffset >= toBase) return out;
    // Stryker disable next-line ArithmeticOperator: equivalent in what a merge does — starting the next page a little earlier only reads an entry twice (see above)
    from = last.baseOffset + 1;
    // Stryker disable next-line MethodExpression,ArithmeticOperator: equivalent — later page sizes change only how many queries a long range takes, not what is read
    limit = Math.min(limit * 2, 1000);
  }
}
