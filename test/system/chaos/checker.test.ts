/**
 * The checker on hand-made histories: a clean history passes, and each
 * anomaly, planted alone, is found — and is the only thing found.
 */
import { describe, expect, it } from 'vitest';
import { check, type Anomalies } from './checker.js';
import { History, type HistoryEvent } from './history.js';

type Log = Record<number, string[]>;

/**
 * A history builder: `sent` values acknowledged at given offsets, polls by
 * consumers, and a final read per partition.
 */
class Builder {
  readonly h = new History();

  send(value: string, ack: { partition: number; offset: number } | 'fail' | 'info', key = 'k'): this {
    const process = value.slice(0, value.indexOf(':'));
    this.h.add({ process, type: 'invoke', f: 'send', value, key });
    if (ack === 'fail' || ack === 'info') this.h.add({ process, type: ack, f: 'send', value, error: ack === 'fail' ? 'INVALID_REQUEST' : 'UNKNOWN_OUTCOME' });
    else this.h.add({ process, type: 'ok', f: 'send', value, ...ack });
    return this;
  }

  assign(process: string, partitions: number[]): this {
    this.h.add({ process, type: 'info', f: 'assign', partitions });
    return this;
  }

  poll(process: string, partition: number, offset: number, value: string): this {
    this.h.add({ process, type: 'ok', f: 'poll', partition, offset, value });
    return this;
  }

  commit(process: string, partition: number, offset: number): this {
    this.h.add({ process, type: 'ok', f: 'commit', offsets: [{ partition, offset }] });
    return this;
  }

  /** `abandoned`: per partition, the ranges the log recorded as abandoned. */
  readAll(log: Log, logStartOffset = 0, abandoned: Record<number, Array<[number, number]>> = {}): this {
    for (const [p, values] of Object.entries(log)) {
      const records = values.map((value, i) => ({ offset: logStartOffset + i, value })).filter((r) => r.value !== '');
      const marked = abandoned[Number(p)];
      this.h.add({ process: 'checker', type: 'ok', f: 'read-all', partition: Number(p), logStartOffset, highWatermark: logStartOffset + values.length, records, ...(marked ? { abandoned: marked } : {}) });
    }
    return this;
  }

  /** Polls every record of `log` by `consumer`, in order, committing at the end. */
  consumeAll(consumer: string, log: Log): this {
    for (const [p, values] of Object.entries(log)) {
      values.forEach((v, offset) => this.poll(consumer, Number(p), offset, v));
      this.commit(consumer, Number(p), values.length);
    }
    return this;
  }

  get events(): HistoryEvent[] {
    return this.h.events;
  }
}

/** Two producers, two partitions, everything acknowledged, read and consumed once. */
function clean(): { b: Builder; log: Log } {
  const b = new Builder();
  b.send('a:0', { partition: 0, offset: 0 }).send('b:0', { partition: 1, offset: 0 }).send('a:1', { partition: 0, offset: 1 }).send('b:1', { partition: 0, offset: 2 });
  b.send('a:2', { partition: 1, offset: 1 });
  return { b, log: { 0: ['a:0', 'a:1', 'b:1'], 1: ['b:0', 'a:2'] } };
}

/** Only the anomaly kinds with a non-zero count. */
function found(events: HistoryEvent[], consumed = true, offsets: 'dense' | 'abandonable' = 'dense'): Partial<Record<keyof Anomalies, number>> {
  const r = check(events, { consumed, offsets });
  return Object.fromEntries(Object.entries(r.anomalyCounts).filter(([, n]) => n > 0));
}

