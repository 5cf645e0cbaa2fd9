/**
 * Reproduces: the SDK producer rejects a send with the error of the batch's
 * last attempt, even when an earlier attempt may have been applied.
 *
 * Attempt 1 of a produce request is processed but its answer is lost
 * (`UNKNOWN_OUTCOME`); the retry is refused before sending (`UNAVAILABLE`);
 * retries run out. The producer itself knows the outcome is unknown (it
 * raises its epoch), but the caller gets `UNAVAILABLE`, whose outcome is
 * `none` — "nothing was applied, resending is safe" — for a record that is
 * in the log. A caller that trusts the code and resends duplicates it.
 * Where: `Producer.sendWithRetries`/`dispatch` in sdk/src/producer/producer.ts
 * (the `BatchFailure` carries `outcomeUnknown` but rejects with the last error).
 */
import { Eddy, EddyError, HttpTransport, type Transport, type TransportRequest, type TransportRequestOptions, type TransportResponse } from '@eddy/sdk';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { testHost, type TestHost } from '../../../helpers/host.js';

let host: TestHost;

beforeAll(async () => {
  host = await testHost();
});
afterAll(() => host.cleanup());

/** Loses the answer of the first produce request after it was processed, then refuses every later one. */
class LoseThenRefuse implements Transport {
  private produces = 0;
  constructor(private readonly inner: Transport) {}
  async request(req: TransportRequest, options: TransportRequestOptions): Promise<TransportResponse> {
    if (req.method !== 'POST' || !req.path.endsWith('/records')) return this.inner.request(req, options);
    if (this.produces++ === 0) {
      await this.inner.request(req, options);
      throw new EddyError('UNKNOWN_OUTCOME', 'connection reset after sending');
    }
    throw new EddyError('UNAVAILABLE', 'connection refused');
  }
}

describe('a send whose first attempt may have applied', () => {
  it('is rejected with an error whose outcome is unknown, not with the last attempt’s clean failure', async () => {
    const admin = new Eddy({ endpoint: host.url });
    await admin.createTopic({ name: 'hidden-outcome', partitions: 1 });
    const producer = new Eddy({ transport: new LoseThenRefuse(new HttpTransport({ endpoint: host.url })) }).producer({
      retry: { retries: 1, initialRetryTimeMs: 1 },
      lingerMs: 0,
    });
    const error = await producer.send({ topic: 'hidden-outcome', messages: [{ value: 'v', partition: 0 }] }).then(
      () => undefined,
      (e: unknown) => e as EddyError,
    );
    const log = await admin.getRecords({ topic: 'hidden-outcome', partition: 0, offset: 0, encoding: 'utf8' });
    expect(log.records.map((r) => r.value)).toEqual(['v']); // it was applied
    expect(error).toBeInstanceOf(EddyError);
    expect(error!.outcome, `rejected with ${error!.code}`).toBe('unknown');
  });
});
