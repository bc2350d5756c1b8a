// Forwarded statements: run verbatim on the session connection; values come back as the server's exact
// text (the driver parses nothing), columns carry PostgreSQL's type names, tags follow the server's.
import type pg from 'pg';
import { leadingWords } from '../sqlite/result-set.js';
import type { ResultSet, ResultValue } from '../types.js';
import type { PgClient } from './connect.js';
import { pgCall } from './errors.js';

const TYPE_NAMES: Record<number, string> = {
  16: 'bool',
  17: 'bytea',
  18: 'char',
  19: 'name',
  20: 'int8',
  21: 'int2',
  23: 'int4',
  25: 'text',
  26: 'oid',
  114: 'json',
  700: 'float4',
  701: 'float8',
  1042: 'bpchar',
  1043: 'varchar',
  1082: 'date',
  1083: 'time',
  1114: 'timestamp',
  1184: 'timestamptz',
  1186: 'interval',
  1700: 'numeric',
  2950: 'uuid',
  3802: 'jsonb',
};

const COUNTED = new Set(['SELECT', 'UPDATE', 'DELETE', 'MERGE', 'FETCH', 'MOVE', 'COPY']);

function tagOf(sql: string, r: pg.QueryResult): string {
  const count = r.rowCount ?? 0;
  if (r.command === 'INSERT') return `INSERT 0 ${count}`;
  if (COUNTED.has(r.command)) return `${r.command} ${count}`;
  const words = leadingWords(sql, 3);
  if ((r.command === 'CREATE' || r.command === 'DROP' || r.command === 'ALTER') && words[1] !== undefined) {
    const object = words
      .slice(1)
      .find((w) => !['UNIQUE', 'TEMP', 'TEMPORARY', 'OR', 'REPLACE', 'UNLOGGED'].includes(w));
    return object === undefined ? r.command : `${r.command} ${object}`;
  }
  return r.command ?? words[0] ?? 'EMPTY';
}

function param(v: unknown): unknown {
  if (typeof v === 'bigint') return v.toString();
  if (v instanceof Uint8Array && !Buffer.isBuffer(v))
    return Buffer.from(v.buffer, v.byteOffset, v.byteLength);
  return v;
}

export async function executeForwarded(
  client: PgClient,
  sql: string,
  params?: readonly unknown[],
): Promise<ResultSet> {
  const raw = await pgCall(() =>
    params && params.length > 0
      ? client.query({ text: sql, values: params.map(param), rowMode: 'array' })
      : client.query({ text: sql, rowMode: 'array' }),
  );
  // A multi-statement string returns one result per statement; the last one is the answer.
  const results = (Array.isArray(raw) ? raw : [raw]) as pg.QueryResult<unknown[]>[];
  const r = results.at(-1);
  if (r === undefined) return { columns: [], rows: [], tag: 'EMPTY' };
  return {
    columns: (r.fields ?? []).map((f) => ({ name: f.name, type: TYPE_NAMES[f.dataTypeID] ?? 'text' })),
    rows: (r.rows ?? []).map((row) => row.map((v) => (v === null ? null : (v as ResultValue)))),
    tag: tagOf(sql, r),
  };
}
