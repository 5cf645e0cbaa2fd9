// Bytes real clients put on the wire, captured from their own encoders: kafkajs 2.2.4
// (src/protocol/request.js: whole request frames after the size prefix), @platformatic/kafka 1.35.0
// (the createRequest of each API module: request bodies, flexible versions) and librdkafka 2.0.2
// (kcat 1.7.1 -L) and kafka-python 2.0.2 (KafkaConsumer.topics()) against a listener, which also
// accepted the responses below. Each must decode
// completely, to the values noted, and re-encode to the same bytes.
import { describe, expect, test } from 'vitest';
import { decodeRequestFrame, encodeRequestFrame, encodeResponseFrame, apis, API_KEYS, Reader, Writer, type AnyApiCodec } from '../../../kafka/protocol/index.js';

const bytes = (hex: string): Uint8Array => Uint8Array.from(Buffer.from(hex, 'hex'));
const hexOf = (b: Uint8Array): string => Buffer.from(b).toString('hex');

// [kafkajs request, frame without size prefix (header v1 + body), expected body (partial)]
const KAFKAJS: Array<[string, string, object]> = [
  ['apiVersions/v2', '001200020000000300066d792d617070', { }],
  ['metadata/v6', '000300060000000300066d792d6170700000000100066f726465727301', { topics: [{ name: 'orders' }], allowAutoTopicCreation: true }],
  ['produce/v3', '000000030000000300066d792d617070ffffffff000075300000000100066f726465727300000001000000010000006700000000000000000000005b0000000002ec9524ae0000000000000000018bcfe568000000018bcfe56800ffffffffffffffff00000000000000000001520000000c757365722d31247b226576656e74223a227369676e7570227d020c736f7572636506776562', { transactionalId: null, acks: -1, timeoutMs: 30000, topicData: [{ name: 'orders', partitionData: [{ index: 1 }] }] }],
  ['fetch/v11', '0001000b0000000300066d792d617070ffffffff000013880000000100a000000100000000ffffffff0000000100066f72646572730000000100000000ffffffff000000000000002affffffffffffffff00100000000000000000', { replicaId: -1, maxWaitMs: 5000, minBytes: 1, isolationLevel: 1, topics: [{ topic: 'orders', partitions: [{ partition: 0, fetchOffset: 42n, partitionMaxBytes: 1048576 }] }], rackId: '' }],
  ['listOffsets/v3', '000200030000000300066d792d617070ffffffff010000000100066f72646572730000000100000000ffffffffffffffff', { replicaId: -1, isolationLevel: 1, topics: [{ name: 'orders', partitions: [{ partitionIndex: 0, timestamp: -1n }] }] }],
  ['findCoordinator/v2', '000a00020000000300066d792d61707000086d792d67726f757000', { key: 'my-group', keyType: 0 }],
  ['joinGroup/v5', '000b00050000000300066d792d61707000086d792d67726f7570000075300000ea600000ffff0008636f6e73756d6572000000010012526f756e64526f62696e41737369676e65720000001200000000000100066f726465727300000000', { groupId: 'my-group', sessionTimeoutMs: 30000, rebalanceTimeoutMs: 60000, memberId: '', groupInstanceId: null, protocolType: 'consumer', protocols: [{ name: 'RoundRobinAssigner' }] }],
  ['syncGroup/v3', '000e00030000000300066d792d61707000086d792d67726f75700000000100036d2d31ffff00000000', { groupId: 'my-group', generationId: 1, memberId: 'm-1', groupInstanceId: null, assignments: [] }],
  ['offsetCommit/v5', '000800050000000300066d792d61707000086d792d67726f75700000000100036d2d310000000100066f72646572730000000100000000000000000000002bffff', { groupId: 'my-group', generationIdOrMemberEpoch: 1, memberId: 'm-1', topics: [{ name: 'orders', partitions: [{ partitionIndex: 0, committedOffset: 43n, committedMetadata: null }] }] }],
  ['offsetFetch/v4', '000900040000000300066d792d61707000086d792d67726f75700000000100066f72646572730000000100000000', { groupId: 'my-group', topics: [{ name: 'orders', partitionIndexes: [0] }] }],
];