describe('the chaos checker', () => {
  it('passes a clean history and counts it', () => {
    const { b, log } = clean();
    b.assign('c0', [0, 1]).consumeAll('c0', log).readAll(log);
    const r = check(b.events);
    expect(r.valid).toBe(true);
    expect(r.counts).toMatchObject({ attempted: 5, acknowledged: 5, failed: 0, indeterminate: 0, logRecords: 5, polls: 5, redelivered: 0 });
  });

  it('allows redelivery, indeterminate sends that did or did not apply, and a failed send that is absent', () => {
    const b = new Builder();
    b.send('a:0', { partition: 0, offset: 0 }).send('a:1', 'info').send('a:2', 'info').send('a:3', 'fail').send('a:4', { partition: 0, offset: 2 });
    const log = { 0: ['a:0', 'a:1', 'a:4'] };
    b.assign('c0', [0]).poll('c0', 0, 0, 'a:0').poll('c0', 0, 1, 'a:1');
    b.assign('c0', []).assign('c1', [0]); // rebalance: c1 starts from the last commit (none) and redelivers
    b.consumeAll('c1', log).readAll(log);
    const r = check(b.events);
    expect(found(b.events)).toEqual({});
    expect(r.counts).toMatchObject({ acknowledged: 2, failed: 1, indeterminate: 2, indeterminateApplied: 1, redelivered: 2 });
  });

  it('finds a lost write: acknowledged, not in the log', () => {
    const { b } = clean();
    const lossy = { 0: ['a:0', 'a:1', 'b:1'], 1: ['b:0'] };
    b.assign('c0', [0, 1]).consumeAll('c0', lossy).readAll(lossy);
    expect(found(b.events)).toEqual({ lost: 1 });
    expect(check(b.events).anomalies.lost).toEqual(['a:2']);
  });

  it('finds a duplicate: one value at two offsets', () => {
    const { b } = clean();
    const log = { 0: ['a:0', 'a:1', 'b:1', 'a:1'], 1: ['b:0', 'a:2'] };
    b.assign('c0', [0, 1]).consumeAll('c0', log).readAll(log);
    expect(found(b.events)).toEqual({ duplicated: 1 });
    expect(check(b.events).anomalies.duplicated).toEqual([{ value: 'a:1', positions: [{ partition: 0, offset: 1 }, { partition: 0, offset: 3 }] }]);
  });

  it('finds inconsistent offsets: a consumer and the log disagree about one offset', () => {
    const { b, log } = clean();
    b.assign('c0', [0, 1]).consumeAll('c0', { 0: ['a:0', 'b:1', 'a:1'], 1: log[1]! }).readAll(log);
    const r = check(b.events);
    expect(r.anomalyCounts.inconsistentOffsets).toBe(2);
    expect(r.anomalies.inconsistentOffsets.map((x) => x.offset).sort()).toEqual([1, 2]);
  });

  it('finds inconsistent offsets: an acknowledgement names an offset that holds another value', () => {
    const b = new Builder();
    b.send('a:0', { partition: 0, offset: 0 }).send('b:0', { partition: 0, offset: 0 });
    const log = { 0: ['a:0', 'b:0'] };
    b.assign('c0', [0]).consumeAll('c0', log).readAll(log);
    expect(found(b.events)).toEqual({ inconsistentOffsets: 1 });
  });

  it('finds a reorder: a producer’s later value before its earlier one in a partition', () => {
    const b = new Builder();
    b.send('a:0', { partition: 0, offset: 1 }).send('a:1', { partition: 0, offset: 0 }).send('b:0', { partition: 0, offset: 2 });
    const log = { 0: ['a:1', 'a:0', 'b:0'] };
    b.assign('c0', [0]).consumeAll('c0', log).readAll(log);
    expect(found(b.events)).toEqual({ reordered: 1 });
    expect(check(b.events).anomalies.reordered).toEqual([{ partition: 0, value: 'a:0', offset: 1, after: 'a:1' }]);
  });

  it('does not call values of different producers, or of one producer in different partitions, reordered', () => {
    const b = new Builder();
    b.send('a:0', { partition: 1, offset: 0 }).send('b:0', { partition: 0, offset: 1 }).send('a:1', { partition: 0, offset: 0 });
    const log = { 0: ['a:1', 'b:0'], 1: ['a:0'] };
    b.assign('c0', [0, 1]).consumeAll('c0', log).readAll(log);
    expect(found(b.events)).toEqual({});
  });

  it('finds an aborted read: a definitely failed send is visible', () => {
    const b = new Builder();
    b.send('a:0', { partition: 0, offset: 0 }).send('a:1', 'fail');
    const log = { 0: ['a:0', 'a:1'] };
    b.assign('c0', [0]).consumeAll('c0', log).readAll(log);
    expect(found(b.events)).toEqual({ abortedReads: 1 });
    expect(check(b.events).anomalies.abortedReads).toEqual([{ value: 'a:1', error: 'INVALID_REQUEST' }]);
  });

  it('finds unseen records after the drain, and only when a group was supposed to consume', () => {
    const { b, log } = clean();
    b.assign('c0', [0, 1]).consumeAll('c0', { 0: log[0]!, 1: ['b:0'] }).readAll(log);
    expect(found(b.events)).toEqual({ unseen: 1 });
    expect(found(b.events, false)).toEqual({});
  });

  it('finds a gap in the log’s offsets', () => {
    const b = new Builder();
    b.send('a:0', { partition: 0, offset: 0 }).send('a:1', { partition: 0, offset: 2 });
    b.assign('c0', [0]).poll('c0', 0, 0, 'a:0').poll('c0', 0, 2, 'a:1');
    b.readAll({ 0: ['a:0', '', 'a:1'] });
    const r = check(b.events);
    expect(r.anomalies.gaps).toEqual([{ partition: 0, offset: 1 }]);
    expect(r.anomalies.pollSkips).toEqual([{ process: 'c0', partition: 0, from: 0, to: 2 }]);
  });

  it('finds a consumer skipping offsets, or going backwards, while it owns a partition', () => {
    const b = new Builder();
    ['a:0', 'a:1', 'a:2'].forEach((v, i) => b.send(v, { partition: 0, offset: i }));
    const log = { 0: ['a:0', 'a:1', 'a:2'] };
    b.assign('c0', [0]).poll('c0', 0, 0, 'a:0').poll('c0', 0, 2, 'a:2').poll('c0', 0, 1, 'a:1').readAll(log);
    const r = check(b.events);
    expect(r.anomalies.pollSkips).toEqual([{ process: 'c0', partition: 0, from: 0, to: 2 }]);
    expect(r.anomalies.nonmonotonicPolls).toEqual([{ process: 'c0', partition: 0, from: 2, to: 1 }]);
  });

  it('finds a commit past what anyone had been handed', () => {
    const b = new Builder();
    ['a:0', 'a:1'].forEach((v, i) => b.send(v, { partition: 0, offset: i }));
    b.assign('c0', [0]).poll('c0', 0, 0, 'a:0').commit('c0', 0, 2).poll('c0', 0, 1, 'a:1').readAll({ 0: ['a:0', 'a:1'] });
    expect(found(b.events)).toEqual({ commitAhead: 1 });
  });

  it('finds a value nobody sent', () => {
    const { b, log } = clean();
    const garbage = { 0: [...log[0]!, 'zz:0'], 1: log[1]! };
    b.assign('c0', [0, 1]).consumeAll('c0', garbage).readAll(garbage);
    expect(found(b.events)).toEqual({ unexpected: 1 });
  });

  describe("offsets: 'abandonable' (the reserve protocol)", () => {
    /** a:0 at 0, offsets 1–2 abandoned, a:1 at 3; the consumer jumps 0 → 3 and commits 4. */
    function skipping(): Builder {
      const b = new Builder();
      b.send('a:0', { partition: 0, offset: 0 }).send('a:1', { partition: 0, offset: 3 });
      b.assign('c0', [0]).poll('c0', 0, 0, 'a:0').poll('c0', 0, 3, 'a:1').commit('c0', 0, 4);
      return b;
    }

    it('accepts gaps, poll skips and commits over offsets the log recorded as abandoned, and only those', () => {
      const b = skipping().readAll({ 0: ['a:0', '', '', 'a:1'] }, 0, { 0: [[1, 2]] });
      expect(found(b.events, true, 'abandonable')).toEqual({});
      expect(found(b.events, true, 'dense')).toEqual({ gaps: 2, pollSkips: 1, commitAhead: 1 });
      const partly = skipping().readAll({ 0: ['a:0', '', '', 'a:1'] }, 0, { 0: [[1, 1]] });
      expect(check(partly.events, { offsets: 'abandonable' }).anomalies).toMatchObject({ gaps: [{ partition: 0, offset: 2 }], pollSkips: [{ process: 'c0', partition: 0, from: 0, to: 3 }] });
    });

    it('finds an acknowledged record at an abandoned offset (a marker hid it) as lost and inconsistent', () => {
      const b = new Builder();
      b.send('a:0', { partition: 0, offset: 0 }).send('a:1', { partition: 0, offset: 1 });
      b.readAll({ 0: ['a:0', ''] }, 0, { 0: [[1, 1]] });
      expect(found(b.events, false, 'abandonable')).toEqual({ lost: 1, inconsistentOffsets: 1 });
    });
  });
});
