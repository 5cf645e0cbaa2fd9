/**
 * The consumer-group contract: runs unchanged against the memory adapters and
 * the AWS adapters on dynalite + s3rver. Time is a manual clock, so session
 * timeouts are exact and instant.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createLog, type Components, type Log } from '../../helpers/core.js';
import { EddyError } from '../../../core/errors.js';
import { pairs } from '../../../core/groups/assignment.js';
import { GroupCoordinator } from '../../../core/groups/coordinator.js';
import { heldBy, withoutExpired } from '../../../core/groups/protocol.js';
import { stateOf } from '../../../core/groups/state.js';
import type { HeartbeatResponse, TopicPartitions } from '../../../core/groups/types.js';
import type { CommittedOffset } from '../../../core/model.js';
import type { MetadataStore } from '../../../core/ports.js';
import type { AdapterKind } from '../../helpers/standins.js';
import { ManualClock } from '../../helpers/manual-clock.js';

const enc = (s: string) => new TextEncoder().encode(s);
const dec = (b: Uint8Array | null) => (b === null ? '' : new TextDecoder().decode(b));
let n = 0;
const unique = (label: string) => `${label}-${Date.now().toString(36)}-${n++}`;
const SESSION = 10_000;

async function expectCode(p: Promise<unknown>, code: string, messagePart?: string): Promise<EddyError> {
  try {
    await p;
  } catch (err) {
    expect(err).toBeInstanceOf(EddyError);
    expect((err as EddyError).code).toBe(code);
    if (messagePart) expect((err as EddyError).message).toContain(messagePart);
    return err as EddyError;
  }
  throw new Error(`expected ${code}, but the call succeeded`);
}

const keys = (a: readonly TopicPartitions[]) => a.flatMap((x) => x.partitions.map((p) => `${x.topic}/${p}`));

/**
 * A group member that acknowledges every answer with its next heartbeat,
 * tracking what it holds: the assignment it acknowledged and the one it was
 * last given.
 */
class Member {
  memberId: string | undefined;
  epoch = 0;
  acked: TopicPartitions[] = [];
  returned: TopicPartitions[] = [];
  gone = false;
  constructor(
    readonly coord: GroupCoordinator,
    readonly group: string,
    readonly topics: string[],
  ) {}
  async beat(): Promise<HeartbeatResponse> {
    const r = await this.coord.heartbeat(this.group, { ...(this.memberId ? { memberId: this.memberId } : {}), memberEpoch: this.epoch, topics: this.topics, sessionTimeoutMs: SESSION });
    this.acked = this.returned; // the heartbeat carried the epoch of `returned`
    this.returned = r.assignment;
    this.memberId = r.memberId;
    this.epoch = r.memberEpoch;
    return r;
  }
  async leave(): Promise<void> {
    await this.coord.heartbeat(this.group, { memberId: this.memberId!, memberEpoch: -1, topics: this.topics });
    this.gone = true;
    this.acked = this.returned = [];
  }
  held(): Set<string> {
    return new Set([...keys(this.acked), ...keys(this.returned)]);
  }
  count(): number {
    return keys(this.returned).length;
  }
}

/** Delays the next `commitOffset` until released: a commit whose checks passed, stuck before its write. */
function gatedStore(meta: MetadataStore) {
  let hold: { reached: () => void; released: Promise<void> } | undefined;
  const store = new Proxy(meta, {
    get(target, prop, receiver) {
      if (prop === 'commitOffset') {
        return async (group: string, o: CommittedOffset) => {
          const h = hold;
          hold = undefined;
          if (h) {
            h.reached();
            await h.released;
          }
          return target.commitOffset(group, o);
        };
      }
      const v = Reflect.get(target, prop, receiver) as unknown;
      return typeof v === 'function' ? (v as (...a: unknown[]) => unknown).bind(target) : v;
    },
  });
  return {
    store,
    holdNextCommit() {
      let reached!: () => void;
      let release!: () => void;
      const r = new Promise<void>((res) => (reached = res));
      hold = { reached, released: new Promise<void>((res) => (release = res)) };
      return { reached: r, release };
    },
  };
}

