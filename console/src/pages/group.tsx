/**
 * One consumer group: members and their assignment, committed offset and
 * lag per partition, lag over time, reset offsets with a dry-run preview,
 * delete.
 */
import { useRef, useState } from 'preact/hooks';
import { Link, useLocation } from 'wouter-preact';
import { api, type GroupDescription, type ResetTarget } from '../api';
import { Chart } from '../components/chart';
import { ConfirmDelete, Empty, ErrorBox, Loading, Modal } from '../components/ui';
import { num, time } from '../format';
import { usePoll } from '../hooks';
import { State, totalLag } from './groups';

const POLL_MS = 2000;
const HISTORY = 300;

interface LagSample {
  at: number;
  byTopic: Map<string, number>;
}

/** The group detail page. */
export function GroupPage({ name }: { name: string }) {
  const history = useRef<LagSample[]>([]);
  const [dialog, setDialog] = useState<'reset' | 'delete' | undefined>(undefined);
  const [notice, setNotice] = useState<string | undefined>(undefined);
  const [, navigate] = useLocation();
  const { data, error, reload } = usePoll(
    async () => {
      const g = await api.describeGroup(name);
      const byTopic = new Map<string, number>();
      for (const o of g.offsets) byTopic.set(o.topic, (byTopic.get(o.topic) ?? 0) + o.lag);
      history.current.push({ at: Date.now(), byTopic });
      if (history.current.length > HISTORY) history.current.splice(0, history.current.length - HISTORY);
      return g;
    },
    POLL_MS,
    [name],
  );

  const samples = history.current;
  const topics = [...new Set(samples.flatMap((s) => [...s.byTopic.keys()]))].sort();
  const times = samples.map((s) => s.at / 1000);
  const series =
    topics.length > 1
      ? [{ label: 'total', values: samples.map((s) => [...s.byTopic.values()].reduce((a, b) => a + b, 0)) }, ...topics.map((t) => ({ label: t, values: samples.map((s) => s.byTopic.get(t) ?? null) }))]
      : [{ label: topics[0] ? `lag (${topics[0]})` : 'lag', values: samples.map((s) => [...s.byTopic.values()].reduce((a, b) => a + b, 0)) }];

  return (
    <section>
      <nav aria-label="breadcrumb">
        <ul>
          <li>
            <Link href="/groups">Consumer groups</Link>
          </li>
          <li>{name}</li>
        </ul>
      </nav>
      <div class="page-head">
        <h2>
          {name} {data ? <State state={data.state} /> : null}
        </h2>
        <div class="buttons">
          <button type="button" class="secondary" disabled={!data} onClick={() => setDialog('reset')}>
            Reset offsets
          </button>
          <button type="button" class="danger" disabled={!data} onClick={() => setDialog('delete')}>
            Delete
          </button>
        </div>
      </div>
      {notice ? (
        <p class="notice" role="status">
          {notice}
        </p>
      ) : null}
      <ErrorBox error={error} />
      {!data ? (
        error ? null : <Loading />
      ) : (
        <>
          <div class="cards">
            <article>
              <small>State</small>
              <strong>{data.state}</strong>
            </article>
            <article>
              <small>Members</small>
              <strong>{data.members.length}</strong>
            </article>
            <article>
              <small>Total lag</small>
              <strong data-testid="total-lag">{num(totalLag(data))}</strong>
            </article>
            <article class="full">
              <small>Lag over time: records behind, every {POLL_MS / 1000}s since this page opened</small>
              <Chart times={times} series={series} height={150} label="Consumer lag over time" />
            </article>
          </div>

          <h3>Members</h3>
          {data.members.length === 0 ? (
            <Empty title="No live members.">The group is empty: its offsets can be reset or it can be deleted.</Empty>
          ) : (
            <div class="table-wrap">
              <table class="striped" data-testid="members">
                <thead>
                  <tr>
                    <th scope="col">Member</th>
                    <th scope="col" class="num">
                      Epoch
                    </th>
                    <th scope="col">Subscribed</th>
                    <th scope="col">Assignment</th>
                    <th scope="col">Last heartbeat</th>
                  </tr>
                </thead>
                <tbody>
                  {data.members.map((m) => (
                    <tr key={m.memberId}>
                      <td>
                        <code>{m.memberId}</code>
                      </td>
                      <td class="num">{m.memberEpoch}</td>
                      <td>{m.topics.join(', ')}</td>
                      <td>{m.assignment.length ? m.assignment.map((a) => `${a.topic}: ${a.partitions.join(', ') || '—'}`).join(' · ') : <span class="muted">nothing yet</span>}</td>
                      <td class="nowrap">{time(m.lastHeartbeatMs)}</td>
                    </tr>
                  ))}
                </tbody>
              </table>
            </div>
          )}

          <h3>Committed offsets</h3>
          {data.offsets.length === 0 ? (
            <Empty title="No committed offsets yet.">They appear once a member commits.</Empty>
          ) : (
            <div class="table-wrap">
              <table class="striped" data-testid="offsets">
                <thead>
                  <tr>
                    <th scope="col">Topic</th>
                    <th scope="col" class="num">
                      Partition
                    </th>
                    <th scope="col" class="num">
                      Committed
                    </th>
                    <th scope="col" class="num">
                      High watermark
                    </th>
                    <th scope="col" class="num">
                      Lag
                    </th>
                    <th scope="col">Owner</th>
                  </tr>
                </thead>
                <tbody>
                  {data.offsets.map((o) => (
                    <tr key={`${o.topic}/${o.partition}`} data-partition={o.partition}>
                      <td>
                        <Link href={`/topics/${encodeURIComponent(o.topic)}`}>{o.topic}</Link>
                      </td>
                      <td class="num">{o.partition}</td>
                      <td class="num">{num(o.offset)}</td>
                      <td class="num">{num(o.highWatermark)}</td>
                      <td class="num" data-col="lag">
                        {num(o.lag)}
                      </td>
                      <td>{o.memberId ? <code>{o.memberId}</code> : <span class="muted">—</span>}</td>
                    </tr>
                  ))}
                </tbody>
              </table>
            </div>
          )}
        </>
      )}
      {dialog === 'reset' && data ? (
        <ResetOffsets
          group={data}
          onClose={() => setDialog(undefined)}
          onReset={(topic) => {
            setDialog(undefined);
            setNotice(`Offsets of ${name} on ${topic} were reset.`);
            void reload();
          }}
        />
      ) : null}
      {dialog === 'delete' ? (
        <ConfirmDelete
          what="group"
          name={name}
          note="Deletes the group's committed offsets. The group must have no live members."
          onClose={() => setDialog(undefined)}
          onDelete={async () => {
            await api.deleteGroup(name);
            navigate('/groups');
          }}
        />
      ) : null}
    </section>
  );
}

