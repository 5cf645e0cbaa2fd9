/**
 * An in-memory Eddy behind the SDK's Transport interface, for unit tests that
 * need no server: topics, dense offsets, idempotent produce (docs/api.md),
 * long-poll fetch, committed offsets and KIP-848-style groups (docs/design.md §7–8).
 * It records every request and lets tests inject faults, so tests can assert
 * on what the SDK sent and in which order.
 */
import type { Transport, TransportRequest, TransportRequestOptions, TransportResponse } from '../../src/transport/types.js';
import { EddyError, ERROR_CODES, type ErrorCode } from '../../src/errors.js';

interface StoredRecord {
  offset: number;
  timestamp: number;
  key: string | null;
  value: string;
  headers: Record<string, string>;
}

interface ProducerState {
  epoch: number;
  firstSeq: number;
  lastSeq: number;
  offsets: number[];
}

interface Partition {
  records: StoredRecord[];
  logStartOffset: number;
  producers: Map<string, ProducerState>;
  waiters: Set<() => void>;
}

interface Topic {
  name: string;
  partitions: Partition[];
  maxMessageBytes: number;
}

interface Member {
  memberId: string;
  epoch: number;
  topics: string[];
  /** Last assignment returned (keys `topic\0p`). */
  returned: Set<string>;
  /** Last assignment acknowledged. */
  acked: Set<string>;
  ackedEpoch: number;
  lastHeartbeat: number;
  sessionTimeoutMs: number;
}

interface Group {
  members: Map<string, Member>;
  offsets: Map<string, number>;
}

/** A logged request with its outcome. */
export interface LoggedRequest {
  readonly request: TransportRequest;
  readonly status?: number;
  readonly body?: unknown;
  readonly error?: unknown;
  readonly at: number;
}

/** A fault hook: return a response or throw to replace normal handling; `undefined` to pass. */
export type Fault = (request: TransportRequest, apply: () => Promise<TransportResponse>) => Promise<TransportResponse> | undefined;

const key = (topic: string, p: number): string => `${topic}\u0000${p}`;
const unkey = (k: string): [string, number] => {
  const [t, p] = k.split('\u0000') as [string, string];
  return [t, Number(p)];
};

function fail(code: ErrorCode, message: string): TransportResponse {
  return { status: ERROR_CODES[code].status, body: { error: { code, message, retryable: ERROR_CODES[code].retryable } } };
}

/** The in-memory Eddy. */
export class FakeEddy implements Transport {
  readonly topics = new Map<string, Topic>();
  readonly groups = new Map<string, Group>();
  readonly log: LoggedRequest[] = [];
  /** Faults consulted in order before each request. */
  faults: Fault[] = [];
  heartbeatIntervalMs = 50;
  private nextMember = 1;

  /** Latency added to each request (ms). */
  latencyMs = 0;

  async request(req: TransportRequest, options: TransportRequestOptions): Promise<TransportResponse> {
    // Like the wire: the server only ever sees a copy of the request.
    const request = JSON.parse(JSON.stringify(req)) as TransportRequest;
    const apply = async (): Promise<TransportResponse> => {
      if (this.latencyMs > 0) await new Promise((r) => setTimeout(r, this.latencyMs));
      return this.handle(request, options.signal);
    };
    try {
      let res: TransportResponse | undefined;
      for (const f of this.faults) {
        const out = f(request, apply);
        if (out) {
          res = await out;
          break;
        }
      }
      res ??= await apply();
      this.log.push({ request, status: res.status, body: res.body, at: Date.now() });
      return res;
    } catch (error) {
      this.log.push({ request, error, at: Date.now() });
      throw error;
    }
  }

  /** Requests matching method and a path pattern. */
  requests(method: string, path: RegExp): LoggedRequest[] {
    return this.log.filter((l) => l.request.method === method && path.test(l.request.path));
  }

  /** Creates a topic directly. */
  createTopic(name: string, partitions: number, maxMessageBytes = 1_048_576): void {
    this.topics.set(name, {
      name,
      maxMessageBytes,
      partitions: Array.from({ length: partitions }, () => ({ records: [], logStartOffset: 0, producers: new Map(), waiters: new Set() })),
    });
  }

