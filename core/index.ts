/**
 * Core's one entry point. Every front door — the Lambda handlers, the local
 * host, the Kafka protocol, triggers — builds Eddy here and calls what it
 * returns, nothing below it:
 *
 * ```ts
 * const eddy = createEddy({ components: memoryComponents(clock, ids) });
 * await eddy.log.createTopic({ name: 'orders', partitions: 3 });
 * await eddy.log.produce({ topic: 'orders', records: [{ key, value }] });
 * await eddy.groups.heartbeat('billing', { memberEpoch: 0, topics: ['orders'] });
 * await eddy.maintenance.runOnce();
 * ```
 *
 * Components (stores, clock, ids, notifier) are injected; settings are plain
 * values validated here, once (a bad one fails with its name).
 */
import { GroupCoordinator, type GroupCoordinatorOptions } from './groups/coordinator.js';
import { Log, type LogOptions } from './log/log.js';
import { Maintenance, type MaintenanceOptions } from './maintenance/index.js';
import { createNotifier } from './notifier.js';
import type { Components } from './ports.js';

/** Plain settings of core; every field has a default. */
export interface EddySettings {
  /** Long-poll and fetch behaviour. */
  readonly log?: LogOptions;
  /** Consumer group timing. */
  readonly groups?: GroupCoordinatorOptions;
  /** Retention, compaction and GC. */
  readonly maintenance?: MaintenanceOptions;
}

/** Arguments of {@link createEddy}. */
export interface CreateEddyOptions {
  readonly components: Components;
  readonly settings?: EddySettings;
}

/** What core offers: the log, consumer groups and maintenance, over one set of components. */
export interface Eddy {
  readonly log: Log;
  readonly groups: GroupCoordinator;
  readonly maintenance: Maintenance;
}

/**
 * Builds Eddy's core over injected components.
 * @throws EddyError `INVALID_REQUEST` naming a bad setting.
 */
export function createEddy(options: CreateEddyOptions): Eddy {
  const { components, settings = {} } = options;
  const notifier = components.notifier ?? createNotifier(components.clock);
  const ports = { ...components, notifier };
  return {
    log: new Log(ports, settings.log),
    groups: new GroupCoordinator(ports, settings.groups),
    maintenance: new Maintenance(ports, settings.maintenance),
  };
}

export type { Components, Notifier, Clock, Ids, ObjectStore, MetadataStore } from './ports.js';
export type { Log, LogOptions, TopicDescription, PartitionDescription, CreateTopicRequest, AlterTopicRequest } from './log/log.js';
export type { GroupCoordinator, GroupCoordinatorOptions } from './groups/coordinator.js';
export type { Maintenance, MaintenanceOptions, MaintenanceReport } from './maintenance/index.js';
export type { FetchRequest, FetchResult, FetchedRecord, OffsetSpec, PartitionOffsets, ReadBatchesRequest, ReadBatchesResult } from './log/fetch.js';
export type { AppendBatchesRequest, AppendProtocol, PartitionAppendResult, PartitionBatchResult, ProduceBatchesRequest, ProduceRequest, ProduceRecord, ProducerBatch, RecordResult } from './log/produce.js';
export type { FetchBatchesRequest, FetchBatchesResult } from './log/fetch-batches.js';
export type { CompressionCodec } from '@eddy/api';
export type { TopicRecord, TopicConfig } from './model.js';
export { createNotifier } from './notifier.js';
export { EddyError } from './errors.js';
export { useNativeCrc32c } from './native-crc32c.js';
