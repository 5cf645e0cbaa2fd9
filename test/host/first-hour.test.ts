/**
 * Small things a new user tripped over in the first hour (issue 18, item 13)
 * that the API answers: messages that say what was wrong.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { call, testHost, unique } from '../helpers/host.js';

let host: Awaited<ReturnType<typeof testHost>>;

beforeAll(async () => {
  host = await testHost();
});
afterAll(() => host.cleanup());

describe('first-hour messages', () => {
  it('a fetch without offset says the offset is required', async () => {
    const topic = unique('t');
    expect((await call(host.url, 'POST', '/v1/topics', { name: topic })).status).toBe(201);
    const r = await call(host.url, 'GET', `/v1/topics/${topic}/partitions/0/records`);
    expect(r.status).toBe(400);
    expect(r.body).toMatchObject({ error: { code: 'INVALID_REQUEST', message: 'query.offset: offset is required (a non-negative integer)' } });
    const bad = await call(host.url, 'GET', `/v1/topics/${topic}/partitions/0/records?offset=x`);
    expect(bad.body).toMatchObject({ error: { message: 'query.offset: offset must be a non-negative integer' } });
  });

  it('a member epoch from the future is not called stale', async () => {
    const topic = unique('t');
    const group = unique('g');
    expect((await call(host.url, 'POST', '/v1/topics', { name: topic })).status).toBe(201);
    const joined = await call(host.url, 'POST', `/v1/groups/${group}/heartbeat`, { memberEpoch: 0, topics: [topic] });
    expect(joined.status).toBe(200);
    const { memberId, memberEpoch } = joined.body as { memberId: string; memberEpoch: number };

    const future = await call(host.url, 'POST', `/v1/groups/${group}/heartbeat`, { memberId, memberEpoch: memberEpoch + 5, topics: [topic] });
    expect(future.status).toBe(409);
    expect((future.body as { error: { code: string; message: string } }).error).toMatchObject({ code: 'STALE_MEMBER_EPOCH' });
    expect((future.body as { error: { message: string } }).error.message).toMatch(new RegExp(`^memberEpoch ${memberEpoch + 5} is ahead of any epoch given to member ${memberId} `));

    const commit = await call(host.url, 'POST', `/v1/groups/${group}/offsets`, { memberId, memberEpoch: memberEpoch + 5, offsets: [{ topic, partition: 0, offset: 0 }] });
    expect(commit.status).toBe(409);
    expect((commit.body as { error: { message: string } }).error.message).toContain('is ahead of any epoch given to');
  });
});
