/**
 * The storage fault injector: deterministic per seed and per stream, off
 * when switched off, and — on real AWS SDK clients against the stand-ins —
 * injecting at the steps it claims: per-attempt faults below the SDK's
 * retries (3 attempts per call), per-call faults above them, ambiguous
 * faults after the write applied; and each fault is translated by the
 * adapters into the Eddy code it models.
 */
import { GetItemCommand, PutItemCommand } from '@aws-sdk/client-dynamodb';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { translateAwsError } from '../../../core/adapters/aws/index.js';
import { testStandins } from '../../helpers/standins.js';
import { keyedRandom } from './prng.js';
import { ChaosCrash, StorageFaults, type StorageFaultRates } from './storage-faults.js';

const NONE: StorageFaultRates = {
  attempt: { error: 0, throttle: 0, ambiguous: 0, latency: 0 },
  call: { error: 0, throttle: 0, ambiguous: 0 },
  crash: { beforeIndex: 0, betweenIndex: 0, afterIndex: 0 },
  latencyMs: [0, 0],
};

type Mw = (next: (args: unknown) => Promise<unknown>, context: { commandName: string }) => (args: unknown) => Promise<unknown>;

/** A client stand-in that captures the middlewares, so decisions can be driven by hand. */
function fakeClients(): { clients: never; call: (service: 'dynamodb' | 's3', command: string, input?: unknown) => Promise<{ outcome: string; error?: unknown }> } {
  const stacks = { dynamodb: [] as Array<{ mw: Mw; step: string }>, s3: [] as Array<{ mw: Mw; step: string }> };
  const client = (list: Array<{ mw: Mw; step: string }>) => ({ middlewareStack: { add: (mw: Mw, opts: { step: string }) => list.push({ mw, step: opts.step }) } });
  const clients = { dynamodb: client(stacks.dynamodb), s3: client(stacks.s3) } as never;
  /** Runs one call through initialize → (attempt) → a "wire" that applies; returns what happened. */
  const call = async (service: 'dynamodb' | 's3', command: string, input: unknown = {}): Promise<{ outcome: string; error?: unknown }> => {
    const init = stacks[service].find((m) => m.step === 'initialize')!.mw;
    const attempt = stacks[service].find((m) => m.step === 'finalizeRequest')!.mw;
    let applied = false;
    const wire = async (): Promise<unknown> => {
      applied = true;
      return {};
    };
    const context = { commandName: `${command}Command` };
    try {
      await init((args) => attempt(wire, context)(args), context)({ input });
      return { outcome: 'ok' };
    } catch (err) {
      const e = err as { name?: string; code?: string };
      return { outcome: `${e.code ?? e.name}${applied ? '+applied' : ''}`, error: err };
    }
  };
  return { clients, call };
}

