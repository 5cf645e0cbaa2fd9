/**
 * Seeded fault injection into the AWS SDK v3 clients the handlers use, as
 * middleware installed through the local host's `instrument` hook.
 *
 * Two middlewares per client, at two deliberate steps of the SDK's stack:
 *
 * ```
 * send(command)
 *   initialize ........ [eddyChaosCall]     one decision per call: the adapter sees this error as is
 *   serialize, build
 *   finalizeRequest ... retry (priority high: standard mode; 4 attempts for DynamoDB, 3 for S3)
 *                       [eddyChaosAttempt]  (priority low, inside the retry loop) one decision per attempt
 *   deserialize ....... the HTTP request to dynalite / s3rver
 * ```
 *
 * - Per attempt (finalizeRequest, below the retry middleware) models a flaky
 *   network and a flaky service: the SDK retries what it classifies as
 *   retryable (5xx, throttling, timeouts, resets) on its own, so most of
 *   these never reach Eddy's code, and an ambiguous fault there makes the SDK
 *   resend a write that already applied: the conditional index put then
 *   fails against its own item, which is exactly the case `appendChunk` must
 *   recognise as "ours" rather than as a lost race.
 * - Per call (initialize, above the retries) models a failure the SDK gave up
 *   on: the adapters' error translation and Eddy's own retry and
 *   ambiguity handling see it directly.
 * - Crash points are per call too: the produce handler "dies" at a chosen
 *   point of the protocol, by a non-retryable error (the adapters map
 *   unknown errors to `INTERNAL`, so nothing retries past the crash):
 *   between the S3 PUT and the first index write of a request, and between
 *   the index writes of a multi-partition request (the second partition's
 *   write), before it is sent; and after an index write applied (the ack is
 *   lost).
 *
 * Every decision is `keyedRandom(seed, stream, n)` with a counter per stream
 * (`attempt:dynamodb:PutItem`, `call:s3:GetObject`, …): a seed fixes the
 * fault schedule of each stream. `enabled = false` stops all injection (the
 * drain phase); counters then stop too.
 */
import { DynamoDBServiceException } from '@aws-sdk/client-dynamodb';
import { S3ServiceException } from '@aws-sdk/client-s3';
import type { AwsClients } from '../../../core/adapters/aws/index.js';
import { DEFAULTS } from '../../../core/config.js';
import { between, keyedRandom, StreamCounters, type Random } from './prng.js';

/** Kinds of injected storage faults. */
export type StorageFaultKind =
  /** A 500/503 before the request is sent (nothing applied). */
  | 'error'
  /** Throttling before the request is sent (nothing applied). */
  | 'throttle'
  /** The request is sent and applied, then the caller sees a timeout or a reset. */
  | 'ambiguous'
  /** Extra delay before sending; not a failure. */
  | 'latency'
  /** The produce handler dies after the S3 PUT, before its first index write. */
  | 'crash-before-index'
  /** The produce handler dies between the index writes of a multi-partition request. */
  | 'crash-between-index'
  /** The produce handler dies right after an index write applied (its ack is lost). */
  | 'crash-after-index';

/** Probabilities of each fault, per decision. */
export interface StorageFaultRates {
  /** Per attempt, below the SDK's retries. */
  readonly attempt: { readonly error: number; readonly throttle: number; readonly ambiguous: number; readonly latency: number };
  /** Per call, above the SDK's retries. */
  readonly call: { readonly error: number; readonly throttle: number; readonly ambiguous: number };
  /** Per index append: crash before the request's first index write, before its second partition's, after any. */
  readonly crash: { readonly beforeIndex: number; readonly betweenIndex: number; readonly afterIndex: number };
  /** Range of added latency in ms. */
  readonly latencyMs: readonly [number, number];
}

/** The default profile: about 12% of storage requests fail, 5% are slowed. */
export const DEFAULT_STORAGE_RATES: StorageFaultRates = {
  attempt: { error: 0.04, throttle: 0.025, ambiguous: 0.035, latency: 0.05 },
  call: { error: 0.01, throttle: 0.005, ambiguous: 0.015 },
  crash: { beforeIndex: 0.02, betweenIndex: 0.15, afterIndex: 0.01 },
  latencyMs: [5, 150],
};

/** Only ambiguous faults (the control arm). */
export const AMBIGUOUS_ONLY_RATES: StorageFaultRates = {
  attempt: { error: 0, throttle: 0, ambiguous: 0.05, latency: 0 },
  call: { error: 0, throttle: 0, ambiguous: 0.05 },
  crash: { beforeIndex: 0, betweenIndex: 0, afterIndex: 0 },
  latencyMs: [0, 0],
};

/** One injected fault, for the history and for debugging a seed. */
export interface StorageFaultEvent {
  readonly kind: StorageFaultKind;
  /** `attempt:<service>:<Command>`, `call:…` or `crash:…`. */
  readonly stream: string;
  /** Index of the decision in its stream. */
  readonly n: number;
  readonly command: string;
  readonly time: number;
}

