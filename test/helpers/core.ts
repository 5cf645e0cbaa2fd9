/** Core as the tests build it: `createEddy` over given components. */
import { createEddy, type Components, type Log, type LogOptions } from '../../core/index.js';

export type { Components, Log } from '../../core/index.js';

/** The log of a fresh core over `components` (with `log` options, e.g. the append protocol). */
export function createLog(components: Components, log?: LogOptions): Log {
  return createEddy({ components, ...(log ? { settings: { log } } : {}) }).log;
}
