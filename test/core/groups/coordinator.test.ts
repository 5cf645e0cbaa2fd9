/**
 * The group coordinator's own duties, on the memory adapters: what it does
 * around the protocol (storage races and retries, the size bound, the order
 * and filtering of listings, the races of administrative writes with
 * members). The protocol's rules are in protocol*.test.ts and the contract
 * suite (groups.contract.ts).
 */
import { describe, expect, it } from 'vitest';
import type { EddyError } from '../../../core/errors.js';
import type { CommittedOffset } from '../../../core/model.js';
import type { MetadataStore } from '../../../core/ports.js';
import { enc, expectCode, intercept, memoryEddy, type MemoryEddy } from '../helpers.js';

const SESSION = 10_000;

async function expectMessage(p: Promise<unknown>, code: string, message: string): Promise<void> {
  const err: EddyError = await expectCode(p, code);
  expect(err.message).toBe(message);
}

/** A member that acknowledges each answer with its next heartbeat. */
async function stableMember(e: MemoryEddy, group: string, topics: string[]): Promise<{ memberId: string; memberEpoch: number }> {
  const joined = await e.groups.heartbeat(group, { memberEpoch: 0, topics, sessionTimeoutMs: SESSION });
  const acked = await e.groups.heartbeat(group, { memberId: joined.memberId, memberEpoch: joined.memberEpoch, topics, sessionTimeoutMs: SESSION });
  return { memberId: acked.memberId, memberEpoch: acked.memberEpoch };
}

/** A store whose next `n` `commitOffset` calls wait until released: writes whose checks passed, delayed. */
function gate() {
  let hold: { left: number; reached: () => void; released: Promise<void> } | undefined;
  return {
    wrap: (meta: MetadataStore): MetadataStore =>
      intercept(meta, {
        commitOffset: async (group: string, o: CommittedOffset) => {
          const h = hold;
          if (h) {
            if (--h.left === 0) {
              hold = undefined;
              h.reached();
            }
            await h.released;
          }
          return meta.commitOffset(group, o);
        },
      }),
    holdNextCommits(n = 1) {
      let reached!: () => void;
      let release!: () => void;
      const r = new Promise<void>((res) => (reached = res));
      hold = { left: n, reached, released: new Promise<void>((res) => (release = res)) };
      return { reached: r, release };
    },
  };
}

