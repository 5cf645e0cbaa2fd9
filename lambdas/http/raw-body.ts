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

/**
 * A binary body as the pieces it is made of (a fetch answer: its header, then
 * the stored batches as they were read), joined only where one buffer is
 * needed: the base64 for API Gateway or a Lambda invoke. A host that writes
 * the pieces to its socket copies nothing.
 */
export class ByteParts {
  /** Bytes in all parts. */
  readonly byteLength: number;

  constructor(readonly parts: readonly Uint8Array[]) {
    let n = 0;
    for (const p of parts) n += p.byteLength;
    this.byteLength = n;
  }

  /** The parts as one buffer (the one part itself when there is one). */
  join(): Uint8Array {
    return this.parts.length === 1 ? this.parts[0]! : Buffer.concat(this.parts, this.byteLength);
  }
}

/** Where the bytes of a base64 `body` ride along (never serialised). */
export const RAW_BODY: unique symbol = Symbol('eddy.rawBody');

/** An object with a binary `body` and its bytes under {@link RAW_BODY}. */
export type WithRawBody<T> = T & { body: string; isBase64Encoded: true; [RAW_BODY]: Uint8Array | ByteParts };

const asBuffer = (b: Uint8Array): Buffer => Buffer.from(b.buffer, b.byteOffset, b.byteLength);

/** The getters {@link withRawBody} installs: the bytes are believed only while `body` is still one of them. */
const lazyBodies = new WeakSet<() => string>();

/**
 * Sets `target.body` to the base64 of `bytes`, made on first read,
 * `isBase64Encoded` to true, and the bytes under {@link RAW_BODY}. Once the
 * text exists (someone read `body`) or `body` is assigned or deleted, the
 * bytes are dropped and the text is the body, so the two can never disagree.
 * Mutates and returns `target`.
 */
export function withRawBody<T extends object>(target: T, bytes: Uint8Array | ByteParts): WithRawBody<T> {
  const replace = (self: object, value: unknown): void => {
    // A frozen or sealed object keeps its getter and its bytes: reading it again makes the same text.
    if (Object.getOwnPropertyDescriptor(self, 'body')?.configurable === false) return;
    Object.defineProperty(self, 'body', { value, enumerable: true, configurable: true, writable: true });
    delete (self as { [RAW_BODY]?: unknown })[RAW_BODY];
  };
  const get = function (this: object): string {
    const text = asBuffer(bytes instanceof ByteParts ? bytes.join() : bytes).toString('base64');
    replace(this, text);
    return text;
  };
  lazyBodies.add(get);
  Object.defineProperty(target, 'body', {
    enumerable: true,
    configurable: true,
    get,
    set(this: object, value: unknown) {
      replace(this, value);
    },
  });
  Object.defineProperty(target, RAW_BODY, { value: bytes, enumerable: false, configurable: true, writable: false });
  (target as { isBase64Encoded?: boolean }).isBase64Encoded = true;
  return target as WithRawBody<T>;
}

/**
 * The value under {@link RAW_BODY}, believed only while `isBase64Encoded` is
 * true and `body` is still the getter {@link withRawBody} installed.
 */
function attached(value: unknown): Uint8Array | ByteParts | undefined {
  if (typeof value !== 'object' || value === null) return undefined;
  const raw = (value as { [RAW_BODY]?: unknown })[RAW_BODY];
  if (raw === undefined || (value as { isBase64Encoded?: unknown }).isBase64Encoded !== true) return undefined;
  const get = Object.getOwnPropertyDescriptor(value, 'body')?.get;
  if (get === undefined || !lazyBodies.has(get as () => string)) return undefined;
  return raw instanceof Uint8Array || raw instanceof ByteParts ? raw : undefined;
}

/**
 * The bytes a host attached with {@link withRawBody}, as one buffer, or
 * undefined (always so for an event or answer that came through JSON).
 */
export function rawBodyOf(value: unknown): Uint8Array | undefined {
  const raw = attached(value);
  return raw instanceof ByteParts ? raw.join() : raw;
}

/** The same as {@link rawBodyOf}, as the pieces to write in order (no copy). */
export function rawBodyPartsOf(value: unknown): readonly Uint8Array[] | undefined {
  const raw = attached(value);
  return raw instanceof ByteParts ? raw.parts : raw ? [raw] : undefined;
}
