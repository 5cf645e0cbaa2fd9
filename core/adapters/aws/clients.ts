/**
 * AWS SDK v3 clients for the adapters, created once per process, plus a
 * request counter (the cost model counts requests, not guesses).
 */
import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { S3Client } from '@aws-sdk/client-s3';
import type { Settings } from '../../config.js';

/** Counts AWS requests by `service:Command`, every attempt included. */
export class RequestCounter {
  readonly counts = new Map<string, number>();

  record(service: string, command: string): void {
    const k = `${service}:${command}`;
    this.counts.set(k, (this.counts.get(k) ?? 0) + 1);
  }

  /** Count for one `service:Command` key. */
  get(key: string): number {
    return this.counts.get(key) ?? 0;
  }

  /** Counts as a plain object, sorted by key. */
  snapshot(): Record<string, number> {
    return Object.fromEntries([...this.counts.entries()].sort(([a], [b]) => (a < b ? -1 : 1)));
  }

  reset(): void {
    this.counts.clear();
  }
}

interface StackClient {
  middlewareStack: { add: (mw: unknown, opts: unknown) => void };
}

/** Adds a per-attempt counting middleware to a client. */
export function countRequests(client: StackClient, service: string, counter: RequestCounter): void {
  client.middlewareStack.add(
    (next: (args: unknown) => Promise<unknown>, context: { commandName?: string }) => async (args: unknown) => {
      counter.record(service, (context.commandName ?? 'Unknown').replace(/Command$/, ''));
      return next(args);
    },
    { step: 'deserialize', name: 'eddyRequestCounter' },
  );
}

/**
 * Marks every request's payload as unsigned before the signer runs: SigV4
 * then takes the header's value as the payload hash instead of hashing the body.
 */
function unsignedPayloads(client: StackClient): void {
  client.middlewareStack.add(
    (next: (args: unknown) => Promise<unknown>) => async (args: unknown) => {
      const headers = (args as { request?: { headers?: Record<string, string> } }).request?.headers;
      if (headers) headers['x-amz-content-sha256'] = 'UNSIGNED-PAYLOAD';
      return next(args);
    },
    { step: 'build', name: 'eddyUnsignedPayload' },
  );
}

/** Options for {@link createAwsClients}. */
export interface AwsClientOptions {
  /** Region; the SDK's provider chain decides when absent. */
  readonly region?: string;
  /** Static credentials (the embedded stand-ins); the provider chain decides when absent. */
  readonly credentials?: { accessKeyId: string; secretAccessKey: string };
  readonly counter?: RequestCounter;
  /** Per-attempt request timeout in ms. @default 10000 */
  readonly requestTimeoutMs?: number;
  /**
   * Sign S3 requests without hashing their bodies (`x-amz-content-sha256:
   * UNSIGNED-PAYLOAD`), saving a SHA-256 of every object written. Only for an
   * emulator at `s3Endpoint` (the local host's stand-ins on loopback); refused
   * without one, so the AWS path always signs its payloads. @default false
   */
  readonly unsignedPayload?: boolean;
}

/** The two clients the adapters use. */
export interface AwsClients {
  readonly s3: S3Client;
  readonly dynamodb: DynamoDBClient;
}

/**
 * Creates the S3 and DynamoDB clients. Against anything but AWS's own S3
 * endpoint (the stand-ins, LocalStack) S3 uses path-style addressing, and
 * checksums only when required: s3rver stores streamed uploads corrupted
 * otherwise, and an emulator's host name has no per-bucket subdomains.
 *
 * "Anything but AWS" is an `EDDY_S3_ENDPOINT` override or an endpoint the
 * SDK itself configures (`AWS_ENDPOINT_URL_S3`, `AWS_ENDPOINT_URL`, a
 * profile's `endpoint_url`), which LocalStack injects into every function.
 * The SDK resolves the latter on the first request, so these settings are
 * providers it calls per request.
 */
export function createAwsClients(settings: Pick<Settings, 's3Endpoint' | 'dynamodbEndpoint'>, options: AwsClientOptions = {}): AwsClients {
  if (options.unsignedPayload && settings.s3Endpoint === undefined) throw new RangeError('unsignedPayload is for an S3 emulator (s3Endpoint) only');
  const common = {
    ...(options.region ? { region: options.region } : {}),
    ...(options.credentials ? { credentials: options.credentials } : {}),
    requestHandler: { requestTimeout: options.requestTimeoutMs ?? 10_000, connectionTimeout: 3_000 },
  };
  const built: { s3?: S3Client } = {};
  // The SDK's view of its endpoint: set explicitly, or found in its own
  // configuration (`serviceConfiguredEndpoint`, resolved once and cached).
  const customEndpoint = async (): Promise<boolean> => {
    if (settings.s3Endpoint !== undefined) return true;
    const config = built.s3?.config as { isCustomEndpoint?: boolean; serviceConfiguredEndpoint?: () => Promise<string | undefined> } | undefined;
    return config?.isCustomEndpoint === true || (await config?.serviceConfiguredEndpoint?.()) !== undefined;
  };
  const s3 = new S3Client({
    ...common,
    ...(settings.s3Endpoint ? { endpoint: settings.s3Endpoint } : {}),
    // The SDK calls these providers per request (its config value providers
    // accept functions); the types say boolean/enum.
    forcePathStyle: customEndpoint as unknown as boolean,
    requestChecksumCalculation: async () => ((await customEndpoint()) ? 'WHEN_REQUIRED' : 'WHEN_SUPPORTED'),
    responseChecksumValidation: async () => ((await customEndpoint()) ? 'WHEN_REQUIRED' : 'WHEN_SUPPORTED'),
  });
  built.s3 = s3;
  if (options.unsignedPayload) unsignedPayloads(s3 as unknown as StackClient);
  const dynamodb = new DynamoDBClient({ ...common, ...(settings.dynamodbEndpoint ? { endpoint: settings.dynamodbEndpoint } : {}) });
  if (options.counter) {
    countRequests(s3 as unknown as StackClient, 's3', options.counter);
    countRequests(dynamodb as unknown as StackClient, 'dynamodb', options.counter);
  }
  return { s3, dynamodb };
}
