/**
 * Garbage collection: delete `ingest/` and `segments/` objects that no index
 * entry references: orphans of crashed produces, segments of abandoned
 * merges, and the objects compaction and retention have unreferenced.
 *
 * An object is deleted only when all of these hold:
 * - it was listed at the start of this run, before any index was read;
 * - no entry of any live topic referenced it when this run read the indexes;
 * - it was already older than `gcGraceMs` when the run started;
 * - an earlier run marked it (same three conditions) at least `gcGraceMs`
 *   before now.
 * Objects of deleted topics are left to the tombstone pass.
 *
 * Why listing first, then reading the indexes, is safe. The only writers of
 * an entry that references an object are the produce that PUT it (ingest)
 * and the compaction that PUT it (segment), and both write the entry shortly
 * after the PUT: a produce within a Lambda timeout, a compaction within half
 * the grace period (it abandons otherwise). An object listed before the
 * index read was therefore PUT before it; if it is older than the grace
 * period, whoever PUT it has finished, so any entry referencing it had been
 * written before the read and the read sees it (or it was removed before).
 * A younger object (a produce or merge in flight, such as a segment whose
 * covering entry lands right after we read that partition) is skipped.
 * Objects PUT after the listing are not considered at all. In the other
 * order (indexes first), a merge could write its segment and covering entry
 * between the index read and the listing, and only the age check would then
 * stand between the new segment and deletion.
 *
 * Why the mark, one grace period earlier. Being unreferenced is permanent
 * for an object older than the grace period (entries only ever reference
 * freshly written objects), but it may have become unreferenced a moment
 * ago: compaction and retention just deleted the entry, and a fetch that
 * read that entry is about to read the bytes (docs/design.md §6, trap 3). An
 * object's age says nothing about that; the mark does. A mark records "at
 * time t this object was old and unreferenced"; a fetch that read an entry
 * referencing it did so before t and ends well within the grace period, so
 * a run at t + grace may delete it.
 *
 * Marks live in small JSON objects under `gc/` (layout in `core/layout.ts`):
 * ```
 * { "v": 1, "markedAt": <ms>, "objects": { "<object key>": <ms first marked>, … } }
 * ```
 * Each run reads every marks object, writes one new one with the objects
 * still unreferenced (keeping the earliest time each was marked), then
 * deletes the ones it read. Concurrent runs may each write one; readers take
 * the union and the earliest time, which is safe because a mark states a
 * fact that stays true. A lost or unreadable marks object only delays deletion.
 */
import { EddyError } from '../errors.js';
import { gcMarksKey, objectTopicId } from '../layout.js';
import type { ObjectStore, ObjectSummary } from '../ports.js';
import { OBJECT_PREFIXES } from '../schema.js';
import type { MaintenanceContext } from './context.js';

/** Current marks format version. Persisted: never renumber. */
export const GC_MARKS_VERSION = 1;

/** Lists every object GC may collect (`ingest/` and `segments/`). */
export async function listCollectable(objects: ObjectStore): Promise<ObjectSummary[]> {
  const out: ObjectSummary[] = [];
  for (const prefix of [OBJECT_PREFIXES.ingest, OBJECT_PREFIXES.segments]) {
    for await (const o of objects.list(prefix)) out.push(o);
  }
  return out;
}

/** What GC decides on; gathered by the run in the order the module comment requires. */
export interface GcInput {
  /** Clock time taken before `listed` was listed. */
  readonly listedAt: number;
  /** The objects listed, before any index was read. */
  readonly listed: readonly ObjectSummary[];
  /** Object keys referenced by any entry of any live topic, read after the listing. */
  readonly referenced: ReadonlySet<string>;
  /** Topic ids of live topics and of deleted topics not yet reclaimed. */
  readonly liveTopicIds: ReadonlySet<string>;
  readonly tombstonedTopicIds: ReadonlySet<string>;
  /** Clock time taken after every index read finished: the time of this run's marks. */
  readonly readAt: number;
}

interface MarksFile {
  v: number;
  markedAt: number;
  objects: Record<string, number>;
}

const utf8 = new TextEncoder();
const utf8Decoder = new TextDecoder();

/** Reads every marks object; unreadable ones are reported and skipped. */
async function readMarks(ctx: MaintenanceContext): Promise<{ keys: string[]; marks: Map<string, number> }> {
  const keys: string[] = [];
  const marks = new Map<string, number>();
  for await (const o of ctx.objects.list(OBJECT_PREFIXES.gc)) {
    keys.push(o.key);
    let bytes: Uint8Array;
    try {
      bytes = await ctx.objects.get(o.key);
    } catch (err) {
      // Listed, then deleted by a concurrent run that has already carried its marks forward.
      if (err instanceof EddyError && err.code === 'DATA_CORRUPT') continue;
      throw err;
    }
    try {
      const file = JSON.parse(utf8Decoder.decode(bytes)) as MarksFile;
      if (file.v !== GC_MARKS_VERSION || typeof file.objects !== 'object' || file.objects === null) throw new Error(`unknown marks format ${String(file.v)}`);
      for (const [key, at] of Object.entries(file.objects)) {
        if (typeof at !== 'number') continue;
        const prev = marks.get(key);
        // Stryker disable next-line EqualityOperator: `at <= prev` is equivalent (it sets the same time again); this also takes out `prev !== undefined`, which the earliest-mark test kills
        if (prev === undefined || at < prev) marks.set(key, at);
      }
    } catch (err) {
      ctx.fail(`gc marks ${o.key}`, err);
    }
  }
  return { keys, marks };
}

/** Runs GC over what the run gathered: deletes what is due, marks what is not yet. */
export async function collectGarbage(ctx: MaintenanceContext, input: GcInput): Promise<void> {
  const grace = ctx.options.gcGraceMs;
  const { keys: markKeys, marks } = await readMarks(ctx);
  const now = ctx.clock.now();
  const due: ObjectSummary[] = [];
  const keep: Record<string, number> = {};
  for (const o of input.listed) {
    const topicId = objectTopicId(o.key);
    // Stryker disable next-line ConditionalExpression: `topicId !== undefined` as `true` is equivalent (no tombstone has an undefined topic id); this also takes out the line's other condition mutants, which the GC tests kill
    if (topicId !== undefined && input.tombstonedTopicIds.has(topicId) && !input.liveTopicIds.has(topicId)) continue;
    if (input.referenced.has(o.key)) continue;
    if (o.lastModified > input.listedAt - grace) continue; // its writer may still be about to reference it
    const markedAt = marks.get(o.key);
    // Stryker disable next-line ConditionalExpression: `markedAt !== undefined` as `true` is equivalent (`undefined <= n` is false); this also takes out the whole condition as `true` or `false`, which the GC tests kill
    if (markedAt !== undefined && markedAt <= now - grace) due.push(o);
    else keep[o.key] = markedAt ?? input.readAt;
  }
  if (due.length > 0) {
    await ctx.objects.delete(due.map((o) => o.key));
    ctx.report.objectsDeleted += due.length;
    ctx.report.bytesReclaimed += due.reduce((n, o) => n + o.size, 0);
  }
  ctx.report.objectsMarked = Object.keys(keep).length;
  // New marks first, then drop the old ones: a crash in between leaves both,
  // and readers take the union.
  if (ctx.report.objectsMarked > 0) {
    const file: MarksFile = { v: GC_MARKS_VERSION, markedAt: input.readAt, objects: keep };
    await ctx.objects.put(gcMarksKey(input.readAt, ctx.ids.unique()), utf8.encode(JSON.stringify(file)));
  }
  if (markKeys.length > 0) await ctx.objects.delete(markKeys);
}
