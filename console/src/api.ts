/**
 * The console's only way to Eddy: HTTP API v1 on the same origin (the local
 * host, or `eddy console`'s signing proxy). Errors keep the API's code and
 * message exactly as they came, so the page can show them as they are.
 */

/** Retention and size settings of a topic. */
export interface TopicConfig {
  retentionMs: number;
  retentionBytes: number;
  maxMessageBytes: number;
}

/** One partition's bounds. */
export interface PartitionOffsets {
  partition: number;
  logStartOffset: number;
  highWatermark: number;
  segments?: number;
}

/** `GET /v1/topics/{topic}`. */
export interface TopicDescription {
  name: string;
  topicId?: string;
  partitions: number;
  config: TopicConfig;
  partitionOffsets: PartitionOffsets[];
}

/** One record as fetched with `encoding=base64`. */
export interface FetchedRecord {
  offset: number;
  timestamp: number;
  key: string | null;
  value: string | null;
  headers: Record<string, string | null>;
}

/** `GET …/records`. */
export interface FetchResult {
  records: FetchedRecord[];
  nextOffset: number;
  highWatermark: number;
  logStartOffset: number;
}

/** A row of `GET /v1/groups`. */
export interface GroupSummary {
  group: string;
  state: string;
  members: number;
}

/** A member in `GET /v1/groups/{group}`. */
export interface GroupMember {
  memberId: string;
  memberEpoch: number;
  topics: string[];
  assignment: Array<{ topic: string; partitions: number[] }>;
  sessionTimeoutMs: number;
  lastHeartbeatMs: number;
}

/** A committed offset with its lag. */
export interface GroupOffset {
  topic: string;
  partition: number;
  offset: number;
  highWatermark: number;
  lag: number;
  memberId?: string;
}

/** `GET /v1/groups/{group}`. */
export interface GroupDescription {
  group: string;
  state: string;
  members: GroupMember[];
  offsets: GroupOffset[];
}

/** Where a reset moves a group. */
export type ResetTarget = 'earliest' | 'latest' | { timestamp: number } | { offset: number };

/** An answer that was not a success: the API's own code and message, or a network failure. */
export class ApiError extends Error {
  constructor(
    /** HTTP status; 0 when nothing answered. */
    readonly status: number,
    /** The API's error code, e.g. `TOPIC_ALREADY_EXISTS`. */
    readonly code: string,
    message: string,
  ) {
    super(message);
  }
}

const seg = encodeURIComponent;

async function call<T>(method: string, path: string, body?: unknown, signal?: AbortSignal): Promise<T> {
  let res: Response;
  try {
    res = await fetch(path, {
      method,
      headers: body === undefined ? { accept: 'application/json' } : { accept: 'application/json', 'content-type': 'application/json' },
      ...(body === undefined ? {} : { body: JSON.stringify(body) }),
      ...(signal ? { signal } : {}),
    });
  } catch (err) {
    if (signal?.aborted) throw err;
    throw new ApiError(0, 'NETWORK', `cannot reach ${location.origin}: ${(err as Error).message}`);
  }
  const text = await res.text();
  let parsed: unknown;
  try {
    parsed = text ? JSON.parse(text) : null;
  } catch {
    parsed = text;
  }
  if (!res.ok) {
    const e = (parsed as { error?: { code?: string; message?: string } } | null)?.error;
    if (e?.code) throw new ApiError(res.status, e.code, e.message ?? '');
    throw new ApiError(res.status, `HTTP ${res.status}`, typeof parsed === 'string' ? parsed : JSON.stringify(parsed));
  }
  return parsed as T;
}

/** Every route the console uses (the same ones the CLI uses). */
export const api = {
  listTopics: () => call<{ topics: Array<{ name: string; partitions: number }> }>('GET', '/v1/topics'),
  describeTopic: (topic: string) => call<TopicDescription>('GET', `/v1/topics/${seg(topic)}`),
  createTopic: (body: { name: string; partitions: number; config?: Partial<TopicConfig> }) => call<TopicDescription>('POST', '/v1/topics', body),
  alterTopic: (topic: string, body: { partitions?: number; config?: Partial<TopicConfig> }) => call<TopicDescription>('PATCH', `/v1/topics/${seg(topic)}`, body),
  deleteTopic: (topic: string) => call<null>('DELETE', `/v1/topics/${seg(topic)}`),
  produce: (topic: string, record: { key?: string; value: string; headers?: Record<string, string>; partition?: number }) =>
    call<{ results: Array<{ partition: number; offset: number }> }>('POST', `/v1/topics/${seg(topic)}/records`, { encoding: 'utf8', records: [record] }),
  fetch: (topic: string, partition: number, offset: number, maxRecords: number, waitMs = 0, signal?: AbortSignal) =>
    call<FetchResult>('GET', `/v1/topics/${seg(topic)}/partitions/${partition}/records?offset=${offset}&maxRecords=${maxRecords}&waitMs=${waitMs}&encoding=base64`, undefined, signal),
  offsetAt: (topic: string, partition: number, at: 'earliest' | 'latest' | number) =>
    call<{ partition: number; offset: number; timestamp?: number }>('GET', `/v1/topics/${seg(topic)}/partitions/${partition}/offsets?at=${at}`),
  listGroups: () => call<{ groups: GroupSummary[] }>('GET', '/v1/groups'),
  describeGroup: (group: string) => call<GroupDescription>('GET', `/v1/groups/${seg(group)}`),
  deleteGroup: (group: string) => call<null>('DELETE', `/v1/groups/${seg(group)}`),
  resetOffsets: (group: string, topic: string, to: ResetTarget) =>
    call<{ offsets: Array<{ topic: string; partition: number; offset: number }> }>('POST', `/v1/groups/${seg(group)}/offsets/reset`, { topic, to }),
};

/** Runs `fn` over `items` with at most `limit` calls in flight, keeping order. */
export async function mapLimit<T, R>(items: readonly T[], limit: number, fn: (item: T) => Promise<R>): Promise<R[]> {
  const out: R[] = new Array<R>(items.length);
  let next = 0;
  const worker = async (): Promise<void> => {
    while (next < items.length) {
      const i = next++;
      out[i] = await fn(items[i]!);
    }
  };
  await Promise.all(Array.from({ length: Math.min(limit, items.length) }, worker));
  return out;
}
