// Byte fixtures assembled by hand from the Kafka protocol guide (https://kafka.apache.org/protocol)
// and the message definitions in kafka/protocol/schema/, field by field, independently of the
// codecs. Each is decoded (and must give the listed value) and the value re-encoded (and must give
// the same bytes, size prefix included).
import { describe, expect, test } from 'vitest';
import {
  decodeAssignment,
  decodeRequestFrame,
  decodeResponseFrame,
  decodeSubscription,
  encodeAssignment,
  encodeRequestFrame,
  encodeResponseFrame,
  encodeSubscription,
  FrameDecoder,
  type RequestHeader,
} from '../../../kafka/protocol/index.js';

/** Hex with `//` comments and whitespace, to bytes. */
function hex(text: string): Uint8Array {
  const digits = text
    .split('\n')
    .map((line) => line.replace(/\/\/.*$/, ''))
    .join('')
    .replace(/\s+/g, '');
  if (!/^([0-9a-f]{2})*$/i.test(digits)) throw new Error(`bad fixture hex: ${digits}`);
  return Uint8Array.from(Buffer.from(digits, 'hex'));
}

const ascii = (s: string): Uint8Array => new TextEncoder().encode(s);

function requestRoundTrip(frame: Uint8Array, header: RequestHeader, body: unknown): void {
  const [payload, ...rest] = new FrameDecoder().push(frame);
  expect(rest).toEqual([]);
  const decoded = decodeRequestFrame(payload as Uint8Array);
  expect(decoded.header).toEqual(header);
  expect(decoded.body).toEqual(body);
  expect(Buffer.from(encodeRequestFrame(header, body)).toString('hex')).toBe(Buffer.from(frame).toString('hex'));
}

function responseRoundTrip(frame: Uint8Array, apiKey: number, apiVersion: number, correlationId: number, body: unknown): void {
  const [payload] = new FrameDecoder().push(frame);
  const decoded = decodeResponseFrame(payload as Uint8Array, apiKey, apiVersion);
  expect(decoded.correlationId).toBe(correlationId);
  expect(decoded.body).toEqual(body);
  expect(Buffer.from(encodeResponseFrame(apiKey, apiVersion, correlationId, body)).toString('hex')).toBe(Buffer.from(frame).toString('hex'));
}

