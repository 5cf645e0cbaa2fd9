/**
 * Requests over `node:http` / `node:https` with keep-alive agents: the HTTP
 * transport's default when no `fetch` is given. Compared with the global
 * `fetch` (undici behind WHATWG streams and Request/Response objects), a
 * request body goes to the socket as it is and the answer comes back as one
 * Buffer, which matters on the produce path (one ~1 MB body per request).
 *
 * Passing a `fetch` to the HTTP transport (`HttpTransportOptions.fetch`, e.g.
 * the global `fetch`) keeps the earlier undici behaviour instead, global
 * dispatcher included (a proxy set with undici's `setGlobalDispatcher`):
 * this client does not use undici's dispatcher or the proxy environment
 * variables.
 */
import { Agent as HttpAgent, request as httpRequest, type IncomingMessage } from 'node:http';
import { Agent as HttpsAgent, request as httpsRequest } from 'node:https';

/**
 * Largest answer body read: twice the largest answer Eddy's API sends (a
 * Lambda response, at most 6 MB; fetch answers are kept under 5.5 MB). A
 * longer body is not Eddy's: its socket is destroyed when it passes this.
 */
export const MAX_ANSWER_BYTES = 2 * 6_000_000;

/** The `code` of the error a request fails with when its answer passes {@link NodeHttpClientOptions.maxAnswerBytes}. */
export const ANSWER_TOO_LARGE = 'EDDY_ANSWER_TOO_LARGE';

/** The `code` of the error a request fails with when its time ran out before a connection was there to send it on: nothing was sent. */
export const NOT_CONNECTED = 'EDDY_NOT_CONNECTED';

/** One request as {@link NodeHttpClient.send} takes it. */
export interface NodeHttpRequest {
  readonly method: string;
  readonly headers: Record<string, string>;
  readonly body?: string | Uint8Array;
  readonly signal: AbortSignal;
}

/** The answer: status, Content-Type and the whole body. */
export interface NodeHttpResponse {
  readonly status: number;
  readonly contentType: string | null;
  readonly body: Buffer;
}

/** Options of {@link NodeHttpClient}. */
export interface NodeHttpClientOptions {
  /** Sockets kept per origin (idle and busy). @default Infinity (Node's default) */
  readonly maxSockets?: number;
  /**
   * How long an idle keep-alive socket is kept (less if the server announces
   * a shorter `Keep-Alive: timeout`): a socket idle for minutes may have been
   * dropped by a proxy or load balancer without a word. @default 4000 (as the global fetch)
   */
  readonly idleSocketMs?: number;
  /** Largest answer body read; a longer one fails the request and its socket is destroyed. @default {@link MAX_ANSWER_BYTES} */
  readonly maxAnswerBytes?: number;
}

/**
 * Sends requests on keep-alive connections, one agent per protocol; `close()`
 * releases their sockets. An idle socket does not keep the process alive, and
 * is closed after `idleSocketMs` or a second before the server's announced
 * `Keep-Alive: timeout` (Node's agent), whichever comes first, so a request
 * rarely meets a connection the server or a proxy is closing.
 */
export class NodeHttpClient {
  private readonly http: HttpAgent;
  private readonly https: HttpsAgent;
  private readonly maxAnswerBytes: number;

  /** @param options - agent limits. */
  constructor(options: NodeHttpClientOptions = {}) {
    this.maxAnswerBytes = options.maxAnswerBytes ?? MAX_ANSWER_BYTES;
    // Node's agent applies `timeout` to free sockets only (it destroys them); a request in flight keeps its socket.
    const agent = { keepAlive: true, timeout: options.idleSocketMs ?? 4_000, ...(options.maxSockets !== undefined ? { maxSockets: options.maxSockets } : {}) };
    this.http = new HttpAgent(agent);
    this.https = new HttpsAgent(agent);
  }

  /**
   * Sends one request and reads the whole answer. Rejects with the socket's
   * error (its `code` kept, for `networkError`), with the signal's reason, or,
   * when the signal aborts before a connection was there to send on (still
   * connecting, or waiting for a free socket), with an error of code
   * {@link NOT_CONNECTED} whose cause is the reason: nothing was sent. An
   * answer longer than `maxAnswerBytes` rejects with code
   * {@link ANSWER_TOO_LARGE}, its socket destroyed.
   */
  send(url: URL, req: NodeHttpRequest): Promise<NodeHttpResponse> {
    const https = url.protocol === 'https:';
    const headers: Record<string, string | number> = { ...req.headers };
    if (req.body !== undefined) headers['content-length'] = typeof req.body === 'string' ? Buffer.byteLength(req.body) : req.body.byteLength;
    return new Promise<NodeHttpResponse>((resolve, reject) => {
      if (req.signal.aborted) {
        reject(req.signal.reason);
        return;
      }
      const options = { method: req.method, headers, agent: https ? this.https : this.http, signal: req.signal };
      const max = this.maxAnswerBytes;
      // Whether a connection was there to send the request on (a reused one is; a new one once connected, TLS included).
      let connected = false;
      const aborted = (): unknown =>
        connected ? req.signal.reason : Object.assign(new Error('no connection was established in time: the request was not sent'), { code: NOT_CONNECTED, cause: req.signal.reason });
      const tooLarge = (size: number): Error => Object.assign(new Error(`the answer is larger than ${max} bytes (${size} seen), more than Eddy's API sends: connection closed`), { code: ANSWER_TOO_LARGE });
      const onResponse = (res: IncomingMessage): void => {
        const chunks: Buffer[] = [];
        let size = 0;
        const declared = Number(res.headers['content-length']);
        if (declared > max) {
          reject(tooLarge(declared));
          res.destroy();
          request.destroy();
          return;
        }
        res.on('data', (chunk: Buffer) => {
          size += chunk.length;
          if (size > max) {
            reject(tooLarge(size));
            res.destroy();
            request.destroy();
            return;
          }
          chunks.push(chunk);
        });
        res.on('end', () => {
          const type = res.headers['content-type'];
          resolve({ status: res.statusCode ?? 0, contentType: type ?? null, body: chunks.length === 1 ? chunks[0]! : Buffer.concat(chunks, size) });
        });
        res.on('error', (err: Error) => reject(req.signal.aborted ? req.signal.reason : err));
        // The connection closed before the whole answer came (a resolved promise ignores this).
        res.on('close', () => {
          if (!res.complete) reject(req.signal.aborted ? req.signal.reason : Object.assign(new Error('connection closed before the whole answer came'), { code: 'ECONNRESET' }));
        });
      };
      const request = https ? httpsRequest(url, options, onResponse) : httpRequest(url, options, onResponse);
      request.on('socket', (socket) => {
        if (!socket.connecting) connected = true;
        else socket.once(https ? 'secureConnect' : 'connect', () => (connected = true));
      });
      // An abort (caller or timeout) destroys the request with an AbortError whose cause is the reason.
      request.on('error', (err: Error) => reject(req.signal.aborted ? aborted() : err));
      request.end(req.body);
    });
  }

  /** Destroys the agents' sockets, idle and busy (a request still in flight fails): releases every connection. */
  close(): void {
    this.http.destroy();
    this.https.destroy();
  }
}
