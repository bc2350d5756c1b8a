// A consistent snapshot of sqlite databases: one read-only connection per database holding a read
// transaction for the snapshot's lifetime, so every read sees the database as of the moment it began
// while writers keep committing.
import { existsSync, statSync } from 'node:fs';
import { dirname } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { StrongroomError } from '@strongroom/errors';
import type { DatabaseSchema, PageSpans, Snapshot, SpanBounds, SpanChunk } from '../types.js';
import { openDatabase, type SqliteDatabase } from './driver.js';
import { sqliteCall, toSourceError } from './errors.js';
import { nameKey } from './names.js';
import { DATABASE_OWNER, PageMap } from './page-map.js';
import { readSchema, type SchemaWithLayouts, type TableLayout } from './schema.js';
import { planRowidSpans, readTableSpan } from './spans.js';
import { removeStaleTemporaries, removeTemporary, tempPath } from './temp-files.js';

/**
 * A long read transaction in rollback-journal mode holds a SHARED lock that keeps every writer from
 * committing until the backup ends; in WAL mode readers and writers do not block each other, and the
 * reader keeps seeing its snapshot. So the database is switched to WAL (a persistent property of the file;
 * readers in other processes keep working). While the snapshot is held, checkpoints cannot pass it, so the
 * -wal file grows with the writes made meanwhile and shrinks at the next checkpoint after it.
 */
async function ensureWal(file: string): Promise<void> {
  const db = openDatabase(file, { fileMustExist: true });
  try {
    // The switch needs the database to itself for a moment, and SQLite reports BUSY at once instead of
    // waiting when another connection is mid-transaction: retry while writers come and go.
    for (let attempt = 0; ; attempt++) {
      try {
        const mode = db.prepare('PRAGMA journal_mode').pluck().get() as string;
        if (mode.toLowerCase() !== 'wal') db.prepare('PRAGMA journal_mode = WAL').run();
        break;
      } catch (err) {
        const busy = /^SQLITE_(BUSY|LOCKED)/.test(String((err as { code?: unknown }).code));
        if (!busy || attempt >= WAL_SWITCH_ATTEMPTS) throw err;
        await sleep(Math.min(2 + attempt, 20));
      }
    }
    // Empties the WAL when no reader or writer is in the way (never waiting for one), so that the snapshot
    // can usually read its pages straight from the database file (see pagesFile).
    db.exec('PRAGMA busy_timeout = 0');
    try {
      db.prepare('PRAGMA wal_checkpoint(TRUNCATE)').get();
    } catch {
      // Busy: the snapshot copies its pages instead.
    }
  } finally {
    db.close();
  }
}

/** Whether `file`'s WAL holds no frames. */
function walIsEmpty(file: string): boolean {
  try {
    return statSync(`${file}-wal`).size === 0;
  } catch {
    return true;
  }
}

/** About ten seconds of retries in all. */
const WAL_SWITCH_ATTEMPTS = 550;

interface Held {
  readonly db: SqliteDatabase;
  readonly file: string;
  /** The WAL held no frames once the read transaction had begun (see pagesFile). */
  readonly walEmpty: boolean;
  schema?: SchemaWithLayouts;
  pageMap?: Promise<PageMap>;
  /** A file with the snapshot's pages: the database file itself, or a copy made by the backup API. */
  pagesFile?: Promise<string>;
  copy?: string;
}

export class SqliteSnapshot implements Snapshot {
  readonly time: Date;
  readonly #held: Map<string, Held>;
  readonly #onClose: () => void;

  private constructor(held: Map<string, Held>, onClose: () => void) {
    this.#held = held;
    this.#onClose = onClose;
    this.time = new Date();
  }

  /** Begins a read transaction on each database; `time` is taken once all of them hold one. */
  static async open(files: ReadonlyMap<string, string>, onClose: () => void): Promise<SqliteSnapshot> {
    const held = new Map<string, Held>();
    try {
      for (const [name, file] of files) {
        if (!existsSync(file))
          throw new StrongroomError('DATABASE_NOT_FOUND', `database ${name} does not exist`);
        await ensureWal(file);
        removeStaleTemporaries(dirname(file));
        const db = sqliteCall(() => openDatabase(file, { readonly: true, fileMustExist: true }));
        // BEGIN alone is deferred: the snapshot is fixed by the first read, made right away.
        sqliteCall(() => {
          db.exec('BEGIN');
          db.prepare('SELECT count(*) FROM main.sqlite_master').pluck().get();
        });
        held.set(name, { db, file, walEmpty: walIsEmpty(file) });
      }
    } catch (err) {
      for (const h of held.values()) h.db.close();
      throw toSourceError(err);
    }
    return new SqliteSnapshot(held, onClose);
  }