describe('storage fault decisions', () => {
  const rates: StorageFaultRates = { ...NONE, attempt: { error: 0.2, throttle: 0.1, ambiguous: 0.1, latency: 0 }, call: { error: 0.05, throttle: 0, ambiguous: 0.05 } };

  async function schedule(seed: number, interleave: boolean): Promise<string[]> {
    const faults = new StorageFaults(seed, rates);
    const { clients, call } = fakeClients();
    faults.install(clients);
    const out: string[] = [];
    for (let i = 0; i < 300; i++) {
      out.push((await call('dynamodb', 'PutItem')).outcome);
      if (interleave && i % 3 === 0) await call('s3', 'GetObject');
    }
    return out;
  }

  it('are the same for the same seed, per stream, whatever other streams do', async () => {
    const a = await schedule(42, false);
    expect(await schedule(42, false)).toEqual(a);
    expect(await schedule(42, true)).toEqual(a);
    expect(await schedule(43, false)).not.toEqual(a);
  });

  it('follow the configured rates', async () => {
    const out = await schedule(7, false);
    const failed = out.filter((o) => o !== 'ok').length / out.length;
    // attempt faults 40% + call faults 10% of 300 calls
    expect(failed).toBeGreaterThan(0.35);
    expect(failed).toBeLessThan(0.65);
    expect(new Set(out)).toEqual(new Set(['ok', 'InternalServerError', 'ServiceUnavailable', 'ThrottlingException', 'ProvisionedThroughputExceededException', 'TimeoutError+applied', 'ECONNRESET+applied']));
  });

  it('stop when switched off', async () => {
    const faults = new StorageFaults(1, { ...NONE, attempt: { error: 1, throttle: 0, ambiguous: 0, latency: 0 } });
    const { clients, call } = fakeClients();
    faults.install(clients);
    expect((await call('s3', 'PutObject')).outcome).toMatch(/^(InternalError|ServiceUnavailable)$/);
    faults.enabled = false;
    expect((await call('s3', 'PutObject')).outcome).toBe('ok');
    expect(faults.stats()).toMatchObject({ requests: 1, failures: 1 });
  });

  it('crash a produce between its S3 PUT and its first index write, and between the index writes of two partitions', async () => {
    const put = (objectKey: string, pk: string) => ({ TableName: 'eddy-log', ConditionExpression: 'attribute_not_exists(pk)', Item: { pk: { S: pk }, sk: { S: '0'.repeat(20) }, o: { S: objectKey } } });
    const first = new StorageFaults(1, { ...NONE, crash: { beforeIndex: 1, betweenIndex: 0, afterIndex: 0 } });
    const a = fakeClients();
    first.install(a.clients);
    expect((await a.call('dynamodb', 'PutItem', put('ingest/t/1.eddy', 't#00000'))).outcome).toBe('ChaosCrash');
    expect((await a.call('dynamodb', 'PutItem', put('ingest/t/1.eddy', 't#00001'))).outcome).toBe('ok'); // second partition: not a "first" write
    expect((await a.call('dynamodb', 'PutItem', { TableName: 'eddy-groups', Item: { pk: { S: 'g' } } })).outcome).toBe('ok');

    const between = new StorageFaults(1, { ...NONE, crash: { beforeIndex: 0, betweenIndex: 1, afterIndex: 0 } });
    const b = fakeClients();
    between.install(b.clients);
    expect((await b.call('dynamodb', 'PutItem', put('ingest/t/2.eddy', 't#00000'))).outcome).toBe('ok');
    expect((await b.call('dynamodb', 'PutItem', put('ingest/t/2.eddy', 't#00000'))).outcome).toBe('ok'); // a retry of the same partition
    expect((await b.call('dynamodb', 'PutItem', put('ingest/t/2.eddy', 't#00001'))).outcome).toBe('ChaosCrash');
    expect(between.stats().byKind['crash-between-index']).toBe(1);

    const after = new StorageFaults(1, { ...NONE, crash: { beforeIndex: 0, betweenIndex: 0, afterIndex: 1 } });
    const c = fakeClients();
    after.install(c.clients);
    expect((await c.call('dynamodb', 'PutItem', put('ingest/t/3.eddy', 't#00000'))).outcome).toBe('ChaosCrash+applied');
  });

  it('are translated by the adapters into the codes they model', async () => {
    const translate = async (call: StorageFaultRates['call'], kind: 'read' | 'write'): Promise<string> => {
      const faults = new StorageFaults(3, { ...NONE, call });
      const f = fakeClients();
      faults.install(f.clients);
      return translateAwsError((await f.call('dynamodb', 'PutItem')).error, kind, 'x').code;
    };
    expect(await translate({ error: 1, throttle: 0, ambiguous: 0 }, 'write')).toBe('UNKNOWN_OUTCOME'); // a 5xx after sending a write: the adapter cannot know
    expect(await translate({ error: 1, throttle: 0, ambiguous: 0 }, 'read')).toBe('UNAVAILABLE');
    expect(await translate({ error: 0, throttle: 1, ambiguous: 0 }, 'write')).toBe('THROTTLED');
    expect(await translate({ error: 0, throttle: 0, ambiguous: 1 }, 'write')).toBe('UNKNOWN_OUTCOME');
    expect(await translate({ error: 0, throttle: 0, ambiguous: 1 }, 'read')).toBe('UNAVAILABLE');
    expect(translateAwsError(new ChaosCrash('x'), 'write', 'x').code).toBe('INTERNAL');
  });
});