/** Counters of what the injector saw and did. */
export interface StorageFaultStats {
  /** Storage requests: attempts that reached the wire step, plus calls failed before any attempt. */
  readonly requests: number;
  /** Calls (`client.send`) seen while enabled. */
  readonly calls: number;
  /** Faults by kind. */
  readonly byKind: Record<StorageFaultKind, number>;
  /** Failures injected (every kind but latency). */
  readonly failures: number;
  /** failures / requests. */
  readonly failureRate: number;
}

/** The thrown error of a crash point: not an AWS error, so the adapters map it to `INTERNAL` and nothing retries it. */
export class ChaosCrash extends Error {
  override readonly name = 'ChaosCrash';
}

type Service = 'dynamodb' | 's3';
type Next = (args: unknown) => Promise<unknown>;
interface Context {
  commandName?: string;
}
interface Stack {
  middlewareStack: { add: (mw: unknown, opts: unknown) => void };
}
interface PutItemInput {
  TableName?: string;
  ConditionExpression?: string;
  Item?: Record<string, { S?: string }>;
}

const sleep = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));

function cleanError(service: Service, random: Random): Error {
  const options =
    service === 'dynamodb'
      ? random() < 0.5
        ? { name: 'InternalServerError', status: 500 }
        : { name: 'ServiceUnavailable', status: 503 }
      : random() < 0.5
        ? { name: 'InternalError', status: 500 }
        : { name: 'ServiceUnavailable', status: 503 };
  const init = { name: options.name, $fault: 'server' as const, $metadata: { httpStatusCode: options.status }, message: `chaos: injected ${options.name}` };
  return service === 'dynamodb' ? new DynamoDBServiceException(init) : new S3ServiceException(init);
}

function throttleError(service: Service, random: Random): Error {
  if (service === 's3') {
    return new S3ServiceException({ name: 'SlowDown', $fault: 'server', $metadata: { httpStatusCode: 503 }, message: 'chaos: injected SlowDown' });
  }
  const name = random() < 0.5 ? 'ThrottlingException' : 'ProvisionedThroughputExceededException';
  return new DynamoDBServiceException({ name, $fault: 'client', $metadata: { httpStatusCode: 400 }, message: `chaos: injected ${name}` });
}

/** What the SDK's HTTP handler throws when a response never comes: a timeout or a reset connection. */
function ambiguousError(random: Random): Error {
  if (random() < 0.5) return Object.assign(new Error('Connection timed out after 10000 ms (chaos: the request was applied)'), { name: 'TimeoutError' });
  return Object.assign(new Error('socket hang up (chaos: the request was applied)'), { code: 'ECONNRESET' });
}

/** Fault injection into the handlers' S3 and DynamoDB clients. */
export class StorageFaults {
  /** Whether faults are injected now. */
  enabled = true;
  /** Every fault injected, in order of injection. */
  readonly events: StorageFaultEvent[] = [];
  private counters = new StreamCounters();
  private attempts = 0;
  private calls = 0;
  private callsFailedBeforeSend = 0;
  private readonly byKind: Record<StorageFaultKind, number> = {
    error: 0,
    throttle: 0,
    ambiguous: 0,
    latency: 0,
    'crash-before-index': 0,
    'crash-between-index': 0,
    'crash-after-index': 0,
  };
  /** Per produce object key: the index partitions (pk) whose appends were seen. */
  private readonly appendsByObject = new Map<string, Set<string>>();

  /**
   * @param seed - fixes the fault schedule.
   * @param rates - fault probabilities.
   * @param logTable - the index table (crash points only concern its appends).
   */
  constructor(
    public seed: number,
    public rates: StorageFaultRates = DEFAULT_STORAGE_RATES,
    private readonly logTable: string = DEFAULTS.logTable,
  ) {}

  /** Starts every stream's schedule again from decision 0, under `seed`. Counters of what was injected are kept. */
  reseed(seed: number): void {
    this.seed = seed;
    this.counters = new StreamCounters();
  }

  /** Installs the middlewares on both clients; pass as (or call from) the local host's `instrument`. */
  install(clients: AwsClients): void {
    this.installOn(clients.dynamodb as unknown as Stack, 'dynamodb');
    this.installOn(clients.s3 as unknown as Stack, 's3');
  }

  /** Counters so far. */
  stats(): StorageFaultStats {
    const failures = Object.entries(this.byKind).reduce((n, [k, v]) => (k === 'latency' ? n : n + v), 0);
    const requests = this.attempts + this.callsFailedBeforeSend;
    return { requests, calls: this.calls, byKind: { ...this.byKind }, failures, failureRate: requests === 0 ? 0 : failures / requests };
  }

  private record(kind: StorageFaultKind, stream: string, n: number, command: string): void {
    this.byKind[kind]++;
    this.events.push({ kind, stream, n, command, time: Date.now() });
  }

