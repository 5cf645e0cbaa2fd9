/**
 * Direct Lambda invoke transport: each request goes, as the direct-invoke
 * payload of docs/api.md (`{method, path, query, body}`), to the function
 * that serves its route, which answers `{statusCode, body}`. Useful inside
 * AWS (no API Gateway in the path) and against the local host's Invoke API.
 *
 * The AWS SDK's own retries are off (`maxAttempts: 1`): whether a request may
 * be repeated depends on its idempotence, which only the Eddy client knows.
 */
import { FUNCTION_NAMES, type ApiFunctionKind } from '@eddy/api';
import { InvokeCommand, LambdaClient, type InvokeCommandOutput } from '@aws-sdk/client-lambda';
import { EddyError } from '../errors.js';
import { parseBody } from './body.js';
import { defaultRegion, isLocalEndpoint, regionFromHost, type AwsCredentialsInput } from './credentials.js';
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

/** Which function serves a route (docs/api.md). */
export function functionForRoute(method: string, path: string): FunctionKind {
  if (path.startsWith('/v1/groups')) return 'groups';
  if (/^\/v1\/topics\/[^/]+\/records$/.test(path) && method === 'POST') return 'produce';
  if (/^\/v1\/topics\/[^/]+\/partitions\//.test(path)) return 'fetch';
  return 'admin';
}

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

/** Sends API requests as direct Lambda invocations. */
export class LambdaTransport implements Transport {
  private readonly client: LambdaInvoker;
  private readonly functions: FunctionNames;
  private readonly ownsClient: boolean;

  /** @param options - function names, region, endpoint, credentials or a client. */
  constructor(options: LambdaTransportOptions = {}) {
    this.functions = { ...DEFAULT_FUNCTION_NAMES, ...options.functions };
    if (options.client) {
      this.client = options.client;
      this.ownsClient = false;
      return;
    }
    const local = options.endpoint !== undefined && isLocalEndpoint(options.endpoint);
    const credentials = options.credentials ?? (local ? { accessKeyId: 'local', secretAccessKey: 'local' } : undefined);
    this.client = new LambdaClient({
      region: options.region ?? (options.endpoint ? regionFromHost(options.endpoint) : undefined) ?? defaultRegion(),
      maxAttempts: 1,
      ...(options.endpoint ? { endpoint: options.endpoint } : {}),
      ...(credentials ? { credentials } : {}),
    });
    this.ownsClient = true;
  }

  /** The function name serving a route. */
  functionName(method: string, path: string): string {
    return this.functions[functionForRoute(method, path)];
  }

  /** @inheritdoc */
  async request(req: TransportRequest, options: TransportRequestOptions): Promise<TransportResponse> {
    const functionName = this.functionName(req.method, req.path);
    const payload = { method: req.method, path: req.path, query: req.query ?? {}, body: req.body ?? null };
    const what = `${req.method} ${req.path} (${functionName})`;
    const timeout = AbortSignal.timeout(options.timeoutMs);
    const signal = options.signal ? AbortSignal.any([options.signal, timeout]) : timeout;
    let out: InvokeCommandOutput;
    try {
      out = await this.client.send(
        new InvokeCommand({ FunctionName: functionName, Payload: new TextEncoder().encode(JSON.stringify(payload)) }),
        { abortSignal: signal },
      );
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
    const { statusCode, body } = (result ?? {}) as { statusCode?: unknown; body?: unknown };
    if (typeof statusCode !== 'number') {
      throw new EddyError('INTERNAL', `${what}: malformed invoke response ${text.slice(0, 200)}`);
    }
    return { status: statusCode, body: typeof body === 'string' ? parseBody(body) : (body ?? null) };
  }

  /** @inheritdoc */
  close(): void {
    if (this.ownsClient) this.client.destroy?.();
  }
}
