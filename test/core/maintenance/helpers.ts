/**
 * Helpers for the maintenance suites: a clock tests can move forward, and
 * adapter kinds that hand each test an isolated store (its own tables and
 * bucket on the stand-ins), because a maintenance run sweeps the whole store.
 */
import type { RequestCounter } from '../../../core/adapters/aws/index.js';
import { memoryComponents } from '../../../core/adapters/memory/index.js';
import type { Components, Log } from '../../../core/index.js';
import { EddyError } from '../../../core/errors.js';
import type { IndexEntry } from '../../../core/model.js';
import type { Clock, Ids, MetadataStore, ObjectStore } from '../../../core/ports.js';
import { TABLES } from '../../../core/schema.js';
import { testStandins } from '../../helpers/standins.js';

/** Wall time plus an offset that tests advance; `sleep` only yields, so retries cost no real time. */
export interface TestClock extends Clock {
  advance(ms: number): void;
}

/**
 * Tracks the wall clock (so S3 stand-in `lastModified` times, which are real,
 * stay comparable with it) plus whatever the test has advanced.
 */
export function testClock(): TestClock {
  let offset = 0;
  return {
    now: () => Date.now() + offset,
    sleep: () => new Promise((resolve) => setImmediate(resolve)),
    advance: (ms) => {
      offset += ms;
    },
  };
}

/** A way to build fresh, isolated engine components. */
export interface MaintenanceKind {
  readonly name: string;
  setup(): Promise<void>;
  /** New empty stores on the given clock and ids. */
  fresh(clock: Clock, ids: Ids): Promise<Components>;
  /** Seeds of the interleaving test (each a different schedule). @default one */
  readonly seeds?: readonly number[];
  /** Counts AWS requests (stand-ins only). */
  counter?: RequestCounter;
  teardown(): Promise<void>;
}

/** Memory adapters, new maps per test. */
export function memoryMaintenanceKind(): MaintenanceKind {
  return {
    name: 'memory',
    seeds: [20261126, 1, 2, 3, 4, 5, 6, 7],
    async setup() {},
    fresh: async (clock, ids) => memoryComponents(clock, ids),
    async teardown() {},
  };
}

/** AWS adapters on dynalite + s3rver: one pair of servers, new tables and bucket per test. */
export function standinMaintenanceKind(): MaintenanceKind {
  let s: Awaited<ReturnType<typeof testStandins>> | undefined;
  let n = 0;
  const kind: MaintenanceKind = {
    name: 'aws on stand-ins',
    async setup() {
      s = await testStandins();
      kind.counter = s.counter;
    },
    async fresh(clock, ids) {
      // Imported here, not at the top: the memory suites must not pay for loading the AWS SDK.
      const [{ CreateTableCommand }, { CreateBucketCommand }, { awsComponents }] = await Promise.all([
        import('@aws-sdk/client-dynamodb'),
        import('@aws-sdk/client-s3'),
        import('../../../core/adapters/aws/index.js'),
      ]);
      const suffix = `m${n++}`;
      const settings = {
        ...s!.settings,
        topicsTable: `topics-${suffix}`,
        logTable: `log-${suffix}`,
        groupsTable: `groups-${suffix}`,
        bucket: `data-${suffix}`,
      };
      for (const table of TABLES) {
        const keys = [table.partitionKey, ...(table.sortKey ? [table.sortKey] : [])];
        await s!.clients.dynamodb.send(
          new CreateTableCommand({
            TableName: settings[table.settingsKey],
            BillingMode: 'PAY_PER_REQUEST',
            AttributeDefinitions: keys.map((k) => ({ AttributeName: k.name, AttributeType: k.type })),
            KeySchema: keys.map((k, i) => ({ AttributeName: k.name, KeyType: i === 0 ? 'HASH' : 'RANGE' })),
          }),
        );
      }
      await s!.clients.s3.send(new CreateBucketCommand({ Bucket: settings.bucket }));
      s!.counter.reset();
      return { ...awsComponents(settings, { clients: s!.clients }), clock, ids };
    },
    async teardown() {
      await s?.cleanup();
    },
  };
  return kind;
}

export const enc = (s: string): Uint8Array => new TextEncoder().encode(s);
export const dec = (b: Uint8Array | null): string | null => (b === null ? null : new TextDecoder().decode(b));

/** Throws unless `p` rejects with an EddyError of `code`; returns it. */
export async function expectCode(p: Promise<unknown>, code: string): Promise<EddyError> {
  try {
    await p;
  } catch (err) {
    if (!(err instanceof EddyError) || err.code !== code) throw err;
    return err;
  }
  throw new Error(`expected ${code}, but the call succeeded`);
}

/** Every record of a partition from `from` up to the high-water mark, fetched as a consumer would. */
export async function readAll(engine: Log, topic: string, partition: number, from?: number, maxRecords = 7) {
  const out: Array<{ offset: number; timestamp: number; key: Uint8Array | null; value: Uint8Array | null; headers: ReadonlyArray<readonly [string, Uint8Array | null]> }> = [];
  let offset = from ?? (await engine.partitionOffsets(topic, partition)).logStartOffset;
  for (let empty = 0; ; ) {
    const r = await engine.fetch({ topic, partition, offset, maxRecords });
    out.push(...r.records);
    if (r.nextOffset >= r.highWatermark) return out;
    if (r.records.length === 0 && ++empty > 20) throw new Error(`no progress at offset ${offset} of ${topic}/${partition}`);
    offset = r.nextOffset;
  }
}

/** Every object key under a prefix. */
export async function objectKeys(store: ObjectStore, prefix = ''): Promise<string[]> {
  const keys: string[] = [];
  for await (const o of store.list(prefix)) keys.push(o.key);
  return keys;
}

/** Every index entry of a partition. */
export async function indexEntries(meta: MetadataStore, topicId: string, partition: number): Promise<IndexEntry[]> {
  const out: IndexEntry[] = [];
  for await (const e of meta.listEntries(topicId, partition)) out.push(e);
  return out;
}

/** Wraps a port so that the named methods run `around` instead (which may call the original). */
export function intercept<T extends object>(target: T, overrides: { [K in keyof T]?: T[K] extends (...a: infer A) => infer R ? (original: (...a: A) => R, ...a: A) => R : never }): T {
  return new Proxy(target, {
    get(t, prop, receiver) {
      const v = Reflect.get(t, prop, receiver) as unknown;
      if (typeof v !== 'function') return v;
      const original = (v as (...a: unknown[]) => unknown).bind(t);
      const override = (overrides as Record<string | symbol, ((original: unknown, ...a: unknown[]) => unknown) | undefined>)[prop];
      return override ? (...a: unknown[]) => override(original, ...a) : original;
    },
  });
}

/** A promise with its resolver, for pausing an operation mid-way. */
export function gate(): { promise: Promise<void>; open: () => void } {
  let open!: () => void;
  const promise = new Promise<void>((resolve) => (open = resolve));
  return { promise, open };
}
