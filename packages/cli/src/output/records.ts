// Expanded display (`\x`): one `-[ RECORD n ]` block per row with `name | value` lines, as psql prints
// it, for result sets too wide for a terminal (SHOW BACKUP, SHOW JOBS).
import type { ResultSet } from '@strongroom/sources';
import { rowCountFooter, tableCell } from './table.js';
import { displayWidth, padEnd } from './width.js';

export function formatRecords(rs: ResultSet): string {
  const nameWidth = Math.max(0, ...rs.columns.map((c) => displayWidth(c.name)));
  const out: string[] = [];
  rs.rows.forEach((row, r) => {
    out.push(`-[ RECORD ${r + 1} ]`);
    rs.columns.forEach((c, i) => {
      const [first = '', ...more] = tableCell(row[i], rs.columns[i]?.type).split('\n');
      out.push(`${padEnd(c.name, nameWidth)} | ${first}`.trimEnd());
      for (const line of more) out.push(`${' '.repeat(nameWidth)} | ${line}`.trimEnd());
    });
  });
  out.push(rowCountFooter(rs.rows.length));
  return `${out.join('\n')}\n`;
}
