/**
 * The SDK's error model, mirroring the API's (docs/design.md §9): one error class
 * carrying the API `code`, and one table giving each code its HTTP status,
 * whether a client may retry it, and what is known about the write it
 * interrupted. The table is the server's own, from `@eddy/api`.
 *
 * Failures that never produced an API response are mapped onto the same
 * codes by the transports: a connection that failed before the request was
 * sent is `UNAVAILABLE`; one that broke after it was sent is
 * `UNKNOWN_OUTCOME`.
 */

import { ERROR_CODES, isErrorCode, type ErrorCode, type ErrorOutcome } from '@eddy/api';

export { ERROR_CODES, isErrorCode, type ErrorCode, type ErrorOutcome, type ErrorPolicy } from '@eddy/api';

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
