#!/usr/bin/env node
// Compiles the `eddy` CLI (cli/ and the SDK it uses) to JavaScript in
// dist/cli/, so a command starts without transpiling TypeScript on every run.
// Run by `npm ci` / `npm install` (the `prepare` script) and, when the
// sources are newer than the build, by `bin/eddy.js` itself. The AWS SDK
// parts the SDK imports lazily (signing, Lambda invoke) become separate
// chunks that are loaded only when a command needs them.
import { mkdirSync, renameSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const ROOT = fileURLToPath(new URL('../../', import.meta.url));
/** Where the compiled CLI lives (git-ignored). */
export const OUT_DIR = join(ROOT, 'dist', 'cli');
/** The compiled entry point. */
export const ENTRY = join(OUT_DIR, 'main.js');

/**
 * Builds dist/cli/. Every file is written to a temporary name and renamed,
 * the entry point last, so a CLI starting while another one rebuilds never
 * reads half a file (chunk names carry a content hash, so they never clash).
 */
export async function build() {
  const esbuild = await import('esbuild');
  const result = await esbuild.build({
    entryPoints: [join(ROOT, 'cli', 'main.ts')],
    outdir: OUT_DIR,
    bundle: true,
    splitting: true,
    format: 'esm',
    platform: 'node',
    target: 'node20',
    write: false,
    logLevel: 'warning',
    // esbuild's own JavaScript finds its native binary through __filename: load it from node_modules, never from the bundle (the console builds with it).
    external: ['esbuild', 'tsx'],
    // Bundled CommonJS dependencies call require(); give the ESM bundle one.
    banner: { js: "import { createRequire as __eddyRequire } from 'node:module'; const require = __eddyRequire(import.meta.url);" },
  });
  mkdirSync(OUT_DIR, { recursive: true });
  const files = [...result.outputFiles].sort((a, b) => (a.path === ENTRY ? 1 : 0) - (b.path === ENTRY ? 1 : 0));
  for (const file of files) {
    mkdirSync(dirname(file.path), { recursive: true });
    const tmp = `${file.path}.${process.pid}.tmp`;
    writeFileSync(tmp, file.contents);
    renameSync(tmp, file.path);
  }
}

if (process.argv[1] && fileURLToPath(import.meta.url) === process.argv[1]) {
  try {
    await build();
  } catch (err) {
    // Without esbuild (an install without dev dependencies) the CLI runs its TypeScript through tsx instead.
    if (err && err.code === 'ERR_MODULE_NOT_FOUND') process.stderr.write('eddy: esbuild not installed, the CLI will run from TypeScript (slower start)\n');
    else throw err;
  }
}
