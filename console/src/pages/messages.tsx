/**
 * The message browser: pick partitions and a start (beginning, end, an
 * offset, a time), read a page, tail live, search what is loaded, and
 * produce a test record. Values are fetched as base64 (exact bytes) and
 * shown as JSON, text or hex, chosen per record and switchable.
 */
import { Fragment } from 'preact';
import { useEffect, useMemo, useRef, useState } from 'preact/hooks';
import { Link } from 'wouter-preact';
import { api, type FetchedRecord, type TopicDescription } from '../api';
import { JsonTree } from '../components/json';
import { Empty, ErrorBox, Loading, Modal } from '../components/ui';
import { decode, hex, num, preview, time, type Decoded, type View } from '../format';
import { usePoll } from '../hooks';

type From = 'beginning' | 'end' | 'offset' | 'time';

interface Row {
  id: string;
  partition: number;
  offset: number;
  timestamp: number;
  key: Decoded;
  value: Decoded;
  headers: Array<[string, Decoded]>;
  /** Lower-case text the search box matches against. */
  haystack: string;
}

/** Records kept on the page while tailing (oldest dropped first). */
const MAX_ROWS = 2000;

function toRow(partition: number, r: FetchedRecord): Row {
  const key = decode(r.key);
  const value = decode(r.value);
  const headers = Object.entries(r.headers).map(([k, v]) => [k, decode(v)] as [string, Decoded]);
  const text = (d: Decoded): string => (d.bytes === null ? '' : (d.text ?? hex(d.bytes)));
  const haystack = [String(r.offset), text(key), text(value), ...headers.map(([k, v]) => `${k} ${text(v)}`)].join('\n').toLowerCase();
  return { id: `${partition}:${r.offset}`, partition, offset: r.offset, timestamp: r.timestamp, key, value, headers, haystack };
}

function order(rows: Row[], single: boolean): Row[] {
  return rows.sort(single ? (a, b) => a.offset - b.offset : (a, b) => a.timestamp - b.timestamp || a.partition - b.partition || a.offset - b.offset);
}

/** A field in a view: the JSON value itself, the text, or hex. */
function shown(d: Decoded, view: View): unknown {
  if (d.bytes === null) return null;
  if (view === 'json' && d.json) return d.json.value;
  if (view === 'hex' || d.text === undefined) return hex(d.bytes);
  return d.text;
}

const sleep = (ms: number, signal: AbortSignal): Promise<void> =>
  new Promise((resolve) => {
    const t = setTimeout(resolve, ms);
    signal.addEventListener('abort', () => {
      clearTimeout(t);
      resolve();
    });
  });

