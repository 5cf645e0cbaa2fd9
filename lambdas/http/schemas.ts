/**
 * Request schemas of HTTP API v1 (docs/design.md §8), one per route part. The
 * handlers validate with these and `GET /v1/openapi.json` is generated from
 * them, so the document cannot drift from what the handlers accept.
 */
import * as z from 'zod';
import { ENCODINGS } from './encoding.js';

const int = (what: string) => z.number({ error: `${what} must be a number` }).int(`${what} must be an integer`);
/** A non-negative integer carried in a query string or path. */
const queryInt = (what: string) =>
  z
    // A missing parameter says so, instead of zod's "expected string, received undefined".
    .string({ error: (issue) => (issue.input === undefined ? `${what} is required (a non-negative integer)` : `${what} must be a non-negative integer`) })
    .regex(/^\d{1,16}$/, `${what} must be a non-negative integer`)
    .transform(Number)
    .refine((n) => Number.isSafeInteger(n), `${what} is too large`);

export const topicName = z.string().describe('topic name: 1-249 of [a-zA-Z0-9._-], not "." or ".."');
export const groupName = z.string().min(1).max(249).describe('consumer group id: 1-249 characters');

export const topicConfig = z
  .object({
    retentionMs: int('config.retentionMs').optional().describe('ms to keep records; -1 forever. Default 604800000'),
    retentionBytes: int('config.retentionBytes').optional().describe('bytes to keep per partition; -1 unlimited (default)'),
    maxMessageBytes: int('config.maxMessageBytes').optional().describe('largest record in bytes; default 1048576 (1 MiB), at most 8388608 (8 MiB); over HTTP a record must also fit the 6 MiB request body'),
  })
  .strict();

export const createTopicBody = z
  .object({ name: topicName, partitions: int('partitions').optional().describe('1-1000, default 1'), config: topicConfig.optional() })
  .strict();

export const alterTopicBody = z.object({ partitions: int('partitions').optional().describe('may only grow'), config: topicConfig.optional() }).strict();

export const encoding = z.enum(ENCODINGS, { error: `encoding must be one of ${ENCODINGS.join(', ')}` });

export const produceRecord = z
  .object({
    key: z.unknown().optional().describe('string (per encoding) or null'),
    value: z.unknown().describe('string per encoding (or null); any JSON value under encoding=json'),
    headers: z.record(z.string(), z.unknown()).optional().describe('header name → value string (per encoding)'),
    partition: int('partition').optional(),
    timestamp: int('timestamp').optional().describe('create time in ms; default the append time'),
  })
  .strict();

export const produceBody = z
  .object({
    encoding: encoding.optional(),
    records: z.array(produceRecord).describe('at least one record'),
    producerId: z.string().regex(/^[A-Za-z0-9._-]{1,64}$/, 'producerId must be 1-64 of [A-Za-z0-9._-]').optional(),
    producerEpoch: int('producerEpoch').min(0, 'producerEpoch must be >= 0').optional(),
    sequences: z.record(z.string().regex(/^\d+$/, 'sequences keys must be partition numbers'), int('sequence').min(0)).optional(),
  })
  .strict();

export const fetchQuery = z
  .object({
    offset: queryInt('offset'),
    maxRecords: queryInt('maxRecords').optional(),
    maxBytes: queryInt('maxBytes').optional(),
    waitMs: queryInt('waitMs').optional(),
    encoding: encoding.optional(),
  })
  .strict();

export const offsetsQuery = z.object({ at: z.string().regex(/^(earliest|latest|\d{1,16})$/, 'at must be earliest, latest or a timestamp in ms') }).strict();

export const heartbeatBody = z
  .object({
    memberId: z.string().min(1).max(200).optional(),
    memberEpoch: int('memberEpoch').min(-1, 'memberEpoch must be >= -1'),
    topics: z.array(z.string()).max(1000).describe('subscribed topic names'),
    sessionTimeoutMs: int('sessionTimeoutMs').optional().describe('default 45000, minimum 1000'),
  })
  .strict();

export const commitBody = z
  .object({
    memberId: z.string().min(1).max(200).optional(),
    memberEpoch: int('memberEpoch').optional(),
    offsets: z
      .array(z.object({ topic: z.string(), partition: int('partition').min(0), offset: int('offset').min(0), metadata: z.string().max(4096).optional() }).strict())
      .min(1, 'offsets must not be empty')
      .max(10_000),
  })
  .strict();

export const groupOffsetsQuery = z.object({ topic: z.string().optional() }).strict();

export const resetBody = z
  .object({
    topic: z.string(),
    to: z.union([
      z.enum(['earliest', 'latest']),
      z.object({ timestamp: int('to.timestamp').min(0) }).strict(),
      z.object({ offset: int('to.offset').min(0) }).strict(),
    ]),
  })
  .strict();

export const emptyQuery = z.object({}).strict();
