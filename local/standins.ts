/**
 * The embedded AWS stand-ins: `dynalite` (DynamoDB API) and `s3rver` (S3 API)
 * run in this process on loopback ports, persisting under a data directory.
 * Tables and the bucket are created from `core/schema.ts`, the module the CDK
 * stack provisions from, so local and cloud layouts cannot drift.
 *
 * Node must run with `--openssl-legacy-provider`: s3rver fails on truncated
 * ListObjectsV2 pages without it.
 */
import { CreateTableCommand, DescribeTableCommand, type DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { CreateBucketCommand, HeadBucketCommand } from '@aws-sdk/client-s3';
import dynalite from 'dynalite';
import { mkdirSync } from 'node:fs';
import type { Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { join } from 'node:path';
import S3rver from 's3rver';
import { createAwsClients, type AwsClients, type RequestCounter } from '../core/adapters/aws/index.js';
import { DEFAULTS, type Settings } from '../core/config.js';
import { TABLES } from '../core/schema.js';

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
}

/** Running stand-ins. */
export interface Standins {
  /** Settings pointing at the stand-ins. */
  readonly settings: Settings;
  /** Clients configured for them (SigV4 credentials, path-style S3). */
  readonly clients: AwsClients;
  readonly dynamodbEndpoint: string;
  readonly s3Endpoint: string;
  close(): Promise<void>;
}

function listen(server: Server): Promise<AddressInfo> {
  return new Promise((resolve, reject) => {
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => resolve(server.address() as AddressInfo));
  });
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
  const dynamoDir = join(options.dataDir, 'dynamodb');
  const s3Dir = join(options.dataDir, 's3');
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
  const dynamodbEndpoint = `http://127.0.0.1:${dynamoAddr.port}`;
  const s3Endpoint = `http://127.0.0.1:${s3Addr.port}`;
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
    ...(options.counter ? { counter: options.counter } : {}),
  });
  await ensureTables(clients.dynamodb, settings);
  try {
    await clients.s3.send(new HeadBucketCommand({ Bucket: settings.bucket }));
  } catch {
    await clients.s3.send(new CreateBucketCommand({ Bucket: settings.bucket }));
  }
  if (options.counter) options.counter.reset();

  return {
    settings,
    clients,
    dynamodbEndpoint,
    s3Endpoint,
    async close() {
      clients.s3.destroy();
      clients.dynamodb.destroy();
      await Promise.all([s3rver.close(), new Promise((r) => dynamo.close(r))]);
    },
  };
}
