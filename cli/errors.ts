/**
 * How the CLI fails: one line on stderr, never a stack trace, and an exit
 * code a script can branch on.
 *
 * - exit 1: the API (or the network) said no: `eddy: CODE: message`, with
 *   the API's error code so it can be grepped and looked up in docs/api.md;
 *   an endpoint that cannot be reached is `eddy: cannot reach URL (ECONNREFUSED)`.
 * - exit 2: the command line itself is wrong (unknown option, bad value).
 */
import { EddyError } from '@eddy/sdk';
import { CommanderError } from 'commander';

/** Exit codes of the `eddy` command. */
export const EXIT = {
  ok: 0,
  /** The API or the network failed the request. */
  failure: 1,
  /** The command line is wrong. */
  usage: 2,
} as const;

/** A mistake on the command line, found by the CLI before any request. */
export class UsageError extends Error {
  override readonly name = 'UsageError';
}

/** Network error codes that mean the request never reached the endpoint. */
const UNREACHABLE = new Set(['ECONNREFUSED', 'ENOTFOUND', 'EAI_AGAIN', 'EHOSTUNREACH', 'ENETUNREACH', 'EADDRNOTAVAIL', 'ECONNRESET', 'UND_ERR_CONNECT_TIMEOUT', 'UND_ERR_SOCKET']);

/** The first network error code found along an error's cause chain (and inside AggregateErrors). */
export function networkCode(err: unknown): string | undefined {
  const seen = new Set<unknown>();
  const walk = (e: unknown): string | undefined => {
    if (!e || typeof e !== 'object' || seen.has(e)) return undefined;
    seen.add(e);
    const { code, errors, cause } = e as { code?: unknown; errors?: unknown; cause?: unknown };
    if (typeof code === 'string' && UNREACHABLE.has(code)) return code;
    if (Array.isArray(errors)) {
      for (const inner of errors) {
        const found = walk(inner);
        if (found) return found;
      }
    }
    return walk(cause);
  };
  return walk(err);
}

/** The AWS SDK's "no credentials" error along the cause chain, if any. */
function credentialsError(err: unknown): Error | undefined {
  const seen = new Set<unknown>();
  for (let e: unknown = err; e && typeof e === 'object' && !seen.has(e); e = (e as { cause?: unknown }).cause) {
    seen.add(e);
    if (e instanceof Error && e.name === 'CredentialsProviderError') return e;
  }
  return undefined;
}

/** Flattens a message to one line (server messages may carry newlines). */
function oneLine(text: string): string {
  return text.replace(/\s*\n\s*/g, ' ').trim();
}

/**
 * The one-line message and exit code for anything a command threw.
 * @param err - what was thrown.
 * @param endpoint - the endpoint in use, named when it cannot be reached.
 */
export function describeFailure(err: unknown, endpoint: string | undefined): { line: string; exitCode: number } {
  if (err instanceof CommanderError) return { line: `eddy: ${oneLine(err.message.replace(/^error: /, ''))}`, exitCode: EXIT.usage };
  if (err instanceof UsageError) return { line: `eddy: ${oneLine(err.message)}`, exitCode: EXIT.usage };
  // The SDK reports missing AWS credentials as an unknown outcome, though nothing was sent: say what is wrong.
  const noCredentials = credentialsError(err);
  if (noCredentials) return { line: `eddy: no AWS credentials found: ${oneLine(noCredentials.message)} (set AWS_PROFILE, or AWS_ACCESS_KEY_ID and AWS_SECRET_ACCESS_KEY)`, exitCode: EXIT.failure };
  if (err instanceof EddyError) {
    const net = err.code === 'UNAVAILABLE' || err.code === 'UNKNOWN_OUTCOME' ? networkCode(err) : undefined;
    if (net && err.code === 'UNAVAILABLE') return { line: `eddy: cannot reach ${endpoint ?? 'the endpoint'} (${net})`, exitCode: EXIT.failure };
    return { line: `eddy: ${err.code}: ${oneLine(err.message)}`, exitCode: EXIT.failure };
  }
  // Option validation inside the SDK (e.g. a malformed endpoint) throws RangeError/TypeError before any request.
  if (err instanceof RangeError) return { line: `eddy: ${oneLine(err.message)}`, exitCode: EXIT.usage };
  const net = networkCode(err);
  if (net) return { line: `eddy: cannot reach ${endpoint ?? 'the endpoint'} (${net})`, exitCode: EXIT.failure };
  const message = err instanceof Error ? `${err.name === 'Error' ? '' : `${err.name}: `}${err.message}` : String(err);
  return { line: `eddy: ${oneLine(message)}`, exitCode: EXIT.failure };
}