export function groupsContract(kind: AdapterKind): void {
  describe(`consumer groups contract: ${kind.name}`, () => {
    let c: Components;
    let clock: ManualClock;
    let engine: Log;
    let coord: GroupCoordinator;
    beforeAll(async () => {
      await kind.setup();
      clock = new ManualClock();
      c = { ...kind.components(), clock };
      engine = createLog(c);
      coord = new GroupCoordinator(c);
    });
    afterAll(() => kind.teardown());

    /** Server side: no partition held by two live members, read from the stored state. */
    async function checkStoredState(group: string): Promise<void> {
      const record = await c.metadataStore.getGroup(group);
      if (!record) return;
      const state = withoutExpired(stateOf(record), { now: clock.now(), rebalanceTimeoutMs: 300_000 });
      const seen = new Map<string, string>();
      for (const m of state.members) {
        expect(m.epoch).toBeLessThanOrEqual(state.epoch);
        for (const [t, p] of pairs(heldBy(m))) {
          expect(seen.get(`${t}#${p}`), `${t}#${p} held twice`).toBeUndefined();
          seen.set(`${t}#${p}`, m.memberId);
        }
      }
    }

    /** Client side: what live members acknowledged or were given never overlaps. */
    function checkMembers(members: readonly Member[]): void {
      const seen = new Map<string, number>();
      members.forEach((m, i) => {
        if (m.gone) return;
        for (const k of m.held()) {
          expect(seen.get(k), `${k} held by members ${seen.get(k)} and ${i}`).toBeUndefined();
          seen.set(k, i);
        }
      });
    }

    it('validates heartbeats and names the bad field', async () => {
      const topic = unique('hb-valid');
      await engine.createTopic({ name: topic, partitions: 1 });
      const group = unique('g');
      await expectCode(coord.heartbeat('', { memberEpoch: 0, topics: [topic] }), 'INVALID_REQUEST', 'group');
      await expectCode(coord.heartbeat('x'.repeat(250), { memberEpoch: 0, topics: [topic] }), 'INVALID_REQUEST', 'group');
      for (const bad of [999, 300_001, 1500.5, '45000']) {
        await expectCode(coord.heartbeat(group, { memberEpoch: 0, topics: [topic], sessionTimeoutMs: bad as number }), 'INVALID_REQUEST', 'sessionTimeoutMs');
      }
      for (const bad of [-2, 1.5, '0', null]) await expectCode(coord.heartbeat(group, { memberEpoch: bad as number, topics: [topic] }), 'INVALID_REQUEST', 'memberEpoch');
      await expectCode(coord.heartbeat(group, { memberEpoch: 3, topics: [topic] }), 'INVALID_REQUEST', 'memberId');
      await expectCode(coord.heartbeat(group, { memberEpoch: 0, topics: [] }), 'INVALID_REQUEST', 'topics');
      await expectCode(coord.heartbeat(group, { memberEpoch: 0, topics: [topic, unique('missing')] }), 'UNKNOWN_TOPIC_OR_PARTITION');
      await expectCode(coord.heartbeat(group, { memberEpoch: 0, topics: ['bad name'] }), 'INVALID_TOPIC');
      await expectCode(coord.heartbeat(group, { memberId: 'nobody', memberEpoch: 4, topics: [topic] }), 'UNKNOWN_MEMBER_ID');
      expect(await c.metadataStore.getGroup(group)).toBeUndefined(); // rejected heartbeats write nothing

      const joined = await coord.heartbeat(group, { memberEpoch: 0, topics: [topic, topic] });
      expect(joined).toEqual({ memberId: expect.any(String), memberEpoch: expect.any(Number), heartbeatIntervalMs: 5000, assignment: [{ topic, partitions: [0] }] });
      expect(joined.memberEpoch).toBeGreaterThan(0);
      const short = await coord.heartbeat(group, { memberId: joined.memberId, memberEpoch: joined.memberEpoch, topics: [topic], sessionTimeoutMs: 3000 });
      expect(short.heartbeatIntervalMs).toBe(1000);
      await expectCode(coord.heartbeat(group, { memberId: joined.memberId, memberEpoch: joined.memberEpoch + 7, topics: [topic] }), 'STALE_MEMBER_EPOCH');
    });

    it('a member fenced with STALE_MEMBER_EPOCH rejoins with its id and epoch 0 and gets partitions again, without waiting for its session to expire', async () => {
      const topic = unique('rejoin');
      await engine.createTopic({ name: topic, partitions: 4 });
      const group = unique('g');
      const a = new Member(coord, group, [topic]);
      const b = new Member(coord, group, [topic]);
      for (let round = 0; round < 4; round++) {
        await a.beat();
        await b.beat();
        checkMembers([a, b]);
        await checkStoredState(group);
      }
      expect([a.count(), b.count()]).toEqual([2, 2]);
      // a sends an epoch it was never given (its view is out of date): fenced, and nothing changes.
      await expectCode(coord.heartbeat(group, { memberId: a.memberId!, memberEpoch: a.epoch + 3, topics: [topic] }), 'STALE_MEMBER_EPOCH', 'rejoin');
      // The client drops its partitions uncommitted and rejoins under its id with epoch 0; no time passes.
      a.acked = a.returned = [];
      a.epoch = 0;
      const rejoined = await a.beat();
      expect(rejoined.memberId).toBe(a.memberId);
      expect(rejoined.memberEpoch).toBeGreaterThan(b.epoch);
      expect(a.count()).toBe(2);
      checkMembers([a, b]);
      await checkStoredState(group);
      for (let round = 0; round < 3; round++) {
        await a.beat();
        await b.beat();
        checkMembers([a, b]);
        await checkStoredState(group);
      }
      expect([a.count(), b.count()]).toEqual([2, 2]);
      expect((await coord.describeGroup(group)).state).toBe('Stable');
    });

    it('asks a member waiting for another member to release its partitions to heartbeat at the handover interval', async () => {
      const fast = new GroupCoordinator(c, { heartbeatIntervalMs: 2_000, handoverHeartbeatIntervalMs: 150 });
      const topic = unique('handover');
      await engine.createTopic({ name: topic, partitions: 2 });
      const group = unique('g');
      const a = new Member(fast, group, [topic]);
      const b = new Member(fast, group, [topic]);
      expect((await a.beat()).heartbeatIntervalMs).toBe(2_000);
      await a.beat();
      expect((await b.beat()).heartbeatIntervalMs).toBe(150); // its share is a's until a releases it
      expect((await a.beat()).heartbeatIntervalMs).toBe(2_000); // the revocation: a acknowledges once done
      expect((await b.beat()).heartbeatIntervalMs).toBe(150);
      await a.beat();
      const granted = await b.beat();
      expect(granted.assignment).toEqual([{ topic, partitions: [expect.any(Number)] }]);
      expect(granted.heartbeatIntervalMs).toBe(2_000);
      checkMembers([a, b]);
    });

    it('converges three members on a 6-partition topic to 2/2/2, never giving a partition to two live members', async () => {
      const topic = unique('converge');
      await engine.createTopic({ name: topic, partitions: 6 });
      const group = unique('g');
      const members = [0, 1, 2].map(() => new Member(coord, group, [topic]));
      for (let round = 0; round < 6; round++) {
        for (const m of members) {
          await m.beat();
          checkMembers(members);
          await checkStoredState(group);
        }
      }
      expect(members.map((m) => m.count())).toEqual([2, 2, 2]);
      expect(new Set(members.flatMap((m) => keys(m.returned))).size).toBe(6);
      const d = await coord.describeGroup(group);
      expect(d.state).toBe('Stable');
      expect(d.members.map((m) => m.assignment[0]!.partitions.length)).toEqual([2, 2, 2]);
      expect((await coord.listGroups()).groups).toContainEqual({ group, state: 'Stable', members: 3 });
    });

    it('serves the SDK’s pattern: heartbeats carry the acknowledged epoch until reconciled, commits the returned one', async () => {
      const topic = unique('sdk');
      await engine.createTopic({ name: topic, partitions: 2 });
      await engine.produce({ topic, records: [0, 1].map((p) => ({ key: null, value: enc('x'), partition: p })) });
      const group = unique('g');
      const hb = (memberId: string | undefined, memberEpoch: number) => coord.heartbeat(group, { ...(memberId ? { memberId } : {}), memberEpoch, topics: [topic], sessionTimeoutMs: SESSION });
      const commit = (memberId: string, memberEpoch: number, partition: number) => coord.commit(group, { memberId, memberEpoch, offsets: [{ topic, partition, offset: 1 }] });

      const a1 = await hb(undefined, 0);
      expect(a1.assignment).toEqual([{ topic, partitions: [0, 1] }]);
      expect(await hb(a1.memberId, 0)).toEqual(a1); // still starting its partitions: acknowledged epoch is 0
      await commit(a1.memberId, a1.memberEpoch, 0); // commits carry the returned epoch
      expect((await hb(a1.memberId, a1.memberEpoch)).memberEpoch).toBe(a1.memberEpoch); // reconciled: acknowledges

      const b1 = await hb(undefined, 0);
      expect(b1.assignment).toEqual([]);
      const a2 = await hb(a1.memberId, a1.memberEpoch);
      expect(a2.assignment).toEqual([{ topic, partitions: [0] }]); // partition 1 revoked
      expect(await hb(a1.memberId, a1.memberEpoch)).toEqual(a2); // draining partition 1: same answer
      await commit(a1.memberId, a2.memberEpoch, 1); // its final offset for the revoked partition
      expect((await hb(b1.memberId, b1.memberEpoch)).assignment).toEqual([]); // b (nothing to reconcile) waits for a's acknowledgement
      await hb(a1.memberId, a2.memberEpoch);
      await expectCode(commit(a1.memberId, a2.memberEpoch, 1), 'STALE_MEMBER_EPOCH'); // released: no longer a's
      const b2 = await hb(b1.memberId, b1.memberEpoch);
      expect(b2.assignment).toEqual([{ topic, partitions: [1] }]);
      expect(b2.memberEpoch).toBeGreaterThan(a2.memberEpoch);
      await commit(b1.memberId, b2.memberEpoch, 1);
    });

    it('hands a leaving member’s partitions to the others on their next heartbeat', async () => {
      const topic = unique('leave');
      await engine.createTopic({ name: topic, partitions: 6 });
      const group = unique('g');
      const members = [0, 1, 2].map(() => new Member(coord, group, [topic]));
      for (let round = 0; round < 6; round++) for (const m of members) await m.beat();
      expect(members.map((m) => m.count())).toEqual([2, 2, 2]);
      const leaving = keys(members[2]!.returned);
      await members[2]!.leave();
      await members[0]!.beat();
      await members[1]!.beat();
      expect([members[0]!.count(), members[1]!.count()]).toEqual([3, 3]);
      expect([...keys(members[0]!.returned), ...keys(members[1]!.returned)]).toEqual(expect.arrayContaining(leaving));
      checkMembers(members);
      // Leaving again is harmless; heartbeating after leaving is not.
      expect((await coord.heartbeat(group, { memberId: members[2]!.memberId!, memberEpoch: -1, topics: [topic] })).memberEpoch).toBe(-1);
      await expectCode(coord.heartbeat(group, { memberId: members[2]!.memberId!, memberEpoch: members[2]!.epoch, topics: [topic] }), 'UNKNOWN_MEMBER_ID');
    });

    it('takes a silent member’s partitions after its session timeout, refuses its commits, and lets the others take over', async () => {
      const topic = unique('expire');
      await engine.createTopic({ name: topic, partitions: 4 });
      await engine.produce({ topic, records: [0, 1, 2, 3].map((p) => ({ key: null, value: enc(`v${p}`), partition: p })) });
      const group = unique('g');
      const [a, b] = [new Member(coord, group, [topic]), new Member(coord, group, [topic])];
      for (let round = 0; round < 4; round++) for (const m of [a, b]) await m.beat();
      expect([a.count(), b.count()]).toEqual([2, 2]);
      const bParts = b.returned[0]!.partitions;
      // b falls silent; a keeps heartbeating. Until b's session times out, a gets nothing of b's.
      for (let t = 0; t < SESSION; t += 2_500) {
        clock.advance(2_500);
        await a.beat();
        expect(a.count()).toBe(2);
      }
      expect((await coord.describeGroup(group)).members).toHaveLength(2);
      clock.advance(1);
      await a.beat();
      expect(a.count()).toBe(4);
      expect(a.returned[0]!.partitions).toEqual(expect.arrayContaining(bParts));
      const d = await coord.describeGroup(group);
      expect(d.members.map((m) => m.memberId)).toEqual([a.memberId]);
      await expectCode(coord.commit(group, { memberId: b.memberId!, memberEpoch: b.epoch, offsets: [{ topic, partition: bParts[0]!, offset: 1 }] }), 'UNKNOWN_MEMBER_ID');
      await expectCode(b.beat(), 'UNKNOWN_MEMBER_ID');
      await a.beat();
      expect((await coord.commit(group, { memberId: a.memberId!, memberEpoch: a.epoch, offsets: [{ topic, partition: bParts[0]!, offset: 1 }] })).offsets).toEqual([{ topic, partition: bParts[0], offset: 1 }]);
    });

    it('processes every record produced before and during a rebalance at least once, though a consumer crashes before committing', async () => {
      const topic = unique('alo');
      await engine.createTopic({ name: topic, partitions: 4 });
      const group = unique('g');
      const produced: string[] = [];
      let seq = 0;
      const produce = async (count: number) => {
        const records = Array.from({ length: count }, () => ({ key: null, value: enc(`r${seq++}`) }));
        await engine.produce({ topic, records });
        produced.push(...records.map((r) => dec(r.value)));
      };

      /** A consumer like the SDK's: reconciles each answer (commit + drop revoked, resume added at the committed offset) before acknowledging it. */
      class Consumer extends Member {
        positions = new Map<number, number>();
        processed: string[] = [];
        crashed = false;
        async step(): Promise<void> {
          if (this.crashed) return;
          const r = await this.beat();
          const now = new Set(r.assignment.find((x) => x.topic === topic)?.partitions ?? []);
          const revoked = [...this.positions.keys()].filter((p) => !now.has(p));
          if (revoked.length > 0) {
            await coord.commit(group, { memberId: r.memberId, memberEpoch: r.memberEpoch, offsets: revoked.map((p) => ({ topic, partition: p, offset: this.positions.get(p)! })) });
            for (const p of revoked) this.positions.delete(p);
          }
          const added = [...now].filter((p) => !this.positions.has(p));
          if (added.length > 0) {
            const committed = (await coord.fetchOffsets(group, topic)).offsets;
            for (const p of added) this.positions.set(p, committed.find((o) => o.partition === p)?.offset ?? 0);
          }
        }
        async poll(): Promise<void> {
          if (this.crashed) return;
          for (const [p, offset] of this.positions) {
            const r = await engine.fetch({ topic, partition: p, offset, maxRecords: 3 });
            this.processed.push(...r.records.map((x) => dec(x.value)));
            this.positions.set(p, r.nextOffset);
          }
        }
        async commit(): Promise<void> {
          if (this.crashed || this.positions.size === 0) return;
          await coord.commit(group, { memberId: this.memberId!, memberEpoch: this.epoch, offsets: [...this.positions].map(([partition, offset]) => ({ topic, partition, offset })) });
        }
      }

      await produce(20);
      const c1 = new Consumer(coord, group, [topic]);
      for (let i = 0; i < 2; i++) {
        await c1.step();
        await c1.poll();
        await c1.commit();
      }
      const c2 = new Consumer(coord, group, [topic]);
      const c3 = new Consumer(coord, group, [topic]);
      const all = [c1, c2, c3];
      for (let round = 0; round < 4; round++) {
        await produce(6);
        for (const c of all) {
          await c.step();
          checkMembers(all);
          await c.poll();
          await c.commit();
        }
      }
      expect(c2.positions.size).toBeGreaterThan(0);
      await produce(12);
      await c2.step();
      await c2.poll(); // processes records, then crashes before committing them
      const lost = [...c2.processed];
      expect(lost.length).toBeGreaterThan(0);
      c2.crashed = true;
      c2.gone = true;

      for (let round = 0; round < 12; round++) {
        clock.advance(SESSION / 4);
        if (round < 6) await produce(3);
        for (const c of [c1, c3]) {
          await c.step();
          checkMembers(all);
          await c.poll();
          await c.commit();
        }
      }
      const processed = new Set([...c1.processed, ...c2.processed, ...c3.processed]);
      expect(produced.filter((v) => !processed.has(v))).toEqual([]);
      // The crashed consumer's uncommitted work was done again by the others.
      const redone = [...c1.processed, ...c3.processed];
      expect(lost.some((v) => redone.includes(v))).toBe(true);
      const offsets = (await coord.fetchOffsets(group, topic)).offsets;
      expect(offsets.map((o) => o.lag)).toEqual([0, 0, 0, 0]);
      // The crashed consumer, back from the dead, cannot commit its stale positions.
      const stale = [...c2.positions].map(([partition, offset]) => ({ topic, partition, offset }));
      await expectCode(coord.commit(group, { memberId: c2.memberId!, memberEpoch: c2.epoch, offsets: stale }), 'UNKNOWN_MEMBER_ID');
    });

    it('never lets a zombie move committed offsets, even when its epoch check passed before it was fenced', async () => {
      const topic = unique('zombie');
      await engine.createTopic({ name: topic, partitions: 1 });
      await engine.produce({ topic, records: Array.from({ length: 10 }, (_, i) => ({ key: null, value: enc(`v${i}`) })) });
      const group = unique('g');
      const gate = gatedStore(c.metadataStore);
      const zombieSide = new GroupCoordinator({ ...c, metadataStore: gate.store });

      const a = new Member(coord, group, [topic]);
      await a.beat();
      await a.beat();
      await coord.commit(group, { memberId: a.memberId!, memberEpoch: a.epoch, offsets: [{ topic, partition: 0, offset: 3 }] });

      // a's commit passes its checks, then stalls before the write (a GC pause, a slow network).
      const hold = gate.holdNextCommit();
      const stalled = zombieSide.commit(group, { memberId: a.memberId!, memberEpoch: a.epoch, offsets: [{ topic, partition: 0, offset: 5 }] });
      await hold.reached;
      // Meanwhile a's session expires, b takes the partition and commits.
      clock.advance(SESSION + 1);
      const b = new Member(coord, group, [topic]);
      const joined = await b.beat();
      expect(joined.assignment).toEqual([{ topic, partitions: [0] }]);
      expect(joined.memberEpoch).toBeGreaterThan(a.epoch);
      await coord.commit(group, { memberId: b.memberId!, memberEpoch: b.epoch, offsets: [{ topic, partition: 0, offset: 8 }] });
      // The zombie's write lands now: refused by the fence.
      hold.release();
      await expectCode(stalled, 'STALE_MEMBER_EPOCH', 'fenced');
      expect((await coord.fetchOffsets(group, topic)).offsets).toEqual([{ topic, partition: 0, offset: 8, highWatermark: 10, lag: 2 }]);
      await expectCode(coord.commit(group, { memberId: a.memberId!, memberEpoch: a.epoch, offsets: [{ topic, partition: 0, offset: 9 }] }), 'UNKNOWN_MEMBER_ID');
    });

    it('refuses, in the store itself, a committed offset with a lower fence than the stored one', async () => {
      const group = unique('g');
      const offset = (o: number, fence: number): CommittedOffset => ({ topic: 't', topicId: 'tid', partition: 0, offset: o, fence, committedAt: 1 });
      expect(await c.metadataStore.commitOffset(group, offset(5, 7))).toBe(true);
      expect(await c.metadataStore.commitOffset(group, offset(2, 6))).toBe(false);
      expect((await c.metadataStore.readOffsets(group)).map((o) => [o.offset, o.fence])).toEqual([[5, 7]]);
      expect(await c.metadataStore.commitOffset(group, offset(6, 7))).toBe(true);
      expect(await c.metadataStore.commitOffset(group, offset(1, 9))).toBe(true);
      expect((await c.metadataStore.readOffsets(group)).map((o) => [o.offset, o.fence])).toEqual([[1, 9]]);
    });

    it('serves 50 concurrent heartbeats without losing one, and converges', async () => {
      const topic = unique('herd');
      await engine.createTopic({ name: topic, partitions: 100 });
      const group = unique('g');
      const members = Array.from({ length: 50 }, () => new Member(coord, group, [topic]));
      await Promise.all(members.map((m) => m.beat()));
      expect(new Set(members.map((m) => m.memberId)).size).toBe(50);
      await checkStoredState(group);
      for (let round = 0; round < 4; round++) {
        await Promise.all(members.map((m) => m.beat()));
        checkMembers(members);
        await checkStoredState(group);
      }
      const d = await coord.describeGroup(group);
      expect(d.members).toHaveLength(50);
      expect(d.state).toBe('Stable');
      expect(members.map((m) => m.count())).toEqual(new Array(50).fill(2));
      expect(new Set(members.flatMap((m) => keys(m.returned))).size).toBe(100);
      // Every assignment change got its own epoch from one increasing counter.
      expect(new Set(d.members.map((m) => m.memberEpoch)).size).toBe(50);
      const stored = stateOf((await c.metadataStore.getGroup(group))!);
      expect(Math.max(...d.members.map((m) => m.memberEpoch))).toBeLessThanOrEqual(stored.epoch);
    }, 120_000);

    it('commits only what a member holds, under its epoch; without member fields only while the group is empty', async () => {
      const topic = unique('commit');
      await engine.createTopic({ name: topic, partitions: 2 });
      await engine.produce({ topic, records: [0, 0, 0, 1].map((p) => ({ key: null, value: enc('x'), partition: p })) });
      const group = unique('g');
      // A commit to a group that does not exist creates it.
      expect(await coord.commit(group, { offsets: [{ topic, partition: 0, offset: 1, metadata: 'first' }] })).toEqual({ offsets: [{ topic, partition: 0, offset: 1 }] });
      expect((await coord.listGroups()).groups).toContainEqual({ group, state: 'Empty', members: 0 });
      const a = new Member(coord, group, [topic]);
      const b = new Member(coord, group, [topic]);
      for (let round = 0; round < 3; round++) for (const m of [a, b]) await m.beat();
      const [pa, pb] = [a.returned[0]!.partitions[0]!, b.returned[0]!.partitions[0]!];
      const ok = (m: Member, partition: number, offset: number) => coord.commit(group, { memberId: m.memberId!, memberEpoch: m.epoch, offsets: [{ topic, partition, offset }] });
      await ok(a, pa, 1);
      await expectCode(ok(a, pb, 1), 'STALE_MEMBER_EPOCH', 'does not own');
      await expectCode(coord.commit(group, { memberId: a.memberId!, memberEpoch: a.epoch - 1, offsets: [{ topic, partition: pa, offset: 1 }] }), 'STALE_MEMBER_EPOCH');
      await expectCode(coord.commit(group, { memberId: 'ghost', memberEpoch: 1, offsets: [{ topic, partition: pa, offset: 1 }] }), 'UNKNOWN_MEMBER_ID');
      await expectCode(coord.commit(group, { offsets: [{ topic, partition: pa, offset: 1 }] }), 'NON_EMPTY_GROUP');
      await expectCode(coord.commit(group, { memberId: a.memberId!, offsets: [{ topic, partition: pa, offset: 1 }] }), 'INVALID_REQUEST', 'memberEpoch');
      const hw = pa === 0 ? 3 : 1;
      await ok(a, pa, hw); // the high-water mark itself: everything read
      await expectCode(ok(a, pa, hw + 1), 'OFFSET_OUT_OF_RANGE');
      await expectCode(ok(a, pa, -1), 'INVALID_REQUEST', 'offset');
      await expectCode(ok(a, pa, 1.5), 'INVALID_REQUEST', 'offset');
      await expectCode(ok(a, 2, 0), 'UNKNOWN_TOPIC_OR_PARTITION');
      await expectCode(coord.commit(group, { memberId: a.memberId!, memberEpoch: a.epoch, offsets: [] }), 'INVALID_REQUEST', 'offsets');
      await expectCode(
        coord.commit(group, { memberId: a.memberId!, memberEpoch: a.epoch, offsets: [{ topic, partition: pa, offset: 1 }, { topic, partition: pa, offset: 2 }] }),
        'INVALID_REQUEST',
        'repeats',
      );
      await a.leave();
      await b.leave();
      expect(await coord.commit(group, { offsets: [{ topic, partition: 1, offset: 1 }] })).toEqual({ offsets: [{ topic, partition: 1, offset: 1 }] });
      // The administrative commit raised the group epoch: members joining later outrank it.
      const later = new Member(coord, group, [topic]);
      await later.beat();
      await later.beat();
      await coord.commit(group, { memberId: later.memberId!, memberEpoch: later.epoch, offsets: [{ topic, partition: 1, offset: 0 }] });
      expect((await coord.fetchOffsets(group, topic)).offsets.find((o) => o.partition === 1)?.offset).toBe(0);
    });

    it('fetches and describes offsets with lag and owners, ignoring offsets of a recreated topic', async () => {
      const topic = unique('lag');
      const other = unique('lag-other');
      await engine.createTopic({ name: topic, partitions: 2 });
      await engine.createTopic({ name: other, partitions: 1 });
      await engine.produce({ topic, records: [0, 0, 0, 0, 1, 1].map((p) => ({ key: null, value: enc('x'), partition: p })) });
      const group = unique('g');
      await expectCode(coord.fetchOffsets(group), 'GROUP_NOT_FOUND');
      await expectCode(coord.describeGroup(group), 'GROUP_NOT_FOUND');
      await coord.commit(group, { offsets: [{ topic, partition: 0, offset: 1 }, { topic, partition: 1, offset: 2 }, { topic: other, partition: 0, offset: 0 }] });
      expect(await coord.fetchOffsets(group, topic)).toEqual({
        offsets: [
          { topic, partition: 0, offset: 1, highWatermark: 4, lag: 3 },
          { topic, partition: 1, offset: 2, highWatermark: 2, lag: 0 },
        ],
      });
      expect((await coord.fetchOffsets(group)).offsets).toHaveLength(3);
      await expectCode(coord.fetchOffsets(group, unique('missing')), 'UNKNOWN_TOPIC_OR_PARTITION');

      const m = new Member(coord, group, [topic]);
      await m.beat();
      const d = await coord.describeGroup(group);
      expect(d).toEqual({
        group,
        state: 'Reconciling',
        members: [{ memberId: m.memberId, memberEpoch: m.epoch, topics: [topic], assignment: [{ topic, partitions: [0, 1] }], sessionTimeoutMs: SESSION, lastHeartbeatMs: clock.now() }],
        offsets: [
          { topic: other, partition: 0, offset: 0, highWatermark: 0, lag: 0 },
          { topic, partition: 0, offset: 1, highWatermark: 4, lag: 3, memberId: m.memberId },
          { topic, partition: 1, offset: 2, highWatermark: 2, lag: 0, memberId: m.memberId },
        ].sort((x, y) => (x.topic < y.topic ? -1 : 1)),
      });
      await m.beat();
      expect((await coord.describeGroup(group)).state).toBe('Stable');
      await m.leave();

      // Offsets of a deleted and recreated topic do not apply to the new one.
      await engine.deleteTopic(topic);
      await engine.createTopic({ name: topic, partitions: 2 });
      expect((await coord.fetchOffsets(group, topic)).offsets).toEqual([]);
      expect((await coord.fetchOffsets(group)).offsets.map((o) => o.topic)).toEqual([other]);
    });

    it('deletes only groups without live members, with their offsets; a recreated group outranks stray old fences', async () => {
      const topic = unique('delete');
      await engine.createTopic({ name: topic, partitions: 1 });
      const group = unique('g');
      await expectCode(coord.deleteGroup(group), 'GROUP_NOT_FOUND');
      const m = new Member(coord, group, [topic]);
      await m.beat();
      await expectCode(coord.deleteGroup(group), 'NON_EMPTY_GROUP');
      clock.advance(SESSION + 1); // an expired member does not count
      await coord.deleteGroup(group);
      await expectCode(coord.describeGroup(group), 'GROUP_NOT_FOUND');
      expect((await coord.listGroups()).groups.map((g) => g.group)).not.toContain(group);

      // A zombie's commit lands after the deletion, with a high fence.
      const t = await engine.topic(topic);
      await c.metadataStore.commitOffset(group, { topic, topicId: t.topicId, partition: 0, offset: 0, fence: 1_000, committedAt: clock.now() });
      const fresh = new Member(coord, group, [topic]);
      await fresh.beat();
      expect(fresh.epoch).toBeGreaterThan(1_000);
      await coord.commit(group, { memberId: fresh.memberId!, memberEpoch: fresh.epoch, offsets: [{ topic, partition: 0, offset: 0 }] });
    });

    it('resets offsets of an empty group to earliest, latest, a time, or a clamped offset', async () => {
      const topic = unique('reset');
      await engine.createTopic({ name: topic, partitions: 2 });
      await engine.produce({ topic, records: [10, 20, 30].map((timestamp) => ({ key: null, value: enc('x'), partition: 0, timestamp })) });
      await engine.produce({ topic, records: [{ key: null, value: enc('y'), partition: 1, timestamp: 25 }] });
      const group = unique('g');
      const reset = (to: Parameters<GroupCoordinator['resetOffsets']>[1]['to']) => coord.resetOffsets(group, { topic, to });
      expect(await reset('latest')).toEqual({ offsets: [{ topic, partition: 0, offset: 3 }, { topic, partition: 1, offset: 1 }] });
      expect((await coord.fetchOffsets(group, topic)).offsets.map((o) => o.offset)).toEqual([3, 1]);
      expect((await reset('earliest')).offsets.map((o) => o.offset)).toEqual([0, 0]);
      expect((await reset({ timestamp: 20 })).offsets.map((o) => o.offset)).toEqual([1, 0]);
      expect((await reset({ offset: 2 })).offsets.map((o) => o.offset)).toEqual([2, 1]);
      await expectCode(reset({ offset: -1 }), 'INVALID_REQUEST', 'to.offset');
      await expectCode(reset('newest' as 'latest'), 'INVALID_REQUEST', 'to');
      await expectCode(coord.resetOffsets(group, { topic: unique('missing'), to: 'earliest' }), 'UNKNOWN_TOPIC_OR_PARTITION');
      const m = new Member(coord, group, [topic]);
      await m.beat();
      await expectCode(reset('earliest'), 'NON_EMPTY_GROUP');
      await m.leave();
      expect((await reset('earliest')).offsets.map((o) => o.offset)).toEqual([0, 0]);
    });

    it('spreads partitions added to a topic across the members', async () => {
      const topic = unique('grow');
      await engine.createTopic({ name: topic, partitions: 2 });
      const group = unique('g');
      const members = [new Member(coord, group, [topic]), new Member(coord, group, [topic])];
      for (let round = 0; round < 3; round++) for (const m of members) await m.beat();
      expect(members.map((m) => m.count())).toEqual([1, 1]);
      await engine.alterTopic(topic, { partitions: 6 });
      for (let round = 0; round < 3; round++) {
        for (const m of members) {
          await m.beat();
          checkMembers(members);
        }
      }
      expect(members.map((m) => m.count())).toEqual([3, 3]);
      expect((await coord.describeGroup(group)).state).toBe('Stable');
    });
  });
}
