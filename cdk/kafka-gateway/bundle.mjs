#!/usr/bin/env node
// Bundles the Kafka gateway (kafka/main.ts with core and the AWS SDK) into
// one ESM file with esbuild: `node cdk/kafka-gateway/bundle.mjs <outfile>`.
// The container image's Dockerfile runs it, and test/cdk/kafka-gateway-bundle
// runs the same bundle against the stand-ins, so what ships is what is tested.
// zstd comes from node:zlib on Node >= 22.15 (the image's Node); the native
// fallback package is only for older Nodes and stays out of the bundle.
import { fileURLToPath } from 'node:url';
import * as esbuild from 'esbuild';

const ROOT = fileURLToPath(new URL('../../', import.meta.url));

/** Builds the bundle at `outfile`. */
export async function bundleGateway(outfile) {
  await esbuild.build({
    absWorkingDir: ROOT,
    entryPoints: ['kafka/main.ts'],
    outfile,
    bundle: true,
    platform: 'node',
    target: 'node22',
    format: 'esm',
    minify: true,
    sourcemap: false,
    logLevel: 'warning',
    mainFields: ['module', 'main'],
    external: ['@toondepauw/node-zstd'],
    // Bundled CommonJS dependencies call require(); give the ESM bundle one.
    banner: { js: "import { createRequire as __eddyRequire } from 'node:module'; const require = __eddyRequire(import.meta.url);" },
  });
}

if (process.argv[1] && fileURLToPath(import.meta.url) === process.argv[1]) {
  const outfile = process.argv[2];
  if (!outfile) {
    process.stderr.write('usage: node cdk/kafka-gateway/bundle.mjs <outfile>\n');
    process.exit(2);
  }
  await bundleGateway(outfile);
}
