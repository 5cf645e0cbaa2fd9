/**
 * The stand-ins' servers: `dynalite` (DynamoDB API) and `s3rver` (S3 API) on
 * loopback ports, persisting under a data directory. They run either in the
 * calling thread or in a worker thread of their own, so that the local
 * host's handlers and the stand-ins each get a core (issue 17): the same
 * code starts them in both cases, the worker merely runs it and reports the
 * ports.
 *
 * The worker is this module, loaded through tsx's `tsImport` (Node 20 does
 * not pass a `--import tsx` loader on to worker threads). The OpenSSL
 * legacy provider s3rver needs (`--openssl-legacy-provider` on the
 * `npm start` command line) is process-wide, so the worker has it too.
 */
import dynalite from 'dynalite';
import { mkdirSync } from 'node:fs';
import { createRequire } from 'node:module';
import type { Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { isMainThread, parentPort, Worker, workerData } from 'node:worker_threads';
import S3rver from 's3rver';

/** Running stand-in servers. */
export interface StandinServers {
  readonly dynamodbPort: number;
  readonly s3Port: number;
  /**
   * Resolves if the servers stop without `close()` being called (the worker
   * thread died), with an error saying so; never resolves otherwise.
   */
  readonly died: Promise<Error>;
  /** The worker thread running the servers, when they run in one. */
  readonly worker?: Worker;
  close(): Promise<void>;
}

/** How long a worker may take to close its servers before it is terminated. */
const WORKER_CLOSE_MS = 1_000;

function listen(server: Server): Promise<AddressInfo> {
  return new Promise((resolve, reject) => {
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => resolve(server.address() as AddressInfo));
  });
}

/** Starts dynalite and s3rver in this thread on free loopback ports. */
export async function startStandinServers(dataDir: string): Promise<StandinServers> {
  const dynamoDir = join(dataDir, 'dynamodb');
  const s3Dir = join(dataDir, 's3');
  mkdirSync(dynamoDir, { recursive: true });
  mkdirSync(s3Dir, { recursive: true });

  const dynamo = dynalite({ path: dynamoDir, createTableMs: 0, deleteTableMs: 0, updateTableMs: 0 });
  const dynamoAddr = await listen(dynamo);
  const s3rver = new S3rver({ address: '127.0.0.1', port: 0, silent: true, directory: s3Dir, vhostBuckets: false });
  let s3Addr: AddressInfo;
  try {
    s3Addr = await s3rver.run();
  } catch (err) {
    await new Promise((r) => dynamo.close(r));
    throw err;
  }
  return {
    dynamodbPort: dynamoAddr.port,
    s3Port: s3Addr.port,
    died: new Promise<Error>(() => undefined),
    async close() {
      await Promise.all([s3rver.close(), new Promise((r) => dynamo.close(r))]);
    },
  };
}

/** Messages from the worker. */
type FromWorker = { readonly type: 'ready'; readonly dynamodbPort: number; readonly s3Port: number } | { readonly type: 'failed'; readonly message: string } | { readonly type: 'closed' };

/** tsx's `tsImport`, resolved from this checkout (works from any working directory). */
function tsxApiUrl(): string {
  const resolve = (import.meta as { resolve?: (specifier: string) => string }).resolve;
  if (resolve) return resolve('tsx/esm/api');
  return pathToFileURL(createRequire(import.meta.url).resolve('tsx/esm/api')).href;
}

/**
 * Starts dynalite and s3rver in a worker thread of their own. If the worker
 * dies later (an uncaught error in a stand-in), `died` resolves with an
 * error naming the cause: the caller decides what to do (the local host's
 * `npm start` exits with it).
 */
export async function startStandinServersInWorker(dataDir: string): Promise<StandinServers> {
  const self = import.meta.url;
  const boot = `import(${JSON.stringify(tsxApiUrl())}).then((m) => (m.tsImport ?? m.default.tsImport)(${JSON.stringify(self)}, ${JSON.stringify(self)}))`;
  const worker = new Worker(boot, { eval: true, workerData: { eddyStandins: { dataDir } } });
  let closing = false;
  let lastError: Error | undefined;
  let announceDeath!: (err: Error) => void;
  const died = new Promise<Error>((resolve) => (announceDeath = resolve));
  const exited = new Promise<number>((resolve) => worker.once('exit', resolve));
  worker.on('error', (err) => (lastError = err));
  const ready = new Promise<{ dynamodbPort: number; s3Port: number }>((resolve, reject) => {
    worker.on('message', (m: FromWorker) => {
      if (m.type === 'ready') resolve(m);
      else if (m.type === 'failed') reject(new Error(m.message));
    });
    void exited.then((code) => reject(lastError ?? new Error(`the stand-ins' worker thread exited (code ${code}) before listening`)));
  });
  void exited.then((code) => {
    if (closing) return;
    const cause = lastError ? `${lastError.name}: ${lastError.message}` : `exit code ${code}`;
    announceDeath(new Error(`the DynamoDB/S3 stand-ins (dynalite, s3rver) stopped unexpectedly: ${cause}`));
  });
  let ports: { dynamodbPort: number; s3Port: number };
  try {
    ports = await ready;
  } catch (err) {
    closing = true;
    await worker.terminate();
    throw err;
  }
  return {
    dynamodbPort: ports.dynamodbPort,
    s3Port: ports.s3Port,
    died,
    worker,
    async close() {
      if (closing) return exited.then(() => undefined);
      closing = true;
      worker.postMessage('close');
      let timer: NodeJS.Timeout | undefined;
      const finished = await Promise.race([exited.then(() => true), new Promise<false>((resolve) => (timer = setTimeout(() => resolve(false), WORKER_CLOSE_MS)))]);
      clearTimeout(timer);
      if (!finished) await worker.terminate();
    },
  };
}

/** The worker's side: start the servers, report the ports, close on request. */
async function runAsWorker(dataDir: string): Promise<void> {
  const port = parentPort!;
  let servers: StandinServers;
  try {
    servers = await startStandinServers(dataDir);
  } catch (err) {
    port.postMessage({ type: 'failed', message: (err as Error).message ?? String(err) } satisfies FromWorker);
    return;
  }
  port.on('message', (m: unknown) => {
    if (m !== 'close') return;
    servers.close().then(
      () => {
        port.postMessage({ type: 'closed' } satisfies FromWorker);
        port.close();
      },
      (err: unknown) => {
        throw err;
      },
    );
  });
  port.postMessage({ type: 'ready', dynamodbPort: servers.dynamodbPort, s3Port: servers.s3Port } satisfies FromWorker);
}

const data = (isMainThread ? undefined : workerData) as { eddyStandins?: { dataDir: string } } | undefined;
if (data?.eddyStandins) await runAsWorker(data.eddyStandins.dataDir);
