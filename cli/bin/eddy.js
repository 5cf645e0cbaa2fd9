#!/usr/bin/env node
// The `eddy` command. Runs the compiled CLI in dist/cli/ (built by `npm ci`
// through the `prepare` script), rebuilding it first when any source under
// cli/, sdk/src/, api/src/ or console/ is newer, so a checkout being edited never runs stale
// code. Without esbuild it falls back to running the TypeScript through tsx
// (slower to start). The AWS SDK's Node-version warning is noise on every
// invocation of a CLI; it is silenced before the SDK loads.
import { closeSync, mkdirSync, openSync, readdirSync, statSync, unlinkSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';

process.env.AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED ??= 'true';

const ROOT = fileURLToPath(new URL('../../', import.meta.url));
const ENTRY = join(ROOT, 'dist', 'cli', 'main.js');

/** The newest modification time under `dir` (0 when it does not exist). */
function newest(dir) {
  let latest = 0;
  let entries;
  try {
    entries = readdirSync(dir, { withFileTypes: true });
  } catch {
    return 0;
  }
  for (const e of entries) {
    const path = join(dir, e.name);
    if (e.isDirectory()) latest = Math.max(latest, newest(path));
    else if (e.name.endsWith('.ts')) latest = Math.max(latest, statSync(path).mtimeMs);
  }
  return latest;
}

function builtAt() {
  try {
    return statSync(ENTRY).mtimeMs;
  } catch {
    return -1;
  }
}

/** Whether the build is at least as new as every source. */
function fresh() {
  return builtAt() >= Math.max(newest(join(ROOT, 'cli')), newest(join(ROOT, 'sdk', 'src')), newest(join(ROOT, 'api', 'src')), newest(join(ROOT, 'console')));
}

/**
 * Rebuilds when stale. One process builds while the others wait for it (a
 * test suite starts dozens of `eddy` processes at once right after an edit);
 * a lock left by a builder that died is ignored after a minute.
 */
async function ensureBuilt() {
  if (fresh()) return true;
  const lock = join(ROOT, 'dist', '.cli-build.lock');
  mkdirSync(join(ROOT, 'dist'), { recursive: true });
  for (let waited = 0; waited < 120_000; waited += 100) {
    let fd;
    try {
      fd = openSync(lock, 'wx');
    } catch {
      try {
        if (Date.now() - statSync(lock).mtimeMs > 60_000) unlinkSync(lock);
      } catch {
        // Gone meanwhile.
      }
      await new Promise((resolve) => setTimeout(resolve, 100));
      if (fresh()) return true;
      continue;
    }
    try {
      if (fresh()) return true;
      const { build } = await import('./build.js');
      await build();
      return true;
    } finally {
      closeSync(fd);
      unlinkSync(lock);
    }
  }
  return false;
}

let built = false;
try {
  built = await ensureBuilt();
} catch {
  // No esbuild (installed without dev dependencies): run the TypeScript instead.
}
if (built) {
  await import(pathToFileURL(ENTRY).href);
} else {
  const { register } = await import('tsx/esm/api');
  register();
  await import('../main.ts');
}
