/**
 * KIP-848's ConsumerGroupHeartbeat through the Kafka server, with exact
 * requests: a member fenced with FENCED_MEMBER_EPOCH rejoins with its member
 * id and epoch 0 and gets its partitions back at once (not after its session
 * timeout); a member waiting for partitions another member still holds is
 * asked to heartbeat at the handover interval.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { defaultConsumerGroupHeartbeatRequest } from '../../kafka/protocol/generated/consumer-group-heartbeat.js';
import { kafkaHost, unique, type KafkaHost } from './helpers.js';
import { RawClient } from './raw-client.js';

let host: KafkaHost;
let topic: string;
beforeAll(async () => {
  host = await kafkaHost();
  topic = unique('cgh');
  await host.runtime.eddy.log.createTopic({ name: topic, partitions: 2 });
});
afterAll(() => host?.stop());

const FENCED_MEMBER_EPOCH = 110;
const partitionsOf = (body: { assignment: { topicPartitions: Array<{ partitions: number[] }> } | null }): number[] =>
  (body.assignment?.topicPartitions ?? []).flatMap((t) => t.partitions).sort();

describe('ConsumerGroupHeartbeat', () => {
  it('a fenced member rejoins with its id and epoch 0 and gets its partitions back at once; a waiting member is asked for the handover interval', async () => {
    const group = unique('cgh-g');
    const c = await RawClient.open(host.kafka.port);
    const beat = async (memberId: string, memberEpoch: number) =>
      (await c.request(68, 0, { ...defaultConsumerGroupHeartbeatRequest(), groupId: group, memberId, memberEpoch, rebalanceTimeoutMs: 60_000, subscribedTopicNames: [topic] })).body;
    try {
      const joined = await beat('', 0);
      expect(joined.errorCode).toBe(0);
      expect(partitionsOf(joined)).toEqual([0, 1]);
      expect(joined.heartbeatIntervalMs).toBe(1_000); // the local host's interval; nothing to wait for
      const memberId = joined.memberId as string;
      expect((await beat(memberId, joined.memberEpoch)).errorCode).toBe(0);

      // An epoch the server never gave: fenced, and nothing changes.
      const fenced = await beat(memberId, joined.memberEpoch + 50);
      expect(fenced.errorCode).toBe(FENCED_MEMBER_EPOCH);
      // The client gives up its partitions and rejoins with its id and epoch 0 (KIP-848): same id, a new epoch, both partitions.
      const rejoined = await beat(memberId, 0);
      expect(rejoined.errorCode).toBe(0);
      expect(rejoined.memberId).toBe(memberId);
      expect(rejoined.memberEpoch).toBeGreaterThan(joined.memberEpoch);
      expect(partitionsOf(rejoined)).toEqual([0, 1]);
      expect((await beat(memberId, rejoined.memberEpoch)).errorCode).toBe(0);
      const described = await host.runtime.eddy.groups.describeGroup(group);
      expect(described.members.map((m) => m.memberId)).toEqual([memberId]);

      // A second member's share is still the first's: it is asked to come back at the handover interval.
      const second = await beat('', 0);
      expect(second.errorCode).toBe(0);
      expect(partitionsOf(second)).toEqual([]);
      expect(second.heartbeatIntervalMs).toBe(500);
      // The first learns of the revocation, acknowledges it; the second then gets its partition.
      const revoke = await beat(memberId, rejoined.memberEpoch);
      expect(partitionsOf(revoke)).toHaveLength(1);
      expect((await beat(memberId, revoke.memberEpoch)).errorCode).toBe(0);
      const granted = await beat(second.memberId, second.memberEpoch);
      expect(partitionsOf(granted)).toHaveLength(1);
      expect(granted.heartbeatIntervalMs).toBe(1_000);
    } finally {
      c.close();
    }
  });

  it('an id the server does not know joins as a new member (a Kafka 4.0 client sends its own uuid)', async () => {
    const group = unique('cgh-new');
    const c = await RawClient.open(host.kafka.port);
    try {
      const out = (await c.request(68, 0, { ...defaultConsumerGroupHeartbeatRequest(), groupId: group, memberId: 'client-made-uuid', memberEpoch: 0, rebalanceTimeoutMs: 60_000, subscribedTopicNames: [topic] })).body;
      expect(out.errorCode).toBe(0);
      expect(out.memberId).not.toBe('client-made-uuid');
      expect(partitionsOf(out)).toEqual([0, 1]);
    } finally {
      c.close();
    }
  });
});
