import { defineConfig } from 'vitest/config';

/**
 * Two projects. `unit`: fast and in-process — core on the memory adapters,
 * codecs, the contract package, handler units, the SDK against Eddy's real
 * handlers in process on memory stores; `npm run test:unit` runs only these. `integration`: everything that
 * starts something real — dynalite + s3rver, the local host, the CLI as a
 * process, real Kafka clients, Chromium, the synthesized bundles.
 * `npm test` runs both.
 */
const shared = {
  testTimeout: 30_000,
  hookTimeout: 60_000,
  // s3rver fails on truncated ListObjectsV2 pages without the legacy OpenSSL provider.
  execArgv: ['--openssl-legacy-provider'],
  env: { AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED: 'true' },
};

const UNIT = [
  'test/api/**/*.test.ts',
  'test/core/**/*.test.ts',
  'test/lambdas/**/*.test.ts',
  'test/kafka/protocol/**/*.test.ts',
  'test/bench/**/*.test.ts',
  'test/cli/units.test.ts',
  'test/system/chaos/checker.test.ts',
  'sdk/test/unit/**/*.test.ts',
];
/** Core suites that run on the stand-ins (the same contract as their memory twins). */
const STANDINS = ['test/core/**/standins.test.ts', 'test/core/log/request-counts*.test.ts', 'test/core/maintenance/request-cost.test.ts'];

export default defineConfig({
  test: {
    ...shared,
    projects: [
      { extends: true, test: { name: 'unit', include: UNIT, exclude: STANDINS } },
      {
        extends: true,
        test: {
          name: 'integration',
          include: [...STANDINS, 'test/!(api|core|lambdas|bench)/**/*.test.ts', 'sdk/test/!(unit)/**/*.test.ts'],
          exclude: ['test/kafka/protocol/**', 'test/cli/units.test.ts', 'test/system/chaos/checker.test.ts', 'node_modules/**'],
        },
      },
    ],
  },
});
