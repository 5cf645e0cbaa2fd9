import { afterEach, describe, expect, it } from 'vitest';
import { Eddy } from '../../src/client.js';
import type { Consumer } from '../../src/consumer/consumer.js';
import type { EachMessagePayload } from '../../src/consumer/types.js';
import type { TransportRequest } from '../../src/transport/types.js';
import { failWith, InProcessEddy } from '../support/in-process-eddy.js';
import { KillableTransport, waitFor } from '../support/helpers.js';

const fastRetry = { retries: 3, initialRetryTimeMs: 1, maxRetryTimeMs: 20 };
const consumers: Consumer[] = [];

afterEach(async () => {
  await Promise.all(consumers.splice(0).map((c) => c.disconnect().catch(() => undefined)));
});

function setup(): { server: InProcessEddy; eddy: Eddy } {
  const server = new InProcessEddy();
  server.heartbeatIntervalMs = 30;
  return { server, eddy: new Eddy({ transport: server, retry: fastRetry }) };
}

function consumer(eddy: Eddy, groupId: string | undefined, extra: Record<string, unknown> = {}): Consumer {
  const c = eddy.consumer({ ...(groupId ? { groupId } : {}), maxWaitTimeMs: 50, retry: fastRetry, ...extra });
  consumers.push(c);
  return c;
}

const text = (p: EachMessagePayload): string => p.message.value.toString();
const heartbeatsOf = (server: InProcessEddy, memberId: string): { body: { memberEpoch: number; memberId?: string }; at: number }[] =>
  server.log
    .filter((l) => l.request.path.endsWith('/heartbeat') && (l.request.body as { memberId?: string }).memberId === memberId)
    .map((l) => ({ body: l.request.body as { memberEpoch: number }, at: l.at }));

