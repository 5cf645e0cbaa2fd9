/**
 * Eddy's error model (DESIGN.md §3): one error class carrying a code, and one
 * table that gives each code its HTTP status, whether a client may retry it,
 * and what is known about the write it interrupted.
 *
 * Adapters translate AWS errors into these codes at the edge; nothing above
 * them ever sees an AWS error name. Anything not an {@link EddyError} is a
 * bug and becomes `INTERNAL`, which is never retried.
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
  readonly status: number;
  readonly retryable: boolean;
  readonly outcome: ErrorOutcome;
}

/** Every error code of the API with its policy. Codes are persisted in clients: never rename. */
export const ERROR_CODES = {
  INVALID_REQUEST: { status: 400, retryable: false, outcome: 'none' },
  INVALID_TOPIC: { status: 400, retryable: false, outcome: 'none' },
  INVALID_PARTITIONS: { status: 400, retryable: false, outcome: 'none' },
  CORRUPT_MESSAGE: { status: 400, retryable: false, outcome: 'none' },
  UNKNOWN_TOPIC_OR_PARTITION: { status: 404, retryable: false, outcome: 'none' },
  GROUP_NOT_FOUND: { status: 404, retryable: false, outcome: 'none' },
  TOPIC_ALREADY_EXISTS: { status: 409, retryable: false, outcome: 'none' },
  NON_EMPTY_GROUP: { status: 409, retryable: false, outcome: 'none' },
  STALE_MEMBER_EPOCH: { status: 409, retryable: false, outcome: 'none' },
  UNKNOWN_MEMBER_ID: { status: 409, retryable: false, outcome: 'none' },
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

/** The one error class of Eddy. `code` decides status and retry policy. */
export class EddyError extends Error {
  override readonly name = 'EddyError';
  constructor(
    readonly code: ErrorCode,
    message: string,
    options?: { cause?: unknown },
  ) {
    super(message, options);
  }

  get status(): number {
    return ERROR_CODES[this.code].status;
  }

  get retryable(): boolean {
    return ERROR_CODES[this.code].retryable;
  }

  get outcome(): ErrorOutcome {
    return ERROR_CODES[this.code].outcome;
  }
}

/** True when `code` names a known error code. */
export function isErrorCode(code: unknown): code is ErrorCode {
  return typeof code === 'string' && Object.hasOwn(ERROR_CODES, code);
}

/** Wraps anything thrown into an EddyError: unknown errors are bugs, so `INTERNAL`. */
export function toEddyError(err: unknown): EddyError {
  if (err instanceof EddyError) return err;
  const message = err instanceof Error ? err.message : String(err);
  return new EddyError('INTERNAL', `internal error: ${message}`, { cause: err });
}

/** The JSON error envelope of the HTTP API. */
export function errorEnvelope(err: EddyError): { error: { code: ErrorCode; message: string; retryable: boolean } } {
  return { error: { code: err.code, message: err.message, retryable: err.retryable } };
}
