// Where the state store's tables live: an embedded SQLite file (one host) or a PostgreSQL database that
// several `strongroom serve` nodes share. Both speak the same small interface — statements with `?`
// placeholders, rows as plain objects, the number of rows a write changed — so the jobs and state stores
// hold one copy of their SQL. Claims are single conditional UPDATEs whose changed-row count says who won:
// atomic in SQLite (one writer at a time) and in PostgreSQL (READ COMMITTED re-checks the WHERE clause
// of an UPDATE that waited on a row lock), so no job or schedule occurrence is ever claimed twice.
import { chmodSync, closeSync, mkdirSync, openSync } from 'node:fs';
import { dirname } from 'node:path';
import { StrongroomError } from '@strongroom/errors';
import Database from 'better-sqlite3';
import type pg from 'pg';

export type SqlValue = string | number | bigint | null;
export type SqlRow = Record<string, unknown>;

export interface SqlBackend {
  readonly dialect: 'sqlite' | 'postgres';
  /** Rows of a query. */
  query(sql: string, params?: readonly SqlValue[]): Promise<SqlRow[]>;
  /** Runs a write; resolves with the number of rows it changed. */
  run(sql: string, params?: readonly SqlValue[]): Promise<number>;
  /** Runs `fn` in one transaction (its statements go through the backend it is given). */
  transaction<T>(fn: (tx: SqlBackend) => Promise<T>): Promise<T>;
  /** Runs DDL statements separated by `;` (schema set-up). */
  exec(sql: string): Promise<void>;
  close(): Promise<void>;
}

/** The SQLite types of a CREATE TABLE written for SQLite, as PostgreSQL spells them. */
export function ddlFor(dialect: SqlBackend['dialect'], sql: string): string {
  if (dialect === 'sqlite') return sql;
  return sql
    .replace(/\bINTEGER\b/g, 'BIGINT')
    .replace(/\bREAL\b/g, 'DOUBLE PRECISION')
    .replace(/\bBLOB\b/g, 'BYTEA');
}

/** Opens (creating) a file that only its owner may read and write. */
function createPrivate(path: string): void {
  mkdirSync(dirname(path), { recursive: true, mode: 0o700 });
  closeSync(openSync(path, 'a', 0o600));
  chmodSync(path, 0o600);
}

/**
 * One SQLite file. better-sqlite3 is synchronous, so each call runs whole; a transaction holds a lock
 * that makes the engine's other calls on this connection wait until it ends (they would otherwise run
 * inside it between its awaits).
 */
export class SqliteBackend implements SqlBackend {
  readonly dialect = 'sqlite' as const;
  private readonly db: Database.Database;
  private lock: Promise<void> = Promise.resolve();

  constructor(
    readonly path: string,
    opts: { private?: boolean } = {},
  ) {
    if (opts.private) createPrivate(path);
    else mkdirSync(dirname(path), { recursive: true });
    this.db = new Database(path);
    this.db.defaultSafeIntegers(true);
    this.db.pragma('journal_mode = WAL');
    this.db.pragma('busy_timeout = 5000');
  }

  /** The database itself, for read-only queries compiled by better-sqlite3. */
  get database(): Database.Database {
    return this.db;
  }

  private async locked<T>(fn: () => T | Promise<T>): Promise<T> {
    const prev = this.lock;
    let release!: () => void;
    this.lock = new Promise<void>((r) => {
      release = r;
    });
    await prev;
    try {
      return await fn();
    } finally {
      release();
    }
  }

  private queryNow(sql: string, params: readonly SqlValue[]): SqlRow[] {
    return this.db.prepare(sql).all(...params) as SqlRow[];
  }

  private runNow(sql: string, params: readonly SqlValue[]): number {
    return this.db.prepare(sql).run(...params).changes;
  }

  query(sql: string, params: readonly SqlValue[] = []): Promise<SqlRow[]> {
    return this.locked(() => this.queryNow(sql, params));
  }

