/**
 * Human output: column-aligned tables with upper-case headers, the shape of
 * kafka-topics.sh and kafka-consumer-groups.sh output, so the numbers an
 * operator looks for are where they expect them.
 */

/** A table cell: numbers and strings print as they are; undefined/null print as `-`. */
export type Cell = string | number | null | undefined;

/**
 * Cells longer than this do not widen their column: they are printed whole
 * and push only their own row's later cells right, so one 249-character
 * topic name does not pad every other row of the table.
 */
export const MAX_COLUMN_WIDTH = 48;

/** Renders rows under headers, columns separated by two spaces, lines ending in `\n`. */
export function renderTable(headers: readonly string[], rows: readonly (readonly Cell[])[]): string {
  const text = rows.map((row) => headers.map((_, i) => cell(row[i])));
  const widths = headers.map((h, i) => Math.max(h.length, ...text.map((r) => r[i]!.length).filter((n) => n <= MAX_COLUMN_WIDTH)));
  const line = (cells: readonly string[]): string =>
    cells
      .map((c, i) => (i === cells.length - 1 ? c : c.padEnd(widths[i]!)))
      .join('  ')
      .trimEnd() + '\n';
  return line(headers) + text.map(line).join('');
}

function cell(value: Cell): string {
  return value === undefined || value === null || value === '' ? '-' : String(value);
}

/** A duration in ms as a short human string (`7d`, `1h30m`, `forever` for -1). */
export function humanMs(ms: number): string {
  if (ms < 0) return 'forever';
  if (ms === 0) return '0ms';
  const units: [string, number][] = [
    ['d', 86_400_000],
    ['h', 3_600_000],
    ['m', 60_000],
    ['s', 1000],
    ['ms', 1],
  ];
  const parts: string[] = [];
  let rest = ms;
  for (const [unit, size] of units) {
    if (rest >= size) {
      parts.push(`${Math.floor(rest / size)}${unit}`);
      rest %= size;
    }
    if (parts.length === 2) break;
  }
  return parts.join('');
}

/** A byte count as a short human string (`1 MiB`, `unlimited` for -1). */
export function humanBytes(bytes: number): string {
  if (bytes < 0) return 'unlimited';
  const units = ['B', 'KiB', 'MiB', 'GiB', 'TiB'];
  let v = bytes;
  let i = 0;
  while (v >= 1024 && i < units.length - 1) {
    v /= 1024;
    i++;
  }
  return `${Number.isInteger(v) ? v : v.toFixed(1)} ${units[i]}`;
}
