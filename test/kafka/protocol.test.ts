/**
 * The server's behaviour at the protocol's edges: version negotiation
 * (KIP-511), unknown APIs, bad frames and fuzzed input. Whatever arrives,
 * the server answers with Kafka's error or closes that one connection, keeps
 * serving everyone else, and writes nothing it was not asked to.
 */
import fc from 'fast-check';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { encodeBatch } from '../../core/codec/record-batch.js';
import { SERVED } from '../../kafka/apis.js';
import { KAFKA_ERRORS } from '../../kafka/errors.js';
import { encodeSubscription } from '../../kafka/groups/consumer-protocol.js';
import { encodeRequestFrame } from '../../kafka/protocol/frame.js';
import { kafkaHost, unique, type KafkaHost } from './helpers.js';
import { RawClient } from './raw-client.js';

let host: KafkaHost;
let topic: string;
beforeAll(async () => {
  // Short long polls: fuzzed Fetch requests would otherwise wait out their random max_wait_ms.
  host = await kafkaHost({ maxFetchWaitMs: 50 });
  topic = unique('proto');
  await host.runtime.eddy.log.createTopic({ name: topic, partitions: 2 });
});
afterAll(() => host?.stop());

const open = () => RawClient.open(host.kafka.port);

/** The server still answers ApiVersions on a fresh connection. */
async function alive(): Promise<void> {
  const c = await open();
  try {
    const out = await c.request(18, 0, {});
    expect(out.body.errorCode).toBe(0);
  } finally {
    c.close();
  }
}

async function highWatermarks(): Promise<number[]> {
  const d = await host.runtime.eddy.log.describeTopic(topic);
  return d.partitionOffsets.map((p) => p.highWatermark);
}

function produceRequest(records: Uint8Array, partition = 0, acks = -1) {
  return { transactionalId: null, acks, timeoutMs: 1000, topicData: [{ name: topic, partitionData: [{ index: partition, records }] }] };
}

const batch = () => encodeBatch({ records: [{ timestamp: 1_700_000_000_000, key: Buffer.from('k'), value: Buffer.from('a value'), headers: [['h', Buffer.from('v')]] }] });

describe('version negotiation', () => {
  it('ApiVersions lists exactly the served APIs and versions', async () => {
    const c = await open();
    for (const v of [0, 1, 2, 3]) {
      const out = await c.request(18, v, { clientSoftwareName: 'raw', clientSoftwareVersion: '1' });
      expect(out.body.errorCode).toBe(0);
      expect(out.body.apiKeys).toEqual([...SERVED.values()].map((a) => ({ apiKey: a.key, minVersion: a.minVersion, maxVersion: a.maxVersion })));
    }
    c.close();
  });

  it('an ApiVersions version the server does not serve gets UNSUPPORTED_VERSION and the list, in v0 (KIP-511)', async () => {
    const c = await open();
    // v4 body in a v4 (flexible) header; the answer is v0.
    c.write(encodeRequestFrame({ requestApiKey: 18, requestApiVersion: 3, correlationId: 77, clientId: 'raw' }, { clientSoftwareName: 'x', clientSoftwareVersion: '9' }).map((b, i) => (i === 7 ? 4 : b)));
    const frame = await c.next();
    expect(frame).toBeDefined();
    expect(frame!.readInt32BE(0)).toBe(77);
    expect(frame!.readInt16BE(4)).toBe(KAFKA_ERRORS.UNSUPPORTED_VERSION);
    expect(frame!.readInt32BE(6)).toBe(SERVED.size);
    // The connection stays usable.
    expect((await c.request(18, 0, {})).body.errorCode).toBe(0);
    c.close();
  });

  it('an unknown API key, or a served API below its floor, gets UNSUPPORTED_VERSION and the connection stays open', async () => {
    const c = await open();
    const unknown = Buffer.alloc(4 + 10);
    unknown.writeInt32BE(10, 0);
    unknown.writeInt16BE(1000, 4);
    unknown.writeInt16BE(0, 6);
    unknown.writeInt32BE(5, 8);
    unknown.writeInt16BE(-1, 12);
    c.write(unknown);
    const frame = await c.next();
    expect(frame!.readInt32BE(0)).toBe(5);
    expect(frame!.readInt16BE(4)).toBe(KAFKA_ERRORS.UNSUPPORTED_VERSION);
    // Produce v2 carries message sets v0/v1, which Eddy does not store: below the floor (v3).
    c.write(encodeRequestFrame({ requestApiKey: 0, requestApiVersion: 2, correlationId: 6, clientId: 'raw' }, produceRequest(batch())));
    const produce = await c.next();
    expect(produce!.readInt32BE(0)).toBe(6);
    expect(c.closed).toBe(false);
    expect((await c.request(3, 1, { topics: [{ name: topic }] })).body.topics[0].errorCode).toBe(0);
    c.close();
    expect(await highWatermarks()).toEqual([0, 0]);
  });
});

