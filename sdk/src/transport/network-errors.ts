/**
 * Maps failures that produced no API answer onto the API's codes, for both
 * transports: what matters is whether the request could have reached the
 * server. A connection that was refused, not resolved or not established was
 * never sent: `UNAVAILABLE`, safe to retry. A reset, a closed socket or a
 * timeout after sending leaves the outcome open: `UNKNOWN_OUTCOME`, which only
 * idempotent requests retry.
 */
import { EddyError } from '../errors.js';

/** Error codes (Node, undici, AWS SDK) raised before any byte of the request left. */
const NOT_SENT = new Set([
  'ECONNREFUSED',
  'ENOTFOUND',
  'EAI_AGAIN',
  'EHOSTUNREACH',
  'ENETUNREACH',
  'EADDRNOTAVAIL',
  'UND_ERR_CONNECT_TIMEOUT',
  'ERR_TLS_CERT_ALTNAME_INVALID',
  'CERT_HAS_EXPIRED',
  'DEPTH_ZERO_SELF_SIGNED_CERT',
  'SELF_SIGNED_CERT_IN_CHAIN',
  'UNABLE_TO_VERIFY_LEAF_SIGNATURE',
  // node-http.ts: the time ran out before a connection was there to send on.
  'EDDY_NOT_CONNECTED',
]);

const GENERIC_NAMES = new Set(['Error', 'TypeError', 'AggregateError', 'DOMException']);

/** The `code`s and names along an error's cause chain. */
function codesOf(err: unknown): string[] {
  const out: string[] = [];
  const seen = new Set<unknown>();
  let e: unknown = err;
  while (e && typeof e === 'object' && !seen.has(e)) {
    seen.add(e);
    const { code, name, errors } = e as { code?: unknown; name?: unknown; errors?: unknown };
    if (typeof code === 'string') out.push(code);
    if (typeof name === 'string') out.push(name);
    // AggregateError (happy eyeballs: every address refused).
    if (Array.isArray(errors)) for (const inner of errors) out.push(...codesOf(inner));
    e = (e as { cause?: unknown }).cause;
  }
  return out;
}

/**
 * Classifies a failure that produced no API response.
 * @param err - what the underlying client threw.
 * @param what - a description of the request for the message.
 */
export function networkError(err: unknown, what: string): EddyError {
  const codes = codesOf(err);
  const detail = codes.find((c) => !GENERIC_NAMES.has(c)) ?? (err instanceof Error ? err.message : String(err));
  if (codes.some((c) => NOT_SENT.has(c))) {
    return new EddyError('UNAVAILABLE', `${what}: not sent (${detail})`, { cause: err });
  }
  if (codes.includes('EDDY_ANSWER_TOO_LARGE')) {
    return new EddyError('UNKNOWN_OUTCOME', `${what}: ${err instanceof Error ? err.message : String(err)}; outcome unknown`, { cause: err });
  }
  if (codes.includes('TimeoutError')) {
    return new EddyError('UNKNOWN_OUTCOME', `${what}: timed out after sending, outcome unknown`, { cause: err });
  }
  return new EddyError('UNKNOWN_OUTCOME', `${what}: connection failed after sending, outcome unknown (${detail})`, { cause: err });
}
