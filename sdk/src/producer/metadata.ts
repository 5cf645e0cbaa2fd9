/**
 * Topic metadata cache for the producer: partition count and record size
 * limit from `describeTopic`. Entries older than `maxAgeMs` are refreshed in
 * the background while still in use; `invalidate` (after
 * `UNKNOWN_TOPIC_OR_PARTITION`) forces the next lookup to ask the server.
 */
import type { EddyApi } from '../types.js';

/** What the producer needs to know about a topic. */
export interface TopicMetadata {
  /** Partition count. */
  readonly partitions: number;
  /** Largest accepted record (key + value + headers). */
  readonly maxMessageBytes: number;
  /** When this was fetched (ms). */
  readonly fetchedAt: number;
}

/** Caches topic metadata, deduplicating concurrent lookups. */
export class MetadataCache {
  private readonly entries = new Map<string, TopicMetadata>();
  private readonly inflight = new Map<string, Promise<TopicMetadata>>();

  /**
   * @param client - used for `describeTopic`.
   * @param maxAgeMs - age after which an entry is refreshed in the background.
   */
  constructor(
    private readonly client: EddyApi,
    private readonly maxAgeMs: number,
  ) {}

  /** The cached entry, if any (triggers a background refresh when stale). */
  peek(topic: string): TopicMetadata | undefined {
    const entry = this.entries.get(topic);
    if (entry && Date.now() - entry.fetchedAt > this.maxAgeMs) this.refresh(topic).catch(() => undefined);
    return entry;
  }

  /** The entry, fetching it when absent. */
  async get(topic: string): Promise<TopicMetadata> {
    return this.peek(topic) ?? this.refresh(topic);
  }

  /** Drops the entry so the next lookup asks the server. */
  invalidate(topic: string): void {
    this.entries.delete(topic);
  }

  /** Fetches the entry now (joins a lookup already in flight). */
  refresh(topic: string): Promise<TopicMetadata> {
    let p = this.inflight.get(topic);
    if (!p) {
      p = this.client
        .describeTopic({ topic })
        .then((d) => {
          const entry = { partitions: d.partitions, maxMessageBytes: d.config?.maxMessageBytes ?? 1_048_576, fetchedAt: Date.now() };
          this.entries.set(topic, entry);
          return entry;
        })
        .finally(() => this.inflight.delete(topic));
      this.inflight.set(topic, p);
    }
    return p;
  }
}
