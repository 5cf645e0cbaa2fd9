// Types for the compression libraries that ship none (core/codec/compression.ts uses them).

declare module 'snappyjs' {
  /** Raw Snappy block of `input`. */
  function compress(input: Uint8Array): Uint8Array;
  /** Decodes a raw Snappy block; throws on malformed input or a declared length above `maxLength`. */
  function uncompress(input: Uint8Array, maxLength?: number): Uint8Array;
  const snappy: { compress: typeof compress; uncompress: typeof uncompress };
  export default snappy;
}

declare module 'lz4js' {
  const lz4: {
    /** Worst-case compressed size of `n` bytes as one block. */
    compressBound(n: number): number;
    /** Compresses `src[sIndex, sIndex + sLength)` as one block into `dst` from 0; 0 = incompressible. */
    compressBlock(src: Uint8Array, dst: Uint8Array, sIndex: number, sLength: number, hashTable: Uint32Array): number;
  };
  export default lz4;
}

declare module 'lz4js/xxh32.js' {
  const xxh32: {
    /** xxHash32 of `src[sIndex, sIndex + sLength)`. */
    hash(seed: number, src: Uint8Array, sIndex: number, sLength: number): number;
  };
  export default xxh32;
}
