// The sqlite source: databases are files (a directory of `<name>.db`, or one file). Forwarded statements
// run in the session's host process (session-client.ts), off the caller's event loop; snapshots and
// restores use connections of their own.

import { existsSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { StrongroomError } from '@strongroom/errors';
import type {
  RestoreRequest,
  ResultSet,
  ResultValue,
  RowSink,
  Snapshot,
  Source,
  StatementDescription,
} from '../types.js';
import { type ColumnDescription, openDatabase } from './driver.js';
import { sqliteCall } from './errors.js';
import { databasesInDirectory } from './files.js';
import { DEFAULT_DATABASE, databaseFile, resolveSqliteLocation, type SqliteLocation } from './location.js';
import { restoreIntoFile } from './restore.js';
import { restoreFromPages } from './restore-pages.js';
import { toResultSet } from './result-set.js';
import { SqliteSessionClient } from './session-client.js';
import { SqliteSnapshot } from './snapshot.js';
import { removeStaleTemporaries } from './temp-files.js';

export interface SqliteSourceOptions {
  /** The engine's home directory; the embedded default databases live in `<home>/data/`. */
  readonly home: string;
}

export class SqliteSource implements Source {
  readonly kind = 'sqlite';
  readonly redactedUri: string;
  readonly #location: SqliteLocation;
  readonly #session: SqliteSessionClient;
  readonly #snapshots = new Set<SqliteSnapshot>();

  constructor(uri: string | undefined, options: SqliteSourceOptions) {
    const location = resolveSqliteLocation(uri, options.home);
    this.#location = location;
    // A sqlite URI has no secret parts; the default is shown as the URI it stands for.
    this.redactedUri =
      uri ??
      (location.mode === 'directory'
        ? `sqlite://${encodeURI(location.dir)}/`
        : `sqlite://${encodeURI(location.file)}`);
    this.#session = new SqliteSessionClient(location);
    // The session's database exists from the start (it is listed, and backed up, before any statement).
    if (location.mode === 'directory') {
      const main = join(location.dir, `${DEFAULT_DATABASE}.db`);
      if (!existsSync(main)) sqliteCall(() => openDatabase(main).close());
    }
  }

  async listDatabases(): Promise<readonly string[]> {
    return this.#location.mode === 'directory'
      ? databasesInDirectory(this.#location.dir)
      : [this.#location.database];
  }

  /** The file of a database, whether or not it exists; validates the name. */
  #pathOf(name: string): string {
    return databaseFile(this.#location, name);
  }

  async openSnapshot(databases: readonly string[], signal?: AbortSignal): Promise<Snapshot> {
    if (signal?.aborted) throw new StrongroomError('CANCELED', 'canceled');
    const files = new Map(databases.map((name) => [name, this.#pathOf(name)]));
    const snapshot = await SqliteSnapshot.open(files, () => this.#snapshots.delete(snapshot));
    this.#snapshots.add(snapshot);
    return snapshot;
  }

  async restore(request: RestoreRequest): Promise<{ readonly rows: number }> {
    if (request.createDatabase && this.#location.mode !== 'directory') {
      throw new StrongroomError(
        'UNSUPPORTED_STATEMENT',
        'a single-file sqlite source cannot create databases',
        {
          hint: 'use a directory source (sqlite:///…/dir/) or restore into the existing database',
        },
      );
    }
    const file = this.#pathOf(request.database);
    // What a killed restore or backup left behind goes first.
    removeStaleTemporaries(dirname(file));
    // The session attaches a database when a statement names it, so a new one needs nothing more.
    const rows = request.databasePages
      ? await restoreFromPages(file, request.createDatabase, request)
      : await restoreIntoFile(file, request.createDatabase, request);
    return { rows };
  }

  async execute(
    sql: string,
    params: readonly unknown[] = [],
    options: { readonly signal?: AbortSignal } = {},
  ): Promise<ResultSet> {
    return this.#session.execute(sql, params, options.signal);
  }

  /** Column types come from the first batch's values where they agree, else the declared types. */
  async stream(
    sql: string,
    params: readonly unknown[],
    sink: RowSink,
    options: { readonly signal?: AbortSignal } = {},
  ): Promise<string> {
    let columns: readonly ColumnDescription[] | undefined;
    let described = false;
    const describe = (rows: readonly (readonly ResultValue[])[]): void => {
      if (described || columns === undefined) return;
      described = true;
      sink.columns(toResultSet(columns, rows, '').columns);
    };
    let result: ResultSet | undefined;
    const tag = await this.#session.stream(
      sql,
      params,
      {
        onColumns: (c) => {
          columns = c;
        },
        onRows: async (rows) => {
          describe(rows);
          await sink.rows(rows);
          return true;
        },
        onResult: (r) => {
          result = r;
        },
      },
      options.signal,
    );
    if (result) {
      if (result.columns.length > 0) sink.columns(result.columns);
      if (result.rows.length > 0) await sink.rows(result.rows);
    } else describe([]);
    return tag;
  }

  async describe(sql: string): Promise<StatementDescription> {
    return this.#session.describe(sql);
  }

  async close(): Promise<void> {
    for (const snapshot of [...this.#snapshots]) await snapshot.close();
    await this.#session.close();
  }
}
