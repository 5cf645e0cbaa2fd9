/**
 * The embedded "consumer" protocol of the classic group APIs, as Eddy uses
 * it: a member's subscription comes in with JoinGroup, its assignment goes
 * out with SyncGroup. Kafka brokers never look inside these bytes; Eddy
 * does, because Eddy (not a client leader) computes the assignment.
 * Layouts: the generated codecs in `kafka/protocol/consumer-protocol.ts`.
 */
import * as codec from '../protocol/consumer-protocol.js';

/** A member's subscribed topics, or undefined when the bytes are not a consumer subscription. */
export function decodeSubscription(bytes: Uint8Array | null | undefined): string[] | undefined {
  if (!bytes) return undefined;
  try {
    return codec.decodeSubscription(bytes).subscription.topics;
  } catch {
    return topicsOnly(bytes);
  }
}

/**
 * Every version starts `int16 version, [string] topics`; some clients
 * (@platformatic/kafka) declare a version whose later fields they do not
 * write. Eddy needs only the topics.
 */
function topicsOnly(bytes: Uint8Array): string[] | undefined {
  if (bytes.length < 6) return undefined;
  const buf = Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  let pos = 2;
  const count = buf.readInt32BE(pos);
  pos += 4;
  if (count < 0 || count > bytes.length) return undefined;
  const topics: string[] = [];
  for (let i = 0; i < count; i++) {
    if (pos + 2 > buf.length) return undefined;
    const len = buf.readInt16BE(pos);
    pos += 2;
    if (len < 0 || pos + len > buf.length) return undefined;
    topics.push(buf.toString('utf8', pos, pos + len));
    pos += len;
  }
  return topics;
}

/** Encodes a subscription (v0) for DescribeGroups. */
export function encodeSubscription(topics: readonly string[]): Uint8Array {
  return codec.encodeSubscription(0, { topics: [...topics], userData: null, ownedPartitions: [], generationId: -1, rackId: null });
}

/**
 * Encodes an assignment (v0, whose layout every later version keeps) for
 * SyncGroup and DescribeGroups. User data is empty rather than null: every
 * client decodes an empty byte string, not all of them a null one.
 */
export function encodeAssignment(assignment: ReadonlyArray<{ topic: string; partitions: readonly number[] }>): Uint8Array {
  return codec.encodeAssignment(0, { assignedPartitions: assignment.map((a) => ({ topic: a.topic, partitions: [...a.partitions] })), userData: new Uint8Array(0) });
}
