/**
 * The `encoding` of keys, values and header values on the wire (docs/design.md §8):
 * `base64` (default), `utf8`, or `json`, where values are any JSON value
 * stored as UTF-8 JSON text and keys and header values stay UTF-8 strings.
 */
import { EddyError } from '../../core/errors.js';

/** Wire encodings. */
export const ENCODINGS = ['base64', 'utf8', 'json'] as const;
/** A wire encoding. */
export type Encoding = (typeof ENCODINGS)[number];

/**
 * Strict base64 without a regex (the regex was most of the produce handler's
 * CPU, docs/benchmarks.md): Node's decoder skips characters it does not know,
 * so a decoded length that differs from what the text's length promises
 * means the text was not base64. Node also accepts the URL-safe alphabet.
 */
function decodeBase64(value: string): Uint8Array | undefined {
  if (value.length % 4 !== 0) return undefined;
  const padding = value.endsWith('==') ? 2 : value.endsWith('=') ? 1 : 0;
  const bytes = Buffer.from(value, 'base64');
  return bytes.length === (value.length / 4) * 3 - padding ? new Uint8Array(bytes.buffer, bytes.byteOffset, bytes.byteLength) : undefined;
}
const utf8 = new TextEncoder();
const utf8Strict = new TextDecoder('utf-8', { fatal: true });

/**
 * Decodes one wire field to bytes. `what` names the field in errors
 * (e.g. `records[3].value`). `null` stays null in every encoding: no key, a
 * tombstone value, a null header value (so under `json` a JSON `null` value
 * is a tombstone; send the text `null` with `utf8`).
 */
export function decodeField(value: unknown, encoding: Encoding, role: 'key' | 'value' | 'header', what: string): Uint8Array | null {
  if (value === null) return null;
  if (encoding === 'json' && role === 'value') {
    if (value === undefined) throw new EddyError('INVALID_REQUEST', `${what} is required`);
    return utf8.encode(JSON.stringify(value));
  }
  if (typeof value !== 'string') throw new EddyError('INVALID_REQUEST', `${what} must be a string or null under encoding ${encoding}`);
  if (encoding === 'base64') {
    const bytes = decodeBase64(value);
    if (!bytes) {
      throw new EddyError('INVALID_REQUEST', `${what} is not valid base64 (the default encoding); to send text, add "encoding":"utf8" to the body, or "encoding":"json" for JSON values`);
    }
    return bytes;
  }
  return utf8.encode(value);
}

/** Thrown by {@link encodeField} when stored bytes cannot be shown in the asked encoding. */
export const NOT_REPRESENTABLE: unique symbol = Symbol('not representable');

/**
 * Encodes stored bytes for the wire, or answers {@link NOT_REPRESENTABLE}
 * when they cannot be shown in `encoding` (not UTF-8, or not JSON): the
 * caller then sends that record in base64 instead, so a reader is never stuck.
 */
export function encodeField(bytes: Uint8Array | null, encoding: Encoding, role: 'key' | 'value' | 'header'): unknown {
  if (bytes === null) return null;
  if (encoding === 'base64') return Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength).toString('base64');
  let text: string;
  try {
    text = utf8Strict.decode(bytes);
  } catch {
    return NOT_REPRESENTABLE;
  }
  if (encoding === 'json' && role === 'value') {
    try {
      return JSON.parse(text) as unknown;
    } catch {
      return NOT_REPRESENTABLE;
    }
  }
  return text;
}
