/**
 * The consumer protocol's embedded messages. JoinGroup carries each member's subscription and
 * SyncGroup each member's assignment as opaque `bytes`; inside, a classic consumer writes
 * `int16 version` followed by ConsumerProtocolSubscription / ConsumerProtocolAssignment of that
 * version (never flexible). As in Kafka's `ConsumerProtocol`, a version newer than the newest
 * known one is parsed with the newest known format (later versions only append fields), and,
 * more lenient than Kafka, a body shorter than its declared version parses as an older one.
 */
import { KafkaProtocolError, Reader, Writer } from './primitives.js';
import {
  decodeConsumerProtocolSubscription,
  encodeConsumerProtocolSubscription,
  type ConsumerProtocolSubscription,
} from './generated/consumer-protocol-subscription.js';
import { decodeConsumerProtocolAssignment, encodeConsumerProtocolAssignment, type ConsumerProtocolAssignment } from './generated/consumer-protocol-assignment.js';

export type { ConsumerProtocolSubscription, ConsumerProtocolAssignment };

/** Newest ConsumerProtocolSubscription version these codecs know. */
export const SUBSCRIPTION_MAX_VERSION = 3;
/** Newest ConsumerProtocolAssignment version these codecs know. */
export const ASSIGNMENT_MAX_VERSION = 3;

function wireVersion(reader: Reader, what: string): number {
  const wire = reader.readInt16();
  if (wire < 0) throw new KafkaProtocolError('unsupported_version', `${what} version ${wire} is negative`);
  return wire;
}

/**
 * Parses at `min(wire, max)`; if the bytes end early, at each lower version in turn. Clients
 * outside the JVM do not always write every field of the version they declare (kafkajs's
 * `MemberMetadata.encode` writes the v0 layout whatever version a custom assigner gives), and
 * Eddy only needs the v0 fields to assign. The first version whose fields fit is used.
 */
function lenient<T>(bytes: Uint8Array, what: string, max: number, decode: (reader: Reader, version: number) => T): { version: number; value: T } {
  const wire = wireVersion(new Reader(bytes), what);
  let last: unknown;
  for (let v = Math.min(wire, max); v >= 0; v--) {
    try {
      return { version: wire, value: decode(new Reader(bytes, 2), v) };
    } catch (e) {
      if (!(e instanceof KafkaProtocolError) || (e.kind !== 'truncated' && e.kind !== 'invalid_length')) throw e;
      last = e;
    }
  }
  throw last;
}

/** Decodes a member's subscription bytes (JoinGroup protocol metadata); `version` is the one on the wire. */
export function decodeSubscription(bytes: Uint8Array): { version: number; subscription: ConsumerProtocolSubscription } {
  const { version, value } = lenient(bytes, 'ConsumerProtocolSubscription', SUBSCRIPTION_MAX_VERSION, decodeConsumerProtocolSubscription);
  return { version, subscription: value };
}

/** Encodes a subscription as JoinGroup protocol metadata (version prefix included). */
export function encodeSubscription(version: number, subscription: ConsumerProtocolSubscription): Uint8Array {
  const w = new Writer(128);
  w.writeInt16(version);
  encodeConsumerProtocolSubscription(w, version, subscription);
  return w.finish();
}

/** Decodes a member's assignment bytes (SyncGroup assignment); `version` is the one on the wire. */
export function decodeAssignment(bytes: Uint8Array): { version: number; assignment: ConsumerProtocolAssignment } {
  const { version, value } = lenient(bytes, 'ConsumerProtocolAssignment', ASSIGNMENT_MAX_VERSION, decodeConsumerProtocolAssignment);
  return { version, assignment: value };
}

/** Encodes an assignment as SyncGroup assignment bytes (version prefix included). */
export function encodeAssignment(version: number, assignment: ConsumerProtocolAssignment): Uint8Array {
  const w = new Writer(128);
  w.writeInt16(version);
  encodeConsumerProtocolAssignment(w, version, assignment);
  return w.finish();
}
