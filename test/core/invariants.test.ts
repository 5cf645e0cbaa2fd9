/**
 * Invariants stop a write that would break the index or a group, as
 * `INTERNAL` (a bug, never retried), before anything is stored.
 */
import { describe, expect, it } from 'vitest';
import { memoryComponents } from '../../core/adapters/memory/index.js';
import { EddyError } from '../../core/errors.js';
import { seededIds } from '../../core/ids.js';
import { createEddy } from '../../core/index.js';
import { checkAbandon, checkAppend, checkCovering, checkGroupSave, checkReserved } from '../../core/invariants.js';
import type { IndexEntry } from '../../core/model.js';
import { emptyGroup, type MemberState } from '../../core/groups/state.js';
import { systemClock } from '../../core/ports.js';

const entry = (baseOffset: number, records: number[], extra: Partial<IndexEntry> = {}): IndexEntry => {
  let delta = 0;
  return {
    topicId: 't1',
    partition: 0,
    baseOffset,
    lastOffset: baseOffset + records.reduce((a, b) => a + b, 0) - 1,
    objectKey: 'ingest/t1/x.eddy',
    chunks: records.map((n) => {
      const c = { offsetDelta: delta, position: 12 + delta, length: 10, records: n, maxTimestamp: 1 };
      delta += n;
      return c;
    }),
    bytes: 10 * records.length,
    maxTimestamp: 1,
    appendedAt: 1,
    producers: {},
    ...extra,
  };
};

/** A head marker: a range, no data. */
const marker = (baseOffset: number, lastOffset: number): IndexEntry => ({ ...entry(baseOffset, [1]), lastOffset, objectKey: null, chunks: [] });

const internal = (fn: () => void): EddyError => {
  try {
    fn();
  } catch (err) {
    expect(err).toBeInstanceOf(EddyError);
    expect((err as EddyError).code).toBe('INTERNAL');
    return err as EddyError;
  }
  throw new Error('expected an invariant violation');
};

describe('append invariants', () => {
  it('accepts the entry that continues the head, and the first entry at 0', () => {
    expect(() => checkAppend(undefined, entry(0, [3]))).not.toThrow();
    expect(() => checkAppend(entry(0, [3]), entry(3, [2, 5]))).not.toThrow();
  });

  it('refuses a gap, an overlap, and chunks that do not fill the range', () => {
    expect(internal(() => checkAppend(entry(0, [3]), entry(4, [1]))).message).toMatch(/head ends at 2/);
    internal(() => checkAppend(entry(0, [3]), entry(2, [1])));
    internal(() => checkAppend(undefined, { ...entry(0, [3]), lastOffset: 5 }));
    internal(() => checkAppend(undefined, { ...entry(0, [2, 2]), chunks: entry(0, [2, 2]).chunks.map((c, i) => (i === 1 ? { ...c, offsetDelta: 3 } : c)) }));
  });

  it('names the entry and what is wrong with it', () => {
    expect(internal(() => checkAppend(entry(0, [3]), { ...entry(3, [2, 1]), chunks: entry(3, [2, 1]).chunks.map((c, i) => (i === 1 ? { ...c, offsetDelta: 1 } : c)) })).message).toBe(
      'invariant violated: entry t1/0@3: chunk at delta 1 (1 records) does not continue at 2',
    );
    expect(internal(() => checkAppend(entry(0, [3]), { ...entry(3, [4]), lastOffset: 8 })).message).toBe('invariant violated: entry t1/0@3: chunks hold 4 records, range 3..8 needs 6');
    expect(internal(() => checkAppend(undefined, marker(0, -1))).message).toBe('invariant violated: entry t1/0@0 has range 0..-1');
    expect(internal(() => checkCovering([], entry(0, [1]))).message).toBe('invariant violated: a covering entry replaces no entries');
    expect(internal(() => checkCovering([entry(0, [2]), entry(3, [3])], entry(0, [6]))).message).toBe('invariant violated: compaction of t1/0: entries 0 and 3 are not adjacent');
    expect(internal(() => checkCovering([entry(0, [2]), entry(2, [3])], entry(0, [4]))).message).toBe('invariant violated: covering entry 0..3 of t1/0 differs from the replaced 0..4');
  });

  it('refuses a head whose range is negative, fractional or runs backwards, even as a head marker with no data', () => {
    // Each broken head is followed by an entry that would continue it, so only the head's own range is wrong.
    internal(() => checkAppend(marker(-2, -1), marker(0, 0)));
    internal(() => checkAppend(marker(0.5, 0.5), marker(1.5, 1.5)));
    internal(() => checkAppend(undefined, marker(0, -1)));
    expect(() => checkAppend(marker(0, 9), marker(10, 10))).not.toThrow();
  });

  it('refuses a chunk that holds no records or no bytes', () => {
    internal(() => checkAppend(undefined, entry(0, [0, 3])));
    internal(() => checkAppend(undefined, { ...entry(0, [1, 2]), chunks: entry(0, [1, 2]).chunks.map((c, i) => (i === 1 ? { ...c, length: 0 } : c)) }));
  });
});

