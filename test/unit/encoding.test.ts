import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { decodeField, encodeField } from '../../lambdas/http/encoding.js';

describe('wire encodings', () => {
  it('round-trips any bytes through base64', () => {
    fc.assert(
      fc.property(fc.uint8Array({ maxLength: 300 }), (bytes) => {
        const wire = encodeField(bytes, 'base64', 'value', 0) as string;
        expect([...decodeField(wire, 'base64', 'value', 'v')!]).toEqual([...bytes]);
      }),
    );
  });

  it('rejects text that is not base64, naming the field', () => {
    for (const bad of ['not base64!', 'QQ=', 'QQ==QQ==', 'Q Q=', 'QUJD\n', '====', 'QUJ=D', 'QUJ', 'ü===']) {
      expect(() => decodeField(bad, 'base64', 'value', 'records[2].value'), bad).toThrow(/records\[2\]\.value is not valid base64/);
    }
  });

  it('keeps null keys and values, and requires strings for header values', () => {
    expect(decodeField(null, 'base64', 'key', 'k')).toBeNull();
    expect(() => decodeField(null, 'utf8', 'header', 'h')).toThrow(/must be a string/);
    expect(() => decodeField(5, 'base64', 'value', 'v')).toThrow(/must be a string or null/);
    expect(new TextDecoder().decode(decodeField({ a: [1] }, 'json', 'value', 'v')!)).toBe('{"a":[1]}');
  });
});