describe('ApiVersions', () => {
  test('v0 request: header v1, empty body', () => {
    const frame = hex(`
      00 00 00 0d        // size 13
      00 12              // request_api_key 18 (ApiVersions)
      00 00              // request_api_version 0
      00 00 00 01        // correlation_id 1
      00 03 63 6c 69     // client_id "cli" (int16 length)
                         // body: no fields in v0
    `);
    requestRoundTrip(frame, { requestApiKey: 18, requestApiVersion: 0, correlationId: 1, clientId: 'cli' }, { clientSoftwareName: '', clientSoftwareVersion: '' });
  });

  test('v0 response: header v0, int32 array', () => {
    const frame = hex(`
      00 00 00 16        // size 22
      00 00 00 01        // correlation_id 1 (response header v0)
      00 00              // error_code 0
      00 00 00 02        // api_keys: int32 count 2
        00 00 00 03 00 0b  //   api_key 0 (Produce), min 3, max 11
        00 12 00 00 00 04  //   api_key 18 (ApiVersions), min 0, max 4
    `);
    responseRoundTrip(frame, 18, 0, 1, {
      errorCode: 0,
      apiKeys: [
        { apiKey: 0, minVersion: 3, maxVersion: 11 },
        { apiKey: 18, minVersion: 0, maxVersion: 4 },
      ],
      throttleTimeMs: 0,
      supportedFeatures: [],
      finalizedFeaturesEpoch: -1n,
      finalizedFeatures: [],
      zkMigrationReady: false,
    });
  });

  test('v3 request: header v2 (client_id still int16-prefixed), compact strings, tagged fields', () => {
    const frame = hex(`
      00 00 00 21        // size 33
      00 12 00 03        // api_key 18, api_version 3
      00 00 00 07        // correlation_id 7
      00 04 6b 63 61 74  // client_id "kcat": int16 length even in header v2
      00                 // header tagged fields: none
      0b 6c 69 62 72 64 6b 61 66 6b 61  // client_software_name "librdkafka": compact (10 + 1)
      06 32 2e 30 2e 32  // client_software_version "2.0.2": compact (5 + 1)
      00                 // body tagged fields: none
    `);
    requestRoundTrip(frame, { requestApiKey: 18, requestApiVersion: 3, correlationId: 7, clientId: 'kcat' }, { clientSoftwareName: 'librdkafka', clientSoftwareVersion: '2.0.2' });
  });

  test('v3 response: header v0 although flexible, compact array, tagged SupportedFeatures and FinalizedFeaturesEpoch', () => {
    const frame = hex(`
      00 00 00 3a        // size 58
      00 00 00 07        // correlation_id 7; ApiVersions responses always use header v0 (no tags here)
      00 00              // error_code 0
      03                 // api_keys: compact array, 2 + 1
        00 00 00 03 00 0b 00  // Produce 3-11, no tags
        00 12 00 00 00 04 00  // ApiVersions 0-4, no tags
      00 00 00 00        // throttle_time_ms 0
      02                 // tagged fields: 2
        00 14            // tag 0 (SupportedFeatures), 20 bytes
          02             //   compact array, 1 + 1
          0e 67 72 6f 75 70 2e 76 65 72 73 69 6f 6e  // name "group.version" (13 + 1)
          00 01 00 01    //   min_version 1, max_version 1
          00             //   no tags
        01 08            // tag 1 (FinalizedFeaturesEpoch), 8 bytes
          00 00 00 00 00 00 00 05  // epoch 5
    `);
    responseRoundTrip(frame, 18, 3, 7, {
      errorCode: 0,
      apiKeys: [
        { apiKey: 0, minVersion: 3, maxVersion: 11 },
        { apiKey: 18, minVersion: 0, maxVersion: 4 },
      ],
      throttleTimeMs: 0,
      supportedFeatures: [{ name: 'group.version', minVersion: 1, maxVersion: 1 }],
      finalizedFeaturesEpoch: 5n,
      finalizedFeatures: [],
      zkMigrationReady: false,
    });
  });
});

describe('Metadata', () => {
  test('v1 request naming two topics', () => {
    const frame = hex(`
      00 00 00 24        // size 36
      00 03 00 01        // api_key 3 (Metadata), api_version 1
      00 00 00 2a        // correlation_id 42
      00 07 6b 61 66 6b 61 6a 73  // client_id "kafkajs"
      00 00 00 02        // topics: int32 count 2
        00 06 6f 72 64 65 72 73   //   name "orders"
        00 05 75 73 65 72 73      //   name "users"
    `);
    requestRoundTrip(frame, { requestApiKey: 3, requestApiVersion: 1, correlationId: 42, clientId: 'kafkajs' }, {
      topics: [
        { topicId: '00000000-0000-0000-0000-000000000000', name: 'orders' },
        { topicId: '00000000-0000-0000-0000-000000000000', name: 'users' },
      ],
      allowAutoTopicCreation: true,
      includeClusterAuthorizedOperations: false,
      includeTopicAuthorizedOperations: false,
    });
  });

  test('v1 request with null topics (all topics, since v1)', () => {
    const frame = hex(`
      00 00 00 15        // size 21
      00 03 00 01 00 00 00 2b  // Metadata v1, correlation_id 43
      00 07 6b 61 66 6b 61 6a 73  // client_id "kafkajs"
      ff ff ff ff        // topics: null
    `);
    requestRoundTrip(frame, { requestApiKey: 3, requestApiVersion: 1, correlationId: 43, clientId: 'kafkajs' }, {
      topics: null,
      allowAutoTopicCreation: true,
      includeClusterAuthorizedOperations: false,
      includeTopicAuthorizedOperations: false,
    });
  });
});

