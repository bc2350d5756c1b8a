// TSV and CSV: a header row, then one line per row. A field holding the delimiter, a quote, a CR or a LF
// is quoted with `"` and inner quotes doubled (the rule of cockroach's tsv/csv output, Go's encoding/csv),
// so any value round-trips. NULL is an empty field.
import type { ResultSet } from '@strongroom/sources';
import { displayText } from './values.js';

function field(text: string, delimiter: string): string {
  if (text.includes(delimiter) || /["\r\n]/.test(text)) return `"${text.replaceAll('"', '""')}"`;
  return text;
}

export function formatDelimited(rs: ResultSet, delimiter: '\t' | ','): string {
  const lines = [rs.columns.map((c) => field(c.name, delimiter)).join(delimiter)];
  for (const row of rs.rows) {
    lines.push(
      rs.columns
        .map((c, i) => {
          const v = row[i];
          return v === null || v === undefined ? '' : field(displayText(v, c.type), delimiter);
        })
        .join(delimiter),
    );
  }
  return `${lines.join('\n')}\n`;
}
