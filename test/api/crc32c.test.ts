/**
 * The CRC32C accelerator hook of `@eddy/api`: a native CRC32C is used only
 * after it agrees with the JavaScript one, and then it agrees on any input.
 */
import { crc32c as nativeCrc32c } from '@node-rs/crc32';
import fc from 'fast-check';
import { afterAll, describe, expect, it } from 'vitest';
import { checkCrc32cAccelerator, crc32c, crc32cAccelerated, crc32cJs, useCrc32cAccelerator, useCrc32cModule } from '@eddy/api';
import { useNativeCrc32c as useNativeCrc32cInCore } from '../../core/index.js';
import { useNativeCrc32c as useNativeCrc32cInSdk } from '../../sdk/src/util/native-crc32c.js';

const native = (bytes: Uint8Array): number => nativeCrc32c(bytes);

describe('CRC32C accelerator', () => {
  afterAll(() => useNativeCrc32cInSdk());

  it('the JavaScript CRC32C gives the standard check value', () => {
    expect(crc32cJs(new TextEncoder().encode('123456789'))).toBe(0xe3069283);
    expect(crc32cJs(new Uint8Array(0))).toBe(0);
  });

  it('@node-rs/crc32 passes the check and agrees with JavaScript on random inputs, views at any offset included', () => {
    expect(checkCrc32cAccelerator(native)).toBe(true);
    fc.assert(
      fc.property(fc.uint8Array({ maxLength: 4096 }), fc.nat(64), fc.nat(64), (bytes, a, b) => {
        const start = Math.min(a, bytes.length);
        const end = Math.max(start, bytes.length - b);
        expect(native(bytes.subarray(start, end)) >>> 0).toBe(crc32cJs(bytes, start, end));
      }),
      { numRuns: 500 },
    );
  });

  it('crc32c gives the same answers with and without the accelerator', () => {
    const inputs = fc.sample(fc.uint8Array({ minLength: 0, maxLength: 20_000 }), 50);
    expect(useCrc32cAccelerator(null)).toBe(false);
    const js = inputs.map((b) => [crc32c(b), crc32c(b, 3, Math.max(3, b.length - 5))]);
    expect(useCrc32cAccelerator(native)).toBe(true);
    expect(crc32cAccelerated()).toBe(true);
    expect(inputs.map((b) => [crc32c(b), crc32c(b, 3, Math.max(3, b.length - 5))])).toEqual(js);
  });

  it('a wrong or throwing accelerator is refused and JavaScript stays', () => {
    expect(useCrc32cAccelerator((b) => crc32cJs(b) ^ (b.length > 1000 ? 1 : 0))).toBe(false);
    expect(crc32cAccelerated()).toBe(false);
    expect(useCrc32cAccelerator(() => 0)).toBe(false);
    expect(
      useCrc32cAccelerator(() => {
        throw new Error('no CPU support');
      }),
    ).toBe(false);
    expect(crc32c(new TextEncoder().encode('123456789'))).toBe(0xe3069283);
  });

  it('a module that fails to load, or has no crc32c, leaves JavaScript; one whose crc32c passes is used', () => {
    expect(useCrc32cModule(() => {
      throw new Error('Cannot find module');
    })).toBe(false);
    expect(crc32cAccelerated()).toBe(false);
    expect(useCrc32cModule(() => ({ crc32: nativeCrc32c }))).toBe(false);
    expect(useCrc32cModule(() => null)).toBe(false);
    expect(crc32cAccelerated()).toBe(false);
    expect(useCrc32cModule(() => ({ crc32c: nativeCrc32c }))).toBe(true);
    expect(crc32cAccelerated()).toBe(true);
  });

  it('the SDK and the Node hosts plug in @node-rs/crc32', () => {
    useCrc32cAccelerator(null);
    expect(useNativeCrc32cInSdk()).toBe(true);
    useCrc32cAccelerator(null);
    expect(useNativeCrc32cInCore()).toBe(true);
    expect(crc32cAccelerated()).toBe(true);
  });
});
