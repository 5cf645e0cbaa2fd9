/**
 * Direct Lambda invoke transport: each request goes, as the direct-invoke
 * payload of docs/api.md (`{method, path, query, body}`), to the function
 * that serves its route, which answers `{statusCode, body}`. Useful inside
 * AWS (no API Gateway in the path) and against the local host's Invoke API.
 *
 * The AWS SDK's own retries are off (`maxAttempts: 1`): whether a request may
 * be repeated depends on its idempotence, which only the Eddy client knows.
 *
 * `@aws-sdk/client-lambda` is loaded on the first invoke, not when this
 * module is imported: most programs (and every `eddy` command over HTTP)
 * never invoke, and loading the AWS SDK costs hundreds of milliseconds.
 */
import { FUNCTION_NAMES, functionForRoute, type ApiFunctionKind } from '@eddy/api';
import type { InvokeCommand, InvokeCommandOutput, LambdaClientConfig } from '@aws-sdk/client-lambda';
import { EddyError } from '../errors.js';
import { parseBody } from './body.js';
import { defaultRegion, isLocalEndpoint, regionFromHost, type AwsCredentialsInput } from './credentials.js';
import { importCommonJs } from '../util/import.js';
import { networkError } from './network-errors.js';
import type { Transport, TransportRequest, TransportRequestOptions, TransportResponse } from './types.js';

/** The API families, one Lambda function each. */
export type FunctionKind = ApiFunctionKind;

/** Names of the functions serving each API family. */
export type FunctionNames = Readonly<Record<FunctionKind, string>>;

/** The default function names (as the CDK stack and the local host name them). */
export const DEFAULT_FUNCTION_NAMES: FunctionNames = {
  produce: FUNCTION_NAMES.produce,
  fetch: FUNCTION_NAMES.fetch,
  groups: FUNCTION_NAMES.groups,
  admin: FUNCTION_NAMES.admin,
};

/** The subset of `LambdaClient` the transport uses (tests inject a fake). */
export interface LambdaInvoker {
  /** Sends an `InvokeCommand`. */
  send(command: InvokeCommand, options?: { abortSignal?: AbortSignal }): Promise<InvokeCommandOutput>;
  /** Releases connections. */
  destroy?(): void;
}

/** Options of {@link LambdaTransport}. */
export interface LambdaTransportOptions {
  /** Function names per API family. @default {@link DEFAULT_FUNCTION_NAMES} */
  readonly functions?: Partial<FunctionNames>;
  /** Region. @default from a Lambda endpoint host name, else AWS_REGION, else 'us-east-1' */
  readonly region?: string;
  /** Lambda API endpoint override, e.g. the local host `http://127.0.0.1:4000`. @default the regional Lambda endpoint */
  readonly endpoint?: string;
  /** Credentials. @default the AWS SDK's provider chain; fixed dummy credentials for a local endpoint */
  readonly credentials?: AwsCredentialsInput;
  /** A ready client (tests, custom configuration); other options are then ignored. */
  readonly client?: LambdaInvoker;
}

/** Which function serves a route: the route manifest of `@eddy/api`. */
export { functionForRoute } from '@eddy/api';

/** Maps an error of the Lambda API (not of Eddy) onto Eddy's codes. */
function lambdaApiError(err: unknown, what: string): EddyError | undefined {
  const e = err as { name?: string; message?: string; $metadata?: { httpStatusCode?: number } };
  const status = e?.$metadata?.httpStatusCode;
  if (typeof status !== 'number') return undefined;
  const message = `${what}: Lambda ${e.name ?? 'error'}: ${e.message ?? ''}`;
  switch (e.name) {
    case 'TooManyRequestsException':
      return new EddyError('THROTTLED', message, { status, cause: err });
    case 'RequestTooLargeException':
      return new EddyError('MESSAGE_TOO_LARGE', message, { status, cause: err });
    // The function was not started: nothing ran.
    case 'ResourceNotReadyException':
    case 'EC2ThrottledException':
    case 'ENILimitReachedException':
    case 'SubnetIPAddressLimitReachedException':
      return new EddyError('UNAVAILABLE', message, { status, cause: err });
  }
  if (status >= 500) return new EddyError('UNKNOWN_OUTCOME', message, { status, cause: err });
  return new EddyError('INVALID_REQUEST', message, { status, cause: err });
}

/**
 * The direct-invoke payload of a request (docs/api.md): `{method, path,
 * query, body}`; a bytes body travels base64 with `bodyEncoding: 'base64'`,
 * and `headers` carry its type and the Accept value.
 */
export function invokePayload(req: TransportRequest): Record<string, unknown> {
  const headers = { ...(req.contentType && req.body instanceof Uint8Array ? { 'content-type': req.contentType } : {}), ...(req.accept ? { accept: req.accept } : {}) };
  const base = { method: req.method, path: req.path, query: req.query ?? {}, ...(Object.keys(headers).length > 0 ? { headers } : {}) };
  if (req.body instanceof Uint8Array) return { ...base, body: Buffer.from(req.body.buffer, req.body.byteOffset, req.body.byteLength).toString('base64'), bodyEncoding: 'base64' };
  return { ...base, body: req.body ?? null };
}

