/**
 * The deployed trigger dispatcher, in process, over the real AWS adapters on
 * dynalite and s3rver. dynalite has no streams, so each wake-up is a DynamoDB
 * Streams event built from the real index item a produce wrote (the `n`
 * attribute the stream filter selects on included). The user's functions are
 * reached through an injected invoker.
 */
import { ScanCommand, type AttributeValue } from '@aws-sdk/client-dynamodb';
import type { DispatcherTrigger, EddyEvent } from '@eddy/api';
import { decode } from '@eddy/api';
import { Eddy, HandlerNotRunError } from '@eddy/sdk';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { awsComponents } from '../../core/adapters/aws/index.js';
import { createLogger } from '../../lambdas/http/log.js';
import { createRuntime, type Runtime } from '../../lambdas/http/runtime.js';
import { Dispatcher, inProcessTransport, type DeadLetterMessage, type DispatchReport } from '../../lambdas/trigger/dispatcher.js';
import { DynamoPartitionLeases, type PartitionLeases } from '../../lambdas/trigger/lease.js';
import { testStandins } from '../helpers/standins.js';

const TIMEOUT = 120_000;

let s: Awaited<ReturnType<typeof testStandins>>;
let rt: Runtime;
let client: Eddy;
let leases: DynamoPartitionLeases;
let n = 0;

beforeAll(async () => {
  s = await testStandins();
  rt = createRuntime({ settings: s.settings, components: awsComponents(s.settings, { clients: s.clients }), logger: createLogger('error') });
  client = new Eddy({ transport: inProcessTransport(rt) });
  leases = new DynamoPartitionLeases(s.clients.dynamodb, s.settings.groupsTable);
}, TIMEOUT);

afterAll(async () => {
  await s?.cleanup();
});

type Handler = (event: EddyEvent) => Promise<unknown>;

interface Setup {
  topic: string;
  group: string;
  dispatcher: Dispatcher;
  /** Every event the function received, in order. */
  calls: EddyEvent[];
  letters: DeadLetterMessage[];
  metrics: Record<string, unknown>[];
  /** A stream event of every index item of the topic (what DynamoDB Streams would deliver for them). */
  streamEvent(): Promise<unknown>;
  produce(values: string[], partition?: number): Promise<void>;
}

async function setup(options: { leases?: PartitionLeases; partitions?: number; trigger?: Partial<DispatcherTrigger>; handler: Handler; budgetMs?: number; backoffMs?: number; deadLetter?: boolean; deadLetterFails?: boolean }): Promise<Setup> {
  const topic = `trig-${n++}`;
  const group = `${topic}-g`;
  await client.createTopic({ name: topic, partitions: options.partitions ?? 1 });
  const calls: EddyEvent[] = [];
  const letters: DeadLetterMessage[] = [];
  const metrics: Record<string, unknown>[] = [];
  const trigger: DispatcherTrigger = {
    id: `${topic}/${group}`,
    topic,
    groupId: group,
    functionArn: `arn:aws:lambda:us-east-1:123456789012:function:${topic}`,
    handlerTimeoutMs: 5_000,
    startingPosition: 'earliest',
    batchSize: 100,
    maxBatchingWindowMs: 0,
    retryAttempts: -1,
    bisectBatchOnError: false,
    reportBatchItemFailures: false,
    ...(options.deadLetter ? { onFailure: { type: 'sqs' as const, target: 'https://sqs.us-east-1.amazonaws.com/123456789012/dlq' } } : {}),
    ...options.trigger,
  };
  const dispatcher = new Dispatcher({
    runtime: rt,
    triggers: [trigger],
    leases: options.leases ?? leases,
    invoke: async (arn, event) => {
      expect(arn).toBe(trigger.functionArn);
      calls.push(event);
      return options.handler(event);
    },
    sendDeadLetter: async (dest, message) => {
      expect(dest).toEqual(trigger.onFailure);
      if (options.deadLetterFails) throw new Error('SQS unavailable');
      letters.push(message);
    },
    emit: (line) => metrics.push(JSON.parse(line) as Record<string, unknown>),
    budgetMs: options.budgetMs ?? 20_000,
    backoffMs: options.backoffMs ?? 20,
    maxBackoffMs: Math.max(200, options.backoffMs ?? 0),
  });
  return {
    topic,
    group,
    dispatcher,
    calls,
    letters,
    metrics,
    async streamEvent() {
      const items = await indexItems(topic);
      return {
        Records: items.map((item) => ({ eventID: `${item.pk!.S}-${item.sk!.S}`, eventName: 'INSERT', eventSource: 'aws:dynamodb', dynamodb: { Keys: { pk: item.pk, sk: item.sk }, NewImage: item, StreamViewType: 'NEW_IMAGE' } })),
      };
    },
    async produce(values, partition = 0) {
      await client.putRecords({ topic, encoding: 'utf8', records: values.map((value) => ({ value, partition })) } as never);
    },
  };
}

