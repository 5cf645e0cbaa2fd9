/**
 * Topics as an administrator sees them (core/topics.ts and the topic calls
 * of the entry point): the rules of names, partition counts and config, each
 * refusal naming what was wrong, and what create, alter, describe, list and
 * delete answer.
 */
import { describe, expect, it } from 'vitest';
import { DEFAULT_TOPIC_CONFIG } from '../../core/model.js';
import { enc, expectCode, intercept, memoryEddy } from './helpers.js';

describe('topic rules', () => {
  it('accepts Kafka topic names and refuses others, naming them', async () => {
    const eddy = memoryEddy();
    for (const good of ['a', 'A.b_c-9', '...', 'x'.repeat(249), '.a', '..a']) {
      expect((await eddy.log.createTopic({ name: good })).name).toBe(good);
    }
    for (const bad of ['', '.', '..', 'a b', 'ü', 'x'.repeat(250), 'a/b', 'a\nb', 'a+']) {
      const err = await expectCode(eddy.log.createTopic({ name: bad }), 'INVALID_TOPIC');
      expect(err.message).toContain(`invalid topic name ${JSON.stringify(bad.length > 80 ? `${bad.slice(0, 80)}…` : bad)}`);
      expect(err.message).toContain('use 1-249 characters of [a-zA-Z0-9._-], not "." or ".."');
    }
    // A name that is not a string at all (a front door passing JSON through).
    const err = await expectCode(eddy.log.createTopic({ name: 42 as unknown as string }), 'INVALID_TOPIC');
    expect(err.message).toContain('invalid topic name 42');
    await expectCode(eddy.log.topic('bad name'), 'INVALID_TOPIC');
  });

  it('shows a bad name whole up to 80 characters and cut after that, and a missing one as such', async () => {
    const eddy = memoryEddy();
    const eighty = `${'x'.repeat(79)}!`;
    expect((await expectCode(eddy.log.createTopic({ name: eighty }), 'INVALID_TOPIC')).message).toBe(
      `invalid topic name "${eighty}": use 1-249 characters of [a-zA-Z0-9._-], not "." or ".."`,
    );
    const longer = `${'x'.repeat(80)}!`;
    expect((await expectCode(eddy.log.createTopic({ name: longer }), 'INVALID_TOPIC')).message).toContain(`invalid topic name "${'x'.repeat(80)}…":`);
    for (const missing of [null, undefined]) {
      const err = await expectCode(eddy.log.createTopic({ name: missing as unknown as string }), 'INVALID_TOPIC');
      expect(err.message).toContain(`invalid topic name ${String(missing)}:`);
    }
  });

  it('accepts 1 to 1000 partitions and refuses anything else, naming it', async () => {
    const eddy = memoryEddy();
    expect((await eddy.log.createTopic({ name: 'one', partitions: 1 })).partitionOffsets).toHaveLength(1);
    expect((await eddy.log.createTopic({ name: 'max', partitions: 1000 })).partitions).toBe(1000);
    expect((await eddy.log.createTopic({ name: 'default' })).partitions).toBe(1);
    for (const p of [0, -1, 1001, 1.5, Number.NaN, '3' as unknown as number]) {
      const err = await expectCode(eddy.log.createTopic({ name: 'bad', partitions: p }), 'INVALID_PARTITIONS');
      expect(err.message).toBe(`partitions must be an integer from 1 to 1000, got ${String(p)}`);
    }
    expect((await eddy.log.listTopics()).map((t) => t.name)).not.toContain('bad');
  });

  it('applies config defaults and validates every field, naming the bad one', async () => {
    const eddy = memoryEddy();
    const d = await eddy.log.createTopic({ name: 'defaults' });
    expect(d.config).toEqual({ retentionMs: 604_800_000, retentionBytes: -1, maxMessageBytes: 1_048_576 });
    expect(d.config).toEqual(DEFAULT_TOPIC_CONFIG);
    const edge = await eddy.log.createTopic({ name: 'edge', config: { retentionMs: 1, retentionBytes: 1, maxMessageBytes: 1 } });
    expect(edge.config).toEqual({ retentionMs: 1, retentionBytes: 1, maxMessageBytes: 1 });
    const forever = await eddy.log.createTopic({ name: 'forever', config: { retentionMs: -1, maxMessageBytes: 1_048_576 } });
    expect(forever.config).toEqual({ retentionMs: -1, retentionBytes: -1, maxMessageBytes: 1_048_576 });
    // Above the 1 MiB default, up to 8 MiB.
    const large = await eddy.log.createTopic({ name: 'large', config: { maxMessageBytes: 8 * 1024 * 1024 } });
    expect(large.config.maxMessageBytes).toBe(8_388_608);
    const bad: Array<[Record<string, unknown>, string]> = [
      [{ retentionMs: 0 }, 'config.retentionMs must be -1 (forever) or a positive integer of ms, got 0'],
      [{ retentionMs: -2 }, 'config.retentionMs must be -1 (forever) or a positive integer of ms, got -2'],
      [{ retentionMs: 1.5 }, 'config.retentionMs must be -1 (forever) or a positive integer of ms, got 1.5'],
      [{ retentionMs: '1000' }, 'config.retentionMs must be -1 (forever) or a positive integer of ms, got "1000"'],
      [{ retentionBytes: 0 }, 'config.retentionBytes must be -1 (unlimited) or a positive integer of bytes, got 0'],
      [{ retentionBytes: 2 ** 53 }, 'config.retentionBytes must be -1 (unlimited) or a positive integer of bytes, got 9007199254740992'],
      [{ maxMessageBytes: 0 }, 'config.maxMessageBytes must be an integer from 1 to 8388608, got 0'],
      [{ maxMessageBytes: 8_388_609 }, 'config.maxMessageBytes must be an integer from 1 to 8388608, got 8388609'],
      [{ maxMessageBytes: -1 }, 'config.maxMessageBytes must be an integer from 1 to 8388608, got -1'],
      [{ segmentMs: 5 }, 'unknown config key "segmentMs"'],
    ];
    for (const [config, message] of bad) {
      const err = await expectCode(eddy.log.createTopic({ name: 'bad', config }), 'INVALID_REQUEST');
      expect(err.message).toBe(message);
    }
    expect((await eddy.log.listTopics()).map((t) => t.name)).not.toContain('bad');
  });
});

