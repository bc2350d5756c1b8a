// `--format json`: one JSON object per result set on one line (NDJSON), `{columns, rows, tag}`. Integers
// are written as exact JSON numbers even beyond 2^53 (bigint digits, never rounded); bytes are `\x…`
// strings, timestamps ISO strings, NULL is null.
import type { ResultSet, ResultValue } from '@strongroom/sources';
import { valueText } from './values.js';

function jsonValue(v: ResultValue | undefined): string {
  if (v === null || v === undefined) return 'null';
  if (typeof v === 'bigint') return v.toString();
  if (typeof v === 'number') return Number.isFinite(v) ? String(v) : JSON.stringify(String(v));
  if (typeof v === 'boolean') return String(v);
  return JSON.stringify(valueText(v));
}

export function formatJson(rs: ResultSet): string {
  const columns = JSON.stringify(rs.columns.map((c) => ({ name: c.name, type: c.type })));
  const rows = rs.rows.map((row) => `[${rs.columns.map((_, i) => jsonValue(row[i])).join(',')}]`);
  return `{"columns":${columns},"rows":[${rows.join(',')}],"tag":${JSON.stringify(rs.tag)}}\n`;
}