  private installOn(client: Stack, service: Service): void {
    client.middlewareStack.add(
      (next: Next, context: Context) => (args: { input?: unknown }) => this.onCall(service, (context.commandName ?? 'Unknown').replace(/Command$/, ''), args, next),
      { step: 'initialize', name: 'eddyChaosCall', priority: 'high' },
    );
    client.middlewareStack.add(
      (next: Next, context: Context) => (args: unknown) => this.onAttempt(service, (context.commandName ?? 'Unknown').replace(/Command$/, ''), args, next),
      { step: 'finalizeRequest', name: 'eddyChaosAttempt', priority: 'low' },
    );
  }

  /** A decision: which kind (if any) out of `options`, by cumulative probability. */
  private decide<K extends StorageFaultKind>(stream: string, options: ReadonlyArray<readonly [K, number]>): { kind: K | undefined; n: number; random: Random } {
    const n = this.counters.next(stream);
    const random = keyedRandom(this.seed, stream, n);
    const u = random();
    let acc = 0;
    for (const [kind, p] of options) {
      acc += p;
      if (u < acc) return { kind, n, random };
    }
    return { kind: undefined, n, random };
  }

  private async onCall(service: Service, command: string, args: { input?: unknown }, next: Next): Promise<unknown> {
    if (!this.enabled) return next(args);
    this.calls++;
    const crash = this.crashPoint(service, command, args.input);
    if (crash && crash.kind !== 'crash-after-index') {
      this.record(crash.kind, crash.stream, crash.n, command);
      this.callsFailedBeforeSend++;
      throw new ChaosCrash(`chaos: the produce handler crashed ${crash.kind === 'crash-before-index' ? 'after its S3 PUT, before its first index write' : 'between the index writes of a multi-partition request'}`);
    }
    const stream = `call:${service}:${command}`;
    const r = this.rates.call;
    const { kind, n, random } = this.decide(stream, [
      ['error', r.error],
      ['throttle', r.throttle],
      ['ambiguous', r.ambiguous],
    ] as const);
    if (kind === 'error' || kind === 'throttle') {
      this.record(kind, stream, n, command);
      this.callsFailedBeforeSend++;
      throw kind === 'error' ? cleanError(service, random) : throttleError(service, random);
    }
    const out = await next(args);
    if (crash) {
      this.record(crash.kind, crash.stream, crash.n, command);
      throw new ChaosCrash('chaos: the produce handler crashed right after an index write applied');
    }
    if (kind === 'ambiguous') {
      this.record(kind, stream, n, command);
      throw ambiguousError(random);
    }
    return out;
  }

  private async onAttempt(service: Service, command: string, args: unknown, next: Next): Promise<unknown> {
    if (!this.enabled) return next(args);
    this.attempts++;
    const stream = `attempt:${service}:${command}`;
    const r = this.rates.attempt;
    const { kind, n, random } = this.decide(stream, [
      ['error', r.error],
      ['throttle', r.throttle],
      ['ambiguous', r.ambiguous],
      ['latency', r.latency],
    ] as const);
    if (kind === 'error' || kind === 'throttle') {
      this.record(kind, stream, n, command);
      throw kind === 'error' ? cleanError(service, random) : throttleError(service, random);
    }
    if (kind === 'latency') {
      this.record(kind, stream, n, command);
      await sleep(between(random, this.rates.latencyMs[0], this.rates.latencyMs[1]));
      return next(args);
    }
    if (kind === 'ambiguous') {
      // Let the request apply, then lose the answer; whether it succeeded or failed no longer matters.
      await next(args).catch(() => undefined);
      this.record(kind, stream, n, command);
      throw ambiguousError(random);
    }
    return next(args);
  }

  /**
   * Decides a crash point for an index append (a conditional PutItem of an
   * entry referencing an object): the first partition of a request, or a
   * later one (a multi-partition request between two index writes). Retries
   * of one partition's append are not new crash points.
   */
  private crashPoint(service: Service, command: string, input: unknown): { kind: StorageFaultKind; stream: string; n: number } | undefined {
    if (service !== 'dynamodb' || command !== 'PutItem') return undefined;
    const put = input as PutItemInput;
    const objectKey = put.Item?.o?.S;
    const pk = put.Item?.pk?.S;
    if (put.TableName !== this.logTable || put.ConditionExpression !== 'attribute_not_exists(pk)' || !objectKey || !pk) return undefined;
    let seen = this.appendsByObject.get(objectKey);
    if (!seen) this.appendsByObject.set(objectKey, (seen = new Set()));
    const c = this.rates.crash;
    let stream: string;
    let options: ReadonlyArray<readonly [StorageFaultKind, number]>;
    if (seen.has(pk)) {
      stream = 'crash:index-append-retry';
      options = [['crash-after-index', c.afterIndex]];
    } else {
      seen.add(pk);
      const first = seen.size === 1;
      stream = first ? 'crash:first-index-write' : 'crash:later-index-write';
      options = [
        [first ? 'crash-before-index' : 'crash-between-index', first ? c.beforeIndex : c.betweenIndex],
        ['crash-after-index', c.afterIndex],
      ];
    }
    const { kind, n } = this.decide(stream, options);
    return kind ? { kind, stream, n } : undefined;
  }
}