describe('compaction invariants', () => {
  it('accepts a covering entry over adjacent entries with the same range', () => {
    expect(() => checkCovering([entry(0, [2]), entry(2, [3])], entry(0, [5]))).not.toThrow();
  });

  it('refuses a covering entry that loses or invents records, or covers non-adjacent entries', () => {
    internal(() => checkCovering([entry(0, [2]), entry(2, [3])], entry(0, [4])));
    internal(() => checkCovering([entry(0, [2]), entry(3, [3])], entry(0, [6])));
    internal(() => checkCovering([], entry(0, [1])));
  });

  it('refuses a covering entry that starts or ends elsewhere than the entries it replaces', () => {
    internal(() => checkCovering([entry(2, [2]), entry(4, [3])], entry(1, [6])));
    internal(() => checkCovering([entry(2, [2]), entry(4, [3])], entry(2, [6])));
    internal(() => checkCovering([entry(2, [5])], entry(3, [4])));
    expect(() => checkCovering([entry(2, [2]), entry(4, [3]), entry(7, [1])], entry(2, [6]))).not.toThrow();
    expect(() => checkCovering([entry(2, [5])], entry(2, [1, 4]))).not.toThrow();
  });
});

describe('reserve protocol invariants', () => {
  /** An abandoned-range marker over one offset, as a reader writes it. */
  const abandonedAt = (offset: number, extra: Partial<IndexEntry> = {}): IndexEntry => ({ ...entry(offset, [1]), objectKey: null, chunks: [], abandoned: true, ...extra });

  it('accepts an append that lands exactly on the range it reserved', () => {
    expect(() => checkReserved(entry(5, [2, 3]), 5, 5)).not.toThrow();
    expect(() => checkReserved(entry(0, [1]), 0, 1)).not.toThrow();
  });

  it('refuses an append that starts or ends elsewhere than its reservation, naming both ranges', () => {
    expect(internal(() => checkReserved(entry(6, [4]), 5, 4)).message).toBe('invariant violated: append to t1/0 covers 6..9, but reserved 5..8');
    expect(internal(() => checkReserved(entry(5, [3]), 5, 4)).message).toBe('invariant violated: append to t1/0 covers 5..7, but reserved 5..8');
    expect(internal(() => checkReserved(entry(5, [5]), 5, 4)).message).toBe('invariant violated: append to t1/0 covers 5..9, but reserved 5..8');
    internal(() => checkReserved(entry(4, [4]), 5, 4));
    // Ends where the reservation ends, but starts inside it.
    expect(internal(() => checkReserved(entry(6, [3]), 5, 4)).message).toBe('invariant violated: append to t1/0 covers 6..8, but reserved 5..8');
  });

  it('refuses a reserved append whose own chunks do not fill its range', () => {
    expect(internal(() => checkReserved({ ...entry(5, [2]), lastOffset: 7 }, 5, 3)).message).toBe('invariant violated: entry t1/0@5: chunks hold 2 records, range 5..7 needs 3');
  });

  it('accepts a one-offset abandoned marker in a hole between two entries, or with nothing before it', () => {
    expect(() => checkAbandon(entry(0, [3]), abandonedAt(3), entry(5, [1]))).not.toThrow();
    expect(() => checkAbandon(entry(0, [3]), abandonedAt(4), entry(5, [1]))).not.toThrow();
    expect(() => checkAbandon(undefined, abandonedAt(0), entry(1, [2]))).not.toThrow();
  });

  it('refuses a marker that holds an object, is not marked abandoned, or covers more than one offset', () => {
    const message = 'invariant violated: abandoned marker t1/0@3 must cover one offset and hold no object';
    expect(internal(() => checkAbandon(entry(0, [3]), { ...entry(3, [1]), abandoned: true }, entry(5, [1]))).message).toBe(message);
    expect(internal(() => checkAbandon(entry(0, [3]), abandonedAt(3, { abandoned: undefined }), entry(5, [1]))).message).toBe(message);
    expect(internal(() => checkAbandon(entry(0, [3]), abandonedAt(3, { abandoned: false }), entry(5, [1]))).message).toBe(message);
    expect(internal(() => checkAbandon(entry(0, [3]), abandonedAt(3, { lastOffset: 4 }), entry(5, [1]))).message).toBe(message);
  });

  it('refuses a marker with a broken range before anything else', () => {
    expect(internal(() => checkAbandon(undefined, abandonedAt(3, { lastOffset: 2 }), entry(5, [1]))).message).toBe('invariant violated: entry t1/0@3 has range 3..2');
  });

  it('refuses a marker inside the entry before it, or not below the entry above it, naming where', () => {
    expect(internal(() => checkAbandon(entry(0, [4]), abandonedAt(3), entry(5, [1]))).message).toBe('invariant violated: abandoned marker at 3 of t1/0 lies inside entry 0..3');
    internal(() => checkAbandon(entry(0, [5]), abandonedAt(3), entry(5, [1])));
    expect(internal(() => checkAbandon(entry(0, [3]), abandonedAt(5), entry(5, [1]))).message).toBe('invariant violated: abandoned marker at 5 of t1/0 is not below the later entry 5');
    internal(() => checkAbandon(undefined, abandonedAt(6), entry(5, [1])));
  });
});

