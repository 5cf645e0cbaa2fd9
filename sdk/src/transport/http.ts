/**
 * HTTPS transport: `node:http(s)` with keep-alive agents (or a given
 * `fetch`) against the API's endpoint, SigV4-signed for the
 * `execute-api` service when AWS credentials are available (API Gateway
 * with IAM authorization), unsigned for the local host.
 *
 * The signing libraries (and the AWS SDK's credential chain) are loaded only
 * when a request is signed: an unsigned client, the local host's case, never
 * pays for loading them.
 */
import { isBatchesMediaType } from '@eddy/api';
import type { SignatureV4 } from '@smithy/signature-v4';
import { EddyError } from '../errors.js';
import { parseBody } from './body.js';
import { defaultRegion, isLocalEndpoint, regionFromHost, type AwsCredentials, type AwsCredentialsInput } from './credentials.js';
import { importCommonJs } from '../util/import.js';
import { networkError } from './network-errors.js';
import { NodeHttpClient } from './node-http.js';
import type { Transport, TransportRequest, TransportRequestOptions, TransportResponse } from './types.js';

/**
 * When requests are SigV4-signed.
 * - `auto`: sign when credentials can be found, except for a local endpoint (`127.0.0.1`/`localhost`);
 * - `always`: sign, and fail when no credentials can be found;
 * - `never`: never sign.
 */
export type SigningMode = 'auto' | 'always' | 'never';

/** Options of {@link HttpTransport}. */
export interface HttpTransportOptions {
  /** Base URL of the API, e.g. `https://abc123.execute-api.eu-west-1.amazonaws.com` (a stage path is kept). */
  readonly endpoint: string;
  /** When to sign. @default 'auto' */
  readonly signing?: SigningMode;
  /** Signing region. @default from an execute-api host name, else AWS_REGION, else 'us-east-1' */
  readonly region?: string;
  /** Credentials for signing. @default the AWS SDK's standard provider chain */
  readonly credentials?: AwsCredentialsInput;
  /**
   * A fetch implementation to send requests with (tests, proxies, custom
   * dispatchers). Passing the global `fetch` keeps the earlier undici
   * behaviour, its global dispatcher included (e.g. a proxy set with
   * `setGlobalDispatcher`), which the default client does not use.
   * @default none: `node:http`/`node:https` with keep-alive agents, released by `close()`
   */
  readonly fetch?: typeof fetch;
}

/** A short description of a non-JSON body: an HTML page by its title, anything else by its type and first words. */
export function describeForeignBody(text: string, contentType: string | null): string {
  const type = (contentType ?? '').split(';')[0]!.trim().toLowerCase();
  if (type === 'text/html' || /^\s*<(!doctype html|html)/i.test(text)) {
    const title = /<title[^>]*>([^<]*)<\/title>/i.exec(text)?.[1]?.replace(/\s+/g, ' ').trim();
    return title ? `an HTML page titled ${JSON.stringify(title)}` : 'an HTML page';
  }
  const start = text.replace(/\s+/g, ' ').trim();
  return `${type || 'a non-JSON body'} ${JSON.stringify(start.length > 60 ? `${start.slice(0, 60)}…` : start)}`;
}

/** Sends API requests over HTTP(S): `node:http(s)` with keep-alive agents, or the `fetch` given in the options. */
export class HttpTransport implements Transport {
  /** Carries binary bodies (`application/vnd.eddy.batches`) as they are. */
  readonly binaryBodies = true;
  private readonly base: URL;
  /** The given `fetch`, when one was given. */
  private readonly fetchImpl: typeof fetch | undefined;
  /** Otherwise requests go over node:http(s) with keep-alive agents. */
  private readonly node: NodeHttpClient | undefined;
  private readonly signing: SigningMode;
  private readonly region: string;
  private readonly credentialsOption: AwsCredentialsInput | undefined;
  private signer: Promise<SignatureV4 | null> | undefined;

  /** @param options - endpoint, signing and credentials. */
  constructor(options: HttpTransportOptions) {
    const base = new URL(options.endpoint);
    if (base.protocol !== 'http:' && base.protocol !== 'https:') {
      throw new RangeError(`endpoint must be an http(s) URL, got ${JSON.stringify(options.endpoint)}`);
    }
    if (!base.pathname.endsWith('/')) base.pathname += '/';
    this.base = base;
    this.fetchImpl = options.fetch;
    this.node = options.fetch ? undefined : new NodeHttpClient();
    this.signing = options.signing ?? 'auto';
    if (!['auto', 'always', 'never'].includes(this.signing)) {
      throw new RangeError(`signing must be 'auto', 'always' or 'never', got ${JSON.stringify(this.signing)}`);
    }
    this.region = options.region ?? regionFromHost(options.endpoint) ?? defaultRegion();
    this.credentialsOption = options.credentials;
  }

  /** The base URL requests go to (with a trailing slash). */
  get endpoint(): string {
    return this.base.href;
  }