/** The real index items a topic's appends wrote, found by the topic name they carry (what the stream filter matches). */
async function indexItems(topic: string): Promise<Record<string, AttributeValue>[]> {
  const out = await s.clients.dynamodb.send(new ScanCommand({ TableName: s.settings.logTable, FilterExpression: 'n = :t', ExpressionAttributeValues: { ':t': { S: topic } }, ConsistentRead: true }));
  return (out.Items ?? []).sort((x, y) => (x.pk!.S! + x.sk!.S! < y.pk!.S! + y.sk!.S! ? -1 : 1));
}

const offsetsOf = (calls: EddyEvent[], partition = 0): number[][] => calls.filter((c) => c.partition === partition).map((c) => c.records.map((r) => r.offset));
const lagOf = async (group: string, topic: string): Promise<number> => (await client.fetchOffsets({ group, topic })).offsets.reduce((sum, o) => sum + o.lag, 0);

describe('dispatcher on a stream wake-up', () => {
  it(
    'delivers a partition in offset order from the real index items, commits so the group shows lag 0, and publishes the lag metric',
    async () => {
      const t = await setup({ partitions: 2, handler: async () => undefined, trigger: { batchSize: 2 } });
      await t.produce(['a', 'b', 'c'], 0);
      await t.produce(['d'], 0);
      await t.produce(['x', 'y'], 1);
      const event = (await t.streamEvent()) as { Records: { dynamodb: { NewImage: Record<string, AttributeValue> } }[] };
      // The stream filter selects on the topic name the append wrote.
      expect(event.Records.length).toBeGreaterThan(0);
      for (const r of event.Records) expect(r.dynamodb.NewImage.n).toEqual({ S: t.topic });

      const report = await t.dispatcher.handle(event);
      expect(offsetsOf(t.calls, 0)).toEqual([[0, 1], [2, 3]]);
      expect(offsetsOf(t.calls, 1)).toEqual([[0, 1]]);
      expect(t.calls.find((c) => c.partition === 0)).toMatchObject({ eventSource: 'eddy', topic: t.topic, partition: 0, groupId: t.group });
      expect(t.calls.flatMap((c) => c.records.map((r) => decode(r.value, 'text')))).toEqual(expect.arrayContaining(['a', 'b', 'c', 'd', 'x', 'y']));
      expect(report.batches).toBe(3);
      expect(await lagOf(t.group, t.topic)).toBe(0);
      // `eddy groups describe` reads the same offsets.
      const described = await client.describeGroup({ group: t.group });
      expect(described.offsets.map((o) => [o.partition, o.offset, o.lag])).toEqual([
        [0, 4, 0],
        [1, 2, 0],
      ]);
      // Wake-ups stay lean; the sweep publishes the lag metric.
      expect(t.metrics).toEqual([]);
      await t.dispatcher.handle({ eddySweep: true });
      expect(t.metrics).toEqual([expect.objectContaining({ Trigger: `${t.topic}/${t.group}`, LagRecords: 0, OldestUndeliveredAgeMs: 0 })]);
      expect((t.metrics[0]!._aws as { CloudWatchMetrics: { Namespace: string }[] }).CloudWatchMetrics[0]!.Namespace).toBe('Eddy/Triggers');

      // A second wake-up for the same items finds nothing new: nothing is redelivered.
      await t.dispatcher.handle(event);
      expect(t.calls).toHaveLength(3);
    },
    TIMEOUT,
  );

  it(
    'retries a throwing batch, then delivers and commits it',
    async () => {
      let fails = 2;
      const t = await setup({
        handler: async () => {
          if (fails-- > 0) throw new Error('not yet');
        },
      });
      await t.produce(['a', 'b']);
      await t.dispatcher.handle(await t.streamEvent());
      expect(offsetsOf(t.calls)).toEqual([[0, 1], [0, 1], [0, 1]]);
      expect(t.letters).toEqual([]);
      expect(await lagOf(t.group, t.topic)).toBe(0);
    },
    TIMEOUT,
  );

  it(
    'sends an exhausted batch to onFailure with its coordinates, commits past it and moves on',
    async () => {
      const t = await setup({
        deadLetter: true,
        trigger: { retryAttempts: 1, batchSize: 2 },
        handler: async (e) => {
          if (e.records.some((r) => r.offset === 1)) throw new Error('poison');
        },
      });
      await t.produce(['a', 'b', 'c']);
      const report = await t.dispatcher.handle(await t.streamEvent());
      expect(offsetsOf(t.calls)).toEqual([[0, 1], [0, 1], [2]]);
      expect(t.letters).toHaveLength(1);
      expect(t.letters[0]).toMatchObject({
        requestContext: { condition: 'RetryAttemptsExhausted', approximateInvokeCount: 2 },
        eddyBatchInfo: { topic: t.topic, partition: 0, groupId: t.group, startOffset: 0, endOffset: 1, batchSize: 2, attempts: 2, error: expect.stringContaining('poison') },
      });
      expect(report.deadLettered).toBe(1);
      expect(await lagOf(t.group, t.topic)).toBe(0);
    },
    TIMEOUT,
  );

  it(
    'retries an invoke refused before the function ran (throttled) without using up retryAttempts: nothing is dead-lettered, bisected or skipped',
    async () => {
      let refusals = 3;
      const t = await setup({
        deadLetter: true,
        trigger: { retryAttempts: 0, bisectBatchOnError: true },
        handler: async () => {
          if (refusals-- > 0) throw new HandlerNotRunError('f was not invoked (TooManyRequestsException): Rate exceeded');
        },
      });
      await t.produce(['a', 'b']);
      await t.dispatcher.handle(await t.streamEvent());
      // Three refused invokes of the whole batch, then the one that ran.
      expect(offsetsOf(t.calls)).toEqual([[0, 1], [0, 1], [0, 1], [0, 1]]);
      expect(t.letters).toEqual([]);
      expect(await lagOf(t.group, t.topic)).toBe(0);
    },
    TIMEOUT,
  );

  it(
    'bisects a failing batch down to the poison record, which alone is dead-lettered',
    async () => {
      const t = await setup({
        deadLetter: true,
        trigger: { retryAttempts: 0, bisectBatchOnError: true },
        handler: async (e) => {
          if (e.records.some((r) => r.offset === 2)) throw new Error('poison');
        },
      });
      await t.produce(['a', 'b', 'c', 'd']);
      await t.dispatcher.handle(await t.streamEvent());
      expect(t.letters.map((l) => [l.eddyBatchInfo.startOffset, l.eddyBatchInfo.endOffset])).toEqual([[2, 2]]);
      const delivered = t.calls.filter((c) => !c.records.some((r) => r.offset === 2)).flatMap((c) => c.records.map((r) => r.offset));
      expect(delivered).toEqual([0, 1, 3]);
      expect(await lagOf(t.group, t.topic)).toBe(0);
    },
    TIMEOUT,
  );

  it(
    'with reportBatchItemFailures commits the records before the first failure and retries from it; without, the batch counts as done',
    async () => {
      let once = true;
      const partial = async (e: EddyEvent): Promise<unknown> => {
        if (once && e.records.some((r) => r.offset === 2)) {
          once = false;
          return { batchItemFailures: [{ itemIdentifier: '2' }] };
        }
        return undefined;
      };
      const t = await setup({ trigger: { reportBatchItemFailures: true }, handler: partial });
      await t.produce(['a', 'b', 'c', 'd']);
      await t.dispatcher.handle(await t.streamEvent());
      expect(offsetsOf(t.calls)).toEqual([[0, 1, 2, 3], [2, 3]]);
      expect(await lagOf(t.group, t.topic)).toBe(0);

      once = true;
      const u = await setup({ trigger: { reportBatchItemFailures: false }, handler: partial });
      await u.produce(['a', 'b', 'c', 'd']);
      await u.dispatcher.handle(await u.streamEvent());
      expect(offsetsOf(u.calls)).toEqual([[0, 1, 2, 3]]);
    },
    TIMEOUT,
  );
});

