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
  /**
   * Consumer groups: the heartbeat interval heartbeat answers ask for, in ms
   * (default 5000; the local host uses 1000), at most a third of the
   * member's session timeout. Every heartbeat writes the group's state, so a
   * shorter interval costs DynamoDB writes in a deployment.
   */
  heartbeatIntervalMs: 'EDDY_HEARTBEAT_INTERVAL_MS',
  /**
   * Consumer groups: the interval asked of a member waiting for partitions
   * another member still holds (a handover in progress), in ms (default 500),
   * so it picks them up soon after their release.
   */
  handoverHeartbeatIntervalMs: 'EDDY_HANDOVER_HEARTBEAT_INTERVAL_MS',
  /**
   * The append protocol, `head` (default) or `reserve` (one counter update per
   * append, for many producers per partition; offsets dense except where an
   * append was abandoned). Every process writing to the same tables must use
   * the same one (docs/design.md §3.1).
   */
  appendProtocol: 'EDDY_APPEND_PROTOCOL',
  /** SDK and CLI: the API endpoint. */
  endpoint: 'EDDY_ENDPOINT',
  /** Local host: port of the Kafka protocol server on 127.0.0.1 (default 9092; 0 turns it off). `eddy gateway`: its listening port. */
  kafkaPort: 'EDDY_KAFKA_PORT',
  /** Kafka server: the `host:port` clients are told to connect to (Metadata, FindCoordinator). */
  kafkaAdvertised: 'EDDY_KAFKA_ADVERTISED',
  /** Kafka server: the advertised host alone (default: the listening host). */
  kafkaAdvertisedHost: 'EDDY_KAFKA_ADVERTISED_HOST',
  /** Kafka server: the advertised port alone (default: the listening port). */
  kafkaAdvertisedPort: 'EDDY_KAFKA_ADVERTISED_PORT',
  /** Kafka server: create topics a Metadata request names (true | false, default true, as Kafka's auto.create.topics.enable). */
  kafkaAutoCreateTopics: 'EDDY_KAFKA_AUTO_CREATE_TOPICS',
  /** Kafka server: partitions of an auto-created topic (default 1, as Kafka's num.partitions). */
  kafkaDefaultPartitions: 'EDDY_KAFKA_DEFAULT_PARTITIONS',
} as const;

/**
 * glibc malloc's tuning variables, read by the C library when a process
 * starts (never by Eddy's code). The CDK stack sets them on every Lambda
 * function and the gateway image sets them in its Dockerfile, with the values
 * of `MALLOC_ENV` (core/config.ts): Node allocates every large Buffer with
 * malloc, and by default glibc maps each one afresh (and unmaps it when freed),
 * so every produce and fetch pays the page faults of its megabytes again.
 */
export const MALLOC_ENV_NAMES = {
  /** At most this many malloc arenas (glibc's default is 8 per core). */
  arenaMax: 'MALLOC_ARENA_MAX',
  /** Allocations of at least this many bytes get their own mmap; setting it also stops glibc's sliding threshold. */
  mmapThreshold: 'MALLOC_MMAP_THRESHOLD_',
  /** Free memory at the top of the heap beyond this many bytes goes back to the kernel. */
  trimThreshold: 'MALLOC_TRIM_THRESHOLD_',
} as const;
