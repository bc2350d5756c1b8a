// The session connection of a sqlite source: runs forwarded statements. In directory mode its `main` is
// `defaultdb.db` and every other database is ATTACHed under its name, so `SELECT * FROM shop.orders` works;
// it also implements CREATE DATABASE / DROP DATABASE, which SQLite itself does not have.
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { StrongroomError } from '@strongroom/errors';
import type { ResultSet, ResultValue } from '../types.js';
import { openDatabase, type SqliteDatabase } from './driver.js';
import { sqliteCall } from './errors.js';
import { databasesInDirectory, deleteDatabaseFiles } from './files.js';
import { DEFAULT_DATABASE, type SqliteLocation } from './location.js';
import { checkDatabaseName, nameKey } from './names.js';
import { commandTag, toResultSet } from './result-set.js';

const IDENT = String.raw`("(?:[^"]|"")+"|[\p{L}_][\p{L}\p{N}_$-]*)`;
const CREATE_DATABASE = new RegExp(
  String.raw`^\s*CREATE\s+DATABASE\s+(IF\s+NOT\s+EXISTS\s+)?${IDENT}\s*;?\s*$`,
  'iu',
);
const DROP_DATABASE = new RegExp(String.raw`^\s*DROP\s+DATABASE\s+(IF\s+EXISTS\s+)?${IDENT}\s*;?\s*$`, 'iu');

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

export class SqliteSession {
  readonly #location: SqliteLocation;
  readonly #db: SqliteDatabase;
  /** Schema names attached to the session connection (lower-cased). */
  readonly #attached = new Set<string>();

  constructor(location: SqliteLocation) {
    this.#location = location;
    const main = location.mode === 'directory' ? join(location.dir, `${DEFAULT_DATABASE}.db`) : location.file;
    this.#db = sqliteCall(() => openDatabase(main));
    if (location.mode === 'directory') {
      for (const name of databasesInDirectory(location.dir)) {
        // SQLite attaches at most 10 databases: beyond that the session simply does not see the rest
        // (snapshots and restores use their own connections and are not limited).
        if (name !== DEFAULT_DATABASE) this.tryAttach(name);
      }
    }
  }

  listDatabases(): string[] {
    return this.#location.mode === 'directory'
      ? databasesInDirectory(this.#location.dir)
      : [this.#location.database];
  }

  /** The file of a database, whether or not it exists; validates the name. */
  pathOf(name: string): string {
    if (this.#location.mode === 'file') {
      if (name !== this.#location.database) {
        throw new StrongroomError('DATABASE_NOT_FOUND', `database ${name} does not exist`, {
          hint: `this sqlite source is the single database ${this.#location.database}`,
        });
      }
      return this.#location.file;
    }
    checkDatabaseName(name);
    return join(this.#location.dir, `${name}.db`);
  }

  get directoryMode(): boolean {
    return this.#location.mode === 'directory';
  }

  /** Attaches a database file to the session; false when SQLite refused (e.g. too many attached). */
  tryAttach(name: string): boolean {
    if (this.#location.mode !== 'directory' || name === DEFAULT_DATABASE) return true;
    if (this.#attached.has(nameKey(name))) return true;
    try {
      this.#db.prepare('ATTACH DATABASE ? AS ?').run(this.pathOf(name), name);
      this.#attached.add(nameKey(name));
      return true;
    } catch {
      return false;
    }
  }

  detach(name: string): void {
    if (!this.#attached.delete(nameKey(name))) return;
    sqliteCall(() => this.#db.prepare('DETACH DATABASE ?').run(name));
  }

  execute(sql: string, params: readonly unknown[] = []): ResultSet {
    const create = CREATE_DATABASE.exec(sql);
    if (create) return this.#createDatabase(unquote(create[2]!), create[1] !== undefined);
    const drop = DROP_DATABASE.exec(sql);
    if (drop) return this.#dropDatabase(unquote(drop[2]!), drop[1] !== undefined);
    return sqliteCall(() => {
      const stmt = this.#db.prepare(sql);
      const values = params.map(bindable);
      // `$1`-style placeholders (the wire protocol's) are named parameters to SQLite: bind them by number.
      const args =
        values.length > 0 && /\$\d/.test(sql)
          ? [Object.fromEntries(values.map((v, i) => [i + 1, v]))]
          : values;
      if (stmt.reader) {
        stmt.raw(true);
        const rows = stmt.all(...args) as ResultValue[][];
        return toResultSet(stmt.columns(), rows, commandTag(sql, true, rows.length));
      }
      const { changes } = stmt.run(...args);
      return { columns: [], rows: [], tag: commandTag(sql, false, changes) };
    });
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
    this.tryAttach(name);
    return { columns: [], rows: [], tag: 'CREATE DATABASE' };
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
      if (ifExists) return { columns: [], rows: [], tag: 'DROP DATABASE' };
      throw new StrongroomError('DATABASE_NOT_FOUND', `database ${name} does not exist`);
    }
    this.detach(name);
    deleteDatabaseFiles(file);
    return { columns: [], rows: [], tag: 'DROP DATABASE' };
  }

  close(): void {
    if (this.#db.open) this.#db.close();
  }
}