describe('startingPosition latest on a stream wake-up', () => {
  it(
    'delivers the first append of a topic created after the trigger (no committed offset): the woken records are not skipped',
    async () => {
      const t = await setup({ partitions: 2, handler: async () => undefined, trigger: { startingPosition: 'latest' } });
      await t.produce(['first', 'second'], 0);
      await t.produce(['other'], 1);
      await t.dispatcher.handle(await t.streamEvent());
      expect(offsetsOf(t.calls, 0)).toEqual([[0, 1]]);
      expect(offsetsOf(t.calls, 1)).toEqual([[0]]);
      expect(await lagOf(t.group, t.topic)).toBe(0);
      // Later appends follow from the committed offset, once each.
      await t.produce(['third'], 0);
      await t.dispatcher.handle(await t.streamEvent());
      expect(offsetsOf(t.calls, 0)).toEqual([[0, 1], [2]]);
    },
    TIMEOUT,
  );
});

describe('one batch in flight per partition', () => {
  it(
    'two concurrent invocations never deliver one partition at once, and every record arrives once, in order',
    async () => {
      let inFlight = 0;
      let maxInFlight = 0;
      const t = await setup({
        trigger: { batchSize: 1 },
        handler: async () => {
          inFlight++;
          maxInFlight = Math.max(maxInFlight, inFlight);
          await new Promise((r) => setTimeout(r, 50));
          inFlight--;
        },
      });
      await t.produce(['a', 'b', 'c', 'd', 'e']);
      const event = await t.streamEvent();
      // A second dispatcher container over the same table, woken at the same moment.
      const other = new Dispatcher({
        runtime: rt,
        triggers: [{ id: `${t.topic}/${t.group}`, topic: t.topic, groupId: t.group, functionArn: `arn:aws:lambda:us-east-1:123456789012:function:${t.topic}`, handlerTimeoutMs: 5_000, startingPosition: 'earliest', batchSize: 1, maxBatchingWindowMs: 0, retryAttempts: -1, bisectBatchOnError: false, reportBatchItemFailures: false }],
        leases,
        invoke: async (_arn, e) => {
          t.calls.push(e);
          inFlight++;
          maxInFlight = Math.max(maxInFlight, inFlight);
          await new Promise((r) => setTimeout(r, 50));
          inFlight--;
        },
        sendDeadLetter: async () => undefined,
        emit: () => undefined,
      });
      const [a, b] = await Promise.all([t.dispatcher.handle(event), other.handle(event)]);
      expect(maxInFlight).toBe(1);
      expect(offsetsOf(t.calls)).toEqual([[0], [1], [2], [3], [4]]);
      // One of them held the lease; the other found it held and skipped the partition.
      const all = [a, b] as DispatchReport[];
      expect(all.flatMap((r) => r.busy).length + all.flatMap((r) => r.drained).length).toBeGreaterThanOrEqual(2);
      expect(await lagOf(t.group, t.topic)).toBe(0);
    },
    TIMEOUT,
  );

  it(
    'a wake-up that finds the partition held marks it pending; the holder, about to let go, delivers the new records first',
    async () => {
      let later: Promise<DispatchReport> | undefined;
      const box = {} as { t: Setup };
      let raced = false;
      // The race that matters: the holder has found nothing more to fetch and is about to release the lease
      // when an append lands and its wake-up arrives in another invocation.
      const racing: PartitionLeases = {
        acquire: (...a) => leases.acquire(...a),
        markPending: (...a) => leases.markPending(...a),
        abandon: (...a) => leases.abandon(...a),
        renew: (...a) => leases.renew(...a),
        attempts: (...a) => leases.attempts(...a),
        release: async (key, owner) => {
          if (!raced) {
            raced = true;
            await box.t.produce(['late']);
            later = box.t.dispatcher.handle(await box.t.streamEvent());
            await later;
          }
          return leases.release(key, owner);
        },
      };
      const t = (box.t = await setup({ handler: async () => undefined, leases: racing }));
      await t.produce(['early']);
      const report = await t.dispatcher.handle(await t.streamEvent());
      expect((await later!).busy).toEqual([`${t.topic}/${t.group}#0`]);
      expect(report.drained).toEqual([`${t.topic}/${t.group}#0`]);
      expect(offsetsOf(t.calls)).toEqual([[0], [1]]);
      expect(await lagOf(t.group, t.topic)).toBe(0);
    },
    TIMEOUT,
  );
});