  #database(name: string): Held {
    const held = this.#held.get(name);
    if (held === undefined) {
      throw new StrongroomError('DATABASE_NOT_FOUND', `database ${name} is not part of this snapshot`);
    }
    return held;
  }

  #schema(name: string): SchemaWithLayouts {
    const held = this.#database(name);
    held.schema ??= sqliteCall(() => readSchema(held.db, name));
    return held.schema;
  }

  #layout(database: string, table: string): TableLayout {
    const layout = this.#schema(database).layouts.get(nameKey(table));
    if (layout === undefined)
      throw new StrongroomError('TARGET_NOT_FOUND', `table ${database}.${table} does not exist`);
    return layout;
  }

  async schema(database: string): Promise<DatabaseSchema> {
    return this.#schema(database).schema;
  }

  async planSpans(database: string, table: string, previous?: readonly string[]): Promise<readonly string[]> {
    const layout = this.#layout(database, table);
    // The chain's boundaries are kept so that incrementals compare the same spans; a grown table only
    // makes its last span larger.
    if (previous !== undefined) return previous;
    return sqliteCall(() => planRowidSpans(this.#database(database).db, layout));
  }

  async *readSpan(
    database: string,
    table: string,
    bounds: SpanBounds,
    signal?: AbortSignal,
  ): AsyncGenerator<SpanChunk> {
    const layout = this.#layout(database, table);
    yield* readTableSpan(this.#database(database).db, layout, bounds, signal);
  }

  readonly pages: PageSpans = {
    database: async (database) => {
      const map = await this.#pageMap(database);
      return {
        attributes: { spans: 'pages', pageSize: map.pageSize, pageCount: map.pageCount },
        boundaries: map.boundaries(DATABASE_OWNER),
      };
    },
    planSpans: async (database, table) => {
      const map = await this.#pageMap(database);
      return map.boundaries(map.ownerOf(table));
    },
    readSpan: (database, table, bounds, signal) => this.#readPages(database, table, bounds, signal),
  };

  async *#readPages(
    database: string,
    table: string,
    bounds: SpanBounds,
    signal?: AbortSignal,
  ): AsyncGenerator<SpanChunk> {
    const map = await this.#pageMap(database);
    const owner = map.ownerOf(table);
    yield* map.read(await this.#pagesFile(database), owner, bounds, signal);
  }

  #pageMap(database: string): Promise<PageMap> {
    const held = this.#database(database);
    const tables = this.#schema(database).schema.tables.map((t) => ({
      name: t.name,
      withoutRowid: t.attributes.withoutRowid === true,
    }));
    held.pageMap ??= this.#pagesFile(database).then((file) =>
      sqliteCall(() => PageMap.read(held.db, file, tables)),
    );
    return held.pageMap;
  }

  /**
   * A file holding exactly the snapshot's pages. In WAL mode the database file alone is the snapshot when
   * the snapshot's read transaction uses no WAL frame, which holds when the WAL was empty once it had
   * begun: frames are only ever appended after that, and SQLite copies no frame back into the database
   * file (checkpoint) while a transaction that reads the file without the WAL (read lock 0) is open.
   * Otherwise SQLite's backup API copies the pages, reading them inside the same read transaction, into
   * a temporary file next to the database (FORMAT.md explains both).
   */
  #pagesFile(database: string): Promise<string> {
    const held = this.#database(database);
    held.pagesFile ??= (async () => {
      if (held.walEmpty) return held.file;
      const copy = tempPath(dirname(held.file), 'snapshot');
      held.copy = copy;
      await held.db.backup(copy, { progress: () => 16384 });
      return copy;
    })();
    return held.pagesFile;
  }

  async close(): Promise<void> {
    for (const held of this.#held.values()) {
      // Closing ends the read transaction (a read-only one has nothing to commit).
      try {
        if (held.db.open) held.db.close();
      } catch {
        // A span still being read keeps its statement busy; the connection goes with the process.
      }
      if (held.copy !== undefined) removeTemporary(held.copy);
    }
    this.#held.clear();
    this.#onClose();
  }
}
