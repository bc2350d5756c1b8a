// The sqlite source: databases are files (a directory of `<name>.db`, or one file), the session
// connection runs forwarded statements, snapshots and restores use connections of their own.
import { dirname } from 'node:path';
import { StrongroomError } from '@strongroom/errors';
import type { RestoreRequest, ResultSet, Snapshot, Source } from '../types.js';
import { resolveSqliteLocation } from './location.js';
import { restoreIntoFile } from './restore.js';
import { restoreFromPages } from './restore-pages.js';
import { SqliteSession } from './session.js';
import { SqliteSnapshot } from './snapshot.js';
import { removeStaleTemporaries } from './temp-files.js';

export interface SqliteSourceOptions {
  /** The engine's home directory; the embedded default databases live in `<home>/data/`. */
  readonly home: string;
}

export class SqliteSource implements Source {
  readonly kind = 'sqlite';
  readonly redactedUri: string;
  readonly #session: SqliteSession;
  readonly #snapshots = new Set<SqliteSnapshot>();

  constructor(uri: string | undefined, options: SqliteSourceOptions) {
    const location = resolveSqliteLocation(uri, options.home);
    // A sqlite URI has no secret parts; the default is shown as the URI it stands for.
    this.redactedUri =
      uri ??
      (location.mode === 'directory'
        ? `sqlite://${encodeURI(location.dir)}/`
        : `sqlite://${encodeURI(location.file)}`);
    this.#session = new SqliteSession(location);
  }

  async listDatabases(): Promise<readonly string[]> {
    return this.#session.listDatabases();
  }

  async openSnapshot(databases: readonly string[], signal?: AbortSignal): Promise<Snapshot> {
    if (signal?.aborted) throw new StrongroomError('CANCELED', 'canceled');
    const files = new Map(databases.map((name) => [name, this.#session.pathOf(name)]));
    const snapshot = await SqliteSnapshot.open(files, () => this.#snapshots.delete(snapshot));
    this.#snapshots.add(snapshot);
    return snapshot;
  }

  async restore(request: RestoreRequest): Promise<{ readonly rows: number }> {
    if (request.createDatabase && !this.#session.directoryMode) {
      throw new StrongroomError(
        'UNSUPPORTED_STATEMENT',
        'a single-file sqlite source cannot create databases',
        {
          hint: 'use a directory source (sqlite:///…/dir/) or restore into the existing database',
        },
      );
    }
    const file = this.#session.pathOf(request.database);
    // What a killed restore or backup left behind goes first.
    removeStaleTemporaries(dirname(file));
    const rows = request.databasePages
      ? await restoreFromPages(file, request.createDatabase, request)
      : await restoreIntoFile(file, request.createDatabase, request);
    // The session sees changes to attached files by itself; a new database has to be attached.
    if (request.createDatabase) this.#session.tryAttach(request.database);
    return { rows };
  }

  async execute(sql: string, params?: readonly unknown[]): Promise<ResultSet> {
    return this.#session.execute(sql, params);
  }

  async close(): Promise<void> {
    for (const snapshot of [...this.#snapshots]) await snapshot.close();
    this.#session.close();
  }
}
