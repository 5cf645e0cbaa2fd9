/** Topics: every topic with partitions, records and retention; create, alter, delete. */
import { useState } from 'preact/hooks';
import { Link, useLocation } from 'wouter-preact';
import { api, mapLimit, type TopicDescription } from '../api';
import { ConfirmDelete, Empty, ErrorBox, Loading, Modal } from '../components/ui';
import { bytes, duration, num, parseDuration } from '../format';
import { usePoll } from '../hooks';

/** Records a topic holds now: the sum over partitions of high watermark − log start. */
export function recordCount(t: TopicDescription): number {
  return t.partitionOffsets.reduce((n, p) => n + (p.highWatermark - p.logStartOffset), 0);
}

type Row = TopicDescription | { name: string; partitions: number; error: unknown };

/** The topics list page. */
export function TopicsPage() {
  const { data, error, reload } = usePoll(async (): Promise<Row[]> => {
    const { topics } = await api.listTopics();
    return mapLimit(topics, 6, (t) => api.describeTopic(t.name).catch((err: unknown): Row => ({ ...t, error: err })));
  }, 5000);
  const [dialog, setDialog] = useState<{ kind: 'create' } | { kind: 'alter' | 'delete'; topic: TopicDescription } | undefined>(undefined);
  const close = (): void => setDialog(undefined);

  return (
    <section>
      <div class="page-head">
        <h2>Topics</h2>
        <button type="button" onClick={() => setDialog({ kind: 'create' })}>
          Create topic
        </button>
      </div>
      <ErrorBox error={error} title="Could not list topics" />
      {data === undefined ? (
        error ? null : <Loading />
      ) : data.length === 0 ? (
        <Empty title="No topics yet.">
          Create one with <em>Create topic</em>, or from a terminal: <code>npx eddy topics create orders --partitions 3</code>
        </Empty>
      ) : (
        <div class="table-wrap">
          <table class="striped">
            <thead>
              <tr>
                <th scope="col">Name</th>
                <th scope="col" class="num">Partitions</th>
                <th scope="col" class="num">Records</th>
                <th scope="col">Retention</th>
                <th scope="col">Size limit</th>
                <th scope="col">Max message</th>
                <th scope="col" class="actions">
                  <span class="visually-hidden">Actions</span>
                </th>
              </tr>
            </thead>
            <tbody>
              {data.map((t) => (
                <tr key={t.name} data-topic={t.name}>
                  <td>
                    <Link href={`/topics/${encodeURIComponent(t.name)}`}>{t.name}</Link>
                  </td>
                  <td class="num">{t.partitions}</td>
                  {'error' in t ? (
                    <td colSpan={4}>
                      <ErrorBox error={t.error} />
                    </td>
                  ) : (
                    <>
                      <td class="num" data-col="records">
                        {num(recordCount(t))}
                      </td>
                      <td>{duration(t.config.retentionMs)}</td>
                      <td>{bytes(t.config.retentionBytes)}</td>
                      <td>{bytes(t.config.maxMessageBytes)}</td>
                    </>
                  )}
                  <td class="actions">
                    <Link href={`/topics/${encodeURIComponent(t.name)}/messages`}>Messages</Link>
                    {'error' in t ? null : (
                      <>
                        <button type="button" class="link" onClick={() => setDialog({ kind: 'alter', topic: t })}>
                          Alter
                        </button>
                        <button type="button" class="link danger-text" onClick={() => setDialog({ kind: 'delete', topic: t })}>
                          Delete
                        </button>
                      </>
                    )}
                  </td>
                </tr>
              ))}
            </tbody>
          </table>
        </div>
      )}
      {dialog?.kind === 'create' ? (
        <TopicForm
          onClose={close}
          onSaved={() => {
            close();
            void reload();
          }}
        />
      ) : null}
      {dialog?.kind === 'alter' ? (
        <TopicForm
          topic={dialog.topic}
          onClose={close}
          onSaved={() => {
            close();
            void reload();
          }}
        />
      ) : null}
      {dialog?.kind === 'delete' ? (
        <DeleteTopic
          name={dialog.topic.name}
          onClose={close}
          onDeleted={() => {
            close();
            void reload();
          }}
        />
      ) : null}
    </section>
  );
}

