/**
 * Reclaiming deleted topics. `deleteTopic` removes the topic record at once
 * and leaves a tombstone (topic id, name, partition count, deletion time);
 * this pass deletes the topic's objects (`topicObjectPrefixes`) and every
 * index item of every partition, then removes the tombstone.
 *
 * Why it is safe:
 * - Keys carry the topic id, so a topic recreated under the same name has
 *   other keys and is never touched.
 * - It waits `gcGraceMs` after the deletion: a produce or fetch that looked
 *   the topic up just before it was deleted has finished by then, so no
 *   append lands after the index items are gone and no read misses bytes.
 * - A tombstone whose topic id is still live marks a deletion that did not
 *   complete (the topic record changed under it); the data stays, and so does
 *   the tombstone, in case that deletion is retried.
 * - A crash midway leaves the tombstone, so the next run finishes the job;
 *   every step is idempotent.
 */
import { topicObjectPrefixes } from '../layout.js';
import type { TopicRecord, TopicTombstone } from '../model.js';
import type { MaintenanceContext } from './context.js';

const DELETE_BATCH = 1000;

/** Deletes every object under a prefix, in batches. */
async function deletePrefix(ctx: MaintenanceContext, prefix: string): Promise<void> {
  let batch: Array<{ key: string; size: number }> = [];
  const flush = async (): Promise<void> => {
    if (batch.length === 0) return;
    await ctx.objects.delete(batch.map((o) => o.key));
    ctx.report.objectsDeleted += batch.length;
    ctx.report.bytesReclaimed += batch.reduce((n, o) => n + o.size, 0);
    batch = [];
  };
  for await (const o of ctx.objects.list(prefix)) {
    batch.push(o);
    if (batch.length >= DELETE_BATCH) await flush();
  }
  await flush();
}

/** Reclaims one deleted topic. */
export async function reclaimTopic(ctx: MaintenanceContext, tombstone: TopicTombstone): Promise<void> {
  for (const prefix of topicObjectPrefixes(tombstone.topicId)) await deletePrefix(ctx, prefix);
  for (let p = 0; p < tombstone.partitions; p++) {
    const entries = [];
    for await (const e of ctx.meta.listEntries(tombstone.topicId, p)) entries.push(e);
    // No reader or writer can reach these any more (the topic is gone and the
    // grace period has passed); the condition only makes retries harmless.
    for (const e of entries) await ctx.meta.deleteEntry(e);
    await ctx.meta.deleteCounter(tombstone.topicId, p);
  }
  await ctx.meta.removeTombstone(tombstone.topicId);
  ctx.report.topicsReclaimed++;
}

/** Reclaims every deleted topic whose grace period has passed. */
export async function reclaimTombstones(ctx: MaintenanceContext, live: readonly TopicRecord[], tombstones: readonly TopicTombstone[]): Promise<void> {
  const liveIds = new Set(live.map((t) => t.topicId));
  const now = ctx.clock.now();
  for (const t of tombstones) {
    if (liveIds.has(t.topicId) || t.deletedAt > now - ctx.options.gcGraceMs) continue;
    try {
      await reclaimTopic(ctx, t);
    } catch (err) {
      ctx.fail(`reclaim deleted topic ${t.name} (${t.topicId})`, err);
    }
  }
}