type Mode = 'earliest' | 'latest' | 'time' | 'offset';

interface PreviewRow {
  partition: number;
  current: number | undefined;
  next: number;
  highWatermark: number;
}

/**
 * Reset a group's offsets on one topic. The preview is a dry run computed
 * here from the same read-only routes the reset itself resolves against
 * (topic bounds and `GET …/offsets?at=`); nothing changes until "Reset".
 */
function ResetOffsets({ group, onClose, onReset }: { group: GroupDescription; onClose: () => void; onReset: (topic: string) => void }) {
  const own = [...new Set(group.offsets.map((o) => o.topic).concat(group.members.flatMap((m) => m.topics)))].sort();
  const all = usePoll(() => api.listTopics(), 0);
  const choices = [...new Set([...own, ...(all.data?.topics.map((t) => t.name) ?? [])])];
  const [topic, setTopic] = useState(own[0] ?? '');
  const [mode, setMode] = useState<Mode>('earliest');
  const [timeText, setTimeText] = useState('');
  const [offsetText, setOffsetText] = useState('0');
  const [preview, setPreview] = useState<{ key: string; rows: PreviewRow[]; to: ResetTarget } | undefined>(undefined);
  const [error, setError] = useState<unknown>(undefined);
  const [busy, setBusy] = useState(false);
  const chosen = topic || choices[0] || '';
  const key = `${chosen}|${mode}|${timeText}|${offsetText}`;

  const target = (): ResetTarget => {
    if (mode === 'earliest' || mode === 'latest') return mode;
    if (mode === 'time') {
      const ms = new Date(timeText).getTime();
      if (!timeText || !Number.isFinite(ms)) throw new Error('pick a date and time to reset to');
      return { timestamp: ms };
    }
    if (!/^\d+$/.test(offsetText.trim())) throw new Error(`offset must be a whole number, got ${JSON.stringify(offsetText)}`);
    return { offset: Number(offsetText.trim()) };
  };

  const dryRun = async (e: Event): Promise<void> => {
    e.preventDefault();
    setError(undefined);
    setPreview(undefined);
    setBusy(true);
    try {
      if (!chosen) throw new Error('pick a topic');
      const to = target();
      const t = await api.describeTopic(chosen);
      const rows = await Promise.all(
        t.partitionOffsets.map(async (p): Promise<PreviewRow> => {
          let next: number;
          if (typeof to === 'object' && 'offset' in to) next = Math.min(Math.max(to.offset, p.logStartOffset), p.highWatermark);
          else next = (await api.offsetAt(chosen, p.partition, typeof to === 'object' ? to.timestamp : to)).offset;
          const current = group.offsets.find((o) => o.topic === chosen && o.partition === p.partition)?.offset;
          return { partition: p.partition, current, next, highWatermark: p.highWatermark };
        }),
      );
      setPreview({ key, rows, to });
    } catch (err) {
      setError(err);
    } finally {
      setBusy(false);
    }
  };

  const apply = async (): Promise<void> => {
    if (!preview) return;
    setBusy(true);
    setError(undefined);
    try {
      await api.resetOffsets(group.group, chosen, preview.to);
      onReset(chosen);
    } catch (err) {
      setError(err);
      setBusy(false);
    }
  };

  const fresh = preview && preview.key === key;
  return (
    <Modal title={`Reset offsets of ${group.group}`} onClose={onClose}>
      <form onSubmit={dryRun}>
        {group.members.length ? (
          <p class="warning">
            The group has {group.members.length} live member(s): Eddy refuses a reset until they stop (<code>NON_EMPTY_GROUP</code>).
          </p>
        ) : null}
        <div class="grid">
          <label>
            Topic
            <select name="topic" value={chosen} onChange={(e) => setTopic(e.currentTarget.value)}>
              {choices.map((c) => (
                <option key={c} value={c}>
                  {c}
                </option>
              ))}
            </select>
          </label>
          <label>
            Reset to
            <select name="mode" value={mode} onChange={(e) => setMode(e.currentTarget.value as Mode)}>
              <option value="earliest">Earliest (log start)</option>
              <option value="latest">Latest (high watermark)</option>
              <option value="time">A time</option>
              <option value="offset">An offset</option>
            </select>
          </label>
          {mode === 'time' ? (
            <label>
              Time
              <input name="time" type="datetime-local" step={1} value={timeText} onInput={(e) => setTimeText(e.currentTarget.value)} />
            </label>
          ) : null}
          {mode === 'offset' ? (
            <label>
              Offset (every partition)
              <input name="offset" inputMode="numeric" value={offsetText} onInput={(e) => setOffsetText(e.currentTarget.value)} />
            </label>
          ) : null}
        </div>
        <ErrorBox error={error} />
        {fresh ? (
          <table class="striped" data-testid="reset-preview">
            <caption>Dry run: nothing has changed yet</caption>
            <thead>
              <tr>
                <th scope="col" class="num">
                  Partition
                </th>
                <th scope="col" class="num">
                  Committed now
                </th>
                <th scope="col" class="num">
                  After reset
                </th>
                <th scope="col" class="num">
                  Change
                </th>
                <th scope="col" class="num">
                  Lag after
                </th>
              </tr>
            </thead>
            <tbody>
              {preview.rows.map((r) => (
                <tr key={r.partition} data-partition={r.partition}>
                  <td class="num">{r.partition}</td>
                  <td class="num">{r.current === undefined ? '—' : num(r.current)}</td>
                  <td class="num" data-col="next">
                    {num(r.next)}
                  </td>
                  <td class="num">{r.current === undefined ? 'new' : r.next === r.current ? '0' : `${r.next > r.current ? '+' : '−'}${num(Math.abs(r.next - r.current))}`}</td>
                  <td class="num">{num(r.highWatermark - r.next)}</td>
                </tr>
              ))}
            </tbody>
          </table>
        ) : null}
        <div class="buttons">
          <button type="button" class="secondary" onClick={onClose}>
            Cancel
          </button>
          <button type="submit" class={fresh ? 'secondary' : ''} disabled={busy} aria-busy={busy && !fresh}>
            Preview (dry run)
          </button>
          <button type="button" class="danger" disabled={!fresh || busy} onClick={() => void apply()}>
            Reset offsets
          </button>
        </div>
      </form>
    </Modal>
  );
}
