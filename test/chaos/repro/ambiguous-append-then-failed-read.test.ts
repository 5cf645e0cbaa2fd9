/**
 * Reproduces: a produce whose index write applied (the write timed out after
 * it was sent: UNKNOWN_OUTCOME) and whose next index read then failed cleanly
 * answers `UNAVAILABLE` — the code that promises nothing was applied — while
 * the record is in the log.
 *
 * Where: `appendChunk` in core/log/produce.ts reads the head (and the
 * pending bases) outside its try block, so a read error after an ambiguous
 * attempt escapes as is, and `produce` rethrows a lone partition's error
 * unchanged. Consequences: the SDK retries `UNAVAILABLE` even for a
 * non-idempotent producer (a duplicate from the SDK's own retry); an
 * idempotent producer whose retries run out reports a definite failure for a
 * record that is readable, and hands the batch's sequence numbers back, so
 * its next batch of the same size is mistaken for a retry of this one and
 * acknowledged with this one's offsets (an acknowledged batch lost).
 * Found by the chaos suite (storage faults: an ambiguous PutItem followed by
 * a failed Query).
 */
import { describe, expect, it } from 'vitest';
import { MemoryMetadataStore, MemoryObjectStore } from '../../../core/adapters/memory/index.js';
import { createLog } from '../../helpers/core.js';
import { EddyError, ERROR_CODES } from '../../../core/errors.js';
import { systemIds } from '../../../core/ids.js';
import type { IndexEntry } from '../../../core/model.js';
import { systemClock } from '../../../core/ports.js';

/** An index whose first append applies and then reports a timeout, and whose next head read fails cleanly. */
class AmbiguousThenUnavailable extends MemoryMetadataStore {
  armed = false;
  private readFails = false;

  override async appendEntry(entry: IndexEntry): Promise<boolean> {
    const applied = await super.appendEntry(entry);
    if (this.armed) {
      this.armed = false;
      this.readFails = true;
      throw new EddyError('UNKNOWN_OUTCOME', `append to index: TimeoutError (applied: ${applied})`);
    }
    return applied;
  }

  override async headEntry(topicId: string, partition: number): Promise<IndexEntry | undefined> {
    if (this.readFails) {
      this.readFails = false;
      throw new EddyError('UNAVAILABLE', 'read index: InternalServerError');
    }
    return super.headEntry(topicId, partition);
  }
}

describe('an applied ambiguous index write followed by a failed read', () => {
  it('is reported with an unknown outcome, never as UNAVAILABLE', async () => {
    const meta = new AmbiguousThenUnavailable();
    const engine = createLog({ objectStore: new MemoryObjectStore(systemClock), metadataStore: meta, clock: systemClock, ids: systemIds });
    await engine.createTopic({ name: 't', partitions: 1 });
    meta.armed = true;

    const outcome = await engine.produce({ topic: 't', records: [{ key: null, value: new TextEncoder().encode('v'), partition: 0 }] }).then(
      (results) => ({ results }),
      (error: unknown) => ({ error: error as EddyError }),
    );
    const log = await engine.fetch({ topic: 't', partition: 0, offset: 0 });
    expect(log.records).toHaveLength(1); // the write applied

    // Either the produce succeeded with offset 0, or it failed saying it may have applied.
    if ('error' in outcome) {
      expect(outcome.error.code, outcome.error.message).toBe('UNKNOWN_OUTCOME');
      expect(ERROR_CODES[outcome.error.code].outcome).toBe('unknown');
    } else {
      expect(outcome.results).toEqual([{ partition: 0, offset: 0 }]);
    }
  });
});