describe('a lease taken over', () => {
  it(
    'a holder whose lease expired and was taken over does not invoke or commit again',
    async () => {
      const box = {} as { t: Setup };
      const t = (box.t = await setup({
        trigger: { batchSize: 1 },
        handler: async (e) => {
          if (e.records[0]!.offset === 0) {
            // The handler ran past the lease: another invocation took the partition over after it expired.
            const key = { group: box.t.group, topic: box.t.topic, partition: 0 };
            expect(await leases.acquire(key, 'intruder', Date.now() + 600_000, Date.now() + 10_000_000)).toBeDefined();
          }
        },
      }));
      await t.produce(['a', 'b', 'c']);
      await t.dispatcher.handle(await t.streamEvent());
      // The batch in flight finishes; nothing after it is delivered or committed by the old holder.
      expect(offsetsOf(t.calls)).toEqual([[0]]);
      const committed = (await client.fetchOffsets({ group: t.group, topic: t.topic })).offsets.find((o) => o.partition === 0);
      expect(committed?.offset).toBeLessThanOrEqual(1);
      // The new holder keeps its lease: a wake-up finds it held.
      const next = await t.dispatcher.handle(await t.streamEvent());
      expect(next.busy).toEqual([`${t.topic}/${t.group}#0`]);
      expect(offsetsOf(t.calls)).toEqual([[0]]);
    },
    TIMEOUT,
  );
});

