/**
 * The event a trigger handler receives and the answer it may give, shaped
 * like Lambda's Kafka and Kinesis events so a handler written for those reads
 * naturally here. The deployed dispatcher and the local runner
 * (`eddy trigger`) build exactly this shape.
 *
 * ```json
 * { "eventSource": "eddy", "topic": "orders", "partition": 0, "groupId": "billing",
 *   "records": [{ "topic": "orders", "partition": 0, "offset": 41, "timestamp": 1700000000000,
 *                 "key": "azE=", "value": "eyJuIjoxfQ==", "headers": [{ "key": "trace", "value": "YWJj" }] }] }
 * ```
 *
 * Keys, values and header values are base64 (a record's bytes are opaque to
 * Eddy); a null key or value (a tombstone) stays null.
 */

/** One record of a trigger batch. Offsets are numbers (JavaScript-safe up to 2^53). */
export interface EddyRecord {
  /** Topic of the record. */
  readonly topic: string;
  /** Partition of the record. */
  readonly partition: number;
  /** Offset of the record in its partition. */
  readonly offset: number;
  /** Append time (epoch milliseconds) or the producer's timestamp. */
  readonly timestamp: number;
  /** Key, base64; null when the record has no key. */
  readonly key: string | null;
  /** Value, base64; null for a tombstone. */
  readonly value: string | null;
  /** Headers in order; values base64. */
  readonly headers: readonly EddyHeader[];
}

/** One record header; `value` is base64 (null for a null header value). */
export interface EddyHeader {
  readonly key: string;
  readonly value: string | null;
}

/** What a trigger handler receives: one ordered batch of one partition. */
export interface EddyEvent {
  /** Always `'eddy'`. */
  readonly eventSource: 'eddy';
  /** Topic the batch comes from. */
  readonly topic: string;
  /** Partition the batch comes from; all records share it. */
  readonly partition: number;
  /** Consumer group whose committed offsets track this trigger's progress. */
  readonly groupId: string;
  /** Records in offset order (at least one). */
  readonly records: readonly EddyRecord[];
}

/**
 * What a handler may return. Without failures (or returning nothing) the
 * whole batch counts as processed. With failures, the records before the
 * lowest failed offset are committed and the batch is retried from it
 * (Lambda's `ReportBatchItemFailures` for Kinesis).
 */
export interface EddyBatchResponse {
  /** Failed records, by offset as a decimal string. */
  readonly batchItemFailures: readonly { readonly itemIdentifier: string }[];
}

/** A trigger handler's signature (the Lambda context is optional for Eddy). */
export type EddyHandler = (event: EddyEvent, context?: unknown) => Promise<EddyBatchResponse | void | undefined> | EddyBatchResponse | void | undefined;

/**
 * Decodes a base64 field of an {@link EddyRecord}: to bytes by default, to
 * UTF-8 text with `'text'`, or parsed JSON with `'json'`. Null stays null.
 *
 * @example decode(record.value, 'json') // → { n: 1 }
 */
export function decode(field: string | null, as?: 'bytes'): Uint8Array | null;
export function decode(field: string | null, as: 'text'): string | null;
export function decode(field: string | null, as: 'json'): unknown;
export function decode(field: string | null, as: 'bytes' | 'text' | 'json' = 'bytes'): Uint8Array | string | unknown {
  if (field === null) return null;
  // atob is global in Node ≥ 16 and browsers, so @eddy/api keeps no dependencies.
  const binary = atob(field);
  const bytes = new Uint8Array(binary.length);
  for (let i = 0; i < binary.length; i++) bytes[i] = binary.charCodeAt(i);
  if (as === 'bytes') return bytes;
  const text = new TextDecoder('utf-8', { fatal: false }).decode(bytes);
  return as === 'text' ? text : (JSON.parse(text) as unknown);
}
