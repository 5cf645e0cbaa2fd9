/**
 * Loading optional dependencies on first use. The AWS SDK packages are
 * CommonJS: Node's `import()` of them has their named exports, but once
 * bundled with code splitting (the compiled `eddy` CLI) the chunk exports
 * only `default`. This gives the same module either way.
 */

/** The module's exports, whether `import()` put them at the top or under `default`. */
export async function importCommonJs<T extends object>(loading: Promise<T>): Promise<T> {
  const mod = (await loading) as T & { default?: T };
  return Object.keys(mod).length === 1 && mod.default !== undefined ? mod.default : mod;
}