describe('group invariants', () => {
  const member = (memberId: string, epoch: number, partitions: number[]): MemberState => ({
    memberId,
    epoch,
    ackedEpoch: epoch,
    assigned: new Map([['topic-1', partitions]]),
    owned: new Map([['topic-1', partitions]]),
    topics: ['orders'],
    sessionTimeoutMs: 45_000,
    lastHeartbeatMs: 0,
  });

  it('refuses a group epoch or a member epoch going back', () => {
    const prev = { ...emptyGroup(5), members: [member('a', 5, [0])] };
    internal(() => checkGroupSave('g', prev, { ...emptyGroup(4), members: [member('a', 5, [0])] }));
    internal(() => checkGroupSave('g', prev, { ...emptyGroup(6), members: [member('a', 4, [0])] }));
    expect(() => checkGroupSave('g', prev, { ...emptyGroup(6), members: [member('a', 6, [0, 1])] })).not.toThrow();
    expect(() => checkGroupSave('g', prev, { ...emptyGroup(5), members: [member('a', 5, [0])] })).not.toThrow();
    expect(internal(() => checkGroupSave('g', prev, { ...emptyGroup(4), members: [member('a', 5, [0])] })).message).toBe('invariant violated: group g epoch would go back from 5 to 4');
  });

  it('refuses a member whose epoch or acknowledged epoch alone goes back, or whose epoch drops to 0', () => {
    const prev = { ...emptyGroup(5), members: [member('a', 5, [0])] };
    expect(internal(() => checkGroupSave('g', prev, { ...emptyGroup(6), members: [{ ...member('a', 4, [0]), ackedEpoch: 5 }] })).message).toBe(
      'invariant violated: member a of group g would go back from epoch 5/5 to 4/5',
    );
    internal(() => checkGroupSave('g', prev, { ...emptyGroup(6), members: [{ ...member('a', 6, [0]), ackedEpoch: 4 }] }));
    internal(() => checkGroupSave('g', prev, { ...emptyGroup(6), members: [member('a', 0, [0])] }));
    // A member that is new, or marked with a negative epoch (on its way out), is not held to its old epochs.
    expect(() => checkGroupSave('g', prev, { ...emptyGroup(6), members: [member('a', -1, [])] })).not.toThrow();
    expect(() => checkGroupSave('g', prev, { ...emptyGroup(6), members: [member('a', 5, [0]), member('b', 1, [1])] })).not.toThrow();
  });

  it('refuses a partition held by two members', () => {
    expect(internal(() => checkGroupSave('g', undefined, { ...emptyGroup(1), members: [member('a', 1, [0, 1]), member('b', 1, [1])] })).message).toMatch(/topic-1\/1 held by both a and b/);
  });
});

