// The subset of better-sqlite3 that the sqlite source uses, typed here (the package ships no types) and
// loaded lazily, so importing @strongroom/sources never loads the native addon unless SQLite is used.
import { createRequire } from 'node:module';

export interface ColumnDescription {
  readonly name: string;
  readonly column: string | null;
  readonly table: string | null;
  readonly database: string | null;
  /** Declared type of the source column; null for expressions. */
  readonly type: string | null;
}

export interface RunResult {
  readonly changes: number;
  readonly lastInsertRowid: number | bigint;
}

export interface SqliteStatement {
  /** True when the statement returns rows (SELECT, PRAGMA with output, … RETURNING). */
  readonly reader: boolean;
  raw(toggle?: boolean): this;
  pluck(toggle?: boolean): this;
  safeIntegers(toggle?: boolean): this;
  columns(): ColumnDescription[];
  run(...params: unknown[]): RunResult;
  get(...params: unknown[]): unknown;
  all(...params: unknown[]): unknown[];
  /** Read statements may interleave on one connection; writes fail while an iterator is open. */
  iterate(...params: unknown[]): IterableIterator<unknown>;
}

export interface SqliteDatabase {
  readonly open: boolean;
  readonly inTransaction: boolean;
  prepare(sql: string): SqliteStatement;
  exec(sql: string): this;
  defaultSafeIntegers(toggle?: boolean): this;
  /**
   * SQLite's online backup of `main` into a new file, `progress` giving the pages per step. Inside a read
   * transaction, every step reads that transaction's snapshot.
   */
  backup(
    file: string,
    options?: { progress?: (p: { totalPages: number; remainingPages: number }) => number },
  ): Promise<unknown>;
  close(): this;
}

export interface OpenOptions {
  readonly readonly?: boolean;
  readonly fileMustExist?: boolean;
  /** How long a statement waits on a locked database before SQLITE_BUSY. */
  readonly timeoutMs?: number;
}

type DatabaseConstructor = new (
  filename: string,
  options: { readonly?: boolean; fileMustExist?: boolean; timeout?: number },
) => SqliteDatabase;

let constructorCache: DatabaseConstructor | undefined;

/**
 * Opens a connection with exact integers (INTEGER values come back as bigint). The caller closes it.
 */
export function openDatabase(path: string, options: OpenOptions = {}): SqliteDatabase {
  constructorCache ??= createRequire(import.meta.url)('better-sqlite3') as DatabaseConstructor;
  const db = new constructorCache(path, {
    readonly: options.readonly ?? false,
    fileMustExist: options.fileMustExist ?? false,
    timeout: options.timeoutMs ?? 5000,
  });
  db.defaultSafeIntegers(true);
  return db;
}