  run(sql: string, params: readonly SqlValue[] = []): Promise<number> {
    return this.locked(() => this.runNow(sql, params));
  }

  exec(sql: string): Promise<void> {
    return this.locked(() => void this.db.exec(sql));
  }

  transaction<T>(fn: (tx: SqlBackend) => Promise<T>): Promise<T> {
    return this.locked(async () => {
      const tx: SqlBackend = {
        dialect: 'sqlite',
        query: async (sql, params = []) => this.queryNow(sql, params),
        run: async (sql, params = []) => this.runNow(sql, params),
        exec: async (sql) => void this.db.exec(sql),
        transaction: (inner) => inner(tx),
        close: async () => undefined,
      };
      // IMMEDIATE: take the write lock first, so two processes cannot both read and then both write.
      this.db.exec('BEGIN IMMEDIATE');
      try {
        const r = await fn(tx);
        this.db.exec('COMMIT');
        return r;
      } catch (err) {
        this.db.exec('ROLLBACK');
        throw err;
      }
    });
  }

  async close(): Promise<void> {
    await this.lock;
    this.db.close();
  }
}

/** `?` placeholders (outside string literals) as PostgreSQL's `$n`. */
function numbered(sql: string): string {
  let n = 0;
  return sql
    .split(/('(?:[^']|'')*')/)
    .map((part, i) => (i % 2 === 1 ? part : part.replace(/\?/g, () => `$${++n}`)))
    .join('');
}

function param(v: SqlValue): unknown {
  return typeof v === 'bigint' ? v.toString() : v;
}

/** A PostgreSQL database shared by several nodes (`--state postgres://…`). */
export class PostgresBackend implements SqlBackend {
  readonly dialect = 'postgres' as const;

  private constructor(
    private readonly pool: pg.Pool,
    readonly redactedUri: string,
  ) {}

  static async open(uri: string, redactedUri: string): Promise<PostgresBackend> {
    // Loaded here, not at start-up: most runs keep their state in SQLite, and pg costs ~40 ms to load.
    const { default: pgModule } = await import('pg');
    const pool = new pgModule.Pool({ connectionString: uri, max: 4 });
    // An idle client that loses its server must not crash the process: the next query reports it.
    pool.on('error', () => undefined);
    try {
      const c = await pool.connect();
      c.release();
    } catch (err) {
      await pool.end().catch(() => undefined);
      throw new StrongroomError(
        'STATE_STORE_UNAVAILABLE',
        `cannot reach the state store ${redactedUri}: ${err instanceof Error ? err.message : String(err)}`,
        { cause: err },
      );
    }
    return new PostgresBackend(pool, redactedUri);
  }

  async query(sql: string, params: readonly SqlValue[] = []): Promise<SqlRow[]> {
    return (await this.pool.query(numbered(sql), params.map(param))).rows as SqlRow[];
  }

  async run(sql: string, params: readonly SqlValue[] = []): Promise<number> {
    return (await this.pool.query(numbered(sql), params.map(param))).rowCount ?? 0;
  }

  async exec(sql: string): Promise<void> {
    await this.pool.query(sql);
  }

  async transaction<T>(fn: (tx: SqlBackend) => Promise<T>): Promise<T> {
    const client = await this.pool.connect();
    const tx: SqlBackend = {
      dialect: 'postgres',
      query: async (sql, params = []) =>
        (await client.query(numbered(sql), params.map(param))).rows as SqlRow[],
      run: async (sql, params = []) => (await client.query(numbered(sql), params.map(param))).rowCount ?? 0,
      exec: async (sql) => void (await client.query(sql)),
      transaction: (inner) => inner(tx),
      close: async () => undefined,
    };
    try {
      await client.query('BEGIN');
      const r = await fn(tx);
      await client.query('COMMIT');
      return r;
    } catch (err) {
      await client.query('ROLLBACK').catch(() => undefined);
      throw err;
    } finally {
      client.release();
    }
  }

  async close(): Promise<void> {
    await this.pool.end();
  }
}
