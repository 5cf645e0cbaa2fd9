/**
 * What every command shares: the connection settings (global options and
 * environment), the SDK client built from them, and stdout.
 */
import { Eddy, LambdaTransport, type SigningMode } from '@eddy/sdk';
import { UsageError } from './errors.js';
import { Output } from './io/output.js';

/** Environment variables the CLI reads (the SDK reads the same `EDDY_ENDPOINT`). */
export const CLI_ENV = {
  /** Base URL of the API (http transport) or the Lambda API endpoint override (lambda transport). */
  endpoint: 'EDDY_ENDPOINT',
} as const;

/** Where the CLI talks to when nothing else is said: the local host of `eddy dev`. */
export const DEFAULT_ENDPOINT = 'http://127.0.0.1:4000';

/** Options accepted before or after any command. */
export interface GlobalOptions {
  readonly endpoint?: string;
  readonly transport?: 'http' | 'lambda';
  readonly region?: string;
  readonly signing?: SigningMode;
}

/** The resolved connection of one CLI invocation. */
export class Context {
  /** The endpoint in use (for messages); undefined for Lambda's regional endpoint. */
  readonly endpoint: string | undefined;
  /** stdout, with back-pressure. */
  readonly out = new Output();
  private clientInstance: Eddy | undefined;
  private readonly extraTransports: LambdaTransport[] = [];

  /** @param options - the global options, with the environment as fallback. */
  constructor(
    private readonly options: GlobalOptions,
    env: NodeJS.ProcessEnv = process.env,
  ) {
    const transport = options.transport ?? 'http';
    const given = options.endpoint ?? (env[CLI_ENV.endpoint] || undefined);
    // Lambda without an endpoint goes to the regional Lambda API; HTTP needs one, the local host by default.
    this.endpoint = given ?? (transport === 'http' ? DEFAULT_ENDPOINT : undefined);
    if (this.endpoint !== undefined) validateEndpoint(this.endpoint);
  }

  /** The SDK client (created on first use). */
  get client(): Eddy {
    this.clientInstance ??= new Eddy({
      transport: this.options.transport ?? 'http',
      ...(this.endpoint !== undefined ? { endpoint: this.endpoint } : {}),
      ...(this.options.region ? { region: this.options.region } : {}),
      ...(this.options.signing ? { signing: this.options.signing } : {}),
    });
    return this.clientInstance;
  }

  /**
   * A Lambda transport for invoking a function that is not behind the HTTP
   * API (`eddy-maintenance`). With `--transport lambda` it goes where the
   * client's would; over HTTP it works only against the local host, which
   * serves the Lambda Invoke API on the same port.
   */
  lambda(): LambdaTransport {
    const options = { ...(this.options.region ? { region: this.options.region } : {}) };
    if ((this.options.transport ?? 'http') === 'lambda') return this.own(new LambdaTransport({ ...options, ...(this.endpoint !== undefined ? { endpoint: this.endpoint } : {}) }));
    const host = new URL(this.endpoint!).hostname;
    if (!['127.0.0.1', 'localhost', '[::1]'].includes(host)) {
      throw new UsageError(`this command invokes a Lambda function directly, which ${this.endpoint} (an HTTP API) does not serve: use --transport lambda --region <region> against a deployment`);
    }
    return this.own(new LambdaTransport({ ...options, endpoint: this.endpoint! }));
  }

  private own(transport: LambdaTransport): LambdaTransport {
    this.extraTransports.push(transport);
    return transport;
  }

  /** Releases the client's connections. */
  close(): void {
    this.clientInstance?.close();
    for (const t of this.extraTransports) t.close();
  }
}

function validateEndpoint(endpoint: string): void {
  let url: URL;
  try {
    url = new URL(endpoint);
  } catch {
    throw new UsageError(`endpoint must be an http(s) URL, got ${JSON.stringify(endpoint)}`);
  }
  if (url.protocol !== 'http:' && url.protocol !== 'https:') throw new UsageError(`endpoint must be an http(s) URL, got ${JSON.stringify(endpoint)}`);
}
