/**
 * Child process for the ceiling measurements: the raw embedded stand-ins
 * (dynalite + s3rver, exactly as the local host starts them, tables and
 * bucket created) and a trivial Node HTTP server that reads a request body
 * and answers a few bytes of JSON. Argument: the data directory.
 */
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { startStandins } from '../../local/standins.js';
import { failStartup, serveParent } from '../lib/proc.js';

try {
  const standins = await startStandins({ dataDir: process.argv[2]! });
  const http = createServer((req, res) => {
    let n = 0;
    req.on('data', (chunk: Buffer) => (n += chunk.length));
    req.on('end', () => {
      const body = `{"bytes":${n}}`;
      res.writeHead(200, { 'content-type': 'application/json', 'content-length': String(body.length) });
      res.end(body);
    });
  });
  http.keepAliveTimeout = 5_000;
  await new Promise<void>((resolve) => http.listen(0, '127.0.0.1', () => resolve()));
  serveParent(
    { settings: standins.settings, httpUrl: `http://127.0.0.1:${(http.address() as AddressInfo).port}` },
    {},
    async () => {
      http.closeAllConnections();
      await new Promise<void>((resolve) => http.close(() => resolve()));
      await standins.close();
    },
  );
} catch (err) {
  await failStartup(err);
}
