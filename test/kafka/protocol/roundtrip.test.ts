// decode(encode(x)) == x for every API, every version, request and response, with values drawn
// from the message definitions themselves (see arbitraries.ts); and encode(decode(bytes)) == bytes.
import fc from 'fast-check';
import { describe, expect, test } from 'vitest';
import { API_NAMES, SCHEMA_DIR } from '../../../kafka/protocol/generate.js';
import { apis, API_KEYS, Reader, Writer, type AnyApiCodec } from '../../../kafka/protocol/index.js';
import { decodeConsumerProtocolAssignment, encodeConsumerProtocolAssignment } from '../../../kafka/protocol/generated/consumer-protocol-assignment.js';
import { decodeConsumerProtocolSubscription, encodeConsumerProtocolSubscription } from '../../../kafka/protocol/generated/consumer-protocol-subscription.js';
import { decodeRequestHeader, encodeRequestHeader } from '../../../kafka/protocol/generated/request-header.js';
import { decodeResponseHeader, encodeResponseHeader } from '../../../kafka/protocol/generated/response-header.js';
import { loadMessage, type Message } from '../../../kafka/protocol/schema.js';
import { messageArb } from './arbitraries.js';

const RUNS = 20;

type Decode = (r: Reader, v: number) => unknown;
type Encode = (w: Writer, v: number, value: never) => void;

function roundTrip(m: Message, version: number, decode: Decode, encode: Encode): void {
  fc.assert(
    fc.property(messageArb(m, version), (value) => {
      const w = new Writer(16);
      encode(w, version, value as never);
      const bytes = w.finish().slice();
      const r = new Reader(bytes);
      const decoded = decode(r, version);
      expect(r.remaining).toBe(0);
      expect(decoded).toEqual(value);
      const again = new Writer(16);
      encode(again, version, decoded as never);
      expect(again.finish()).toEqual(bytes);
    }),
    { numRuns: RUNS },
  );
}

function versions(m: Message): number[] {
  const out: number[] = [];
  for (let v = m.validVersions.min; v <= m.validVersions.max; v++) out.push(v);
  return out;
}

describe.each(API_NAMES.map((name) => [name]))('%s', (name) => {
  const request = loadMessage(SCHEMA_DIR, `${name}Request`);
  const response = loadMessage(SCHEMA_DIR, `${name}Response`);
  const api = (apis as Record<number, AnyApiCodec>)[API_KEYS[name]] as AnyApiCodec;

  test('registry entry matches the schema', () => {
    expect(api.name).toBe(name);
    expect(api.key).toBe(request.apiKey);
    expect([api.minVersion, api.maxVersion]).toEqual([request.validVersions.min, request.validVersions.max]);
    expect(api.flexibleFrom).toBe(request.flexibleVersions?.min ?? null);
  });

  test.each(versions(request))('request v%i round-trips', (v) => roundTrip(request, v, api.decodeRequest, api.encodeRequest));
  test.each(versions(response))('response v%i round-trips', (v) => roundTrip(response, v, api.decodeResponse, api.encodeResponse));

  test('versions outside the schema are refused with unsupported_version', () => {
    const w = new Writer();
    expect(() => api.encodeRequest(w, api.maxVersion + 1, api.defaultRequest())).toThrow(expect.objectContaining({ kind: 'unsupported_version' }));
    expect(() => api.decodeResponse(new Reader(new Uint8Array(64)), -1)).toThrow(expect.objectContaining({ kind: 'unsupported_version' }));
  });
});

describe('data schemas and headers', () => {
  const cases: Array<[string, Decode, Encode]> = [
    ['ConsumerProtocolSubscription', decodeConsumerProtocolSubscription, encodeConsumerProtocolSubscription],
    ['ConsumerProtocolAssignment', decodeConsumerProtocolAssignment, encodeConsumerProtocolAssignment],
    ['RequestHeader', decodeRequestHeader, encodeRequestHeader],
    ['ResponseHeader', decodeResponseHeader, encodeResponseHeader],
  ];
  for (const [name, decode, encode] of cases) {
    const m = loadMessage(SCHEMA_DIR, name);
    test.each(versions(m))(`${name} v%i round-trips`, (v) => roundTrip(m, v, decode, encode));
  }
});

test('fields a version lacks are skipped on encode and decode to their default (one response, many versions)', () => {
  const api = apis[API_KEYS.Metadata];
  const response = api.defaultResponse();
  response.topics = [
    {
      errorCode: 0,
      name: 'orders',
      topicId: '0123abcd-4567-89ef-0123-456789abcdef', // versions 10+
      isInternal: false,
      partitions: [{ errorCode: 0, partitionIndex: 0, leaderId: 1, leaderEpoch: 7, replicaNodes: [1], isrNodes: [1], offlineReplicas: [] }],
      topicAuthorizedOperations: -2147483648,
    },
  ];
  const at = (v: number) => {
    const w = new Writer();
    api.encodeResponse(w, v, response);
    return api.decodeResponse(new Reader(w.finish().slice()), v);
  };
  expect(at(9).topics[0]?.topicId).toBe('00000000-0000-0000-0000-000000000000');
  expect(at(10).topics[0]?.topicId).toBe('0123abcd-4567-89ef-0123-456789abcdef');
  expect(at(6).topics[0]?.partitions[0]?.leaderEpoch).toBe(-1); // LeaderEpoch is 7+, default -1
  expect(at(7).topics[0]?.partitions[0]?.leaderEpoch).toBe(7);
});
