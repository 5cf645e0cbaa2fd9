/**
 * Which defaults suit a transport: `aws` for HTTPS to a non-local endpoint
 * and for the Lambda transport to the regional Lambda API, where every
 * request is billed (API Gateway, Lambda, S3, DynamoDB) and filling requests
 * saves money; `local` for the local host (`127.0.0.1`, `localhost`) and for
 * custom transports, where a request costs nothing and low latency matters
 * more.
 */
import { isLocalEndpoint } from './credentials.js';
import { HttpTransport } from './http.js';
import { LambdaTransport } from './lambda.js';
import type { Transport } from './types.js';

/** The defaults a producer or consumer applies: see {@link transportProfile}. */
export type TransportProfile = 'aws' | 'local';

/** `aws` for a built-in transport that reaches AWS, `local` for the local host and for custom transports. */
export function transportProfile(transport: Transport): TransportProfile {
  if (transport instanceof HttpTransport) return isLocalEndpoint(transport.endpoint) ? 'local' : 'aws';
  if (transport instanceof LambdaTransport) return transport.local ? 'local' : 'aws';
  return 'local';
}
