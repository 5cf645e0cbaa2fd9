import { defineConfig } from 'vitest/config';

/**
 * The fast suites: core on the memory adapters, no stand-ins, no host, a few
 * seconds in all. `npm run test:mutation` (Stryker) runs these against every
 * mutant of `core/`, so nothing here may start a server or touch the disk.
 */
export default defineConfig({
  test: {
    include: ['test/core/**/*.test.ts'],
    // Starts a Python process per case: an interoperability check, not a fast suite.
    exclude: ['test/core/codec/kafka-python-interop.test.ts', 'test/core/**/standins.test.ts', 'test/core/log/request-counts*.test.ts', 'test/core/maintenance/request-cost.test.ts'],
    testTimeout: 30_000,
    env: { AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED: 'true' },
  },
});