describe('topic administration', () => {
  it('creates a topic with a fresh id, refuses a second one of that name, and lists topics by name', async () => {
    const eddy = memoryEddy();
    const b = await eddy.log.createTopic({ name: 'b', partitions: 2 });
    const a = await eddy.log.createTopic({ name: 'a', partitions: 3 });
    expect(a.topicId).not.toBe(b.topicId);
    expect(a.partitionOffsets).toEqual([0, 1, 2].map((partition) => ({ partition, logStartOffset: 0, highWatermark: 0, segments: 0 })));
    await expectCode(eddy.log.createTopic({ name: 'a' }), 'TOPIC_ALREADY_EXISTS');
    await eddy.log.createTopic({ name: 'B' });
    await eddy.log.createTopic({ name: 'a-' });
    expect(await eddy.log.listTopics()).toEqual([
      { name: 'B', partitions: 1 },
      { name: 'a', partitions: 3 },
      { name: 'a-', partitions: 1 },
      { name: 'b', partitions: 2 },
    ]);
    const stored = await eddy.log.topic('a');
    expect(stored).toEqual({ name: 'a', topicId: a.topicId, partitions: 3, config: DEFAULT_TOPIC_CONFIG, createdAt: eddy.clock.now(), version: 1 });
  });

  it('describes offsets and segments per partition', async () => {
    const eddy = memoryEddy();
    await eddy.log.createTopic({ name: 't', partitions: 3 });
    await eddy.log.produce({ topic: 't', records: [{ key: null, value: enc('a'), partition: 2 }, { key: null, value: enc('b'), partition: 2 }] });
    await eddy.log.produce({ topic: 't', records: [{ key: null, value: enc('c'), partition: 2 }, { key: null, value: enc('d'), partition: 0 }] });
    const d = await eddy.log.describeTopic('t');
    expect(d).toMatchObject({ name: 't', partitions: 3, config: DEFAULT_TOPIC_CONFIG });
    expect(d.partitionOffsets).toEqual([
      { partition: 0, logStartOffset: 0, highWatermark: 1, segments: 1 },
      { partition: 1, logStartOffset: 0, highWatermark: 0, segments: 0 },
      { partition: 2, logStartOffset: 0, highWatermark: 3, segments: 2 },
    ]);
    await expectCode(eddy.log.describeTopic('missing'), 'UNKNOWN_TOPIC_OR_PARTITION');
  });

  it('grows partitions, merges config over what is set, and never shrinks', async () => {
    const eddy = memoryEddy();
    await eddy.log.createTopic({ name: 't', partitions: 2, config: { retentionMs: 5000 } });
    const same = await eddy.log.alterTopic('t', {});
    expect(same).toMatchObject({ partitions: 2, config: { retentionMs: 5000, retentionBytes: -1 } });
    const grown = await eddy.log.alterTopic('t', { partitions: 4, config: { retentionBytes: 100 } });
    expect(grown.partitions).toBe(4);
    expect(grown.config).toEqual({ retentionMs: 5000, retentionBytes: 100, maxMessageBytes: 1_048_576 });
    expect(grown.partitionOffsets.map((p) => p.partition)).toEqual([0, 1, 2, 3]);
    expect(await eddy.log.alterTopic('t', { partitions: 4 })).toMatchObject({ partitions: 4 });
    const err = await expectCode(eddy.log.alterTopic('t', { partitions: 3 }), 'INVALID_PARTITIONS');
    expect(err.message).toBe('partitions may only grow: topic t has 4, asked for 3');
    await expectCode(eddy.log.alterTopic('t', { partitions: 1001 }), 'INVALID_PARTITIONS');
    await expectCode(eddy.log.alterTopic('t', { config: { maxMessageBytes: 0 } }), 'INVALID_REQUEST');
    expect(await eddy.log.topic('t')).toMatchObject({ partitions: 4, version: 4, config: { retentionMs: 5000, retentionBytes: 100 } });
    // A produce to a new partition works at once.
    expect(await eddy.log.produce({ topic: 't', records: [{ key: null, value: enc('x'), partition: 3 }] })).toEqual([{ partition: 3, offset: 0 }]);
    await expectCode(eddy.log.alterTopic('missing', { partitions: 2 }), 'UNKNOWN_TOPIC_OR_PARTITION');
  });

  it('retries an alter that raced another change, and gives up after 5 lost races', async () => {
    let lose = 2;
    const eddy = memoryEddy({
      wrapMeta: (meta) =>
        intercept(meta, {
          updateTopic: async (topic) => {
            if (lose-- > 0) return false;
            return meta.updateTopic(topic);
          },
        }),
    });
    await eddy.log.createTopic({ name: 't' });
    expect((await eddy.log.alterTopic('t', { partitions: 2 })).partitions).toBe(2);
    lose = 5;
    const err = await expectCode(eddy.log.alterTopic('t', { partitions: 3 }), 'UNAVAILABLE');
    expect(err.message).toBe('topic t is being changed concurrently, retry');
    expect((await eddy.log.topic('t')).partitions).toBe(2);
    lose = 4;
    expect((await eddy.log.alterTopic('t', { partitions: 3 })).partitions).toBe(3);
  });

  it('deletes a topic at once, leaves a tombstone for maintenance, and refuses a raced delete', async () => {
    let race = false;
    const eddy = memoryEddy({ wrapMeta: (meta) => intercept(meta, { deleteTopic: async (topic, tombstone) => (race ? false : meta.deleteTopic(topic, tombstone)) }) });
    const t = await eddy.log.createTopic({ name: 't', partitions: 2 });
    eddy.clock.advance(5);
    await eddy.log.deleteTopic('t');
    await expectCode(eddy.log.topic('t'), 'UNKNOWN_TOPIC_OR_PARTITION');
    expect(await eddy.metadataStore.listTombstones()).toEqual([{ topicId: t.topicId, name: 't', partitions: 2, deletedAt: eddy.clock.now() }]);
    await expectCode(eddy.log.deleteTopic('t'), 'UNKNOWN_TOPIC_OR_PARTITION');
    await eddy.log.createTopic({ name: 'u' });
    race = true;
    const err = await expectCode(eddy.log.deleteTopic('u'), 'UNAVAILABLE');
    expect(err.message).toBe('topic u changed while being deleted, retry');
  });
});
