/**
 * Reproduces: an idempotent retry duplicates once 32 other producers have
 * appended to the partition since the original.
 *
 * Each index entry remembers the last batch of at most 32 producers
 * (`MAX_TRACKED_PRODUCERS` in core/log/produce.ts); the least recent are
 * forgotten, and a batch from a producer the head does not remember is
 * accepted as new whatever its sequence (`checkSequence`: no state → new).
 * So a retry that arrives after 32 other producers appended — a slow retry
 * in a busy partition; on Lambda every container is a producer — is
 * appended a second time. Kafka answers a batch from an unknown producer
 * whose sequence is not 0 with an error instead (OutOfOrderSequence /
 * UNKNOWN_PRODUCER_ID), so at least a retry with a non-zero sequence is
 * refused rather than duplicated.
 */
import { describe, expect, it } from 'vitest';
import { memoryComponents } from '../../../core/adapters/memory/index.js';
import { createLog } from '../../helpers/core.js';
import { systemIds } from '../../../core/ids.js';
import { MAX_TRACKED_PRODUCERS } from '../../../core/log/produce.js';
import { systemClock } from '../../../core/ports.js';

const value = (s: string): Uint8Array => new TextEncoder().encode(s);

describe('an idempotent retry in a partition many producers write to', () => {
  it(`is not appended again after ${MAX_TRACKED_PRODUCERS} other producers appended`, async () => {
    const engine = createLog(memoryComponents(systemClock, systemIds));
    await engine.createTopic({ name: 't', partitions: 1 });
    const batch = (producerId: string, sequence: number, v: string) => ({
      topic: 't',
      records: [{ key: null, value: value(v), partition: 0 }],
      producer: { producerId, producerEpoch: 0, sequences: new Map([[0, sequence]]) },
    });

    // Producer a's batch with sequence 5 (after five earlier ones) is appended; its answer is lost.
    for (let seq = 0; seq <= 5; seq++) await engine.produce(batch('a', seq, `a:${seq}`));
    const [first] = await engine.produce(batch('a', 6, 'a:6'));
    for (let i = 0; i < MAX_TRACKED_PRODUCERS; i++) await engine.produce(batch(`other-${i}`, 0, `other-${i}`));

    // The retry of that batch: answered with the first append's offset, or refused — never appended again.
    const retry = await engine.produce(batch('a', 6, 'a:6')).then(
      (r) => r[0]!,
      (e: unknown) => e as Error,
    );
    const log = await engine.fetch({ topic: 't', partition: 0, offset: 0, maxRecords: 1000 });
    const copies = log.records.filter((r) => new TextDecoder().decode(r.value!) === 'a:6').length;
    expect(copies, `retry answered ${retry instanceof Error ? retry.message : JSON.stringify(retry)}`).toBe(1);
    if (!(retry instanceof Error)) expect(retry).toEqual(first);
  });
});
