/**
 * The maintenance job (docs/design.md §6): retention, compaction, garbage
 * collection and reclaiming deleted topics. The scheduled Lambda and the
 * local host's interval call {@link Maintenance.runOnce}.
 *
 * ```ts
 * const { maintenance } = createEddy({ components, settings: { maintenance: { gcGraceMs } } });
 * const report = await maintenance.runOnce();
 * ```
 *
 * Safe to run at any moment, concurrently with producers, consumers and
 * other runs: every index change is a conditional write decided by the
 * store, objects are written before anything references them and deleted
 * only a grace period after nothing does. Each pass explains its own steps;
 * `docs/maintenance.md` has the whole picture.
 *
 * One run:
 * 1. List the collectable objects (before any index read: see `gc.ts`).
 * 2. List live topics, then tombstones.
 * 3. Per partition (in parallel, `concurrency` at a time): read the index
 *    once; note every referenced object for GC; apply retention; compact.
 * 4. Reclaim deleted topics whose grace period has passed.
 * 5. GC, if every index was read (otherwise an unread reference could look
 *    like garbage, so nothing is deleted this run).
 */
import type { IndexEntry, TopicRecord } from '../model.js';
import type { Clock, Ids, MetadataStore, ObjectStore, ObjectSummary } from '../ports.js';
import { mapLimit } from '../util.js';
import { compactPartition } from './compaction.js';
import { emptyReport, MaintenanceContext, type MaintenanceReport } from './context.js';
import { collectGarbage, listCollectable } from './gc.js';
import { resolveMaintenanceOptions, type MaintenanceOptions, type ResolvedMaintenanceOptions } from './options.js';
import { applyRetention, planRetention } from './retention.js';
import { reclaimTombstones } from './tombstones.js';

export type { MaintenanceReport } from './context.js';
export { MAINTENANCE_DEFAULTS, resolveMaintenanceOptions, type MaintenanceOptions, type MaintenancePasses, type ResolvedMaintenanceOptions } from './options.js';
export { planRetention, applyRetention, headMarker, type RetentionPlan } from './retention.js';
export { planCompaction, compactGroup, compactPartition, cutChunks, type CompactionPlan } from './compaction.js';
export { collectGarbage, listCollectable, GC_MARKS_VERSION, type GcInput } from './gc.js';
export { reclaimTombstones, reclaimTopic } from './tombstones.js';

/** The ports maintenance works on. */
export interface MaintenancePorts {
  readonly objectStore: ObjectStore;
  readonly metadataStore: MetadataStore;
  readonly clock: Clock;
  readonly ids: Ids;
}

/** Retention, compaction and GC over every topic of the stores. */
export class Maintenance {
  /** The settings in force, defaults applied. */
  readonly options: ResolvedMaintenanceOptions;

  /** @throws EddyError `INVALID_REQUEST` naming a bad option. */
  constructor(
    private readonly ports: MaintenancePorts,
    options: MaintenanceOptions = {},
  ) {
    this.options = resolveMaintenanceOptions(options);
  }

  /** Runs every enabled pass once over every topic and returns what it did. Per-partition failures are reported, not thrown. */
  async runOnce(): Promise<MaintenanceReport> {
    const { objectStore, metadataStore, clock, ids } = this.ports;
    const startedAt = clock.now();
    const ctx = new MaintenanceContext(objectStore, metadataStore, clock, ids, this.options, emptyReport(), startedAt);
    const passes = this.options.passes;

    // 1. Objects first (see gc.ts for why the order matters).
    let listed: ObjectSummary[] | undefined;
    if (passes.gc) {
      try {
        listed = await listCollectable(objectStore);
      } catch (err) {
        ctx.fail('gc: list objects', err);
      }
    }
    // 2. Topics, then tombstones: a topic deleted in between is in one of the two.
    const topics = await metadataStore.listTopics();
    const tombstones = await metadataStore.listTombstones();
    ctx.report.topics = topics.length;

    // 3. Every partition's index, once.
    const referenced = new Set<string>();
    let indexesRead = true;
    const partitions = topics.flatMap((topic) => Array.from({ length: topic.partitions }, (_, partition) => ({ topic, partition })));
    await mapLimit(partitions, this.options.concurrency, async ({ topic, partition }) => {
      let entries: IndexEntry[];
      try {
        entries = [];
        for await (const e of metadataStore.listEntries(topic.topicId, partition)) entries.push(e);
      } catch (err) {
        indexesRead = false;
        ctx.fail(`read index ${topic.name}/${partition}`, err);
        return;
      }
      // Stryker disable next-line ConditionalExpression: equivalent — a null in the set of referenced keys matches no listed object
      for (const e of entries) if (e.objectKey !== null) referenced.add(e.objectKey);
      try {
        await this.maintainPartition(ctx, topic, entries);
      } catch (err) {
        ctx.fail(`${topic.name}/${partition}`, err);
      }
    });
    const readAt = clock.now();

    // 4. Deleted topics.
    if (passes.tombstones) await reclaimTombstones(ctx, topics, tombstones);

    // 5. GC.
    if (listed && indexesRead) {
      try {
        await collectGarbage(ctx, {
          listedAt: startedAt,
          listed,
          referenced,
          liveTopicIds: new Set(topics.map((t) => t.topicId)),
          tombstonedTopicIds: new Set(tombstones.map((t) => t.topicId)),
          readAt,
        });
      } catch (err) {
        ctx.fail('gc', err);
      }
    }
    ctx.report.durationMs = clock.now() - startedAt;
    return ctx.report;
  }

  /** Retention, then compaction of what retention kept, for one partition. */
  private async maintainPartition(ctx: MaintenanceContext, topic: TopicRecord, entries: IndexEntry[]): Promise<void> {
    // Only the contiguous run below the first hole (a reserved range not
    // written yet, docs/design.md §3): nothing is merged or cut across a hole,
    // and the last entry below it is kept, so no hole ever lies below the
    // first entry.
    let current = contiguousPrefix(entries);
    if (this.options.passes.retention) {
      const plan = planRetention(topic.config, current, ctx.clock.now(), this.options.retentionMinAgeMs);
      // Stryker disable next-line ConditionalExpression,EqualityOperator: equivalent — applying an empty plan writes nothing and returns the entries as they were, complete
      if (plan.drop.length > 0 || plan.head) {
        const applied = await applyRetention(ctx, current, plan);
        // A lost conditional write means someone else is changing this
        // partition right now; leave it for the next run.
        if (!applied.complete) return;
        current = applied.entries;
      }
    }
    if (this.options.passes.compaction) await compactPartition(ctx, current);
  }
}

/** The entries (ascending) up to the first hole: each one starts at or below the end of those before it. */
export function contiguousPrefix(entries: readonly IndexEntry[]): IndexEntry[] {
  let end = -1;
  let n = 0;
  for (const e of entries) {
    // Stryker disable next-line EqualityOperator: equivalent as `end > 0` — end is -1 before the first entry and at least 1 after it, never 0 (`<` and the other mutants, killed, go with it)
    if (end >= 0 && e.baseOffset > end) break;
    end = Math.max(end, e.lastOffset + 1);
    n++;
  }
  return entries.slice(0, n);
}
