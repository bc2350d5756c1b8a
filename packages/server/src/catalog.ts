// What PostgreSQL drivers, ORMs and psql ask right after connecting, answered by the session when the
// source cannot (a SQLite source has no pg_catalog): version(), current_schema(), SHOW/SET of the usual
// settings, DISCARD ALL, the type look-ups of SQLAlchemy, psql's \l, \dt, \d, \dn. Catalog queries that
// are not answered here get a clear "not supported" instead of a SQLite error about PostgreSQL SQL.
// A PostgreSQL source answers catalog queries itself; only settings are answered locally there too.
import { StrongroomError } from '@strongroom/errors';
import type { ResultColumn, ResultSet, ResultValue } from '@strongroom/sources';

export interface CatalogContext {
  readonly sourceKind: string;
  readonly serverVersion: string;
  readonly user: string;
  /** Session settings (lower-cased names), as SHOW reports them and SET changes them. */
  readonly settings: Map<string, string>;
  listDatabases(): Promise<readonly string[]>;
  /** Runs a statement on the source (SQLite catalog queries of its own). */
  query(sql: string): Promise<ResultSet>;
}

export const INITIAL_SETTINGS: readonly (readonly [string, string])[] = [
  ['server_version', ''],
  ['server_encoding', 'UTF8'],
  ['client_encoding', 'UTF8'],
  ['datestyle', 'ISO, MDY'],
  ['intervalstyle', 'postgres'],
  ['integer_datetimes', 'on'],
  ['standard_conforming_strings', 'on'],
  ['timezone', 'UTC'],
  ['search_path', '"$user", public'],
  ['application_name', ''],
  ['extra_float_digits', '1'],
  ['bytea_output', 'hex'],
  ['client_min_messages', 'notice'],
  ['transaction_isolation', 'serializable'],
  ['default_transaction_isolation', 'serializable'],
  ['transaction_read_only', 'off'],
  ['default_transaction_read_only', 'off'],
  ['max_identifier_length', '63'],
  ['lc_messages', 'C'],
  ['lc_monetary', 'C'],
  ['lc_numeric', 'C'],
  ['lc_time', 'C'],
  ['statement_timeout', '0'],
  ['lock_timeout', '0'],
  ['idle_in_transaction_session_timeout', '0'],
  ['jit', 'off'],
];

/**
 * The client-protocol settings drivers SET right after connecting (pgJDBC: extra_float_digits,
 * application_name), which the session itself answers on a SQLite source.
 */
export const CLIENT_SETTINGS: ReadonlySet<string> = new Set([
  'application_name',
  'extra_float_digits',
  'client_encoding',
  'datestyle',
  'intervalstyle',
  'bytea_output',
  'client_min_messages',
]);

/** Settings of the client protocol itself, which the session answers whatever the source. */
const PROTOCOL_SETTINGS = new Set([
  ...CLIENT_SETTINGS,
  'server_version',
  'server_encoding',
  'integer_datetimes',
  'standard_conforming_strings',
]);

/** Settings whose value a session may change (others are fixed and SET fails). */
const WRITABLE = new Set([
  'application_name',
  'extra_float_digits',
  'datestyle',
  'intervalstyle',
  'bytea_output',
  'client_min_messages',
  'search_path',
  'statement_timeout',
  'lock_timeout',
  'idle_in_transaction_session_timeout',
  'lc_messages',
  'lc_monetary',
  'lc_numeric',
  'lc_time',
  'jit',
]);

/** Settings that accept only the value they have (SET to it is fine, to anything else not supported). */
const FIXED_CHOICES: Readonly<Record<string, readonly string[]>> = {
  client_encoding: ['utf8', 'utf-8', 'unicode'],
  timezone: ['utc', 'etc/utc', 'z', 'zulu', 'gmt', 'utc0', '0', '+00', '+00:00', 'default', 'local'],
  standard_conforming_strings: ['on', 'true'],
  transaction_isolation: ['serializable'],
  default_transaction_isolation: ['serializable'],
  transaction_read_only: ['off', 'false'],
  default_transaction_read_only: ['off', 'false'],
};

const ALIASES: Readonly<Record<string, string>> = {
  'time zone': 'timezone',
  'transaction isolation level': 'transaction_isolation',
  names: 'client_encoding',
};

const col = (name: string, type = 'text'): ResultColumn => ({ name, type });
const one = (name: string, value: ResultValue, tag = 'SELECT 1'): ResultSet => ({
  columns: [col(name, typeof value === 'bigint' ? 'int8' : 'text')],
  rows: [[value]],
  tag,
});

