/** Where the CLI writes: stdout for results, stderr for progress, notes and errors. */
export interface Stream {
  write(text: string): unknown;
  isTTY?: boolean;
  columns?: number;
}

export interface Output {
  stdout: Stream;
  stderr: Stream;
}

export interface Column<Row> {
  header: string;
  value: (row: Row) => string | number | undefined;
  /** Longer values are cut with an ellipsis. @default 40 */
  maxWidth?: number;
  align?: 'left' | 'right';
}

/** A plain-text table: a header, a rule, one line per row; columns as wide as their widest cell. */
export function table<Row>(rows: readonly Row[], columns: readonly Column<Row>[]): string {
  const cells = rows.map((row) =>
    columns.map((column) => cut(clean(String(column.value(row) ?? '')), column.maxWidth ?? 40)),
  );
  const widths = columns.map((column, index) =>
    Math.max(column.header.length, ...cells.map((line) => (line[index] ?? '').length)),
  );
  const render = (line: readonly string[]) =>
    line
      .map((cell, index) => {
        const width = widths[index] ?? 0;
        return columns[index]?.align === 'right' ? cell.padStart(width) : cell.padEnd(width);
      })
      .join('  ')
      .trimEnd();
  const headers = columns.map((column) => column.header);
  return [render(headers), render(widths.map((width) => '-'.repeat(width))), ...cells.map(render)]
    .map((line) => `${line}\n`)
    .join('');
}

/** Aligned `name: value` lines; empty values are left out. */
export function keyValues(
  pairs: ReadonlyArray<readonly [string, string | number | boolean | undefined]>,
  /** Names padded at least this wide, to line up with a block printed before. */
  minWidth = 0,
): string {
  const shown = pairs.filter(([, value]) => value !== undefined && value !== '');
  const width = Math.max(minWidth, ...shown.map(([name]) => name.length));
  return shown.map(([name, value]) => `${`${name}:`.padEnd(width + 2)}${String(value)}\n`).join('');
}

export function json(value: unknown): string {
  return `${JSON.stringify(value, null, 2)}\n`;
}

/** The first characters of a long id, enough to tell ids apart (any unique prefix works with `show`). */
export function shortId(id: string | undefined, length = 12): string {
  if (!id) return '';
  return id.length > length ? id.slice(0, length) : id;
}

/** Control characters would let stored data move the cursor or rewrite the terminal. */
function clean(text: string): string {
  // biome-ignore lint/suspicious/noControlCharactersInRegex: stripping them is the point
  return text.replace(/[\u0000-\u001f\u007f-\u009f]/g, ' ');
}

function cut(text: string, maxWidth: number): string {
  return text.length > maxWidth ? `${text.slice(0, maxWidth - 1)}…` : text;
}

/** Text safe to print to a terminal: control characters (except newline and tab) become `?`. */
export function printable(text: string): string {
  // biome-ignore lint/suspicious/noControlCharactersInRegex: stripping them is the point
  return text.replace(/[\u0000-\u0008\u000b-\u001f\u007f-\u009f]/g, '?');
}
