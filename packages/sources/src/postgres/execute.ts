// Forwarded statements: run verbatim on the session connection; values come back as the server's exact
// text (the driver parses nothing), columns carry PostgreSQL's type names, tags follow the server's.
import type pg from 'pg';
import { leadingWords } from '../sqlite/result-set.js';
import type { ResultColumn, ResultSet, ResultValue, StatementDescription } from '../types.js';
import type { PgClient } from './connect.js';
import { pgCall, toPgError } from './errors.js';
import { Submittable } from './submittable.js';

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

interface ProtocolConnection {
  on(event: 'parameterDescription', listener: (msg: { dataTypeIDs: number[] }) => void): void;
  off(event: 'parameterDescription', listener: (msg: { dataTypeIDs: number[] }) => void): void;
  parse(query: { text: string; name: string; types: number[] }): void;
  describe(msg: { type: 'S'; name: string }): void;
  sync(): void;
}

/**
 * Parse and Describe of the unnamed statement, then Sync: the server's own parameter and result types,
 * without running the statement. node-postgres routes RowDescription, errors and ReadyForQuery to the
 * active query; ParameterDescription only reaches the connection, so it is listened to there.
 */
class DescribeStatement extends Submittable {
  columns: ResultColumn[] = [];
  paramTypes: (string | null)[] = [];
  #connection: ProtocolConnection | undefined;
  readonly #onParameters = (msg: { dataTypeIDs: number[] }): void => {
    this.paramTypes = msg.dataTypeIDs.map((oid) => TYPE_NAMES[oid] ?? null);
  };

  constructor(readonly text: string) {
    super();
  }

  submit(connection: unknown): void {
    const c = connection as ProtocolConnection;
    this.#connection = c;
    c.on('parameterDescription', this.#onParameters);
    c.parse({ text: this.text, name: '', types: [] });
    c.describe({ type: 'S', name: '' });
    c.sync();
  }

  override handleRowDescription(msg?: { fields: { name: string; dataTypeID: number }[] }): void {
    this.columns = (msg?.fields ?? []).map((f) => ({
      name: f.name,
      type: TYPE_NAMES[f.dataTypeID] ?? 'text',
    }));
  }

  override handleReadyForQuery(): void {
    this.#connection?.off('parameterDescription', this.#onParameters);
    super.handleReadyForQuery();
  }

  // node-postgres ends the active query at an ErrorResponse: the ReadyForQuery after our Sync no longer
  // reaches it, so an error is this query's last event.
  override handleError(err: unknown): void {
    this.#connection?.off('parameterDescription', this.#onParameters);
    this.finished = true;
    super.handleError(err);
  }
}

/** The columns and parameter types of a forwarded statement, as the server describes them; nothing runs. */
export async function describeForwarded(client: PgClient, sql: string): Promise<StatementDescription> {
  const q = new DescribeStatement(sql);
  client.query(q as unknown as Parameters<PgClient['query']>[0]);
  while (!q.finished) await q.wait();
  if (q.error !== undefined) throw toPgError(q.error);
  return { columns: q.columns, paramTypes: q.paramTypes };
}
