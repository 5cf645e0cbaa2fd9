/**
 * The group protocol as pure functions: heartbeat state machine, epochs,
 * fences, expiry — no storage. The randomized simulation checks the safety
 * invariants after every step and convergence at the end.
 */
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { EddyError } from '../../../core/errors.js';
import { checkGroupSave } from '../../../core/invariants.js';
import { pairs } from '../../../core/groups/assignment.js';
import {
  adminFence,
  applyHeartbeat,
  authorizeCommit,
  groupStatus,
  heldBy,
  withoutExpired,
  type HeartbeatCall,
} from '../../../core/groups/protocol.js';
import { decodeGroupState, emptyGroup, encodeGroupState, type GroupState, type TopicMeta } from '../../../core/groups/state.js';
import type { HeartbeatResponse } from '../../../core/groups/types.js';

const REBALANCE_TIMEOUT = 60_000;

function code(fn: () => unknown): string {
  try {
    fn();
  } catch (err) {
    expect(err).toBeInstanceOf(EddyError);
    return (err as EddyError).code;
  }
  return 'OK';
}

/** A group and a clock, driven by heartbeats like a coordinator would, through the persisted format. */
class World {
  state: GroupState = emptyGroup(0);
  now = 1_000_000;
  private ids = 0;
  readonly topics = new Map<string, TopicMeta>();

  topic(name: string, partitions: number, topicId = `${name}-id`): TopicMeta {
    const t = { name, topicId, partitions };
    this.topics.set(name, t);
    return t;
  }

  beat(call: Omit<HeartbeatCall, 'group' | 'topics' | 'sessionTimeoutMs'> & { topics?: string[]; sessionTimeoutMs?: number }): HeartbeatResponse {
    const out = applyHeartbeat(
      this.state,
      { group: 'g', sessionTimeoutMs: call.sessionTimeoutMs ?? 10_000, ...call, topics: (call.topics ?? [...this.topics.keys()]).map((n) => this.topics.get(n)!) },
      { now: this.now, rebalanceTimeoutMs: REBALANCE_TIMEOUT, newMemberId: () => `m${String(this.ids++).padStart(3, '0')}` },
    );
    // Every write goes through the persisted document: it must be lossless, and pass the coordinator's save check.
    if (out.changed) checkGroupSave('g', this.state, out.state);
    if (out.changed) this.state = decodeGroupState(JSON.parse(JSON.stringify(encodeGroupState(out.state))));
    return out.response;
  }

  live(): GroupState {
    return withoutExpired(this.state, { now: this.now, rebalanceTimeoutMs: REBALANCE_TIMEOUT });
  }

  /** No partition is held (owned or assigned) by two live members. */
  checkDisjoint(): void {
    const seen = new Map<string, string>();
    for (const m of this.live().members) {
      for (const [t, p] of pairs(heldBy(m))) {
        const k = `${t}#${p}`;
        expect(seen.get(k), `${k} held by ${seen.get(k)} and ${m.memberId}`).toBeUndefined();
        seen.set(k, m.memberId);
      }
    }
  }
}

/** A well-behaved client: acknowledges each answer in its next heartbeat. */
class Client {
  memberId: string | undefined;
  epoch = 0;
  assignment: HeartbeatResponse['assignment'] = [];
  constructor(
    private readonly world: World,
    readonly topics?: string[],
  ) {}
  beat(): HeartbeatResponse {
    const r = this.world.beat({ ...(this.memberId ? { memberId: this.memberId } : {}), memberEpoch: this.epoch, ...(this.topics ? { topics: this.topics } : {}) });
    this.memberId = r.memberId;
    this.epoch = r.memberEpoch;
    this.assignment = r.assignment;
    return r;
  }
  count(): number {
    return this.assignment.reduce((n, a) => n + a.partitions.length, 0);
  }
}

