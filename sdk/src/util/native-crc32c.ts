/**
 * Hardware CRC32C for the SDK: `@node-rs/crc32` (SSE4.2 / ARMv8 CRC
 * instructions, prebuilt for the common platforms), plugged into `@eddy/api`
 * after a check against its JavaScript CRC32C (`useCrc32cAccelerator`).
 * Loaded with a `require` that bundlers do not follow, so a bundle (an Eddy
 * Lambda function, the gateway image) carries none of it and keeps the
 * JavaScript CRC32C; so does any platform the package has no binary for.
 */
import { createRequire } from 'node:module';
import { useCrc32cModule } from '@eddy/api';

/**
 * Plugs in the native CRC32C when it loads and passes the check.
 * @returns whether CRC32C is now native
 */
export function useNativeCrc32c(): boolean {
  // By name, in a variable: bundlers leave such a `require` alone.
  const moduleName = '@node-rs/crc32';
  return useCrc32cModule(() => createRequire(import.meta.url)(moduleName));
}
