/** One topic: config, per-partition log start / high watermark / segments, and a throughput sparkline. */
import { useRef, useState } from 'preact/hooks';
import { Link, useLocation } from 'wouter-preact';
import { api, type TopicDescription } from '../api';
import { Chart } from '../components/chart';
import { ErrorBox, Loading } from '../components/ui';
import { bytes, duration, num } from '../format';
import { usePoll } from '../hooks';
import { DeleteTopic, recordCount, TopicForm } from './topics';

/** How often the page polls the topic (and so the sparkline's resolution). */
const POLL_MS = 2000;
/** Points kept for the sparkline: 5 minutes at one per poll. */
const HISTORY = 150;

interface Sample {
  at: number;
  /** Sum of high watermarks: offsets ever assigned, so its rise is the produce rate. */
  total: number;
  perPartition: number[];
}

/** The topic detail page. */
export function TopicPage({ name }: { name: string }) {
  const history = useRef<Sample[]>([]);
  const [, navigate] = useLocation();
  const [dialog, setDialog] = useState<'alter' | 'delete' | undefined>(undefined);
  const { data, error, reload } = usePoll(
    async () => {
      const t = await api.describeTopic(name);
      const h = history.current;
      h.push({ at: Date.now(), total: t.partitionOffsets.reduce((n, p) => n + p.highWatermark, 0), perPartition: t.partitionOffsets.map((p) => p.highWatermark) });
      if (h.length > HISTORY) h.splice(0, h.length - HISTORY);
      return t;
    },
    POLL_MS,
    [name],
  );

  const samples = history.current;
  // Records per second between consecutive polls, from the rise of the high watermarks.
  const times: number[] = [];
  const rates: number[] = [];
  for (let i = 1; i < samples.length; i++) {
    const a = samples[i - 1]!;
    const b = samples[i]!;
    times.push(b.at / 1000);
    rates.push(Math.max(0, (b.total - a.total) / ((b.at - a.at) / 1000)));
  }
  const last = samples.length >= 2 ? samples[samples.length - 1]! : undefined;
  const prev = samples.length >= 2 ? samples[samples.length - 2]! : undefined;
  const partitionRate = (p: number): number | undefined =>
    last && prev && last.perPartition.length === prev.perPartition.length ? Math.max(0, ((last.perPartition[p] ?? 0) - (prev.perPartition[p] ?? 0)) / ((last.at - prev.at) / 1000)) : undefined;

  return (
    <section>
      <nav aria-label="breadcrumb">
        <ul>
          <li>
            <Link href="/topics">Topics</Link>
          </li>
          <li>{name}</li>
        </ul>
      </nav>
      <div class="page-head">
        <h2>{name}</h2>
        <div class="buttons">
          <Link href={`/topics/${encodeURIComponent(name)}/messages`} role="button">
            Browse messages
          </Link>
          <button type="button" class="secondary" disabled={!data} onClick={() => setDialog('alter')}>
            Alter
          </button>
          <button type="button" class="danger" disabled={!data} onClick={() => setDialog('delete')}>
            Delete
          </button>
        </div>
      </div>
      <ErrorBox error={error} />
      {!data ? (
        error ? null : <Loading />
      ) : (
        <>
          <div class="cards">
            <article>
              <small>Partitions</small>
              <strong>{data.partitions}</strong>
            </article>
            <article>
              <small>Records</small>
              <strong data-testid="records">{num(recordCount(data))}</strong>
            </article>
            <article>
              <small>Retention</small>
              <strong>{duration(data.config.retentionMs)}</strong>
              <small>size limit {bytes(data.config.retentionBytes)} per partition</small>
            </article>
            <article>
              <small>Max message</small>
              <strong>{bytes(data.config.maxMessageBytes)}</strong>
            </article>
            <article class="wide">
              <small>
                Throughput{' '}
                {rates.length ? (
                  <>
                    now <strong class="inline">{num(Math.round(rates[rates.length - 1]!))}</strong> records/s
                  </>
                ) : (
                  '(measuring…)'
                )}
              </small>
              <Chart times={times} series={[{ label: 'records/s', values: rates }]} height={48} spark label="Records per second produced to this topic, over the last minutes" />
              <small>records/s from the high watermarks, every {POLL_MS / 1000}s since this page opened</small>
            </article>
          </div>
          <div class="table-wrap">
            <table class="striped">
              <thead>
                <tr>
                  <th scope="col" class="num">Partition</th>
                  <th scope="col" class="num">Log start</th>
                  <th scope="col" class="num">High watermark</th>
                  <th scope="col" class="num">Records</th>
                  <th scope="col" class="num">Segments</th>
                  <th scope="col" class="num">Records/s</th>
                  <th scope="col" />
                </tr>
              </thead>
              <tbody>
                {data.partitionOffsets.map((p) => {
                  const rate = partitionRate(p.partition);
                  return (
                    <tr key={p.partition}>
                      <td class="num">{p.partition}</td>
                      <td class="num">{num(p.logStartOffset)}</td>
                      <td class="num">{num(p.highWatermark)}</td>
                      <td class="num">{num(p.highWatermark - p.logStartOffset)}</td>
                      <td class="num">{p.segments === undefined ? '—' : num(p.segments)}</td>
                      <td class="num">{rate === undefined ? '—' : num(Math.round(rate))}</td>
                      <td class="actions">
                        <Link href={`/topics/${encodeURIComponent(name)}/messages/${p.partition}`}>Browse</Link>
                      </td>
                    </tr>
                  );
                })}
              </tbody>
            </table>
          </div>
          <p class="muted">
            Segments are the stored chunks holding a partition's live records; compaction (maintenance) merges them. Topic id <code>{data.topicId}</code>.
          </p>
        </>
      )}
      {dialog === 'alter' && data ? (
        <TopicForm
          topic={data as TopicDescription}
          onClose={() => setDialog(undefined)}
          onSaved={() => {
            setDialog(undefined);
            void reload();
          }}
        />
      ) : null}
      {dialog === 'delete' ? <DeleteTopic name={name} onClose={() => setDialog(undefined)} onDeleted={() => navigate('/topics')} /> : null}
    </section>
  );
}