describe('group consumer', () => {
  it('joins, consumes every partition from the beginning, commits and leaves on disconnect', async () => {
    const { server, eddy } = setup();
    await server.createTopic('t', 3);
    for (let p = 0; p < 3; p++) await server.append('t', p, [`${p}-a`, `${p}-b`]);
    const c = consumer(eddy, 'g');
    const seen: string[] = [];
    await c.subscribe({ topics: ['t'], fromBeginning: true });
    await c.run({ eachMessage: async (p) => void seen.push(text(p)) });
    await waitFor(() => seen.length === 6);
    expect(seen.sort()).toEqual(['0-a', '0-b', '1-a', '1-b', '2-a', '2-b']);
    const memberId = c.member()!.memberId;
    await c.disconnect();
    expect([...(await server.committed('g')).values()]).toEqual([2, 2, 2]);
    const hb = heartbeatsOf(server, memberId);
    expect(hb.at(-1)!.body.memberEpoch).toBe(-1);
    expect(await server.members('g')).toHaveLength(0);
  });

  it('starts at the latest offset without fromBeginning, and at the committed offset when there is one', async () => {
    const { server, eddy } = setup();
    await server.createTopic('t', 1);
    await server.append('t', 0, ['old']);
    const a = consumer(eddy, 'g1');
    const seenA: string[] = [];
    await a.subscribe({ topics: ['t'] });
    await a.run({ eachMessage: async (p) => void seenA.push(text(p)) });
    await waitFor(() => a.assignment().length === 1);
    await waitFor(() => server.requests('GET', /offsets$/).length > 0 || server.log.some((l) => l.request.path.includes('/partitions/0/offsets')));
    await new Promise((r) => setTimeout(r, 100));
    await server.append('t', 0, ['new']);
    await waitFor(() => seenA.length === 1);
    expect(seenA).toEqual(['new']);
    await a.disconnect();

    await server.append('t', 0, ['after']);
    const b = consumer(eddy, 'g1');
    const seenB: string[] = [];
    await b.subscribe({ topics: ['t'], fromBeginning: true });
    await b.run({ eachMessage: async (p) => void seenB.push(text(p)) });
    await waitFor(() => seenB.length === 1);
    await new Promise((r) => setTimeout(r, 100));
    expect(seenB).toEqual(['after']);
  });

  it('keeps heartbeating while a handler is slow', async () => {
    const { server, eddy } = setup();
    await server.createTopic('t', 1);
    await server.append('t', 0, ['slow']);
    const c = consumer(eddy, 'g', { sessionTimeoutMs: 1000 });
    let release!: () => void;
    const gate = new Promise<void>((r) => (release = r));
    let started = false;
    await c.subscribe({ topics: ['t'], fromBeginning: true });
    await c.run({
      eachMessage: async () => {
        started = true;
        await gate;
      },
    });
    await waitFor(() => started);
    const memberId = c.member()!.memberId;
    const before = heartbeatsOf(server, memberId).length;
    await new Promise((r) => setTimeout(r, 1500)); // longer than the session timeout
    expect(heartbeatsOf(server, memberId).length - before).toBeGreaterThanOrEqual(10);
    expect(await server.members('g')).toContain(memberId);
    release();
  });

  it('on rebalance stops the revoked partitions, waits for their processing, commits, and only then acknowledges', async () => {
    const { server, eddy } = setup();
    await server.createTopic('t', 4);
    for (let p = 0; p < 4; p++) await server.append('t', p, Array.from({ length: 20 }, (_, i) => `${p}:${i}`));
    const processed: { who: string; value: string }[] = [];
    const handler = (who: string) => async (p: EachMessagePayload) => {
      await new Promise((r) => setTimeout(r, 5));
      processed.push({ who, value: text(p) });
    };
    const a = consumer(eddy, 'g');
    await a.subscribe({ topics: ['t'], fromBeginning: true });
    await a.run({ eachMessage: handler('a') });
    await waitFor(() => a.assignment()[0]?.partitions.length === 4);
    await waitFor(() => processed.length >= 10);
    const aId = a.member()!.memberId;
    const epochBefore = a.member()!.memberEpoch;

    const b = consumer(eddy, 'g');
    await b.subscribe({ topics: ['t'], fromBeginning: true });
    await b.run({ eachMessage: handler('b') });
    await waitFor(() => processed.length === 80, 15_000, 'all 80 records');
    await waitFor(() => (b.assignment()[0]?.partitions.length ?? 0) === 2);
    expect(a.assignment()[0]!.partitions).toHaveLength(2);

    // A's first commit carrying a revoked partition precedes A's first heartbeat acknowledging the new epoch.
    const revoked = b.assignment()[0]!.partitions;
    const aLog = server.log.filter((l) => (l.request.body as { memberId?: string } | undefined)?.memberId === aId);
    const commitIdx = aLog.findIndex((l) => l.request.path.endsWith('/offsets') && (l.request.body as { offsets: { partition: number }[] }).offsets.some((o) => revoked.includes(o.partition)));
    const ackIdx = aLog.findIndex((l) => l.request.path.endsWith('/heartbeat') && (l.request.body as { memberEpoch: number }).memberEpoch > epochBefore);
    expect(commitIdx).toBeGreaterThanOrEqual(0);
    expect(ackIdx).toBeGreaterThan(commitIdx);

    // Nothing processed twice, per-partition order kept.
    const values = processed.map((p) => p.value);
    expect(new Set(values).size).toBe(80);
    for (let p = 0; p < 4; p++) {
      const order = values.filter((v) => v.startsWith(`${p}:`)).map((v) => Number(v.split(':')[1]));
      expect(order).toEqual(Array.from({ length: 20 }, (_, i) => i));
    }
  });

  it('disconnecting while the join is in flight still leaves the group', async () => {
    const { server, eddy } = setup();
    await server.createTopic('t', 1);
    server.latencyMs = 50;
    const c = consumer(eddy, 'g');
    await c.subscribe({ topics: ['t'] });
    await c.run({ eachMessage: async () => undefined });
    await new Promise((r) => setTimeout(r, 10)); // the join is on the wire
    await c.disconnect();
    expect(await server.members('g')).toHaveLength(0);
    const leave = server.log.filter((l) => l.request.path.endsWith('/heartbeat')).at(-1)!;
    expect(leave.request.body).toMatchObject({ memberEpoch: -1, memberId: expect.any(String) });
  });

  // The fake server let a fenced member rejoin under its id with epoch 0; the real one refuses that
  // (docs/groups.md, deviations): the member releases its partitions, leaves its old id and joins as a new member.
  it('after STALE_MEMBER_EPOCH on a heartbeat, releases its partitions, leaves its old id and joins as a new member', async () => {
    const { server, eddy } = setup();
    await server.createTopic('t', 1);
    const c = consumer(eddy, 'g');
    const lost: number[] = [];
    c.on('assignment', (a) => lost.push(a.assignment.length));
    await c.subscribe({ topics: ['t'] });
    await c.run({ eachMessage: async () => undefined });
    await waitFor(() => c.assignment().length === 1);
    const id = c.member()!.memberId;
    server.faults.push(failWith('STALE_MEMBER_EPOCH', (r: TransportRequest) => r.path.endsWith('/heartbeat'), 1));
    await waitFor(() => lost.includes(0), 5000, 'the partitions to be released');
    await waitFor(() => c.assignment().length === 1);
    const heartbeats = server.log.filter((l) => l.request.path.endsWith('/heartbeat')).map((l) => l.request.body as { memberId?: string; memberEpoch: number });
    const leave = heartbeats.findIndex((h) => h.memberId === id && h.memberEpoch === -1);
    const rejoin = heartbeats.findLastIndex((h) => h.memberEpoch === 0);
    expect(leave).toBeGreaterThan(0);
    expect(rejoin).toBeGreaterThan(leave);
    expect(heartbeats[rejoin]).not.toHaveProperty('memberId');
    expect(c.member()!.memberId).not.toBe(id);
    expect(await server.members('g')).toEqual([c.member()!.memberId]);
  });

  it('rejoins with epoch 0 and no member id after UNKNOWN_MEMBER_ID', async () => {
    const { server, eddy } = setup();
    await server.createTopic('t', 1);
    const c = consumer(eddy, 'g');
    await c.subscribe({ topics: ['t'] });
    await c.run({ eachMessage: async () => undefined });
    await waitFor(() => c.assignment().length === 1);
    const first = c.member()!.memberId;
    server.advanceClock(45_001); // the server forgot us (session expired)
    await waitFor(() => c.member() !== undefined && c.member()!.memberId !== first, 5000, 'a new member id');
    const joins = server.log.filter((l) => l.request.path.endsWith('/heartbeat') && (l.request.body as { memberId?: string }).memberId === undefined);
    expect(joins.length).toBe(2);
    expect((joins[1]!.request.body as { memberEpoch: number }).memberEpoch).toBe(0);
    await waitFor(() => c.assignment().length === 1);
  });

  it('refreshes its epoch by heartbeat and retries a commit rejected with STALE_MEMBER_EPOCH', async () => {
    const { server, eddy } = setup();
    await server.createTopic('t', 1);
    await server.append('t', 0, ['a']);
    const c = consumer(eddy, 'g');
    await c.subscribe({ topics: ['t'], fromBeginning: true });
    await c.run({ eachMessage: async () => undefined, autoCommit: false });
    await waitFor(() => c.assignment().length === 1);
    server.faults.push(failWith('STALE_MEMBER_EPOCH', (r: TransportRequest) => r.method === 'POST' && r.path.endsWith('/offsets'), 1));
    await c.commitOffsets([{ topic: 't', partition: 0, offset: '1' }]);
    expect((await server.committed('g')).get('t\u00000')).toBe(1);
  });

  it('after a member dies, the survivor takes over from the last commit', async () => {
    const server = new InProcessEddy();
    server.heartbeatIntervalMs = 30;
    await server.createTopic('t', 2);
    for (let p = 0; p < 2; p++) await server.append('t', p, Array.from({ length: 10 }, (_, i) => `${p}:${i}`));
    const killable = new KillableTransport(server);
    const eddyA = new Eddy({ transport: killable, retry: fastRetry });
    const eddyB = new Eddy({ transport: server, retry: fastRetry });
    const byA: string[] = [];
    const byB: string[] = [];
    let release!: () => void;
    const hang = new Promise<void>((r) => (release = r));
    const a = consumer(eddyA, 'g', { sessionTimeoutMs: 1000 });
    await a.subscribe({ topics: ['t'], fromBeginning: true });
    try {
      await a.run({
        autoCommitInterval: 20,
        partitionsConsumedConcurrently: 2,
        eachMessage: async (p) => {
          if (text(p) === '0:5' || text(p) === '1:5') await hang; // "crashes" mid-batch
          byA.push(text(p));
        },
      });
      await waitFor(() => byA.length === 10);
      await waitFor(async () => (await server.committed('g')).get('t\u00000') === 5 && (await server.committed('g')).get('t\u00001') === 5);
      killable.kill();
      const b = consumer(eddyB, 'g', { sessionTimeoutMs: 1000 });
      await b.subscribe({ topics: ['t'], fromBeginning: true });
      await b.run({ eachMessage: async (p) => void byB.push(text(p)) });
      await waitFor(() => byB.length === 10, 10_000, 'survivor to process the uncommitted half');
      expect(byB.sort()).toEqual(['0:5', '0:6', '0:7', '0:8', '0:9', '1:5', '1:6', '1:7', '1:8', '1:9']);
    } finally {
      release();
    }
  });

  it('redelivers a message whose handler failed, without skipping it', async () => {
    const { server, eddy } = setup();
    await server.createTopic('t', 1);
    await server.append('t', 0, ['a', 'b', 'c']);
    const c = consumer(eddy, 'g');
    const seen: string[] = [];
    const errors: unknown[] = [];
    c.on('error', (e) => errors.push(e.error));
    let failed = false;
    await c.subscribe({ topics: ['t'], fromBeginning: true });
    await c.run({
      eachMessage: async (p) => {
        if (text(p) === 'b' && !failed) {
          failed = true;
          throw new Error('transient');
        }
        seen.push(text(p));
      },
    });
    await waitFor(() => seen.length === 3);
    expect(seen).toEqual(['a', 'b', 'c']);
    expect(errors).toHaveLength(1);
  });

  it('eachBatch: resolves the batch on return and honours resolveOffset', async () => {
    const { server, eddy } = setup();
    await server.createTopic('t', 1);
    await server.append('t', 0, ['a', 'b', 'c']);
    const c = consumer(eddy, 'g');
    const batches: string[][] = [];
    await c.subscribe({ topics: ['t'], fromBeginning: true });
    await c.run({
      autoCommitInterval: 20,
      eachBatch: async ({ batch, resolveOffset }) => {
        batches.push(batch.messages.map((m) => m.value.toString()));
        expect(batch.firstOffset()).toBe(batch.messages[0]!.offset);
        resolveOffset(batch.messages[0]!.offset);
      },
    });
    await waitFor(async () => (await server.committed('g')).get('t\u00000') === 3);
    expect(batches).toEqual([['a', 'b', 'c']]);
  });
});