/** The message browser page. */
export function MessagesPage({ topic, partition }: { topic: string; partition?: string }) {
  const described = usePoll(() => api.describeTopic(topic), 10_000, [topic]);
  const [selected, setSelected] = useState<'all' | number>(partition === undefined ? 'all' : Number(partition));
  const [from, setFrom] = useState<From>('end');
  const [offsetText, setOffsetText] = useState('0');
  const [timeText, setTimeText] = useState('');
  const [limit, setLimit] = useState(50);
  const [rows, setRows] = useState<Row[] | undefined>(undefined);
  const [error, setError] = useState<unknown>(undefined);
  const [loading, setLoading] = useState(false);
  const [view, setView] = useState<'auto' | 'text' | 'hex'>('auto');
  const [overrides, setOverrides] = useState<Record<string, View>>({});
  const [expanded, setExpanded] = useState<Record<string, boolean>>({});
  const [search, setSearch] = useState('');
  const [tail, setTail] = useState(false);
  const [producing, setProducing] = useState(false);
  const [notice, setNotice] = useState<string | undefined>(undefined);
  /** Where each partition's next read starts (after a load, and as the tail advances). */
  const positions = useRef(new Map<number, number>());

  // Following a link to another partition of the same topic keeps this page mounted.
  useEffect(() => setSelected(partition === undefined ? 'all' : Number(partition)), [partition]);

  const partitionsOf = (t: TopicDescription): number[] => (selected === 'all' ? t.partitionOffsets.map((p) => p.partition) : [selected]);

  const load = async (): Promise<void> => {
    setLoading(true);
    setError(undefined);
    try {
      const t = await api.describeTopic(topic);
      const parts = partitionsOf(t);
      let at: number | undefined;
      if (from === 'offset' && !/^\d+$/.test(offsetText.trim())) throw new Error(`offset must be a whole number, got ${JSON.stringify(offsetText)}`);
      if (from === 'time') {
        at = new Date(timeText).getTime();
        if (!timeText || !Number.isFinite(at)) throw new Error('pick a date and time to start from');
      }
      const starts = await Promise.all(
        parts.map(async (p) => {
          const po = t.partitionOffsets.find((o) => o.partition === p);
          if (!po) throw new Error(`topic ${topic} has no partition ${p}`);
          if (from === 'beginning') return po.logStartOffset;
          if (from === 'end') return Math.max(po.logStartOffset, po.highWatermark - limit);
          if (from === 'offset') return Number(offsetText.trim());
          return (await api.offsetAt(topic, p, at!)).offset;
        }),
      );
      const fetched = await Promise.all(parts.map((p, i) => api.fetch(topic, p, starts[i]!, limit)));
      positions.current = new Map(parts.map((p, i) => [p, fetched[i]!.nextOffset]));
      setRows(order(fetched.flatMap((f, i) => f.records.map((r) => toRow(parts[i]!, r))), parts.length === 1));
      setExpanded({});
    } catch (err) {
      setError(err);
    } finally {
      setLoading(false);
    }
  };

  useEffect(() => {
    void load();
    // First page when the topic or partition choice changes; other settings apply on "Load".
  }, [topic, selected]);

  // Live tail: one long poll when one partition is shown; a round of short polls each second for several.
  useEffect(() => {
    if (!tail) return undefined;
    const ctl = new AbortController();
    const { signal } = ctl;
    void (async () => {
      try {
        const t = await api.describeTopic(topic);
        const parts = partitionsOf(t);
        for (const p of parts) if (!positions.current.has(p)) positions.current.set(p, t.partitionOffsets.find((o) => o.partition === p)?.highWatermark ?? 0);
        while (!signal.aborted) {
          const single = parts.length === 1;
          const got = await Promise.all(parts.map((p) => api.fetch(topic, p, positions.current.get(p)!, 500, single ? 10_000 : 0, signal).then((f) => [p, f] as const)));
          if (signal.aborted) return;
          const fresh: Row[] = [];
          for (const [p, f] of got) {
            positions.current.set(p, f.nextOffset);
            for (const r of f.records) fresh.push(toRow(p, r));
          }
          if (fresh.length) {
            setRows((old) => {
              const merged = order([...(old ?? []), ...fresh], single);
              return merged.length > MAX_ROWS ? merged.slice(merged.length - MAX_ROWS) : merged;
            });
          }
          if (!single || fresh.length === 0) await sleep(1000, signal);
        }
      } catch (err) {
        if (!signal.aborted) {
          setError(err);
          setTail(false);
        }
      }
    })();
    return () => ctl.abort();
  }, [tail, topic, selected]);

  const q = search.trim().toLowerCase();
  const visible = useMemo(() => (rows && q ? rows.filter((r) => r.haystack.includes(q)) : (rows ?? [])), [rows, q]);
  const t = described.data;

  return (
    <section>
      <nav aria-label="breadcrumb">
        <ul>
          <li>
            <Link href="/topics">Topics</Link>
          </li>
          <li>
            <Link href={`/topics/${encodeURIComponent(topic)}`}>{topic}</Link>
          </li>
          <li>Messages</li>
        </ul>
      </nav>
      <div class="page-head">
        <h2>Messages in {topic}</h2>
        <button type="button" onClick={() => setProducing(true)} disabled={!t}>
          Produce record
        </button>
      </div>
      <ErrorBox error={described.error} />
      <form
        class="toolbar"
        onSubmit={(e) => {
          e.preventDefault();
          void load();
        }}
      >
        <label>
          Partition
          <select name="partition" value={String(selected)} onChange={(e) => setSelected(e.currentTarget.value === 'all' ? 'all' : Number(e.currentTarget.value))}>
            <option value="all">All partitions</option>
            {(t?.partitionOffsets ?? (typeof selected === 'number' ? [{ partition: selected }] : [])).map((p) => (
              <option key={p.partition} value={String(p.partition)}>
                Partition {p.partition}
              </option>
            ))}
          </select>
        </label>
        <label>
          Start at
          <select name="from" value={from} onChange={(e) => setFrom(e.currentTarget.value as From)}>
            <option value="end">End (newest)</option>
            <option value="beginning">Beginning</option>
            <option value="offset">Offset</option>
            <option value="time">Time</option>
          </select>
        </label>
        {from === 'offset' ? (
          <label>
            Offset
            <input name="offset" inputMode="numeric" value={offsetText} onInput={(e) => setOffsetText(e.currentTarget.value)} />
          </label>
        ) : null}
        {from === 'time' ? (
          <label>
            From time
            <input name="time" type="datetime-local" step={1} value={timeText} onInput={(e) => setTimeText(e.currentTarget.value)} />
          </label>
        ) : null}
        <label>
          Per partition
          <select name="limit" value={String(limit)} onChange={(e) => setLimit(Number(e.currentTarget.value))}>
            {[20, 50, 200, 500].map((n) => (
              <option key={n} value={String(n)}>
                {n}
              </option>
            ))}
          </select>
        </label>
        <button type="submit" aria-busy={loading} disabled={loading}>
          Load
        </button>
        <label class="switch">
          <input name="tail" type="checkbox" role="switch" checked={tail} onChange={(e) => setTail(e.currentTarget.checked)} />
          Live tail
        </label>
      </form>
      <div class="toolbar">
        <input type="search" name="search" aria-label="Search loaded records" placeholder="Search the loaded records (key, value, headers, offset)" value={search} onInput={(e) => setSearch(e.currentTarget.value)} />
        <label>
          Show values as
          <select name="view" value={view} onChange={(e) => setView(e.currentTarget.value as 'auto' | 'text' | 'hex')}>
            <option value="auto">Auto (JSON, text or hex)</option>
            <option value="text">Text</option>
            <option value="hex">Hex</option>
          </select>
        </label>
      </div>
      {notice ? (
        <p class="notice" role="status">
          {notice}
        </p>
      ) : null}
      <ErrorBox error={error} />
      {rows === undefined ? (
        error ? null : <Loading />
      ) : rows.length === 0 ? (
        <Empty title={tail ? 'Waiting for new records…' : 'No records here.'}>
          {tail ? 'New records appear as they are produced.' : 'Nothing in the chosen range: start at the beginning, produce a record, or turn on live tail.'}
        </Empty>
      ) : (
        <>
          <p class="muted" role="status">
            {q ? `${num(visible.length)} of ${num(rows.length)} loaded records match` : `${num(rows.length)} records loaded`}
            {tail ? ' · tailing' : ''}
          </p>
          {visible.length === 0 ? (
            <Empty title="No loaded record matches the search." />
          ) : (
            <div class="table-wrap">
              <table class="records striped">
                <thead>
                  <tr>
                    <th scope="col">
                      <span class="visually-hidden">Expand</span>
                    </th>
                    <th scope="col" class="num">
                      Partition
                    </th>
                    <th scope="col" class="num">
                      Offset
                    </th>
                    <th scope="col">Timestamp</th>
                    <th scope="col">Key</th>
                    <th scope="col">Value</th>
                    <th scope="col" class="num">
                      Headers
                    </th>
                  </tr>
                </thead>
                <tbody>
                  {visible.map((r) => {
                    const v: View = overrides[r.id] ?? (view === 'auto' ? r.value.auto : view);
                    const open = !!expanded[r.id];
                    return (
                      <Fragment key={r.id}>
                        <tr data-offset={r.offset} data-partition={r.partition}>
                          <td>
                            <button
                              type="button"
                              class="expander"
                              aria-expanded={open}
                              aria-label={`${open ? 'Hide' : 'Show'} record ${r.partition}/${r.offset}`}
                              onClick={() => setExpanded((e) => ({ ...e, [r.id]: !open }))}
                            >
                              {open ? '▾' : '▸'}
                            </button>
                          </td>
                          <td class="num">{r.partition}</td>
                          <td class="num">{r.offset}</td>
                          <td class="nowrap">{time(r.timestamp)}</td>
                          <td class="cell-key">{r.key.bytes === null ? <span class="muted">null</span> : preview(r.key, view === 'hex' ? 'hex' : 'text', 40)}</td>
                          <td class="cell-value">{r.value.bytes === null ? <span class="muted">null (tombstone)</span> : preview(r.value, v)}</td>
                          <td class="num">{r.headers.length || ''}</td>
                        </tr>
                        {open ? (
                          <tr class="detail">
                            <td colSpan={7}>
                              <RecordDetail row={r} view={v} onView={(nv) => setOverrides((o) => ({ ...o, [r.id]: nv }))} />
                            </td>
                          </tr>
                        ) : null}
                      </Fragment>
                    );
                  })}
                </tbody>
              </table>
            </div>
          )}
        </>
      )}
      {producing && t ? (
        <ProduceForm
          topic={t}
          initialPartition={selected}
          onClose={() => setProducing(false)}
          onProduced={(p, o) => {
            setProducing(false);
            setNotice(`Produced to partition ${p} at offset ${o}.`);
            if (!tail) void load();
          }}
        />
      ) : null}
    </section>
  );
}