// [platformatic module, api key, version, request body, expected body (partial)]
const PLATFORMATIC: Array<[string, number, number, string, object]> = [
  ['api-versions-v4', 18, 4, '1440706c6174666f726d617469632f6b61666b6107312e33352e3000', { clientSoftwareName: '@platformatic/kafka', clientSoftwareVersion: '1.35.0' }],
  ['metadata-v12', 3, 12, '0200000000000000000000000000000000076f726465727300010000', { topics: [{ topicId: '00000000-0000-0000-0000-000000000000', name: 'orders' }], allowAutoTopicCreation: true, includeTopicAuthorizedOperations: false }],
  ['produce-v11', 0, 11, '00ffff0000753002076f726465727302000000015d00000000000000000000005000000000022e756b750000000000000000018bcfe568000000018bcfe56800ffffffffffffffff000000000000000000013c0000000c757365722d31247b226576656e74223a227369676e7570227d00000000', { transactionalId: null, acks: -1, timeoutMs: 30000, topicData: [{ name: 'orders', partitionData: [{ index: 1 }] }] }],
  ['fetch-v17', 1, 17, '0000138800000001032000000000000000ffffffff020123abcd456789ef0123456789abcdef0200000000ffffffff000000000000002affffffffffffffffffffffff001000000000010100', { maxWaitMs: 5000, minBytes: 1, maxBytes: 52428800, topics: [{ topicId: '0123abcd-4567-89ef-0123-456789abcdef', partitions: [{ partition: 0, fetchOffset: 42n, lastFetchedEpoch: -1 }] }], forgottenTopicsData: [], rackId: '' }],
  ['join-group-v9', 11, 9, '096d792d67726f7570000075300000ea60010009636f6e73756d6572020b726f756e64726f62696e1300000000000100066f7264657273ffffffff000000', { groupId: 'my-group', memberId: '', groupInstanceId: null, protocolType: 'consumer', protocols: [{ name: 'roundrobin' }], reason: null }],
  ['consumer-group-heartbeat-v0', 68, 0, '096d792d67726f7570010000000000000000753002076f726465727308756e69666f726d0100', { groupId: 'my-group', memberId: '', memberEpoch: 0, instanceId: null, rackId: null, rebalanceTimeoutMs: 30000, subscribedTopicNames: ['orders'], serverAssignor: 'uniform', topicPartitions: [] }],
  ['offset-commit-v9', 8, 9, '096d792d67726f757000000001046d2d310002076f72646572730200000000000000000000002bffffffff00000000', { groupId: 'my-group', generationIdOrMemberEpoch: 1, memberId: 'm-1', topics: [{ name: 'orders', partitions: [{ partitionIndex: 0, committedOffset: 43n, committedLeaderEpoch: -1, committedMetadata: null }] }] }],
  ['offset-fetch-v9', 9, 9, '02096d792d67726f757000ffffffff02076f7264657273020000000000000000', { groups: [{ groupId: 'my-group', memberId: null, memberEpoch: -1, topics: [{ name: 'orders', partitionIndexes: [0] }] }], requireStable: false }],
];

describe('kafkajs 2.2.4 request frames', () => {
  test.each(KAFKAJS)('%s', (_, hex, expected) => {
    const frame = bytes(hex);
    const { header, body } = decodeRequestFrame(frame);
    expect(header).toMatchObject({ correlationId: 3, clientId: 'my-app' });
    expect(body).toMatchObject(expected);
    expect(hexOf(encodeRequestFrame(header, body).subarray(4))).toBe(hex);
  });
});

describe('@platformatic/kafka 1.35.0 request bodies (flexible versions)', () => {
  test.each(PLATFORMATIC)('%s', (_, key, version, hex, expected) => {
    const api = (apis as Record<number, AnyApiCodec>)[key] as AnyApiCodec;
    const r = new Reader(bytes(hex));
    const body = api.decodeRequest(r, version);
    expect(r.remaining).toBe(0);
    expect(body).toMatchObject(expected);
    const w = new Writer();
    api.encodeRequest(w, version, body);
    expect(hexOf(w.finish())).toBe(hex);
  });
});

