/**
 * CRC32C (Castagnoli, reflected polynomial 0x82F63B78), the checksum Kafka and
 * S3 use. Slicing-by-16 over one flat table (16 × 256 entries): 16 bytes per
 * step, about 0.6 ms/MB on Node 20 — it is on every produce and fetch path
 * (chunks and Kafka record batches), so it is worth the 16 KiB table.
 *
 * This package has no dependencies, so a hardware CRC32C (SSE4.2 / ARMv8
 * CRC instructions, e.g. `@node-rs/crc32`) is plugged in from outside with
 * {@link useCrc32cAccelerator}: the SDK and the Node hosts (local host,
 * `eddy gateway`) do; the Lambda bundles do not and run this JavaScript.
 */

const POLY = 0x82f63b78;
/** Table t of slicing-by-16 is `T[t * 256 + byte]`. */
const T = new Uint32Array(16 * 256);
// Stryker disable next-line EqualityOperator: equivalent — n = 256 writes T[256], which the next loop overwrites (with t = 1, n = 0)
for (let n = 0; n < 256; n++) {
  let c = n;
  for (let k = 0; k < 8; k++) c = c & 1 ? (c >>> 1) ^ POLY : c >>> 1;
  T[n] = c >>> 0;
}
// Stryker disable next-line EqualityOperator: equivalent — t = 16 writes past the 4096 entries, which a Uint32Array ignores
for (let t = 1; t < 16; t++) {
  // Stryker disable next-line EqualityOperator: equivalent — n = 256 writes the first entry of table t + 1, which the next t overwrites (or past the end for t = 15)
  for (let n = 0; n < 256; n++) {
    const prev = T[(t - 1) * 256 + n]!;
    T[t * 256 + n] = (prev >>> 8) ^ T[prev & 0xff]!;
  }
}

/** CRC32C of `bytes[start, end)` in JavaScript, whatever accelerator is plugged in: the reference the accelerator is checked against. */
export function crc32cJs(bytes: Uint8Array, start = 0, end = bytes.length): number {
  let crc = ~0;
  let i = start;
  const end16 = end - ((end - start) & 15);
  // Stryker disable next-line ConditionalExpression: equivalent — skipping the 16-byte steps leaves every byte to the byte loop below, which gives the same CRC (only slower)
  while (i < end16) {
    const a = crc ^ (bytes[i]! | (bytes[i + 1]! << 8) | (bytes[i + 2]! << 16) | (bytes[i + 3]! << 24));
    crc =
      T[3840 + (a & 0xff)]! ^
      T[3584 + ((a >>> 8) & 0xff)]! ^
      T[3328 + ((a >>> 16) & 0xff)]! ^
      T[3072 + (a >>> 24)]! ^
      T[2816 + bytes[i + 4]!]! ^
      T[2560 + bytes[i + 5]!]! ^
      T[2304 + bytes[i + 6]!]! ^
      T[2048 + bytes[i + 7]!]! ^
      T[1792 + bytes[i + 8]!]! ^
      T[1536 + bytes[i + 9]!]! ^
      T[1280 + bytes[i + 10]!]! ^
      T[1024 + bytes[i + 11]!]! ^
      T[768 + bytes[i + 12]!]! ^
      T[512 + bytes[i + 13]!]! ^
      T[256 + bytes[i + 14]!]! ^
      T[bytes[i + 15]!]!;
    i += 16;
  }
  while (i < end) crc = (crc >>> 8) ^ T[(crc ^ bytes[i++]!) & 0xff]!;
  return (crc ^ ~0) >>> 0;
}

/** A CRC32C of a whole byte array (standard CRC32C: initial state 0). */
export type Crc32cFunction = (bytes: Uint8Array) => number;

/** Below this many bytes the JavaScript table is as fast as a native call. */
const ACCELERATE_FROM_BYTES = 64;

let accelerated: Crc32cFunction | undefined;

/** CRC32C of `bytes[start, end)`, as an unsigned 32-bit integer: the accelerator when one is plugged in, else {@link crc32cJs}. */
export function crc32c(bytes: Uint8Array, start = 0, end = bytes.length): number {
  if (accelerated !== undefined && end - start >= ACCELERATE_FROM_BYTES) {
    return accelerated(start === 0 && end === bytes.length ? bytes : bytes.subarray(start, end)) >>> 0;
  }
  return crc32cJs(bytes, start, end);
}

/** Deterministic test bytes (xorshift32), so the check needs no randomness source. */
function sampleBytes(length: number, seed: number): Uint8Array {
  const out = new Uint8Array(length);
  let x = seed >>> 0 || 1;
  for (let i = 0; i < length; i++) {
    x ^= x << 13;
    x ^= x >>> 17;
    x ^= x << 5;
    out[i] = x & 0xff;
  }
  return out;
}

/**
 * Whether `fn` computes CRC32C as {@link crc32cJs} does: the standard check
 * value ("123456789" → 0xE3069283), the empty input, and deterministic inputs
 * of several lengths (1 byte to 64 KiB, views at odd offsets included);
 * plus `extra` inputs when given. A throwing `fn` fails the check.
 */
export function checkCrc32cAccelerator(fn: Crc32cFunction, extra: readonly Uint8Array[] = []): boolean {
  const vectors: Uint8Array[] = [new Uint8Array(0), new TextEncoder().encode('123456789'), new Uint8Array(32), new Uint8Array(32).fill(0xff)];
  for (const [i, length] of [1, 15, 16, 63, 64, 65, 1000, 4099, 65_536].entries()) vectors.push(sampleBytes(length, 0x9e3779b9 + i));
  const wide = sampleBytes(5003, 7);
  vectors.push(wide.subarray(3, 4998), wide.subarray(1, 2));
  try {
    if ((fn(vectors[1]!) >>> 0) !== 0xe3069283) return false;
    return [...vectors, ...extra].every((v) => fn(v) >>> 0 === crc32cJs(v));
  } catch {
    return false;
  }
}

/**
 * Plugs in a faster CRC32C (a native one), after checking it with
 * {@link checkCrc32cAccelerator}: one that fails the check is not used and
 * the JavaScript implementation stays. `null` goes back to JavaScript.
 * @returns whether the accelerator is now in use
 */
export function useCrc32cAccelerator(fn: Crc32cFunction | null | undefined): boolean {
  accelerated = fn && checkCrc32cAccelerator(fn) ? fn : undefined;
  return accelerated !== undefined;
}

/**
 * Plugs in the `crc32c` export of the module `load` returns (such as
 * `@node-rs/crc32`), as {@link useCrc32cAccelerator} does. The caller loads
 * it, so that it resolves from the caller's own package and a bundler that
 * does not follow the load leaves it out; a load that throws (no such
 * package, no binary for this platform) leaves the JavaScript CRC32C.
 * @returns whether the accelerator is now in use
 */
export function useCrc32cModule(load: () => unknown): boolean {
  let fn: Crc32cFunction | undefined;
  try {
    fn = (load() as { crc32c?: Crc32cFunction } | null)?.crc32c;
  } catch {
    fn = undefined;
  }
  return useCrc32cAccelerator(fn);
}

/** Whether {@link crc32c} runs an accelerator (plugged in with {@link useCrc32cAccelerator}). */
export function crc32cAccelerated(): boolean {
  return accelerated !== undefined;
}
