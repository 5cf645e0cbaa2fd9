/**
 * `eddy dev` runs the local host in a child process and passes Ctrl-C on:
 * the host finishes (quickly, even with consumers attached) and the CLI
 * exits with its code.
 */
import { describe, expect, it } from 'vitest';
import { hostProcess } from '../helpers/host.js';
import { runCli, startCli } from './helpers.js';

describe('eddy dev', () => {
  it('serves the API until SIGINT, then shuts the host down and exits 0', async () => {
    const dev = hostProcess({ command: 'eddy dev', env: { EDDY_LOG_LEVEL: 'info' } });
    try {
      const url = await dev.url;

      const created = await runCli(['topics', 'create', 'dev-orders', '--partitions', '2'], { endpoint: url });
      expect(created.code, created.stderr).toBe(0);
      expect((await runCli(['topics', 'list'], { endpoint: url })).stdout).toContain('dev-orders');

      // A group consumer attached, and a reader in a 20 s long poll: stopping must not wait for them.
      const consumer = startCli(['consume', 'dev-orders', '-g', 'dev-grp', '-o', 'beginning'], { endpoint: url });
      for (let i = 0; i < 200; i++) {
        const g = await fetch(`${url}/v1/groups/dev-grp`);
        if (g.status === 200 && ((await g.json()) as { members: unknown[] }).members.length > 0) break;
        await new Promise((r) => setTimeout(r, 250));
      }
      await new Promise((r) => setTimeout(r, 1000));
      const poll = fetch(`${url}/v1/topics/dev-orders/partitions/0/records?offset=0&waitMs=20000`);
      await new Promise((r) => setTimeout(r, 500));

      // Only the CLI gets the signal (not its process group): it must pass it on.
      const sent = Date.now();
      dev.child.kill('SIGINT');
      const result = await dev.exited;
      const took = Date.now() - sent;
      consumer.child.kill('SIGKILL');
      expect(result.code).toBe(0);
      expect(dev.stderr()).toContain('SIGINT: finishing in-flight requests');
      expect((await poll).status).toBe(200);
      // About a second on an idle machine; the bound leaves room for a loaded one, and a host that
      // waited for the poll (20 s) or the consumer's session (45 s) fails it.
      expect(took).toBeLessThan(10_000);
      await expect(fetch(`${url}/health`)).rejects.toThrow();
    } finally {
      if (dev.child.exitCode === null) dev.child.kill('SIGKILL');
      await dev.stop();
    }
  }, 120_000);
});
