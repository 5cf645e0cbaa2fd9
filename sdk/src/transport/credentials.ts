/** AWS credentials as the SDK accepts them (structurally the AWS SDK's identity type). */

/** A set of AWS credentials. */
export interface AwsCredentials {
  /** Access key id. */
  readonly accessKeyId: string;
  /** Secret access key. */
  readonly secretAccessKey: string;
  /** Session token of temporary credentials. */
  readonly sessionToken?: string;
  /** When temporary credentials expire. */
  readonly expiration?: Date;
}

/** Credentials, or a function resolving them (e.g. the AWS SDK's provider chain). */
export type AwsCredentialsInput = AwsCredentials | (() => Promise<AwsCredentials>);

/** True for endpoints on this machine (`127.0.0.1`, `localhost`, `::1`), which are never signed by default. */
export function isLocalEndpoint(endpoint: string): boolean {
  const host = new URL(endpoint).hostname;
  return host === '127.0.0.1' || host === 'localhost' || host === '[::1]' || host === '::1';
}

/** The region in an `execute-api` or `lambda` host name, if it has one. */
export function regionFromHost(endpoint: string): string | undefined {
  const host = new URL(endpoint).hostname;
  return /\.(?:execute-api|lambda)\.([a-z0-9-]+)\.amazonaws\.com(?:\.cn)?$/.exec(host)?.[1];
}

/** The region from the standard environment variables, else `us-east-1`. */
export function defaultRegion(): string {
  return process.env.AWS_REGION || process.env.AWS_DEFAULT_REGION || 'us-east-1';
}
