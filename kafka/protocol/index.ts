/**
 * Kafka wire-protocol codecs, generated from Kafka's own message definitions
 * (`kafka/protocol/schema/*.json`, Apache-2.0) by `generate.ts` into `generated/`.
 * This module never touches sockets or core: bytes in, plain objects out, and back.
 *
 * Shape, for a server:
 *
 *   const frames = new FrameDecoder(maxBytes);          // socket chunks → frame payloads
 *   for (const payload of frames.push(chunk)) {
 *     const reader = new Reader(payload);
 *     const header = readRequestHeader(reader);         // { requestApiKey, requestApiVersion, correlationId, clientId, headerVersion }
 *     const api = getApi(header.requestApiKey);         // undefined → unknown API
 *     // api: { name, key, minVersion, maxVersion, flexibleFrom, decodeRequest, encodeRequest,
 *     //        decodeResponse, encodeResponse, defaultRequest, defaultResponse }
 *     const request = api.decodeRequest(reader, header.requestApiVersion);   // throws KafkaProtocolError
 *     ...
 *     socket.write(encodeResponseFrame(api.key, header.requestApiVersion, header.correlationId, response));
 *     // or, for big Fetch responses, without copying record batches:
 *     // for (const chunk of encodeResponseFrameChunks(...same arguments)) socket.write(chunk);
 *   }
 *
 * - `API_KEYS`: API name → key (`API_KEYS.Metadata === 3`); `apis`: key → codec, statically typed
 *   (`apis[API_KEYS.Metadata].decodeRequest(...)` returns a `MetadataRequest`); also one
 *   `<Name>Api` constant per API. Every version of Kafka's `validVersions` is covered.
 * - Message types: `<Name>Request` / `<Name>Response` from here; nested structs and
 *   `default<Struct>()` factories from `./generated/<kebab-name>.js` (e.g. `MetadataResponseTopic`
 *   in `./generated/metadata.js`). Properties are the JSON field names with a lower-case first
 *   letter (`partitionIndex`, `errorCode`, `topicId`); each is documented with the versions it
 *   exists in. int64 → bigint; uuid → lowercase 8-4-4-4-12 hex string (`ZERO_UUID` = none);
 *   bytes → Uint8Array; `records` → raw `Uint8Array | null` (never parsed here).
 * - Fields a version lacks decode to their schema default and are skipped on encode (Kafka's
 *   Java client would throw for a non-default, non-ignorable one; a server encodes one response
 *   for many versions, so these codecs do not). Null where a version forbids it throws.
 * - Unknown tagged fields land in `unknownTaggedFields` and are written back on encode.
 * - Headers: request header v1 unless the API version is flexible (v2); response header v0
 *   unless flexible (v1) — ApiVersions responses always v0 (`responseHeaderVersion`).
 * - Every decoding failure is a `KafkaProtocolError` with a `kind` ('truncated', 'invalid_length',
 *   'invalid_value', 'unsupported_version', 'frame_too_large'); decoders never read past the
 *   end or allocate from an unchecked length. Decoded bytes are views into the input buffer.
 * - JoinGroup/SyncGroup member metadata: `decodeSubscription` / `decodeAssignment` and encoders.
 */
export { KafkaProtocolError, Reader, Writer, ZERO_COPY_BYTES, ZERO_UUID } from './primitives.js';
export type { KafkaProtocolErrorKind, RawTaggedField, TaggedFieldEntry } from './primitives.js';
export type { ApiCodec, AnyApiCodec } from './runtime.js';
export * from './generated/registry.js';
export {
  getApi,
  isFlexible,
  requestHeaderVersion,
  responseHeaderVersion,
  readRequestHeader,
  writeRequestHeader,
  readResponseHeader,
  writeResponseHeader,
  decodeRequestHeader,
  encodeRequestHeader,
  decodeResponseHeader,
  encodeResponseHeader,
} from './header.js';
export type { RequestHeader, ResponseHeader } from './header.js';
export {
  DEFAULT_MAX_FRAME_BYTES,
  FrameDecoder,
  encodeFrame,
  encodeRequestFrame,
  encodeResponseFrame,
  encodeResponseFrameChunks,
  decodeRequestFrame,
  decodeResponseFrame,
} from './frame.js';
export {
  decodeSubscription,
  encodeSubscription,
  decodeAssignment,
  encodeAssignment,
  SUBSCRIPTION_MAX_VERSION,
  ASSIGNMENT_MAX_VERSION,
} from './consumer-protocol.js';
export type { ConsumerProtocolSubscription, ConsumerProtocolAssignment } from './consumer-protocol.js';