  /** Appends records directly (values as text). */
  append(topic: string, partition: number, values: string[], keyText?: string): void {
    const p = this.topics.get(topic)!.partitions[partition]!;
    for (const v of values) {
      p.records.push({
        offset: p.logStartOffset + p.records.length,
        timestamp: Date.now(),
        key: keyText === undefined ? null : Buffer.from(keyText).toString('base64'),
        value: Buffer.from(v).toString('base64'),
        headers: {},
      });
    }
    for (const w of p.waiters) w();
  }

  /** All values of a partition, decoded as text. */
  values(topic: string, partition: number): string[] {
    return this.topics.get(topic)!.partitions[partition]!.records.map((r) => Buffer.from(r.value, 'base64').toString());
  }

  /** Committed offsets of a group. */
  committed(group: string): Map<string, number> {
    return this.groups.get(group)?.offsets ?? new Map();
  }

  private async handle(req: TransportRequest, signal?: AbortSignal): Promise<TransportResponse> {
    const { method, path } = req;
    const body = (req.body ?? {}) as Record<string, unknown>;
    let m: RegExpExecArray | null;
    if (method === 'GET' && path === '/health') return { status: 200, body: { status: 'ok' } };
    if (path === '/v1/topics' && method === 'POST') return this.createTopicRoute(body);
    if (path === '/v1/topics' && method === 'GET') {
      return { status: 200, body: { topics: [...this.topics.values()].map((t) => ({ name: t.name, partitions: t.partitions.length })) } };
    }
    if ((m = /^\/v1\/topics\/([^/]+)$/.exec(path))) {
      const t = this.topics.get(decodeURIComponent(m[1]!));
      if (!t) return fail('UNKNOWN_TOPIC_OR_PARTITION', 'no such topic');
      if (method === 'GET') return { status: 200, body: this.describe(t) };
      if (method === 'DELETE') {
        this.topics.delete(t.name);
        return { status: 204, body: null };
      }
      if (method === 'PATCH') {
        const n = body.partitions as number | undefined;
        if (n !== undefined) {
          if (n < t.partitions.length) return fail('INVALID_PARTITIONS', 'cannot shrink');
          while (t.partitions.length < n) t.partitions.push({ records: [], logStartOffset: 0, producers: new Map(), waiters: new Set() });
        }
        return { status: 200, body: this.describe(t) };
      }
    }
    if ((m = /^\/v1\/topics\/([^/]+)\/records$/.exec(path)) && method === 'POST') return this.produce(decodeURIComponent(m[1]!), body);
    if ((m = /^\/v1\/topics\/([^/]+)\/partitions\/(\d+)\/records$/.exec(path)) && method === 'GET') {
      return this.fetch(decodeURIComponent(m[1]!), Number(m[2]), req.query ?? {}, signal);
    }
    if ((m = /^\/v1\/topics\/([^/]+)\/partitions\/(\d+)\/offsets$/.exec(path)) && method === 'GET') {
      const p = this.topics.get(decodeURIComponent(m[1]!))?.partitions[Number(m[2])];
      if (!p) return fail('UNKNOWN_TOPIC_OR_PARTITION', 'no such partition');
      const at = req.query?.at;
      const offset = at === 'earliest' ? p.logStartOffset : p.logStartOffset + p.records.length;
      return { status: 200, body: { partition: Number(m[2]), offset } };
    }
    if ((m = /^\/v1\/groups\/([^/]+)\/heartbeat$/.exec(path)) && method === 'POST') return this.heartbeat(decodeURIComponent(m[1]!), body);
    if ((m = /^\/v1\/groups\/([^/]+)\/offsets$/.exec(path))) {
      const group = decodeURIComponent(m[1]!);
      if (method === 'POST') return this.commit(group, body);
      const g = this.groups.get(group);
      if (!g) return fail('GROUP_NOT_FOUND', 'no such group');
      const offsets = [...g.offsets].map(([k, offset]) => {
        const [topic, partition] = unkey(k);
        const p = this.topics.get(topic)?.partitions[partition];
        const hw = p ? p.logStartOffset + p.records.length : 0;
        return { topic, partition, offset, highWatermark: hw, lag: hw - offset };
      });
      return { status: 200, body: { offsets: offsets.filter((o) => !req.query?.topic || o.topic === req.query.topic) } };
    }
    return fail('INVALID_REQUEST', `no route ${method} ${path}`);
  }

