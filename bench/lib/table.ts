// The bench's one table: every figure beside its reference, with the ratio and its target.

export interface Row {
  group: string;
  subject: string;
  measured: string;
  reference: string;
  ratio?: number;
  target?: number;
  errors: number;
  rss?: number;
  note?: string;
}

/** The Markdown table under `heading`, one line per row. */
export function formatTable(heading: string[], rows: readonly Row[]): string {
  const lines = [
    ...heading,
    '',
    '| group | subject | measured | reference | ratio | target | met | non-2xx | RSS MiB | note |',
    '|---|---|---|---|---|---|---|---|---|---|',
    ...rows.map(
      (row) =>
        `| ${[
          row.group,
          row.subject,
          row.measured,
          row.reference,
          row.ratio === undefined ? '' : row.ratio.toFixed(2),
          row.target === undefined ? '' : `${lowerIsBetter(row) ? '<=' : '>='} ${row.target}`,
          met(row),
          String(row.errors),
          row.rss === undefined ? '' : row.rss.toFixed(0),
          row.note ?? '',
        ].join(' | ')} |`,
    ),
    '',
  ];
  return lines.join('\n');
}

// Memory is judged by growth: the only row whose ratio must stay below its target.
function lowerIsBetter(row: Row): boolean {
  return row.group === 'Memory';
}

function met(row: Row): string {
  if (row.target === undefined || row.ratio === undefined) return '';
  const ok = lowerIsBetter(row) ? row.ratio <= row.target : row.ratio >= row.target;
  return ok ? 'yes' : 'NO';
}

export function rps(result: { requestsPerSecond: number }): string {
  return `${Math.round(result.requestsPerSecond).toLocaleString('en-US')}/s`;
}

export function ms(value: number): string {
  return `${value.toFixed(2)} ms`;
}
