// `\l`, `\dt` and `\d table`: the source's own catalog, queried with forwarded statements on the
// session's connection (SQLite's pragmas, PostgreSQL's pg_catalog and information_schema). SQLite
// databases are shown under their strongroom names (the file name without `.db`, as BACKUP DATABASE
// names them). The same lists feed tab completion.
import { basename, dirname, join } from 'node:path';
import { StrongroomError } from '@strongroom/errors';
import type { ResultSet } from '@strongroom/sources';
import type { Session } from './session.js';

type Catalog = Pick<Session, 'engine'>;

const quoteIdent = (name: string): string => `"${name.replaceAll('"', '""')}"`;
/** SQL names compare without regard to case, as the SQLite source compares database names. */
const same = (a: string, b: string | undefined): boolean =>
  b !== undefined && a.toLowerCase() === b.toLowerCase();

function run(session: Catalog, sql: string, params: (string | null)[] = []): Promise<ResultSet> {
  return session.engine.execute(sql, { params });
}

/** SQLite: each attached schema with the strongroom name of its database. */
async function sqliteSchemas(
  session: Catalog,
): Promise<{ schema: string; database: string; file: string }[]> {
  const rs = await run(
    session,
    "SELECT name, file FROM pragma_database_list WHERE name <> 'temp' ORDER BY seq",
  );
  return rs.rows.map(([schema, file]) => {
    const f = String(file ?? '');
    return {
      schema: String(schema),
      // As the SQLite source names a database file (a single-file source may be app.sqlite, app.sqlite3…).
      database: f === '' ? String(schema) : basename(f).replace(/\.(db|sqlite3?)$/i, ''),
      file: f,
    };
  });
}

/**
 * SQLite: every database of the source (SHOW DATABASES: each `*.db` file, attached or not — the session
 * attaches a database when a statement names it), with the schema a statement reaches it by and its file.
 */
async function sqliteDatabases(
  session: Catalog,
): Promise<{ schema: string; database: string; file: string }[]> {
  const attached = await sqliteSchemas(session);
  const main = attached.find((s) => s.schema === 'main');
  const names = (await run(session, 'SHOW DATABASES')).rows.map((r) => String(r[0]));
  return names.map(
    (database) =>
      attached.find((s) => same(s.database, database)) ?? {
        schema: database,
        database,
        file: main?.file ? join(dirname(main.file), `${database}.db`) : '',
      },
  );
}

export async function listDatabases(session: Catalog): Promise<ResultSet> {
  if (session.engine.source.kind === 'sqlite') {
    const databases = await sqliteDatabases(session);
    return {
      columns: [
        { name: 'database_name', type: 'text' },
        { name: 'file', type: 'text' },
      ],
      rows: databases.map((s) => [s.database, s.file]),
      tag: `SELECT ${databases.length}`,
    };
  }
  return run(
    session,
    'SELECT datname AS database_name, pg_catalog.pg_get_userbyid(datdba) AS owner, ' +
      'pg_catalog.pg_encoding_to_char(encoding) AS encoding FROM pg_catalog.pg_database ' +
      'WHERE NOT datistemplate ORDER BY 1',
  );
}

/**
 * The tables of every database. `skipUnreachable` (completion): leave out a SQLite database this session
 * cannot reach now (more than SQLite attaches at once, inside a transaction) instead of failing.
 */
export async function listTables(session: Catalog, skipUnreachable = false): Promise<ResultSet> {
  if (session.engine.source.kind === 'sqlite') {
    // One statement per database: a session holds only so many attached at once.
    let listed: ResultSet | undefined;
    const rows: ResultSet['rows'][number][] = [];
    for (const s of await sqliteDatabases(session)) {
      try {
        listed = await run(
          session,
          `SELECT '${s.database.replaceAll("'", "''")}' AS database_name, name AS table_name, type ` +
            `FROM ${quoteIdent(s.schema)}.sqlite_master WHERE type IN ('table', 'view') AND name NOT LIKE 'sqlite\\_%' ESCAPE '\\' ORDER BY 2`,
        );
      } catch (err) {
        if (skipUnreachable) continue;
        throw err;
      }
      rows.push(...listed.rows);
    }
    if (listed === undefined) throw new StrongroomError('DATABASE_NOT_FOUND', 'the source has no database');
    return { ...listed, rows, tag: `SELECT ${rows.length}` };
  }
  return run(
    session,
    "SELECT table_schema AS schema_name, table_name, CASE table_type WHEN 'BASE TABLE' THEN 'table' " +
      "WHEN 'VIEW' THEN 'view' ELSE lower(table_type) END AS type FROM information_schema.tables " +
      "WHERE table_schema NOT IN ('pg_catalog', 'information_schema') ORDER BY 1, 2",
  );
}

/** `db.table`, `schema.table` or `table` (quotes allowed), as psql's `\d` takes it. */
function splitName(name: string): { qualifier: string | undefined; table: string } {
  const parts = [...name.matchAll(/"((?:[^"]|"")*)"|([^.]+)/g)].map((m) =>
    m[1] !== undefined ? m[1].replaceAll('""', '"') : (m[2] ?? ''),
  );
  if (parts.length === 2) return { qualifier: parts[0], table: parts[1] ?? '' };
  return { qualifier: undefined, table: parts[0] ?? name };
}

export async function describeTable(session: Catalog, name: string): Promise<ResultSet> {
  const { qualifier, table } = splitName(name);
  let rs: ResultSet;
  if (session.engine.source.kind === 'sqlite') {
    const databases = qualifier === undefined ? [] : await sqliteDatabases(session);
    const db = databases.find((s) => same(s.database, qualifier) || same(s.schema, qualifier));
    if (qualifier !== undefined && db === undefined)
      throw new StrongroomError('DATABASE_NOT_FOUND', `database ${JSON.stringify(qualifier)} does not exist`);
    const schema = db?.schema ?? 'main';
    // A database no statement of this session has named yet is attached once one names it.
    if (db !== undefined) await run(session, `SELECT 1 FROM ${quoteIdent(schema)}.sqlite_master LIMIT 0`);
    rs = await run(
      session,
      "SELECT name AS column_name, type AS data_type, CASE WHEN \"notnull\" = 0 THEN 'YES' ELSE 'NO' END AS is_nullable, " +
        "dflt_value AS column_default, CASE WHEN pk > 0 THEN 'YES' ELSE 'NO' END AS primary_key " +
        'FROM pragma_table_info($1, $2) ORDER BY cid',
      [table, schema],
    );
  } else {
    rs = await run(
      session,
      'SELECT column_name, data_type, is_nullable, column_default FROM information_schema.columns ' +
        "WHERE table_name = $1 AND table_schema = COALESCE($2, 'public') ORDER BY ordinal_position",
      [table, qualifier ?? null],
    );
  }
  if (rs.rows.length === 0)
    throw new StrongroomError('TARGET_NOT_FOUND', `table ${JSON.stringify(name)} does not exist`);
  return rs;
}

/** Table names for completion: bare, and qualified with the database (SQLite) or schema (PostgreSQL). */
export async function tableNames(session: Catalog): Promise<string[]> {
  const rs = await listTables(session, true);
  const names = new Set<string>();
  for (const [qualifier, table] of rs.rows) {
    names.add(String(table));
    names.add(`${String(qualifier)}.${String(table)}`);
  }
  return [...names];
}

export async function databaseNames(session: Catalog): Promise<string[]> {
  const rs = await listDatabases(session);
  return rs.rows.map((r) => String(r[0]));
}
