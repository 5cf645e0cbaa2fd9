/**
 * The embedded AWS stand-ins: `dynalite` (DynamoDB API) and `s3rver` (S3 API)
 * run on loopback ports, persisting under a data directory, in this thread
 * or (option `thread`) in a worker thread of their own
 * (`local/standin-servers.ts`); the clients always live in the caller's thread.
 * Tables and the bucket are created from `core/schema.ts`, the module the CDK
 * stack provisions from, so local and cloud layouts cannot drift.
 *
 * Node must run with `--openssl-legacy-provider`: s3rver fails on truncated
 * ListObjectsV2 pages without it.
 */
import { CreateTableCommand, DescribeTableCommand, type DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { CreateBucketCommand, HeadBucketCommand } from '@aws-sdk/client-s3';
import { createAwsClients, type AwsClients, type RequestCounter } from '../core/adapters/aws/index.js';
import type { Worker } from 'node:worker_threads';
import { DEFAULTS, type Settings } from '../core/config.js';
import { TABLES } from '../core/schema.js';
import { startStandinServers, startStandinServersInWorker } from './standin-servers.js';

/** Credentials s3rver checks SigV4 signatures against (dynalite accepts any). */
export const STANDIN_CREDENTIALS = { accessKeyId: 'S3RVER', secretAccessKey: 'S3RVER' } as const;
/** Region used against the stand-ins. */
export const STANDIN_REGION = 'us-east-1';

/** Options for {@link startStandins}. */
export interface StandinOptions {
  /** Where dynalite and s3rver keep their data. */
  readonly dataDir: string;
  /** Table and bucket names. @default the names in `DEFAULTS` */
  readonly names?: Partial<Pick<Settings, 'topicsTable' | 'logTable' | 'groupsTable' | 'bucket'>>;
  /** Count every AWS request the returned clients make. */
  readonly counter?: RequestCounter;
  /**
   * Run dynalite and s3rver in a worker thread of their own, so they and the
   * caller's work each get a core (`npm start` does). @default false
   */
  readonly thread?: boolean;
}

/** Running stand-ins. */
export interface Standins {
  /** Settings pointing at the stand-ins. */
  readonly settings: Settings;
  /** Clients configured for them (SigV4 credentials, path-style S3). */
  readonly clients: AwsClients;
  readonly dynamodbEndpoint: string;
  readonly s3Endpoint: string;
  /**
   * Resolves if the stand-ins stop without `close()` (their worker thread
   * died), with an error saying so; never resolves otherwise. In this
   * thread, a stand-in's crash is the process's crash.
   */
  readonly died: Promise<Error>;
  /** The worker thread dynalite and s3rver run in (option `thread`); absent when they run in this thread. */
  readonly worker?: Worker;
  close(): Promise<void>;
}

async function ensureTables(db: DynamoDBClient, settings: Settings): Promise<void> {
  for (const table of TABLES) {
    const name = settings[table.settingsKey];
    const keys = [table.partitionKey, ...(table.sortKey ? [table.sortKey] : [])];
    try {
      await db.send(new DescribeTableCommand({ TableName: name }));
      continue;
    } catch (err) {
      if ((err as { name?: string }).name !== 'ResourceNotFoundException') throw err;
    }
    try {
      await db.send(
        new CreateTableCommand({
          TableName: name,
          BillingMode: 'PAY_PER_REQUEST',
          AttributeDefinitions: keys.map((k) => ({ AttributeName: k.name, AttributeType: k.type })),
          KeySchema: keys.map((k, i) => ({ AttributeName: k.name, KeyType: i === 0 ? 'HASH' : 'RANGE' })),
        }),
      );
    } catch (err) {
      if ((err as { name?: string }).name !== 'ResourceInUseException') throw err;
    }
  }
}

/** Starts dynalite and s3rver, then creates the tables and bucket if missing. */
export async function startStandins(options: StandinOptions): Promise<Standins> {
  const servers = options.thread ? await startStandinServersInWorker(options.dataDir) : await startStandinServers(options.dataDir);
  const dynamodbEndpoint = `http://127.0.0.1:${servers.dynamodbPort}`;
  const s3Endpoint = `http://127.0.0.1:${servers.s3Port}`;
  const settings: Settings = {
    topicsTable: options.names?.topicsTable ?? DEFAULTS.topicsTable,
    logTable: options.names?.logTable ?? DEFAULTS.logTable,
    groupsTable: options.names?.groupsTable ?? DEFAULTS.groupsTable,
    bucket: options.names?.bucket ?? DEFAULTS.bucket,
    dynamodbEndpoint,
    s3Endpoint,
    logLevel: DEFAULTS.logLevel,
    gcGraceMs: DEFAULTS.gcGraceMs,
    compactionTargetBytes: DEFAULTS.compactionTargetBytes,
  };
  const clients = createAwsClients(settings, {
    region: STANDIN_REGION,
    credentials: STANDIN_CREDENTIALS,
    // s3rver on loopback: no SHA-256 of every object body (never on the AWS path, see createAwsClients).
    unsignedPayload: true,
    ...(options.counter ? { counter: options.counter } : {}),
  });
  try {
    await ensureTables(clients.dynamodb, settings);
    try {
      await clients.s3.send(new HeadBucketCommand({ Bucket: settings.bucket }));
    } catch {
      await clients.s3.send(new CreateBucketCommand({ Bucket: settings.bucket }));
    }
  } catch (err) {
    clients.s3.destroy();
    clients.dynamodb.destroy();
    await servers.close();
    throw err;
  }
  if (options.counter) options.counter.reset();

  return {
    settings,
    clients,
    dynamodbEndpoint,
    s3Endpoint,
    died: servers.died,
    ...(servers.worker ? { worker: servers.worker } : {}),
    async close() {
      clients.s3.destroy();
      clients.dynamodb.destroy();
      await servers.close();
    },
  };
}
