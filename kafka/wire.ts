/**
 * Frames and headers of the Kafka protocol, over the generated codecs in
 * `kafka/protocol/`.
 *
 * A frame on the wire:   int32 size | request header | request body
 * Request header v1:     int16 api_key | int16 api_version | int32 correlation_id | nullable string client_id
 * Request header v2:     v1 + tagged fields            (flexible versions, KIP-482)
 * Response header v0:    int32 correlation_id
 * Response header v1:    v0 + tagged fields            (flexible versions; never for ApiVersions, KIP-511)
 */
import { encodeResponseFrame } from './protocol/frame.js';
import { Reader } from './protocol/primitives.js';
import { apis } from './protocol/generated/registry.js';
import type { AnyApiCodec } from './protocol/runtime.js';

/** API key of ApiVersions, whose response header is always v0 so any client can read it. */
export const API_VERSIONS_KEY = 18;

/** The codec of an API key, if the codecs know it. */
export function codecOf(apiKey: number): AnyApiCodec | undefined {
  return (apis as Record<number, AnyApiCodec>)[apiKey];
}

function flexible(apiKey: number, version: number): boolean {
  const codec = codecOf(apiKey);
  return codec !== undefined && codec.flexibleFrom !== null && version >= codec.flexibleFrom;
}

/** A request header, and where its body starts. */
export interface RequestHead {
  readonly apiKey: number;
  readonly apiVersion: number;
  readonly correlationId: number;
  readonly clientId: string | null;
  /** Reader positioned at the body; undefined when the header itself could not be read past the correlation id. */
  readonly body?: Reader;
}

/**
 * Reads a request header. The first 8 bytes (key, version, correlation id)
 * are the same in every header version, so a request for an unknown API can
 * still be answered; the rest throws `KafkaProtocolError` on bad bytes.
 */
export function readRequestHead(frame: Uint8Array): RequestHead {
  const r = new Reader(frame);
  const apiKey = r.readInt16();
  const apiVersion = r.readInt16();
  const correlationId = r.readInt32();
  if (!codecOf(apiKey)) return { apiKey, apiVersion, correlationId, clientId: null };
  const clientId = r.readNullableString();
  // Flexibility is decided by the version the client sent, even one we do not serve.
  if (flexible(apiKey, apiVersion)) r.readRawTaggedFields();
  return { apiKey, apiVersion, correlationId, clientId, body: r };
}

/** Encodes a whole response frame (size prefix, header in its version — always v0 for ApiVersions — and body). */
export function encodeResponse(apiKey: number, version: number, correlationId: number, body: unknown): Uint8Array {
  return encodeResponseFrame(apiKey, version, correlationId, body);
}

/**
 * A frame answering a request the gateway cannot decode at all (an unknown
 * API key): the correlation id and an int16 UNSUPPORTED_VERSION, the first
 * field of many error responses. The client cannot expect more from a broker
 * that does not know its API, and the connection stays usable.
 */
export function encodeBareError(correlationId: number, errorCode: number): Uint8Array {
  const out = Buffer.alloc(10);
  out.writeInt32BE(6, 0);
  out.writeInt32BE(correlationId, 4);
  out.writeInt16BE(errorCode, 8);
  return new Uint8Array(out);
}
