/**
 * One client connection: framing, the request pipeline, and failure
 * containment.
 *
 * Clients pipeline requests and match answers by correlation id, but Kafka
 * promises answers in request order, and an idempotent producer relies on
 * requests being applied in order too. So requests of one connection are
 * handled one after another, like a Kafka broker does, while later frames
 * are already read and queued (bounded: the socket pauses when the queue is
 * full). Connections are independent of each other.
 *
 * What closes a connection (and only that one): a frame whose size is
 * negative, below a header's 8 bytes or above the limit; a header or body
 * that does not decode. Everything else is answered.
 */
import type { Socket } from 'node:net';
import { SERVED, apiVersionsUnsupported, API_VERSIONS_KEY } from './apis.js';
import type { ConnectionState, GatewaySettings, KafkaLogger, RequestContext } from './context.js';
import type { KafkaCore } from './core.js';
import { KAFKA_ERRORS } from './errors.js';
import type { TopicIds } from './topic-ids.js';
import { codecOf, encodeBareError, encodeResponse, readRequestHead } from './wire.js';

/** Frames read ahead of the one being handled before the socket is paused. */
const MAX_QUEUED = 64;
/** Smallest legal frame: api key, api version, correlation id. */
const MIN_FRAME = 8;

/** What a connection needs from its server. */
export interface ConnectionOptions {
  readonly core: KafkaCore;
  readonly settings: GatewaySettings;
  readonly log: KafkaLogger;
  /** Largest frame accepted. */
  readonly maxFrameBytes: number;
  readonly topicIds: TopicIds;
}

/** Serves one socket until it closes. */
export class Connection {
  private readonly state: ConnectionState;
  private readonly queue: Uint8Array[] = [];
  private pending: Buffer[] = [];
  private pendingBytes = 0;
  private busy = false;
  private closed = false;
  /** Resolves when the request being handled (if any) is done. */
  private idle: Promise<void> = Promise.resolve();
  private markIdle: () => void = () => undefined;

  constructor(
    private readonly socket: Socket,
    private readonly options: ConnectionOptions,
  ) {
    this.state = { clientHost: socket.remoteAddress ?? '', clientId: null, members: new Map() };
    socket.setNoDelay(true);
    socket.on('data', (chunk: Buffer) => this.onData(chunk));
    socket.on('error', () => this.close());
    socket.on('close', () => this.close());
  }

  /** Stops reading; resolves once the request in progress has been answered. */
  async drain(): Promise<void> {
    this.socket.pause();
    await this.idle;
    this.close();
  }

  private close(reason?: string, fields: Record<string, unknown> = {}): void {
    if (reason) this.options.log.warn(`kafka: closing connection: ${reason}`, { client: this.state.clientHost, clientId: this.state.clientId, ...fields });
    if (this.closed) return;
    this.closed = true;
    this.queue.length = 0;
    this.pending = [];
    this.socket.destroy();
  }

  private onData(chunk: Buffer): void {
    if (this.closed) return;
    this.pending.push(chunk);
    this.pendingBytes += chunk.length;
    while (this.pendingBytes >= 4) {
      const head = this.peek(4);
      const size = head.readInt32BE(0);
      if (size < MIN_FRAME || size > this.options.maxFrameBytes) {
        this.close(`frame size ${size} outside ${MIN_FRAME}..${this.options.maxFrameBytes}`);
        return;
      }
      if (this.pendingBytes < 4 + size) break;
      const frame = this.take(4 + size).subarray(4);
      this.queue.push(new Uint8Array(frame.buffer, frame.byteOffset, frame.byteLength));
    }
    if (this.queue.length >= MAX_QUEUED) this.socket.pause();
    void this.pump();
  }

  private peek(n: number): Buffer {
    if (this.pending[0]!.length < n) this.pending = [Buffer.concat(this.pending)];
    return this.pending[0]!.subarray(0, n);
  }

