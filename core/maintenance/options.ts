/**
 * Maintenance settings: plain numbers, validated once when the job is built
 * (a bad value fails fast, named), never read from the environment here.
 */
import { DEFAULTS } from '../config.js';
import { EddyError } from '../errors.js';

/** Which passes a run performs; all of them unless switched off. */
export interface MaintenancePasses {
  /** Time and size retention (advances the log start offset). @default true */
  readonly retention?: boolean;
  /** Merging small entries into per-partition segments. @default true */
  readonly compaction?: boolean;
  /** Deleting objects no index entry references. @default true */
  readonly gc?: boolean;
  /** Reclaiming the objects and index items of deleted topics. @default true */
  readonly tombstones?: boolean;
}

/** Options of {@link Maintenance}. */
export interface MaintenanceOptions {
  /**
   * How long an object must have been unreferenced (and have existed) before
   * GC deletes it; also how long a deleted topic's data is kept. Must exceed
   * the longest produce, compaction step or fetch.
   * @default 900000 (15 min)
   */
  readonly gcGraceMs?: number;
  /** Size compaction merges a partition's entries up to. @default 8388608 (8 MiB) */
  readonly compactionTargetBytes?: number;
  /** Size of the chunks a segment is cut into (a fetch reads whole chunks). @default 1048576 (1 MiB) */
  readonly compactionChunkBytes?: number;
  /** Most entries one compaction merges, bounding the time between its PUT and its index write. @default 1000 */
  readonly compactionMaxEntries?: number;
  /**
   * Entries at least this large are never merged: a fetch already reads them
   * with one ranged GET of about a segment chunk's size, so rewriting them
   * would cost a GET, a PUT and index writes for nothing (a produce request
   * filled by the SDK's batching is this large).
   * @default 524288 (512 KiB, half of `compactionChunkBytes`' default)
   */
  readonly compactionSkipBytes?: number;
  /**
   * Entries appended less than this long ago are never compacted, so an
   * in-flight append (which may re-read its own entry after an ambiguous
   * write) never sees it replaced.
   * @default 60000
   */
  readonly compactionMinAgeMs?: number;
  /**
   * Time into a run after which compaction starts no new merge (retention
   * and GC still run), so a large backlog never starves GC of the
   * invocation's time; the rest is merged by later runs.
   * @default 120000
   */
  readonly compactionBudgetMs?: number;
  /** Entries appended less than this long ago are never expired by retention, for the same reason. @default 60000 */
  readonly retentionMinAgeMs?: number;
  /** Partitions processed at once. @default 8 */
  readonly concurrency?: number;
  /** Passes to run. @default all */
  readonly passes?: MaintenancePasses;
}

/** {@link MaintenanceOptions} with every default applied. */
export interface ResolvedMaintenanceOptions {
  readonly gcGraceMs: number;
  readonly compactionTargetBytes: number;
  readonly compactionChunkBytes: number;
  readonly compactionMaxEntries: number;
  readonly compactionSkipBytes: number;
  readonly compactionMinAgeMs: number;
  readonly compactionBudgetMs: number;
  readonly retentionMinAgeMs: number;
  readonly concurrency: number;
  readonly passes: Required<MaintenancePasses>;
}

/** Defaults of {@link MaintenanceOptions}. */
export const MAINTENANCE_DEFAULTS = {
  gcGraceMs: DEFAULTS.gcGraceMs,
  compactionTargetBytes: DEFAULTS.compactionTargetBytes,
  compactionChunkBytes: 1024 * 1024,
  compactionMaxEntries: 1000,
  compactionSkipBytes: 512 * 1024,
  compactionMinAgeMs: 60_000,
  compactionBudgetMs: 120_000,
  retentionMinAgeMs: 60_000,
  concurrency: 8,
} as const;

/** Applies defaults and validates; throws `INVALID_REQUEST` naming the bad option. */
export function resolveMaintenanceOptions(options: MaintenanceOptions = {}): ResolvedMaintenanceOptions {
  const pick = (name: keyof typeof MAINTENANCE_DEFAULTS, min: number): number => {
    const v = options[name] ?? MAINTENANCE_DEFAULTS[name];
    // Stryker disable next-line ConditionalExpression: `typeof v !== 'number'` as `false` is equivalent (Number.isSafeInteger is false for every non-number); this also takes out the line's other condition mutants, which the options tests kill
    if (typeof v !== 'number' || !Number.isSafeInteger(v) || v < min) {
      throw new EddyError('INVALID_REQUEST', `maintenance option ${name}=${JSON.stringify(v)} must be an integer ≥ ${min}`);
    }
    return v;
  };
  const resolved = {
    gcGraceMs: pick('gcGraceMs', 0),
    compactionTargetBytes: pick('compactionTargetBytes', 1),
    compactionChunkBytes: pick('compactionChunkBytes', 1),
    compactionMaxEntries: pick('compactionMaxEntries', 2),
    compactionSkipBytes: pick('compactionSkipBytes', 1),
    compactionMinAgeMs: pick('compactionMinAgeMs', 0),
    compactionBudgetMs: pick('compactionBudgetMs', 0),
    retentionMinAgeMs: pick('retentionMinAgeMs', 0),
    concurrency: pick('concurrency', 1),
    passes: { retention: true, compaction: true, gc: true, tombstones: true, ...(options.passes ?? {}) },
  };
  return resolved;
}
