/** Core as the tests build it: `createEddy` over given components. */
import { createEddy, type Components, type Log } from '../../core/index.js';

export type { Components, Log } from '../../core/index.js';

/** The log of a fresh core over `components`. */
export function createLog(components: Components): Log {
  return createEddy({ components }).log;
}
