/** AWS adapters: S3 and DynamoDB through the AWS SDK v3. */
import type { Settings } from '../../config.js';
import type { Components } from '../../ports.js';
import { systemIds } from '../../ids.js';
import { systemClock } from '../../ports.js';
import { createAwsClients, type AwsClientOptions, type AwsClients } from './clients.js';
import { DynamoMetadataStore } from './metadata-store.js';
import { S3ObjectStore } from './object-store.js';

export { createAwsClients, RequestCounter, countRequests, type AwsClients, type AwsClientOptions } from './clients.js';
export { DynamoMetadataStore } from './metadata-store.js';
export { S3ObjectStore } from './object-store.js';
export { translateAwsError } from './errors.js';

/** Engine components on AWS (or on anything speaking its APIs: stand-ins, LocalStack). */
export function awsComponents(settings: Settings, options: AwsClientOptions & { clients?: AwsClients } = {}): Components & { clients: AwsClients } {
  const clients = options.clients ?? createAwsClients(settings, options);
  return {
    objectStore: new S3ObjectStore(clients.s3, settings.bucket),
    metadataStore: new DynamoMetadataStore(clients.dynamodb, settings),
    clock: systemClock,
    ids: systemIds,
    clients,
  };
}
