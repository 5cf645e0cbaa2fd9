/**
 * The history checker: Jepsen's queue and Kafka checks, for Eddy, over a
 * {@link History} alone.
 *
 * Ground truth is the final `read-all` of every partition (after faults
 * stopped); consumers' polls and producers' acknowledgements are checked
 * against it and against each other. What each anomaly means:
 *
 * | anomaly | meaning | what it would break |
 * |---|---|---|
 * | lost | a send was acknowledged, the value is not in the log | "an ack means durable" |
 * | duplicated | one value at two offsets (log or polls) | idempotent produce |
 * | inconsistentOffsets | two values at one offset (acks, polls, log) | offsets are unique and stable |
 * | reordered | a producer's values out of send order in a partition | per-partition order |
 * | abortedReads | a value whose send definitely failed is read | "`fail` means nothing was applied" |
 * | unseen | a value in the log never reached the group, after the drain | at-least-once consumption |
 * | gaps | an offset missing between log start and high watermark | dense offsets |
 * | pollSkips | a consumer jumped over offsets while owning a partition | consumers see every record |
 * | nonmonotonicPolls | a consumer went backwards while owning a partition | in-order delivery |
 * | commitAhead | a commit covered offsets nobody had been handed yet | commits only what was processed |
 * | unexpected | a value read that nobody sent | no garbage |
 *
 * Values seen more than once by the group (redeliveries) are allowed —
 * delivery is at least once — and only counted.
 */
import { parseValue, type HistoryEvent, type ReadAllEvent } from './history.js';

/** Where a value was seen. */
export interface Position {
  readonly partition: number;
  readonly offset: number;
}

/** The anomalies found, each with enough detail to start debugging. */
export interface Anomalies {
  readonly lost: string[];
  readonly duplicated: Array<{ value: string; positions: Position[] }>;
  readonly inconsistentOffsets: Array<{ partition: number; offset: number; values: string[] }>;
  readonly reordered: Array<{ partition: number; value: string; offset: number; after: string }>;
  readonly abortedReads: Array<{ value: string; error: string }>;
  readonly unseen: string[];
  readonly gaps: Position[];
  readonly pollSkips: Array<{ process: string; partition: number; from: number; to: number }>;
  readonly nonmonotonicPolls: Array<{ process: string; partition: number; from: number; to: number }>;
  readonly commitAhead: Array<{ process: string; partition: number; offset: number; delivered: number }>;
  readonly unexpected: string[];
}

/** Counts of operations, for the summary. */
export interface Counts {
  /** Sends invoked. */
  readonly attempted: number;
  /** Sends acknowledged (`ok`). */
  readonly acknowledged: number;
  /** Sends that definitely failed (`fail`). */
  readonly failed: number;
  /** Sends whose outcome is unknown (`info`), or never completed. */
  readonly indeterminate: number;
  /** Indeterminate sends whose value is in the log. */
  readonly indeterminateApplied: number;
  /** Records in the final log. */
  readonly logRecords: number;
  /** Poll events. */
  readonly polls: number;
  /** Values the group was handed more than once (allowed: at least once). */
  readonly redelivered: number;
  /** Offsets the log recorded as abandoned (`offsets: 'abandonable'` only). */
  readonly abandoned: number;
}

/** The checker's verdict. */
export interface CheckReport {
  /** True when no anomaly was found. */
  readonly valid: boolean;
  readonly counts: Counts;
  readonly anomalies: Anomalies;
  /** Number of anomalies of each kind. */
  readonly anomalyCounts: Record<keyof Anomalies, number>;
}

/** What the checker expects of the history. */
export interface CheckOptions {
  /** Whether a consumer group read the topic to the end (enables unseen, poll and commit checks). @default true */
  readonly consumed?: boolean;
  /**
   * `dense` (the head protocol): every offset between log start and high
   * watermark holds a record. `abandonable` (the reserve protocol,
   * docs/design.md §3.1): offsets the log recorded as abandoned (the final
   * read's `abandoned` ranges) may hold none — a gap, a poll skip or a commit
   * over them is no anomaly — and everything else is still dense; a record or
   * an acknowledgement at an abandoned offset is an `inconsistentOffsets`
   * anomaly (a marker hid it). @default 'dense'
   */
  readonly offsets?: 'dense' | 'abandonable';
}