function unquote(v: string): string {
  const t = v.trim();
  if (/^'.*'$/s.test(t)) return t.slice(1, -1).replaceAll("''", "'");
  if (/^".*"$/s.test(t)) return t.slice(1, -1);
  return t;
}

function strip(sql: string): string {
  return sql
    .replace(/^(?:\s+|--[^\n]*(?:\n|$)|\/\*[\s\S]*?\*\/)*/, '')
    .replace(/[\s;]+$/, '')
    .replace(/\s+/g, ' ');
}

const SET =
  /^set (?:session |local )?(time zone|names|transaction isolation level|[a-z_.]+)(?: ?(?:=|to) ?| )(.*)$/i;
const SHOW = /^show (time zone|transaction isolation level|[a-z_.]+)$/i;
const RESET = /^reset ([a-z_]+|all)$/i;
const SELECT_FN =
  /^select (pg_catalog\.)?(version|current_schema|current_database|current_user|session_user|current_setting)\s*\(\s*(?:'([^']*)'(?:\s*,\s*\w+)?)?\s*\)(?:\s+as\s+("?)(\w+)\4)?$/i;

/** The local answer to a statement, or undefined when it goes to the source. */
export async function answerLocally(sql: string, c: CatalogContext): Promise<ResultSet | undefined> {
  const text = strip(sql);
  const set = SET.exec(text);
  if (set && !/^set (session characteristics|constraints|role|session authorization)/i.test(text)) {
    const name = settingName(set[1]!);
    // A PostgreSQL source keeps its own settings; the session keeps only the protocol's.
    if (c.sourceKind !== 'sqlite' && !PROTOCOL_SETTINGS.has(name)) return undefined;
    return setting(name, set[2]!, c);
  }
  const show = SHOW.exec(text);
  if (show) return showSetting(show[1]!, c);
  if (RESET.test(text)) return { columns: [], rows: [], tag: 'RESET' };
  if (/^discard (all|plans|sequences|temp|temporary)$/i.test(text)) {
    return { columns: [], rows: [], tag: `DISCARD ${text.split(' ')[1]!.toUpperCase()}` };
  }
  const fn = SELECT_FN.exec(text);
  if (fn) {
    const answer = sessionFunction(fn[2]!.toLowerCase(), fn[5], fn[3], c);
    if (answer !== undefined) return answer;
  }
  const lower = text.toLowerCase();
  if (c.sourceKind !== 'sqlite') return undefined;
  if (!/\b(pg_catalog|pg_[a-z_]+|information_schema)\b/.test(lower)) return undefined;
  return sqliteCatalog(lower, c);
}

function settingName(typed: string): string {
  return ALIASES[typed.toLowerCase()] ?? typed.toLowerCase();
}

/** `SHOW name` / `SHOW ALL`: the session's own settings (on a PostgreSQL source, only the protocol's). */
function showSetting(typed: string, c: CatalogContext): ResultSet | undefined {
  const name = settingName(typed);
  if (c.sourceKind !== 'sqlite' && !PROTOCOL_SETTINGS.has(name)) return undefined;
  if (name === 'all') {
    return {
      columns: [col('name'), col('setting'), col('description')],
      rows: [...c.settings].map(([k, v]) => [k, v, '']),
      tag: `SHOW ${c.settings.size}`,
    };
  }
  const value = c.settings.get(name);
  if (value !== undefined) return one(typed.toLowerCase().replace(/ /g, '_'), value, 'SHOW');
  if (c.sourceKind === 'sqlite') {
    throw new StrongroomError('INVALID_PARAMETER', `unrecognized configuration parameter "${name}"`, {
      sqlstate: '42704',
    });
  }
  return undefined;
}

/** `SELECT version()`, `current_user` and the like, when the session can answer them itself. */
function sessionFunction(
  name: string,
  alias: string | undefined,
  argument: string | undefined,
  c: CatalogContext,
): ResultSet | undefined {
  const label = alias ?? name;
  const onSqlite = (value: string) => (c.sourceKind === 'sqlite' ? one(label, value) : undefined);
  switch (name) {
    case 'version':
      return one(label, `PostgreSQL ${c.serverVersion} (strongroom, ${c.sourceKind} source)`);
    case 'current_schema':
      return onSqlite('main');
    case 'current_database':
      return onSqlite('defaultdb');
    case 'current_user':
    case 'session_user':
      return one(label, c.user);
    case 'current_setting': {
      const value = c.settings.get((argument ?? '').toLowerCase());
      return value === undefined ? undefined : one(label, value);
    }
    default:
      return undefined;
  }
}

