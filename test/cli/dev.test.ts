/**
 * `eddy dev` runs the local host in a child process and passes Ctrl-C on:
 * the host finishes and the CLI exits with its code.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { runCli, startCli } from './helpers.js';

const dataDir = mkdtempSync(join(tmpdir(), 'eddy-cli-dev-'));

afterAll(() => rmSync(dataDir, { recursive: true, force: true }));

describe('eddy dev', () => {
  it('serves the API until SIGINT, then shuts the host down and exits 0', async () => {
    const dev = startCli(['dev', '--port', '0', '--data-dir', dataDir, '--maintenance-interval', '0']);
    try {
      await dev.waitFor(/Eddy is listening on (http:\/\/127\.0\.0\.1:\d+)/, 'stderr', 60_000);
      const url = /Eddy is listening on (http:\/\/127\.0\.0\.1:\d+)/.exec(dev.stderr())![1]!;

      const created = await runCli(['topics', 'create', 'dev-orders', '--partitions', '2'], { endpoint: url });
      expect(created.code, created.stderr).toBe(0);
      expect((await runCli(['topics', 'list'], { endpoint: url })).stdout).toContain('dev-orders');

      // Only the CLI gets the signal (not its process group): it must pass it on.
      dev.child.kill('SIGINT');
      const result = await dev.done;
      expect(result.code).toBe(0);
      expect(result.stderr).toContain('SIGINT: finishing in-flight requests');
      await expect(fetch(`${url}/health`)).rejects.toThrow();
    } finally {
      if (dev.child.exitCode === null) dev.child.kill('SIGKILL');
    }
  }, 120_000);
});