describe('consumer error events (issue: a deleted topic was warned about 24 times in 15 s)', () => {
  it('reports a failure once per partition and per state change, not on every retry', async () => {
    const { server, eddy } = setup();
    await server.createTopic('t', 2);
    const c = consumer(eddy, 'g');
    const errors: { partition: number | undefined; code: string }[] = [];
    c.on('error', ({ error, partition }) => errors.push({ partition, code: (error as { code: string }).code }));
    await c.subscribe({ topics: ['t'] });
    await c.run({ eachMessage: async () => undefined });
    await waitFor(() => c.assignment().some((a) => a.partitions.length === 2));

    // The topic goes away: every fetch and heartbeat now fails the same way, dozens of times.
    const gone = failWith('UNKNOWN_TOPIC_OR_PARTITION', (r) => r.path.includes('/topics/t') || r.path.endsWith('/heartbeat'), Infinity);
    server.faults = [gone];
    await waitFor(() => server.log.filter((l) => l.error !== undefined || (l.status ?? 0) >= 400).length >= 30, 10_000);
    expect(errors.filter((e) => e.code === 'UNKNOWN_TOPIC_OR_PARTITION').sort((a, b) => (a.partition ?? -1) - (b.partition ?? -1))).toEqual([
      { partition: undefined, code: 'UNKNOWN_TOPIC_OR_PARTITION' },
      { partition: 0, code: 'UNKNOWN_TOPIC_OR_PARTITION' },
      { partition: 1, code: 'UNKNOWN_TOPIC_OR_PARTITION' },
    ]);

    // It works again for a while, then fails again: that is a change, said again.
    server.faults = [];
    const before = errors.length;
    await waitFor(() => server.log.slice(-10).every((l) => (l.status ?? 500) < 400));
    server.faults = [gone];
    await waitFor(() => errors.length >= before + 3, 10_000);
    expect(errors.slice(before).map((e) => e.partition).sort()).toEqual([0, 1, undefined]);
  });
});