function setting(name: string, raw: string, c: CatalogContext): ResultSet {
  const value = unquote(raw);
  const key = name.toLowerCase();
  const choices = FIXED_CHOICES[key];
  if (choices) {
    if (!choices.includes(value.toLowerCase())) {
      throw new StrongroomError(
        'UNSUPPORTED_STATEMENT',
        `${key} ${JSON.stringify(value)} is not supported; strongroom serves ${c.settings.get(key)}`,
      );
    }
    return { columns: [], rows: [], tag: 'SET' };
  }
  if (!WRITABLE.has(key)) {
    throw new StrongroomError('INVALID_PARAMETER', `parameter "${key}" cannot be changed`, {
      sqlstate: c.settings.has(key) ? '55P02' : '42704',
    });
  }
  c.settings.set(key, value);
  return { columns: [], rows: [], tag: 'SET' };
}

const TYPE_ROWS: readonly (readonly [bigint, string, bigint])[] = [
  [16n, 'bool', 1000n],
  [17n, 'bytea', 1001n],
  [20n, 'int8', 1016n],
  [21n, 'int2', 1005n],
  [23n, 'int4', 1007n],
  [25n, 'text', 1009n],
  [114n, 'json', 199n],
  [700n, 'float4', 1021n],
  [701n, 'float8', 1022n],
  [1043n, 'varchar', 1015n],
  [1082n, 'date', 1182n],
  [1114n, 'timestamp', 1115n],
  [1184n, 'timestamptz', 1185n],
  [1700n, 'numeric', 1231n],
  [3802n, 'jsonb', 3807n],
];

async function sqliteCatalog(lower: string, c: CatalogContext): Promise<ResultSet> {
  // SQLAlchemy, psycopg and asyncpg look types up by name (hstore, citext, …): the types strongroom serves.
  const typname = /\btypname\s*=\s*'([^']*)'/.exec(lower)?.[1];
  if (/\bpg_type\b/.test(lower) && typname !== undefined) {
    const rows = TYPE_ROWS.filter(([, n]) => n === typname).map(([oid, , arr]) => [oid, arr]);
    return { columns: [col('oid', 'int8'), col('typarray', 'int8')], rows, tag: `SELECT ${rows.length}` };
  }
  // psql \l
  if (/\bpg_catalog\.pg_database\b/.test(lower) && /as "name"/.test(lower)) {
    const dbs = await c.listDatabases();
    return {
      columns: [
        col('Name'),
        col('Owner'),
        col('Encoding'),
        col('Collate'),
        col('Ctype'),
        col('Access privileges'),
      ],
      rows: dbs.map((d) => [d, '', 'UTF8', 'C', 'C', '']),
      tag: `SELECT ${dbs.length}`,
    };
  }
  // psql \dn
  if (/\bpg_catalog\.pg_namespace\b/.test(lower) && /as "name"/.test(lower) && !/pg_class/.test(lower)) {
    return { columns: [col('Name'), col('Owner')], rows: [['main', '']], tag: 'SELECT 1' };
  }
  // psql \dt, \dv, \d (a listing: no oid in its result)
  if (/\bpg_catalog\.pg_class\b/.test(lower) && /as "name"/.test(lower) && /as "type"/.test(lower)) {
    const kinds = /relkind in \(([^)]*)\)/.exec(lower)?.[1] ?? "'r','v'";
    const want = [...(kinds.includes("'r'") ? ['table'] : []), ...(kinds.includes("'v'") ? ['view'] : [])];
    const pattern = /operator\(pg_catalog\.~\) '\^\(([^)]*)\)\$'/.exec(lower)?.[1];
    const r = await c.query(
      "SELECT name, type FROM sqlite_schema WHERE type IN ('table', 'view') AND name NOT LIKE 'sqlite\\_%' ESCAPE '\\' ORDER BY name",
    );
    const rows = r.rows
      // SQLite has no owners: the column stays empty rather than name someone.
      .filter((row) => want.includes(String(row[1])))
      .filter((row) => pattern === undefined || new RegExp(`^(${pattern})$`, 'i').test(String(row[0])))
      .map((row) => ['main', row[0] ?? '', row[1] ?? '', '']);
    return {
      columns: [col('Schema'), col('Name'), col('Type'), col('Owner')],
      rows,
      tag: `SELECT ${rows.length}`,
    };
  }
  throw new StrongroomError(
    'UNSUPPORTED_STATEMENT',
    'PostgreSQL catalog queries are not supported with a SQLite source',
    {
      hint:
        "psql \\l, \\dt, \\dv and \\dn are answered; for a table's columns use PRAGMA table_info('name'); " +
        'users are managed with strongroom serve --add-user',
    },
  );
}