describe('heartbeat protocol', () => {
  it('joins with a server-generated id and a fresh epoch, and gives a lone member everything', () => {
    const w = new World();
    w.topic('t', 3);
    const r = w.beat({ memberEpoch: 0 });
    expect(r).toEqual({ memberId: 'm000', memberEpoch: 1, heartbeatIntervalMs: 3333, assignment: [{ topic: 't', partitions: [0, 1, 2] }] });
    expect(w.state.epoch).toBe(1);
    expect(groupStatus(w.live())).toBe('Reconciling');
    const ack = w.beat({ memberId: 'm000', memberEpoch: 1 });
    expect(ack.memberEpoch).toBe(1);
    expect(groupStatus(w.live())).toBe('Stable');
  });

  it('converges three members on 6 partitions to 2/2/2, never sharing a partition', () => {
    const w = new World();
    w.topic('t', 6);
    const clients = [new Client(w), new Client(w), new Client(w)];
    for (let round = 0; round < 6; round++) {
      for (const c of clients) {
        c.beat();
        w.checkDisjoint();
      }
    }
    expect(clients.map((c) => c.count())).toEqual([2, 2, 2]);
    expect(groupStatus(w.live())).toBe('Stable');
  });

  it('revokes first: a partition reaches its new owner only after the old owner acknowledged its release', () => {
    const w = new World();
    w.topic('t', 2);
    const a = new Client(w);
    a.beat();
    a.beat(); // a acknowledges [0, 1]
    const b = new Client(w);
    expect(b.beat().assignment).toEqual([]); // target gives b a partition, but a still holds it
    const revoke = a.beat();
    expect(revoke.assignment).toEqual([{ topic: 't', partitions: [0] }]);
    expect(revoke.memberEpoch).toBeGreaterThan(b.epoch);
    expect(b.beat().assignment).toEqual([]); // a has not acknowledged yet
    a.beat(); // acknowledges the release of 1
    const granted = b.beat();
    expect(granted.assignment).toEqual([{ topic: 't', partitions: [1] }]);
    // The new owner's epoch is above every epoch the old owner held partition 1 with.
    expect(granted.memberEpoch).toBeGreaterThan(revoke.memberEpoch);
  });

  it('repeats a pending assignment to a heartbeat carrying the acknowledged epoch (lost answer)', () => {
    const w = new World();
    w.topic('t', 4);
    const early = w.beat({ memberEpoch: 0 }); // epoch 1 goes to a member that leaves, so a's epochs are > 1
    w.beat({ memberId: early.memberId, memberEpoch: -1 });
    const a = w.beat({ memberEpoch: 0 });
    w.beat({ memberId: a.memberId, memberEpoch: a.memberEpoch });
    expect(a.memberEpoch).toBe(2);
    w.beat({ memberEpoch: 0 }); // b joins
    const pending = w.beat({ memberId: a.memberId, memberEpoch: a.memberEpoch }); // answer "lost"
    expect(pending.memberEpoch).toBeGreaterThan(a.memberEpoch);
    const again = w.beat({ memberId: a.memberId, memberEpoch: a.memberEpoch });
    expect(again).toEqual(pending);
    // Neither epoch below the acknowledged one nor above the current one is accepted, and rejection changes nothing.
    const before = encodeGroupState(w.state);
    expect(code(() => w.beat({ memberId: a.memberId, memberEpoch: a.memberEpoch - 1 }))).toBe('STALE_MEMBER_EPOCH');
    expect(code(() => w.beat({ memberId: a.memberId, memberEpoch: pending.memberEpoch + 1 }))).toBe('STALE_MEMBER_EPOCH');
    expect(encodeGroupState(w.state)).toEqual(before);
    // After the acknowledgement, the old epoch is stale.
    w.beat({ memberId: a.memberId, memberEpoch: pending.memberEpoch });
    expect(code(() => w.beat({ memberId: a.memberId, memberEpoch: a.memberEpoch }))).toBe('STALE_MEMBER_EPOCH');
  });

  it('answers UNKNOWN_MEMBER_ID to unknown members; epoch 0 with an id repeats the first, unacknowledged assignment', () => {
    const w = new World();
    w.topic('t', 2);
    expect(code(() => w.beat({ memberId: 'nobody', memberEpoch: 3 }))).toBe('UNKNOWN_MEMBER_ID');
    expect(code(() => w.beat({ memberId: 'nobody', memberEpoch: 0 }))).toBe('UNKNOWN_MEMBER_ID');
    expect(code(() => w.beat({ memberEpoch: 3 }))).toBe('INVALID_REQUEST');
    const joined = w.beat({ memberEpoch: 0 });
    // Still reconciling its first assignment, the member heartbeats with the epoch it acknowledged: 0.
    expect(w.beat({ memberId: joined.memberId, memberEpoch: 0 })).toEqual(joined);
    expect(w.live().members).toHaveLength(1);
  });

  it('rejoins a stale member that sends its id with epoch 0: its partitions are free at once, it gets partitions again, none is held twice', () => {
    const w = new World();
    w.topic('t', 4);
    const a = new Client(w);
    const b = new Client(w);
    for (let round = 0; round < 4; round++) {
      a.beat();
      b.beat();
    }
    expect([a.count(), b.count()]).toEqual([2, 2]);
    const aHad = a.assignment[0]!.partitions;
    // a's answer is lost and it heartbeats with an epoch the server never gave: fenced, nothing changes.
    expect(code(() => w.beat({ memberId: a.memberId, memberEpoch: a.epoch + 5 }))).toBe('STALE_MEMBER_EPOCH');
    // The client drops its partitions uncommitted and rejoins under its id with epoch 0: no session expiry needed.
    const before = w.state.epoch;
    const rejoined = w.beat({ memberId: a.memberId, memberEpoch: 0 });
    w.checkDisjoint();
    expect(rejoined.memberId).toBe(a.memberId);
    expect(rejoined.memberEpoch).toBeGreaterThan(before);
    expect(rejoined.assignment).toEqual([{ topic: 't', partitions: aHad }]); // nobody else held them: back at once
    expect(w.live().members).toHaveLength(2);
    a.epoch = rejoined.memberEpoch;
    a.assignment = rejoined.assignment;
    a.beat(); // acknowledges
    w.checkDisjoint();
    expect(groupStatus(w.live())).toBe('Stable');
    // The epoch it had before rejoining is stale now (a late duplicate cannot acknowledge anything).
    expect(code(() => w.beat({ memberId: a.memberId, memberEpoch: before }))).toBe('STALE_MEMBER_EPOCH');
  });

  it('asks a member waiting for partitions another member still holds to heartbeat sooner, only while it waits', () => {
    const w = new World();
    w.topic('t', 2);
    const a = new Client(w);
    expect(a.beat().heartbeatIntervalMs).toBe(3333); // alone: everything is free, nothing to wait for
    expect(a.beat().heartbeatIntervalMs).toBe(3333);
    const b = new Client(w);
    const joined = b.beat();
    expect(joined.assignment).toEqual([]);
    expect(joined.heartbeatIntervalMs).toBe(500); // its share is still a's
    expect(b.beat().heartbeatIntervalMs).toBe(500);
    const revoke = a.beat();
    expect(revoke.assignment).toEqual([{ topic: 't', partitions: [0] }]);
    expect(revoke.heartbeatIntervalMs).toBe(3333); // a acknowledges when it has released, not on a timer
    expect(b.beat().heartbeatIntervalMs).toBe(500); // still waiting: a has not acknowledged
    expect(a.beat().heartbeatIntervalMs).toBe(3333);
    const granted = b.beat();
    expect(granted.assignment).toEqual([{ topic: 't', partitions: [1] }]);
    expect(granted.heartbeatIntervalMs).toBe(3333); // nothing left to wait for
    // The handover interval never exceeds the normal one (a short session asks for more frequent heartbeats anyway).
    const c = w.beat({ memberEpoch: 0, sessionTimeoutMs: 1_200 });
    expect(c.heartbeatIntervalMs).toBe(400);
  });

  it('a rejoin releases what the member held: another member waiting for those partitions gets them', () => {
    const w = new World();
    w.topic('t', 2);
    const a = new Client(w);
    a.beat();
    a.beat(); // a acknowledges [0, 1]
    const b = new Client(w);
    b.beat();
    b.beat(); // b waits: a still holds its share
    expect(b.count()).toBe(0);
    // a, fenced (say, its revocation answer was lost and it sent a wrong epoch), rejoins with epoch 0 and owns nothing.
    const r = w.beat({ memberId: a.memberId, memberEpoch: 0 });
    w.checkDisjoint();
    expect(r.assignment.flatMap((x) => x.partitions)).toHaveLength(1);
    a.epoch = r.memberEpoch;
    a.assignment = r.assignment;
    const granted = b.beat();
    w.checkDisjoint();
    expect(granted.assignment.flatMap((x) => x.partitions)).toHaveLength(1);
    a.beat();
    b.beat();
    w.checkDisjoint();
    expect(groupStatus(w.live())).toBe('Stable');
  });

  it('leaves at once: the others get the partitions on their next heartbeat; leaving twice is fine', () => {
    const w = new World();
    w.topic('t', 6);
    const clients = [new Client(w), new Client(w), new Client(w)];
    for (let i = 0; i < 4; i++) clients.forEach((c) => c.beat());
    expect(clients.map((c) => c.count())).toEqual([2, 2, 2]);
    const left = w.beat({ memberId: clients[2]!.memberId!, memberEpoch: -1 });
    expect(left).toEqual({ memberId: clients[2]!.memberId, memberEpoch: -1, heartbeatIntervalMs: 3333, assignment: [] });
    expect(clients[0]!.beat().assignment[0]!.partitions).toHaveLength(3);
    expect(clients[1]!.beat().assignment[0]!.partitions).toHaveLength(3);
    expect(w.beat({ memberId: clients[2]!.memberId!, memberEpoch: -1 }).memberEpoch).toBe(-1);
    expect(code(() => w.beat({ memberId: clients[2]!.memberId!, memberEpoch: clients[2]!.epoch }))).toBe('UNKNOWN_MEMBER_ID');
  });

  it('expires a silent member after its session timeout, not before', () => {
    const w = new World();
    w.topic('t', 4);
    const a = new Client(w);
    const b = new Client(w);
    for (let i = 0; i < 4; i++) [a, b].forEach((c) => c.beat());
    expect([a.count(), b.count()]).toEqual([2, 2]);
    w.now += 10_000; // exactly the session timeout: still live
    expect(a.beat().assignment[0]!.partitions).toHaveLength(2);
    w.now += 1;
    expect(a.beat().assignment[0]!.partitions).toHaveLength(4); // b expired: its partitions are free at once
    expect(code(() => b.beat())).toBe('UNKNOWN_MEMBER_ID');
  });

  it('removes a member that keeps a revocation unacknowledged past the rebalance timeout', () => {
    const w = new World();
    w.topic('t', 2);
    const a = new Client(w);
    a.beat();
    a.beat();
    const b = new Client(w);
    b.beat();
    const stuck = w.beat({ memberId: a.memberId!, memberEpoch: a.epoch }); // returns the revocation; a never acknowledges it
    for (let t = 0; t < REBALANCE_TIMEOUT; t += 5_000) {
      w.now += 5_000;
      expect(w.beat({ memberId: a.memberId!, memberEpoch: a.epoch })).toEqual(stuck);
      expect(b.beat().assignment).toEqual([]);
    }
    w.now += 1;
    expect(b.beat().assignment).toEqual([{ topic: 't', partitions: [0, 1] }]);
    expect(code(() => w.beat({ memberId: a.memberId!, memberEpoch: a.epoch }))).toBe('UNKNOWN_MEMBER_ID');
  });

  it('rebalances when partitions are added and when subscriptions change', () => {
    const w = new World();
    w.topic('t', 2);
    w.topic('u', 2);
    const a = new Client(w, ['t']);
    const b = new Client(w, ['t', 'u']);
    for (let i = 0; i < 4; i++) [a, b].forEach((c) => c.beat());
    expect(a.assignment).toEqual([{ topic: 't', partitions: [0] }]);
    expect(b.assignment).toEqual([{ topic: 't', partitions: [1] }, { topic: 'u', partitions: [0, 1] }]);
    w.topic('t', 4);
    for (let i = 0; i < 4; i++) [a, b].forEach((c) => c.beat());
    expect(a.assignment).toEqual([{ topic: 't', partitions: [0, 2] }]);
    expect(b.assignment[0]).toEqual({ topic: 't', partitions: [1, 3] });
    expect(groupStatus(w.live())).toBe('Stable');
  });

  it('revokes the partitions of a recreated topic before handing out the new topic’s, never naming a topic twice', () => {
    const w = new World();
    w.topic('t', 2, 'old');
    const a = new Client(w);
    a.beat();
    a.beat();
    w.topic('t', 2, 'new');
    const r1 = a.beat(); // old partitions revoked; new ones held back until acknowledged
    expect(r1.assignment).toEqual([]);
    const r2 = a.beat();
    expect(r2.assignment).toEqual([{ topic: 't', partitions: [0, 1] }]);
    expect(r2.memberEpoch).toBeGreaterThan(r1.memberEpoch);
    a.beat();
    expect([...w.state.topics.keys()]).toEqual(['new']);
  });
});