describe('storage faults on real AWS SDK clients (stand-ins)', () => {
  let s: Awaited<ReturnType<typeof testStandins>>;
  let faults: StorageFaults;
  beforeAll(async () => {
    s = await testStandins();
    faults = new StorageFaults(5, NONE, s.settings.logTable);
    faults.install(s.clients);
  });
  afterAll(() => s.cleanup());

  const key = (pk: string) => ({ TableName: s.settings.groupsTable, Key: { pk: { S: pk }, sk: { S: 'meta' } } });

  it('per attempt: every attempt of a call is faulted, below the SDK’s retries', async () => {
    faults.rates = { ...NONE, attempt: { error: 1, throttle: 0, ambiguous: 0, latency: 0 } };
    faults.enabled = true;
    const before = faults.stats().requests;
    const err = await s.clients.dynamodb.send(new GetItemCommand(key('a'))).catch((e: unknown) => e as { name: string; $metadata: { attempts?: number } });
    faults.enabled = false;
    expect((err as { name: string }).name).toMatch(/InternalServerError|ServiceUnavailable/);
    // The client's standard retry mode makes maxAttempts attempts (DynamoDB's default is 4 in this SDK version, S3's 3).
    expect(faults.stats().requests - before).toBe(await s.clients.dynamodb.config.maxAttempts());
  }, 20_000);

  it('per call: the call fails once, above the SDK’s retries', async () => {
    faults.rates = { ...NONE, call: { error: 1, throttle: 0, ambiguous: 0 } };
    faults.enabled = true;
    const before = faults.stats();
    const err = await s.clients.dynamodb.send(new GetItemCommand(key('b'))).catch((e: unknown) => e);
    faults.enabled = false;
    expect((err as { $fault: string }).$fault).toBe('server');
    expect(faults.stats().calls - before.calls).toBe(1);
    expect(faults.stats().requests - before.requests).toBe(1);
  });

  it('ambiguous: the write applied although the caller saw a timeout or a reset', async () => {
    faults.rates = { ...NONE, call: { error: 0, throttle: 0, ambiguous: 1 } };
    faults.enabled = true;
    const err = await s.clients.dynamodb
      .send(new PutItemCommand({ TableName: s.settings.groupsTable, Item: { pk: { S: 'ambiguous' }, sk: { S: 'meta' }, v: { N: '1' } } }))
      .then(() => undefined, (e: unknown) => e as { name?: string; code?: string });
    faults.enabled = false;
    expect(err?.name === 'TimeoutError' || err?.code === 'ECONNRESET').toBe(true);
    expect(translateAwsError(err, 'write', 'put').code).toBe('UNKNOWN_OUTCOME');
    const item = await s.clients.dynamodb.send(new GetItemCommand({ ...key('ambiguous'), ConsistentRead: true }));
    expect(item.Item?.v?.N).toBe('1');
  });

  it('per attempt, ambiguous: the SDK resends a write that applied, so a conditional put fails against its own item', async () => {
    // A seed whose first PutItem attempt is ambiguous and whose second is clean.
    const stream = 'attempt:dynamodb:PutItem';
    let seed = 0;
    while (!(keyedRandom(seed, stream, 0)() < 0.5 && keyedRandom(seed, stream, 1)() >= 0.5)) seed++;
    faults.rates = { ...NONE, attempt: { error: 0, throttle: 0, ambiguous: 0.5, latency: 0 } };
    faults.reseed(seed);
    faults.enabled = true;
    const err = await s.clients.dynamodb
      .send(new PutItemCommand({ TableName: s.settings.groupsTable, Item: { pk: { S: 'resent' }, sk: { S: 'meta' }, v: { N: '7' } }, ConditionExpression: 'attribute_not_exists(pk)' }))
      .then(() => undefined, (e: unknown) => e as { name: string });
    faults.enabled = false;
    // The caller's own write is there, yet the caller is told the condition failed.
    expect(err?.name).toBe('ConditionalCheckFailedException');
    const item = await s.clients.dynamodb.send(new GetItemCommand({ ...key('resent'), ConsistentRead: true }));
    expect(item.Item?.v?.N).toBe('7');
  }, 20_000);
});
