/**
 * The trigger engine in process against the local host, over the Lambda
 * transport the deployed dispatcher would use: drain mode (deliver what is
 * there, then return), partial batches from `batchItemFailures`, a blocked
 * batch left uncommitted at the deadline and resumed by the next drain, and
 * partitions added while running.
 */
import type { EddyBatchResponse, EddyEvent } from '@eddy/api';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Trigger, type Deliver } from '../../src/trigger/index.js';
import { unique, waitFor } from '../support/helpers.js';
import { client } from '../support/transports.js';
import { testHost, type TestHost } from '../../../test/helpers/host.js';

let host: TestHost;
beforeAll(async () => {
  host = await testHost();
});
afterAll(async () => {
  await host.cleanup();
});

const text = (s: string | null): string | null => (s === null ? null : Buffer.from(s, 'base64').toString());

async function topicWith(partitions: number, values: string[]): Promise<{ topic: string; eddy: ReturnType<typeof client> }> {
  const eddy = client('lambda', host.url);
  const topic = unique('sdk-trigger');
  await eddy.createTopic({ name: topic, partitions });
  await eddy.putRecords({ topic, encoding: 'utf8', records: values.map((value, i) => ({ value, partition: i % partitions })) });
  return { topic, eddy };
}

async function committed(eddy: ReturnType<typeof client>, group: string, topic: string): Promise<Record<number, number>> {
  const { offsets } = await eddy.fetchOffsets({ group, topic });
  return Object.fromEntries(offsets.map((o) => [o.partition, o.offset]));
}

describe.concurrent('Trigger', () => {
  it('drains what a partition holds, commits, and returns', async () => {
    const { topic, eddy } = await topicWith(2, ['a', 'b', 'c', 'd', 'e']);
    const groupId = unique('g');
    const seen: EddyEvent[] = [];
    const trigger = new Trigger({ topic, groupId, startingPosition: 'earliest', batchSize: 2 }, { client: eddy, deliver: async (e) => void seen.push(e) });
    await trigger.drain([0, 1], Date.now() + 20_000);
    expect(seen.filter((e) => e.partition === 0).flatMap((e) => e.records.map((r) => text(r.value)))).toEqual(['a', 'c', 'e']);
    expect(seen.filter((e) => e.partition === 1).flatMap((e) => e.records.map((r) => text(r.value)))).toEqual(['b', 'd']);
    expect(seen.every((e) => e.eventSource === 'eddy' && e.groupId === groupId && e.records.length <= 2)).toBe(true);
    expect(await committed(eddy, groupId, topic)).toEqual({ 0: 3, 1: 2 });
  });

  it('commits the records before the lowest batchItemFailure and redelivers from it', async () => {
    const { topic, eddy } = await topicWith(1, ['a', 'b', 'c', 'd', 'e']);
    const groupId = unique('g');
    const batches: number[][] = [];
    let first = true;
    const deliver: Deliver = async (e): Promise<EddyBatchResponse | undefined> => {
      batches.push(e.records.map((r) => r.offset));
      if (!first) return undefined;
      first = false;
      return { batchItemFailures: [{ itemIdentifier: '4' }, { itemIdentifier: '2' }] };
    };
    const trigger = new Trigger({ topic, groupId, startingPosition: 'earliest', backoffMs: 10 }, { client: eddy, deliver });
    await trigger.drain([0], Date.now() + 20_000);
    expect(batches).toEqual([
      [0, 1, 2, 3, 4],
      [2, 3, 4],
    ]);
    expect(await committed(eddy, groupId, topic)).toEqual({ 0: 5 });
  });

  it('leaves a blocked batch uncommitted at the deadline; the next drain resumes it', async () => {
    const { topic, eddy } = await topicWith(1, ['a', 'bad', 'c']);
    const groupId = unique('g');
    let healthy = false;
    const delivered: string[] = [];
    const deliver: Deliver = async (e) => {
      const values = e.records.map((r) => text(r.value)!);
      if (!healthy && values.includes('bad')) throw new Error('poison');
      delivered.push(...values);
    };
    const trigger = new Trigger({ topic, groupId, startingPosition: 'earliest', batchSize: 1, backoffMs: 50 }, { client: eddy, deliver });
    await trigger.drain([0], Date.now() + 5_000); // backoff doubles from 50 ms; the retry that would pass the deadline is not waited for
    expect(delivered).toEqual(['a']);
    expect(await committed(eddy, groupId, topic)).toEqual({ 0: 1 });
    healthy = true;
    await trigger.drain([0], Date.now() + 20_000);
    expect(delivered).toEqual(['a', 'bad', 'c']);
    expect(await committed(eddy, groupId, topic)).toEqual({ 0: 3 });
  });

  it('picks up partitions added while running', async () => {
    const { topic, eddy } = await topicWith(1, ['a']);
    const groupId = unique('g');
    const seen = new Map<number, string[]>();
    const trigger = new Trigger(
      { topic, groupId, startingPosition: 'earliest', partitionRefreshMs: 200, waitMs: 500 },
      { client: eddy, deliver: async (e) => void seen.set(e.partition, [...(seen.get(e.partition) ?? []), ...e.records.map((r) => text(r.value)!)]) },
    );
    const running = trigger.run();
    try {
      await waitFor(() => seen.get(0)?.length === 1, 20_000, 'partition 0');
      await eddy.alterTopic({ topic, partitions: 2 });
      await eddy.putRecords({ topic, encoding: 'utf8', records: [{ value: 'new', partition: 1 }] });
      await waitFor(() => seen.get(1)?.[0] === 'new', 20_000, 'the new partition');
    } finally {
      trigger.stop();
      await running;
    }
    expect(await committed(eddy, groupId, topic)).toEqual({ 0: 1, 1: 1 });
  });
});
