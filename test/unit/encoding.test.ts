import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { decodeField, encodeField, NOT_REPRESENTABLE } from '../../lambdas/http/encoding.js';

describe('wire encodings', () => {
  it('round-trips any bytes through base64', () => {
    fc.assert(
      fc.property(fc.uint8Array({ maxLength: 300 }), (bytes) => {
        const wire = encodeField(bytes, 'base64', 'value') as string;
        expect([...decodeField(wire, 'base64', 'value', 'v')!]).toEqual([...bytes]);
      }),
    );
  });

  it('rejects text that is not base64, naming the field', () => {
    for (const bad of ['not base64!', 'QQ=', 'QQ==QQ==', 'Q Q=', 'QUJD\n', '====', 'QUJ=D', 'QUJ', 'ü===']) {
      expect(() => decodeField(bad, 'base64', 'value', 'records[2].value'), bad).toThrow(/records\[2\]\.value is not valid base64/);
    }
  });

  it('keeps null keys, tombstone values and null header values in every encoding, and requires strings otherwise', () => {
    expect(decodeField(null, 'base64', 'key', 'k')).toBeNull();
    expect(decodeField(null, 'utf8', 'header', 'h')).toBeNull();
    expect(decodeField(null, 'json', 'value', 'v')).toBeNull();
    expect(() => decodeField(5, 'base64', 'value', 'v')).toThrow(/must be a string or null/);
    expect(() => decodeField(5, 'utf8', 'header', 'h')).toThrow(/must be a string or null/);
    expect(new TextDecoder().decode(decodeField({ a: [1] }, 'json', 'value', 'v')!)).toBe('{"a":[1]}');
    expect(new TextDecoder().decode(decodeField('null', 'utf8', 'value', 'v')!)).toBe('null');
  });

  it('names the utf8 and json encodings when a value is not base64', () => {
    expect(() => decodeField('hello world', 'base64', 'value', 'records[0].value')).toThrow(/"encoding":"utf8".*"encoding":"json"/);
  });

  it('says when stored bytes cannot be shown as text or JSON, instead of failing', () => {
    expect(encodeField(new Uint8Array([0xff, 0xfe]), 'utf8', 'value')).toBe(NOT_REPRESENTABLE);
    expect(encodeField(new TextEncoder().encode('not json'), 'json', 'value')).toBe(NOT_REPRESENTABLE);
    expect(encodeField(new TextEncoder().encode('{"a":1}'), 'json', 'value')).toEqual({ a: 1 });
  });
});
