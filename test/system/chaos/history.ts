/**
 * The history of a chaos run, Jepsen style: every operation a client
 * performs is an `invoke` followed by exactly one completion — `ok` (it
 * happened), `fail` (it definitely did not happen) or `info` (unknown: it
 * may or may not have happened). Observations (a consumer polling a record,
 * a commit landing, the final read of the log) are `ok` events of their own.
 * The checker reads nothing but this.
 *
 * ```
 * {index:0, process:"p0", type:"invoke", f:"send", value:"p0:0", key:"k3"}
 * {index:7, process:"p0", type:"ok",     f:"send", value:"p0:0", partition:2, offset:0}
 * {index:9, process:"c1", type:"ok",     f:"poll", value:"p0:0", partition:2, offset:0}
 * {index:12, process:"c1", type:"ok",    f:"commit", offsets:[{partition:2, offset:1}]}
 * {index:99, process:"checker", type:"ok", f:"read-all", partition:2, highWatermark:1, records:[{offset:0, value:"p0:0"}]}
 * {index:3, process:"nemesis", type:"info", f:"stop-faults"}
 * ```
 *
 * Values are `<producer>:<n>` with `n` counting the producer's sends from 0,
 * so a value names who sent it and in which order.
 */

/** A completed or started operation. */
export type OpType = 'invoke' | 'ok' | 'fail' | 'info';

interface Base {
  /** Position in the history. */
  readonly index: number;
  /** Wall time in ms since the run started. */
  readonly time: number;
  /** Who did it: a producer, a consumer, `nemesis`, `checker`. */
  readonly process: string;
}

/** A produce of one value. */
export type SendEvent =
  | (Base & { readonly type: 'invoke'; readonly f: 'send'; readonly value: string; readonly key: string })
  | (Base & { readonly type: 'ok'; readonly f: 'send'; readonly value: string; readonly partition: number; readonly offset: number })
  | (Base & { readonly type: 'fail' | 'info'; readonly f: 'send'; readonly value: string; readonly error: string });

/** A record delivered to a consumer's handler. */
export type PollEvent = Base & { readonly type: 'ok'; readonly f: 'poll'; readonly partition: number; readonly offset: number; readonly value: string };

/** Offsets a consumer committed (each the next offset to read). */
export type CommitEvent = Base & { readonly type: 'ok'; readonly f: 'commit'; readonly offsets: ReadonlyArray<{ readonly partition: number; readonly offset: number }> };

/** A consumer's reconciled assignment. */
export type AssignEvent = Base & { readonly type: 'info'; readonly f: 'assign'; readonly partitions: readonly number[] };

/** The final read of one whole partition from its first offset. */
export type ReadAllEvent = Base & {
  readonly type: 'ok';
  readonly f: 'read-all';
  readonly partition: number;
  readonly logStartOffset: number;
  readonly highWatermark: number;
  readonly records: ReadonlyArray<{ readonly offset: number; readonly value: string }>;
  /** Ranges `[first, last]` of offsets the log abandoned (reserve protocol; read from the index, when the run can). */
  readonly abandoned?: ReadonlyArray<readonly [number, number]>;
};

/** One produce request attempt of a producer's SDK client, for debugging: which values it carried and how it ended. */
export type AttemptEvent = Base & { readonly type: 'info'; readonly f: 'attempt'; readonly result: string; readonly values: readonly string[] };

/** Anything else worth seeing in the history (faults on/off, a consumer stopped). */
export type NoteEvent = Base & { readonly type: 'info'; readonly f: 'note'; readonly note: string };

/** One history event. */
export type HistoryEvent = SendEvent | PollEvent | CommitEvent | AssignEvent | ReadAllEvent | AttemptEvent | NoteEvent;

type Unindexed<E> = E extends HistoryEvent ? Omit<E, 'index' | 'time'> : never;

/** Appends events in order, stamping index and time. */
export class History {
  readonly events: HistoryEvent[] = [];
  private readonly started = Date.now();

  /** Records an event and returns it. */
  add<E extends Unindexed<HistoryEvent>>(event: E): HistoryEvent {
    const e = { index: this.events.length, time: Date.now() - this.started, ...event } as unknown as HistoryEvent;
    this.events.push(e);
    return e;
  }

  /** Records a note. */
  note(process: string, note: string): void {
    this.add({ process, type: 'info', f: 'note', note });
  }

  /** One JSON object per line. */
  toJsonl(): string {
    return this.events.map((e) => JSON.stringify(e)).join('\n') + '\n';
  }
}

/** The producer and send number of a value `<producer>:<n>`. */
export function parseValue(value: string): { producer: string; n: number } | undefined {
  const i = value.lastIndexOf(':');
  if (i <= 0) return undefined;
  const n = Number(value.slice(i + 1));
  return Number.isSafeInteger(n) && n >= 0 ? { producer: value.slice(0, i), n } : undefined;
}
