// The aligned table of cockroach sql / psql: a header centred over each column, `-` rules joined by `+`,
// `|` between cells, numbers right-aligned, then `(1 row)` / `(N rows)`. A value spanning several lines
// takes several table lines. Used on a terminal and with `--format table`.
import type { ResultSet } from '@strongroom/sources';
import { displayText, isNumericColumn } from './values.js';
import { displayWidth, padEnd, padStart } from './width.js';

/** `NULL` for null; everything else via displayText (the column's type decides how a timestamp reads). */
export function tableCell(v: ResultSet['rows'][number][number] | undefined, type?: string): string {
  return v === null || v === undefined ? 'NULL' : displayText(v, type);
}

export function rowCountFooter(n: number): string {
  return n === 1 ? '(1 row)' : `(${n} rows)`;
}

function centre(s: string, width: number): string {
  const room = Math.max(0, width - displayWidth(s));
  const left = Math.floor(room / 2);
  return ' '.repeat(left) + s + ' '.repeat(room - left);
}

/** Renders a result set that has columns; ends with a newline. */
export function formatTable(rs: ResultSet): string {
  const cells = rs.rows.map((row) => rs.columns.map((c, i) => tableCell(row[i], c.type).split('\n')));
  const widths = rs.columns.map((c, i) =>
    Math.max(displayWidth(c.name), ...cells.map((row) => Math.max(...row[i]!.map(displayWidth)))),
  );
  const numeric = rs.columns.map((c, i) => isNumericColumn(c, rs.rows, i));
  const join = (parts: string[]) => ` ${parts.join(' | ')}`.trimEnd();
  const out: string[] = [];
  out.push(join(rs.columns.map((c, i) => centre(c.name, widths[i]!))));
  out.push(widths.map((w) => '-'.repeat(w + 2)).join('+'));
  for (const row of cells) {
    const height = Math.max(1, ...row.map((lines) => lines.length));
    for (let l = 0; l < height; l++) {
      out.push(
        join(
          row.map((lines, i) => {
            const text = lines[l] ?? '';
            return numeric[i] ? padStart(text, widths[i]!) : padEnd(text, widths[i]!);
          }),
        ),
      );
    }
  }
  out.push(rowCountFooter(rs.rows.length));
  return `${out.join('\n')}\n`;
}
