/** Small building blocks shared by the pages: errors, empty states, dialogs, confirmation. */
import type { ComponentChildren } from 'preact';
import { useEffect, useRef, useState } from 'preact/hooks';
import { ApiError } from '../api';

/** An error as the API said it: its code and message, unchanged. */
export function ErrorBox({ error, title }: { error: unknown; title?: string }) {
  if (error === undefined || error === null) return null;
  const code = error instanceof ApiError ? error.code : undefined;
  const status = error instanceof ApiError && error.status ? ` (HTTP ${error.status})` : '';
  const message = error instanceof Error ? error.message : String(error);
  return (
    <div class="error" role="alert">
      {title ? <strong>{title}: </strong> : null}
      {code ? <code>{code}</code> : null}
      {code ? ': ' : null}
      <span class="error-message">{message}</span>
      {status}
    </div>
  );
}

/** What a list shows when there is nothing in it, and what to do about that. */
export function Empty({ title, children }: { title: string; children?: ComponentChildren }) {
  return (
    <div class="empty">
      <strong>{title}</strong>
      {children ? <div>{children}</div> : null}
    </div>
  );
}

/** "Loading…" for the first answer only (refreshes keep the old data on screen). */
export function Loading() {
  return <p aria-busy="true">Loading…</p>;
}

/**
 * A modal dialog (native `<dialog>`: focus stays inside, Escape closes).
 * Pico styles `dialog > article`.
 */
export function Modal({ title, onClose, children, footer }: { title: string; onClose: () => void; children: ComponentChildren; footer?: ComponentChildren }) {
  const ref = useRef<HTMLDialogElement>(null);
  useEffect(() => {
    const d = ref.current!;
    if (!d.open) d.showModal();
    const cancel = (e: Event): void => {
      e.preventDefault();
      onClose();
    };
    d.addEventListener('cancel', cancel);
    return () => d.removeEventListener('cancel', cancel);
  }, [onClose]);
  return (
    <dialog ref={ref} aria-label={title}>
      <article>
        <header>
          <button type="button" class="close" aria-label="Close" onClick={onClose} />
          <h3>{title}</h3>
        </header>
        {children}
        {footer ? <footer>{footer}</footer> : null}
      </article>
    </dialog>
  );
}

/**
 * Deleting something by name: the button stays disabled until the name is
 * typed exactly, as Kafka UIs and cloud consoles ask.
 */
export function ConfirmDelete({ what, name, onClose, onDelete, note }: { what: string; name: string; onClose: () => void; onDelete: () => Promise<void>; note?: ComponentChildren }) {
  const [typed, setTyped] = useState('');
  const [error, setError] = useState<unknown>(undefined);
  const [busy, setBusy] = useState(false);
  const submit = async (e: Event): Promise<void> => {
    e.preventDefault();
    if (typed !== name) return;
    setBusy(true);
    setError(undefined);
    try {
      await onDelete();
    } catch (err) {
      setError(err);
      setBusy(false);
    }
  };
  return (
    <Modal title={`Delete ${what} ${name}`} onClose={onClose}>
      <form onSubmit={submit}>
        {note ? <p>{note}</p> : null}
        <label>
          Type <code>{name}</code> to confirm
          <input name="confirm" autoFocus autoComplete="off" spellcheck={false} value={typed} onInput={(e) => setTyped(e.currentTarget.value)} />
        </label>
        <ErrorBox error={error} />
        <div class="buttons">
          <button type="button" class="secondary" onClick={onClose}>
            Cancel
          </button>
          <button type="submit" class="danger" disabled={typed !== name || busy} aria-busy={busy}>
            Delete {what}
          </button>
        </div>
      </form>
    </Modal>
  );
}
