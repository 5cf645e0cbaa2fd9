/**
 * What the local host's AWS clients would be billed for: request counts per
 * `service:Command` (core's own {@link RequestCounter}), DynamoDB read and
 * write request units computed from the items as DynamoDB sizes them, and
 * S3 bytes moved. Installed through `startLocalHost({instrument})`.
 *
 * Units, as DynamoDB on-demand bills them:
 * - a write: ceil(item bytes / 1 KB) WRU, at least 1, also when its
 *   condition fails;
 * - a consistent read: ceil(bytes read / 4 KB) RRU, at least 1 (an
 *   eventually consistent one half that); a Query sums the items it returns.
 */
import { countRequests, RequestCounter } from '../../core/adapters/aws/clients.js';

type AttributeValue = Record<string, unknown>;

/** DynamoDB's size of an attribute value in bytes (numbers: 1 byte per 2 significant digits + 1). */
function valueSize(v: AttributeValue): number {
  if (typeof v.S === 'string') return Buffer.byteLength(v.S);
  if (typeof v.N === 'string') return Math.ceil(v.N.replace(/^[-0.]+|\.|0+$/g, '').length / 2) + 1;
  if (v.B instanceof Uint8Array) return v.B.length;
  if ('BOOL' in v || 'NULL' in v) return 1;
  if (Array.isArray(v.L)) return 3 + (v.L as AttributeValue[]).reduce((n, e) => n + 1 + valueSize(e), 0);
  if (v.M && typeof v.M === 'object') return 3 + itemSize(v.M as Record<string, AttributeValue>) + Object.keys(v.M).length;
  if (Array.isArray(v.SS)) return (v.SS as string[]).reduce((n, s) => n + Buffer.byteLength(s), 0);
  if (Array.isArray(v.NS)) return (v.NS as string[]).reduce((n, s) => n + Math.ceil(s.length / 2) + 1, 0);
  return 0;
}

/** DynamoDB's size of an item: attribute names plus values. */
export function itemSize(item: Record<string, AttributeValue> | undefined): number {
  if (!item) return 0;
  let n = 0;
  for (const [name, v] of Object.entries(item)) n += Buffer.byteLength(name) + valueSize(v);
  return n;
}

/** Billed units and bytes, by operation. */
export interface MeterSnapshot {
  /** Requests per `service:Command`, every attempt. */
  readonly requests: Record<string, number>;
  /** DynamoDB read request units. */
  readonly rru: number;
  /** DynamoDB write request units. */
  readonly wru: number;
  /** Largest item written, bytes (the index entry stays far below 400 KB). */
  readonly maxItemBytes: number;
  /** Mean size of the log index items written, bytes. */
  readonly meanIndexItemBytes: number;
  /** Bytes PUT to S3 and read from S3. */
  readonly s3PutBytes: number;
  readonly s3GetBytes: number;
}

interface StackClient {
  middlewareStack: { add: (mw: unknown, opts: unknown) => void };
}

/** Meters a pair of AWS clients; `snapshot()` and `reset()` between phases. */
export class AwsMeter {
  readonly counter = new RequestCounter();
  private rru = 0;
  private wru = 0;
  private maxItem = 0;
  private indexItems = 0;
  private indexItemBytes = 0;
  private putBytes = 0;
  private getBytes = 0;

  /** Installs the counting middleware on both clients. */
  install(clients: { s3: unknown; dynamodb: unknown }, logTable: string): void {
    countRequests(clients.s3 as StackClient, 's3', this.counter);
    countRequests(clients.dynamodb as StackClient, 'dynamodb', this.counter);
    (clients.dynamodb as StackClient).middlewareStack.add(
      (next: (args: unknown) => Promise<{ output?: Record<string, unknown> }>, context: { commandName?: string }) =>
        async (args: { input?: Record<string, unknown> }) => {
          const command = (context.commandName ?? '').replace(/Command$/, '');
          const input = args.input ?? {};
          const consistent = input.ConsistentRead === true;
          const readUnits = (bytes: number): number => Math.max(1, Math.ceil(bytes / 4096)) * (consistent ? 1 : 0.5);
          const writeUnits = (bytes: number): number => Math.max(1, Math.ceil(bytes / 1024));
          if (command === 'PutItem') {
            const size = itemSize(input.Item as Record<string, AttributeValue>);
            this.wru += writeUnits(size);
            this.maxItem = Math.max(this.maxItem, size);
            if (input.TableName === logTable) {
              this.indexItems++;
              this.indexItemBytes += size;
            }
          } else if (command === 'DeleteItem' || command === 'UpdateItem') {
            this.wru += 1;
          } else if (command === 'BatchWriteItem') {
            const requests = Object.values((input.RequestItems ?? {}) as Record<string, Array<{ PutRequest?: { Item: Record<string, AttributeValue> } }>>).flat();
            for (const r of requests) this.wru += writeUnits(itemSize(r.PutRequest?.Item));
          }
          let result: { output?: Record<string, unknown> };
          try {
            result = await next(args);
          } catch (err) {
            if (command === 'GetItem' || command === 'Query' || command === 'Scan') this.rru += readUnits(0);
            throw err;
          }
          const out = result.output ?? {};
          if (command === 'GetItem') this.rru += readUnits(itemSize(out.Item as Record<string, AttributeValue> | undefined));
          else if (command === 'Query' || command === 'Scan') {
            const items = (out.Items ?? []) as Array<Record<string, AttributeValue>>;
            this.rru += readUnits(items.reduce((n, it) => n + itemSize(it), 0));
          }
          return result;
        },
      { step: 'initialize', name: 'eddyBenchCapacityMeter' },
    );
    (clients.s3 as StackClient).middlewareStack.add(
      (next: (args: unknown) => Promise<{ output?: Record<string, unknown> }>, context: { commandName?: string }) =>
        async (args: { input?: Record<string, unknown> }) => {
          const command = (context.commandName ?? '').replace(/Command$/, '');
          const input = args.input ?? {};
          if (command === 'PutObject') {
            const body = input.Body as { byteLength?: number } | undefined;
            this.putBytes += body?.byteLength ?? 0;
          }
          const result = await next(args);
          if (command === 'GetObject') this.getBytes += Number(result.output?.ContentLength ?? 0);
          return result;
        },
      { step: 'initialize', name: 'eddyBenchS3Meter' },
    );
  }

  snapshot(): MeterSnapshot {
    return {
      requests: this.counter.snapshot(),
      rru: this.rru,
      wru: this.wru,
      maxItemBytes: this.maxItem,
      meanIndexItemBytes: this.indexItems ? this.indexItemBytes / this.indexItems : 0,
      s3PutBytes: this.putBytes,
      s3GetBytes: this.getBytes,
    };
  }

  reset(): void {
    this.counter.reset();
    this.rru = this.wru = this.maxItem = this.indexItems = this.indexItemBytes = this.putBytes = this.getBytes = 0;
  }
}
