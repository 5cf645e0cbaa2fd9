/**
 * Invariants checked right before the writes that could break them, the way
 * TigerBeetle and slatedb assert before each write: cheap checks of what the
 * code above already guarantees. A failure is a bug in Eddy, never bad
 * input: it throws `INTERNAL` (not retried) before anything is written, so a
 * bug stops loudly instead of storing a broken index or group.
 */
import { EddyError } from './errors.js';
import type { GroupState } from './groups/state.js';
import { heldBy } from './groups/protocol.js';
import type { IndexEntry } from './model.js';

/** Throws `INTERNAL` naming the broken invariant unless `ok`. */
export function invariant(ok: boolean, what: () => string): asserts ok {
  if (!ok) throw new EddyError('INTERNAL', `invariant violated: ${what()}`);
}

/** An entry's chunks hold exactly its range, densely, in order. */
export function checkEntry(e: IndexEntry): void {
  const where = `${e.topicId}/${e.partition}@${e.baseOffset}`;
  invariant(Number.isSafeInteger(e.baseOffset) && e.baseOffset >= 0 && e.lastOffset >= e.baseOffset, () => `entry ${where} has range ${e.baseOffset}..${e.lastOffset}`);
  if (e.objectKey === null) return; // a head marker: a range, no data
  let delta = 0;
  for (const c of e.chunks) {
    invariant(c.offsetDelta === delta && c.records > 0 && c.length > 0, () => `entry ${where}: chunk at delta ${c.offsetDelta} (${c.records} records) does not continue at ${delta}`);
    delta += c.records;
  }
  invariant(delta === e.lastOffset - e.baseOffset + 1, () => `entry ${where}: chunks hold ${delta} records, range ${e.baseOffset}..${e.lastOffset} needs ${e.lastOffset - e.baseOffset + 1}`);
}

/** An append continues the chain exactly where the (sane) head it read ends: dense offsets. */
export function checkAppend(head: IndexEntry | undefined, entry: IndexEntry): void {
  if (head) checkEntry(head);
  checkEntry(entry);
  const expected = head ? head.lastOffset + 1 : 0;
  invariant(entry.baseOffset === expected, () => `append to ${entry.topicId}/${entry.partition} at ${entry.baseOffset}, but the head ends at ${expected - 1}`);
}

/** An append of the reserve protocol lands exactly on the range it reserved: `count` offsets from `base`. */
export function checkReserved(entry: IndexEntry, base: number, count: number): void {
  checkEntry(entry);
  invariant(entry.baseOffset === base && entry.lastOffset === base + count - 1, () => `append to ${entry.topicId}/${entry.partition} covers ${entry.baseOffset}..${entry.lastOffset}, but reserved ${base}..${base + count - 1}`);
}

/** An abandoned-range marker covers one offset of a hole: the offset is no entry's, and a later entry exists. */
export function checkAbandon(prev: IndexEntry | undefined, marker: IndexEntry, next: IndexEntry): void {
  checkEntry(marker);
  invariant(marker.objectKey === null && marker.abandoned === true && marker.lastOffset === marker.baseOffset, () => `abandoned marker ${marker.topicId}/${marker.partition}@${marker.baseOffset} must cover one offset and hold no object`);
  invariant(!prev || prev.lastOffset < marker.baseOffset, () => `abandoned marker at ${marker.baseOffset} of ${marker.topicId}/${marker.partition} lies inside entry ${prev!.baseOffset}..${prev!.lastOffset}`);
  invariant(next.baseOffset > marker.baseOffset, () => `abandoned marker at ${marker.baseOffset} of ${marker.topicId}/${marker.partition} is not below the later entry ${next.baseOffset}`);
}

/** A compaction's covering entry holds exactly the range of the entries it replaces. */
export function checkCovering(replaced: readonly IndexEntry[], covering: IndexEntry): void {
  checkEntry(covering);
  invariant(replaced.length > 0, () => 'a covering entry replaces no entries');
  const first = replaced[0]!;
  const last = replaced[replaced.length - 1]!;
  for (let i = 1; i < replaced.length; i++) {
    invariant(replaced[i]!.baseOffset === replaced[i - 1]!.lastOffset + 1, () => `compaction of ${covering.topicId}/${covering.partition}: entries ${replaced[i - 1]!.baseOffset} and ${replaced[i]!.baseOffset} are not adjacent`);
  }
  invariant(
    covering.baseOffset === first.baseOffset && covering.lastOffset === last.lastOffset,
    () => `covering entry ${covering.baseOffset}..${covering.lastOffset} of ${covering.topicId}/${covering.partition} differs from the replaced ${first.baseOffset}..${last.lastOffset}`,
  );
}

/**
 * A group write: epochs only grow (the group's and each surviving member's),
 * and no partition is handed to one member while another still holds it.
 */
export function checkGroupSave(group: string, prev: GroupState | undefined, next: GroupState): void {
  if (prev) {
    invariant(next.epoch >= prev.epoch, () => `group ${group} epoch would go back from ${prev.epoch} to ${next.epoch}`);
    const before = new Map(prev.members.map((m) => [m.memberId, m]));
    for (const m of next.members) {
      const old = before.get(m.memberId);
      if (!old || m.epoch < 0) continue;
      invariant(m.epoch >= old.epoch && m.ackedEpoch >= old.ackedEpoch, () => `member ${m.memberId} of group ${group} would go back from epoch ${old.epoch}/${old.ackedEpoch} to ${m.epoch}/${m.ackedEpoch}`);
    }
  }
  const holder = new Map<string, string>();
  for (const m of next.members) {
    for (const [topicId, partitions] of heldBy(m)) {
      for (const p of partitions) {
        const key = `${topicId}/${p}`;
        const other = holder.get(key);
        invariant(other === undefined, () => `group ${group}: partition ${key} held by both ${other} and ${m.memberId}`);
        holder.set(key, m.memberId);
      }
    }
  }
}