/** Reads a direct-invoke answer (`{statusCode, body}`, a binary one with `bodyEncoding: 'base64'` and its `content-type`). */
export function invokeResponse(payload: unknown, text: string, what: string): TransportResponse {
  const { statusCode, body, bodyEncoding, headers } = (payload ?? {}) as { statusCode?: unknown; body?: unknown; bodyEncoding?: unknown; headers?: Record<string, string> };
  if (typeof statusCode !== 'number') {
    throw new EddyError('INTERNAL', `${what}: malformed invoke response ${text.slice(0, 200)}`);
  }
  if (bodyEncoding === 'base64' && typeof body === 'string') {
    return { status: statusCode, body: new Uint8Array(Buffer.from(body, 'base64')), contentType: headers?.['content-type'] ?? 'application/octet-stream' };
  }
  return { status: statusCode, body: typeof body === 'string' ? parseBody(body) : (body ?? null) };
}

/** Sends API requests as direct Lambda invocations. */
export class LambdaTransport implements Transport {
  /** Carries binary bodies base64 in the payload (`bodyEncoding: 'base64'`). */
  readonly binaryBodies = true;
  private client: LambdaInvoker | undefined;
  private clientLoading: Promise<LambdaInvoker> | undefined;
  private readonly clientConfig: LambdaClientConfig | undefined;
  private readonly functions: FunctionNames;
  private readonly ownsClient: boolean;
  private closed = false;
  /** True when the endpoint is on this machine (the local host); false for AWS (the regional endpoint, or a client given). */
  readonly local: boolean;

  /** @param options - function names, region, endpoint, credentials or a client. */
  constructor(options: LambdaTransportOptions = {}) {
    this.functions = { ...DEFAULT_FUNCTION_NAMES, ...options.functions };
    this.local = options.endpoint !== undefined && isLocalEndpoint(options.endpoint);
    if (options.client) {
      this.client = options.client;
      this.ownsClient = false;
      return;
    }
    const credentials = options.credentials ?? (this.local ? { accessKeyId: 'local', secretAccessKey: 'local' } : undefined);
    this.clientConfig = {
      region: options.region ?? (options.endpoint ? regionFromHost(options.endpoint) : undefined) ?? defaultRegion(),
      maxAttempts: 1,
      ...(options.endpoint ? { endpoint: options.endpoint } : {}),
      ...(credentials ? { credentials } : {}),
    };
    this.ownsClient = true;
  }

  /** The Lambda client, created (and the AWS SDK loaded) on first use. */
  private getClient(): Promise<LambdaInvoker> {
    if (this.client) return Promise.resolve(this.client);
    this.clientLoading ??= importCommonJs(import('@aws-sdk/client-lambda')).then(({ LambdaClient }) => {
      const client = new LambdaClient(this.clientConfig!);
      if (this.closed) client.destroy();
      else this.client = client;
      return client;
    });
    return this.clientLoading;
  }

  /** The function name serving a route. */
  functionName(method: string, path: string): string {
    return this.functions[functionForRoute(method, path)];
  }

  /** @inheritdoc */
  async request(req: TransportRequest, options: TransportRequestOptions): Promise<TransportResponse> {
    const functionName = this.functionName(req.method, req.path);
    const what = `${req.method} ${req.path} (${functionName})`;
    const result = await this.invokeFunction(functionName, invokePayload(req), options, what);
    return invokeResponse(result.payload, result.text, what);
  }

  /**
   * Invokes any function with any JSON payload and resolves with what it
   * returned, e.g. `invoke('eddy-maintenance', { maintenance: {} })` runs one
   * maintenance pass and answers its report. Errors map as for API requests.
   * @param functionName - the function's name or ARN.
   * @param payload - the event, sent as JSON.
   * @param options - time limit and abort signal.
   */
  async invoke(functionName: string, payload: unknown, options: TransportRequestOptions): Promise<unknown> {
    return (await this.invokeFunction(functionName, payload, options, `invoke ${functionName}`)).payload;
  }

  private async invokeFunction(functionName: string, payload: unknown, options: TransportRequestOptions, what: string): Promise<{ payload: unknown; text: string }> {
    const timeout = AbortSignal.timeout(options.timeoutMs);
    const signal = options.signal ? AbortSignal.any([options.signal, timeout]) : timeout;
    let out: InvokeCommandOutput;
    try {
      const client = await this.getClient();
      const { InvokeCommand: Invoke } = await importCommonJs(import('@aws-sdk/client-lambda'));
      const command: InvokeCommand = new Invoke({ FunctionName: functionName, Payload: new TextEncoder().encode(JSON.stringify(payload)) });
      out = await client.send(command, { abortSignal: signal });
    } catch (err) {
      if (options.signal?.aborted) throw options.signal.reason;
      if (timeout.aborted) throw networkError(timeout.reason, what);
      throw lambdaApiError(err, what) ?? networkError(err, what);
    }
    const text = out.Payload ? new TextDecoder().decode(out.Payload) : '';
    const result = parseBody(text);
    if (out.FunctionError) {
      const { errorType, errorMessage } = (result ?? {}) as { errorType?: string; errorMessage?: string };
      const message = `${what}: function error ${errorType ?? out.FunctionError}: ${errorMessage ?? text}`;
      // A function that timed out or crashed mid-write may have applied it: only a timeout is worth retrying.
      if (errorType === 'Sandbox.Timedout' || /Task timed out/.test(errorMessage ?? '')) {
        throw new EddyError('UNKNOWN_OUTCOME', message);
      }
      throw new EddyError('INTERNAL', message);
    }
    return { payload: result, text };
  }

  /** @inheritdoc */
  close(): void {
    this.closed = true;
    if (this.ownsClient) this.client?.destroy?.();
  }
}