  /** Whether requests are being signed (resolves credentials on first use). */
  async isSigning(): Promise<boolean> {
    return (await this.getSigner()) !== null;
  }

  /** @inheritdoc */
  async request(req: TransportRequest, options: TransportRequestOptions): Promise<TransportResponse> {
    const url = new URL(req.path.replace(/^\//, ''), this.base);
    for (const [k, v] of Object.entries(req.query ?? {})) url.searchParams.set(k, v);
    const binary = req.body instanceof Uint8Array;
    const body = req.body === undefined ? undefined : binary ? (req.body as Uint8Array) : JSON.stringify(req.body);
    let headers: Record<string, string> = { accept: req.accept ?? 'application/json' };
    if (body !== undefined) headers['content-type'] = binary ? (req.contentType ?? 'application/octet-stream') : 'application/json';

    const signer = await this.getSigner();
    if (signer) {
      const signed = await signer.sign({
        method: req.method,
        protocol: url.protocol,
        hostname: url.hostname,
        ...(url.port ? { port: Number(url.port) } : {}),
        path: url.pathname,
        query: Object.fromEntries(url.searchParams),
        headers: { ...headers, host: url.host },
        ...(body !== undefined ? { body } : {}),
      });
      // node:http and fetch set Host themselves, from the same URL that was signed.
      const { host: _host, ...rest } = signed.headers;
      headers = rest;
    }

    const timeout = AbortSignal.timeout(options.timeoutMs);
    const signal = options.signal ? AbortSignal.any([options.signal, timeout]) : timeout;
    const what = `${req.method} ${req.path}`;
    let status: number;
    let contentType: string | null;
    let text: string;
    try {
      if (this.node) {
        const res = await this.node.send(url, { method: req.method, headers, ...(body !== undefined ? { body } : {}), signal });
        status = res.status;
        contentType = res.contentType;
        // A binary answer (application/vnd.eddy.batches, asked for with `accept`): the bytes as they came.
        if (isBatchesMediaType(contentType)) return { status, body: new Uint8Array(res.body.buffer, res.body.byteOffset, res.body.byteLength), contentType: contentType! };
        text = res.body.toString('utf8');
      } else {
        const res = await this.fetchImpl!(url, { method: req.method, headers, ...(body !== undefined ? { body: body as NonNullable<RequestInit['body']> } : {}), signal });
        status = res.status;
        contentType = res.headers.get('content-type');
        if (isBatchesMediaType(contentType)) return { status, body: new Uint8Array(await res.arrayBuffer()), contentType: contentType! };
        text = await res.text();
      }
    } catch (err) {
      if (options.signal?.aborted) throw options.signal.reason;
      throw networkError(err, what);
    }
    const parsed = parseBody(text);
    if (text !== '' && parsed === text) {
      // Not JSON. Eddy always answers JSON, so a success that is not JSON, or an HTML page, comes from
      // some other server (a web server on the port, a login proxy): say so in one line rather than
      // hand its page to the caller. A short text error (a proxy's "Bad Gateway") stays as it is.
      const page = /^text\/html\b/i.test(contentType ?? '') || /^\s*<(!doctype html|html)/i.test(text);
      if (status < 400 || page) {
        const foreign = `${this.base.origin} answered HTTP ${status} with ${describeForeignBody(text, contentType)}, not Eddy's JSON API: is the endpoint (EDDY_ENDPOINT) an Eddy API?`;
        if (status < 400) throw new EddyError('INVALID_REQUEST', `${what}: ${foreign}`, { status });
        return { status, body: foreign };
      }
    }
    return { status, body: parsed };
  }

  /** Releases the keep-alive connections (the built-in client's; a given `fetch` manages its own). */
  close(): void {
    this.node?.close();
  }

  private getSigner(): Promise<SignatureV4 | null> {
    if (!this.signer) {
      const created = this.createSigner();
      this.signer = created;
      // A failed lookup is not cached: credentials may appear later.
      created.catch(() => {
        if (this.signer === created) this.signer = undefined;
      });
    }
    return this.signer;
  }

  private async createSigner(): Promise<SignatureV4 | null> {
    if (this.signing === 'never') return null;
    if (this.signing === 'auto' && isLocalEndpoint(this.base.href)) return null;
    let credentials: AwsCredentials | (() => Promise<AwsCredentials>);
    if (this.credentialsOption) {
      credentials = this.credentialsOption;
    } else {
      const { defaultProvider } = await importCommonJs(import('@aws-sdk/credential-provider-node'));
      const chain = defaultProvider();
      try {
        await chain();
      } catch (err) {
        if (this.signing === 'auto') return null;
        throw new EddyError('INVALID_REQUEST', `signing: 'always' but no AWS credentials were found`, { cause: err });
      }
      credentials = chain;
    }
    const [{ SignatureV4: Signer }, { Sha256 }] = await Promise.all([importCommonJs(import('@smithy/signature-v4')), importCommonJs(import('@aws-crypto/sha256-js'))]);
    return new Signer({ service: 'execute-api', region: this.region, credentials, sha256: Sha256 });
  }
}
