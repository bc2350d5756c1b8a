// Turns what a forwarded statement returned into a ResultSet: PostgreSQL-style command tags, and column
// types from the declared type, else (expressions) from the values when they agree.
import type { ResultColumn, ResultSet, ResultValue } from '../types.js';
import type { ColumnDescription } from './driver.js';

/** Leading keywords of a statement, upper-cased, skipping whitespace and comments. */
export function leadingWords(sql: string, count: number): string[] {
  const text = sql.replace(/^(?:\s+|--[^\n]*(?:\n|$)|\/\*[\s\S]*?\*\/)*/, '');
  return (text.match(/^[A-Za-z_]+(?:\s+[A-Za-z_]+)*/)?.[0] ?? '')
    .split(/\s+/, count)
    .map((w) => w.toUpperCase());
}

const OBJECT_QUALIFIERS = new Set(['TEMP', 'TEMPORARY', 'UNIQUE', 'VIRTUAL']);

/** The command tag of a statement that affected `count` rows (changes, or rows returned). */
export function commandTag(sql: string, reader: boolean, count: number): string {
  const words = leadingWords(sql, 4);
  const first = words[0] ?? '';
  switch (first) {
    case 'INSERT':
    case 'REPLACE':
      return `INSERT 0 ${count}`;
    case 'UPDATE':
    case 'DELETE':
      return `${first} ${count}`;
    case 'CREATE':
    case 'DROP':
    case 'ALTER': {
      const object = words.slice(1).find((w) => !OBJECT_QUALIFIERS.has(w));
      return object === undefined ? first : `${first} ${object}`;
    }
    case 'END':
      return 'COMMIT';
    default:
      return reader ? `SELECT ${count}` : first || 'EMPTY';
  }
}

function valueType(value: ResultValue): string {
  if (typeof value === 'bigint') return 'int8';
  if (typeof value === 'number') return 'float8';
  if (value instanceof Uint8Array) return 'bytea';
  return 'text';
}

/**
 * SQLite's affinity rules (https://www.sqlite.org/datatype3.html §3.1) applied to a declared type, after the names PostgreSQL
 * drivers know a value kind for (BOOLEAN, TIMESTAMP, DATE).
 */
export function declaredType(declared: string | null): string {
  const t = (declared ?? '').toUpperCase();
  if (/^BOOL/.test(t)) return 'bool';
  if (/^(TIMESTAMP|DATETIME)/.test(t)) return /WITHOUT TIME ZONE/.test(t) ? 'timestamp' : 'timestamptz';
  if (t === 'DATE') return 'date';
  if (t.includes('INT')) return 'int8';
  if (/CHAR|CLOB|TEXT/.test(t)) return 'text';
  if (t === '' || t.includes('BLOB')) return declared === null || t === '' ? 'text' : 'bytea';
  if (/REAL|FLOA|DOUB/.test(t)) return 'float8';
  return 'text';
}

/**
 * A result column's type: a declared type wins (as Describe reports it before any row exists); an
 * expression takes its values' kind when the values agree, text when they do not.
 */
function resultType(c: ColumnDescription, rows: readonly (readonly ResultValue[])[], i: number): string {
  if (c.type !== null) return declaredType(c.type);
  const kinds = new Set<string>();
  for (const row of rows) {
    const v = row[i];
    if (v !== null && v !== undefined) kinds.add(valueType(v));
  }
  const [only] = kinds;
  if (kinds.size === 1 && only !== undefined) return only;
  return kinds.size > 1 ? 'text' : declaredType(c.type);
}

export function toResultSet(
  columns: readonly ColumnDescription[],
  rows: readonly (readonly ResultValue[])[],
  tag: string,
): ResultSet {
  const result: ResultColumn[] = columns.map((c, i) => ({ name: c.name, type: resultType(c, rows, i) }));
  return { columns: result, rows, tag };
}