describe('an engine error', () => {
  it(
    'lets go of the lease even when a wake-up marked it pending, so the next wake-up drains the partition',
    async () => {
      let failing = true;
      const box = {} as { t: Setup };
      const t = (box.t = await setup({
        deadLetter: true,
        deadLetterFails: true,
        trigger: { retryAttempts: 0 },
        handler: async () => {
          // Another invocation woken meanwhile finds the lease held and marks it pending.
          expect(await leases.markPending({ group: box.t.group, topic: box.t.topic, partition: 0 }, Date.now())).toBe(true);
          if (failing) throw new Error('poison');
        },
      }));
      await t.produce(['a']);
      const first = await t.dispatcher.handle(await t.streamEvent());
      // Sending the dead letter failed: an error of the dispatcher, not the handler's.
      expect(first.errors).toEqual([`${t.topic}/${t.group}#0`]);
      expect(await lagOf(t.group, t.topic)).toBe(1);
      failing = false;
      const next = await t.dispatcher.handle(await t.streamEvent());
      expect(next.busy).toEqual([]);
      expect(next.drained).toEqual([`${t.topic}/${t.group}#0`]);
      expect(offsetsOf(t.calls)).toEqual([[0], [0]]);
      expect(await lagOf(t.group, t.topic)).toBe(0);
    },
    TIMEOUT,
  );
});

