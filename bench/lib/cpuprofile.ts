/**
 * Summarises a V8 `.cpuprofile` (from `node --cpu-prof`): self time by
 * component (s3rver, dynalite, AWS SDK, zod, Eddy's handlers, core, Node
 * internals, GC, idle) and inclusive time of named functions, so the hot
 * path's costs can be ranked with ratios.
 */
import { readFileSync } from 'node:fs';

interface ProfileNode {
  readonly id: number;
  readonly callFrame: { readonly functionName: string; readonly url: string; readonly lineNumber: number };
  readonly children?: readonly number[];
}

interface Profile {
  readonly nodes: readonly ProfileNode[];
  readonly samples: readonly number[];
  readonly timeDeltas: readonly number[];
  readonly startTime: number;
  readonly endTime: number;
}

/** Component of a frame, by where its code lives (native frames by name). */
export function component(url: string, fn: string): string {
  if (fn === '(idle)') return 'idle';
  if (fn === '(garbage collector)') return 'GC';
  if (fn === '(program)') return 'V8/native (program)';
  if (fn.startsWith('RegExp:')) return fn.includes('A-Za-z0-9+/') ? 'regex: BASE64 validation (lambdas/http/encoding.ts)' : 'regex: other';
  if (url.includes('node_modules/s3rver') || url.includes('node_modules/koa') || url.includes('node_modules/@koa') || url.includes('node_modules/busboy') || url.includes('node_modules/xmlbuilder') || url.includes('node_modules/fs-extra') || url.includes('node_modules/graceful-fs') || url.includes('node_modules/winston') || url.includes('node_modules/logform') || url.includes('node_modules/lodash')) return 's3rver (+koa, winston, fs-extra)';
  if (url.includes('node_modules/dynalite') || url.includes('level') || url.includes('node_modules/lazy') || url.includes('memdown') || url.includes('big.js')) return 'dynalite (+LevelDB)';
  if (url.includes('@aws-sdk') || url.includes('@smithy') || url.includes('@aws-crypto') || url.includes('fast-xml-parser') || url.includes('strnum')) return 'AWS SDK (clients of S3 and DynamoDB)';
  if (url.includes('node_modules/zod')) return 'zod (request validation)';
  if (url.includes('/lambdas/')) return 'Eddy handlers (lambdas/), incl. inlined JSON and base64 builtins';
  if (url.includes('/core/codec/crc32c')) return 'core: crc32c';
  if (url.includes('/core/codec/')) return 'core: codec';
  if (url.includes('/core/')) return 'core: other';
  if (url.includes('/local/')) return 'local host (local/)';
  if (url.includes('/sdk/src/')) return 'Eddy SDK';
  if (url.includes('node_modules/tsx') || url.includes('esbuild') || url.includes('esm/') || url.includes('cjs/loader')) return 'module loading (tsx, ESM/CJS loaders)';
  if (url === '' || url.startsWith('native ')) {
    if (/base64|btoa|atob/i.test(fn)) return 'native: base64';
    if (/^(writev|writeBuffer|writeUtf8String|writeLatin1String|read|readv|open|close|fstat|stat|lstat|mkdir|rename|unlink|fsync|fdatasync|ftruncate|shutdown|onStreamRead)$/.test(fn)) return 'native: I/O syscalls (sockets, files)';
    if (/^(decode|encodeInto|encodeUtf8String)$/.test(fn)) return 'native: UTF-8 encode/decode';
    if (/^(update|digest|Hash)$/.test(fn)) return 'native: hashing (MD5/SHA)';
    if (/copy|fill|compare|indexOf/i.test(fn)) return 'native: buffer copies';
    return 'native: other';
  }
  if (url.startsWith('node:')) {
    if (/_http_|internal\/http|node:http/.test(url)) return 'Node HTTP';
    if (/node:net|stream|internal\/streams|stream_base|internal\/net/.test(url)) return 'Node sockets and streams';
    if (/buffer/.test(url)) return 'Node Buffer';
    if (/node:fs|internal\/fs/.test(url)) return 'Node fs';
    if (/crypto/.test(url)) return 'Node crypto';
    if (/url/.test(url)) return 'Node URL';
    if (/events/.test(url)) return 'Node events';
    if (/timers|task_queues|process/.test(url)) return 'Node timers and microtasks';
    return 'Node: other';
  }
  if (url.includes('node_modules/')) return `other deps (${/node_modules\/((@[^/]+\/)?[^/]+)/.exec(url)?.[1] ?? '?'})`;
  return 'other';
}

export interface ProfileSummary {
  readonly totalMs: number;
  /** Busy (non-idle) ms. */
  readonly busyMs: number;
  /** Self ms per component, descending. */
  readonly byComponent: ReadonlyArray<readonly [string, number]>;
  /** Top functions by self ms. */
  readonly topSelf: ReadonlyArray<{ readonly name: string; readonly ms: number }>;
  /** Inclusive ms of functions matched by name. */
  readonly inclusive: ReadonlyArray<{ readonly name: string; readonly ms: number }>;
}

/** Reads and summarises a profile; `inclusiveOf` names functions (`name` or `name@file-part`) whose subtree time to report. */
export function summarise(path: string, inclusiveOf: readonly string[] = []): ProfileSummary {
  const p = JSON.parse(readFileSync(path, 'utf8')) as Profile;
  const byId = new Map(p.nodes.map((n) => [n.id, n]));
  const parent = new Map<number, number>();
  for (const n of p.nodes) for (const c of n.children ?? []) parent.set(c, n.id);
  const self = new Map<number, number>();
  for (let i = 0; i < p.samples.length; i++) {
    const id = p.samples[i]!;
    self.set(id, (self.get(id) ?? 0) + (p.timeDeltas[i] ?? 0) / 1000);
  }
  let total = 0;
  let idle = 0;
  const comp = new Map<string, number>();
  const fnSelf = new Map<string, number>();
  for (const [id, ms] of self) {
    const n = byId.get(id)!;
    const c = component(n.callFrame.url, n.callFrame.functionName);
    total += ms;
    if (c === 'idle') idle += ms;
    comp.set(c, (comp.get(c) ?? 0) + ms);
    const file = n.callFrame.url.split('/').slice(-2).join('/');
    const name = `${n.callFrame.functionName || '(anonymous)'} ${file}:${n.callFrame.lineNumber + 1}`;
    fnSelf.set(name, (fnSelf.get(name) ?? 0) + ms);
  }
  const matches = (n: ProfileNode, pattern: string): boolean => {
    const [fn, file] = pattern.split('@') as [string, string | undefined];
    return n.callFrame.functionName === fn && (file === undefined || n.callFrame.url.includes(file));
  };
  const inclusive = inclusiveOf.map((pattern) => {
    let ms = 0;
    for (const [id, t] of self) {
      // Count a sample once if any ancestor (or itself) matches.
      for (let cur: number | undefined = id; cur !== undefined; cur = parent.get(cur)) {
        if (matches(byId.get(cur)!, pattern)) {
          ms += t;
          break;
        }
      }
    }
    return { name: pattern, ms };
  });
  return {
    totalMs: total,
    busyMs: total - idle,
    byComponent: [...comp.entries()].filter(([c]) => c !== 'idle').sort((a, b) => b[1] - a[1]),
    topSelf: [...fnSelf.entries()]
      .sort((a, b) => b[1] - a[1])
      .slice(0, 25)
      .map(([name, ms]) => ({ name, ms })),
    inclusive,
  };
}
