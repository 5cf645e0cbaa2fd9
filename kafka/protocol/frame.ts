/**
 * Framing: every Kafka request and response is `int32 size` (big-endian, not counting itself)
 * followed by `size` bytes (header, then body). Helpers to split a TCP byte stream into frames
 * and to build whole request/response frames.
 */
import { KafkaProtocolError, Reader, Writer } from './primitives.js';
import { getApi, readRequestHeader, readResponseHeader, writeRequestHeader, writeResponseHeader, type RequestHeader } from './header.js';
import type { AnyApiCodec } from './runtime.js';

/** Kafka's default `socket.request.max.bytes` (100 MiB): the largest frame accepted by default. */
export const DEFAULT_MAX_FRAME_BYTES = 104_857_600;

/** Prefixes `payload` with its int32 size. */
export function encodeFrame(payload: Uint8Array): Uint8Array {
  const out = new Uint8Array(4 + payload.length);
  new DataView(out.buffer).setInt32(0, payload.length);
  out.set(payload, 4);
  return out;
}

/**
 * Splits a byte stream into frames. Feed it socket chunks; it returns each complete frame's
 * payload (without the size prefix) and keeps the partial rest. A size prefix that is negative or
 * above `maxFrameBytes` throws before anything is buffered for it (close the connection then:
 * the stream cannot be resynchronised).
 */
export class FrameDecoder {
  private chunks: Uint8Array[] = [];
  private length = 0;

  /** @param maxFrameBytes largest payload accepted @default DEFAULT_MAX_FRAME_BYTES */
  constructor(private readonly maxFrameBytes = DEFAULT_MAX_FRAME_BYTES) {}

  /** Bytes held for an incomplete frame. */
  get buffered(): number {
    return this.length;
  }

  /** Adds a chunk and returns the frames it completes, in order. */
  push(chunk: Uint8Array): Uint8Array[] {
    if (chunk.length > 0) {
      this.chunks.push(chunk);
      this.length += chunk.length;
    }
    const frames: Uint8Array[] = [];
    for (;;) {
      if (this.length < 4) break;
      const head = this.peek(4);
      const size = new DataView(head.buffer, head.byteOffset, 4).getInt32(0);
      if (size < 0) throw new KafkaProtocolError('invalid_length', `negative frame size ${size}`);
      if (size > this.maxFrameBytes) throw new KafkaProtocolError('frame_too_large', `frame of ${size} bytes exceeds the ${this.maxFrameBytes} byte limit`);
      if (this.length < 4 + size) break;
      const all = this.take(4 + size);
      frames.push(all.subarray(4));
    }
    return frames;
  }

  private flatten(): Uint8Array {
    if (this.chunks.length > 1) {
      const joined = new Uint8Array(this.length);
      let at = 0;
      for (const c of this.chunks) {
        joined.set(c, at);
        at += c.length;
      }
      this.chunks = [joined];
    }
    return this.chunks[0] ?? new Uint8Array(0);
  }

  private peek(n: number): Uint8Array {
    const first = this.chunks[0] as Uint8Array;
    return first.length >= n ? first : this.flatten();
  }

  private take(n: number): Uint8Array {
    const all = this.flatten();
    const out = all.subarray(0, n);
    const rest = all.subarray(n);
    this.chunks = rest.length > 0 ? [rest] : [];
    this.length = rest.length;
    return out;
  }
}

function apiOrThrow(apiKey: number, apiVersion: number): AnyApiCodec {
  const api = getApi(apiKey);
  if (!api) throw new KafkaProtocolError('unsupported_version', `unknown API key ${apiKey}`);
  if (apiVersion < api.minVersion || apiVersion > api.maxVersion) {
    throw new KafkaProtocolError('unsupported_version', `${api.name} version ${apiVersion} is outside ${api.minVersion}-${api.maxVersion}`);
  }
  return api;
}

function framedChunks(write: (w: Writer) => void): Uint8Array[] {
  const w = new Writer(1024);
  write(w);
  const size = new Uint8Array(4);
  new DataView(size.buffer).setInt32(0, w.length);
  return [size, ...w.finishChunks()];
}

function framed(write: (w: Writer) => void): Uint8Array {
  const chunks = framedChunks(write);
  const out = new Uint8Array(chunks.reduce((n, c) => n + c.length, 0));
  let at = 0;
  for (const c of chunks) {
    out.set(c, at);
    at += c.length;
  }
  return out;
}

/** Builds a whole request frame (size, header in the right version, body). */
export function encodeRequestFrame(header: RequestHeader, body: unknown): Uint8Array {
  const api = apiOrThrow(header.requestApiKey, header.requestApiVersion);
  return framed((w) => {
    writeRequestHeader(w, header);
    api.encodeRequest(w, header.requestApiVersion, body);
  });
}

/** Builds a whole response frame (size, header in the right version, body). */
export function encodeResponseFrame(apiKey: number, apiVersion: number, correlationId: number, body: unknown): Uint8Array {
  const api = apiOrThrow(apiKey, apiVersion);
  return framed((w) => {
    writeResponseHeader(w, apiKey, apiVersion, correlationId);
    api.encodeResponse(w, apiVersion, body);
  });
}

/**
 * Like {@link encodeResponseFrame}, as chunks to write in order (e.g. `socket.cork()`, a `write` per
 * chunk, `socket.uncork()`), without copying record batches of `ZERO_COPY_BYTES` (16 KiB) or more into
 * one buffer. The chunks reference those batches: do not modify them until written.
 */
export function encodeResponseFrameChunks(apiKey: number, apiVersion: number, correlationId: number, body: unknown): Uint8Array[] {
  const api = apiOrThrow(apiKey, apiVersion);
  return framedChunks((w) => {
    writeResponseHeader(w, apiKey, apiVersion, correlationId);
    api.encodeResponse(w, apiVersion, body);
  });
}

/**
 * Decodes a request frame's payload (without the size prefix): header and body. A server that
 * wants to answer a bad body with an error should rather call `readRequestHeader` and the API's
 * `decodeRequest` itself, so it still has the correlation id when the body fails.
 */
export function decodeRequestFrame(payload: Uint8Array): { header: RequestHeader; body: unknown } {
  const r = new Reader(payload);
  const { headerVersion: _, ...header } = readRequestHeader(r);
  const api = apiOrThrow(header.requestApiKey, header.requestApiVersion);
  return { header, body: api.decodeRequest(r, header.requestApiVersion) };
}

/** Decodes a response frame's payload (without the size prefix) to a request of `apiKey`/`apiVersion`. */
export function decodeResponseFrame(payload: Uint8Array, apiKey: number, apiVersion: number): { correlationId: number; body: unknown } {
  const api = apiOrThrow(apiKey, apiVersion);
  const r = new Reader(payload);
  const { correlationId } = readResponseHeader(r, apiKey, apiVersion);
  return { correlationId, body: api.decodeResponse(r, apiVersion) };
}