describe('requests per wake-up (what docs/triggers.md prices)', () => {
  it(
    'one wake-up delivering one batch of a 1-partition topic: 7 GetItem, 9 Query, 2 PutItem, 3 UpdateItem (lease, renewal, release), 1 S3 GET',
    async () => {
      const t = await setup({ handler: async () => undefined });
      await t.dispatcher.handle({ eddySweep: true }); // starts the partition (at 'earliest': the sweep leaves a 'latest' one to its wake-up)
      await t.produce(['a']);
      const event = await t.streamEvent();
      s.counter.reset();
      await t.dispatcher.handle(event);
      // The fetch at the head plans its read from the head entry its bounds read: no further index Query.
      expect(s.counter.snapshot()).toEqual({ 'dynamodb:GetItem': 7, 'dynamodb:PutItem': 2, 'dynamodb:Query': 9, 'dynamodb:UpdateItem': 3, 's3:GetObject': 1 });
      s.counter.reset();
      await t.dispatcher.handle({ eddySweep: true });
      // The idle sweep of this trigger: reads only.
      expect(s.counter.snapshot()).toEqual({ 'dynamodb:GetItem': 7, 'dynamodb:Query': 9 });
    },
    TIMEOUT,
  );

  it(
    'the same on a 3-partition topic, one partition woken: 7 GetItem, 13 Query, 5 writes, 1 S3 GET',
    async () => {
      const t = await setup({ partitions: 3, handler: async () => undefined });
      await t.dispatcher.handle({ eddySweep: true });
      await t.produce(['a']);
      const event = await t.streamEvent();
      s.counter.reset();
      await t.dispatcher.handle(event);
      expect(s.counter.snapshot()).toEqual({ 'dynamodb:GetItem': 7, 'dynamodb:PutItem': 2, 'dynamodb:Query': 13, 'dynamodb:UpdateItem': 3, 's3:GetObject': 1 });
    },
    TIMEOUT,
  );
});

