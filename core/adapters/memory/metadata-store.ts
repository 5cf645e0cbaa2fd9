/** An in-memory {@link MetadataStore} with the same conditional semantics as the DynamoDB adapter. */
import { EddyError } from '../../errors.js';
import type { CommittedOffset, GroupRecord, IndexEntry, PartitionCounter, ProducerState, TopicRecord, TopicTombstone } from '../../model.js';
import type { MetadataStore, ReservationProducer } from '../../ports.js';

const sameState = (a: ProducerState | undefined, b: ProducerState | undefined): boolean =>
  a === undefined || b === undefined ? a === b : a.epoch === b.epoch && a.firstSequence === b.firstSequence && a.lastSequence === b.lastSequence && a.baseOffset === b.baseOffset;

const clone = <T>(v: T): T => structuredClone(v);

function sameEntry(a: IndexEntry, b: IndexEntry): boolean {
  return a.baseOffset === b.baseOffset && a.lastOffset === b.lastOffset && a.objectKey === b.objectKey && a.appendedAt === b.appendedAt;
}

/** Maps keyed like the DynamoDB tables; every read returns a copy. */
/** What a deleted topic's counter becomes (MetadataStore.fenceCounter). */
const FENCE = Symbol('fenced counter');

export class MemoryMetadataStore implements MetadataStore {
  private readonly topics = new Map<string, TopicRecord>();
  private readonly tombstones = new Map<string, TopicTombstone>();
  /** `<topicId>#<partition>` → entries sorted by base offset. */
  private readonly logs = new Map<string, IndexEntry[]>();
  private readonly groups = new Map<string, GroupRecord>();
  private readonly offsets = new Map<string, Map<string, CommittedOffset>>();
  private producerIds = 0n;
  /** `<topicId>#<partition>` → offset counter, or `FENCE` once the topic is deleted. */
  private readonly counters = new Map<string, PartitionCounter | typeof FENCE>();

  async readCounter(topicId: string, partition: number): Promise<PartitionCounter | undefined> {
    const c = this.counters.get(`${topicId}#${partition}`);
    return c === undefined || c === FENCE ? undefined : clone(c);
  }

  async createCounter(topicId: string, partition: number, counter: PartitionCounter): Promise<boolean> {
    const k = `${topicId}#${partition}`;
    if (this.counters.has(k)) return false;
    this.counters.set(k, clone(counter));
    return true;
  }

  async reserveOffsets(topicId: string, partition: number, count: number, producer?: ReservationProducer): Promise<number | undefined> {
    const k = `${topicId}#${partition}`;
    const c = this.counters.get(k);
    if (c === undefined || c === FENCE) return undefined;
    const base = c.next;
    const producers = { ...c.producers };
    if (producer) {
      if (!sameState(producers[producer.producerId], producer.expected)) return undefined;
      for (const id of producer.evict) if (id !== producer.producerId) delete producers[id];
      producers[producer.producerId] = { ...producer.state, baseOffset: base };
    }
    this.counters.set(k, { next: base + count, producers });
    return base;
  }

  async raiseCounter(topicId: string, partition: number, from: number, counter: PartitionCounter): Promise<boolean> {
    const k = `${topicId}#${partition}`;
    const c = this.counters.get(k);
    if (c === undefined || c === FENCE || c.next !== from || from >= counter.next) return false;
    this.counters.set(k, clone(counter));
    return true;
  }

  async deleteCounter(topicId: string, partition: number): Promise<void> {
    this.counters.delete(`${topicId}#${partition}`);
  }

  async fenceCounter(topicId: string, partition: number): Promise<void> {
    this.counters.set(`${topicId}#${partition}`, FENCE);
  }

  async allocateProducerId(): Promise<bigint> {
    return ++this.producerIds;
  }

  async createTopic(topic: TopicRecord): Promise<void> {
    if (this.topics.has(topic.name)) throw new EddyError('TOPIC_ALREADY_EXISTS', `topic ${topic.name} already exists`);
    this.topics.set(topic.name, clone(topic));
  }

  async updateTopic(topic: TopicRecord): Promise<boolean> {
    const cur = this.topics.get(topic.name);
    if (!cur || cur.version !== topic.version - 1 || cur.topicId !== topic.topicId) return false;
    this.topics.set(topic.name, clone(topic));
    return true;
  }

  async getTopic(name: string): Promise<TopicRecord | undefined> {
    const t = this.topics.get(name);
    return t && clone(t);
  }

  async listTopics(): Promise<TopicRecord[]> {
    return [...this.topics.values()].map(clone);
  }

