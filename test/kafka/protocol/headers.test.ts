// Which header version goes with which request and response, and reading headers of requests
// the codecs cannot decode (unknown API, too-new version) so the server can still answer.
import { describe, expect, test } from 'vitest';
import { readRequestHeader, Reader, requestHeaderVersion, responseHeaderVersion, Writer, writeRequestHeader } from '../../../kafka/protocol/index.js';

const hex = (s: string): Uint8Array => Uint8Array.from(Buffer.from(s.replace(/\s+/g, ''), 'hex'));

describe('header versions', () => {
  test('requests: v2 when the API version is flexible, else v1', () => {
    expect(requestHeaderVersion(0, 8)).toBe(1); // Produce v8
    expect(requestHeaderVersion(0, 9)).toBe(2); // Produce v9, first flexible
    expect(requestHeaderVersion(3, 9)).toBe(2); // Metadata v9
    expect(requestHeaderVersion(18, 2)).toBe(1); // ApiVersions v2
    expect(requestHeaderVersion(18, 3)).toBe(2);
    expect(requestHeaderVersion(18, 99)).toBe(2); // flexible ranges are open-ended
    expect(requestHeaderVersion(17, 1)).toBe(1); // SaslHandshake is never flexible
    expect(requestHeaderVersion(1000, 5)).toBe(1); // unknown API: v1, enough to answer
    expect(requestHeaderVersion(7, 0)).toBe(0); // ControlledShutdown v0
  });

  test('responses: v1 when flexible, else v0; ApiVersions always v0', () => {
    expect(responseHeaderVersion(3, 8)).toBe(0);
    expect(responseHeaderVersion(3, 9)).toBe(1);
    expect(responseHeaderVersion(68, 0)).toBe(1); // ConsumerGroupHeartbeat is flexible from v0
    expect(responseHeaderVersion(18, 3)).toBe(0);
    expect(responseHeaderVersion(18, 4)).toBe(0);
  });
});

describe('readRequestHeader', () => {
  test('a too-new ApiVersions request (KIP-511): header v2 read, correlation id available', () => {
    const r = new Reader(hex('0012 0009 0000002a 0003 636c69 00 ffff'));
    expect(readRequestHeader(r)).toEqual({ requestApiKey: 18, requestApiVersion: 9, correlationId: 42, clientId: 'cli', headerVersion: 2 });
    expect(r.remaining).toBe(2);
  });

  test('an unknown API key: header v1, the body left unread', () => {
    const r = new Reader(hex('03e8 0000 00000007 ffff abcd'));
    expect(readRequestHeader(r)).toEqual({ requestApiKey: 1000, requestApiVersion: 0, correlationId: 7, clientId: null, headerVersion: 1 });
    expect(r.remaining).toBe(2);
  });

  test('a header shorter than its fixed part is truncated', () => {
    expect(() => readRequestHeader(new Reader(hex('0012')))).toThrow(expect.objectContaining({ kind: 'truncated' }));
    expect(() => readRequestHeader(new Reader(hex('0012 0000 0000')))).toThrow(expect.objectContaining({ kind: 'truncated' }));
  });

  test('writeRequestHeader picks the version itself', () => {
    const w = new Writer();
    writeRequestHeader(w, { requestApiKey: 0, requestApiVersion: 9, correlationId: 1, clientId: 'c' });
    expect(Buffer.from(w.finish()).toString('hex')).toBe('0000' + '0009' + '00000001' + '000163' + '00');
  });
});