  private describe(t: Topic): unknown {
    return {
      name: t.name,
      topicId: `id-${t.name}`,
      partitions: t.partitions.length,
      config: { retentionMs: 604_800_000, retentionBytes: -1, maxMessageBytes: t.maxMessageBytes },
      partitionOffsets: t.partitions.map((p, partition) => ({ partition, logStartOffset: p.logStartOffset, highWatermark: p.logStartOffset + p.records.length, segments: 1 })),
    };
  }

  private createTopicRoute(body: Record<string, unknown>): TransportResponse {
    const name = body.name as string;
    if (this.topics.has(name)) return fail('TOPIC_ALREADY_EXISTS', 'exists');
    this.createTopic(name, (body.partitions as number | undefined) ?? 1);
    return { status: 201, body: this.describe(this.topics.get(name)!) };
  }

  private produce(topicName: string, body: Record<string, unknown>): TransportResponse {
    const t = this.topics.get(topicName);
    if (!t) return fail('UNKNOWN_TOPIC_OR_PARTITION', 'no such topic');
    const records = body.records as { key?: string | null; value: string; headers?: Record<string, string>; partition?: number; timestamp?: number }[];
    if (!Array.isArray(records) || records.length === 0) return fail('INVALID_REQUEST', 'records required');
    if (JSON.stringify(body).length > 6_000_000) return fail('MESSAGE_TOO_LARGE', 'body too large');
    const encoding = (body.encoding as string | undefined) ?? 'base64';
    const toB64 = (s: string): string => (encoding === 'base64' ? s : Buffer.from(s).toString('base64'));
    const byPartition = new Map<number, number[]>();
    let rr = 0;
    records.forEach((r, i) => {
      const p = r.partition ?? rr++ % t.partitions.length;
      byPartition.set(p, [...(byPartition.get(p) ?? []), i]);
    });
    for (const p of byPartition.keys()) if (p < 0 || p >= t.partitions.length) return fail('UNKNOWN_TOPIC_OR_PARTITION', `no partition ${p}`);
    for (const r of records) if (Buffer.from(r.value, 'base64').length > t.maxMessageBytes) return fail('MESSAGE_TOO_LARGE', 'record too large');
    const producerId = body.producerId as string | undefined;
    const epoch = (body.producerEpoch as number | undefined) ?? 0;
    const sequences = (body.sequences ?? {}) as Record<string, number>;
    const results: { partition: number; offset: number }[] = new Array(records.length);
    // Validate all partitions' sequences before applying anything.
    const plan: { p: number; idx: number[]; duplicate?: number[] }[] = [];
    for (const [p, idx] of byPartition) {
      if (producerId === undefined) {
        plan.push({ p, idx });
        continue;
      }
      const first = sequences[String(p)];
      if (first === undefined) return fail('INVALID_REQUEST', `missing sequence for ${p}`);
      const st = t.partitions[p]!.producers.get(producerId);
      const last = first + idx.length - 1;
      if (st && epoch < st.epoch) return fail('PRODUCER_FENCED', 'producer fenced');
      if (st && epoch === st.epoch) {
        if (first === st.firstSeq && last === st.lastSeq) {
          plan.push({ p, idx, duplicate: st.offsets });
          continue;
        }
        if (first !== st.lastSeq + 1) return fail('OUT_OF_ORDER_SEQUENCE', `out of order sequence: got ${first}, expected ${st.lastSeq + 1}`);
      } else if (first !== 0) {
        return fail('OUT_OF_ORDER_SEQUENCE', `out of order sequence: new epoch must start at 0, got ${first}`);
      }
      plan.push({ p, idx });
    }
    for (const { p, idx, duplicate } of plan) {
      const part = t.partitions[p]!;
      if (duplicate) {
        idx.forEach((i, j) => (results[i] = { partition: p, offset: duplicate[j]! }));
        continue;
      }
      const offsets: number[] = [];
      for (const i of idx) {
        const r = records[i]!;
        const offset = part.logStartOffset + part.records.length;
        part.records.push({
          offset,
          timestamp: r.timestamp ?? Date.now(),
          key: r.key === undefined || r.key === null ? null : toB64(r.key),
          value: toB64(r.value),
          headers: Object.fromEntries(Object.entries(r.headers ?? {}).map(([k, v]) => [k, toB64(v)])),
        });
        offsets.push(offset);
        results[i] = { partition: p, offset };
      }
      if (producerId !== undefined) {
        const first = sequences[String(p)]!;
        part.producers.set(producerId, { epoch, firstSeq: first, lastSeq: first + idx.length - 1, offsets });
      }
      for (const w of part.waiters) w();
    }
    return { status: 200, body: { results } };
  }

