// How one result value reads as text: bigint exact, bytes as `\x…` hex (PostgreSQL's bytea output),
// timestamps in ISO 8601, booleans as true/false. NULL is left to each format, since tables show `NULL`
// and TSV an empty field.
import type { ResultColumn, ResultValue } from '@strongroom/sources';

/** Text of a non-null value. */
export function valueText(v: Exclude<ResultValue, null>): string {
  if (typeof v === 'string') return v;
  if (typeof v === 'number' || typeof v === 'bigint') return String(v);
  if (typeof v === 'boolean') return v ? 'true' : 'false';
  if (v instanceof Date) return v.toISOString();
  return `\\x${Buffer.from(v.buffer, v.byteOffset, v.byteLength).toString('hex')}`;
}

/**
 * Text of a value as cockroach sql shows it: timestamps as `2026-12-04 16:38:11.892+00`, or without the
 * zone for a `timestamp` column (SHOW BACKUP's times); everything else as valueText. JSON keeps ISO 8601.
 */
export function displayText(v: Exclude<ResultValue, null>, type?: string): string {
  if (!(v instanceof Date)) return valueText(v);
  const text = v
    .toISOString()
    .replace('T', ' ')
    .replace(/\.?0*Z$/, '');
  return type === 'timestamp' ? text : `${text}+00`;
}

const NUMERIC_TYPES = /^(int[248]?|integer|bigint|smallint|float[48]?|real|double|numeric|decimal|oid)\b/i;

/** Numbers are right-aligned, as psql and cockroach do. */
export function isNumericColumn(
  column: ResultColumn,
  rows: readonly (readonly ResultValue[])[],
  index: number,
) {
  if (NUMERIC_TYPES.test(column.type)) return true;
  if (column.type !== '') return false;
  // Untyped column (e.g. an SQLite expression): numeric when every non-null value is a number.
  let seen = false;
  for (const row of rows) {
    const v = row[index];
    if (v === null || v === undefined) continue;
    if (typeof v !== 'number' && typeof v !== 'bigint') return false;
    seen = true;
  }
  return seen;
}
