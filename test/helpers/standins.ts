/** Test helpers: embedded stand-ins in a temp directory, and engine factories. */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { RequestCounter } from '../../core/adapters/aws/index.js';
import { memoryComponents } from '../../core/adapters/memory/index.js';
import type { Components } from '../../core/index.js';
import { systemIds } from '../../core/ids.js';
import { systemClock } from '../../core/ports.js';
import type { Standins } from '../../local/standins.js';

// The AWS SDK and the stand-ins are imported only when a suite starts them:
// loading them costs seconds, and the memory suites (which mutation testing
// runs once per mutant) never need them.
const aws = () => import('../../core/adapters/aws/index.js');

/** A fresh temp directory, removed by the returned function. */
export function tempDir(prefix = 'eddy-test-'): { dir: string; remove: () => void } {
  const dir = mkdtempSync(join(tmpdir(), prefix));
  return { dir, remove: () => rmSync(dir, { recursive: true, force: true }) };
}

/** Stand-ins plus a request counter, in a temp dir. */
export async function testStandins(dataDir?: string): Promise<Standins & { counter: RequestCounter; dataDir: string; cleanup: () => Promise<void> }> {
  const tmp = dataDir ? undefined : tempDir();
  const dir = dataDir ?? tmp!.dir;
  const counter = new (await aws()).RequestCounter();
  const { startStandins } = await import('../../local/standins.js');
  const s = await startStandins({ dataDir: dir, counter });
  return {
    ...s,
    counter,
    dataDir: dir,
    cleanup: async () => {
      await s.close();
      tmp?.remove();
    },
  };
}

/** A named way to build engine components; the contract suite runs against each. */
export interface AdapterKind {
  readonly name: string;
  setup(): Promise<void>;
  components(): Components;
  /** Counts of storage requests (AWS only). */
  readonly counter?: RequestCounter;
  teardown(): Promise<void>;
}

/** Memory adapters: fresh state per `components()` call is not wanted, so one store per suite. */
export function memoryKind(): AdapterKind {
  let c: Components | undefined;
  return {
    name: 'memory',
    async setup() {
      c = memoryComponents(systemClock, systemIds);
    },
    components: () => c!,
    async teardown() {},
  };
}

/** AWS adapters against dynalite and s3rver. */
export function standinKind(): AdapterKind & { standins: () => Standins } {
  let s: Awaited<ReturnType<typeof testStandins>> | undefined;
  let adapters: Awaited<ReturnType<typeof aws>> | undefined;
  const kind = {
    name: 'aws on stand-ins',
    counter: undefined as RequestCounter | undefined,
    async setup() {
      adapters = await aws();
      s = await testStandins();
      kind.counter = s.counter;
    },
    components: () => adapters!.awsComponents(s!.settings, { clients: s!.clients }),
    standins: () => s!,
    async teardown() {
      await s?.cleanup();
    },
  };
  return kind;
}