  private async fetch(topicName: string, partition: number, query: Readonly<Record<string, string>>, signal?: AbortSignal): Promise<TransportResponse> {
    const p = this.topics.get(topicName)?.partitions[partition];
    if (!p) return fail('UNKNOWN_TOPIC_OR_PARTITION', 'no such partition');
    const offset = Number(query.offset);
    const hw = (): number => p.logStartOffset + p.records.length;
    if (offset < p.logStartOffset || offset > hw()) return fail('OFFSET_OUT_OF_RANGE', `offset ${offset} not in [${p.logStartOffset}, ${hw()}]`);
    const waitMs = Number(query.waitMs ?? 0);
    if (offset === hw() && waitMs > 0) {
      await new Promise<void>((resolve) => {
        const done = (): void => {
          clearTimeout(timer);
          p.waiters.delete(done);
          signal?.removeEventListener('abort', done);
          resolve();
        };
        const timer = setTimeout(done, waitMs);
        p.waiters.add(done);
        signal?.addEventListener('abort', done);
      });
      if (signal?.aborted) throw signal.reason;
    }
    const max = Number(query.maxRecords ?? 500);
    const records = p.records.slice(offset - p.logStartOffset, offset - p.logStartOffset + max);
    return {
      status: 200,
      body: { records, nextOffset: offset + records.length, highWatermark: hw(), logStartOffset: p.logStartOffset },
    };
  }

  private group(name: string): Group {
    let g = this.groups.get(name);
    if (!g) {
      g = { members: new Map(), offsets: new Map() };
      this.groups.set(name, g);
    }
    return g;
  }

  private expire(g: Group): void {
    const now = Date.now();
    for (const [id, m] of g.members) if (now - m.lastHeartbeat > m.sessionTimeoutMs) g.members.delete(id);
  }

  /** Round-robin target over members sorted by id; a partition is handed over only once no other member holds it. */
  private assign(g: Group): void {
    const members = [...g.members.values()].sort((a, b) => a.memberId.localeCompare(b.memberId));
    const desired = new Map<string, Set<string>>(members.map((m) => [m.memberId, new Set()]));
    const topics = [...new Set(members.flatMap((m) => m.topics))].sort();
    for (const topic of topics) {
      const subs = members.filter((m) => m.topics.includes(topic));
      const n = this.topics.get(topic)?.partitions.length ?? 0;
      for (let p = 0; p < n; p++) desired.get(subs[p % subs.length]!.memberId)!.add(key(topic, p));
    }
    for (const m of members) {
      const want = desired.get(m.memberId)!;
      const next = new Set<string>();
      for (const k of want) {
        const heldElsewhere = members.some((o) => o !== m && (o.acked.has(k) || o.returned.has(k)));
        if (!heldElsewhere) next.add(k);
      }
      if (m.epoch === 0 || !sameSet(next, m.returned)) {
        m.returned = next;
        m.epoch++;
      }
    }
  }

