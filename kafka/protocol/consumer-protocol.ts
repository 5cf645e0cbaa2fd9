/**
 * The consumer protocol's embedded messages. JoinGroup carries each member's subscription and
 * SyncGroup each member's assignment as opaque `bytes`; inside, a classic consumer writes
 * `int16 version` followed by ConsumerProtocolSubscription / ConsumerProtocolAssignment of that
 * version (never flexible). As in Kafka's `ConsumerProtocol`, a version newer than the newest
 * known one is parsed with the newest known format (later versions only append fields).
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

function version(reader: Reader, what: string, max: number): { wire: number; parseAs: number } {
  const wire = reader.readInt16();
  if (wire < 0) throw new KafkaProtocolError('unsupported_version', `${what} version ${wire} is negative`);
  return { wire, parseAs: Math.min(wire, max) };
}

/** Decodes a member's subscription bytes (JoinGroup protocol metadata). */
export function decodeSubscription(bytes: Uint8Array): { version: number; subscription: ConsumerProtocolSubscription } {
  const r = new Reader(bytes);
  const v = version(r, 'ConsumerProtocolSubscription', SUBSCRIPTION_MAX_VERSION);
  return { version: v.wire, subscription: decodeConsumerProtocolSubscription(r, v.parseAs) };
}

/** Encodes a subscription as JoinGroup protocol metadata (version prefix included). */
export function encodeSubscription(version: number, subscription: ConsumerProtocolSubscription): Uint8Array {
  const w = new Writer(128);
  w.writeInt16(version);
  encodeConsumerProtocolSubscription(w, version, subscription);
  return w.finish();
}

/** Decodes a member's assignment bytes (SyncGroup assignment). */
export function decodeAssignment(bytes: Uint8Array): { version: number; assignment: ConsumerProtocolAssignment } {
  const r = new Reader(bytes);
  const v = version(r, 'ConsumerProtocolAssignment', ASSIGNMENT_MAX_VERSION);
  return { version: v.wire, assignment: decodeConsumerProtocolAssignment(r, v.parseAs) };
}

/** Encodes an assignment as SyncGroup assignment bytes (version prefix included). */
export function encodeAssignment(version: number, assignment: ConsumerProtocolAssignment): Uint8Array {
  const w = new Writer(128);
  w.writeInt16(version);
  encodeConsumerProtocolAssignment(w, version, assignment);
  return w.finish();
}