/** Deletes a topic after its name is typed. */
export function DeleteTopic({ name, onClose, onDeleted }: { name: string; onClose: () => void; onDeleted: () => void }) {
  return (
    <ConfirmDelete
      what="topic"
      name={name}
      note="Its records become unreadable at once; maintenance reclaims the storage. A topic created later with the same name starts empty."
      onClose={onClose}
      onDelete={async () => {
        await api.deleteTopic(name);
        onDeleted();
      }}
    />
  );
}

/** Create (no `topic`) or alter (partitions may only grow; retention and size limit). */
export function TopicForm({ topic, onClose, onSaved }: { topic?: TopicDescription; onClose: () => void; onSaved: (t: TopicDescription) => void }) {
  const [name, setName] = useState('');
  const [partitions, setPartitions] = useState(String(topic?.partitions ?? 1));
  const [retention, setRetention] = useState(topic ? duration(topic.config.retentionMs) : '7d');
  const [retentionBytes, setRetentionBytes] = useState(topic ? String(topic.config.retentionBytes) : '-1');
  const [error, setError] = useState<unknown>(undefined);
  const [busy, setBusy] = useState(false);
  const [, navigate] = useLocation();

  const submit = async (e: Event): Promise<void> => {
    e.preventDefault();
    setError(undefined);
    let config: { retentionMs?: number; retentionBytes?: number };
    try {
      const retentionMs = parseDuration(retention);
      const rb = Number(retentionBytes.trim());
      if (!Number.isInteger(rb)) throw new Error(`size limit must be a whole number of bytes or -1, got ${JSON.stringify(retentionBytes)}`);
      config = topic
        ? { ...(retentionMs !== topic.config.retentionMs ? { retentionMs } : {}), ...(rb !== topic.config.retentionBytes ? { retentionBytes: rb } : {}) }
        : { retentionMs, retentionBytes: rb };
    } catch (err) {
      setError(err);
      return;
    }
    // The API checks the partition count (and says what is wrong with it); only a non-number is caught here.
    const p = Number(partitions);
    if (partitions.trim() === '' || !Number.isFinite(p)) {
      setError(new Error(`partitions must be a number, got ${JSON.stringify(partitions)}`));
      return;
    }
    setBusy(true);
    try {
      const saved = topic
        ? await api.alterTopic(topic.name, { ...(p !== topic.partitions ? { partitions: p } : {}), ...(Object.keys(config).length ? { config } : {}) })
        : await api.createTopic({ name: name.trim(), partitions: p, config });
      onSaved(saved);
      if (!topic) navigate(`/topics/${encodeURIComponent(saved.name)}`);
    } catch (err) {
      setError(err);
      setBusy(false);
    }
  };

  return (
    <Modal title={topic ? `Alter topic ${topic.name}` : 'Create topic'} onClose={onClose}>
      <form onSubmit={submit}>
        {topic ? null : (
          <label>
            Name
            <input name="name" required autoFocus spellcheck={false} autoComplete="off" placeholder="orders" value={name} onInput={(e) => setName(e.currentTarget.value)} />
            <small>Letters, digits, <code>.</code>, <code>_</code> and <code>-</code>; up to 249 characters.</small>
          </label>
        )}
        <div class="grid">
          <label>
            Partitions
            <input name="partitions" type="number" min={topic?.partitions ?? 1} max={1000} value={partitions} onInput={(e) => setPartitions(e.currentTarget.value)} />
            {topic ? <small>Can only grow (keys move to new partitions).</small> : <small>1 to 1000.</small>}
          </label>
          <label>
            Retention
            <input name="retention" spellcheck={false} value={retention} onInput={(e) => setRetention(e.currentTarget.value)} />
            <small>
              e.g. <code>7d</code>, <code>12h</code>, <code>forever</code>
            </small>
          </label>
          <label>
            Size limit (bytes)
            <input name="retentionBytes" type="number" min={-1} value={retentionBytes} onInput={(e) => setRetentionBytes(e.currentTarget.value)} />
            <small>Per partition; -1 is unlimited.</small>
          </label>
        </div>
        <ErrorBox error={error} />
        <div class="buttons">
          <button type="button" class="secondary" onClick={onClose}>
            Cancel
          </button>
          <button type="submit" disabled={busy} aria-busy={busy}>
            {topic ? 'Save' : 'Create'}
          </button>
        </div>
      </form>
    </Modal>
  );
}