describe('consumer controls', () => {
  it('seek moves the next fetch and the committed position', async () => {
    const { server, eddy } = setup();
    await server.createTopic('t', 1);
    await server.append('t', 0, ['0', '1', '2', '3', '4', '5']);
    const c = consumer(eddy, 'g');
    const seen: string[] = [];
    c.seek({ topic: 't', partition: 0, offset: 4 });
    await c.subscribe({ topics: ['t'], fromBeginning: true });
    await c.run({ eachMessage: async (p) => void seen.push(text(p)) });
    await waitFor(() => seen.length === 2);
    expect(seen).toEqual(['4', '5']);
    c.seek({ topic: 't', partition: 0, offset: '1' });
    await waitFor(() => seen.length === 7);
    expect(seen.slice(2)).toEqual(['1', '2', '3', '4', '5']);
  });

  it('pause stops fetching a partition until resume', async () => {
    const { server, eddy } = setup();
    await server.createTopic('t', 2);
    const c = consumer(eddy, undefined);
    const seen: string[] = [];
    c.pause([{ topic: 't', partitions: [1] }]);
    await c.assign([{ topic: 't', partitions: [0, 1] }], { fromBeginning: true });
    await c.run({ eachMessage: async (p) => void seen.push(`${p.partition}:${text(p)}`) });
    await server.append('t', 0, ['a']);
    await server.append('t', 1, ['b']);
    await waitFor(() => seen.length === 1);
    await new Promise((r) => setTimeout(r, 150));
    expect(seen).toEqual(['0:a']);
    expect(c.paused()).toEqual([{ topic: 't', partitions: [1] }]);
    c.resume([{ topic: 't' }]);
    await waitFor(() => seen.length === 2);
    expect(seen[1]).toBe('1:b');
  });

  it('a standalone consumer reads all partitions of subscribed topics with no heartbeats or commits', async () => {
    const { server, eddy } = setup();
    await server.createTopic('t', 3);
    for (let p = 0; p < 3; p++) await server.append('t', p, [`v${p}`]);
    const c = consumer(eddy, undefined);
    const seen: string[] = [];
    await c.subscribe({ topics: [/^t$/], fromBeginning: true });
    await c.run({ eachMessage: async (p) => void seen.push(text(p)) });
    await waitFor(() => seen.length === 3);
    await c.disconnect();
    expect(server.log.filter((l) => l.request.path.startsWith('/v1/groups'))).toEqual([]);
    await expect(c.commitOffsets([{ topic: 't', partition: 0, offset: 1 }])).rejects.toMatchObject({ code: 'INVALID_REQUEST' });
  });

  it('resets per fromBeginning after OFFSET_OUT_OF_RANGE', async () => {
    const { server, eddy } = setup();
    await server.createTopic('t', 1);
    await server.append('t', 0, ['0', '1']);
    server.advanceClock(3_600_000);
    await server.append('t', 0, ['2', '3']);
    // Retention removed offsets 0..1 (an hour old) after the group committed offset 1.
    await server.core.log.alterTopic('t', { config: { retentionMs: 1_800_000 } });
    await server.core.maintenance.runOnce();
    expect(await server.core.log.partitionOffsets('t', 0)).toMatchObject({ logStartOffset: 2 });
    await eddy.commitOffsets({ group: 'g', offsets: [{ topic: 't', partition: 0, offset: 1 }] });
    const c = consumer(eddy, 'g');
    const seen: string[] = [];
    await c.subscribe({ topics: ['t'], fromBeginning: true });
    await c.run({ eachMessage: async (p) => void seen.push(text(p)) });
    await waitFor(() => seen.length === 2);
    expect(seen).toEqual(['2', '3']);
  });

  it('validates run options', async () => {
    const { eddy } = setup();
    const c = consumer(eddy, 'g');
    await expect(c.run({ eachMessage: async () => undefined })).rejects.toThrow(/subscribe/);
    await c.subscribe({ topics: ['t'] });
    await expect(c.run({})).rejects.toThrow(/eachMessage/);
  });
});
