/**
 * A JSON value as a collapsible tree, built on `<details>` so that it opens
 * and closes with the keyboard (Enter/Space on a summary) and the browser's
 * find-in-page still sees the text.
 */
import type { ComponentChildren } from 'preact';

function Scalar({ value }: { value: unknown }) {
  if (value === null) return <span class="j-null">null</span>;
  if (typeof value === 'string') return <span class="j-str">{JSON.stringify(value)}</span>;
  if (typeof value === 'number') return <span class="j-num">{String(value)}</span>;
  if (typeof value === 'boolean') return <span class="j-bool">{String(value)}</span>;
  return <span>{JSON.stringify(value)}</span>;
}

function Entry({ name, value, depth, last }: { name: ComponentChildren; value: unknown; depth: number; last: boolean }) {
  const comma = last ? '' : ',';
  if (value === null || typeof value !== 'object') {
    return (
      <div class="j-row">
        {name}
        <Scalar value={value} />
        {comma}
      </div>
    );
  }
  const isArray = Array.isArray(value);
  const entries = isArray ? (value as unknown[]).map((v, i) => [String(i), v] as const) : Object.entries(value as Record<string, unknown>);
  const [open, close] = isArray ? ['[', ']'] : ['{', '}'];
  if (entries.length === 0) {
    return (
      <div class="j-row">
        {name}
        {open}
        {close}
        {comma}
      </div>
    );
  }
  return (
    <details open={depth < 4} class="j-node">
      <summary>
        {name}
        {open}
        <span class="j-count">
          {' '}
          {entries.length} {isArray ? (entries.length === 1 ? 'item' : 'items') : entries.length === 1 ? 'key' : 'keys'}{' '}
        </span>
      </summary>
      <div class="j-children">
        {entries.map(([k, v], i) => (
          <Entry key={k} name={isArray ? null : <span class="j-key">{JSON.stringify(k)}: </span>} value={v} depth={depth + 1} last={i === entries.length - 1} />
        ))}
      </div>
      <div class="j-row">
        {close}
        {comma}
      </div>
    </details>
  );
}

/** Renders any JSON value; objects and arrays four levels deep start open. */
export function JsonTree({ value }: { value: unknown }) {
  return (
    <div class="json" data-testid="json">
      <Entry name={null} value={value} depth={0} last />
    </div>
  );
}