  private heartbeat(groupName: string, body: Record<string, unknown>): TransportResponse {
    const g = this.group(groupName);
    this.expire(g);
    const memberEpoch = body.memberEpoch as number;
    let memberId = body.memberId as string | undefined;
    if (memberEpoch === -1) {
      if (memberId) g.members.delete(memberId);
      this.assign(g);
      return { status: 200, body: { memberId, memberEpoch: -1, heartbeatIntervalMs: this.heartbeatIntervalMs, assignment: [] } };
    }
    let m: Member | undefined;
    const fresh = (id: string): Member => ({ memberId: id, epoch: 0, topics: [], returned: new Set(), acked: new Set(), ackedEpoch: 0, lastHeartbeat: 0, sessionTimeoutMs: 45_000 });
    if (memberEpoch === 0) {
      // Join, or rejoin owning nothing under a known id.
      if (memberId !== undefined && !g.members.has(memberId)) return fail('UNKNOWN_MEMBER_ID', `unknown member ${memberId}`);
      memberId ??= `m-${this.nextMember++}`;
      m = fresh(memberId);
      g.members.set(memberId, m);
    } else {
      m = memberId ? g.members.get(memberId) : undefined;
      if (!m) return fail('UNKNOWN_MEMBER_ID', `unknown member ${memberId}`);
      if (memberEpoch === m.epoch) {
        m.acked = new Set(m.returned);
        m.ackedEpoch = m.epoch;
      } else if (memberEpoch !== m.ackedEpoch || m.ackedEpoch === m.epoch) {
        return fail('STALE_MEMBER_EPOCH', `epoch ${memberEpoch}, current ${m.epoch}`);
      }
    }
    m.topics = (body.topics as string[]) ?? [];
    m.sessionTimeoutMs = (body.sessionTimeoutMs as number | undefined) ?? 45_000;
    m.lastHeartbeat = Date.now();
    this.assign(g);
    return {
      status: 200,
      body: { memberId: m.memberId, memberEpoch: m.epoch, heartbeatIntervalMs: this.heartbeatIntervalMs, assignment: toAssignment(m.returned) },
    };
  }

  private commit(groupName: string, body: Record<string, unknown>): TransportResponse {
    const g = this.group(groupName);
    this.expire(g);
    const memberId = body.memberId as string | undefined;
    if (memberId === undefined) {
      if (g.members.size > 0) return fail('NON_EMPTY_GROUP', 'group has live members');
    } else {
      const m = g.members.get(memberId);
      if (!m) return fail('UNKNOWN_MEMBER_ID', `unknown member ${memberId}`);
      if (body.memberEpoch !== m.epoch) return fail('STALE_MEMBER_EPOCH', `epoch ${String(body.memberEpoch)}, current ${m.epoch}`);
    }
    const offsets = body.offsets as { topic: string; partition: number; offset: number }[];
    for (const o of offsets) g.offsets.set(key(o.topic, o.partition), o.offset);
    return { status: 200, body: { offsets: offsets.map(({ topic, partition, offset }) => ({ topic, partition, offset })) } };
  }
}

function sameSet(a: Set<string>, b: Set<string>): boolean {
  return a.size === b.size && [...a].every((x) => b.has(x));
}

function toAssignment(keys: Set<string>): { topic: string; partitions: number[] }[] {
  const map = new Map<string, number[]>();
  for (const k of keys) {
    const [t, p] = unkey(k);
    map.set(t, [...(map.get(t) ?? []), p]);
  }
  return [...map].map(([topic, partitions]) => ({ topic, partitions: partitions.sort((a, b) => a - b) }));
}

/** A fault that lets the request apply, then fails as a lost response would. */
export function loseResponse(match: (r: TransportRequest) => boolean, times = 1): Fault {
  let left = times;
  return (request, apply) => {
    if (left <= 0 || !match(request)) return undefined;
    left--;
    return apply().then(() => {
      throw new EddyError('UNKNOWN_OUTCOME', 'injected: response lost after the request applied');
    });
  };
}

/** A fault answering with an error code without applying the request. */
export function failWith(code: ErrorCode, match: (r: TransportRequest) => boolean, times = 1): Fault {
  let left = times;
  return (request) => {
    if (left <= 0 || !match(request)) return undefined;
    left--;
    return Promise.resolve(fail(code, `injected ${code}`));
  };
}
