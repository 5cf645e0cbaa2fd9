/**
 * The embedded "consumer" protocol of the classic group APIs: the bytes a
 * member puts in JoinGroup (its subscription) and gets back from SyncGroup
 * (its assignment). Kafka's brokers never look inside them; Eddy does,
 * because Eddy (not a client leader) computes the assignment.
 *
 * ConsumerProtocolSubscription (v0; later versions append fields we skip):
 *   version int16 | topics [int32 count, string…] | userData bytes | v1+: ownedPartitions … | v2+: generationId | v3+: rackId
 * ConsumerProtocolAssignment (v0 layout, the same in every version):
 *   version int16 | assigned [int32 count, {topic string, partitions [int32 count, int32…]}] | userData bytes
 * where string = int16 length + UTF-8, bytes = int32 length (-1 null) + bytes.
 */

/** A member's subscribed topics, or undefined when the bytes are not a consumer subscription. */
export function decodeSubscription(bytes: Uint8Array | null | undefined): string[] | undefined {
  if (!bytes || bytes.length < 6) return undefined;
  const buf = Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  let pos = 2; // version: every version starts with the topic list
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
  const parts: Buffer[] = [int16(0), int32(topics.length)];
  for (const t of topics) parts.push(str(t));
  parts.push(int32(0));
  return new Uint8Array(Buffer.concat(parts));
}

/** Encodes an assignment (v0) for SyncGroup and DescribeGroups. */
export function encodeAssignment(assignment: ReadonlyArray<{ topic: string; partitions: readonly number[] }>): Uint8Array {
  const parts: Buffer[] = [int16(0), int32(assignment.length)];
  for (const { topic, partitions } of assignment) {
    parts.push(str(topic), int32(partitions.length));
    for (const p of partitions) parts.push(int32(p));
  }
  // Empty user data rather than null: every client decodes an empty byte string.
  parts.push(int32(0));
  return new Uint8Array(Buffer.concat(parts));
}

function int16(n: number): Buffer {
  const b = Buffer.alloc(2);
  b.writeInt16BE(n);
  return b;
}

function int32(n: number): Buffer {
  const b = Buffer.alloc(4);
  b.writeInt32BE(n);
  return b;
}

function str(s: string): Buffer {
  const body = Buffer.from(s, 'utf8');
  return Buffer.concat([int16(body.length), body]);
}
