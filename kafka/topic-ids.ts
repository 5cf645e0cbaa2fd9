/**
 * Topic id → topic, for the requests that name topics by id only (Fetch
 * v13+, Metadata and DeleteTopics by id, ConsumerGroupHeartbeat).
 *
 * Core looks topics up by name, so the gateway remembers the ids it has
 * shown (a cache, never the truth): every hit is checked against the
 * topic's current id, and a miss re-reads the topic list once.
 */
import { EddyError } from '../core/errors.js';
import type { TopicRecord } from '../core/model.js';
import { mapLimit } from '../core/util.js';
import type { KafkaCore } from './core.js';
import { topicUuid } from './handlers/util.js';

/** Resolves Kafka topic ids (uuid strings) to topics. */
export class TopicIds {
  private readonly names = new Map<string, string>();

  /** Notes a topic's id, from any answer that shows it. */
  remember(topic: TopicRecord): string {
    const id = topicUuid(topic.topicId);
    this.names.set(id, topic.name);
    return id;
  }

  /** The topic with this id now, or undefined (deleted, recreated or never existed). */
  async resolve(core: KafkaCore, id: string): Promise<TopicRecord | undefined> {
    const cached = this.names.get(id);
    if (cached) {
      const t = await this.current(core, cached);
      if (t && topicUuid(t.topicId) === id) return t;
      this.names.delete(id);
    }
    const all = await core.log.listTopics();
    const topics = await mapLimit(all, 16, (t) => this.current(core, t.name));
    let found: TopicRecord | undefined;
    for (const t of topics) {
      if (!t) continue;
      if (this.remember(t) === id) found = t;
    }
    return found;
  }

  private async current(core: KafkaCore, name: string): Promise<TopicRecord | undefined> {
    try {
      return await core.log.topic(name);
    } catch (err) {
      if (err instanceof EddyError && err.code === 'UNKNOWN_TOPIC_OR_PARTITION') return undefined;
      throw err;
    }
  }
}
