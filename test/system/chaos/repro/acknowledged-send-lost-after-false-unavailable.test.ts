/**
 * Reproduces, end to end (SDK idempotent producer → local host → stand-ins):
 * an acknowledged send that is not in the log.
 *
 * 1. Batch A (one record, sequence 0): its index PutItem applies but times
 *    out; the follow-up index Query fails with a 500. The handler answers
 *    `UNAVAILABLE` (see ambiguous-append-then-failed-read.test.ts), which
 *    says nothing was applied.
 * 2. The producer (retries off, to reach the state in one step) believes it
 *    and hands sequence 0 back.
 * 3. Batch B (one record, sequence 0 again) is taken by the server for a
 *    retry of A and acknowledged with A's offset. B is not in the log.
 *
 * With retries on, the same happens whenever every retry of A fails
 * cleanly. Fixing the server's answer (UNKNOWN_OUTCOME) fixes this: the
 * producer then raises its epoch instead of reusing the sequence.
 */
import { Eddy } from '@eddy/sdk';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DynamoDBServiceException } from '@aws-sdk/client-dynamodb';
import { testHost, type TestHost } from '../../../helpers/host.js';

type Next = (args: unknown) => Promise<unknown>;
interface Stack {
  middlewareStack: { add: (mw: unknown, opts: unknown) => void };
}

let host: TestHost;
/** Set to make the next index append apply-then-time-out and the next index read after it fail. */
let armed = false;
let failNextQuery = false;

beforeAll(async () => {
  host = await testHost({
    instrument: (clients) => {
      (clients.dynamodb as unknown as Stack).middlewareStack.add(
        (next: Next, context: { commandName?: string }) => async (args: { input?: { ConditionExpression?: string } }) => {
          if (context.commandName === 'QueryCommand' && failNextQuery) {
            failNextQuery = false;
            throw new DynamoDBServiceException({ name: 'InternalServerError', $fault: 'server', $metadata: { httpStatusCode: 500 }, message: 'injected' });
          }
          const out = await next(args);
          if (context.commandName === 'PutItemCommand' && args.input?.ConditionExpression === 'attribute_not_exists(pk)' && armed) {
            armed = false;
            failNextQuery = true;
            throw Object.assign(new Error('Connection timed out after 10000 ms (injected; the put applied)'), { name: 'TimeoutError' });
          }
          return out;
        },
        { step: 'initialize', name: 'reproFaults', priority: 'high' },
      );
    },
  });
});
afterAll(() => host.cleanup());

describe('an idempotent producer after a produce answered UNAVAILABLE although it applied', () => {
  it('never has a send acknowledged whose record is not in the log', async () => {
    const eddy = new Eddy({ endpoint: host.url });
    await eddy.createTopic({ name: 'lost-ack', partitions: 1 });
    const producer = eddy.producer({ retry: { retries: 0 }, lingerMs: 0 });
    await producer.send({ topic: 'lost-ack', messages: [{ value: 'warm-up', partition: 0 }] });

    armed = true;
    const a = await producer.send({ topic: 'lost-ack', messages: [{ value: 'A', partition: 0 }] }).then(
      (m) => ({ offset: m[0]!.offsets[0]! }),
      (error: unknown) => ({ error }),
    );
    const b = await producer.send({ topic: 'lost-ack', messages: [{ value: 'B', partition: 0 }] });
    const bOffset = b[0]!.offsets[0]!;

    const log = await eddy.getRecords({ topic: 'lost-ack', partition: 0, offset: 0, encoding: 'utf8' });
    const values = log.records.map((r) => r.value);
    expect(values, `A ${JSON.stringify(a)}; B acknowledged at ${bOffset}`).toContain('B');
    expect(log.records.find((r) => r.offset === bOffset)?.value).toBe('B');
    await producer.disconnect();
  });
});
