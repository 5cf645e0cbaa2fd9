// Truncated, random and mutated input: every decoder either returns a value or throws a
// KafkaProtocolError (never another error, never a hang, never an allocation sized by a lie).
import fc from 'fast-check';
import { describe, expect, test } from 'vitest';
import { API_NAMES, SCHEMA_DIR } from '../../../kafka/protocol/generate.js';
import {
  apis,
  API_KEYS,
  decodeRequestFrame,
  encodeFrame,
  encodeRequestFrame,
  FrameDecoder,
  KafkaProtocolError,
  Reader,
  Writer,
  type AnyApiCodec,
} from '../../../kafka/protocol/index.js';
import { loadMessage } from '../../../kafka/protocol/schema.js';
import { messageArb } from './arbitraries.js';

const kind = (k: string) => expect.objectContaining({ name: 'KafkaProtocolError', kind: k });

/** Runs `fn`; passes if it returns or throws a KafkaProtocolError, rethrows anything else. */
function decodesOrRefuses(fn: () => unknown): void {
  try {
    fn();
  } catch (e) {
    if (!(e instanceof KafkaProtocolError)) throw e;
  }
}

describe.each(API_NAMES.map((name) => [name]))('%s', (name) => {
  const api = (apis as Record<number, AnyApiCodec>)[API_KEYS[name]] as AnyApiCodec;
  for (const side of ['request', 'response'] as const) {
    const m = loadMessage(SCHEMA_DIR, `${name}${side === 'request' ? 'Request' : 'Response'}`);
    const decode = side === 'request' ? api.decodeRequest : api.decodeResponse;
    const encode = side === 'request' ? api.encodeRequest : api.encodeResponse;
    const versions = Array.from({ length: api.maxVersion - api.minVersion + 1 }, (_, i) => api.minVersion + i);

    test(`${side}: every truncation of a valid encoding throws truncated or invalid_length`, () => {
      for (const v of versions) {
        for (const value of fc.sample(messageArb(m, v), { numRuns: 3, seed: v })) {
          const w = new Writer();
          encode(w, v, value);
          const bytes = w.finish();
          const step = Math.max(1, Math.floor(bytes.length / 64));
          for (let n = 0; n < bytes.length; n += step) {
            let error: unknown;
            try {
              decode(new Reader(bytes.subarray(0, n)), v);
            } catch (e) {
              error = e;
            }
            expect(error, `${name} ${side} v${v} cut at ${n} of ${bytes.length}`).toBeInstanceOf(KafkaProtocolError);
            expect(['truncated', 'invalid_length']).toContain((error as KafkaProtocolError).kind);
          }
        }
      }
    });

    test(`${side}: random bytes and mutated encodings decode or throw KafkaProtocolError`, () => {
      for (const v of versions) {
        fc.assert(fc.property(fc.uint8Array({ maxLength: 200 }), (bytes) => decodesOrRefuses(() => decode(new Reader(bytes), v))), { numRuns: 30 });
        fc.assert(
          fc.property(messageArb(m, v), fc.array(fc.tuple(fc.nat(), fc.integer({ min: 0, max: 255 })), { minLength: 1, maxLength: 4 }), (value, edits) => {
            const w = new Writer();
            encode(w, v, value);
            const bytes = w.finish().slice();
            if (bytes.length === 0) return;
            for (const [at, b] of edits) bytes[at % bytes.length] = b;
            decodesOrRefuses(() => decode(new Reader(bytes), v));
          }),
          { numRuns: 30 },
        );
      }
    });
  }
});

describe('lies about sizes', () => {
  test('a Metadata request claiming 2^31-1 topics is refused at once', () => {
    const frame = Uint8Array.from(Buffer.from('0003000100000001ffff7fffffff0000', 'hex'));
    expect(() => decodeRequestFrame(frame)).toThrow(kind('invalid_length'));
  });

  test('a flexible Produce request claiming 2^32-2 partitions is refused at once', () => {
    // header v2 (Produce v9), then transactional_id null, acks, timeout, 1 topic "t", partitions uvarint 0xffffffff
    const frame = Uint8Array.from(Buffer.from('00000009000000010000' + '00' + 'ffff' + '00007530' + '02' + '0274' + 'ffffffff0f', 'hex'));
    expect(() => decodeRequestFrame(frame)).toThrow(kind('invalid_length'));
  });
});

describe('frames', () => {
  test('frames split across arbitrary chunk boundaries come out whole and in order', () => {
    fc.assert(
      fc.property(fc.array(fc.uint8Array({ maxLength: 50 }), { maxLength: 8 }), fc.array(fc.integer({ min: 1, max: 20 }), { minLength: 1, maxLength: 10 }), (payloads, cuts) => {
        const stream = Buffer.concat(payloads.map((p) => encodeFrame(p)));
        const decoder = new FrameDecoder(1000);
        const out: Uint8Array[] = [];
        let at = 0;
        let i = 0;
        while (at < stream.length) {
          const n = cuts[i++ % cuts.length] as number;
          out.push(...decoder.push(stream.subarray(at, at + n)));
          at += n;
        }
        expect(out.map((f) => Buffer.from(f).toString('hex'))).toEqual(payloads.map((p) => Buffer.from(p).toString('hex')));
        expect(decoder.buffered).toBe(0);
      }),
    );
  });

  test('an oversize or negative size prefix is refused before its body arrives', () => {
    expect(() => new FrameDecoder(1024).push(Uint8Array.of(0, 0, 4, 1))).toThrow(kind('frame_too_large'));
    expect(() => new FrameDecoder().push(Uint8Array.of(0x80, 0, 0, 0))).toThrow(kind('invalid_length'));
  });

  test('random frames decode or throw KafkaProtocolError', () => {
    const anyKey = fc.constantFrom(...Object.keys(apis).map(Number), 7, 1000, -1);
    fc.assert(
      fc.property(anyKey, fc.integer({ min: -1, max: 20 }), fc.uint8Array({ maxLength: 120 }), (key, version, rest) => {
        const head = new Writer();
        head.writeInt16(key);
        head.writeInt16(version);
        head.writeRaw(rest);
        decodesOrRefuses(() => decodeRequestFrame(head.finish()));
      }),
      { numRuns: 500 },
    );
  });

  test('encoding refuses null where the version does not allow it', () => {
    const request = apis[API_KEYS.Metadata].defaultRequest();
    request.topics = null;
    expect(() => encodeRequestFrame({ requestApiKey: 3, requestApiVersion: 0, correlationId: 1, clientId: null }, request)).toThrow(kind('invalid_value'));
    expect(encodeRequestFrame({ requestApiKey: 3, requestApiVersion: 1, correlationId: 1, clientId: null }, request).length).toBe(4 + 10 + 4);
  });
});