  async deleteTopic(topic: TopicRecord, tombstone: TopicTombstone): Promise<boolean> {
    const cur = this.topics.get(topic.name);
    if (!cur || cur.version !== topic.version || cur.topicId !== topic.topicId) return false;
    this.tombstones.set(tombstone.topicId, clone(tombstone));
    this.topics.delete(topic.name);
    return true;
  }

  async listTombstones(): Promise<TopicTombstone[]> {
    return [...this.tombstones.values()].map(clone);
  }

  async removeTombstone(topicId: string): Promise<void> {
    this.tombstones.delete(topicId);
  }

  private log(topicId: string, partition: number): IndexEntry[] {
    const k = `${topicId}#${partition}`;
    let l = this.logs.get(k);
    if (!l) this.logs.set(k, (l = []));
    return l;
  }

  async headEntry(topicId: string, partition: number): Promise<IndexEntry | undefined> {
    const l = this.log(topicId, partition);
    const e = l[l.length - 1];
    return e && clone(e);
  }

  async firstEntry(topicId: string, partition: number): Promise<IndexEntry | undefined> {
    const e = this.log(topicId, partition)[0];
    return e && clone(e);
  }

  async appendEntry(entry: IndexEntry): Promise<boolean> {
    const l = this.log(entry.topicId, entry.partition);
    if (l.some((e) => e.baseOffset === entry.baseOffset)) return false;
    l.push(clone(entry));
    l.sort((a, b) => a.baseOffset - b.baseOffset);
    return true;
  }

  async entriesFrom(topicId: string, partition: number, offset: number, limit: number): Promise<IndexEntry[]> {
    const l = this.log(topicId, partition);
    let start = 0;
    for (let i = 0; i < l.length; i++) if (l[i]!.baseOffset <= offset) start = i;
    return l.slice(start, start + limit).map(clone);
  }

  async entriesBefore(topicId: string, partition: number, before: number, limit: number): Promise<IndexEntry[]> {
    return this.log(topicId, partition)
      .filter((e) => e.baseOffset < before)
      .reverse()
      .slice(0, limit)
      .map(clone);
  }

  async countSegments(topicId: string, partition: number): Promise<number> {
    return this.log(topicId, partition).filter((e) => e.objectKey !== null).length;
  }

  async *listEntries(topicId: string, partition: number): AsyncIterable<IndexEntry> {
    for (const e of [...this.log(topicId, partition)]) yield clone(e);
  }

  async replaceEntry(prev: IndexEntry, next: IndexEntry): Promise<boolean> {
    const l = this.log(prev.topicId, prev.partition);
    const i = l.findIndex((e) => e.baseOffset === prev.baseOffset);
    if (i < 0 || !sameEntry(l[i]!, prev) || next.baseOffset !== prev.baseOffset) return false;
    l[i] = clone(next);
    return true;
  }

  async deleteEntry(entry: IndexEntry): Promise<boolean> {
    const l = this.log(entry.topicId, entry.partition);
    const i = l.findIndex((e) => e.baseOffset === entry.baseOffset);
    if (i < 0 || !sameEntry(l[i]!, entry)) return false;
    l.splice(i, 1);
    return true;
  }

  async getGroup(group: string): Promise<GroupRecord | undefined> {
    const g = this.groups.get(group);
    return g && clone(g);
  }

  async saveGroup(record: GroupRecord): Promise<boolean> {
    const cur = this.groups.get(record.group);
    if (record.version === 1 ? cur !== undefined : cur?.version !== record.version - 1) return false;
    this.groups.set(record.group, clone(record));
    return true;
  }

  async deleteGroup(group: string, version: number): Promise<boolean> {
    const cur = this.groups.get(group);
    if (!cur || cur.version !== version) return false;
    this.groups.delete(group);
    return true;
  }

  async listGroups(): Promise<GroupRecord[]> {
    return [...this.groups.values()].map(clone);
  }

  async readOffsets(group: string): Promise<CommittedOffset[]> {
    return [...(this.offsets.get(group)?.values() ?? [])].map(clone);
  }

  async commitOffset(group: string, offset: CommittedOffset): Promise<boolean> {
    let m = this.offsets.get(group);
    if (!m) this.offsets.set(group, (m = new Map()));
    const k = `${offset.topic}#${offset.partition}`;
    const cur = m.get(k);
    if (cur && cur.fence > offset.fence) return false;
    m.set(k, clone(offset));
    return true;
  }

  async deleteOffsets(group: string): Promise<void> {
    this.offsets.delete(group);
  }
}
