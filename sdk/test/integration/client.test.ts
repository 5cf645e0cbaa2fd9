/**
 * The thin client against the local host, route by route, over both
 * transports: the same calls must behave the same through HTTPS and
 * through Lambda invoke.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { EddyError } from '../../src/errors.js';
import { unique } from '../support/helpers.js';
import { client, TRANSPORTS } from '../support/transports.js';
import { testHost, type TestHost } from '../../../test/helpers/host.js';

let host: TestHost;
beforeAll(async () => {
  host = await testHost();
});
afterAll(async () => {
  await host.cleanup();
});

const b64 = (s: string): string => Buffer.from(s).toString('base64');
const text = (s: unknown): string => Buffer.from(s as string, 'base64').toString();

describe.each(TRANSPORTS)('thin client over %s', (kind) => {
  it('answers health', async () => {
    expect(await client(kind, host.url).health()).toEqual({ status: 'ok' });
  });

  it('creates, lists, describes, alters and deletes topics', async () => {
    const eddy = client(kind, host.url);
    const name = unique('sdk-admin');
    const created = await eddy.createTopic({ name, partitions: 2, config: { retentionMs: 3_600_000 } });
    expect(created).toMatchObject({ name, partitions: 2, config: { retentionMs: 3_600_000 } });
    expect((await eddy.listTopics()).topics).toContainEqual({ name, partitions: 2 });
    expect((await eddy.describeTopic({ topic: name })).partitionOffsets).toHaveLength(2);
    expect((await eddy.alterTopic({ topic: name, partitions: 3 })).partitions).toBe(3);
    await expect(eddy.createTopic({ name })).rejects.toMatchObject({ code: 'TOPIC_ALREADY_EXISTS', status: 409 });
    await eddy.deleteTopic({ topic: name });
    const err = await eddy.describeTopic({ topic: name }).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(EddyError);
    expect(err).toMatchObject({ code: 'UNKNOWN_TOPIC_OR_PARTITION', status: 404, retryable: false });
  });

  it('puts and gets records in every encoding, with offsets', async () => {
    const eddy = client(kind, host.url);
    const topic = unique('sdk-records');
    await eddy.createTopic({ name: topic, partitions: 2 });
    const put = await eddy.putRecords({
      topic,
      records: [
        { key: new TextEncoder().encode('k1'), value: new TextEncoder().encode('v1'), headers: { h: new TextEncoder().encode('x') }, partition: 1 },
        { value: b64('v2'), partition: 1, timestamp: 1_700_000_000_000 },
      ],
    });
    expect(put.results).toEqual([
      { partition: 1, offset: 0 },
      { partition: 1, offset: 1 },
    ]);
    await eddy.putRecords({ topic, encoding: 'json', records: [{ key: 'k3', value: { n: 3 }, partition: 1 }] });
    const got = await eddy.getRecords({ topic, partition: 1, offset: 0 });
    expect(got).toMatchObject({ nextOffset: 3, highWatermark: 3, logStartOffset: 0 });
    expect(got.records.map((r) => text(r.value))).toEqual(['v1', 'v2', '{"n":3}']);
    expect(text(got.records[0]!.key)).toBe('k1');
    expect(text(got.records[0]!.headers.h)).toBe('x');
    expect(got.records[1]!.timestamp).toBe(1_700_000_000_000);
    const asJson = await eddy.getRecords({ topic, partition: 1, offset: 2, encoding: 'json' });
    expect(asJson.records[0]!.value).toEqual({ n: 3 });
    expect(await eddy.listOffsets({ topic, partition: 1, at: 'earliest' })).toMatchObject({ partition: 1, offset: 0 });
    expect(await eddy.listOffsets({ topic, partition: 1, at: 'latest' })).toMatchObject({ partition: 1, offset: 3 });
    await expect(eddy.getRecords({ topic, partition: 1, offset: 9 })).rejects.toMatchObject({ code: 'OFFSET_OUT_OF_RANGE', status: 416 });
    await expect(eddy.putRecords({ topic, records: [] })).rejects.toMatchObject({ code: 'INVALID_REQUEST', status: 400 });
  });

  it('long-polls a fetch until a record arrives', async () => {
    const eddy = client(kind, host.url);
    const topic = unique('sdk-poll');
    await eddy.createTopic({ name: topic });
    const started = Date.now();
    const poll = eddy.getRecords({ topic, partition: 0, offset: 0, waitMs: 10_000 });
    await new Promise((r) => setTimeout(r, 300));
    await eddy.putRecords({ topic, records: [{ value: b64('late') }] });
    const got = await poll;
    expect(got.records.map((r) => text(r.value))).toEqual(['late']);
    expect(Date.now() - started).toBeLessThan(8_000);
  });

  it('runs the group calls: heartbeat, commit, fetch, list, describe, reset, delete', async () => {
    const eddy = client(kind, host.url);
    const topic = unique('sdk-groups');
    const group = unique('sdk-g');
    await eddy.createTopic({ name: topic, partitions: 2 });
    await eddy.putRecords({ topic, records: [{ value: b64('a'), partition: 0 }, { value: b64('b'), partition: 0 }] });
    const joined = await eddy.heartbeat({ group, memberEpoch: 0, topics: [topic], sessionTimeoutMs: 10_000 });
    expect(joined.memberId).toEqual(expect.any(String));
    expect(joined.assignment).toEqual([{ topic, partitions: [0, 1] }]);
    const acked = await eddy.heartbeat({ group, memberId: joined.memberId, memberEpoch: joined.memberEpoch, topics: [topic] });
    await eddy.commitOffsets({ group, memberId: acked.memberId, memberEpoch: acked.memberEpoch, offsets: [{ topic, partition: 0, offset: 2 }] });
    await expect(eddy.commitOffsets({ group, memberId: acked.memberId, memberEpoch: acked.memberEpoch + 100, offsets: [{ topic, partition: 0, offset: 1 }] })).rejects.toMatchObject({
      code: 'STALE_MEMBER_EPOCH',
      status: 409,
    });
    expect((await eddy.fetchOffsets({ group, topic })).offsets).toContainEqual(expect.objectContaining({ topic, partition: 0, offset: 2, lag: 0 }));
    expect((await eddy.listGroups()).groups).toContainEqual(expect.objectContaining({ group, members: 1 }));
    const described = await eddy.describeGroup({ group });
    expect(described.members.map((m) => m.memberId)).toEqual([joined.memberId]);
    await expect(eddy.resetOffsets({ group, topic, to: 'earliest' })).rejects.toMatchObject({ code: 'NON_EMPTY_GROUP' });
    const left = await eddy.heartbeat({ group, memberId: joined.memberId, memberEpoch: -1, topics: [topic] });
    expect(left).toMatchObject({ memberEpoch: -1, assignment: [] });
    const reset = await eddy.resetOffsets({ group, topic, to: 'earliest' });
    expect(reset.offsets).toContainEqual({ topic, partition: 0, offset: 0 });
    await eddy.deleteGroup({ group });
    await expect(eddy.describeGroup({ group })).rejects.toMatchObject({ code: 'GROUP_NOT_FOUND' });
    await expect(eddy.heartbeat({ group, memberId: 'nobody', memberEpoch: 3, topics: [topic] })).rejects.toMatchObject({ code: 'UNKNOWN_MEMBER_ID' });
  });
});
