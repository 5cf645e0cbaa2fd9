/** `decode` turns the trigger event's base64 fields back into bytes, text or JSON, and keeps null. */
import { describe, expect, it } from 'vitest';
import { decode, type EddyEvent } from '@eddy/api';

describe('decode', () => {
  const b64 = (s: string | Uint8Array) => Buffer.from(s).toString('base64');

  it('returns bytes by default, including bytes that are not UTF-8', () => {
    const bytes = new Uint8Array([0, 255, 128, 10]);
    expect(decode(b64(bytes))).toEqual(bytes);
  });

  it('decodes UTF-8 text and JSON', () => {
    expect(decode(b64('héllo ✓'), 'text')).toBe('héllo ✓');
    expect(decode(b64('{"n":1,"s":"ü"}'), 'json')).toEqual({ n: 1, s: 'ü' });
  });

  it('keeps null (no key, a tombstone) as null', () => {
    expect(decode(null)).toBeNull();
    expect(decode(null, 'text')).toBeNull();
    expect(decode(null, 'json')).toBeNull();
  });

  it('reads an event of the documented shape', () => {
    const event: EddyEvent = {
      eventSource: 'eddy',
      topic: 'orders',
      partition: 0,
      groupId: 'billing',
      records: [{ topic: 'orders', partition: 0, offset: 41, timestamp: 1, key: b64('k1'), value: null, headers: [{ key: 'trace', value: b64('abc') }] }],
    };
    expect(event.records.map((r) => [decode(r.key, 'text'), decode(r.value, 'text'), decode(r.headers[0]!.value, 'text')])).toEqual([['k1', null, 'abc']]);
  });
});
