/**
 * Validation of consumer-group requests, as a caller sees it: every bound is
 * inclusive where docs/api.md says so, and a refusal is INVALID_REQUEST
 * naming the bad field and what was sent. Core checks these itself, so a
 * caller skipping the HTTP handler (a direct invoke, the Kafka front door)
 * gets the same answers.
 */
import { describe, expect, it } from 'vitest';
import { EddyError } from '../../../core/errors.js';
import { GROUP_LIMITS, parseCommit, parseHeartbeat, parseReset, validateGroupId } from '../../../core/groups/requests.js';
import type { HeartbeatRequest } from '../../../core/groups/types.js';

/** Runs `f`, expecting INVALID_REQUEST; returns the message. */
function refused(f: () => unknown): string {
  try {
    f();
  } catch (err) {
    expect(err).toBeInstanceOf(EddyError);
    expect((err as EddyError).code).toBe('INVALID_REQUEST');
    return (err as EddyError).message;
  }
  throw new Error('expected INVALID_REQUEST, but the request was accepted');
}

const hb = (r: Record<string, unknown>) => parseHeartbeat(r as unknown as HeartbeatRequest);

describe('group ids', () => {
  it('accepts 1 to 249 characters, spaces and non-ASCII included', () => {
    for (const ok of ['g', 'x'.repeat(249), 'orders consumers', 'grüppe-ü', '~']) expect(() => validateGroupId(ok)).not.toThrow();
  });

  it('refuses empty, too long, control characters and non-strings, saying what the rule is and what was sent', () => {
    expect(refused(() => validateGroupId(''))).toBe('group must be 1-249 characters without control characters, got ""');
    expect(refused(() => validateGroupId('x'.repeat(250)))).toContain('group must be 1-249 characters');
    for (const bad of ['a\u0000b', 'tab\there', 'a\u001fb', 'del\u007f', 'line\n']) expect(refused(() => validateGroupId(bad))).toContain('control characters');
    expect(refused(() => validateGroupId(42))).toContain('got 42');
    expect(refused(() => validateGroupId(undefined))).toContain('got nothing');
  });

  it('shows at most 80 characters of what was sent', () => {
    const message = refused(() => validateGroupId('y'.repeat(300)));
    expect(message).toContain(`got "${'y'.repeat(79)}…`);
    expect(message).not.toContain('y'.repeat(80));
    // exactly 80 characters of JSON are shown whole, 81 are cut
    expect(refused(() => validateGroupId(['a'.repeat(76)]))).toMatch(/got \["a{76}"\]$/);
    expect(refused(() => validateGroupId(['a'.repeat(77)]))).toMatch(/got \["a{77}"…$/);
  });
});

describe('heartbeat requests', () => {
  it('joins with the defaults: no member id, epoch 0, the default session timeout, topics deduplicated in request order', () => {
    expect(hb({ memberEpoch: 0, topics: ['b', 'a', 'b'] })).toStrictEqual({ memberEpoch: 0, topics: ['b', 'a'], sessionTimeoutMs: 45_000 });
    expect(hb({ memberId: 'm', memberEpoch: 7, topics: ['t'], sessionTimeoutMs: 1_000 })).toStrictEqual({ memberId: 'm', memberEpoch: 7, topics: ['t'], sessionTimeoutMs: 1_000 });
    expect(hb({ memberId: 'm', memberEpoch: 7, topics: ['t'], sessionTimeoutMs: 300_000 }).sessionTimeoutMs).toBe(300_000);
  });

  it('leaves with epoch -1 without any topics', () => {
    expect(hb({ memberId: 'm', memberEpoch: -1 })).toStrictEqual({ memberId: 'm', memberEpoch: -1, topics: [], sessionTimeoutMs: 45_000 });
    expect(hb({ memberId: 'm', memberEpoch: -1, topics: ['t'] }).topics).toEqual([]);
  });

  it('refuses a body that is not an object', () => {
    for (const bad of [null, [], 'join', 3]) expect(refused(() => hb(bad as never))).toContain('heartbeat body must be an object');
  });

  it('refuses epochs below -1 and non-integers', () => {
    for (const bad of [-2, 1.5, '0', null, Number.NaN, 2 ** 53]) {
      expect(refused(() => hb({ memberId: 'm', memberEpoch: bad, topics: ['t'] }))).toContain('memberEpoch must be an integer ≥ -1 (0 joins, -1 leaves)');
    }
  });

  it('requires a member id except to join, and only ids the server could have given', () => {
    expect(refused(() => hb({ memberEpoch: 3, topics: ['t'] }))).toBe('memberId is required unless memberEpoch is 0 (join), got memberEpoch 3');
    expect(refused(() => hb({ memberEpoch: -1, topics: ['t'] }))).toContain('memberId is required');
    expect(refused(() => hb({ memberId: '', memberEpoch: 3, topics: ['t'] }))).toBe('memberId must be the id the server gave the member, got ""');
    expect(refused(() => hb({ memberId: 'i'.repeat(256), memberEpoch: 3, topics: ['t'] }))).toContain('memberId must be');
    expect(refused(() => hb({ memberId: 5, memberEpoch: 3, topics: ['t'] }))).toContain('memberId must be');
    expect(hb({ memberId: 'i'.repeat(255), memberEpoch: 3, topics: ['t'] }).memberId).toBe('i'.repeat(255));
  });

  it('takes session timeouts from 1 s to 5 min, in whole milliseconds', () => {
    for (const bad of [999, 300_001, 1500.5, '45000']) {
      expect(refused(() => hb({ memberEpoch: 0, topics: ['t'], sessionTimeoutMs: bad }))).toContain('sessionTimeoutMs must be an integer from 1000 to 300000');
    }
  });

  it('takes 1 to 1000 subscribed topic names', () => {
    const many = Array.from({ length: GROUP_LIMITS.maxTopics }, (_, i) => `t${i}`);
    expect(hb({ memberEpoch: 0, topics: many }).topics).toHaveLength(1_000);
    for (const bad of [[], [...many, 'one-more'], 'orders', undefined, ['ok', 3]]) {
      expect(refused(() => hb({ memberEpoch: 0, topics: bad }))).toContain('topics must be an array of 1-1000 topic names');
    }
  });
});

describe('commit requests', () => {
  const offset = { topic: 't', partition: 0, offset: 0 };

  it('takes member fields together or not at all', () => {
    expect(parseCommit({ offsets: [offset] })).toStrictEqual({ offsets: [offset] });
    expect(parseCommit({ memberId: 'm', memberEpoch: 0, offsets: [offset] })).toStrictEqual({ member: { memberId: 'm', memberEpoch: 0 }, offsets: [offset] });
    expect(refused(() => parseCommit({ memberEpoch: 3, offsets: [offset] }))).toBe('memberId is required when memberEpoch is given');
    expect(refused(() => parseCommit({ memberId: 'm', offsets: [offset] }))).toBe('memberEpoch is required when memberId is given');
    for (const bad of [-1, 2.5, '3', null]) expect(refused(() => parseCommit({ memberId: 'm', memberEpoch: bad, offsets: [offset] }))).toContain('memberEpoch must be a non-negative integer');
    expect(refused(() => parseCommit({ memberId: '', memberEpoch: 1, offsets: [offset] }))).toContain('memberId must be');
  });

  it('refuses a body that is not an object', () => {
    for (const bad of [null, [offset], 'x']) expect(refused(() => parseCommit(bad))).toContain('commit body must be an object');
  });

  it('takes 1 to 10000 offsets', () => {
    const many = Array.from({ length: GROUP_LIMITS.maxOffsets }, (_, i) => ({ topic: 't', partition: i, offset: 1 }));
    expect(parseCommit({ offsets: many }).offsets).toHaveLength(10_000);
    for (const bad of [[], [...many, { topic: 'u', partition: 0, offset: 0 }], undefined, offset]) {
      expect(refused(() => parseCommit({ offsets: bad }))).toContain('offsets must be an array of 1-10000 entries');
    }
  });

  it('names the bad entry and field', () => {
    const at1 = (bad: unknown) => refused(() => parseCommit({ offsets: [offset, bad] }));
    expect(at1('t/0')).toBe('offsets[1] must be an object, got "t/0"');
    expect(at1({ ...offset, topic: 3 })).toBe('offsets[1].topic must be a topic name, got 3');
    for (const partition of [-1, 0.5, '0']) expect(at1({ ...offset, partition })).toContain('offsets[1].partition must be a non-negative integer');
    for (const o of [-1, 0.5, '0', undefined]) expect(at1({ ...offset, partition: 1, offset: o })).toContain('offsets[1].offset must be a non-negative integer (the next offset to read)');
    expect(at1({ ...offset, partition: 1, metadata: 'm'.repeat(4097) })).toBe('offsets[1].metadata must be a string of at most 4096 characters');
    expect(at1({ ...offset, partition: 1, metadata: 12 })).toContain('offsets[1].metadata');
  });

  it('keeps metadata up to 4096 characters, and leaves it out when none was sent', () => {
    const withMeta = { ...offset, metadata: 'm'.repeat(4096) };
    expect(parseCommit({ offsets: [withMeta, { ...offset, partition: 1, metadata: '' }, { ...offset, partition: 2 }] }).offsets).toStrictEqual([
      withMeta,
      { ...offset, partition: 1, metadata: '' },
      { ...offset, partition: 2 },
    ]);
  });

  it('takes each partition at most once per request', () => {
    expect(refused(() => parseCommit({ offsets: [offset, { topic: 'u', partition: 0, offset: 1 }, { ...offset, offset: 5 }] }))).toBe('offsets[2] repeats t/0');
    expect(parseCommit({ offsets: [offset, { ...offset, partition: 1 }, { ...offset, topic: 'u' }] }).offsets).toHaveLength(3);
  });
});

describe('offset reset requests', () => {
  it('takes earliest, latest, a timestamp or an offset, each from 0', () => {
    expect(parseReset({ topic: 't', to: 'earliest' })).toStrictEqual({ topic: 't', to: 'earliest' });
    expect(parseReset({ topic: 't', to: 'latest' })).toStrictEqual({ topic: 't', to: 'latest' });
    expect(parseReset({ topic: 't', to: { timestamp: 0 } })).toStrictEqual({ topic: 't', to: { timestamp: 0 } });
    expect(parseReset({ topic: 't', to: { offset: 0 } })).toStrictEqual({ topic: 't', to: { offset: 0 } });
  });

  it('refuses anything else, naming the field', () => {
    for (const bad of [null, ['t'], 'earliest']) expect(refused(() => parseReset(bad))).toContain('reset body must be an object');
    expect(refused(() => parseReset({ topic: 4, to: 'latest' }))).toBe('topic must be a topic name, got 4');
    for (const ts of [-1, 1.5, '10']) expect(refused(() => parseReset({ topic: 't', to: { timestamp: ts } }))).toContain('to.timestamp must be a non-negative integer of epoch ms');
    for (const o of [-1, 1.5, '10']) expect(refused(() => parseReset({ topic: 't', to: { offset: o } }))).toContain('to.offset must be a non-negative integer');
    const every = 'to must be "earliest", "latest", {"timestamp": ms} or {"offset": n}';
    for (const to of ['newest', {}, { offset: 1, timestamp: 2 }, { position: 3 }, [0], undefined, 5]) {
      expect(refused(() => parseReset({ topic: 't', to }))).toContain(every);
    }
    expect(refused(() => parseReset({ topic: 't' }))).toBe(`${every}, got nothing`);
  });
});