describe('the sweep', () => {
  it(
    'delivers partitions no append woke (records older than any stream) and keeps a blocked batch blocked, its attempts counted across invocations',
    async () => {
      let poison = true;
      const t = await setup({
        deadLetter: true,
        // One attempt per invocation: the 60 s backoff never fits the 5 s budget.
        budgetMs: 5_000,
        backoffMs: 60_000,
        trigger: { retryAttempts: 2 },
        handler: async () => {
          if (poison) throw new Error('down');
        },
      });
      await t.produce(['old-1', 'old-2']);
      // No stream event at all: the sweep finds the partition never started and delivers it.
      const report = await t.dispatcher.handle({ eddySweep: true });
      expect(report.kind).toBe('sweep');
      expect(t.calls).toHaveLength(1);
      expect(await lagOf(t.group, t.topic)).toBe(2);
      expect(t.metrics.at(-1)).toMatchObject({ LagRecords: 2 });
      expect(t.metrics.at(-1)!.OldestUndeliveredAgeMs).toBeGreaterThanOrEqual(0);
      await t.dispatcher.handle({ eddySweep: true });
      expect(t.calls).toHaveLength(2);
      expect(t.letters).toEqual([]);
      // The third attempt, in a third invocation, exhausts retryAttempts 2.
      await t.dispatcher.handle({ eddySweep: true });
      expect(t.calls).toHaveLength(3);
      expect(t.letters).toHaveLength(1);
      expect(t.letters[0]!.eddyBatchInfo).toMatchObject({ startOffset: 0, endOffset: 1, attempts: 3 });
      expect(await lagOf(t.group, t.topic)).toBe(0);

      // Without onFailure a failing batch blocks its partition and the lag metric shows it.
      poison = true;
      const b = await setup({ budgetMs: 5_000, backoffMs: 60_000, trigger: { retryAttempts: 0 }, handler: async () => Promise.reject(new Error('down')) });
      await b.produce(['x']);
      await b.dispatcher.handle({ eddySweep: true });
      await b.dispatcher.handle({ eddySweep: true });
      expect(b.calls.length).toBe(2);
      expect(await lagOf(b.group, b.topic)).toBe(1);
      expect(b.metrics.at(-1)).toMatchObject({ LagRecords: 1 });
      poison = false;
    },
    TIMEOUT,
  );

  it(
    'with bisect, retryAttempts runs out across invocations: the failing sub-batch resumes with its attempts, the poison record reaches onFailure and the partition moves on',
    async () => {
      const t = await setup({
        deadLetter: true,
        // One attempt per invocation: the 60 s backoff never fits the 5 s budget.
        budgetMs: 5_000,
        backoffMs: 60_000,
        trigger: { retryAttempts: 2, bisectBatchOnError: true },
        handler: async (e) => {
          if (e.records.some((r) => r.offset === 2)) throw new Error('poison');
        },
      });
      await t.produce(['a', 'b', 'c', 'd']);
      for (let i = 0; i < 6 && t.letters.length === 0; i++) await t.dispatcher.handle({ eddySweep: true });
      expect(t.letters.map((l) => [l.eddyBatchInfo.startOffset, l.eddyBatchInfo.endOffset, l.eddyBatchInfo.attempts])).toEqual([[2, 2, 3]]);
      // [2] alone fails once per invocation: attempts 1, 2, 3 in three invocations.
      expect(t.calls.filter((c) => c.records.length === 1 && c.records[0]!.offset === 2)).toHaveLength(3);
      expect(t.calls.filter((c) => c.records.some((r) => r.offset === 3) && !c.records.some((r) => r.offset === 2))).toHaveLength(1);
      expect(await lagOf(t.group, t.topic)).toBe(0);
      // The stored count was cleared once the batch was settled.
      const item = await s.clients.dynamodb.send(
        new ScanCommand({ TableName: s.settings.groupsTable, FilterExpression: 'pk = :g AND begins_with(sk, :l)', ExpressionAttributeValues: { ':g': { S: t.group }, ':l': { S: 'lease#' } }, ConsistentRead: true }),
      );
      expect(item.Items).toHaveLength(1);
      expect(item.Items![0]!.fa).toBeUndefined();
      expect(item.Items![0]!.fo).toBeUndefined();
    },
    TIMEOUT,
  );

  it(
    "under 'latest' leaves a never-started partition to its wake-up, so a sweep between an append and its stream record skips nothing",
    async () => {
      const t = await setup({ trigger: { startingPosition: 'latest' }, handler: async () => undefined });
      await t.produce(['first', 'second']);
      // The sweep runs before the append's stream record reaches the dispatcher.
      await t.dispatcher.handle({ eddySweep: true });
      expect(t.calls).toEqual([]);
      // Nothing committed: the group does not even exist yet.
      await expect(client.fetchOffsets({ group: t.group, topic: t.topic })).rejects.toMatchObject({ code: 'GROUP_NOT_FOUND' });
      await t.dispatcher.handle(await t.streamEvent());
      expect(offsetsOf(t.calls)).toEqual([[0, 1]]);
      // Started now: a later sweep re-drives it like any partition with a committed offset.
      await t.produce(['third']);
      await t.dispatcher.handle({ eddySweep: true });
      expect(offsetsOf(t.calls)).toEqual([[0, 1], [2]]);
    },
    TIMEOUT,
  );

  it('rejects an event it does not know, naming what it expected', async () => {
    const t = await setup({ handler: async () => undefined });
    await expect(t.dispatcher.handle({ hello: 1 })).rejects.toThrow(/DynamoDB Streams records or \{"eddySweep":true\}/);
  });
});
