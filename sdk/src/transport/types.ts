/**
 * The transport interface: how one API request reaches Eddy. Both built-in
 * transports (HTTPS and direct Lambda invoke) carry the same request shape,
 * the direct-invoke payload of docs/api.md, and answer the same response
 * shape, so the client above them behaves identically through either.
 *
 * A transport resolves with whatever status the API answered (error
 * statuses included: mapping them is the client's job) and rejects only when
 * no API answer exists, with an {@link EddyError} that says what is known:
 * `UNAVAILABLE` when the request was never sent, `UNKNOWN_OUTCOME` when it
 * may have been processed.
 */
import type { EddyError } from '../errors.js';

/** HTTP methods used by the API. */
export type HttpMethod = 'GET' | 'POST' | 'PATCH' | 'DELETE';

/** One API request, without HTTP framing (the direct-invoke payload shape). */
export interface TransportRequest {
  /** HTTP method. */
  readonly method: HttpMethod;
  /** Path, segments URI-encoded, e.g. `/v1/topics/orders/records`. */
  readonly path: string;
  /** Query parameters. */
  readonly query?: Readonly<Record<string, string>>;
  /** JSON body, or bytes (a `Uint8Array`) of the type `contentType` names. */
  readonly body?: unknown;
  /** The type of a bytes body, e.g. `application/vnd.eddy.batches`. @default application/json */
  readonly contentType?: string;
  /** The answer types asked for (the Accept header). @default application/json */
  readonly accept?: string;
}

/** The API's answer. */
export interface TransportResponse {
  /** HTTP status. */
  readonly status: number;
  /** Parsed JSON body, null when empty (204), or bytes (a `Uint8Array`) when `contentType` is not JSON. */
  readonly body: unknown;
  /** The answer's type when it is not JSON (e.g. `application/vnd.eddy.batches`). */
  readonly contentType?: string;
}

/** Per-request options. */
export interface TransportRequestOptions {
  /** Aborts the request (rejects with the signal's reason). */
  readonly signal?: AbortSignal;
  /** Gives up after this long with `UNKNOWN_OUTCOME`. */
  readonly timeoutMs: number;
}

/** Carries API requests to Eddy. */
export interface Transport {
  /**
   * True when the transport carries `Uint8Array` bodies with their
   * `contentType` and `accept` (the binary wire format). The client uses
   * `wireFormat: 'binary'` by default only with such a transport; a custom
   * transport without it gets JSON, as before. Both built-in transports do.
   */
  readonly binaryBodies?: boolean;
  /** Sends one request; rejects with an {@link EddyError} only when no API answer exists. */
  request(request: TransportRequest, options: TransportRequestOptions): Promise<TransportResponse>;
  /** Releases connections. */
  close?(): void;
}

/** What the client reports to {@link RequestHooks} after each attempt. */
export interface RequestEvent {
  /** The request. */
  readonly request: TransportRequest;
  /** 0-based attempt number (retries of the same call count up). */
  readonly attempt: number;
  /** Wall time of the attempt. */
  readonly durationMs: number;
  /** The status, when the API answered. */
  readonly status?: number;
  /** The error, when the attempt failed. */
  readonly error?: EddyError;
}

/** Observers of every request attempt, e.g. for metrics or request counting. */
export interface RequestHooks {
  /** Called before each attempt is handed to the transport. */
  readonly onRequest?: (request: TransportRequest, attempt: number) => void;
  /** Called after each attempt, successful or not. */
  readonly onResponse?: (event: RequestEvent) => void;
}