describe('refusals are answered in every version', () => {
  // A refusal is an answer the client can act on: the connection must stay open
  // (a response the server could not encode in the request's version closes it,
  // and kafkajs then crashes the consumer instead of rejoining).
  it('group requests from a member the group does not know get UNKNOWN_MEMBER_ID in every served version, on an open connection', async () => {
    const group = unique('refusals');
    const versions = (key: number): number[] => {
      const api = SERVED.get(key)!;
      return Array.from({ length: api.maxVersion - api.minVersion + 1 }, (_, i) => api.minVersion + i);
    };
    const c = await open();
    const protocols = [{ name: 'range', metadata: encodeSubscription([topic]) }];
    const stranger = 'not-a-member';
    for (const v of versions(11)) {
      const out = await c.request(11, v, { groupId: group, sessionTimeoutMs: 10_000, rebalanceTimeoutMs: 10_000, memberId: stranger, groupInstanceId: null, protocolType: 'consumer', protocols, reason: null });
      expect({ v, errorCode: out.body.errorCode, protocolName: out.body.protocolName }).toEqual({ v, errorCode: KAFKA_ERRORS.UNKNOWN_MEMBER_ID, protocolName: v >= 7 ? null : '' });
      const wrongType = await c.request(11, v, { groupId: group, sessionTimeoutMs: 10_000, rebalanceTimeoutMs: 10_000, memberId: '', groupInstanceId: null, protocolType: 'connect', protocols, reason: null });
      expect({ v, errorCode: wrongType.body.errorCode }).toEqual({ v, errorCode: KAFKA_ERRORS.INCONSISTENT_GROUP_PROTOCOL });
    }
    for (const v of versions(14)) {
      const out = await c.request(14, v, { groupId: group, generationId: 1, memberId: stranger, groupInstanceId: null, protocolType: 'consumer', protocolName: 'range', assignments: [] });
      expect({ v, errorCode: out.body.errorCode }).toEqual({ v, errorCode: KAFKA_ERRORS.UNKNOWN_MEMBER_ID });
    }
    for (const v of versions(12)) {
      const out = await c.request(12, v, { groupId: group, generationId: 1, memberId: stranger, groupInstanceId: null });
      expect({ v, errorCode: out.body.errorCode }).toEqual({ v, errorCode: KAFKA_ERRORS.UNKNOWN_MEMBER_ID });
    }
    expect(c.closed).toBe(false);
    c.close();
  });
});

describe('bad frames close only their connection', () => {
  it('an oversize frame, a negative size, a short frame and a malformed body each close the connection; the server goes on', async () => {
    for (const bytes of [
      Buffer.from([0x7f, 0xff, 0xff, 0xff, 0, 0]),
      Buffer.from([0xff, 0xff, 0xff, 0xfe]),
      Buffer.from([0, 0, 0, 2, 0, 1]),
      // Metadata v1 whose topic array claims 1000 entries and ends.
      Buffer.from([0, 0, 0, 16, 0, 3, 0, 1, 0, 0, 0, 9, 0, 0, 0, 0, 0x03, 0xe8, 0, 0]),
    ]) {
      const c = await open();
      c.write(bytes);
      expect(await c.next(3_000)).toBeUndefined();
      expect(c.closed).toBe(true);
    }
    await alive();
  });

  it('produce with a bad CRC or a truncated batch answers CORRUPT_MESSAGE and writes nothing', async () => {
    const c = await open();
    const bad = Buffer.from(batch());
    bad[bad.length - 1]! ^= 0xff;
    const crc = await c.request(0, 7, produceRequest(bad));
    expect(crc.body.responses[0].partitionResponses[0].errorCode).toBe(KAFKA_ERRORS.CORRUPT_MESSAGE);
    const truncated = await c.request(0, 7, produceRequest(batch().subarray(0, 40)));
    expect(truncated.body.responses[0].partitionResponses[0].errorCode).toBe(KAFKA_ERRORS.CORRUPT_MESSAGE);
    c.close();
    expect(await highWatermarks()).toEqual([0, 0]);
  });
});

describe('fuzzing', () => {
  it('random frames for every served API, and produce requests with mutated batches: no crash, nothing written', { timeout: 120_000 }, async () => {
    const keys = [...SERVED.values()];
    const valid = batch();
    const frame = fc.oneof(
      // Any served API and version, with a random body.
      fc.record({ api: fc.constantFrom(...keys), version: fc.nat(20), body: fc.uint8Array({ maxLength: 200 }) }).map(({ api, version, body }) => {
        const b = Buffer.alloc(4 + 10 + body.length);
        b.writeInt32BE(10 + body.length, 0);
        b.writeInt16BE(api.key === 3 ? 18 : api.key, 4); // no Metadata: it may auto-create the topics it names
        b.writeInt16BE(version, 6);
        b.writeInt32BE(1, 8);
        b.writeInt16BE(-1, 12);
        Buffer.from(body).copy(b, 14);
        return new Uint8Array(b);
      }),
      // A valid produce with bytes of its batch flipped where Kafka's CRC (or the magic byte) guards them.
      fc.record({ at: fc.integer({ min: 16, max: valid.length - 1 }), xor: fc.integer({ min: 1, max: 255 }), version: fc.constantFrom(3, 7, 9) }).map(({ at, xor, version }) => {
        const mutated = Buffer.from(valid);
        mutated[at]! ^= xor;
        return encodeRequestFrame({ requestApiKey: 0, requestApiVersion: version, correlationId: 2, clientId: 'fuzz' }, produceRequest(mutated, at % 2));
      }),
    );
    await fc.assert(
      fc.asyncProperty(fc.array(frame, { minLength: 1, maxLength: 4 }), async (frames) => {
        const c = await open();
        if (process.env.FUZZ_DEBUG) console.log('case', frames.map((f) => Buffer.from(f).subarray(0, 8).toString('hex')).join(' '));
        for (const f of frames) c.write(f);
        // Every frame is answered or the connection is closed; either way the server goes on.
        for (let i = 0; i < frames.length && !c.closed; i++) await c.next(1_000);
        c.close();
      }),
      { numRuns: Number(process.env.FUZZ_RUNS ?? 60) },
    );
    await alive();
    expect(await highWatermarks()).toEqual([0, 0]);
  });
});
