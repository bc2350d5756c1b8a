// The session connection of a sqlite source: runs forwarded statements, inside the session's host process
// (session-host.ts). In directory mode its `main` is `defaultdb.db`, and other databases are ATTACHed on
// demand when a statement names them (`SELECT * FROM shop.orders`), least recently used ones detached
// again, so any number of databases work within SQLite's limit of 10 attached at once. The strongroom
// name of `main` (`defaultdb`, or a single file's name) addresses it too. It also implements CREATE
// DATABASE / DROP DATABASE, which SQLite itself does not have.
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { StrongroomError } from '@strongroom/errors';
import type { ResultSet, ResultValue } from '../types.js';
import { type ColumnDescription, openDatabase, type SqliteDatabase, type SqliteStatement } from './driver.js';
import { sqliteCall } from './errors.js';
import { databasesInDirectory, deleteDatabaseFiles } from './files.js';
import { DEFAULT_DATABASE, databaseFile, type SqliteLocation } from './location.js';
import { isDatabaseName, nameKey } from './names.js';
import { expressionTypes, inferParamTypes } from './param-types.js';
import { schemaReferences } from './references.js';
import { commandTag } from './result-set.js';

const IDENT = String.raw`("(?:[^"]|"")+"|[\p{L}_][\p{L}\p{N}_$-]*)`;
const CREATE_DATABASE = new RegExp(
  String.raw`^\s*CREATE\s+DATABASE\s+(IF\s+NOT\s+EXISTS\s+)?${IDENT}\s*;?\s*$`,
  'iu',
);
const DROP_DATABASE = new RegExp(String.raw`^\s*DROP\s+DATABASE\s+(IF\s+EXISTS\s+)?${IDENT}\s*;?\s*$`, 'iu');
const ROLLBACK = /^\s*ROLLBACK(\s+TRANSACTION)?\s*;?\s*$/i;

/** SQLite's compile-time SQLITE_MAX_ATTACHED as built into better-sqlite3. */
export const MAX_ATTACHED = 10;

function unquote(ident: string): string {
  return ident.startsWith('"') ? ident.slice(1, -1).replace(/""/g, '"') : ident;
}

/** better-sqlite3 binds numbers as REAL; integral JS numbers are meant as integers. */
function bindable(value: unknown): unknown {
  if (value === undefined) return null;
  if (typeof value === 'boolean') return value ? 1n : 0n;
  if (typeof value === 'number' && Number.isSafeInteger(value)) return BigInt(value);
  if (value instanceof Date) return value.toISOString();
  if (value instanceof Uint8Array && !Buffer.isBuffer(value)) {
    return Buffer.from(value.buffer, value.byteOffset, value.length);
  }
  return value;
}

/** What a statement gives back: a finished result, or rows to iterate with the tag made at the end. */
export type Execution =
  | { readonly kind: 'done'; readonly result: ResultSet }
  | {
      readonly kind: 'rows';
      readonly columns: readonly ColumnDescription[];
      readonly rows: IterableIterator<ResultValue[]>;
      readonly tag: (count: number) => string;
    };

export interface Description {
  readonly columns: readonly ColumnDescription[];
  readonly reader: boolean;
}

export class SqliteSession {
  readonly #location: SqliteLocation;
  readonly #db: SqliteDatabase;
  /** Databases attached to the session connection, by lower-cased name, least recently used first. */
  readonly #attached = new Map<string, string>();

  constructor(location: SqliteLocation) {
    this.#location = location;
    const main = location.mode === 'directory' ? join(location.dir, `${DEFAULT_DATABASE}.db`) : location.file;
    this.#db = sqliteCall(() => openDatabase(main));
    this.#useWal('main');
  }