describe('commit authorization', () => {
  function setup() {
    const w = new World();
    w.topic('t', 2);
    const a = new Client(w);
    a.beat();
    a.beat();
    const b = new Client(w);
    b.beat();
    const acked = a.epoch;
    a.beat(); // revocation of partition 1 pending
    return { w, a, b, acked };
  }
  const at = (w: World) => ({ now: w.now, rebalanceTimeoutMs: REBALANCE_TIMEOUT, group: 'g' });
  const tp = (partition: number) => ({ topic: 't', topicId: 't-id', partition });

  it('accepts the current epoch for every held partition, including one being revoked, with that epoch as fence', () => {
    const { w, a } = setup();
    expect(authorizeCommit(w.state, at(w), a.memberId!, a.epoch, [tp(0), tp(1)])).toBe(a.epoch);
  });

  it('accepts the acknowledged epoch while an assignment is pending, for what the member owns', () => {
    const { w, a, acked } = setup();
    expect(authorizeCommit(w.state, at(w), a.memberId!, acked, [tp(0), tp(1)])).toBe(acked);
  });

  it('refuses other epochs, partitions not held, unknown and expired members', () => {
    const { w, a, b, acked } = setup();
    expect(code(() => authorizeCommit(w.state, at(w), a.memberId!, acked - 1, [tp(0)]))).toBe('STALE_MEMBER_EPOCH');
    expect(code(() => authorizeCommit(w.state, at(w), a.memberId!, a.epoch + 1, [tp(0)]))).toBe('STALE_MEMBER_EPOCH');
    expect(code(() => authorizeCommit(w.state, at(w), b.memberId!, b.epoch, [tp(1)]))).toBe('STALE_MEMBER_EPOCH');
    expect(code(() => authorizeCommit(w.state, at(w), 'ghost', 1, [tp(0)]))).toBe('UNKNOWN_MEMBER_ID');
    a.beat(); // acknowledges: partition 1 is released
    expect(code(() => authorizeCommit(w.state, at(w), a.memberId!, a.epoch, [tp(1)]))).toBe('STALE_MEMBER_EPOCH');
    w.now += 10_001;
    expect(code(() => authorizeCommit(w.state, at(w), a.memberId!, a.epoch, [tp(0)]))).toBe('UNKNOWN_MEMBER_ID');
  });

  it('takes an administrative fence only from a group without live members, above every member epoch', () => {
    const { w, a, b } = setup();
    expect(code(() => adminFence(w.state, { ...at(w), action: 'reset' }))).toBe('NON_EMPTY_GROUP');
    w.beat({ memberId: a.memberId!, memberEpoch: -1 });
    w.beat({ memberId: b.memberId!, memberEpoch: -1 });
    const { state, fence } = adminFence(w.state, { ...at(w), action: 'reset' });
    expect(fence).toBeGreaterThan(Math.max(a.epoch, b.epoch));
    expect(state.epoch).toBe(fence);
  });
});