describe('librdkafka 2.0.2 (kcat -L)', () => {
  test('ApiVersions v3 request (header v2) and the v3 response it accepted (header v0)', () => {
    const { header, body } = decodeRequestFrame(bytes('0012000300000001000772646b61666b61000b6c696272646b61666b6106322e302e3200'));
    expect(header).toEqual({ requestApiKey: 18, requestApiVersion: 3, correlationId: 1, clientId: 'rdkafka' });
    expect(body).toEqual({ clientSoftwareName: 'librdkafka', clientSoftwareVersion: '2.0.2' });
    const response = apis[API_KEYS.ApiVersions].defaultResponse();
    response.apiKeys = [
      { apiKey: 18, minVersion: 0, maxVersion: 4 },
      { apiKey: 3, minVersion: 0, maxVersion: 12 },
    ];
    expect(hexOf(encodeResponseFrame(18, 3, 1, response))).toBe('0000001a000000010000030012000000040000030000000c000000000000');
  });

  test('Metadata v4 requests (named topics: none; then all topics) and the v4 response it accepted', () => {
    expect(decodeRequestFrame(bytes('0003000400000002000772646b61666b610000000000')).body).toMatchObject({ topics: [], allowAutoTopicCreation: false });
    const all = decodeRequestFrame(bytes('0003000400000003000772646b61666b61ffffffff01'));
    expect(all.body).toMatchObject({ topics: null, allowAutoTopicCreation: true });
    const response = apis[API_KEYS.Metadata].defaultResponse();
    response.brokers = [{ nodeId: 1, host: '127.0.0.1', port: 19092, rack: null }];
    response.clusterId = 'eddy';
    response.controllerId = 1;
    response.topics = [
      {
        errorCode: 0,
        name: 'orders',
        topicId: '0123abcd-4567-89ef-0123-456789abcdef',
        isInternal: false,
        partitions: [0, 1].map((p) => ({ errorCode: 0, partitionIndex: p, leaderId: 1, leaderEpoch: 0, replicaNodes: [1], isrNodes: [1], offlineReplicas: [] })),
        topicAuthorizedOperations: -2147483648,
      },
    ];
    expect(hexOf(encodeResponseFrame(3, 4, 3, response))).toBe(
      '000000720000000300000000000000010000000100093132372e302e302e3100004a94ffff0004656464790000000100000001000000066f7264657273000000000200000000000000000001000000010000000100000001000000010000000000010000000100000001000000010000000100000001',
    );
  });
});

describe('kafka-python 2.0.2 (KafkaConsumer.topics())', () => {
  const metadata = (port: number) => {
    const response = apis[API_KEYS.Metadata].defaultResponse();
    response.brokers = [{ nodeId: 1, host: '127.0.0.1', port, rack: null }];
    response.clusterId = 'eddy';
    response.controllerId = 1;
    response.topics = [
      {
        errorCode: 0,
        name: 'orders',
        topicId: '0123abcd-4567-89ef-0123-456789abcdef',
        isInternal: false,
        partitions: [0, 1].map((p) => ({ errorCode: 0, partitionIndex: p, leaderId: 1, leaderEpoch: 0, replicaNodes: [1], isrNodes: [1], offlineReplicas: [] })),
        topicAuthorizedOperations: -2147483648,
      },
    ];
    return response;
  };

  test('ApiVersions v0 request and the v0 response it accepted', () => {
    const { header, body } = decodeRequestFrame(bytes('001200000000000100126b61666b612d707974686f6e2d322e302e32'));
    expect(header).toEqual({ requestApiKey: 18, requestApiVersion: 0, correlationId: 1, clientId: 'kafka-python-2.0.2' });
    expect(body).toEqual({ clientSoftwareName: '', clientSoftwareVersion: '' });
    const response = apis[API_KEYS.ApiVersions].defaultResponse();
    response.apiKeys = [[18, 0, 4], [3, 0, 12], [0, 0, 11], [1, 0, 17], [2, 0, 10], [8, 0, 9], [9, 0, 9], [10, 0, 6], [11, 0, 9], [12, 0, 4], [13, 0, 5], [14, 0, 5], [19, 0, 7]].map(
      ([apiKey, minVersion, maxVersion]) => ({ apiKey: apiKey as number, minVersion: minVersion as number, maxVersion: maxVersion as number }),
    );
    expect(hexOf(encodeResponseFrame(18, 0, 1, response))).toBe(
      '000000580000000100000000000d00120000000400030000000c00000000000b00010000001100020000000a000800000009000900000009000a00000006000b00000009000c00000004000d00000005000e00000005001300000007',
    );
  });

  test('Metadata v0 (empty list = all topics) and v1 (null = all topics) requests, and the responses it accepted', () => {
    expect(decodeRequestFrame(bytes('000300000000000200126b61666b612d707974686f6e2d322e302e3200000000')).body).toMatchObject({ topics: [] });
    expect(decodeRequestFrame(bytes('000300010000000300126b61666b612d707974686f6e2d322e302e32ffffffff')).body).toMatchObject({ topics: null });
    expect(hexOf(encodeResponseFrame(3, 0, 2, metadata(19093)))).toBe(
      '0000006100000002000000010000000100093132372e302e302e3100004a9500000001000000066f72646572730000000200000000000000000001000000010000000100000001000000010000000000010000000100000001000000010000000100000001',
    );
    expect(hexOf(encodeResponseFrame(3, 1, 3, metadata(19093)))).toBe(
      '0000006800000003000000010000000100093132372e302e302e3100004a95ffff0000000100000001000000066f7264657273000000000200000000000000000001000000010000000100000001000000010000000000010000000100000001000000010000000100000001',
    );
  });
});
