/**
 * The names of every environment variable Eddy reads, in one place: the CDK
 * stack sets them on every function, the handlers, the local host, the CLI
 * and the SDK read them through this constant, so the names cannot drift.
 */

/** Every environment variable Eddy reads. */
export const ENV = {
  /** DynamoDB table holding topic records. */
  topicsTable: 'EDDY_TOPICS_TABLE',
  /** DynamoDB table holding the partition indexes (one item per stored chunk). */
  logTable: 'EDDY_LOG_TABLE',
  /** DynamoDB table holding consumer group state and committed offsets. */
  groupsTable: 'EDDY_GROUPS_TABLE',
  /** S3 bucket holding record batches. */
  bucket: 'EDDY_BUCKET',
  /** Override the DynamoDB endpoint (local stand-ins, LocalStack). */
  dynamodbEndpoint: 'EDDY_DYNAMODB_ENDPOINT',
  /** Override the S3 endpoint (local stand-ins, LocalStack). */
  s3Endpoint: 'EDDY_S3_ENDPOINT',
  /** Log level: debug | info | warn | error. */
  logLevel: 'EDDY_LOG_LEVEL',
  /** Local host: data directory. */
  dataDir: 'EDDY_DATA_DIR',
  /** Local host: maintenance interval in ms (0 disables). */
  maintenanceIntervalMs: 'EDDY_MAINTENANCE_INTERVAL_MS',
  /** Maintenance: how long an unreferenced object must be old before GC deletes it. */
  gcGraceMs: 'EDDY_GC_GRACE_MS',
  /** Maintenance: target size of compacted segment objects. */
  compactionTargetBytes: 'EDDY_COMPACTION_TARGET_BYTES',
  /**
   * Local host: entries younger than this are never expired by retention
   * (default 60000). Lower it to watch retention work locally; deployments
   * keep the default, which protects appends still re-reading their entry.
   */
  retentionMinAgeMs: 'EDDY_RETENTION_MIN_AGE_MS',
  /** SDK and CLI: the API endpoint. */
  endpoint: 'EDDY_ENDPOINT',
} as const;
