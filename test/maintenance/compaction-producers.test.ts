/**
 * Reproduces (found by the chaos suite): compaction kept only the last merged
 * entry's producer states, so a producer pushed out of the head's state was
 * forgotten for good once its entries merged, and its late retry could no
 * longer be recognised.
 */
import { describe, expect, it } from 'vitest';
import { memoryComponents } from '../../core/adapters/memory/index.js';
import { createLog } from '../helpers/core.js';
import { systemIds } from '../../core/ids.js';
import { Maintenance } from '../../core/maintenance/index.js';
import { systemClock } from '../../core/ports.js';

const enc = (s: string) => new TextEncoder().encode(s);

describe('compaction and idempotent producer state', () => {
  it('keeps a forgotten producer findable after its entries merge', async () => {
    const components = memoryComponents(systemClock, systemIds);
    const engine = createLog(components);
    await engine.createTopic({ name: 't', partitions: 1 });
    const send = (id: string, seq: number) =>
      engine.produce({ topic: 't', records: [{ key: null, value: enc(`${id}:${seq}`), partition: 0 }], producer: { producerId: id, producerEpoch: 0, sequences: new Map([[0, seq]]) } });
    await send('slow', 0);
    const [kept] = await send('slow', 1);
    for (let i = 0; i < 40; i++) await send(`busy-${i}`, 0);
    const report = await new Maintenance(components, { compactionMinAgeMs: 0, retentionMinAgeMs: 0 }).runOnce();
    expect(report.entriesCompacted).toBeGreaterThan(2);
    expect(await send('slow', 1)).toEqual([kept]); // the late retry: same offset, not appended again
    const log = await engine.fetch({ topic: 't', partition: 0, offset: 0, maxRecords: 100 });
    expect(log.records.filter((r) => new TextDecoder().decode(r.value!) === 'slow:1')).toHaveLength(1);
    const [next] = await send('slow', 2);
    expect(next!.offset).toBe(42);
  });
});
