/**
 * Eddy's error codes and the policy of each: the HTTP status the API answers
 * with, whether a client may retry, and what is known about the write a
 * failed request interrupted. Core's `EddyError` and the SDK's both read this
 * one table; the Kafka front door maps codes to Kafka's in a table of its own.
 */

/**
 * What a failed request left behind.
 * - `none`: nothing was applied (safe to retry anything);
 * - `unknown`: the write may or may not have applied (retry only with idempotence);
 * - `n/a`: not a write, or a rejection before any work.
 */
export type ErrorOutcome = 'none' | 'unknown' | 'n/a';

/** Policy of one error code. */
export interface ErrorPolicy {
  /** HTTP status the API answers with. */
  readonly status: number;
  /** Whether repeating the request may succeed. */
  readonly retryable: boolean;
  /** What the failed request left behind. */
  readonly outcome: ErrorOutcome;
}

/** Every error code of the API with its policy. Codes are persisted in clients: never rename one. */
export const ERROR_CODES = {
  INVALID_REQUEST: { status: 400, retryable: false, outcome: 'none' },
  INVALID_TOPIC: { status: 400, retryable: false, outcome: 'none' },
  INVALID_PARTITIONS: { status: 400, retryable: false, outcome: 'none' },
  /** A record batch whose framing or CRC is wrong on the way in (stored data is `DATA_CORRUPT`). */
  CORRUPT_MESSAGE: { status: 400, retryable: false, outcome: 'none' },
  UNKNOWN_TOPIC_OR_PARTITION: { status: 404, retryable: false, outcome: 'none' },
  GROUP_NOT_FOUND: { status: 404, retryable: false, outcome: 'none' },
  TOPIC_ALREADY_EXISTS: { status: 409, retryable: false, outcome: 'none' },
  NON_EMPTY_GROUP: { status: 409, retryable: false, outcome: 'none' },
  STALE_MEMBER_EPOCH: { status: 409, retryable: false, outcome: 'none' },
  UNKNOWN_MEMBER_ID: { status: 409, retryable: false, outcome: 'none' },
  /** An idempotent batch whose first sequence is not the partition's next one for its producer. */
  OUT_OF_ORDER_SEQUENCE: { status: 409, retryable: false, outcome: 'none' },
  /** An idempotent producer the partition does not know, sending a sequence other than 0. */
  UNKNOWN_PRODUCER_ID: { status: 409, retryable: false, outcome: 'none' },
  /** An idempotent producer whose epoch is older than the partition's: a newer instance took over. */
  PRODUCER_FENCED: { status: 409, retryable: false, outcome: 'none' },
  OFFSET_OUT_OF_RANGE: { status: 416, retryable: false, outcome: 'n/a' },
  MESSAGE_TOO_LARGE: { status: 413, retryable: false, outcome: 'none' },
  THROTTLED: { status: 429, retryable: true, outcome: 'none' },
  UNAVAILABLE: { status: 503, retryable: true, outcome: 'none' },
  UNKNOWN_OUTCOME: { status: 503, retryable: true, outcome: 'unknown' },
  DATA_CORRUPT: { status: 500, retryable: false, outcome: 'n/a' },
  INTERNAL: { status: 500, retryable: false, outcome: 'unknown' },
} as const satisfies Record<string, ErrorPolicy>;

/** An API error code. */
export type ErrorCode = keyof typeof ERROR_CODES;

/** True when `code` names a known error code. */
export function isErrorCode(code: unknown): code is ErrorCode {
  return typeof code === 'string' && Object.hasOwn(ERROR_CODES, code);
}

/** The JSON error envelope of the HTTP API. */
export interface ErrorEnvelope {
  readonly error: { readonly code: ErrorCode; readonly message: string; readonly retryable: boolean };
}
