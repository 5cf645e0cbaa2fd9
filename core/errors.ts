/**
 * Eddy's error model: one error class carrying a code; the code's policy
 * (HTTP status, retryable, outcome) comes from the one table in `@eddy/api`,
 * which the SDK reads too.
 *
 * Adapters translate AWS errors into these codes at the edge; nothing above
 * them ever sees an AWS error name. Anything not an {@link EddyError} is a
 * bug and becomes `INTERNAL`, which is never retried.
 */

import { ERROR_CODES, type ErrorCode, type ErrorEnvelope, type ErrorOutcome } from '@eddy/api';

export { ERROR_CODES, isErrorCode, type ErrorCode, type ErrorOutcome, type ErrorPolicy } from '@eddy/api';

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

/** Wraps anything thrown into an EddyError: unknown errors are bugs, so `INTERNAL`. */
export function toEddyError(err: unknown): EddyError {
  if (err instanceof EddyError) return err;
  const message = err instanceof Error ? err.message : String(err);
  return new EddyError('INTERNAL', `internal error: ${message}`, { cause: err });
}

/** The JSON error envelope of the HTTP API. */
export function errorEnvelope(err: EddyError): ErrorEnvelope {
  return { error: { code: err.code, message: err.message, retryable: err.retryable } };
}
