/**
 * Issue 19 item 3: a maintenance pass that hits an error fails the
 * invocation (so the Errors alarm and the dead-letter queue see it), after
 * logging the errors at error level; a clean pass succeeds.
 */
import { describe, expect, it } from 'vitest';
import { memoryComponents } from '../../core/adapters/memory/index.js';
import { readSettings } from '../../core/config.js';
import { EddyError } from '../../core/errors.js';
import { systemIds } from '../../core/ids.js';
import { systemClock } from '../../core/ports.js';
import { createLogger } from '../../lambdas/http/log.js';
import { createRuntime } from '../../lambdas/http/runtime.js';
import { MaintenanceFailedError, maintenanceHandler } from '../../lambdas/maintenance.js';

const SCHEDULED = { maintenance: {} };

function setup(failListing: boolean): { handler: (event: unknown) => Promise<unknown>; lines: Array<Record<string, unknown>> } {
  const components = memoryComponents(systemClock, systemIds);
  if (failListing) {
    // What GC sees when the role lacks s3:ListBucket.
    components.objectStore.list = () => {
      throw new EddyError('UNAVAILABLE', 'AccessDenied: not authorized to perform s3:ListBucket');
    };
  }
  const lines: Array<Record<string, unknown>> = [];
  const log = createLogger('info', (l) => lines.push(JSON.parse(l) as Record<string, unknown>));
  const handler = maintenanceHandler(() => createRuntime({ settings: readSettings({}), components, logger: log }));
  return { handler, lines };
}

describe('maintenance handler', () => {
  it('succeeds with the report when the pass is clean', async () => {
    const { handler, lines } = setup(false);
    const out = (await handler(SCHEDULED)) as { errors: string[] };
    expect(out.errors).toEqual([]);
    expect(lines.filter((l) => l.level === 'error')).toEqual([]);
  });

  it('fails the invocation, after logging at error level, when the pass recorded errors', async () => {
    const { handler, lines } = setup(true);
    const err = await handler(SCHEDULED).then(
      () => undefined,
      (e: unknown) => e,
    );
    expect(err).toBeInstanceOf(MaintenanceFailedError);
    expect((err as MaintenanceFailedError).message).toMatch(/s3:ListBucket/);
    const errorLines = lines.filter((l) => l.level === 'error');
    expect(errorLines).toHaveLength(1);
    expect(errorLines[0]!.msg).toBe('maintenance failed');
    expect(JSON.stringify(errorLines[0]!.errors)).toMatch(/ListBucket/);
  });

  it('answers direct invokes of its routes as before', async () => {
    const { handler } = setup(true);
    await expect(handler({ method: 'GET', path: '/health' })).resolves.toEqual({ statusCode: 200, body: { status: 'ok' } });
  });
});