describe('group coordinator', () => {
  it('lists groups by name whatever order they were created in', async () => {
    const e = memoryEddy();
    await e.log.createTopic({ name: 't', partitions: 1 });
    for (const group of ['m', 'b', 'x', 'a']) await e.groups.commit(group, { offsets: [{ topic: 't', partition: 0, offset: 0 }] });
    expect((await e.groups.listGroups()).groups.map((g) => g.group)).toEqual(['a', 'b', 'm', 'x']);
  });

  it('lists committed offsets by topic, then partition, whatever order they were committed in', async () => {
    const e = memoryEddy();
    for (const name of ['b', 'a']) await e.log.createTopic({ name, partitions: 3 });
    await e.groups.commit('g', { offsets: [2, 0, 1].flatMap((partition) => ['b', 'a'].map((topic) => ({ topic, partition, offset: 0 }))) });
    const order = ['a/0', 'a/1', 'a/2', 'b/0', 'b/1', 'b/2'];
    expect((await e.groups.fetchOffsets('g')).offsets.map((o) => `${o.topic}/${o.partition}`)).toEqual(order);
    expect((await e.groups.describeGroup('g')).offsets.map((o) => `${o.topic}/${o.partition}`)).toEqual(order);
  });

  it('keeps commit metadata with the offset', async () => {
    const e = memoryEddy();
    await e.log.createTopic({ name: 't', partitions: 2 });
    await e.groups.commit('g', { offsets: [{ topic: 't', partition: 0, offset: 0, metadata: 'host-7' }, { topic: 't', partition: 1, offset: 0 }] });
    const stored = await e.metadataStore.readOffsets('g');
    expect(stored.find((o) => o.partition === 0)?.metadata).toBe('host-7');
    expect(stored.find((o) => o.partition === 1)).not.toHaveProperty('metadata');
  });

  it('explains refusals: an offset past the end, a member-less commit to a live group, a group that does not exist, deleting a live group', async () => {
    const e = memoryEddy();
    await e.log.createTopic({ name: 't', partitions: 1 });
    await e.log.produce({ topic: 't', records: [{ key: null, value: enc('x') }] });
    await expectMessage(e.groups.commit('g', { offsets: [{ topic: 't', partition: 0, offset: 2 }] }), 'OFFSET_OUT_OF_RANGE', 'offset 2 is past the high-water mark 1 of t/0: a committed offset is the next offset to read');
    await expectMessage(e.groups.fetchOffsets('g'), 'GROUP_NOT_FOUND', 'group g does not exist');
    await stableMember(e, 'g', ['t']);
    await expectMessage(e.groups.commit('g', { offsets: [{ topic: 't', partition: 0, offset: 1 }] }), 'NON_EMPTY_GROUP', 'cannot commit offsets without a member: group g has 1 live member(s)');
    await expectMessage(e.groups.deleteGroup('g'), 'NON_EMPTY_GROUP', 'cannot delete group g: it has 1 live member(s)');
    await expectMessage(e.groups.resetOffsets('g', { topic: 't', to: 'earliest' }), 'NON_EMPTY_GROUP', 'cannot reset offsets of group g: group g has 1 live member(s)');
  });

  it('lets administrative writes through once every member’s session has timed out, though none left', async () => {
    const e = memoryEddy();
    await e.log.createTopic({ name: 't', partitions: 2 });
    await e.log.produce({ topic: 't', records: [{ key: null, value: enc('x'), partition: 0 }] });
    await stableMember(e, 'g', ['t']);
    e.clock.advance(SESSION + 1);
    expect((await e.groups.listGroups()).groups).toEqual([{ group: 'g', state: 'Empty', members: 0 }]);
    expect((await e.groups.resetOffsets('g', { topic: 't', to: 'latest' })).offsets.map((o) => o.offset)).toEqual([1, 0]);
    expect((await e.groups.commit('g', { offsets: [{ topic: 't', partition: 0, offset: 0 }] })).offsets).toEqual([{ topic: 't', partition: 0, offset: 0 }]);
    await e.groups.deleteGroup('g');
    await expectCode(e.groups.describeGroup('g'), 'GROUP_NOT_FOUND');
  });

  it('serves, describes and deletes a group that has offsets but no state (a zombie’s commit landed after the group was deleted)', async () => {
    const e = memoryEddy();
    await e.log.createTopic({ name: 't', partitions: 1 });
    await e.log.produce({ topic: 't', records: [{ key: null, value: enc('a') }, { key: null, value: enc('b') }] });
    const topic = await e.metadataStore.getTopic('t');
    await e.metadataStore.commitOffset('g', { topic: 't', topicId: topic!.topicId, partition: 0, offset: 1, fence: 9, committedAt: 0 });
    expect(await e.metadataStore.getGroup('g')).toBeUndefined();
    expect(await e.groups.fetchOffsets('g')).toEqual({ offsets: [{ topic: 't', partition: 0, offset: 1, highWatermark: 2, lag: 1 }] });
    expect(await e.groups.describeGroup('g')).toStrictEqual({ group: 'g', state: 'Empty', members: [], offsets: [{ topic: 't', partition: 0, offset: 1, highWatermark: 2, lag: 1 }] });
    await e.groups.deleteGroup('g');
    expect(await e.metadataStore.readOffsets('g')).toEqual([]);
    await expectCode(e.groups.deleteGroup('g'), 'GROUP_NOT_FOUND');
  });

  it('names the holder of a partition only for partitions someone holds', async () => {
    const e = memoryEddy();
    await e.log.createTopic({ name: 't', partitions: 1 });
    await e.log.createTopic({ name: 'u', partitions: 1 });
    await e.groups.commit('g', { offsets: [{ topic: 't', partition: 0, offset: 0 }, { topic: 'u', partition: 0, offset: 0 }] });
    const m = await stableMember(e, 'g', ['t']);
    expect((await e.groups.describeGroup('g')).offsets).toStrictEqual([
      { topic: 't', partition: 0, offset: 0, highWatermark: 0, lag: 0, memberId: m.memberId },
      { topic: 'u', partition: 0, offset: 0, highWatermark: 0, lag: 0 },
    ]);
  });

  it('hides offsets of deleted topics, and stray offsets of partitions a topic does not have', async () => {
    const e = memoryEddy();
    await e.log.createTopic({ name: 'gone', partitions: 1 });
    await e.log.createTopic({ name: 't', partitions: 2 });
    await e.groups.commit('g', { offsets: [{ topic: 'gone', partition: 0, offset: 0 }, { topic: 't', partition: 1, offset: 0 }] });
    await e.log.deleteTopic('gone');
    const t = await e.metadataStore.getTopic('t');
    await e.metadataStore.commitOffset('g', { topic: 't', topicId: t!.topicId, partition: 2, offset: 0, fence: 99, committedAt: 0 });
    expect((await e.groups.fetchOffsets('g')).offsets).toEqual([{ topic: 't', partition: 1, offset: 0, highWatermark: 0, lag: 0 }]);
    expect((await e.groups.describeGroup('g')).offsets).toEqual([{ topic: 't', partition: 1, offset: 0, highWatermark: 0, lag: 0 }]);
  });

  it('refuses a member-less commit whose write lost to a member that joined and committed meanwhile, naming the partitions', async () => {
    const g = gate();
    const e = memoryEddy({ wrapMeta: g.wrap });
    await e.log.createTopic({ name: 't', partitions: 2 });
    await e.log.produce({ topic: 't', records: [0, 0, 1].map((partition) => ({ key: null, value: enc('x'), partition })) });
    const hold = g.holdNextCommits(2);
    const admin = e.groups.commit('g', { offsets: [{ topic: 't', partition: 0, offset: 0 }, { topic: 't', partition: 1, offset: 0 }] });
    await hold.reached;
    const m = await stableMember(e, 'g', ['t']);
    await e.groups.commit('g', { memberId: m.memberId, memberEpoch: m.memberEpoch, offsets: [{ topic: 't', partition: 0, offset: 2 }, { topic: 't', partition: 1, offset: 1 }] });
    hold.release();
    await expectMessage(admin, 'NON_EMPTY_GROUP', 'commit of t/0, t/1 refused: a member of group g committed meanwhile (other partitions of this request may have been written)');
    expect((await e.groups.fetchOffsets('g')).offsets.map((o) => o.offset)).toEqual([2, 1]);
  });

  it('refuses a fenced member’s late commit of several partitions, naming them, and keeps the new owner’s offsets', async () => {
    const g = gate();
    const e = memoryEddy({ wrapMeta: g.wrap });
    await e.log.createTopic({ name: 't', partitions: 2 });
    await e.log.produce({ topic: 't', records: [0, 0, 1, 1].map((partition) => ({ key: null, value: enc('x'), partition })) });
    const a = await stableMember(e, 'g', ['t']);
    const hold = g.holdNextCommits(2);
    const late = e.groups.commit('g', { memberId: a.memberId, memberEpoch: a.memberEpoch, offsets: [{ topic: 't', partition: 0, offset: 1 }, { topic: 't', partition: 1, offset: 1 }] });
    await hold.reached;
    e.clock.advance(SESSION + 1);
    const b = await stableMember(e, 'g', ['t']);
    await e.groups.commit('g', { memberId: b.memberId, memberEpoch: b.memberEpoch, offsets: [{ topic: 't', partition: 0, offset: 2 }, { topic: 't', partition: 1, offset: 2 }] });
    hold.release();
    await expectMessage(
      late,
      'STALE_MEMBER_EPOCH',
      `commit of t/0, t/1 refused: member ${a.memberId} was fenced, a newer owner has committed (other partitions of this request may have been written)`,
    );
    expect((await e.groups.fetchOffsets('g')).offsets.map((o) => o.offset)).toEqual([2, 2]);
  });

  it('refuses an offset reset whose writes lost to a member that joined and committed meanwhile, keeping the member’s offsets', async () => {
    const g = gate();
    const e = memoryEddy({ wrapMeta: g.wrap });
    await e.log.createTopic({ name: 't', partitions: 1 });
    await e.log.produce({ topic: 't', records: [{ key: null, value: enc('x') }, { key: null, value: enc('y') }] });
    const hold = g.holdNextCommits();
    const reset = e.groups.resetOffsets('g', { topic: 't', to: 'earliest' });
    await hold.reached;
    const m = await stableMember(e, 'g', ['t']);
    await e.groups.commit('g', { memberId: m.memberId, memberEpoch: m.memberEpoch, offsets: [{ topic: 't', partition: 0, offset: 2 }] });
    hold.release();
    await expectMessage(reset, 'NON_EMPTY_GROUP', 'reset of group g interrupted: a member committed meanwhile (some partitions may have been reset)');
    expect((await e.groups.fetchOffsets('g')).offsets.map((o) => o.offset)).toEqual([2]);
  });

  it('refuses an offset reset when a member joins between its check and its fence', async () => {
    let joinNow: (() => Promise<unknown>) | undefined;
    const e = memoryEddy({
      wrapMeta: (meta) =>
        intercept(meta, {
          // the reset reads the partition bounds after its first check: a member joins right then
          entriesBefore: async (topicId: string, partition: number, before: number, limit: number) => {
            const join = joinNow;
            joinNow = undefined;
            if (join) await join();
            return meta.entriesBefore(topicId, partition, before, limit);
          },
        }),
    });
    await e.log.createTopic({ name: 't', partitions: 1 });
    await e.groups.commit('g', { offsets: [{ topic: 't', partition: 0, offset: 0 }] });
    joinNow = () => stableMember(e, 'g', ['t']);
    await expectMessage(e.groups.resetOffsets('g', { topic: 't', to: { offset: 0 } }), 'NON_EMPTY_GROUP', 'cannot reset offsets of group g: group g has 1 live member(s)');
  });

  it('lets a member that joins while the group is being deleted win: the delete re-reads and refuses', async () => {
    let joinNow: (() => Promise<unknown>) | undefined;
    const e = memoryEddy({
      wrapMeta: (meta) =>
        intercept(meta, {
          deleteGroup: async (group: string, version: number) => {
            const join = joinNow;
            joinNow = undefined;
            if (join) await join();
            return meta.deleteGroup(group, version);
          },
        }),
    });
    await e.log.createTopic({ name: 't', partitions: 1 });
    await e.groups.commit('g', { offsets: [{ topic: 't', partition: 0, offset: 0 }] });
    joinNow = () => stableMember(e, 'g', ['t']);
    await expectMessage(e.groups.deleteGroup('g'), 'NON_EMPTY_GROUP', 'cannot delete group g: it has 1 live member(s)');
    expect(await e.metadataStore.readOffsets('g')).toHaveLength(1);
    expect(e.clock.sleeps).toHaveLength(1); // one backoff before the re-read
  });

  it('gives up with UNAVAILABLE after maxAttempts lost races, backing off between attempts, and writes nothing', async () => {
    let saves = 0;
    let deletes = 0;
    const e = memoryEddy({
      settings: { groups: { maxAttempts: 4 } },
      wrapMeta: (meta) =>
        intercept(meta, {
          saveGroup: async () => (saves++, false),
          deleteGroup: async () => (deletes++, false),
        }),
    });
    await e.log.createTopic({ name: 't', partitions: 1 });
    await expectMessage(e.groups.heartbeat('g', { memberEpoch: 0, topics: ['t'] }), 'UNAVAILABLE', 'group g is changing concurrently, retry');
    expect(saves).toBe(4);
    expect(e.clock.sleeps).toHaveLength(3);
    e.clock.sleeps.forEach((ms, attempt) => expect(ms).toBeLessThan(Math.min(500, 5 * 2 ** attempt)));
    expect(await e.metadataStore.getGroup('g')).toBeUndefined();

    // Deleting a group that keeps changing under the delete gives up the same way.
    await e.metadataStore.saveGroup({ group: 'h', version: 1, state: { v: 1, e: 1, t: [], m: [] } });
    await expectMessage(e.groups.deleteGroup('h'), 'UNAVAILABLE', 'group h is changing concurrently, retry');
    expect(deletes).toBe(4);
  });

  it('removes a member that keeps heartbeating but never acknowledges a revocation, after the rebalance timeout (300 s unless set)', async () => {
    for (const rebalanceTimeoutMs of [undefined, 20_000]) {
      const e = memoryEddy(rebalanceTimeoutMs === undefined ? {} : { settings: { groups: { rebalanceTimeoutMs } } });
      await e.log.createTopic({ name: 't', partitions: 2 });
      const a = await stableMember(e, 'g', ['t']);
      let b = await e.groups.heartbeat('g', { memberEpoch: 0, topics: ['t'], sessionTimeoutMs: SESSION });
      const beatB = async () => (b = await e.groups.heartbeat('g', { memberId: b.memberId, memberEpoch: b.memberEpoch, topics: ['t'], sessionTimeoutMs: SESSION }));
      const revoking = await e.groups.heartbeat('g', { memberId: a.memberId, memberEpoch: a.memberEpoch, topics: ['t'], sessionTimeoutMs: SESSION });
      expect(revoking.assignment).toEqual([{ topic: 't', partitions: [0] }]);
      const timeout = rebalanceTimeoutMs ?? 300_000;
      // a answers every heartbeat in time, but always with the epoch it acknowledged before the revocation.
      const beat = () => e.groups.heartbeat('g', { memberId: a.memberId, memberEpoch: a.memberEpoch, topics: ['t'], sessionTimeoutMs: SESSION });
      for (let waited = 0; waited + 5_000 <= timeout; waited += 5_000) {
        expect((await beat()).memberEpoch).toBe(revoking.memberEpoch);
        expect((await beatB()).assignment).toEqual([]); // partition 1 waits for a
        e.clock.advance(5_000);
      }
      expect((await e.groups.describeGroup('g')).members).toHaveLength(2);
      await beatB();
      e.clock.advance(1);
      await expectCode(beat(), 'UNKNOWN_MEMBER_ID');
      expect((await beatB()).assignment).toEqual([{ topic: 't', partitions: [0, 1] }]);
    }
  });

  it('refuses a heartbeat that would grow the group’s state past its bound, and writes nothing', async () => {
    const e = memoryEddy();
    // Topic rows are stored in the state: 1200 subscribed topics with long names make it about 360 kB.
    const names = Array.from({ length: 1_200 }, (_, i) => `${String(i).padStart(4, '0')}-${'n'.repeat(240)}`);
    for (const name of names) await e.log.createTopic({ name, partitions: 1 });
    const first = await e.groups.heartbeat('g', { memberEpoch: 0, topics: names.slice(0, 1_000) });
    const before = await e.metadataStore.getGroup('g');
    const err = await expectCode(e.groups.heartbeat('g', { memberEpoch: 0, topics: names.slice(1_000) }), 'INVALID_REQUEST');
    expect(err.message).toMatch(/^group g would grow too large \(\d+ bytes of state, 2 members\): use fewer members or topics$/);
    expect(await e.metadataStore.getGroup('g')).toEqual(before);
    expect((await e.groups.heartbeat('g', { memberId: first.memberId, memberEpoch: first.memberEpoch, topics: names.slice(0, 1_000) })).memberEpoch).toBe(first.memberEpoch);
  }, 60_000);
});
