/**
 * The SDK's error model, mirroring the API's (DESIGN.md §3): one error class
 * carrying the API `code`, and one table giving each code its HTTP status,
 * whether a client may retry it, and what is known about the write it
 * interrupted. The table is a copy of the server's so the SDK can be used
 * on its own; a unit test keeps the two from drifting.
 *
 * Failures that never produced an API response are mapped onto the same
 * codes by the transports: a connection that failed before the request was
 * sent is `UNAVAILABLE`; one that broke after it was sent is
 * `UNKNOWN_OUTCOME`.
 */

/**
 * What a failed request left behind.
 * - `none`: nothing was applied (safe to retry anything);
 * - `unknown`: the write may or may not have applied (retry only with idempotence);
 * - `n/a`: not a write, or a rejection before any work.
 */
export type ErrorOutcome = 'none' | 'unknown' | 'n/a';

/** Policy of one error code: HTTP status, retryability and outcome. */
export interface ErrorPolicy {
  /** HTTP status the API answers with. */
  readonly status: number;
  /** Whether repeating the request may succeed. */
  readonly retryable: boolean;
  /** What the failed request left behind. */
  readonly outcome: ErrorOutcome;
}

/** Every error code of the API with its policy (same table as the server's). */
export const ERROR_CODES = {
  INVALID_REQUEST: { status: 400, retryable: false, outcome: 'none' },
  INVALID_TOPIC: { status: 400, retryable: false, outcome: 'none' },
  INVALID_PARTITIONS: { status: 400, retryable: false, outcome: 'none' },
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

/** True when `code` names a known error code. */
export function isErrorCode(code: unknown): code is ErrorCode {
  return typeof code === 'string' && Object.hasOwn(ERROR_CODES, code);
}

/** Options of {@link EddyError}'s constructor. */
export interface EddyErrorOptions {
  /** The HTTP status actually received. @default the code's status from {@link ERROR_CODES} */
  readonly status?: number;
  /** Overrides the code's retryability (e.g. the server's `retryable` flag). @default the code's policy */
  readonly retryable?: boolean;
  /** The underlying error (network error, AWS SDK error). */
  readonly cause?: unknown;
}

/**
 * The one error class of the SDK: every failed call rejects with it.
 * `code` is the API's error code and decides the retry policy.
 */
export class EddyError extends Error {
  override readonly name = 'EddyError';
  /** The API error code. */
  readonly code: ErrorCode;
  /** The HTTP status (of the response, or the code's status for transport failures). */
  readonly status: number;
  /** Whether repeating the request may succeed (`UNKNOWN_OUTCOME`: only if the request is idempotent). */
  readonly retryable: boolean;

  /**
   * @param code - the API error code.
   * @param message - a human-readable description.
   * @param options - status, retryability override and cause.
   */
  constructor(code: ErrorCode, message: string, options: EddyErrorOptions = {}) {
    super(message, options.cause === undefined ? undefined : { cause: options.cause });
    this.code = code;
    this.status = options.status ?? ERROR_CODES[code].status;
    this.retryable = options.retryable ?? ERROR_CODES[code].retryable;
  }

  /** What the failed request left behind (`unknown`: it may have been applied). */
  get outcome(): ErrorOutcome {
    return ERROR_CODES[this.code].outcome;
  }
}

/** True when `err` is an {@link EddyError}, optionally with one of the given codes. */
export function isEddyError(err: unknown, ...codes: ErrorCode[]): err is EddyError {
  return err instanceof EddyError && (codes.length === 0 || codes.includes(err.code));
}

/**
 * Whether a request that failed with `err` may be sent again.
 * `UNKNOWN_OUTCOME` (the request may have been applied) is retried only when
 * the request is idempotent; anything that is not an {@link EddyError} is a
 * bug and is never retried.
 */
export function shouldRetry(err: unknown, idempotent: boolean): boolean {
  if (!(err instanceof EddyError) || !err.retryable) return false;
  return err.code !== 'UNKNOWN_OUTCOME' || idempotent;
}

/**
 * Builds the error for a non-2xx API response. Bodies carrying the API's
 * error envelope keep their code; anything else (an API Gateway or proxy
 * answer such as `{"message":"Forbidden"}`) is mapped by status.
 */
export function errorFromResponse(status: number, body: unknown): EddyError {
  const envelope = (body as { error?: { code?: unknown; message?: unknown; retryable?: unknown } } | null)?.error;
  if (envelope && typeof envelope === 'object') {
    const message = typeof envelope.message === 'string' ? envelope.message : `HTTP ${status}`;
    const retryable = typeof envelope.retryable === 'boolean' ? envelope.retryable : undefined;
    if (isErrorCode(envelope.code)) return new EddyError(envelope.code, message, { status, retryable });
    // A code this SDK does not know (a newer server): keep it in the message, trust the server's flag.
    return new EddyError('INTERNAL', `${String(envelope.code)}: ${message}`, { status, retryable: retryable ?? false });
  }
  const detail = describeBody(body);
  const message = `HTTP ${status}${detail ? `: ${detail}` : ''}`;
  if (status === 429) return new EddyError('THROTTLED', message, { status });
  if (status === 413) return new EddyError('MESSAGE_TOO_LARGE', message, { status });
  if (status === 503) return new EddyError('UNAVAILABLE', message, { status });
  // 502/504 from a gateway: the function may have run (and written) before it failed or timed out.
  if (status === 502 || status === 504) return new EddyError('UNKNOWN_OUTCOME', message, { status });
  if (status >= 400 && status < 500) return new EddyError('INVALID_REQUEST', message, { status });
  return new EddyError('INTERNAL', message, { status });
}

function describeBody(body: unknown): string {
  if (body === null || body === undefined) return '';
  if (typeof body === 'string') return body.slice(0, 400);
  const msg = (body as { message?: unknown; Message?: unknown }).message ?? (body as { Message?: unknown }).Message;
  if (typeof msg === 'string') return msg;
  return JSON.stringify(body).slice(0, 200);
}