describe('invariants in the write paths', () => {
  it('an append whose counter answers a broken range is refused as INTERNAL and writes no entry', async () => {
    const c = memoryComponents(systemClock, seededIds(7));
    const settings = { log: { appendProtocol: 'reserve' as const } };
    const eddy = createEddy({ components: c, settings });
    await eddy.log.createTopic({ name: 'inv', partitions: 1 });
    await eddy.log.produce({ topic: 'inv', records: [{ key: null, value: new Uint8Array([1]) }] });
    const lying = createEddy({ components: { ...c, metadataStore: Object.assign(Object.create(c.metadataStore) as typeof c.metadataStore, { reserveOffsets: async () => -3 }) }, settings });
    await expect(lying.log.produce({ topic: 'inv', records: [{ key: null, value: new Uint8Array([2]) }] })).rejects.toMatchObject({ code: 'INTERNAL' });
    const entries = [];
    for await (const e of c.metadataStore.listEntries((await eddy.log.topic('inv')).topicId, 0)) entries.push(e);
    expect(entries.map((e) => [e.baseOffset, e.lastOffset])).toEqual([[0, 0]]);
  });

  it('an append whose index read lies is refused as INTERNAL and writes no entry', async () => {
    const c = memoryComponents(systemClock, seededIds(7));
    const eddy = createEddy({ components: c });
    await eddy.log.createTopic({ name: 'inv', partitions: 1 });
    await eddy.log.produce({ topic: 'inv', records: [{ key: null, value: new Uint8Array([1]) }] });
    // A store whose head read returns a broken entry (its range runs backwards): appending after
    // it would chain onto garbage, so the append stops before writing.
    const head = await c.metadataStore.headEntry((await eddy.log.topic('inv')).topicId, 0);
    expect(head?.lastOffset).toBe(0);
    const lying = createEddy({
      components: { ...c, metadataStore: Object.assign(Object.create(c.metadataStore) as typeof c.metadataStore, { headEntry: async () => ({ ...head!, baseOffset: 2, lastOffset: 1 }) }) },
    });
    await expect(lying.log.produce({ topic: 'inv', records: [{ key: null, value: new Uint8Array([2]) }] })).rejects.toMatchObject({ code: 'INTERNAL' });
    const read = await eddy.log.fetch({ topic: 'inv', partition: 0, offset: 0 });
    expect(read.records.map((r) => r.offset)).toEqual([0]);
  });
});