  private take(n: number): Buffer {
    if (this.pending[0]!.length < n) this.pending = [Buffer.concat(this.pending)];
    const first = this.pending[0]!;
    const out = first.subarray(0, n);
    if (first.length === n) this.pending.shift();
    else this.pending[0] = first.subarray(n);
    this.pendingBytes -= n;
    return out;
  }

  private async pump(): Promise<void> {
    if (this.busy) return;
    this.busy = true;
    this.idle = new Promise((resolve) => (this.markIdle = resolve));
    try {
      while (!this.closed && this.queue.length > 0) {
        const frame = this.queue.shift()!;
        if (this.queue.length < MAX_QUEUED / 2 && this.socket.isPaused()) this.socket.resume();
        const out = await this.handle(frame);
        if (out && !this.closed) this.socket.write(out);
      }
    } finally {
      this.busy = false;
      this.markIdle();
    }
  }

  /** Handles one frame; returns the bytes to send, or undefined (acks=0, or the connection was closed). */
  private async handle(frame: Uint8Array): Promise<Uint8Array | undefined> {
    let head;
    try {
      head = readRequestHead(frame);
    } catch (err) {
      this.close('malformed request header', { error: String(err) });
      return undefined;
    }
    const { apiKey, apiVersion, correlationId } = head;
    this.state.clientId = head.clientId ?? this.state.clientId;
    const api = SERVED.get(apiKey);
    if (!api || !head.body) {
      this.options.log.warn('kafka: unsupported API', { apiKey, apiVersion, clientId: head.clientId });
      return encodeBareError(correlationId, KAFKA_ERRORS.UNSUPPORTED_VERSION);
    }
    if (apiVersion < api.minVersion || apiVersion > api.maxVersion) {
      if (apiKey === API_VERSIONS_KEY) return encodeResponse(apiKey, 0, correlationId, apiVersionsUnsupported());
      return this.unsupportedVersion(apiKey, apiVersion, correlationId);
    }
    let request: unknown;
    try {
      request = codecOf(apiKey)!.decodeRequest(head.body, apiVersion);
    } catch (err) {
      this.close(`malformed ${api.name} v${apiVersion} request`, { error: String(err) });
      return undefined;
    }
    const ctx: RequestContext = { core: this.options.core, settings: this.options.settings, connection: this.state, log: this.options.log, apiVersion, topicIds: this.options.topicIds };
    let response: unknown;
    try {
      response = await api.handle(request, ctx);
    } catch (err) {
      // Handlers answer every Eddy error in the response; reaching here is a bug or a backend failure with no per-item place.
      this.close(`${api.name} failed`, { error: err instanceof Error ? (err.stack ?? err.message) : String(err) });
      return undefined;
    }
    if (response === undefined) return undefined;
    try {
      return encodeResponse(apiKey, apiVersion, correlationId, response);
    } catch (err) {
      this.close(`${api.name} v${apiVersion} response could not be encoded`, { error: err instanceof Error ? (err.stack ?? err.message) : String(err) });
      return undefined;
    }
  }

  /** A served API at a version we do not serve: its default response with UNSUPPORTED_VERSION, if the codecs know that version. */
  private unsupportedVersion(apiKey: number, apiVersion: number, correlationId: number): Uint8Array {
    const codec = codecOf(apiKey)!;
    this.options.log.warn('kafka: unsupported version', { apiKey, apiVersion, clientId: this.state.clientId });
    if (apiVersion >= codec.minVersion && apiVersion <= codec.maxVersion) {
      const body = codec.defaultResponse() as Record<string, unknown>;
      if ('errorCode' in body) {
        body.errorCode = KAFKA_ERRORS.UNSUPPORTED_VERSION;
        try {
          return encodeResponse(apiKey, apiVersion, correlationId, body);
        } catch {
          // fall through to the bare answer
        }
      }
    }
    return encodeBareError(correlationId, KAFKA_ERRORS.UNSUPPORTED_VERSION);
  }
}
