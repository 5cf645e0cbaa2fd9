/**
 * Builds the web console with esbuild, in memory: `console/src/main.tsx`
 * (Preact, wouter, uPlot, Pico CSS) becomes `app.js` + `app.css`, next to
 * `index.html`. Nothing is written to disk, so a fresh clone needs no build
 * step and there is no generated file to go stale or to commit: the first
 * request for the console builds it (about a second), later requests reuse
 * the build until a source file changes.
 *
 * `node --import tsx console/build.ts` builds once and prints each file's
 * size, raw and gzip-compressed (the figures quoted in docs/console.md).
 */
import { existsSync, readFileSync, statSync } from 'node:fs';
import { dirname, join, relative, sep } from 'node:path';
import { fileURLToPath } from 'node:url';
import { gzipSync } from 'node:zlib';
import { build } from 'esbuild';

/**
 * The repository root: the first folder up from this module holding
 * `console/build.ts`. Walked rather than fixed, because the CLI runs this
 * module from its esbuild bundle under dist/cli/ as well as from source.
 */
function findRoot(): string {
  for (let dir = dirname(fileURLToPath(import.meta.url)); ; ) {
    if (existsSync(join(dir, 'console', 'build.ts'))) return dir;
    const up = dirname(dir);
    if (up === dir) throw new Error('eddy console: cannot find the console sources (console/src) above ' + fileURLToPath(import.meta.url));
    dir = up;
  }
}

const ROOT = findRoot() + sep;
/** The console's source folder. */
export const CONSOLE_SRC = join(ROOT, 'console', 'src') + sep;

/** One servable file of the built console. */
export interface ConsoleFile {
  readonly body: Buffer;
  /** The body gzip-compressed once, for clients that accept it. */
  readonly gzip: Buffer;
  readonly contentType: string;
  /** A strong validator for conditional requests. */
  readonly etag: string;
}

/** A built console: files by name (`index.html`, `app.js`, `app.css`), and what they were built from. */
export interface ConsoleBundle {
  readonly files: ReadonlyMap<string, ConsoleFile>;
  /** Source files of the console itself (not node_modules) with their mtimes at build time. */
  readonly sources: ReadonlyMap<string, number>;
}

const TYPES: Record<string, string> = {
  '.html': 'text/html; charset=utf-8',
  '.js': 'text/javascript; charset=utf-8',
  '.css': 'text/css; charset=utf-8',
};

function file(name: string, body: Buffer): ConsoleFile {
  const gzip = gzipSync(body, { level: 9 });
  const ext = name.slice(name.lastIndexOf('.'));
  // Content-addressed enough for revalidation: length plus a cheap hash of the compressed bytes.
  let h = 0;
  for (const b of gzip) h = (Math.imul(h, 31) + b) | 0;
  return { body, gzip, contentType: TYPES[ext] ?? 'application/octet-stream', etag: `"${body.length.toString(36)}-${(h >>> 0).toString(36)}"` };
}

/** Bundles the console (minified, ES2022, one JS and one CSS file). */
export async function buildConsole(): Promise<ConsoleBundle> {
  const result = await build({
    entryPoints: { app: `${CONSOLE_SRC}main.tsx` },
    bundle: true,
    write: false,
    outdir: '/console-out',
    format: 'esm',
    target: 'es2022',
    minify: true,
    jsx: 'automatic',
    jsxImportSource: 'preact',
    metafile: true,
    logLevel: 'silent',
    legalComments: 'none',
    absWorkingDir: ROOT,
  });
  const files = new Map<string, ConsoleFile>();
  for (const out of result.outputFiles) files.set(out.path.slice(out.path.lastIndexOf('/') + 1), file(out.path, Buffer.from(out.contents)));
  const indexHtml = `${CONSOLE_SRC}index.html`;
  files.set('index.html', file('index.html', readFileSync(indexHtml)));
  const sources = new Map<string, number>([[indexHtml, statSync(indexHtml).mtimeMs]]);
  for (const input of Object.keys(result.metafile.inputs)) {
    if (input.includes('node_modules')) continue;
    const path = `${ROOT}${input}`;
    sources.set(path, statSync(path).mtimeMs);
  }
  return { files, sources };
}

/** True when a source file changed (or vanished) since the bundle was built. */
export function isStale(bundle: ConsoleBundle): boolean {
  for (const [path, mtime] of bundle.sources) {
    try {
      if (statSync(path).mtimeMs !== mtime) return true;
    } catch {
      return true;
    }
  }
  return false;
}

// Bundled into the compiled CLI, import.meta.url is dist/cli/main.js: only a run of this file itself builds.
if (process.argv[1] && fileURLToPath(import.meta.url) === process.argv[1] && /build\.[cm]?[jt]s$/.test(process.argv[1])) {
  const bundle = await buildConsole();
  let raw = 0;
  let gz = 0;
  for (const [name, f] of bundle.files) {
    raw += f.body.length;
    gz += f.gzip.length;
    process.stdout.write(`${name.padEnd(12)} ${(f.body.length / 1024).toFixed(1).padStart(7)} KiB   gzip ${(f.gzip.length / 1024).toFixed(1).padStart(6)} KiB\n`);
  }
  process.stdout.write(`${'total'.padEnd(12)} ${(raw / 1024).toFixed(1).padStart(7)} KiB   gzip ${(gz / 1024).toFixed(1).padStart(6)} KiB   (${bundle.sources.size} source files under ${relative(ROOT, CONSOLE_SRC)})\n`);
}
