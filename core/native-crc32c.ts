/**
 * Hardware CRC32C for the Node hosts (the local host, `eddy gateway`):
 * `@node-rs/crc32`, plugged into `@eddy/api` after a check against its
 * JavaScript CRC32C (`useCrc32cAccelerator`). Only entry points call this,
 * never core itself or a Lambda handler: the package is loaded by name at run
 * time, so a bundle carries none of it and keeps the JavaScript CRC32C (the
 * gateway image has no node_modules; the Lambda functions never call this).
 * The SDK does the same on its side (sdk/src/util/native-crc32c.ts).
 */
import { createRequire } from 'node:module';
import { useCrc32cModule } from '@eddy/api';

/**
 * Plugs in the native CRC32C when it loads and passes the check.
 * @returns whether CRC32C is now native
 */
export function useNativeCrc32c(): boolean {
  const moduleName = '@node-rs/crc32';
  return useCrc32cModule(() => createRequire(import.meta.url)(moduleName));
}