/** Stands for "abandoned" among the values claimed at an offset. */
export const ABANDONED = '<abandoned>';

const posKey = (p: number, o: number): string => `${p}/${o}`;

function addTo<K, V>(map: Map<K, Set<V>>, key: K, value: V): void {
  let set = map.get(key);
  if (!set) map.set(key, (set = new Set()));
  set.add(value);
}

/** Checks a history; see the module comment for the anomalies. */
export function check(history: readonly HistoryEvent[], options: CheckOptions = {}): CheckReport {
  const consumed = options.consumed ?? true;
  const abandonable = options.offsets === 'abandonable';
  /** partition → offsets the log abandoned (abandonable mode only). */
  const abandoned = new Map<number, Set<number>>();
  if (abandonable) {
    for (const e of history) {
      if (e.f !== 'read-all') continue;
      for (const [first, last] of e.abandoned ?? []) for (let o = first; o <= last; o++) addTo(abandoned, e.partition, o);
    }
  }
  const isAbandoned = (p: number, o: number): boolean => abandoned.get(p)?.has(o) ?? false;
  const invoked = new Set<string>();
  const acked = new Map<string, Position>();
  const failed = new Map<string, string>();
  const info = new Set<string>();
  const positions = new Map<string, Set<string>>(); // value → "p/o" it was read at (polls, log)
  const atOffset = new Map<string, Set<string>>(); // "p/o" → values claimed there (acks, polls, log)
  const polled = new Map<string, number>(); // value → times handed to the group
  const reads: ReadAllEvent[] = [];
  let polls = 0;

  for (const e of history) {
    if (e.f === 'send') {
      if (e.type === 'invoke') invoked.add(e.value);
      else if (e.type === 'ok') {
        acked.set(e.value, { partition: e.partition, offset: e.offset });
        addTo(atOffset, posKey(e.partition, e.offset), e.value);
      } else if (e.type === 'fail') failed.set(e.value, e.error);
      else info.add(e.value);
    } else if (e.f === 'poll') {
      polls++;
      polled.set(e.value, (polled.get(e.value) ?? 0) + 1);
      addTo(positions, e.value, posKey(e.partition, e.offset));
      addTo(atOffset, posKey(e.partition, e.offset), e.value);
    } else if (e.f === 'read-all') {
      reads.push(e);
      for (const r of e.records) {
        addTo(positions, r.value, posKey(e.partition, r.offset));
        addTo(atOffset, posKey(e.partition, r.offset), r.value);
      }
    }
  }

  // A value claimed at an abandoned offset was hidden by a marker.
  for (const [p, offsets] of abandoned) for (const o of offsets) if (atOffset.has(posKey(p, o))) addTo(atOffset, posKey(p, o), ABANDONED);

  const inLog = new Set<string>();
  for (const r of reads) for (const rec of r.records) inLog.add(rec.value);

  const lost = [...acked.keys()].filter((v) => !inLog.has(v));

  const duplicated: Anomalies['duplicated'] = [];
  for (const [value, at] of positions) {
    if (at.size > 1) {
      duplicated.push({
        value,
        positions: [...at].map((k) => {
          const [p, o] = k.split('/').map(Number) as [number, number];
          return { partition: p, offset: o };
        }),
      });
    }
  }

  const inconsistentOffsets: Anomalies['inconsistentOffsets'] = [];
  for (const [k, values] of atOffset) {
    if (values.size > 1) {
      const [p, o] = k.split('/').map(Number) as [number, number];
      inconsistentOffsets.push({ partition: p, offset: o, values: [...values] });
    }
  }

  // Per partition, each producer's values must appear in the order it sent them.
  const reordered: Anomalies['reordered'] = [];
  const gaps: Position[] = [];
  for (const r of reads) {
    const sorted = [...r.records].sort((a, b) => a.offset - b.offset);
    const highest = new Map<string, { n: number; value: string }>();
    const firstSeen = new Set<string>();
    let expected = r.logStartOffset;
    for (const rec of sorted) {
      for (; expected < rec.offset; expected++) if (!isAbandoned(r.partition, expected)) gaps.push({ partition: r.partition, offset: expected });
      expected = rec.offset + 1;
      if (firstSeen.has(rec.value)) continue; // a duplicate is reported as such, not again as a reorder
      firstSeen.add(rec.value);
      const parsed = parseValue(rec.value);
      if (!parsed) continue;
      const top = highest.get(parsed.producer);
      if (top && parsed.n < top.n) reordered.push({ partition: r.partition, value: rec.value, offset: rec.offset, after: top.value });
      else highest.set(parsed.producer, { n: parsed.n, value: rec.value });
    }
    for (; expected < r.highWatermark; expected++) if (!isAbandoned(r.partition, expected)) gaps.push({ partition: r.partition, offset: expected });
  }

  const abortedReads = [...failed].filter(([v]) => positions.has(v)).map(([value, error]) => ({ value, error }));
  const unexpected = [...positions.keys()].filter((v) => !invoked.has(v));
  const unseen = consumed ? [...inLog].filter((v) => !polled.has(v)) : [];

  // Consumer sessions: while a process owns a partition, it is handed consecutive offsets.
  const pollSkips: Anomalies['pollSkips'] = [];
  const nonmonotonicPolls: Anomalies['nonmonotonicPolls'] = [];
  const commitAhead: Anomalies['commitAhead'] = [];
  if (consumed) {
    const last = new Map<string, number>(); // "process/p" → last offset handed in the current session
    const delivered = new Map<number, Set<number>>();
    const prefix = new Map<number, number>(); // partition → lowest offset nobody has been handed yet
    for (const e of history) {
      if (e.f === 'assign') {
        for (const k of [...last.keys()]) {
          const [proc, p] = [k.slice(0, k.lastIndexOf('/')), Number(k.slice(k.lastIndexOf('/') + 1))];
          if (proc === e.process && !e.partitions.includes(p)) last.delete(k);
        }
      } else if (e.f === 'poll') {
        const k = `${e.process}/${e.partition}`;
        const prev = last.get(k);
        let skipped = false;
        if (prev !== undefined) for (let o = prev + 1; o < e.offset && !skipped; o++) skipped = !isAbandoned(e.partition, o);
        if (skipped) pollSkips.push({ process: e.process, partition: e.partition, from: prev!, to: e.offset });
        if (prev !== undefined && e.offset <= prev) nonmonotonicPolls.push({ process: e.process, partition: e.partition, from: prev, to: e.offset });
        last.set(k, e.offset);
        let set = delivered.get(e.partition);
        if (!set) delivered.set(e.partition, (set = new Set()));
        set.add(e.offset);
        let low = prefix.get(e.partition) ?? 0;
        while (set.has(low) || isAbandoned(e.partition, low)) low++;
        prefix.set(e.partition, low);
      } else if (e.f === 'commit') {
        for (const o of e.offsets) {
          let low = prefix.get(o.partition) ?? 0;
          while (isAbandoned(o.partition, low)) low++;
          if (o.offset > low) commitAhead.push({ process: e.process, partition: o.partition, offset: o.offset, delivered: low });
        }
      }
    }
  }

  const anomalies: Anomalies = { lost, duplicated, inconsistentOffsets, reordered, abortedReads, unseen, gaps, pollSkips, nonmonotonicPolls, commitAhead, unexpected };
  const anomalyCounts = Object.fromEntries(Object.entries(anomalies).map(([k, v]) => [k, (v as unknown[]).length])) as Record<keyof Anomalies, number>;
  const indeterminate = [...invoked].filter((v) => !acked.has(v) && !failed.has(v));
  return {
    valid: Object.values(anomalyCounts).every((n) => n === 0),
    counts: {
      attempted: invoked.size,
      acknowledged: acked.size,
      failed: failed.size,
      indeterminate: indeterminate.length,
      indeterminateApplied: indeterminate.filter((v) => inLog.has(v)).length,
      logRecords: reads.reduce((n, r) => n + r.records.length, 0),
      polls,
      redelivered: [...polled.values()].filter((n) => n > 1).length,
      abandoned: [...abandoned.values()].reduce((n, set) => n + set.size, 0),
    },
    anomalies,
    anomalyCounts,
  };
}

/** A one-line summary of a report's anomaly counts, non-zero ones only. */
export function describeAnomalies(report: CheckReport): string {
  const found = Object.entries(report.anomalyCounts).filter(([, n]) => n > 0);
  return found.length === 0 ? 'no anomalies' : found.map(([k, n]) => `${n} ${k}`).join(', ');
}
