// Lint, including the dependency direction of docs/design.md as import rules:
//   front doors (lambdas, local host, kafka, triggers, console server) → core → its ports; the trigger dispatcher (lambdas/trigger) → @eddy/sdk's engine too;
//   cli → sdk → @eddy/api (never core), and cli → console's static-file server;  console → HTTP API v1 only;  cdk → @eddy/api + core/config + core/schema;
//   api (the shared contract) → nothing.
import js from '@eslint/js';
import tseslint from 'typescript-eslint';

const layer = (from, patterns, message) => ({
  files: from,
  rules: {
    'no-restricted-imports': ['error', { patterns: patterns.map((group) => ({ group: [group], message })) }],
  },
});

export default tseslint.config(
  { ignores: ['node_modules/**', 'cdk.out/**', '.eddy/**', 'coverage/**', 'dist/**', '.stryker-tmp/**', 'reports/**', '**/*.d.ts', 'test/kafka/fixtures/**'] }, // fixtures: third-party example code kept as written
  js.configs.recommended,
  ...tseslint.configs.recommended,
  {
    languageOptions: { globals: { process: 'readonly', console: 'readonly', Buffer: 'readonly', setTimeout: 'readonly', clearTimeout: 'readonly', setInterval: 'readonly', clearInterval: 'readonly', URL: 'readonly', TextEncoder: 'readonly', TextDecoder: 'readonly', fetch: 'readonly', AbortController: 'readonly', AbortSignal: 'readonly', structuredClone: 'readonly', setImmediate: 'readonly', queueMicrotask: 'readonly' } },
    rules: {
      '@typescript-eslint/no-unused-vars': ['error', { argsIgnorePattern: '^_', varsIgnorePattern: '^_' }],
      '@typescript-eslint/consistent-type-imports': 'error',
    },
  },
  // core: pure engine. No Lambda, HTTP host, SDK, CLI or CDK; no process.env.
  {
    files: ['core/**/*.ts'],
    rules: {
      'no-restricted-imports': [
        'error',
        {
          paths: [{ name: 'aws-lambda', message: 'core must not depend on Lambda types' }],
          patterns: [
            { group: ['**/lambdas/**', '**/local/**', '**/sdk/**', '**/cli/**', '**/cdk/**', '@eddy/sdk', 'aws-cdk-lib*'], message: 'core depends on its ports only (docs/design.md)' },
          ],
        },
      ],
      'no-restricted-properties': [
        'error',
        { object: 'process', property: 'env', message: 'core never reads process.env: take settings from the caller (core/config.ts)' },
      ],
    },
  },
  // core outside the AWS adapters never touches the AWS SDK, the wall clock or randomness.
  {
    files: ['core/**/*.ts'],
    ignores: ['core/adapters/aws/**', 'core/ports.ts', 'core/ids.ts'],
    rules: {
      'no-restricted-imports': [
        'error',
        {
          paths: [{ name: 'aws-lambda', message: 'core must not depend on Lambda types' }],
          patterns: [
            { group: ['**/lambdas/**', '**/local/**', '**/sdk/**', '**/cli/**', '**/cdk/**', '@eddy/sdk', 'aws-cdk-lib*'], message: 'core depends on its ports only (docs/design.md)' },
            { group: ['@aws-sdk/*', '@smithy/*'], message: 'only core/adapters/aws talks to AWS; translate errors there' },
          ],
        },
      ],
      'no-restricted-properties': [
        'error',
        { object: 'process', property: 'env', message: 'core never reads process.env: take settings from the caller (core/config.ts)' },
        { object: 'Date', property: 'now', message: 'use the injected Clock' },
        { object: 'Math', property: 'random', message: 'use the injected Ids' },
        { object: 'crypto', property: 'randomUUID', message: 'use the injected Ids' },
      ],
    },
  },
  {
    files: ['api/**/*.ts'],
    rules: {
      'no-restricted-imports': ['error', { patterns: [{ regex: '^(?!\\./)', message: 'the contract package @eddy/api has no dependencies: it is what every other part agrees on' }] }],
    },
  },
  { ...layer(['lambdas/**/*.ts'], ['**/sdk/**', '@eddy/sdk', '**/cli/**', '**/cdk/**', '**/local/**', '**/kafka/**', '**/core/log/**', '**/core/groups/**', '**/core/maintenance/**', '**/core/codec/**'], 'lambdas call core through core/index.ts only (docs/design.md)'), ignores: ['lambdas/trigger/**'] },
  // The trigger dispatcher runs the SDK's delivery engine (one module for `eddy trigger` and the deployed path, docs/triggers.md),
  // through the package's entry point only; everything else as for the other functions.
  layer(['lambdas/trigger/**/*.ts'], ['**/sdk/**', '**/cli/**', '**/cdk/**', '**/local/**', '**/kafka/**', '**/core/log/**', '**/core/groups/**', '**/core/maintenance/**', '**/core/codec/**'], 'the dispatcher uses @eddy/sdk (its trigger engine) and core through core/index.ts only (docs/design.md)'),
  layer(['kafka/**/*.ts'], ['**/sdk/**', '@eddy/sdk', '**/cli/**', '**/cdk/**', '**/local/**', '**/lambdas/**'], 'the Kafka front door depends on core only (docs/design.md)'),
  layer(['local/**/*.ts'], ['**/sdk/**', '@eddy/sdk', '**/cli/**', '**/cdk/**', '**/core/log/**', '**/core/groups/**', '**/core/maintenance/**', '**/core/codec/**'], 'the local host serves the front doors over core/index.ts; it does not use the SDK'),
  // sdk/test is not restricted: the SDK's unit tests run Eddy's real handlers in process (sdk/test/support/in-process-eddy.ts).
  layer(['sdk/src/**/*.ts'], ['**/core/**', '**/lambdas/**', '**/local/**', '**/cli/**', '**/cdk/**'], 'the SDK talks to Eddy over HTTPS or Lambda Invoke only (docs/design.md)'),
  layer(['console/**/*.ts', 'console/**/*.tsx'], ['**/core/**', '**/lambdas/**', '**/local/**', '**/cli/**', '**/cdk/**', '**/kafka/**', '**/sdk/**', '@eddy/sdk'], 'the console talks to HTTP API v1 only; its server side is static files (docs/console.md)'),
  layer(['cli/**/*.ts', 'cli/**/*.js'], ['**/core/**', '**/lambdas/**', '**/local/**', '**/cdk/**'], 'the CLI uses the SDK, nothing else (docs/design.md)'),
  // kafka/protocol is bytes ↔ plain objects: no core either, so the codecs stand alone.
  layer(
    ['kafka/protocol/**/*.ts'],
    ['**/core/**', '**/sdk/**', '@eddy/sdk', '**/cli/**', '**/cdk/**', '**/local/**', '**/lambdas/**'],
    'kafka/protocol is self-contained: it imports nothing from core, lambdas, sdk, cli, cdk or local',
  ),
  layer(
    ['cdk/**/*.ts'],
    ['**/sdk/**', '@eddy/sdk', '**/cli/**', '**/local/**', '**/core/engine*', '**/core/log/**', '**/core/adapters/**'],
    'cdk takes names from core/config and core/schema only; handlers are bundled by path',
  ),
);
