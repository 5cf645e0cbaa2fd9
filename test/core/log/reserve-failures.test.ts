/**
 * Failed writes under the reserve append protocol (docs/design.md §3.1), as a
 * producer and a consumer see them: the offset counter only moves forward, so
 * an append that gives up — whether its puts failed cleanly, may have landed,
 * or were an idempotent producer's — never gives its range back: it abandons
 * exactly its own range with a marker, so readers pass at once and no offset
 * is ever handed out twice.
 */
import { describe, expect, it } from 'vitest';
import { EddyError } from '../../../core/errors.js';
import { dec, enc, entries, expectCode, intercept, memoryEddy } from '../helpers.js';

const RESERVE = { log: { appendProtocol: 'reserve' as const } };
const rec = (v: string) => ({ key: null, value: enc(v), partition: 0 });

/** A reserve-protocol topic holding 'a' at 0, whose data puts at offset 1 fail with `failure()` while `failing`. */
async function failingAt1(failure: () => Error) {
  const state = { failing: true, puts: 0 };
  const eddy = memoryEddy({
    settings: RESERVE,
    wrapMeta: (meta) =>
      intercept(meta, {
        appendEntry: async (entry) => {
          if (state.failing && entry.objectKey !== null && entry.baseOffset === 1) {
            state.puts++;
            throw failure();
          }
          return meta.appendEntry(entry);
        },
      }),
  });
  const { topicId } = await eddy.log.createTopic({ name: 't' });
  await eddy.log.produce({ topic: 't', records: [rec('a')] });
  return { eddy, topicId, state };
}

const read = async (eddy: ReturnType<typeof memoryEddy>) => (await eddy.log.fetch({ topic: 't', partition: 0, offset: 0 })).records.map((r) => [r.offset, dec(r.value)]);

/** Offset 1 is abandoned with a marker over exactly its range, the counter is past it, and once the store recovers the next append lands at 2. */
async function expectAbandonedThenNext({ eddy, topicId, state }: Awaited<ReturnType<typeof failingAt1>>) {
  expect(await eddy.metadataStore.readCounter(topicId, 0)).toMatchObject({ next: 2 });
  expect((await entries(eddy.metadataStore, topicId)).find((e) => e.baseOffset === 1)).toMatchObject({ lastOffset: 1, objectKey: null, abandoned: true });
  state.failing = false;
  expect(await eddy.log.produce({ topic: 't', records: [rec('b')] })).toEqual([{ partition: 0, offset: 2 }]);
  expect(await read(eddy)).toEqual([
    [0, 'a'],
    [2, 'b'],
  ]);
}

describe('reserve protocol: an append that cannot write its entry', () => {
  it('retries a clean failure 6 times with backoff, then abandons its range: readers pass at once, the next append takes the next offset', async () => {
    const { eddy, topicId, state } = await failingAt1(() => new EddyError('UNAVAILABLE', 'injected'));
    const sleeps = eddy.clock.sleeps.length;
    const err = await expectCode(eddy.log.produce({ topic: 't', records: [rec('lost')] }), 'UNAVAILABLE');
    expect(err.message).toBe('injected');
    expect(state.puts).toBe(6);
    const backoff = eddy.clock.sleeps.slice(sleeps);
    expect(backoff).toHaveLength(6);
    for (const ms of backoff) expect(ms).toBeLessThanOrEqual(200);
    await expectAbandonedThenNext({ eddy, topicId, state });
  });

  it('stops at once on a failure that is not retryable, and abandons its range', async () => {
    const { eddy, topicId, state } = await failingAt1(() => new Error('a bug in the store'));
    await expect(eddy.log.produce({ topic: 't', records: [rec('lost')] })).rejects.toThrow('a bug in the store');
    expect(state.puts).toBe(1);
    expect(await eddy.metadataStore.readCounter(topicId, 0)).toMatchObject({ next: 2 });
    expect((await entries(eddy.metadataStore, topicId)).find((e) => e.baseOffset === 1)).toMatchObject({ lastOffset: 1, objectKey: null, abandoned: true });
  });

  it('after a put whose outcome is unknown, it abandons its range too, answers UNKNOWN_OUTCOME, and readers pass at once', async () => {
    const { eddy, topicId, state } = await failingAt1(() => new EddyError('UNKNOWN_OUTCOME', 'timed out'));
    await expectCode(eddy.log.produce({ topic: 't', records: [rec('maybe')] }), 'UNKNOWN_OUTCOME');
    expect(state.puts).toBe(6);
    await expectAbandonedThenNext({ eddy, topicId, state });
  });

  it("an idempotent producer's failed append keeps its reservation recorded: it abandons the range, and the retry lands once, further on", async () => {
    const { eddy, topicId, state } = await failingAt1(() => new EddyError('UNAVAILABLE', 'injected'));
    const producer = { producerId: 'p', producerEpoch: 0, sequences: new Map([[0, 0]]) };
    await expectCode(eddy.log.produce({ topic: 't', records: [rec('once')], producer }), 'UNAVAILABLE');
    expect(await eddy.metadataStore.readCounter(topicId, 0)).toMatchObject({ next: 2 });
    expect((await entries(eddy.metadataStore, topicId)).find((e) => e.baseOffset === 1)).toMatchObject({ objectKey: null, abandoned: true });
    state.failing = false;
    expect(await eddy.log.produce({ topic: 't', records: [rec('once')], producer })).toEqual([{ partition: 0, offset: 2 }]);
    expect(await eddy.log.produce({ topic: 't', records: [rec('once')], producer })).toEqual([{ partition: 0, offset: 2 }]);
    expect(await read(eddy)).toEqual([
      [0, 'a'],
      [2, 'once'],
    ]);
  });
});
