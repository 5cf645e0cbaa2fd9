/**
 * The small runtime the generated codecs (`generated/*.ts`) call, and the shape of one API's codec.
 */
import { KafkaProtocolError } from './primitives.js';
import type { Reader, Writer } from './primitives.js';

/**
 * One Kafka API: its key, the versions the codecs know (every version of Kafka's
 * `validVersions`), the first flexible version, and request/response codecs.
 */
export interface ApiCodec<Req, Res> {
  /** Kafka's name without the Request/Response suffix, e.g. `Metadata`. */
  readonly name: string;
  /** The API key, e.g. 3 for Metadata. */
  readonly key: number;
  /** Lowest version the codecs decode and encode. */
  readonly minVersion: number;
  /** Highest version the codecs decode and encode. */
  readonly maxVersion: number;
  /** First flexible (KIP-482) version, or null if the API has none; every later version is flexible too. */
  readonly flexibleFrom: number | null;
  /** Reads a request body (after the request header) of `version`. */
  decodeRequest(reader: Reader, version: number): Req;
  /** Writes a request body of `version`. */
  encodeRequest(writer: Writer, version: number, value: Req): void;
  /** Reads a response body (after the response header) of `version`. */
  decodeResponse(reader: Reader, version: number): Res;
  /** Writes a response body of `version`. */
  encodeResponse(writer: Writer, version: number, value: Res): void;
  /** A request with every field at its schema default. */
  defaultRequest(): Req;
  /** A response with every field at its schema default. */
  defaultResponse(): Res;
}

/** An {@link ApiCodec} whose message types are not known statically (lookup by key at run time). */
// eslint-disable-next-line @typescript-eslint/no-explicit-any
export type AnyApiCodec = ApiCodec<any, any>;

/** Throws `unsupported_version` unless `min <= version <= max`. */
export function checkVersion(message: string, version: number, min: number, max: number): void {
  if (!Number.isInteger(version) || version < min || version > max) {
    throw new KafkaProtocolError('unsupported_version', `${message} version ${version} is outside ${min}-${max}`);
  }
}

/** Returns `value`, or throws when it is null in a version where the field is not nullable. */
export function notNull<T>(value: T | null, path: string, version: number): T {
  if (value === null || value === undefined) {
    throw new KafkaProtocolError('invalid_value', `${path} is null, but not nullable in version ${version}`);
  }
  return value;
}

/** Reads a nullable struct: an int8 marker (-1 = null, otherwise present), then the struct. */
export function readNullableStruct<T>(reader: Reader, read: (reader: Reader) => T): T | null {
  return reader.readInt8() < 0 ? null : read(reader);
}

/** Writes a nullable struct: int8 -1 for null, or 1 then the struct. */
export function writeNullableStruct<T>(writer: Writer, value: T | null, write: (writer: Writer, value: T) => void): void {
  if (value === null) {
    writer.writeInt8(-1);
  } else {
    writer.writeInt8(1);
    write(writer, value);
  }
}

/** Structural equality of decoded values (numbers, bigints, strings, bytes, arrays, plain objects). */
export function sameValue(a: unknown, b: unknown): boolean {
  if (a === b) return true;
  if (a === null || b === null || typeof a !== 'object' || typeof b !== 'object') return false;
  if (a instanceof Uint8Array || b instanceof Uint8Array) {
    if (!(a instanceof Uint8Array && b instanceof Uint8Array) || a.length !== b.length) return false;
    for (let i = 0; i < a.length; i++) if (a[i] !== b[i]) return false;
    return true;
  }
  if (Array.isArray(a) || Array.isArray(b)) {
    if (!(Array.isArray(a) && Array.isArray(b)) || a.length !== b.length) return false;
    return a.every((x, i) => sameValue(x, b[i]));
  }
  const ka = Object.keys(a).filter((k) => (a as Record<string, unknown>)[k] !== undefined);
  const kb = Object.keys(b).filter((k) => (b as Record<string, unknown>)[k] !== undefined);
  if (ka.length !== kb.length) return false;
  return ka.every((k) => sameValue((a as Record<string, unknown>)[k], (b as Record<string, unknown>)[k]));
}
