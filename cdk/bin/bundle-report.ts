/**
 * Prints each function's bundle size and what dominates it.
 *
 *   npx tsx cdk/bin/bundle-report.ts
 *
 * Bundles every `lambdas/<kind>.ts` with the same esbuild settings the stack
 * uses (`BUNDLING` in cdk/lib/eddy-streams.ts) and reads esbuild's metafile.
 * The cold-start budget is 1 MiB per function (test/cdk asserts it on the
 * real synthesized assets).
 */
import { build } from 'esbuild';
import { FUNCTION_NAMES, type FunctionKind } from '../../core/schema.js';
import { BUNDLING, lambdaEntry } from '../lib/eddy-streams.js';

const BUDGET = 1024 * 1024;
const kib = (n: number): string => `${(n / 1024).toFixed(1)} KiB`;

/** Groups metafile inputs by npm package (or `(own code)`). */
function byPackage(inputs: Record<string, { bytesInOutput: number }>): [string, number][] {
  const sizes = new Map<string, number>();
  for (const [file, { bytesInOutput }] of Object.entries(inputs)) {
    const m = /node_modules\/((?:@[^/]+\/)?[^/]+)/.exec(file);
    const key = m ? m[1]! : '(own code)';
    sizes.set(key, (sizes.get(key) ?? 0) + bytesInOutput);
  }
  return [...sizes].sort((a, b) => b[1] - a[1]);
}

let over = false;
for (const kind of Object.keys(FUNCTION_NAMES) as FunctionKind[]) {
  const result = await build({
    entryPoints: [lambdaEntry(kind)],
    bundle: true,
    platform: 'node',
    format: 'esm',
    target: BUNDLING.target,
    minify: BUNDLING.minify,
    sourcemap: false,
    mainFields: BUNDLING.mainFields,
    banner: { js: BUNDLING.banner ?? '' },
    outfile: 'index.mjs',
    write: false,
    metafile: true,
    logLevel: 'error',
  });
  const output = Object.values(result.metafile.outputs)[0]!;
  const size = output.bytes;
  over ||= size >= BUDGET;
  const top = byPackage(output.inputs)
    .slice(0, 5)
    .map(([name, bytes]) => `${name} ${kib(bytes)}`)
    .join(', ');
  console.log(`${kind.padEnd(12)} ${kib(size).padStart(11)} ${size >= BUDGET ? 'OVER BUDGET' : 'ok'}  ${top}`);
}
process.exitCode = over ? 1 : 0;
