/**
 * Where things live: every S3 key and DynamoDB key Eddy builds, in one place.
 *
 * ```
 * S3 (bucket EDDY_BUCKET)
 *   ingest/<topicId>/<uniqueId>.eddy                          one per produce request, a chunk per partition
 *   segments/<topicId>/<partition:5>/<baseOffset:20>-<uniqueId>.eddy   one per compaction of a partition
 *   gc/<markedAt:20>-<uniqueId>.json                           GC marks: unreferenced objects and since when (core/maintenance/gc.ts)
 *
 * DynamoDB
 *   topics table   pk = "t#<name>"                             TopicRecord
 *                  pk = "x#<topicId>"                          TopicTombstone (deleted, not yet reclaimed)
 *                  pk = "c#producer-ids", n = <last allocated>  counter of int64 producer ids (Kafka InitProducerId)
 *   log table      pk = "<topicId>#<partition:5>", sk = "<baseOffset:20>"   IndexEntry
 *   groups table   pk = "<group>", sk = "meta"                 GroupRecord
 *                  pk = "<group>", sk = "o#<topic>#<partition:5>"   CommittedOffset
 * ```
 * Numbers are zero-padded (`:20` = 20 digits) so text order equals numeric order.
 * The prefixes `t#`, `x#`, `c#`, `o#` are persisted: never change them.
 */
import { OBJECT_PREFIXES } from './schema.js';

/** Zero-pads a non-negative integer to `width` digits. */
export function pad(n: number, width: number): string {
  return String(n).padStart(width, '0');
}

/** Key of the object written by one produce request. */
export function ingestKey(topicId: string, unique: string): string {
  return `${OBJECT_PREFIXES.ingest}${topicId}/${unique}.eddy`;
}

/** Key of a compacted segment of one partition. */
export function segmentKey(topicId: string, partition: number, baseOffset: number, unique: string): string {
  return `${OBJECT_PREFIXES.segments}${topicId}/${pad(partition, 5)}/${pad(baseOffset, 20)}-${unique}.eddy`;
}

/** Prefixes holding every object of a topic (what topic deletion reclaims). */
export function topicObjectPrefixes(topicId: string): string[] {
  return [`${OBJECT_PREFIXES.ingest}${topicId}/`, `${OBJECT_PREFIXES.segments}${topicId}/`];
}

/** The topic id an `ingest/` or `segments/` object belongs to; undefined for any other key. */
export function objectTopicId(key: string): string | undefined {
  for (const prefix of [OBJECT_PREFIXES.ingest, OBJECT_PREFIXES.segments]) {
    if (!key.startsWith(prefix)) continue;
    const slash = key.indexOf('/', prefix.length);
    return slash > prefix.length ? key.slice(prefix.length, slash) : undefined;
  }
  return undefined;
}

/** Key of one GC marks object written at `markedAt` (ms); text order is time order. */
export function gcMarksKey(markedAt: number, unique: string): string {
  return `${OBJECT_PREFIXES.gc}${pad(markedAt, 20)}-${unique}.json`;
}

/** DynamoDB key of a topic record. */
export const topicPk = (name: string): string => `t#${name}`;
/** DynamoDB key of a topic tombstone. */
export const tombstonePk = (topicId: string): string => `x#${topicId}`;
/** Key of the producer-id counter in the topics table. */
export const PRODUCER_ID_COUNTER_PK = 'c#producer-ids';
/** What every offset counter's partition key starts with (the reserve protocol's IAM grant names it). */
export const COUNTER_PK_PREFIX = 'n#';
/** Key of a partition's offset counter in the topics table (docs/design.md §3). */
export const counterPk = (topicId: string, partition: number): string => `${COUNTER_PK_PREFIX}${topicId}#${pad(partition, 5)}`;
/** Partition key of a partition's index. */
export const logPk = (topicId: string, partition: number): string => `${topicId}#${pad(partition, 5)}`;
/** Sort key of an index entry. */
export const logSk = (baseOffset: number): string => pad(baseOffset, 20);
/** Sort key of a group's state item. */
export const GROUP_META_SK = 'meta';
/** Sort key prefix of committed offsets. */
export const OFFSET_SK_PREFIX = 'o#';
/** Sort key of one committed offset. */
export const offsetSk = (topic: string, partition: number): string => `${OFFSET_SK_PREFIX}${topic}#${pad(partition, 5)}`;
