/**
 * Child process: kinesalite (the Kinesis API on LevelDB) on a loopback port,
 * persisting under the directory given as the first argument, with its
 * stream-state delays at 0. kinesalite enforces no shard throughput limits.
 */
import type { Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { failStartup, serveParent } from '../lib/proc.js';

type Kinesalite = (options: { path?: string; createStreamMs?: number; deleteStreamMs?: number; updateStreamMs?: number; shardLimit?: number }) => Server;

try {
  const spec = 'kinesalite';
  const mod = (await import(spec)) as { default: Kinesalite };
  const server = mod.default({ path: process.argv[2], createStreamMs: 0, deleteStreamMs: 0, updateStreamMs: 0, shardLimit: 1000 });
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => resolve());
  });
  const { port } = server.address() as AddressInfo;
  serveParent({ endpoint: `http://127.0.0.1:${port}` }, {}, () => new Promise<void>((resolve) => server.close(() => resolve())));
} catch (err) {
  await failStartup(err);
}