  /**
   * Backups switch databases to WAL so that their long reads block no writer; the session does it up
   * front, because a switch cannot happen while the session itself holds a write transaction (a detached
   * BACKUP inside BEGIN … COMMIT would wait for it).
   */
  #useWal(schema: string): void {
    try {
      this.#db.prepare(`PRAGMA "${schema.replaceAll('"', '""')}".journal_mode = WAL`).get();
    } catch {
      // Busy (another connection mid-transaction): the snapshot switches it later.
    }
  }

  /** The file of a database, whether or not it exists; validates the name. */
  pathOf(name: string): string {
    return databaseFile(this.#location, name);
  }

  get #mainName(): string {
    return this.#location.mode === 'directory' ? DEFAULT_DATABASE : this.#location.database;
  }

  /**
   * The statement text SQLite is given: the strongroom name of `main` becomes `main` (padded with blanks
   * so error positions stay right), and every other database it names is attached.
   */
  #prepareText(sql: string): string {
    return this.#attachReferenced(withoutLiteralCasts(sql));
  }

  #attachReferenced(sql: string): string {
    const refs = schemaReferences(sql);
    if (refs.length === 0) return sql;
    const mainKey = nameKey(this.#mainName);
    let text = sql;
    const wanted = new Map<string, string>();
    for (const r of refs) {
      const key = nameKey(r.name);
      if (key === mainKey && !this.#attached.has(key)) {
        text = `${text.slice(0, r.start)}${'main'.padEnd(r.end - r.start)}${text.slice(r.end)}`;
      } else if (
        this.#location.mode === 'directory' &&
        key !== 'main' &&
        key !== 'temp' &&
        isDatabaseName(r.name) &&
        existsSync(this.pathOf(r.name))
      ) {
        wanted.set(key, r.name);
      }
    }
    for (const [key, name] of wanted) this.#attach(key, name, wanted);
    return text;
  }

  #attach(key: string, name: string, keep: ReadonlyMap<string, string>): void {
    const current = this.#attached.get(key);
    if (current !== undefined) {
      // Most recently used goes last.
      this.#attached.delete(key);
      this.#attached.set(key, current);
      return;
    }
    for (const [k, n] of [...this.#attached]) {
      if (this.#attached.size < MAX_ATTACHED) break;
      if (keep.has(k)) continue;
      try {
        this.#db.prepare('DETACH DATABASE ?').run(n);
        this.#attached.delete(k);
      } catch {
        // In use by the open transaction: try the next one.
      }
    }
    if (this.#attached.size >= MAX_ATTACHED) {
      throw new StrongroomError(
        'UNSUPPORTED_STATEMENT',
        `cannot use database ${name}: SQLite works with at most ${MAX_ATTACHED} other databases at once`,
        { hint: 'use fewer databases in one statement or transaction' },
      );
    }
    sqliteCall(() => this.#db.prepare('ATTACH DATABASE ? AS ?').run(this.pathOf(name), name));
    this.#attached.set(key, name);
    if (!this.#db.inTransaction) this.#useWal(name);
  }

  #detach(name: string): void {
    const key = nameKey(name);
    const current = this.#attached.get(key);
    if (current === undefined) return;
    sqliteCall(() => this.#db.prepare('DETACH DATABASE ?').run(current));
    this.#attached.delete(key);
  }

  #prepare(sql: string): SqliteStatement {
    return sqliteCall(() => this.#db.prepare(this.#prepareText(sql)), sql);
  }

  /** The result columns of a statement, without running it. */
  describe(sql: string): Description {
    if (CREATE_DATABASE.test(sql) || DROP_DATABASE.test(sql)) return { columns: [], reader: false };
    const stmt = this.#prepare(sql);
    if (!stmt.reader) return { columns: [], reader: false };
    const columns = stmt.columns();
    if (columns.every((c) => c.type !== null)) return { columns, reader: true };
    const guessed = expressionTypes(sql, columns.length, (schema, table) => this.#columnTypes(schema, table));
    return {
      columns: columns.map((c, i) => (c.type === null ? { ...c, type: guessed[i] ?? null } : c)),
      reader: true,
    };
  }

  #columnTypes(schema: string | undefined, table: string): ReadonlyMap<string, string> | undefined {
    const s = schema === undefined || nameKey(schema) === nameKey(this.#mainName) ? 'main' : schema;
    try {
      const rows = this.#db
        .prepare('SELECT name, type FROM pragma_table_info(?, ?)')
        .raw(true)
        .all(table, s) as [string, string][];
      return rows.length === 0 ? undefined : new Map(rows.map(([n, t]) => [n.toLowerCase(), t]));
    } catch {
      return undefined;
    }
  }

  /** Declared types of the statement's `$1…$count` where the statement shows them (param-types.ts). */
  paramTypes(sql: string, count: number): (string | null)[] {
    if (count === 0) return [];
    this.#prepareText(sql);
    return inferParamTypes(sql, count, (schema, table) => this.#columnTypes(schema, table));
  }

  get inTransaction(): boolean {
    return this.#db.inTransaction;
  }

  execute(sql: string, params: readonly unknown[] = []): Execution {
    const create = CREATE_DATABASE.exec(sql);
    if (create) return done(this.#createDatabase(unquote(create[2]!), create[1] !== undefined));
    const drop = DROP_DATABASE.exec(sql);
    if (drop) return done(this.#dropDatabase(unquote(drop[2]!), drop[1] !== undefined));
    // PostgreSQL answers ROLLBACK outside a transaction with a warning, not an error (a canceled
    // statement restarts the session's connection, which ends its transaction).
    if (ROLLBACK.test(sql) && !this.#db.inTransaction) return done(empty('ROLLBACK'));
    const stmt = this.#prepare(sql);
    const values = params.map(bindable);
    // `$1`-style placeholders (the wire protocol's) are named parameters to SQLite: bind them by number.
    const args =
      values.length > 0 && /\$\d/.test(sql) ? [Object.fromEntries(values.map((v, i) => [i + 1, v]))] : values;
    return sqliteCall((): Execution => {
      if (stmt.reader) {
        stmt.raw(true);
        const rows = stmt.iterate(...args) as IterableIterator<ResultValue[]>;
        return {
          kind: 'rows',
          columns: stmt.columns(),
          rows,
          tag: (count) => commandTag(sql, true, count),
        };
      }
      const { changes } = stmt.run(...args);
      return done(empty(commandTag(sql, false, changes)));
    }, sql);
  }

  #requireDirectory(what: string): void {
    if (this.#location.mode !== 'directory') {
      throw new StrongroomError('UNSUPPORTED_STATEMENT', `${what} needs a directory source`, {
        hint: 'a sqlite:///…/file.db source is one database; use sqlite:///…/dir/ for several',
      });
    }
  }

  #createDatabase(name: string, ifNotExists: boolean): ResultSet {
    this.#requireDirectory('CREATE DATABASE');
    const file = this.pathOf(name);
    if (existsSync(file)) {
      if (!ifNotExists) throw new StrongroomError('TARGET_EXISTS', `database ${name} already exists`);
    } else {
      sqliteCall(() => openDatabase(file).close());
    }
    return empty('CREATE DATABASE');
  }

  #dropDatabase(name: string, ifExists: boolean): ResultSet {
    this.#requireDirectory('DROP DATABASE');
    if (name === DEFAULT_DATABASE) {
      throw new StrongroomError(
        'SOURCE_ERROR',
        `cannot drop ${DEFAULT_DATABASE}: it is the session's database`,
      );
    }
    const file = this.pathOf(name);
    if (!existsSync(file)) {
      if (ifExists) return empty('DROP DATABASE');
      throw new StrongroomError('DATABASE_NOT_FOUND', `database ${name} does not exist`);
    }
    this.#detach(name);
    deleteDatabaseFiles(file);
    return empty('DROP DATABASE');
  }

  /** Database names (for listings; directory mode reads the directory each time). */
  listDatabases(): string[] {
    return this.#location.mode === 'directory'
      ? databasesInDirectory(this.#location.dir)
      : [this.#location.database];
  }

  close(): void {
    if (this.#db.open) this.#db.close();
  }
}

const LITERAL_CAST =
  /'((?:[^']|'')*)'\s*::\s*(bytea|[a-z_][a-z0-9_]*(?:\s+(?:with|without)\s+time\s+zone)?(?:\s*\[\])?)/gi;

/**
 * PostgreSQL casts of literals (`'\\x01ff'::bytea`, `'2026-01-02 03:04:05+00'::timestamptz`), which
 * client-side interpolating drivers (psycopg2, pgx simple protocol) write, as SQLite values: bytea hex
 * becomes a blob literal, anything else the literal itself (the column's affinity converts it). Padded
 * with blanks, so positions in error messages stay those of the text as written.
 */
export function withoutLiteralCasts(sql: string): string {
  if (!sql.includes('::')) return sql;
  return sql.replace(LITERAL_CAST, (whole, body: string, type: string) => {
    const hex = /^\\x([0-9a-f]*)$/i.exec(body);
    const value = type.toLowerCase() === 'bytea' && hex ? `X'${hex[1]}'` : `'${body}'`;
    return value.padEnd(whole.length);
  });
}

function empty(tag: string): ResultSet {
  return { columns: [], rows: [], tag };
}

function done(result: ResultSet): Execution {
  return { kind: 'done', result };
}
