/**
 * The storage resources Eddy needs, defined once: the CDK stack provisions them
 * from here and the local host creates them on the embedded stand-ins from here.
 *
 * Key formats live in `core/layout.ts`; item shapes in `core/adapters/aws/metadata-store.ts`.
 */

/** A DynamoDB key attribute. */
export interface KeyAttribute {
  readonly name: string;
  readonly type: 'S' | 'N' | 'B';
}

/** A DynamoDB table definition (on-demand billing everywhere). */
export interface TableDefinition {
  /** Which settings field names this table. */
  readonly settingsKey: 'topicsTable' | 'logTable' | 'groupsTable';
  readonly partitionKey: KeyAttribute;
  readonly sortKey?: KeyAttribute;
  /** What the table holds, for docs and CDK descriptions. */
  readonly description: string;
}

/** Topic records: pk `name`. */
export const TOPICS_TABLE: TableDefinition = {
  settingsKey: 'topicsTable',
  partitionKey: { name: 'pk', type: 'S' },
  description: 'one item per topic: id, partition count, config',
};

/** Partition indexes: pk `<topicId>#<partition>`, sk the zero-padded base offset. */
export const LOG_TABLE: TableDefinition = {
  settingsKey: 'logTable',
  partitionKey: { name: 'pk', type: 'S' },
  sortKey: { name: 'sk', type: 'S' },
  description: 'partition indexes: one item per stored chunk, keyed by base offset',
};

/** Groups: pk `<group>`, sk `meta` (membership) or `o#<topic>#<partition>` (committed offsets). */
export const GROUPS_TABLE: TableDefinition = {
  settingsKey: 'groupsTable',
  partitionKey: { name: 'pk', type: 'S' },
  sortKey: { name: 'sk', type: 'S' },
  description: 'consumer group membership and committed offsets',
};

/** All tables. */
export const TABLES: readonly TableDefinition[] = [TOPICS_TABLE, LOG_TABLE, GROUPS_TABLE];

/** The bucket's object key prefixes (layout in `core/layout.ts`). */
export const OBJECT_PREFIXES = {
  /** One object per produce request, a chunk per partition. */
  ingest: 'ingest/',
  /** Compacted per-partition segments. */
  segments: 'segments/',
  /** Maintenance's garbage-collection marks: which unreferenced objects it has seen, and since when. */
  gc: 'gc/',
} as const;

/** Names of the Lambda functions (also answered by the local host's Invoke API). */
export { FUNCTION_NAMES, type FunctionKind } from '@eddy/api';