test('Fetch v12 request: flexible, a tagged ClusterId in the body and an unknown tag in the header', () => {
  const frame = hex(`
    00 00 00 66        // size 102
    00 01 00 0c        // api_key 1 (Fetch), api_version 12
    00 00 00 05        // correlation_id 5
    00 07 72 64 6b 61 66 6b 61  // client_id "rdkafka" (int16 length)
    01 05 02 be ef     // header tagged fields: 1; tag 5 (unknown), 2 bytes be ef
    ff ff ff ff        // replica_id -1
    00 00 01 f4        // max_wait_ms 500
    00 00 00 01        // min_bytes 1
    03 20 00 00        // max_bytes 52428800
    00                 // isolation_level 0
    00 00 00 00        // session_id 0
    ff ff ff ff        // session_epoch -1
    02                 // topics: compact 1 + 1
      07 6f 72 64 65 72 73      // topic "orders" (compact 6 + 1)
      02                        // partitions: compact 1 + 1
        00 00 00 00             //   partition 0
        ff ff ff ff             //   current_leader_epoch -1
        00 00 00 00 00 00 00 2a //   fetch_offset 42
        ff ff ff ff             //   last_fetched_epoch -1
        ff ff ff ff ff ff ff ff //   log_start_offset -1
        00 10 00 00             //   partition_max_bytes 1048576
        00                      //   no tags
      00                        // topic: no tags
    01                 // forgotten_topics_data: compact 0 + 1
    01                 // rack_id "" (compact 0 + 1)
    01                 // tagged fields: 1
      00 07            // tag 0 (ClusterId), 7 bytes
      07 65 64 64 79 2d 31      // "eddy-1" (compact nullable string 6 + 1)
  `);
  requestRoundTrip(
    frame,
    { requestApiKey: 1, requestApiVersion: 12, correlationId: 5, clientId: 'rdkafka', unknownTaggedFields: [{ tag: 5, data: Uint8Array.of(0xbe, 0xef) }] },
    {
      clusterId: 'eddy-1',
      replicaId: -1,
      replicaState: { replicaId: -1, replicaEpoch: -1n },
      maxWaitMs: 500,
      minBytes: 1,
      maxBytes: 52428800,
      isolationLevel: 0,
      sessionId: 0,
      sessionEpoch: -1,
      topics: [
        {
          topic: 'orders',
          topicId: '00000000-0000-0000-0000-000000000000',
          partitions: [
            { partition: 0, currentLeaderEpoch: -1, fetchOffset: 42n, lastFetchedEpoch: -1, logStartOffset: -1n, partitionMaxBytes: 1048576, replicaDirectoryId: '00000000-0000-0000-0000-000000000000' },
          ],
        },
      ],
      forgottenTopicsData: [],
      rackId: '',
    },
  );
});

