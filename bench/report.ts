/** What each benchmark reports, and the table `npm run bench` prints. */

export interface Target {
  op: '<=' | '<' | '>=';
  limit: number;
}

export interface Figure {
  metric: string;
  value: number;
  /** `x` for a ratio, `ms`, `KiB`, `/s`, `$`, … */
  unit: string;
  /** Decimals shown in the table. @default 2 */
  digits?: number;
  target?: Target;
  /** Filled in by `withVerdicts`. */
  met?: boolean;
}

export interface BenchmarkResult {
  name: string;
  title: string;
  figures: Figure[];
  /** Everything measured, for the JSON output and BENCHMARKS.md. */
  details: Record<string, unknown>;
  /** One-line caveats printed under the table. */
  notes: string[];
}

export function meets(value: number, target: Target): boolean {
  if (target.op === '<=') return value <= target.limit;
  if (target.op === '<') return value < target.limit;
  return value >= target.limit;
}

export function withVerdicts(result: BenchmarkResult): BenchmarkResult {
  return {
    ...result,
    figures: result.figures.map((figure) =>
      figure.target ? { ...figure, met: meets(figure.value, figure.target) } : figure,
    ),
  };
}

export function formatValue(figure: Pick<Figure, 'value' | 'unit' | 'digits'>): string {
  const digits = figure.digits ?? 2;
  const number = figure.value.toLocaleString('en-US', {
    minimumFractionDigits: digits,
    maximumFractionDigits: digits,
  });
  if (figure.unit === '$') return `$${number}`;
  if (figure.unit === 'x') return `${number}x`;
  return figure.unit === '' ? number : `${number} ${figure.unit}`;
}

export function formatTarget(figure: Figure): string {
  if (!figure.target) return '';
  const limit = formatValue({ value: figure.target.limit, unit: figure.unit, digits: figure.digits });
  return `${figure.target.op} ${limit}`;
}

/** A plain-text table: benchmark, metric, value, target, verdict. */
export function formatTable(results: readonly BenchmarkResult[]): string {
  const rows: string[][] = [['benchmark', 'metric', 'value', 'target', '']];
  for (const result of results) {
    result.figures.forEach((figure, index) => {
      rows.push([
        index === 0 ? result.name : '',
        figure.metric,
        formatValue(figure),
        formatTarget(figure),
        figure.met === undefined ? '' : figure.met ? 'met' : 'MISSED',
      ]);
    });
  }
  const widths =
    rows[0]?.map((_, column) => Math.max(...rows.map((row) => (row[column] ?? '').length))) ?? [];
  const line = (row: string[]) =>
    row
      .map((cell, column) =>
        column === 2 ? cell.padStart(widths[column] ?? 0) : cell.padEnd(widths[column] ?? 0),
      )
      .join('  ')
      .trimEnd();
  const rule = widths.map((width) => '-'.repeat(width)).join('  ');
  const [header, ...body] = rows;
  const notes = results.flatMap((result) => result.notes.map((note) => `  [${result.name}] ${note}`));
  return [
    line(header ?? []),
    rule,
    ...body.map(line),
    ...(notes.length > 0 ? ['', 'Notes:', ...notes] : []),
  ].join('\n');
}
