/**
 * Request and response headers, and which header version goes with which API version.
 *
 *   request header v0   int16 apiKey, int16 apiVersion, int32 correlationId
 *   request header v1   v0 + clientId (nullable string, int16 length — never compact, even in v2,
 *                       so that any broker can read the header of any ApiVersions request)
 *   request header v2   v1 + tagged fields
 *   response header v0  int32 correlationId
 *   response header v1  v0 + tagged fields
 *
 * A request uses header v2 when its API version is flexible, else v1 (v0 only for
 * ControlledShutdown v0, which Eddy does not serve). A response uses header v1 when flexible,
 * else v0 — except ApiVersions, whose response always uses v0 so that a client can read the
 * answer of a broker that does not know the version it asked for (KIP-511).
 */
import type { Reader, Writer } from './primitives.js';
import { apis } from './generated/registry.js';
import { decodeRequestHeader, encodeRequestHeader, type RequestHeader } from './generated/request-header.js';
import { decodeResponseHeader, encodeResponseHeader, type ResponseHeader } from './generated/response-header.js';
import type { AnyApiCodec } from './runtime.js';

export type { RequestHeader, ResponseHeader };

const API_VERSIONS_KEY = 18;
const CONTROLLED_SHUTDOWN_KEY = 7;

/** The codec of `apiKey`, or undefined for an API these codecs do not cover. */
export function getApi(apiKey: number): AnyApiCodec | undefined {
  return Object.prototype.hasOwnProperty.call(apis, apiKey) ? (apis as Record<number, AnyApiCodec>)[apiKey] : undefined;
}

/**
 * Whether `apiVersion` of `apiKey` is flexible. Flexible ranges are open-ended ("9+"), so a version
 * above the codec's maximum still counts (that is how a broker reads the header of a too-new
 * ApiVersions request). Unknown APIs count as not flexible.
 */
export function isFlexible(apiKey: number, apiVersion: number): boolean {
  const api = getApi(apiKey);
  return api !== undefined && api.flexibleFrom !== null && apiVersion >= api.flexibleFrom;
}

/** The request header version (0, 1 or 2) a request of `apiKey`/`apiVersion` carries. */
export function requestHeaderVersion(apiKey: number, apiVersion: number): 0 | 1 | 2 {
  if (apiKey === CONTROLLED_SHUTDOWN_KEY && apiVersion === 0) return 0;
  return isFlexible(apiKey, apiVersion) ? 2 : 1;
}

/** The response header version (0 or 1) a response to `apiKey`/`apiVersion` carries. */
export function responseHeaderVersion(apiKey: number, apiVersion: number): 0 | 1 {
  if (apiKey === API_VERSIONS_KEY) return 0;
  return isFlexible(apiKey, apiVersion) ? 1 : 0;
}

/**
 * Reads a request header, working out its version from the API key and version it starts with.
 * For an API these codecs do not cover it reads header v1 (apiKey, apiVersion, correlationId,
 * clientId), enough to answer with an error.
 */
export function readRequestHeader(reader: Reader): RequestHeader & { headerVersion: 0 | 1 | 2 } {
  const headerVersion = requestHeaderVersion(reader.peekInt16(0), reader.peekInt16(2));
  return { ...decodeRequestHeader(reader, headerVersion), headerVersion };
}

/** Writes a request header in the version its API key and version call for. */
export function writeRequestHeader(writer: Writer, header: RequestHeader): void {
  encodeRequestHeader(writer, requestHeaderVersion(header.requestApiKey, header.requestApiVersion), header);
}

/** Reads the response header of a response to `apiKey`/`apiVersion`. */
export function readResponseHeader(reader: Reader, apiKey: number, apiVersion: number): ResponseHeader {
  return decodeResponseHeader(reader, responseHeaderVersion(apiKey, apiVersion));
}

/** Writes the response header of a response to `apiKey`/`apiVersion`. */
export function writeResponseHeader(writer: Writer, apiKey: number, apiVersion: number, correlationId: number): void {
  encodeResponseHeader(writer, responseHeaderVersion(apiKey, apiVersion), { correlationId });
}

export { decodeRequestHeader, encodeRequestHeader, decodeResponseHeader, encodeResponseHeader };