test('Produce v3 request: header v1 and body around one RecordBatch v2, kept as raw bytes', () => {
  const batch = hex(`
    00 00 00 00 00 00 00 00  // base_offset 0
    00 00 00 3b              // batch_length 59
    ff ff ff ff              // partition_leader_epoch -1
    02                       // magic 2
    cb f3 29 e0              // crc32c of attributes..end
    00 00                    // attributes: no compression
    00 00 00 00              // last_offset_delta 0
    00 00 01 8b cf e5 68 00  // base_timestamp 1700000000000
    00 00 01 8b cf e5 68 00  // max_timestamp
    ff ff ff ff ff ff ff ff  // producer_id -1
    ff ff                    // producer_epoch -1
    ff ff ff ff              // base_sequence -1
    00 00 00 01              // records: 1
      12 00 00 00            //   length 9 (zigzag), attributes, timestamp_delta 0, offset_delta 0
      02 6b                  //   key "k" (zigzag length 1)
      04 68 69               //   value "hi" (zigzag length 2)
      00                     //   headers: 0
  `);
  expect(batch.length).toBe(71);
  const frame = hex(`
    00 00 00 78        // size 120
    00 00 00 03        // api_key 0 (Produce), api_version 3
    00 00 00 07        // correlation_id 7
    00 07 6b 61 66 6b 61 6a 73  // client_id "kafkajs"
    ff ff              // transactional_id null (added in v3)
    ff ff              // acks -1
    00 00 75 30        // timeout_ms 30000
    00 00 00 01        // topic_data: 1
      00 06 6f 72 64 65 72 73   // name "orders"
      00 00 00 01               // partition_data: 1
        00 00 00 02             //   index 2
        00 00 00 47             //   records: int32 length 71
  ${Buffer.from(batch).toString('hex')}
  `);
  requestRoundTrip(frame, { requestApiKey: 0, requestApiVersion: 3, correlationId: 7, clientId: 'kafkajs' }, {
    transactionalId: null,
    acks: -1,
    timeoutMs: 30000,
    topicData: [{ name: 'orders', partitionData: [{ index: 2, records: batch }] }],
  });
});

describe('consumer protocol (JoinGroup metadata, SyncGroup assignment)', () => {
  test('subscription v0 as kafkajs and kafka-python write it', () => {
    const bytes = hex(`
      00 00              // version 0
      00 00 00 01        // topics: 1
        00 06 6f 72 64 65 72 73  // "orders"
      ff ff ff ff        // user_data: null
    `);
    const decoded = decodeSubscription(bytes);
    expect(decoded).toEqual({ version: 0, subscription: { topics: ['orders'], userData: null, ownedPartitions: [], generationId: -1, rackId: null } });
    expect(encodeSubscription(0, decoded.subscription)).toEqual(bytes);
  });

  test('assignment v1: partitions 0 and 2 of "orders", empty user data', () => {
    const bytes = hex(`
      00 01              // version 1
      00 00 00 01        // assigned_partitions: 1
        00 06 6f 72 64 65 72 73  // topic "orders"
        00 00 00 02 00 00 00 00 00 00 00 02  // partitions: [0, 2]
      00 00 00 00        // user_data: empty
    `);
    const decoded = decodeAssignment(bytes);
    expect(decoded).toEqual({ version: 1, assignment: { assignedPartitions: [{ topic: 'orders', partitions: [0, 2] }], userData: new Uint8Array(0) } });
    expect(encodeAssignment(1, decoded.assignment)).toEqual(bytes);
  });

  test('a subscription declaring v1 but written in the v0 layout (kafkajs MemberMetadata with a custom version) still parses', () => {
    const bytes = hex(`
      00 01              // version 1, but no owned_partitions follow
      00 00 00 01 00 06 6f 72 64 65 72 73  // topics: ["orders"]
      00 00 00 00        // user_data: empty
    `);
    expect(decodeSubscription(bytes)).toEqual({ version: 1, subscription: { topics: ['orders'], userData: new Uint8Array(0), ownedPartitions: [], generationId: -1, rackId: null } });
    expect(() => decodeSubscription(hex('00 00 00 00'))).toThrow(expect.objectContaining({ kind: 'truncated' }));
    expect(() => decodeSubscription(hex('ff ff'))).toThrow(expect.objectContaining({ kind: 'unsupported_version' }));
  });

  test('a subscription of a newer version parses with the newest known format, as Kafka does', () => {
    const v3 = encodeSubscription(3, { topics: ['a'], userData: null, ownedPartitions: [], generationId: 4, rackId: 'r1' });
    const v9 = Uint8Array.from(v3);
    v9[1] = 9;
    expect(decodeSubscription(v9)).toEqual({ version: 9, subscription: { topics: ['a'], userData: null, ownedPartitions: [], generationId: 4, rackId: 'r1' } });
  });
});

test('a fixture string helper sanity check', () => {
  expect(hex('6b // k')).toEqual(ascii('k'));
});
