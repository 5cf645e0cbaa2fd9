/**
 * The APIs the gateway serves, each with the versions it advertises and its
 * handler. ApiVersions answers from this table, so a client never sees a
 * version the gateway does not implement. See docs/kafka.md for the table.
 */
import type { RequestContext } from './context.js';
import { KAFKA_ERRORS } from './errors.js';
import * as admin from './handlers/admin.js';
import * as data from './handlers/data.js';
import * as groups from './handlers/groups.js';
import * as offsets from './handlers/offsets.js';
import { codecOf, API_VERSIONS_KEY } from './wire.js';

/** A handler: the decoded request in, the response to encode out (undefined: send nothing, as for acks=0). */
// eslint-disable-next-line @typescript-eslint/no-explicit-any
export type Handler = (request: any, ctx: RequestContext) => unknown;

/** One served API. */
export interface ServedApi {
  readonly key: number;
  readonly name: string;
  readonly minVersion: number;
  readonly maxVersion: number;
  readonly handle: Handler;
}

/**
 * Why these floors: Produce needs v3 (record batch v2, the only format Eddy
 * stores) and Fetch v4 (the first that returns it); other floors follow
 * Kafka 4.0's (KIP-896) where kafka-python 2.0 still fits under them.
 * Ceilings: Fetch stops at v13 (names topics by id; @platformatic/kafka
 * needs it), ListOffsets at v6 (v7 adds the max-timestamp lookup, not implemented).
 */
const TABLE: Array<[number, string, number, number, Handler]> = [
  [0, 'Produce', 3, 9, data.produce],
  [1, 'Fetch', 4, 13, data.fetch],
  [2, 'ListOffsets', 1, 6, data.listOffsets],
  [3, 'Metadata', 0, 12, data.metadata],
  [8, 'OffsetCommit', 2, 9, offsets.offsetCommit],
  [9, 'OffsetFetch', 1, 9, offsets.offsetFetch],
  [10, 'FindCoordinator', 0, 5, groups.findCoordinator],
  [11, 'JoinGroup', 0, 9, groups.joinGroup],
  [12, 'Heartbeat', 0, 4, groups.heartbeat],
  [13, 'LeaveGroup', 0, 5, groups.leaveGroup],
  [14, 'SyncGroup', 0, 5, groups.syncGroup],
  [15, 'DescribeGroups', 0, 5, groups.describeGroups],
  [16, 'ListGroups', 0, 5, groups.listGroups],
  [18, 'ApiVersions', 0, 3, apiVersions],
  [19, 'CreateTopics', 2, 7, admin.createTopics],
  [20, 'DeleteTopics', 1, 6, admin.deleteTopics],
  [22, 'InitProducerId', 0, 5, data.initProducerId],
  [32, 'DescribeConfigs', 1, 4, admin.describeConfigs],
  [33, 'AlterConfigs', 0, 2, admin.alterConfigs],
  [37, 'CreatePartitions', 0, 3, admin.createPartitions],
  [42, 'DeleteGroups', 0, 2, groups.deleteGroups],
  [44, 'IncrementalAlterConfigs', 0, 1, admin.incrementalAlterConfigs],
  [68, 'ConsumerGroupHeartbeat', 0, 1, groups.consumerGroupHeartbeat],
];

/** Served APIs by key, each range clipped to what the codecs know. */
export const SERVED: ReadonlyMap<number, ServedApi> = new Map(
  TABLE.flatMap(([key, name, min, max, handle]) => {
    const codec = codecOf(key);
    if (!codec) return [];
    const minVersion = Math.max(min, codec.minVersion);
    const maxVersion = Math.min(max, codec.maxVersion);
    return minVersion <= maxVersion ? [[key, { key, name, minVersion, maxVersion, handle }] as const] : [];
  }),
);

/** The ApiVersions answer's list. */
export function apiKeys(): Array<{ apiKey: number; minVersion: number; maxVersion: number }> {
  return [...SERVED.values()].map((a) => ({ apiKey: a.key, minVersion: a.minVersion, maxVersion: a.maxVersion }));
}

/** ApiVersions: what the gateway serves. From v3 (KIP-511) the client names its software, which the connection keeps. */
function apiVersions(req: { clientSoftwareName?: string; clientSoftwareVersion?: string }, ctx: RequestContext): unknown {
  if (ctx.apiVersion >= 3 && req.clientSoftwareName) ctx.connection.clientSoftware = { name: req.clientSoftwareName, version: req.clientSoftwareVersion ?? '' };
  return { errorCode: KAFKA_ERRORS.NONE, apiKeys: apiKeys(), throttleTimeMs: 0, supportedFeatures: [], finalizedFeaturesEpoch: -1n, finalizedFeatures: [], zkMigrationReady: false };
}

/** KIP-511: an ApiVersions request of a version we do not serve gets a v0 answer with UNSUPPORTED_VERSION and our list. */
export function apiVersionsUnsupported(): unknown {
  return { errorCode: KAFKA_ERRORS.UNSUPPORTED_VERSION, apiKeys: apiKeys(), throttleTimeMs: 0 };
}

export { API_VERSIONS_KEY };
