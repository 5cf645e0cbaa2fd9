/**
 * Reproduces: a correct send from an idempotent SDK producer fails with
 * `UNKNOWN_PRODUCER_ID` once its partition has forgotten the producer.
 *
 * A producer appends, then more than 32 other producers append to the same
 * partition (on Lambda every container is a producer), then compaction
 * merges the entries: the covering entry carries only the last covered
 * entry's producers (`producers: last.producers` in
 * core/maintenance/compaction.ts), so the first producer's state is gone
 * from the head and from every older entry. Its next batch (sequence 1) is
 * refused by the unknown-producer rule of core/log/produce.ts
 * (`UNKNOWN_PRODUCER_ID`: "start a new producerEpoch at sequence 0"). The SDK
 * raises its epoch after that answer, so later sends work, but the refused
 * batch itself fails for good: the application gets a non-retryable error
 * for a well-formed send and its records are dropped. Kafka's producer
 * (KIP-360) bumps the epoch and resends the batch under it transparently on
 * UNKNOWN_PRODUCER_ID; the SDK could do the same on this answer (which
 * needs a distinguishable code or flag), or compaction could carry the
 * union of the merged entries' producers.
 */
import { Eddy } from '@eddy/sdk';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Maintenance } from '../../../core/maintenance/index.js';
import { testHost } from '../../helpers/host.js';

type Host = Awaited<ReturnType<typeof testHost>>;
let host: Host;
beforeAll(async () => {
  host = await testHost();
});
afterAll(() => host.cleanup());

describe('an idempotent producer the partition has forgotten (32 other producers, then compaction)', () => {
  it('sends successfully, without the application seeing an error', async () => {
    const eddy = new Eddy({ endpoint: host.url });
    await eddy.createTopic({ name: 'forgotten', partitions: 1 });
    const producer = eddy.producer({ lingerMs: 0, retry: { retries: 2, initialRetryTimeMs: 1 } });
    await producer.send({ topic: 'forgotten', messages: [{ value: 'a0', partition: 0 }] });
    for (let i = 0; i < 33; i++) {
      await eddy.putRecords({ topic: 'forgotten', encoding: 'utf8', records: [{ value: `other-${i}`, partition: 0 }], producerId: `other-${i}`, producerEpoch: 0, sequences: { 0: 0 } });
    }
    const report = await new Maintenance(host.components, { compactionMinAgeMs: 0, retentionMinAgeMs: 0 }).runOnce();
    expect(report.entriesCompacted).toBeGreaterThan(1);

    const outcomes: string[] = [];
    for (const value of ['a1', 'a2']) {
      outcomes.push(
        await producer.send({ topic: 'forgotten', messages: [{ value, partition: 0 }] }).then(
          () => 'ok',
          (e: unknown) => `${(e as { code?: string }).code}: ${(e as Error).message}`,
        ),
      );
    }
    expect(outcomes).toEqual(['ok', 'ok']);
    const log = await eddy.getRecords({ topic: 'forgotten', partition: 0, offset: 0, encoding: 'utf8' });
    expect(log.records.map((r) => r.value).filter((v) => String(v).startsWith('a'))).toEqual(['a0', 'a1', 'a2']);
    await producer.disconnect();
  });
});
