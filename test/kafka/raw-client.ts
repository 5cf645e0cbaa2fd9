/** A bare Kafka protocol client over a socket, for tests that send exactly the bytes they mean. */
import { connect, type Socket } from 'node:net';
import { decodeResponseFrame, encodeRequestFrame } from '../../kafka/protocol/frame.js';

/** A connection that sends frames and reads whole response frames in order. */
export class RawClient {
  private buffer = Buffer.alloc(0);
  private waiters: Array<(frame: Buffer | undefined) => void> = [];
  private frames: Buffer[] = [];
  private ended = false;
  private correlation = 1;

  private constructor(private readonly socket: Socket) {
    socket.on('data', (chunk: Buffer) => {
      this.buffer = Buffer.concat([this.buffer, chunk]);
      while (this.buffer.length >= 4 && this.buffer.length >= 4 + this.buffer.readInt32BE(0)) {
        const size = this.buffer.readInt32BE(0);
        this.deliver(this.buffer.subarray(4, 4 + size));
        this.buffer = this.buffer.subarray(4 + size);
      }
    });
    const end = (): void => {
      this.ended = true;
      for (const w of this.waiters.splice(0)) w(undefined);
    };
    socket.on('close', end);
    socket.on('error', end);
  }

  static open(port: number): Promise<RawClient> {
    return new Promise((resolve, reject) => {
      const socket = connect(port, '127.0.0.1', () => resolve(new RawClient(socket)));
      socket.once('error', reject);
    });
  }

  private deliver(frame: Buffer): void {
    const w = this.waiters.shift();
    if (w) w(Buffer.from(frame));
    else this.frames.push(Buffer.from(frame));
  }

  /** Whether the server closed the connection. */
  get closed(): boolean {
    return this.ended;
  }

  /** Sends raw bytes. */
  write(bytes: Uint8Array): void {
    this.socket.write(bytes);
  }

  /** The next response frame's payload, or undefined when the connection closed (or `timeoutMs` passed). */
  next(timeoutMs = 5_000): Promise<Buffer | undefined> {
    const f = this.frames.shift();
    if (f) return Promise.resolve(f);
    if (this.ended) return Promise.resolve(undefined);
    return new Promise((resolve) => {
      const timer = setTimeout(() => {
        this.waiters = this.waiters.filter((w) => w !== done);
        resolve(undefined);
      }, timeoutMs);
      const done = (frame: Buffer | undefined): void => {
        clearTimeout(timer);
        resolve(frame);
      };
      this.waiters.push(done);
    });
  }

  /** Sends a request and decodes its answer. */
  async request(apiKey: number, apiVersion: number, body: unknown): Promise<{ correlationId: number; body: any }> { // eslint-disable-line @typescript-eslint/no-explicit-any -- tests inspect decoded bodies
    const correlationId = this.correlation++;
    this.write(encodeRequestFrame({ requestApiKey: apiKey, requestApiVersion: apiVersion, correlationId, clientId: 'raw' }, body));
    const frame = await this.next();
    if (!frame) throw new Error(`connection closed instead of answering api ${apiKey} v${apiVersion}`);
    return decodeResponseFrame(frame, apiKey, apiVersion) as { correlationId: number; body: any }; // eslint-disable-line @typescript-eslint/no-explicit-any -- ditto
  }

  close(): void {
    this.socket.destroy();
  }
}