describe('randomized schedules', () => {
  type Op =
    | { kind: 'join' }
    | { kind: 'ack'; who: number }
    | { kind: 'lost'; who: number }
    | { kind: 'rejoin'; who: number }
    | { kind: 'leave'; who: number }
    | { kind: 'tick'; ms: number }
    | { kind: 'grow'; topic: number; by: number }
    | { kind: 'resubscribe'; who: number; mask: number };
  const op: fc.Arbitrary<Op> = fc.oneof(
    { arbitrary: fc.constant({ kind: 'join' as const }), weight: 2 },
    { arbitrary: fc.record({ kind: fc.constant('ack' as const), who: fc.nat(7) }), weight: 8 },
    { arbitrary: fc.record({ kind: fc.constant('lost' as const), who: fc.nat(7) }), weight: 2 },
    { arbitrary: fc.record({ kind: fc.constant('rejoin' as const), who: fc.nat(7) }), weight: 1 },
    { arbitrary: fc.record({ kind: fc.constant('leave' as const), who: fc.nat(7) }), weight: 1 },
    { arbitrary: fc.record({ kind: fc.constant('tick' as const), ms: fc.integer({ min: 100, max: 12_000 }) }), weight: 2 },
    { arbitrary: fc.record({ kind: fc.constant('grow' as const), topic: fc.nat(1), by: fc.integer({ min: 1, max: 3 }) }), weight: 1 },
    { arbitrary: fc.record({ kind: fc.constant('resubscribe' as const), who: fc.nat(7), mask: fc.integer({ min: 1, max: 3 }) }), weight: 1 },
  );

  it('never lets two live members hold a partition, fences every handover, and converges once calm', () => {
    fc.assert(
      fc.property(fc.array(op, { maxLength: 80 }), fc.integer({ min: 1, max: 9 }), fc.integer({ min: 1, max: 9 }), (ops, n0, n1) => {
        const w = new World();
        w.topic('a', n0);
        w.topic('b', n1);
        const clients: Array<Client & { subs: string[] }> = [];
        /** Highest epoch under which each partition was held so far, and by whom. */
        const fence = new Map<string, { epoch: number; memberId: string }>();
        let groupEpoch = 0;
        const check = () => {
          w.checkDisjoint();
          expect(w.state.epoch).toBeGreaterThanOrEqual(groupEpoch);
          groupEpoch = w.state.epoch;
          for (const m of w.live().members) {
            expect(m.epoch).toBeLessThanOrEqual(w.state.epoch);
            for (const [t, p] of pairs(heldBy(m))) {
              const k = `${t}#${p}`;
              const prev = fence.get(k);
              // A new holder's epoch is above every epoch an earlier holder had.
              if (prev && prev.memberId !== m.memberId) expect(m.epoch).toBeGreaterThan(prev.epoch);
              if (!prev || m.epoch >= prev.epoch) fence.set(k, { epoch: m.epoch, memberId: m.memberId });
            }
          }
        };
        const subsOf = (mask: number) => ['a', 'b'].filter((_, i) => mask & (1 << i));
        const live = (i: number) => clients[i % Math.max(1, clients.length)];
        const tryBeat = (c: Client & { subs: string[] }, epoch: number) => {
          try {
            const r = w.beat({ memberId: c.memberId!, memberEpoch: epoch, topics: c.subs });
            c.epoch = r.memberEpoch;
          } catch (err) {
            const code = (err as EddyError).code;
            expect(['UNKNOWN_MEMBER_ID', 'STALE_MEMBER_EPOCH']).toContain(code);
            clients.splice(clients.indexOf(c), 1); // fenced or expired: the client drops everything
          }
        };
        for (const o of ops) {
          if (o.kind === 'join' && clients.length < 8) {
            const c = Object.assign(new Client(w), { subs: ['a', 'b'] });
            const r = w.beat({ memberEpoch: 0, topics: c.subs });
            c.memberId = r.memberId;
            c.epoch = r.memberEpoch;
            clients.push(c);
          } else if (o.kind === 'ack' && clients.length > 0) {
            const c = live(o.who)!;
            tryBeat(c, c.epoch);
          } else if (o.kind === 'lost' && clients.length > 0) {
            // The client sends its previous epoch again (an answer was lost): allowed only while pending.
            const c = live(o.who)!;
            const m = w.live().members.find((x) => x.memberId === c.memberId);
            if (m && m.ackedEpoch !== m.epoch) tryBeat(c, m.ackedEpoch);
          } else if (o.kind === 'rejoin' && clients.length > 0) {
            // A fenced client dropped everything and rejoins under its id with epoch 0.
            tryBeat(live(o.who)!, 0);
          } else if (o.kind === 'leave' && clients.length > 0) {
            const c = live(o.who)!;
            w.beat({ memberId: c.memberId!, memberEpoch: -1 });
            clients.splice(clients.indexOf(c), 1);
          } else if (o.kind === 'tick') {
            w.now += o.ms;
          } else if (o.kind === 'grow') {
            const name = ['a', 'b'][o.topic]!;
            const t = w.topics.get(name)!;
            w.topic(name, t.partitions + o.by);
          } else if (o.kind === 'resubscribe' && clients.length > 0) {
            live(o.who)!.subs = subsOf(o.mask);
          }
          check();
        }
        // Calm: every client heartbeats and acknowledges, with no time passing.
        for (let round = 0; round < 8; round++) {
          for (const c of [...clients]) {
            tryBeat(c, c.epoch);
            check();
          }
        }
        const state = w.live();
        if (state.members.length === 0) return;
        expect(groupStatus(state)).toBe('Stable');
        for (const name of ['a', 'b']) {
          const t = w.topics.get(name)!;
          const subs = state.members.filter((m) => m.topics.includes(name));
          const counts = subs.map((m) => m.assigned.get(t.topicId)?.length ?? 0);
          if (subs.length > 0) {
            expect(counts.reduce((x, y) => x + y, 0)).toBe(t.partitions);
            expect(Math.max(...counts) - Math.min(...counts)).toBeLessThanOrEqual(1);
          }
        }
      }),
      { numRuns: 300 },
    );
  });
});
