/**
 * AWS errors → Eddy error codes, at the adapter edge. Nothing above the
 * adapters sees an AWS error name.
 */
import { EddyError } from '../../errors.js';

const THROTTLING = new Set([
  'ProvisionedThroughputExceededException',
  'ThrottlingException',
  'RequestLimitExceeded',
  'Throttling',
  'SlowDown',
  'TooManyRequestsException',
]);

const CLEAN_NETWORK = new Set(['ECONNREFUSED', 'ENOTFOUND', 'EAI_AGAIN', 'EHOSTUNREACH', 'ENETUNREACH']);

interface AwsLikeError {
  name?: string;
  code?: string;
  message?: string;
  $metadata?: { httpStatusCode?: number };
  $fault?: 'client' | 'server';
}

/**
 * Translates an AWS SDK error. `kind` says whether the call was a write, in
 * which case a failure after sending is ambiguous (`UNKNOWN_OUTCOME`).
 */
export function translateAwsError(err: unknown, kind: 'read' | 'write', what: string): EddyError {
  if (err instanceof EddyError) return err;
  const e = (err ?? {}) as AwsLikeError;
  const name = e.name ?? '';
  const code = e.code ?? '';
  const status = e.$metadata?.httpStatusCode;
  const detail = `${what}: ${name || code || 'error'}${e.message ? ` (${e.message})` : ''}`;
  if (THROTTLING.has(name) || THROTTLING.has(code) || status === 429) {
    return new EddyError('THROTTLED', `storage is throttling: ${detail}`, { cause: err });
  }
  if (name === 'NoSuchKey' || name === 'NotFound' || (status === 404 && kind === 'read')) {
    return new EddyError('DATA_CORRUPT', `stored data is missing: ${detail}`, { cause: err });
  }
  if (CLEAN_NETWORK.has(code) || CLEAN_NETWORK.has(name)) {
    return new EddyError('UNAVAILABLE', `storage unreachable: ${detail}`, { cause: err });
  }
  const serverSide = e.$fault === 'server' || (status !== undefined && status >= 500) || name === 'TimeoutError' || name === 'AbortError' ||
    code === 'ECONNRESET' || code === 'EPIPE' || code === 'ETIMEDOUT' || /socket hang up|timed? ?out|ECONNRESET/i.test(e.message ?? '');
  if (serverSide) {
    return kind === 'write'
      ? new EddyError('UNKNOWN_OUTCOME', `storage write may or may not have applied: ${detail}`, { cause: err })
      : new EddyError('UNAVAILABLE', `storage unavailable: ${detail}`, { cause: err });
  }
  return new EddyError('INTERNAL', `unexpected storage error: ${detail}`, { cause: err });
}

/** True for DynamoDB's lost-condition error. */
export function isConditionFailed(err: unknown): boolean {
  return (err as AwsLikeError | undefined)?.name === 'ConditionalCheckFailedException';
}
