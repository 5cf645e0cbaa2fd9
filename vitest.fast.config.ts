import { fileURLToPath } from 'node:url';
import { defineConfig } from 'vitest/config';

/**
 * The fast suites: core on the memory adapters and @eddy/api's unit tests, no stand-ins, no host, a few
 * seconds in all. `npm run test:mutation` (Stryker) runs these against every
 * mutant of `core/`, so nothing here may start a server or touch the disk.
 */
export default defineConfig({
  resolve: {
    // @eddy/api is a workspace symlink (node_modules/@eddy/api -> api/), which
    // resolves to the real api/src outside Stryker's sandbox: tests would never
    // load a mutated api/src/record-batch.ts or crc32c.ts. Resolve it to this
    // directory's copy instead (the sandbox's, under Stryker).
    alias: { '@eddy/api': fileURLToPath(new URL('./api/src/index.ts', import.meta.url)) },
  },
  test: {
    // @eddy/api's own unit tests too: its codec and CRC32C are mutated with core.
    include: ['test/core/**/*.test.ts', 'test/api/**/*.test.ts'],
    // Starts a Python process per case: an interoperability check, not a fast suite.
    exclude: ['test/core/codec/kafka-python-interop.test.ts', 'test/core/**/standins.test.ts', 'test/core/log/request-counts*.test.ts', 'test/core/maintenance/request-cost.test.ts'],
    testTimeout: 30_000,
    env: { AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED: 'true' },
  },
});
