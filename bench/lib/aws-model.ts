/**
 * The simulated-AWS latency model (`--simulate-aws`). It is a model, not a
 * measurement of AWS: each S3 and DynamoDB request the local host's handlers
 * make is delayed by a sample from a log-normal distribution fitted to a
 * p50 and a p99 (plus a transfer time for S3 bodies), added as AWS SDK
 * middleware on the host's own clients (via `startLocalHost({instrument})`,
 * `finalizeRequest` step, so every attempt waits, retries included). The
 * client side adds a modeled API Gateway + Lambda hop.
 *
 * Figures (in-region, warm, us-east-1-like), from published measurements and
 * AWS guidance; they vary by region, hour and object size:
 * - S3 PUT of up to ~1 MiB: p50 30 ms, p99 100 ms.
 * - S3 GET, time to first byte: p50 18 ms, p99 60 ms; then 90 MB/s per connection.
 * - DynamoDB consistent GetItem / Query: p50 4 ms, p99 12 ms.
 * - DynamoDB conditional PutItem / DeleteItem: p50 5 ms, p99 15 ms.
 * - S3 LIST / DeleteObjects, DynamoDB Scan / BatchWrite: p50 30 ms, p99 100 ms.
 * - API Gateway HTTP API + warm Lambda invoke, per request: p50 8 ms, p99 30 ms,
 *   plus request and response bodies at 200 MB/s.
 * Cold starts are not modeled.
 */

/** A latency distribution: log-normal through (p50, p99), plus an optional per-byte cost. */
import { mulberry32 } from '../../core/ids.js';
export interface Dist {
  readonly p50: number;
  readonly p99: number;
  /** Extra milliseconds per MB (10^6 bytes) transferred. */
  readonly msPerMB?: number;
}

/** Delays per AWS operation, `service:Command`. */
export const AWS_LATENCY: Readonly<Record<string, Dist>> = {
  's3:PutObject': { p50: 30, p99: 100 },
  's3:GetObject': { p50: 18, p99: 60, msPerMB: 1000 / 90 },
  's3:ListObjectsV2': { p50: 30, p99: 100 },
  's3:DeleteObjects': { p50: 30, p99: 100 },
  'dynamodb:GetItem': { p50: 4, p99: 12 },
  'dynamodb:Query': { p50: 4, p99: 12 },
  'dynamodb:PutItem': { p50: 5, p99: 15 },
  'dynamodb:DeleteItem': { p50: 5, p99: 15 },
  'dynamodb:UpdateItem': { p50: 5, p99: 15 },
  'dynamodb:Scan': { p50: 30, p99: 100 },
  'dynamodb:BatchWriteItem': { p50: 30, p99: 100 },
};

/** Fallback for operations not listed. */
const OTHER: Dist = { p50: 10, p99: 40 };

/** The client → API Gateway → Lambda hop. */
export const GATEWAY_LATENCY: Dist = { p50: 8, p99: 30, msPerMB: 1000 / 200 };

/** A seeded PRNG (mulberry32, core's), so a seed gives the same delays twice. */
export const prng: (seed: number) => () => number = mulberry32;

const Z99 = 2.326347874;

/** A sample of `d` in ms for a transfer of `bytes`. */
export function sample(d: Dist, random: () => number, bytes = 0): number {
  // Box-Muller; log-normal with median p50 and 99th percentile p99.
  const u1 = Math.max(random(), 1e-12);
  const u2 = random();
  const z = Math.sqrt(-2 * Math.log(u1)) * Math.cos(2 * Math.PI * u2);
  const sigma = Math.log(d.p99 / d.p50) / Z99;
  return d.p50 * Math.exp(sigma * z) + ((d.msPerMB ?? 0) * bytes) / 1e6;
}

interface StackClient {
  middlewareStack: { add: (mw: unknown, opts: unknown) => void };
}

/** Bytes an S3 request moves, when known from its input (PUT body, ranged GET). */
function s3Bytes(command: string, input: Record<string, unknown>): number {
  if (command === 'PutObject') {
    const body = input.Body as { length?: number; byteLength?: number } | undefined;
    return body?.byteLength ?? body?.length ?? 0;
  }
  if (command === 'GetObject' && typeof input.Range === 'string') {
    const m = /bytes=(\d+)-(\d+)/.exec(input.Range);
    if (m) return Number(m[2]) - Number(m[1]) + 1;
  }
  return 0;
}

/** Adds the modeled AWS latency to a client (every attempt sleeps a sampled delay before it is sent). */
export function simulateAwsLatency(client: unknown, service: 's3' | 'dynamodb', random: () => number): void {
  (client as StackClient).middlewareStack.add(
    (next: (args: unknown) => Promise<unknown>, context: { commandName?: string }) => async (args: { input?: Record<string, unknown> }) => {
      const command = (context.commandName ?? 'Unknown').replace(/Command$/, '');
      const dist = AWS_LATENCY[`${service}:${command}`] ?? OTHER;
      const bytes = service === 's3' ? s3Bytes(command, args.input ?? {}) : 0;
      await new Promise((r) => setTimeout(r, sample(dist, random, bytes)));
      return next(args);
    },
    { step: 'finalizeRequest', name: 'eddyBenchSimulatedLatency' },
  );
}
