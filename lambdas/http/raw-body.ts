/**
 * A binary body's bytes carried beside its base64, for hosts that call the
 * handlers in process (the local host).
 *
 * API Gateway and the Lambda runtime carry a binary body as base64 text
 * (`isBase64Encoded`): the handler decodes the request body and encodes a
 * binary answer. A host that calls `dispatch` itself already holds the bytes;
 * playing API Gateway faithfully would encode them only for the handler to
 * decode them again, and the same for the answer — four base64 passes over
 * every megabyte, a fifth of the local host's CPU.
 *
 * So such a host attaches the bytes under {@link RAW_BODY} and makes `body` a
 * lazy base64 view of them ({@link withRawBody}); the handler reads the bytes
 * ({@link rawBodyOf}) and returns a binary answer the same way. Nothing else
 * changes: `body` is still an enumerable string property whenever anyone reads
 * it, `JSON.stringify` (what the real Lambda runtime does to an answer) writes
 * the same text, and a symbol never survives JSON, so on AWS the handler
 * finds no raw bytes and decodes the base64 as always.
 */

/** Where the bytes of a base64 `body` ride along (never serialised). */
export const RAW_BODY: unique symbol = Symbol('eddy.rawBody');

/** An object with a binary `body` and its bytes under {@link RAW_BODY}. */
export type WithRawBody<T> = T & { body: string; isBase64Encoded: true; [RAW_BODY]: Uint8Array };

/**
 * Sets `target.body` to the base64 of `bytes` (computed on first read, then
 * kept), `isBase64Encoded` to true, and the bytes under {@link RAW_BODY}.
 * Mutates and returns `target`.
 */
export function withRawBody<T extends object>(target: T, bytes: Uint8Array): WithRawBody<T> {
  Object.defineProperty(target, 'body', {
    enumerable: true,
    configurable: true,
    get(this: object): string {
      const text = Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength).toString('base64');
      Object.defineProperty(this, 'body', { value: text, enumerable: true, configurable: true, writable: true });
      return text;
    },
    set(this: object, value: unknown) {
      // Whoever assigns a body replaces the bytes too: the two can never disagree.
      Object.defineProperty(this, 'body', { value, enumerable: true, configurable: true, writable: true });
      delete (this as { [RAW_BODY]?: Uint8Array })[RAW_BODY];
    },
  });
  Object.defineProperty(target, RAW_BODY, { value: bytes, enumerable: false, configurable: true, writable: false });
  (target as { isBase64Encoded?: boolean }).isBase64Encoded = true;
  return target as WithRawBody<T>;
}

/**
 * The bytes a host attached with {@link withRawBody}, or undefined (always so
 * for an event or answer that came through JSON). Only believed while
 * `isBase64Encoded` is true, as `withRawBody` left it.
 */
export function rawBodyOf(value: unknown): Uint8Array | undefined {
  if (typeof value !== 'object' || value === null) return undefined;
  const raw = (value as { [RAW_BODY]?: unknown })[RAW_BODY];
  return raw instanceof Uint8Array && (value as { isBase64Encoded?: unknown }).isBase64Encoded === true ? raw : undefined;
}