/** One record as a JSON document (value parsed when it is JSON), with a JSON / text / hex switch. */
function RecordDetail({ row, view, onView }: { row: Row; view: View; onView: (v: View) => void }) {
  const keyView: View = view === 'hex' ? 'hex' : 'text';
  const doc = {
    partition: row.partition,
    offset: row.offset,
    timestamp: row.timestamp,
    time: new Date(row.timestamp).toISOString(),
    key: shown(row.key, keyView),
    headers: Object.fromEntries(row.headers.map(([k, v]) => [k, shown(v, keyView)])),
    value: shown(row.value, view),
  };
  const options: View[] = ['json', 'text', 'hex'];
  return (
    <div class="record-detail">
      <div role="group" class="view-switch" aria-label="Show the value as">
        {options.map((o) => (
          <button
            key={o}
            type="button"
            class={o === view ? '' : 'outline'}
            aria-pressed={o === view}
            disabled={(o === 'json' && !row.value.json) || (o === 'text' && row.value.text === undefined && row.value.bytes !== null)}
            onClick={() => onView(o)}
          >
            {o === 'json' ? 'JSON' : o === 'text' ? 'Text' : 'Hex'}
          </button>
        ))}
      </div>
      <JsonTree value={doc} />
    </div>
  );
}

/** Produces one record (UTF-8 key, value and headers) to a chosen partition, or by key. */
function ProduceForm({ topic, initialPartition, onClose, onProduced }: { topic: TopicDescription; initialPartition: 'all' | number; onClose: () => void; onProduced: (partition: number, offset: number) => void }) {
  const [partition, setPartition] = useState(initialPartition === 'all' ? 'auto' : String(initialPartition));
  const [key, setKey] = useState('');
  const [value, setValue] = useState('{\n  "hello": "world"\n}');
  const [headers, setHeaders] = useState('');
  const [error, setError] = useState<unknown>(undefined);
  const [busy, setBusy] = useState(false);

  const submit = async (e: Event): Promise<void> => {
    e.preventDefault();
    setError(undefined);
    const parsed: Record<string, string> = {};
    const lines = headers.split('\n');
    for (let i = 0; i < lines.length; i++) {
      const line = lines[i]!;
      if (!line.trim()) continue;
      const colon = line.indexOf(':');
      if (colon <= 0) {
        setError(new Error(`header line ${i + 1} must be "name: value", got ${JSON.stringify(line)}`));
        return;
      }
      parsed[line.slice(0, colon).trim()] = line.slice(colon + 1).trim();
    }
    setBusy(true);
    try {
      const { results } = await api.produce(topic.name, {
        ...(key !== '' ? { key } : {}),
        value,
        ...(Object.keys(parsed).length ? { headers: parsed } : {}),
        ...(partition !== 'auto' ? { partition: Number(partition) } : {}),
      });
      onProduced(results[0]!.partition, results[0]!.offset);
    } catch (err) {
      setError(err);
      setBusy(false);
    }
  };

  return (
    <Modal title={`Produce a record to ${topic.name}`} onClose={onClose}>
      <form onSubmit={submit}>
        <div class="grid">
          <label>
            Partition
            <select name="partition" value={partition} onChange={(e) => setPartition(e.currentTarget.value)}>
              <option value="auto">By key (round-robin without one)</option>
              {topic.partitionOffsets.map((p) => (
                <option key={p.partition} value={String(p.partition)}>
                  {p.partition}
                </option>
              ))}
            </select>
          </label>
          <label>
            Key
            <input name="key" autoFocus spellcheck={false} placeholder="(none)" value={key} onInput={(e) => setKey(e.currentTarget.value)} />
          </label>
        </div>
        <label>
          Value
          <textarea name="value" rows={6} spellcheck={false} class="mono" value={value} onInput={(e) => setValue(e.currentTarget.value)} />
          <small>Sent as UTF-8 text; JSON is shown as JSON when read back.</small>
        </label>
        <label>
          Headers
          <textarea name="headers" rows={2} spellcheck={false} class="mono" placeholder="name: value (one per line)" value={headers} onInput={(e) => setHeaders(e.currentTarget.value)} />
        </label>
        <ErrorBox error={error} />
        <div class="buttons">
          <button type="button" class="secondary" onClick={onClose}>
            Cancel
          </button>
          <button type="submit" disabled={busy} aria-busy={busy}>
            Produce
          </button>
        </div>
      </form>
    </Modal>
  );
}
